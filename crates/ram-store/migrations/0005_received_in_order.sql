-- A receiver's listings walk the shares reaching it in share ARN order (see received.rs): the
-- principal associations naming an organization or OU are read in that order too.
DROP INDEX associations_by_entity;
CREATE INDEX associations_by_entity ON associations(association_type, entity, region, share_arn);

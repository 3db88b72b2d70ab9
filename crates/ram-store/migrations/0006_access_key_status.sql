-- An access key can be deactivated (refused, kept) and reactivated, as IAM's keys can.
ALTER TABLE access_keys ADD COLUMN active BIGINT NOT NULL DEFAULT 1;

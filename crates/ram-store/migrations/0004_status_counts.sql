-- Quotas read counters instead of scanning an account's rows. status_counts holds, per account,
-- Region and kind of row, how many rows are in each *stored* status. Triggers (the backend's own
-- file of this migration) keep it exact in the same transaction as every insert, status change
-- and delete. A row whose timed transition has passed still holds its old stored status until a
-- writer settles it (status := next_status, which changes nothing it shows: its effective status
-- already is next_status). The partial indexes below find those rows without a scan.
CREATE TABLE status_counts (
    account TEXT NOT NULL,
    region TEXT NOT NULL,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (account, region, kind, status)
);
INSERT INTO status_counts (account, region, kind, status, n)
    SELECT owner_account, region, 'share', status, COUNT(*) FROM resource_shares GROUP BY owner_account, region, status;
INSERT INTO status_counts (account, region, kind, status, n)
    SELECT owner_account, region, association_type, status, COUNT(*) FROM associations GROUP BY owner_account, region, association_type, status;
INSERT INTO status_counts (account, region, kind, status, n)
    SELECT sender_account, region, 'invitation', status, COUNT(*) FROM invitations GROUP BY sender_account, region, status;
CREATE INDEX shares_in_transition ON resource_shares(owner_account, transition_ms) WHERE status <> next_status;
CREATE INDEX associations_in_transition ON associations(owner_account, transition_ms) WHERE status <> next_status;
CREATE INDEX invitations_in_transition ON invitations(sender_account, transition_ms) WHERE status <> next_status;

-- The event feed: one row per change to a share, its associations, its invitations or its
-- permissions, written in the transaction of the change, numbered per share owner without gaps
-- (each number is the account's last plus one, read in the same transaction). ramd renders each
-- as an EventBridge event (source aws.ram).
CREATE TABLE feed_events (
    account_id TEXT NOT NULL,
    seq BIGINT NOT NULL,
    share_arn TEXT NOT NULL,
    region TEXT NOT NULL,
    kind TEXT NOT NULL,
    entity TEXT,
    status TEXT NOT NULL,
    created_ms BIGINT NOT NULL,
    PRIMARY KEY (account_id, seq)
);
-- How far each webhook has been delivered, per account.
CREATE TABLE feed_deliveries (
    webhook TEXT NOT NULL,
    account_id TEXT NOT NULL,
    delivered_seq BIGINT NOT NULL,
    PRIMARY KEY (webhook, account_id)
);
-- Which replica delivers (one at a time, so that a share's events go out in order).
CREATE TABLE feed_lease (
    id BIGINT NOT NULL PRIMARY KEY,
    holder TEXT NOT NULL,
    until_ms BIGINT NOT NULL
);

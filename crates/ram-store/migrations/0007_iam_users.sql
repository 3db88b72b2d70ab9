-- IAM users, whose access keys (access_keys.principal_arn = the user's ARN) sign as them. Names are
-- unique within an account regardless of case, as in IAM (user_key is the lower-cased name).
CREATE TABLE iam_users (
    account_id TEXT NOT NULL,
    user_key TEXT NOT NULL,
    user_name TEXT NOT NULL,
    user_id TEXT NOT NULL,
    path TEXT NOT NULL,
    tags TEXT NOT NULL,
    created_ms BIGINT NOT NULL,
    PRIMARY KEY (account_id, user_key)
);

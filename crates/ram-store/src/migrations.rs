//! The schema, as the numbered portable SQL migrations of `crates/ram-store/migrations/`. Each migration is applied in its own
//! transaction together with the insert of its version row: two processes migrating at once
//! conflict on that row's primary key instead of needing an advisory lock (which the distributed
//! PostgreSQL-compatible engines lack). The loser's transaction rolls back and it re-reads.

use crate::engine::query;

use crate::{Store, StoreError};

/// The numbered files of `crates/ram-store/migrations/`, in order. A test checks that every file
/// there is listed.
const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../migrations/0001_core.sql")),
    (2, include_str!("../migrations/0002_organizations.sql")),
    (
        3,
        include_str!("../migrations/0003_customer_permissions.sql"),
    ),
    (4, include_str!("../migrations/0004_status_counts.sql")),
    (5, include_str!("../migrations/0005_received_in_order.sql")),
    (6, include_str!("../migrations/0006_access_key_status.sql")),
    (7, include_str!("../migrations/0007_iam_users.sql")),
    (8, include_str!("../migrations/0008_iam_policies.sql")),
    (9, include_str!("../migrations/0009_org_policies.sql")),
    (10, include_str!("../migrations/0010_audit_events.sql")),
    (11, include_str!("../migrations/0011_event_feed.sql")),
];

/// The schema version this build writes: its newest migration.
pub const SCHEMA_VERSION: i64 = MIGRATIONS[MIGRATIONS.len() - 1].0;

/// The parts of a migration that cannot be portable (triggers), per backend: the file
/// `NNNN_name.sqlite.sql` or `NNNN_name.postgres.sql`, run whole after the portable part.
const BACKEND_PARTS: &[(i64, &str, &str)] = &[(
    4,
    include_str!("../migrations/0004_status_counts.sqlite.sql"),
    include_str!("../migrations/0004_status_counts.postgres.sql"),
)];

/// The tables the migrations create, in creation order (dropped ones left out).
pub(crate) fn tables() -> Vec<&'static str> {
    let mut tables: Vec<&'static str> = Vec::new();
    for (_, sql) in MIGRATIONS {
        for statement in sql.split(';') {
            // A statement's own words, after the comment lines that may head it.
            let words: Vec<&'static str> = statement
                .lines()
                .filter(|line| !line.trim_start().starts_with("--"))
                .flat_map(str::split_whitespace)
                .take(3)
                .collect();
            match words[..] {
                ["CREATE", "TABLE", name] => tables.push(name),
                ["DROP", "TABLE", name] => tables.retain(|t| *t != name),
                _ => {}
            }
        }
    }
    tables
}

pub(crate) async fn run(store: &Store) -> Result<(), StoreError> {
    // Several processes may start at once: whoever loses a race (on the version row, or on
    // PostgreSQL's catalogue while creating a table) re-reads and finds the work done.
    let mut attempt = 0;
    loop {
        match run_once(store).await {
            Ok(()) => return Ok(()),
            Err(e) if attempt < 10 && !matches!(e, StoreError::Unavailable(_)) => {
                attempt += 1;
                tracing::debug!(error = %e, attempt, "migration raced another process; retrying");
                tokio::time::sleep(std::time::Duration::from_millis(50 * attempt)).await;
            }
            Err(e) => return Err(e),
        }
    }
}

async fn run_once(store: &Store) -> Result<(), StoreError> {
    let mut tx = store.begin().await?;
    tx.tx
        .execute_text("CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_ms BIGINT NOT NULL)")
        .await?;
    tx.commit().await?;
    for (version, sql) in MIGRATIONS {
        let mut tx = store.begin().await?;
        let done = query("SELECT version FROM schema_migrations WHERE version = $1")
            .bind(*version)
            .fetch_optional(&mut tx.tx)
            .await?;
        if done.is_some() {
            tx.rollback().await?;
            continue;
        }
        query("INSERT INTO schema_migrations (version, applied_ms) VALUES ($1, $2)")
            .bind(*version)
            .bind(now_ms())
            .execute(&mut tx.tx)
            .await?;
        for statement in sql.split(';').map(str::trim).filter(|s| !s.is_empty()) {
            tx.tx.execute_text(statement).await?;
        }
        for (_, sqlite, postgres) in BACKEND_PARTS.iter().filter(|(v, _, _)| v == version) {
            let part = match store.backend() {
                crate::Backend::Sqlite => sqlite,
                crate::Backend::Postgres => postgres,
            };
            tx.tx.execute_text(part).await?;
        }
        tx.commit().await?;
    }
    Ok(())
}

/// Migrations happen outside any request, so they read the wall clock directly.
fn now_ms() -> i64 {
    let d = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_migration_file_is_listed_in_order() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/migrations");
        let mut files: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        files.sort();
        let backend_files: Vec<String> = files
            .iter()
            .filter(|f| f.ends_with(".sqlite.sql") || f.ends_with(".postgres.sql"))
            .cloned()
            .collect();
        files.retain(|f| !backend_files.contains(f));
        assert_eq!(
            backend_files.len(),
            2 * BACKEND_PARTS.len(),
            "{backend_files:?}"
        );
        for (version, sqlite, postgres) in BACKEND_PARTS {
            let portable = files
                .iter()
                .find(|f| f[..4].parse::<i64>().ok() == Some(*version))
                .expect("a backend part belongs to a numbered migration");
            let stem = portable.trim_end_matches(".sql");
            for (ending, text) in [("sqlite", sqlite), ("postgres", postgres)] {
                let file = format!("{stem}.{ending}.sql");
                assert_eq!(
                    &std::fs::read_to_string(format!("{dir}/{file}")).unwrap(),
                    text,
                    "{file}"
                );
            }
        }
        assert_eq!(files.len(), MIGRATIONS.len(), "{files:?}");
        for (file, (version, sql)) in files.iter().zip(MIGRATIONS) {
            let number: i64 = file[..4].parse().unwrap();
            assert_eq!(number, *version, "{file}");
            let text = std::fs::read_to_string(format!("{dir}/{file}")).unwrap();
            assert_eq!(&text, sql, "{file} is the migration numbered {version}");
        }
    }

    #[test]
    fn the_schema_names_its_tables() {
        let tables = tables();
        for t in [
            "accounts",
            "resource_shares",
            "associations",
            "org_handshakes",
            "permissions",
            "iam_users",
        ] {
            assert!(tables.contains(&t), "{t} in {tables:?}");
        }
        // Every table a migration creates, wherever the statement sits (after a comment too), and
        // not dropped since: export, import and reset would miss any other.
        for (_, sql) in MIGRATIONS {
            for part in sql.split("CREATE TABLE ").skip(1) {
                let name = part.split_whitespace().next().unwrap_or_default();
                let dropped = MIGRATIONS
                    .iter()
                    .any(|(_, s)| s.contains(&format!("DROP TABLE {name}")));
                assert!(dropped || tables.contains(&name), "{name} in {tables:?}");
            }
        }
    }
}

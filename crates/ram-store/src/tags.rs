//! The three tag tables (of shares, permissions, and organization entities) have one shape:
//! `(<owner column>, tag_key, tag_value)` keyed by owner and key. One implementation serves them.

use sqlx::Row;

use crate::query::Sql;
use crate::records::Tag;
use crate::{StoreError, Tx};

#[derive(Debug, Clone, Copy)]
pub(crate) struct TagTable {
    table: &'static str,
    owner: &'static str,
}

pub(crate) const SHARE_TAGS: TagTable = TagTable {
    table: "share_tags",
    owner: "share_arn",
};
pub(crate) const PERMISSION_TAGS: TagTable = TagTable {
    table: "permission_tags",
    owner: "permission_arn",
};
pub(crate) const ORG_TAGS: TagTable = TagTable {
    table: "org_tags",
    owner: "resource_id",
};

impl Tx {
    /// Tags of each owner, sorted by owner then key.
    pub(crate) async fn tags_of(
        &mut self,
        t: TagTable,
        owners: &[String],
    ) -> Result<Vec<(String, Tag)>, StoreError> {
        if owners.is_empty() {
            return Ok(Vec::new());
        }
        let mut sql = Sql::new(&format!(
            "SELECT {owner} AS owner, tag_key, tag_value FROM {table} WHERE ",
            owner = t.owner,
            table = t.table
        ));
        sql.in_list(t.owner, owners)
            .push(&format!(" ORDER BY {}, tag_key", t.owner));
        let rows = sql.query().fetch_all(&mut *self.tx).await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get("owner")?,
                    Tag {
                        key: r.try_get("tag_key")?,
                        value: r.try_get("tag_value")?,
                    },
                ))
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(Into::into)
    }

    /// Sets tags, replacing the values of keys the owner already has.
    pub(crate) async fn put_tags(
        &mut self,
        t: TagTable,
        owner: &str,
        tags: &[Tag],
    ) -> Result<(), StoreError> {
        for tag in tags {
            let mut sql = Sql::new(&format!(
                "INSERT INTO {} ({}, tag_key, tag_value) VALUES (",
                t.table, t.owner
            ));
            sql.text(owner)
                .push(", ")
                .text(&tag.key)
                .push(", ")
                .text(&tag.value);
            sql.push(&format!(
                ") ON CONFLICT ({}, tag_key) DO UPDATE SET tag_value = ",
                t.owner
            ))
            .text(&tag.value);
            sql.query().execute(&mut *self.tx).await?;
        }
        Ok(())
    }

    /// Removes the given keys (all of the owner's tags when `keys` is `None`).
    pub(crate) async fn remove_tags(
        &mut self,
        t: TagTable,
        owner: &str,
        keys: Option<&[String]>,
    ) -> Result<(), StoreError> {
        if keys.is_some_and(<[String]>::is_empty) {
            return Ok(());
        }
        let mut sql = Sql::new(&format!("DELETE FROM {} WHERE {} = ", t.table, t.owner));
        sql.text(owner);
        if let Some(keys) = keys {
            sql.push(" AND ").in_list("tag_key", keys);
        }
        sql.query().execute(&mut *self.tx).await?;
        Ok(())
    }
}

//! The three tag tables (of shares, permissions, and organization entities) have one shape:
//! `(<owner column>, tag_key, tag_value)` keyed by owner and key. One implementation serves them.

use crate::engine::{DbError, query};
use crate::query::Sql;
use crate::records::Tag;
use crate::{ReadTx, StoreError, WriteTx};

/// The constant statements of one tag table.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TagTable {
    /// `SELECT owner, tag_key, tag_value ... WHERE <owner column>`: an `IN` list follows.
    select: &'static str,
    order: &'static str,
    /// The tags of one owner, `$1`, by key.
    select_one: &'static str,
    /// `$1` owner, `$2` key, `$3` value.
    upsert: &'static str,
    /// `$1` owner.
    delete_all: &'static str,
    /// `$1` owner, `$2` key.
    delete_key: &'static str,
}

macro_rules! tag_table {
    ($table:literal, $owner:literal) => {
        TagTable {
            select: concat!(
                "SELECT ",
                $owner,
                " AS owner, tag_key, tag_value FROM ",
                $table,
                " WHERE ",
                $owner
            ),
            order: concat!(" ORDER BY ", $owner, ", tag_key"),
            select_one: concat!(
                "SELECT tag_key, tag_value FROM ",
                $table,
                " WHERE ",
                $owner,
                " = $1 ORDER BY tag_key"
            ),
            upsert: concat!(
                "INSERT INTO ",
                $table,
                " (",
                $owner,
                ", tag_key, tag_value) VALUES ($1, $2, $3) ",
                "ON CONFLICT (",
                $owner,
                ", tag_key) DO UPDATE SET tag_value = $3"
            ),
            delete_all: concat!("DELETE FROM ", $table, " WHERE ", $owner, " = $1"),
            delete_key: concat!(
                "DELETE FROM ",
                $table,
                " WHERE ",
                $owner,
                " = $1 AND tag_key = $2"
            ),
        }
    };
}

pub(crate) const SHARE_TAGS: TagTable = tag_table!("share_tags", "share_arn");
pub(crate) const PERMISSION_TAGS: TagTable = tag_table!("permission_tags", "permission_arn");
pub(crate) const ORG_TAGS: TagTable = tag_table!("org_tags", "resource_id");

impl ReadTx {
    /// Tags of each owner, sorted by owner then key.
    pub(crate) async fn tags_of(
        &mut self,
        t: TagTable,
        owners: &[String],
    ) -> Result<Vec<(String, Tag)>, StoreError> {
        if owners.is_empty() {
            return Ok(Vec::new());
        }
        let mut sql = Sql::new(t.select);
        sql.in_list(owners).push(t.order);
        let rows = sql.query().fetch_all(&mut self.tx).await?;
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
            .collect::<Result<_, DbError>>()
            .map_err(Into::into)
    }

    /// Tags of one owner, sorted by key.
    pub(crate) async fn tags_of_one(
        &mut self,
        t: TagTable,
        owner: &str,
    ) -> Result<Vec<Tag>, StoreError> {
        let rows = query(t.select_one)
            .bind(owner)
            .fetch_all(&mut self.tx)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(Tag {
                    key: r.try_get("tag_key")?,
                    value: r.try_get("tag_value")?,
                })
            })
            .collect::<Result<_, DbError>>()
            .map_err(Into::into)
    }
}

impl WriteTx {
    /// Sets tags, replacing the values of keys the owner already has.
    pub(crate) async fn put_tags(
        &mut self,
        t: TagTable,
        owner: &str,
        tags: &[Tag],
    ) -> Result<(), StoreError> {
        for tag in tags {
            query(t.upsert)
                .bind(owner)
                .bind(&tag.key)
                .bind(&tag.value)
                .execute(&mut self.tx)
                .await?;
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
        match keys {
            None => {
                query(t.delete_all)
                    .bind(owner)
                    .execute(&mut self.tx)
                    .await?;
            }
            Some(keys) => {
                for key in keys {
                    query(t.delete_key)
                        .bind(owner)
                        .bind(key)
                        .execute(&mut self.tx)
                        .await?;
                }
            }
        }
        Ok(())
    }
}

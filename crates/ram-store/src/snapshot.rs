//! Every table's rows, out of a store and into an empty one (`ramd export` / `ramd import`). The
//! tables are those the migrations create, so nothing can be forgotten; `status_counts` is left
//! out, as the triggers rebuild it from the rows inserted. Values are the schema's two types
//! (BIGINT, TEXT) or NULL, so a table moves between SQLite and PostgreSQL as it is.

use crate::engine::{Query, Value, query};
use crate::{ReadTx, StoreError, WriteTx};

/// Tables kept by triggers from the others: not part of a snapshot.
const DERIVED: &[&str] = &["status_counts"];

/// One value of a row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    Int(i64),
    Text(String),
    Null,
}

/// A table's column, as the database's catalogue describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    pub name: String,
    pub integer: bool,
}

/// The tables a snapshot holds, in an order where every row's references come before it.
pub fn snapshot_tables() -> Vec<&'static str> {
    crate::migrations::tables()
        .into_iter()
        .filter(|t| !DERIVED.contains(t))
        .collect()
}

impl ReadTx {
    /// The columns of `table` (one of [`snapshot_tables`]), in the table's order.
    pub async fn table_columns(&mut self, table: &str) -> Result<Vec<Column>, StoreError> {
        let sql = match self.tx {
            crate::engine::Conn::Sqlite(_) => {
                "SELECT name, type FROM pragma_table_info($1) ORDER BY cid"
            }
            crate::engine::Conn::Postgres(_) => {
                "SELECT column_name AS name, data_type AS type FROM information_schema.columns WHERE table_name = $1 AND table_schema = current_schema() ORDER BY ordinal_position"
            }
        };
        let rows = query(sql).bind(table).fetch_all(&mut self.tx).await?;
        rows.iter()
            .map(|r| {
                let kind: String = r.try_get("type")?;
                Ok(Column {
                    name: r.try_get("name")?,
                    integer: kind.to_ascii_uppercase().contains("INT"),
                })
            })
            .collect()
    }

    /// Whether `table` (one of [`snapshot_tables`]) has no row, reading at most one.
    pub async fn table_is_empty(&mut self, table: &str) -> Result<bool, StoreError> {
        known_table(table)?;
        let rows = Query::built(format!("SELECT 1 AS one FROM {table} LIMIT 1"), Vec::new())
            .fetch_all(&mut self.tx)
            .await?;
        Ok(rows.is_empty())
    }

    /// Every row of `table` (one of [`snapshot_tables`]), its cells in `columns` order.
    pub async fn table_rows(
        &mut self,
        table: &str,
        columns: &[Column],
    ) -> Result<Vec<Vec<Cell>>, StoreError> {
        known_table(table)?;
        let names: Vec<&str> = columns.iter().map(|c| c.name.as_str()).collect();
        for name in &names {
            identifier(name)?;
        }
        let sql = format!("SELECT {} FROM {table}", names.join(", "));
        let rows = Query::built(sql, Vec::new())
            .fetch_all(&mut self.tx)
            .await?;
        Ok(rows
            .iter()
            .map(|row| {
                row.values()
                    .iter()
                    .map(|v| match v {
                        Value::Int(i) => Cell::Int(*i),
                        Value::Text(s) => Cell::Text(s.clone()),
                        Value::NullInt | Value::NullText => Cell::Null,
                    })
                    .collect()
            })
            .collect())
    }
}

impl WriteTx {
    /// Inserts `rows` (cells in `columns` order, columns named as the table's) into `table`.
    /// A column the table lacks, or a cell of the wrong type, is an error of the database's.
    pub async fn insert_rows(
        &mut self,
        table: &str,
        columns: &[Column],
        rows: &[Vec<Cell>],
    ) -> Result<(), StoreError> {
        known_table(table)?;
        for c in columns {
            identifier(&c.name)?;
        }
        let names: Vec<&str> = columns.iter().map(|c| c.name.as_str()).collect();
        let placeholders: Vec<String> = (1..=columns.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "INSERT INTO {table} ({}) VALUES ({})",
            names.join(", "),
            placeholders.join(", ")
        );
        for row in rows {
            let binds = row
                .iter()
                .zip(columns)
                .map(|(cell, column)| match (cell, column.integer) {
                    (Cell::Int(i), _) => Value::Int(*i),
                    (Cell::Text(s), _) => Value::Text(s.clone()),
                    (Cell::Null, true) => Value::NullInt,
                    (Cell::Null, false) => Value::NullText,
                })
                .collect();
            Query::built(sql.clone(), binds)
                .execute(&mut self.tx)
                .await?;
        }
        Ok(())
    }
}

fn known_table(table: &str) -> Result<(), StoreError> {
    if snapshot_tables().contains(&table) {
        Ok(())
    } else {
        Err(StoreError::NotInSchema(format!("no table {table:?}")))
    }
}

/// A column name goes into the statement's text: only what the schema's names are made of.
fn identifier(name: &str) -> Result<(), StoreError> {
    if !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    {
        Ok(())
    } else {
        Err(StoreError::NotInSchema(format!(
            "{name:?} is not a column name"
        )))
    }
}

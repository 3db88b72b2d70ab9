//! `ramd export` / `ramd import`: the whole store as one versioned JSON document, and back into an
//! empty store of either backend. The snapshot is every table of the schema (the store's
//! `snapshot_tables`), a row as an object of its columns, so nothing can be left behind; secret
//! access keys stay sealed under the master key (an import checks that its master key opens
//! them). An older snapshot imports into a newer ramd (the columns added since take their
//! defaults, as the migrations that added them gave old rows); a newer or malformed one is refused
//! before anything is written, and the import is one transaction.

use ram_store::{Cell, Column, SCHEMA_VERSION, Store, snapshot_tables};
use serde_json::{Map, Value, json};

use crate::progress;
use crate::secrets::{MasterKey, is_sealed};

/// What a snapshot says it is.
pub const FORMAT: &str = "ramd-snapshot";
/// The snapshot layout this build writes and the newest it reads.
pub const FORMAT_VERSION: i64 = 1;

/// The store as a snapshot document.
pub async fn export(store: &Store, now_ms: i64) -> Result<Value, String> {
    let tables_list = snapshot_tables();
    let bar = progress::bar(tables_list.len() as u64, "exporting");
    let mut tx = store.read().await.map_err(|e| e.to_string())?;
    let mut tables = Map::new();
    for table in tables_list {
        bar.set_message(table);
        let columns = tx.table_columns(table).await.map_err(|e| e.to_string())?;
        let rows = tx
            .table_rows(table, &columns)
            .await
            .map_err(|e| e.to_string())?;
        let rows: Vec<Value> = rows
            .into_iter()
            .map(|row| {
                Value::Object(
                    columns
                        .iter()
                        .zip(row)
                        .map(|(c, cell)| (c.name.clone(), cell_json(cell)))
                        .collect(),
                )
            })
            .collect();
        tables.insert(table.to_owned(), Value::Array(rows));
        bar.inc(1);
    }
    tx.commit().await.map_err(|e| e.to_string())?;
    bar.finish_and_clear();
    Ok(json!({
        "format": FORMAT,
        "formatVersion": FORMAT_VERSION,
        "schemaVersion": SCHEMA_VERSION,
        "exportedMs": now_ms,
        "tables": tables,
    }))
}

fn cell_json(cell: Cell) -> Value {
    match cell {
        Cell::Int(i) => json!(i),
        Cell::Text(s) => json!(s),
        Cell::Null => Value::Null,
    }
}

/// One table of an import: its name, the columns its rows name, and the rows.
type TablePlan<'a> = (&'a str, Vec<Column>, Vec<Vec<Cell>>);

/// What an import wrote.
pub struct Imported {
    pub tables: usize,
    pub rows: usize,
}

/// Loads `snapshot` into `store`, which must hold nothing yet.
pub async fn import(
    store: &Store,
    master: &MasterKey,
    snapshot: &Value,
) -> Result<Imported, String> {
    let tables = check_header(snapshot)?;
    let schema_tables = snapshot_tables();
    let mut tx = store.begin().await.map_err(|e| e.to_string())?;
    // Every table checked against the store's own columns before a row is written.
    let mut plan: Vec<TablePlan<'_>> = Vec::new();
    for (name, rows) in tables {
        let Some(&table) = schema_tables.iter().find(|t| *t == name) else {
            return Err(format!(
                "the snapshot has a table this ramd does not know: {name:?}"
            ));
        };
        let Value::Array(rows) = rows else {
            return Err(format!("table {name}: not a list of rows"));
        };
        let known = tx.table_columns(table).await.map_err(|e| e.to_string())?;
        let (columns, cells) = rows_of(table, &known, rows)?;
        plan.push((table, columns, cells));
    }
    for &table in &schema_tables {
        if !tx.table_is_empty(table).await.map_err(|e| e.to_string())? {
            return Err(format!(
                "the store is not empty (table {table} has rows): import into a new store"
            ));
        }
    }
    check_sealed(master, &plan)?;
    // In the schema's order, so that rows referred to come first.
    plan.sort_by_key(|(t, _, _)| schema_tables.iter().position(|n| n == t));
    let total: usize = plan.iter().map(|(_, _, rows)| rows.len()).sum();
    let bar = progress::bar(total as u64, "importing");
    for (table, columns, rows) in &plan {
        bar.set_message(*table);
        for chunk in rows.chunks(500) {
            tx.insert_rows(table, columns, chunk)
                .await
                .map_err(|e| format!("table {table}: {e}"))?;
            bar.inc(chunk.len() as u64);
        }
    }
    tx.commit().await.map_err(|e| e.to_string())?;
    bar.finish_and_clear();
    Ok(Imported {
        tables: plan.len(),
        rows: total,
    })
}

/// The snapshot's tables, once its header says this build can read it.
fn check_header(snapshot: &Value) -> Result<&Map<String, Value>, String> {
    if snapshot.get("format").and_then(Value::as_str) != Some(FORMAT) {
        return Err(format!("not a ramd snapshot (no \"format\": \"{FORMAT}\")"));
    }
    let version = snapshot
        .get("formatVersion")
        .and_then(Value::as_i64)
        .ok_or("the snapshot has no formatVersion")?;
    if version > FORMAT_VERSION || version < 1 {
        return Err(format!(
            "the snapshot's format version is {version}; this ramd reads versions 1 to {FORMAT_VERSION} (use a newer ramd)"
        ));
    }
    let schema = snapshot
        .get("schemaVersion")
        .and_then(Value::as_i64)
        .ok_or("the snapshot has no schemaVersion")?;
    if schema > SCHEMA_VERSION {
        return Err(format!(
            "the snapshot is of schema version {schema}; this ramd knows versions up to {SCHEMA_VERSION} (use a newer ramd)"
        ));
    }
    snapshot
        .get("tables")
        .and_then(Value::as_object)
        .ok_or_else(|| "the snapshot has no tables".to_owned())
}

/// A table's rows as cells of the columns they name (every row naming the same ones).
fn rows_of(
    table: &str,
    known: &[Column],
    rows: &[Value],
) -> Result<(Vec<Column>, Vec<Vec<Cell>>), String> {
    let Some(Value::Object(first)) = rows.first() else {
        return Ok((Vec::new(), Vec::new()));
    };
    let columns: Vec<Column> =
        first
            .keys()
            .map(|k| {
                known.iter().find(|c| &c.name == k).cloned().ok_or_else(|| {
                    format!("table {table}: a column this ramd does not know: {k:?}")
                })
            })
            .collect::<Result<_, _>>()?;
    let mut cells = Vec::with_capacity(rows.len());
    for (n, row) in rows.iter().enumerate() {
        let Value::Object(row) = row else {
            return Err(format!("table {table}, row {n}: not an object"));
        };
        if row.len() != columns.len() {
            return Err(format!(
                "table {table}, row {n}: not the columns of the first row"
            ));
        }
        let mut out = Vec::with_capacity(columns.len());
        for c in &columns {
            let cell = match row.get(&c.name) {
                Some(Value::Null) => Cell::Null,
                Some(Value::String(s)) if !c.integer => Cell::Text(s.clone()),
                Some(v) if c.integer && v.as_i64().is_some() => {
                    Cell::Int(v.as_i64().unwrap_or_default())
                }
                Some(v) => {
                    return Err(format!(
                        "table {table}, row {n}, column {}: {v} is not {}",
                        c.name,
                        if c.integer { "an integer" } else { "a string" }
                    ));
                }
                None => return Err(format!("table {table}, row {n}: no column {}", c.name)),
            };
            out.push(cell);
        }
        cells.push(out);
    }
    Ok((columns, cells))
}

/// The access keys' secrets must open under the target's master key, or the accounts could not
/// sign in after the move.
fn check_sealed(master: &MasterKey, plan: &[TablePlan<'_>]) -> Result<(), String> {
    let Some((_, columns, rows)) = plan.iter().find(|(t, _, _)| *t == "access_keys") else {
        return Ok(());
    };
    let at = |name: &str| columns.iter().position(|c| c.name == name);
    let (Some(id_at), Some(secret_at)) = (at("access_key_id"), at("secret_access_key")) else {
        return Err("table access_keys: no access_key_id or secret_access_key".to_owned());
    };
    for row in rows {
        if let (Cell::Text(id), Cell::Text(secret)) = (&row[id_at], &row[secret_at])
            && is_sealed(secret)
            && master.open(id, secret).is_none()
        {
            return Err(format!(
                "the secret of access key {id} does not open under this master key: give the master key of the store the snapshot came from (--master-key-file or RAMD_MASTER_KEY)"
            ));
        }
    }
    Ok(())
}

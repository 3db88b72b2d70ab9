//! The two database engines behind one small query API: `query(SQL).bind(..).fetch_all(conn)`,
//! rows read by column name. SQLite runs in-process through rusqlite: a statement is a few
//! microseconds there, where a driver that hands every statement to a worker thread (sqlx's)
//! spends ten times that on the hand-off alone (docs/benchmarks.md). PostgreSQL runs through
//! sqlx's native driver. The SQL text is the same for both (`$N` placeholders).

use std::borrow::Cow;
use std::sync::Arc;

use rusqlite::types::{ToSqlOutput, ValueRef};
use sqlx::postgres::{PgArguments, PgRow};
use sqlx::{Arguments, Column, Postgres, Row as _, TypeInfo, ValueRef as _};

/// A failure of one of the engines, or a value that does not have the type asked for.
#[derive(Debug)]
pub enum DbError {
    Sqlite(rusqlite::Error),
    Postgres(sqlx::Error),
    /// The statement answered no row where one was required.
    RowNotFound,
    /// A column that is not in the row, or holds another type.
    Decode(String),
}

impl std::fmt::Display for DbError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DbError::Sqlite(e) => write!(f, "sqlite: {e}"),
            DbError::Postgres(e) => write!(f, "postgres: {e}"),
            DbError::RowNotFound => write!(f, "no row where one was expected"),
            DbError::Decode(m) => write!(f, "cannot decode {m}"),
        }
    }
}

impl std::error::Error for DbError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            DbError::Sqlite(e) => Some(e),
            DbError::Postgres(e) => Some(e),
            DbError::RowNotFound | DbError::Decode(_) => None,
        }
    }
}

impl From<rusqlite::Error> for DbError {
    fn from(e: rusqlite::Error) -> Self {
        DbError::Sqlite(e)
    }
}

impl From<sqlx::Error> for DbError {
    fn from(e: sqlx::Error) -> Self {
        DbError::Postgres(e)
    }
}

/// A bound parameter or a column value. A NULL keeps its type: PostgreSQL needs it for a
/// parameter it cannot infer.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    Int(i64),
    Text(String),
    NullInt,
    NullText,
}

/// What can be bound to a placeholder.
pub(crate) trait Encode {
    fn encode(self) -> Value;
    /// The NULL of this type (for `Option::None`).
    fn null() -> Value;
}

impl Encode for i64 {
    fn encode(self) -> Value {
        Value::Int(self)
    }
    fn null() -> Value {
        Value::NullInt
    }
}

impl Encode for bool {
    fn encode(self) -> Value {
        Value::Int(i64::from(self))
    }
    fn null() -> Value {
        Value::NullInt
    }
}

impl Encode for &str {
    fn encode(self) -> Value {
        Value::Text(self.to_owned())
    }
    fn null() -> Value {
        Value::NullText
    }
}

impl Encode for String {
    fn encode(self) -> Value {
        Value::Text(self)
    }
    fn null() -> Value {
        Value::NullText
    }
}

impl Encode for &String {
    fn encode(self) -> Value {
        Value::Text(self.clone())
    }
    fn null() -> Value {
        Value::NullText
    }
}

impl<T: Encode> Encode for Option<T> {
    fn encode(self) -> Value {
        match self {
            Some(v) => v.encode(),
            None => T::null(),
        }
    }
    fn null() -> Value {
        T::null()
    }
}

/// What a column value can be read as.
pub(crate) trait Decode: Sized {
    fn decode(value: &Value) -> Option<Self>;
}

impl Decode for i64 {
    fn decode(value: &Value) -> Option<Self> {
        match value {
            Value::Int(i) => Some(*i),
            _ => None,
        }
    }
}

impl Decode for String {
    fn decode(value: &Value) -> Option<Self> {
        match value {
            Value::Text(s) => Some(s.clone()),
            _ => None,
        }
    }
}

impl<T: Decode> Decode for Option<T> {
    fn decode(value: &Value) -> Option<Self> {
        match value {
            Value::NullInt | Value::NullText => Some(None),
            v => T::decode(v).map(Some),
        }
    }
}

/// A column named or numbered.
pub(crate) trait ColumnIndex: Copy {
    fn position(self, columns: &[String]) -> Option<usize>;
}

impl ColumnIndex for &str {
    fn position(self, columns: &[String]) -> Option<usize> {
        columns.iter().position(|c| c == self)
    }
}

impl ColumnIndex for usize {
    fn position(self, columns: &[String]) -> Option<usize> {
        (self < columns.len()).then_some(self)
    }
}

/// One row of an answer; its column names are shared by every row of the same answer.
#[derive(Debug)]
pub(crate) struct Row {
    columns: Arc<[String]>,
    values: Vec<Value>,
}

impl Row {
    /// The row's values, in its columns' order.
    pub(crate) fn values(&self) -> &[Value] {
        &self.values
    }

    pub(crate) fn try_get<T: Decode, I: ColumnIndex>(&self, index: I) -> Result<T, DbError> {
        let at = index
            .position(&self.columns)
            .ok_or_else(|| DbError::Decode(format!("a missing column of {:?}", self.columns)))?;
        T::decode(&self.values[at]).ok_or_else(|| {
            DbError::Decode(format!(
                "column {} as {} (it holds {:?})",
                self.columns[at],
                std::any::type_name::<T>(),
                self.values[at]
            ))
        })
    }
}

/// What a statement that returns no rows did.
pub(crate) struct Done {
    rows_affected: u64,
}

impl Done {
    pub(crate) fn rows_affected(&self) -> u64 {
        self.rows_affected
    }
}

/// A read taking longer than this is logged (at debug level, with its text).
const SLOW_STATEMENT: std::time::Duration = std::time::Duration::from_millis(20);

/// A statement with its bound values, run on a connection of either engine.
pub(crate) struct Query {
    sql: Cow<'static, str>,
    binds: Vec<Value>,
}

/// A fixed statement (its text is a constant, so each engine prepares it once per connection).
pub(crate) fn query(sql: &'static str) -> Query {
    Query {
        sql: Cow::Borrowed(sql),
        binds: Vec::new(),
    }
}

impl Query {
    /// A statement built at run time from static fragments (`Sql`), with its values.
    pub(crate) fn built(sql: String, binds: Vec<Value>) -> Query {
        Query {
            sql: Cow::Owned(sql),
            binds,
        }
    }

    pub(crate) fn bind(mut self, value: impl Encode) -> Self {
        self.binds.push(value.encode());
        self
    }

    pub(crate) async fn fetch_all(self, conn: &mut Conn) -> Result<Vec<Row>, DbError> {
        match conn {
            Conn::Sqlite(c) => {
                let started = std::time::Instant::now();
                let rows = sqlite_run(c.connection()?, &self.sql, &self.binds).map(|(r, _)| r);
                let took = started.elapsed();
                if took > SLOW_STATEMENT {
                    tracing::debug!(ms = took.as_millis(), sql = %self.sql, "slow statement");
                }
                rows
            }
            Conn::Postgres(c) => {
                let rows = self.pg_query().fetch_all(&mut **c.connection()?).await?;
                pg_rows(&rows)
            }
        }
    }

    pub(crate) async fn fetch_optional(self, conn: &mut Conn) -> Result<Option<Row>, DbError> {
        Ok(self.fetch_all(conn).await?.into_iter().next())
    }

    pub(crate) async fn fetch_one(self, conn: &mut Conn) -> Result<Row, DbError> {
        self.fetch_optional(conn).await?.ok_or(DbError::RowNotFound)
    }

    pub(crate) async fn execute(self, conn: &mut Conn) -> Result<Done, DbError> {
        let rows_affected = match conn {
            Conn::Sqlite(c) => sqlite_run(c.connection()?, &self.sql, &self.binds)?.1,
            Conn::Postgres(c) => self
                .pg_query()
                .execute(&mut **c.connection()?)
                .await?
                .rows_affected(),
        };
        Ok(Done { rows_affected })
    }

    fn pg_query(&self) -> sqlx::query::Query<'_, Postgres, PgArguments> {
        let mut args = PgArguments::default();
        for b in &self.binds {
            // Adding a value of a type PostgreSQL knows cannot fail; an error would surface
            // when the statement runs.
            let _ = match b {
                Value::Int(i) => args.add(*i),
                Value::Text(s) => args.add(s.as_str()),
                Value::NullInt => args.add(None::<i64>),
                Value::NullText => args.add(None::<&str>),
            };
        }
        sqlx::query_with(sqlx::AssertSqlSafe(self.sql.as_ref()), args)
    }
}

impl rusqlite::ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self {
            Value::Int(i) => ToSqlOutput::Borrowed(ValueRef::Integer(*i)),
            Value::Text(s) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
            Value::NullInt | Value::NullText => ToSqlOutput::Borrowed(ValueRef::Null),
        })
    }
}

/// Runs one statement on a SQLite connection: the rows it answers and the rows it changed.
/// Placeholders are `$N`; SQLite numbers named parameters by first appearance, so each is bound
/// by its name.
fn sqlite_run(
    conn: &rusqlite::Connection,
    sql: &str,
    binds: &[Value],
) -> Result<(Vec<Row>, u64), DbError> {
    let mut stmt = conn.prepare_cached(sql)?;
    for i in 1..=stmt.parameter_count() {
        let n: usize = stmt
            .parameter_name(i)
            .and_then(|name| name.strip_prefix('$'))
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| DbError::Decode(format!("placeholder {i} of {sql}")))?;
        let value = binds
            .get(n - 1)
            .ok_or_else(|| DbError::Decode(format!("no value for ${n} of {sql}")))?;
        stmt.raw_bind_parameter(i, value)?;
    }
    let width = stmt.column_count();
    if width == 0 {
        let changed = stmt.raw_execute()?;
        return Ok((Vec::new(), changed as u64));
    }
    let columns: Arc<[String]> = stmt.column_names().into_iter().map(str::to_owned).collect();
    let mut out = Vec::new();
    let mut rows = stmt.raw_query();
    while let Some(row) = rows.next()? {
        let mut values = Vec::with_capacity(width);
        for i in 0..width {
            values.push(match row.get_ref(i)? {
                ValueRef::Null => Value::NullText,
                ValueRef::Integer(v) => Value::Int(v),
                ValueRef::Real(v) => Value::Text(v.to_string()),
                ValueRef::Text(t) | ValueRef::Blob(t) => {
                    Value::Text(String::from_utf8_lossy(t).into_owned())
                }
            });
        }
        out.push(Row {
            columns: columns.clone(),
            values,
        });
    }
    let changed = conn.changes();
    Ok((out, changed))
}

fn pg_rows(rows: &[PgRow]) -> Result<Vec<Row>, DbError> {
    let Some(first) = rows.first() else {
        return Ok(Vec::new());
    };
    let columns: Arc<[String]> = first
        .columns()
        .iter()
        .map(|c| c.name().to_owned())
        .collect();
    rows.iter()
        .map(|row| {
            let mut values = Vec::with_capacity(columns.len());
            for i in 0..columns.len() {
                let raw = row.try_get_raw(i)?;
                let kind = raw.type_info().name().to_owned();
                let null = raw.is_null();
                values.push(match kind.as_str() {
                    "INT8" | "INT4" | "BOOL" if null => Value::NullInt,
                    "INT8" => Value::Int(row.try_get::<i64, _>(i)?),
                    "INT4" => Value::Int(i64::from(row.try_get::<i32, _>(i)?)),
                    "BOOL" => Value::Int(i64::from(row.try_get::<bool, _>(i)?)),
                    _ if null => Value::NullText,
                    "TEXT" | "VARCHAR" | "NAME" | "BPCHAR" => {
                        Value::Text(row.try_get::<String, _>(i)?)
                    }
                    other => {
                        return Err(DbError::Decode(format!(
                            "column {} of PostgreSQL type {other}",
                            columns[i]
                        )));
                    }
                });
            }
            Ok(Row {
                columns: columns.clone(),
                values,
            })
        })
        .collect()
}

/// A connection holding an open transaction of either engine.
pub(crate) enum Conn {
    Sqlite(crate::sqlite::Lease),
    Postgres(crate::postgres::Lease),
}

impl Conn {
    /// Runs a statement text as it is (migrations, resets): no parameters, no rows.
    pub(crate) async fn execute_text(&mut self, sql: &str) -> Result<(), DbError> {
        match self {
            Conn::Sqlite(c) => Ok(c.connection()?.execute_batch(sql)?),
            Conn::Postgres(c) => {
                use sqlx::Executor;
                c.connection()?
                    .execute(sqlx::AssertSqlSafe(sql.to_owned()))
                    .await?;
                Ok(())
            }
        }
    }
}

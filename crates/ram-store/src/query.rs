//! A small builder for the dynamic SQL of filtered, keyset-paginated listings.

use sqlx::any::AnyArguments;
use sqlx::query::Query;
use sqlx::{Any, AssertSqlSafe};

/// Whose view a listing takes.
#[derive(Debug, Clone)]
pub enum Scope {
    /// Things the account owns.
    Owner(String),
    /// Things shared with the account: shares where a principal association that reaches it is
    /// ASSOCIATED.
    Receiver(Reach),
}

/// The principal associations that reach an account: those of the account itself and of its IAM
/// roles and users (`entity_account`), and those naming one of `entities` (the organization and
/// the OUs that contain it, when its organization shares with RAM).
#[derive(Debug, Clone)]
pub struct Reach {
    pub account: String,
    pub entities: Vec<String>,
}

impl Reach {
    /// An account reached only as itself (no organization).
    pub fn account(account: &str) -> Reach {
        Reach {
            account: account.to_owned(),
            entities: Vec::new(),
        }
    }

    /// `(r.entity_account = $account OR r.entity IN (...))` for the association alias `r`.
    pub(crate) fn condition(&self, sql: &mut Sql, alias: &str) {
        sql.push("(")
            .push(alias)
            .push(".entity_account = ")
            .text(&self.account);
        if !self.entities.is_empty() {
            sql.push(" OR ")
                .in_list(&format!("{alias}.entity"), &self.entities);
        }
        sql.push(")");
    }
}

/// One page of a keyset-paginated listing: `more` says whether rows follow the last one.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub more: bool,
}

impl<T> Page<T> {
    pub(crate) fn from_rows(mut items: Vec<T>, limit: usize) -> Self {
        let more = items.len() > limit;
        items.truncate(limit);
        Page { items, more }
    }
}

#[derive(Debug, Clone)]
pub(crate) enum Bind {
    Text(String),
    Int(i64),
    /// NULL of a text column (PostgreSQL types a NULL by its bound Rust type).
    Null,
    /// NULL of an integer column.
    NullInt,
}

#[derive(Debug, Default)]
pub(crate) struct Sql {
    text: String,
    binds: Vec<Bind>,
}

impl Sql {
    pub(crate) fn new(text: &str) -> Self {
        Sql {
            text: text.to_owned(),
            binds: Vec::new(),
        }
    }

    pub(crate) fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    /// Appends a placeholder bound to `value`.
    pub(crate) fn bind(&mut self, value: Bind) -> &mut Self {
        self.binds.push(value);
        self.text.push('$');
        self.text.push_str(&self.binds.len().to_string());
        self
    }

    pub(crate) fn text(&mut self, value: &str) -> &mut Self {
        self.bind(Bind::Text(value.to_owned()))
    }

    pub(crate) fn int(&mut self, value: i64) -> &mut Self {
        self.bind(Bind::Int(value))
    }

    /// `column IN ($a, $b, ...)`; callers only use it with a non-empty list.
    pub(crate) fn in_list(&mut self, column: &str, values: &[String]) -> &mut Self {
        self.push(column).push(" IN (");
        for (i, v) in values.iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.text(v);
        }
        self.push(")")
    }

    /// `AND (created_ms, key) > (after)` written portably, for keyset pagination.
    pub(crate) fn after(
        &mut self,
        created_col: &str,
        key_col: &str,
        after: Option<&(i64, String)>,
    ) -> &mut Self {
        if let Some((created, key)) = after {
            self.push(" AND (")
                .push(created_col)
                .push(" > ")
                .int(*created);
            self.push(" OR (")
                .push(created_col)
                .push(" = ")
                .int(*created);
            self.push(" AND ")
                .push(key_col)
                .push(" > ")
                .text(key)
                .push("))");
        }
        self
    }

    pub(crate) fn query(&self) -> Query<'_, Any, AnyArguments> {
        let mut q = sqlx::query(AssertSqlSafe(self.text.clone()));
        for b in &self.binds {
            q = match b {
                Bind::Text(s) => q.bind(s.clone()),
                Bind::Int(i) => q.bind(*i),
                Bind::Null => q.bind(None::<String>),
                Bind::NullInt => q.bind(None::<i64>),
            };
        }
        q
    }
}

/// The SQL expression of a row's effective status at `$now` (see `Lifecycle`).
pub(crate) fn effective_status(sql: &mut Sql, alias: &str, now_ms: i64) {
    sql.push("(CASE WHEN ")
        .push(alias)
        .push(".transition_ms IS NOT NULL AND ")
        .push(alias)
        .push(".transition_ms <= ");
    sql.int(now_ms);
    sql.push(" THEN ")
        .push(alias)
        .push(".next_status ELSE ")
        .push(alias)
        .push(".status END)");
}

pub(crate) fn opt_text(v: Option<&str>) -> Bind {
    v.map_or(Bind::Null, |s| Bind::Text(s.to_owned()))
}

pub(crate) fn opt_int(v: Option<i64>) -> Bind {
    v.map_or(Bind::NullInt, Bind::Int)
}

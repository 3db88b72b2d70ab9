//! SQL of the store. A fixed statement is a constant (`const NAME: &str`, built with `concat!`
//! from literals and the macros below) executed with `query(NAME).bind(..)`, so that its
//! text is identical on every call. The small builder `Sql` is only for the statements whose shape
//! depends on the request (filtered, keyset-paginated listings, `IN` lists of variable length,
//! optional filter clauses). It only joins static SQL fragments (`&'static str`); every value is a
//! bound parameter.

/// The literal SQL expression of a row's effective status at the placeholder `$now`, for the
/// alias `alias`: the constant form of `effective_status` (the two are the same text, see the
/// tests).
macro_rules! effective_status_sql {
    ($alias:literal, $now:literal) => {
        concat!(
            "(CASE WHEN ",
            $alias,
            ".transition_ms IS NOT NULL AND ",
            $alias,
            ".transition_ms <= ",
            $now,
            " THEN ",
            $alias,
            ".next_status ELSE ",
            $alias,
            ".status END)"
        )
    };
}
pub(crate) use effective_status_sql;

/// `UPDATE <table> SET status = $1, next_status = $2, transition_ms = $3,
/// visible_until_ms = $4, updated_ms = $5 WHERE arn = $6`: the lifecycle change of a table with a
/// lifecycle and a visibility deadline (see `WriteTx::set_lifecycle_by_arn`).
macro_rules! set_lifecycle_by_arn_sql {
    ($table:literal) => {
        concat!(
            "UPDATE ",
            $table,
            " SET status = $1, next_status = $2, transition_ms = $3, visible_until_ms = $4, updated_ms = $5 WHERE arn = $6"
        )
    };
}
pub(crate) use set_lifecycle_by_arn_sql;

use crate::StoreError;
use crate::engine::{Conn, Query, Row, Value};
use ram_model::ResourceShareAssociationStatus;

use crate::states::{States, StoredState};

/// Whose view a listing takes.
#[derive(Debug, Clone)]
pub enum Scope {
    /// Things the account owns.
    Owner(String),
    /// Things shared with the account: shares holding a principal association that reaches it
    /// (`reach`) in one of the `granting` states. Which states grant access is the domain's rule.
    Receiver {
        reach: Reach,
        granting: States<ResourceShareAssociationStatus>,
    },
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
    pub(crate) fn condition(&self, sql: &mut Sql, alias: &'static str) {
        sql.push("(")
            .push(alias)
            .push(".entity_account = ")
            .text(&self.account);
        if !self.entities.is_empty() {
            sql.push(" OR ")
                .push(alias)
                .push(".entity")
                .in_list(&self.entities);
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
}

#[derive(Debug, Default, Clone)]
pub(crate) struct Sql {
    text: String,
    binds: Vec<Bind>,
}

impl Sql {
    pub(crate) fn new(text: &'static str) -> Self {
        Sql {
            text: text.to_owned(),
            binds: Vec::new(),
        }
    }

    /// Starts from a constant prefix whose own placeholders `$1..$N` are bound to `binds`, in
    /// order; the placeholders pushed afterwards number on from `$N+1`.
    pub(crate) fn prefixed<const N: usize>(text: &'static str, binds: [Bind; N]) -> Self {
        Sql {
            text: text.to_owned(),
            binds: binds.into(),
        }
    }

    pub(crate) fn push(&mut self, text: &'static str) -> &mut Self {
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

    /// ` IN ($a, $b, ...)` after the expression just pushed; callers only use it with a
    /// non-empty list.
    pub(crate) fn in_list(&mut self, values: &[String]) -> &mut Self {
        self.push(" IN (");
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
        created_col: &'static str,
        key_col: &'static str,
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

    /// The statement text so far.
    #[cfg(test)]
    pub(crate) fn statement(&self) -> &str {
        &self.text
    }

    /// Runs the listing with ` LIMIT <limit + 1>`: one page of rows, and whether more follow.
    pub(crate) async fn page<T>(
        mut self,
        conn: &mut Conn,
        limit: usize,
        from_row: impl Fn(&Row) -> Result<T, StoreError>,
    ) -> Result<Page<T>, StoreError> {
        self.push(" LIMIT ")
            .int(i64::try_from(limit.saturating_add(1)).unwrap_or(i64::MAX));
        let rows = self.query().fetch_all(conn).await?;
        let items = rows.iter().map(from_row).collect::<Result<Vec<_>, _>>()?;
        Ok(Page::from_rows(items, limit))
    }

    pub(crate) fn query(&self) -> Query {
        let binds = self
            .binds
            .iter()
            .map(|b| match b {
                Bind::Text(s) => Value::Text(s.clone()),
                Bind::Int(i) => Value::Int(*i),
            })
            .collect();
        Query::built(self.text.clone(), binds)
    }
}

/// Binds a state.
impl Sql {
    pub(crate) fn state<S: StoredState>(&mut self, state: S) -> &mut Self {
        self.bind(Bind::Text(state.as_str().to_owned()))
    }

    /// ` AND <expr> IN (...)` / ` AND NOT <expr> IN (...)` for the states a row must be in,
    /// where `expr` pushes the state expression; nothing for `States::Any`.
    pub(crate) fn and_states<S: StoredState>(
        &mut self,
        states: &States<S>,
        expr: impl Fn(&mut Sql),
    ) -> &mut Self {
        let (negate, list) = match states {
            States::Any => return self,
            States::Only(list) => (false, list),
            States::Except(list) => (true, list),
        };
        if list.is_empty() {
            // Only(nothing) admits no row; Except(nothing) admits every row.
            return if negate {
                self
            } else {
                self.push(" AND 1 = 0")
            };
        }
        self.push(if negate { " AND NOT " } else { " AND " });
        expr(self);
        let values: Vec<String> = list.iter().map(|s| s.as_str().to_owned()).collect();
        self.in_list(&values)
    }
}

/// The rows of `kind` (`share`, `invitation`, or an association type) of `account` (in
/// `region`, or in every Region) in one of `statuses`, read from `status_counts`, which the
/// schema's triggers keep exact in every transaction (migration 0004). `settle` first moves the
/// rows whose timed transition has passed to their next status, so that the stored statuses the
/// counters follow are the effective ones.
pub(crate) async fn counted<S: StoredState>(
    conn: &mut Conn,
    account: &str,
    region: Option<&str>,
    kind: &'static str,
    statuses: &States<S>,
) -> Result<i64, StoreError> {
    let mut sql = Sql::new(
        "SELECT CAST(COALESCE(SUM(c.n), 0) AS BIGINT) AS n FROM status_counts c WHERE c.account = ",
    );
    sql.text(account).push(" AND c.kind = ").text(kind);
    if let Some(region) = region {
        sql.push(" AND c.region = ").text(region);
    }
    sql.and_states(statuses, |sql| {
        sql.push("c.status");
    });
    let row = sql.query().fetch_one(conn).await?;
    Ok(row.try_get("n")?)
}

/// The SQL expression of a row's effective status at `$now` (see `Lifecycle`).
pub(crate) fn effective_status(sql: &mut Sql, alias: &'static str, now_ms: i64) {
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The constant and the built effective status are the same expression.
    #[test]
    fn effective_status_is_the_same_text_both_ways() {
        let mut sql = Sql::default();
        effective_status(&mut sql, "s", 7);
        assert_eq!(sql.text, effective_status_sql!("s", "$1"));
        assert_eq!(
            effective_status_sql!("x", "$1"),
            "(CASE WHEN x.transition_ms IS NOT NULL AND x.transition_ms <= $1 THEN x.next_status ELSE x.status END)"
        );
    }

    #[test]
    fn a_prefix_numbers_the_placeholders_that_follow() {
        let mut sql = Sql::prefixed("SELECT $1, $2", [Bind::Int(1), Bind::Int(2)]);
        sql.push(", ").int(3);
        assert_eq!(sql.text, "SELECT $1, $2, $3");
        assert_eq!(sql.binds.len(), 3);
    }
}

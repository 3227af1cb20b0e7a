//! One unit of work inside one tenant's storage.
//!
//! Repositories write their SQL once, with `$n` placeholders (SQLite
//! accepts them too), and run it through [`on_tx!`], which expands the same
//! expression for each backend's connection type.

use std::collections::HashMap;
use std::sync::Arc;

use sqlx::{Postgres, Sqlite, Transaction};

use super::error::Result;
use super::tenant_keys::Keys;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

impl Dialect {
    /// A top-level JSON field of `column` as text (NULL when absent).
    /// `field` must be a validated identifier.
    pub fn json_text(self, column: &str, field: &str) -> String {
        match self {
            Dialect::Sqlite => format!("json_extract({column}, '$.{field}')"),
            Dialect::Postgres => format!("({column} ->> '{field}')"),
        }
    }

    /// A top-level JSON field of `column` as a number.
    pub fn json_number(self, column: &str, field: &str) -> String {
        match self {
            Dialect::Sqlite => format!("json_extract({column}, '$.{field}')"),
            Dialect::Postgres => format!("(({column} ->> '{field}')::double precision)"),
        }
    }

    /// A top-level JSON boolean field of `column`, comparable to a bound bool.
    pub fn json_bool(self, column: &str, field: &str) -> String {
        match self {
            Dialect::Sqlite => format!("json_extract({column}, '$.{field}')"),
            Dialect::Postgres => format!("(({column} ->> '{field}')::boolean)"),
        }
    }

    /// True when the JSON array `column` (a whole column) contains text `$n`.
    pub fn array_column_contains(self, column: &str, param: usize) -> String {
        match self {
            Dialect::Sqlite => {
                format!("EXISTS (SELECT 1 FROM json_each({column}) WHERE value = ${param})")
            }
            Dialect::Postgres => format!("({column} ? ${param})"),
        }
    }

    /// Full-text match of `records` against the prepared query `$n`
    /// (see `records::query::fts_query`).
    pub fn fts_match(self, param: usize) -> String {
        match self {
            Dialect::Sqlite => {
                format!("id IN (SELECT id FROM records_fts WHERE records_fts MATCH ${param})")
            }
            Dialect::Postgres => {
                format!("to_tsvector('simple', search) @@ to_tsquery('simple', ${param})")
            }
        }
    }

    /// True when the JSON array field of `column` contains the text `$n`.
    pub fn json_array_contains(self, column: &str, field: &str, param: usize) -> String {
        match self {
            Dialect::Sqlite => format!(
                "EXISTS (SELECT 1 FROM json_each({column}, '$.{field}') WHERE value = ${param})"
            ),
            Dialect::Postgres => format!("(({column} -> '{field}') ? ${param})"),
        }
    }
}

/// A transaction already scoped to one tenant: on SQLite it is the tenant's
/// own file; on PostgreSQL `search_path` and `role` were set *for this
/// transaction only*, so nothing carries over to the connection's next user.
///
/// It carries the tenant's data keys, so the repositories seal what is
/// sensitive as they write it and open it as they read it
/// (`super::sealed`): nothing above storage ever sees a ciphertext.
pub struct TenantTx {
    pub conn: TxConn,
    pub(super) keys: Option<Arc<Keys>>,
    /// The sensitive custom fields per kind, read once per transaction.
    pub(super) sensitive: HashMap<String, Arc<[String]>>,
}

pub enum TxConn {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
}

impl TenantTx {
    pub(super) fn sqlite(t: Transaction<'static, Sqlite>, keys: Option<Arc<Keys>>) -> Self {
        Self {
            conn: TxConn::Sqlite(t),
            keys,
            sensitive: HashMap::new(),
        }
    }

    pub(super) fn postgres(t: Transaction<'static, Postgres>, keys: Option<Arc<Keys>>) -> Self {
        Self {
            conn: TxConn::Postgres(t),
            keys,
            sensitive: HashMap::new(),
        }
    }

    /// Which SQL dialect this transaction speaks, for the few statements
    /// that differ (JSON access, full-text search).
    pub fn dialect(&self) -> Dialect {
        match self.conn {
            TxConn::Sqlite(_) => Dialect::Sqlite,
            TxConn::Postgres(_) => Dialect::Postgres,
        }
    }

    pub async fn commit(self) -> Result<()> {
        use tracing::Instrument;
        let span = if crate::telemetry::exporting() {
            tracing::info_span!("db.commit")
        } else {
            tracing::Span::none()
        };
        match self.conn {
            TxConn::Sqlite(t) => t.commit().instrument(span).await?,
            TxConn::Postgres(t) => t.commit().instrument(span).await?,
        }
        Ok(())
    }

    pub async fn rollback(self) -> Result<()> {
        match self.conn {
            TxConn::Sqlite(t) => t.rollback().await?,
            TxConn::Postgres(t) => t.rollback().await?,
        }
        Ok(())
    }
}

/// Runs `$body` with `$conn` bound to the transaction's connection, whichever
/// backend it is. `$body` is compiled once per backend, so it may only use
/// SQL and types both understand. On PostgreSQL a stale-plan error clears
/// the connection's statement cache before it is returned, so a retry
/// succeeds.
#[macro_export]
macro_rules! on_tx {
    ($tx:expr, $conn:ident => $body:expr) => {
        match &mut ($tx).conn {
            $crate::storage::TxConn::Sqlite(t) => {
                let $conn = &mut **t;
                $body
            }
            $crate::storage::TxConn::Postgres(t) => {
                let r = {
                    let $conn = &mut **t;
                    $body
                };
                if let Err(sqlx::Error::Database(db)) = &r
                    && db.code().as_deref() == Some($crate::storage::STALE_PLAN)
                {
                    let _ = sqlx::Connection::clear_cached_statements(&mut **t).await;
                }
                r
            }
        }
    };
}

//! One unit of work inside one tenant's storage.
//!
//! Repositories write their SQL once, with `$n` placeholders (SQLite
//! accepts them too), and run it through [`on_tx!`], which expands the same
//! expression for each backend's connection type.

use sqlx::{Postgres, Sqlite, Transaction};

use super::error::Result;

/// A transaction already scoped to one tenant: on SQLite it is the tenant's
/// own file; on PostgreSQL `search_path` and `role` were set *for this
/// transaction only*, so nothing carries over to the connection's next user.
pub enum TenantTx {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
}

impl TenantTx {
    pub async fn commit(self) -> Result<()> {
        match self {
            TenantTx::Sqlite(t) => t.commit().await?,
            TenantTx::Postgres(t) => t.commit().await?,
        }
        Ok(())
    }

    pub async fn rollback(self) -> Result<()> {
        match self {
            TenantTx::Sqlite(t) => t.rollback().await?,
            TenantTx::Postgres(t) => t.rollback().await?,
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
        match $tx {
            $crate::storage::TenantTx::Sqlite(t) => {
                let $conn = &mut **t;
                $body
            }
            $crate::storage::TenantTx::Postgres(t) => {
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

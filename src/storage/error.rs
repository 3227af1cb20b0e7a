//! Storage errors, classified so the HTTP layer can answer precisely.

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("not found")]
    NotFound,
    /// A unique constraint refused the write; the payload names what clashed.
    #[error("{0} already exists")]
    Conflict(&'static str),
    /// The database could not be reached or had no connection to spare.
    #[error("storage unavailable: {0}")]
    Unavailable(String),
    /// PostgreSQL's "cached plan must not change result type" (0A000): the
    /// connection's statement cache was cleared; the unit of work may be retried.
    #[error("stale cached statement; retry")]
    StalePlan,
    /// A row that breaks an invariant the code relies on (hand-edited data).
    #[error("corrupt data: {0}")]
    Corrupt(String),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("file system: {0}")]
    Io(#[from] std::io::Error),
    #[error("database error: {0}")]
    Database(sqlx::Error),
    /// Encryption at rest: a key that is missing, wrong or cannot open.
    #[error("encryption keys: {0}")]
    Keys(#[from] crate::keys::KeyError),
    /// The attachment store failed (or is misconfigured).
    #[error("file store: {0}")]
    Blob(String),
}

pub type Result<T, E = StorageError> = std::result::Result<T, E>;

/// SQLSTATE for "cached plan must not change result type".
pub const STALE_PLAN: &str = "0A000";

impl From<sqlx::Error> for StorageError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::RowNotFound => StorageError::NotFound,
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => {
                StorageError::Unavailable(e.to_string())
            }
            sqlx::Error::Database(db) if db.code().as_deref() == Some(STALE_PLAN) => {
                StorageError::StalePlan
            }
            // Deadlock, serialization failure, SQLite busy: transient, the
            // client may retry (503), never an internal error.
            sqlx::Error::Database(db)
                if matches!(db.code().as_deref(), Some("40P01" | "40001" | "5" | "517")) =>
            {
                StorageError::Unavailable(e.to_string())
            }
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                StorageError::Conflict("record")
            }
            _ => StorageError::Database(e),
        }
    }
}

impl StorageError {
    /// Names the thing a unique violation clashed on.
    pub fn conflict_on(self, what: &'static str) -> Self {
        match self {
            StorageError::Conflict(_) => StorageError::Conflict(what),
            other => other,
        }
    }
}

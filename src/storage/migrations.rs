//! The embedded migrations, one folder per backend and per kind of database,
//! and the check that a tenant is on the current version.

use std::collections::HashMap;

use sqlx::migrate::Migrator;

pub static CONTROL_SQLITE: Migrator = sqlx::migrate!("migrations/control/sqlite");
pub static CONTROL_POSTGRES: Migrator = sqlx::migrate!("migrations/control/postgres");
pub static TENANT_SQLITE: Migrator = sqlx::migrate!("migrations/tenant/sqlite");
pub static TENANT_POSTGRES: Migrator = sqlx::migrate!("migrations/tenant/postgres");

/// A copy of `base` that keeps its bookkeeping in `table` and does not take
/// sqlx's database-wide advisory lock: that lock is one per database, so
/// it would serialise every tenant's migrations; callers lock per tenant.
pub fn scoped(base: &Migrator, table: String) -> Migrator {
    let mut m = Migrator {
        migrations: base.migrations.clone(),
        ..Migrator::DEFAULT
    };
    m.set_locking(false);
    m.dangerous_set_table_name(table);
    m
}

/// Where one tenant's schema stands against the embedded migrations.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SchemaStatus {
    /// The highest migration applied (0: none).
    pub version: i64,
    /// The highest migration this binary knows.
    pub latest: i64,
    /// Migrations this binary has that the tenant has not applied.
    pub pending: usize,
    /// An applied migration whose checksum differs from ours, failed, or is unknown to us.
    pub problem: Option<String>,
}

impl SchemaStatus {
    pub fn is_current(&self) -> bool {
        self.pending == 0 && self.problem.is_none()
    }

    /// Compares applied rows `(version, checksum, success)` with `migrator`.
    pub fn compare(migrator: &Migrator, applied: &[(i64, Vec<u8>, bool)]) -> Self {
        let ours: HashMap<i64, &[u8]> = migrator
            .iter()
            .filter(|m| !m.migration_type.is_down_migration())
            .map(|m| (m.version, m.checksum.as_ref()))
            .collect();
        let latest = ours.keys().copied().max().unwrap_or(0);
        let version = applied.iter().map(|a| a.0).max().unwrap_or(0);
        let mut problem = None;
        for (v, sum, ok) in applied {
            match ours.get(v) {
                None => problem = Some(format!("migration {v} is unknown to this binary")),
                Some(_) if !ok => problem = Some(format!("migration {v} failed part-way")),
                Some(s) if *s != sum.as_slice() => {
                    problem = Some(format!("migration {v} was changed after it was applied"))
                }
                Some(_) => {}
            }
        }
        let pending = ours
            .keys()
            .filter(|v| !applied.iter().any(|a| a.0 == **v))
            .count();
        SchemaStatus {
            version,
            latest,
            pending,
            problem,
        }
    }
}

/// The newest tenant schema version this binary knows (both backends
/// number their migrations alike).
pub fn tenant_latest() -> i64 {
    TENANT_SQLITE
        .iter()
        .chain(TENANT_POSTGRES.iter())
        .map(|m| m.version)
        .max()
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_backends_have_the_same_versions() {
        let v = |m: &Migrator| m.iter().map(|m| m.version).collect::<Vec<_>>();
        assert_eq!(v(&TENANT_SQLITE), v(&TENANT_POSTGRES));
        assert_eq!(v(&CONTROL_SQLITE), v(&CONTROL_POSTGRES));
        assert!(!v(&TENANT_SQLITE).is_empty());
    }

    #[test]
    fn status_spots_pending_and_tampered_migrations() {
        let all: Vec<(i64, Vec<u8>, bool)> = TENANT_SQLITE
            .iter()
            .map(|m| (m.version, m.checksum.to_vec(), true))
            .collect();
        assert!(SchemaStatus::compare(&TENANT_SQLITE, &all).is_current());
        let none = SchemaStatus::compare(&TENANT_SQLITE, &[]);
        assert_eq!((none.version, none.pending), (0, all.len()));
        let mut tampered = all.clone();
        tampered[0].1 = vec![0; 4];
        assert!(
            SchemaStatus::compare(&TENANT_SQLITE, &tampered)
                .problem
                .is_some()
        );
        let mut failed = all;
        failed[0].2 = false;
        assert!(!SchemaStatus::compare(&TENANT_SQLITE, &failed).is_current());
    }
}

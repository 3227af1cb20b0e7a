//! Scheduled backups (`MANDANT_BACKUP_URL`): every tenant is backed up
//! every `MANDANT_BACKUP_INTERVAL_SECS`, each archive verified in a scratch
//! database before it is uploaded, and only the newest
//! `MANDANT_BACKUP_KEEP` are kept.
//!
//! Any serving node may do a tenant's backup; a lease in the tenant's
//! database makes it one node at a time, and the store's own listing (the
//! archives are named by the time they were made) says when the last one
//! was made, so a restarted node or another node does not repeat it.

use std::collections::HashMap;
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, NaiveDateTime, TimeDelta, Utc};
use indicatif::ProgressBar;
use tokio::sync::watch;

use super::BackupError;
use crate::domain::tenant::{Tenant, TenantId};
use crate::storage::blobs::BackupStore;
use crate::storage::leases;
use crate::tenants::TenantService;

const NAME_TIME: &str = "%Y%m%dT%H%M%S%.3fZ";
const SUFFIX: &str = ".mandant-backup";
/// Longer than any backup takes; a node that dies holding it frees the
/// tenant after this.
const LEASE: TimeDelta = TimeDelta::hours(1);

pub struct Schedule {
    pub tenants: TenantService,
    pub store: BackupStore,
    pub every: Duration,
    pub keep: usize,
    /// This node, as lease holder.
    pub holder: String,
    /// Where archives are written and verified before the upload.
    pub scratch: PathBuf,
}

/// When the archive called `name` was made.
pub fn made_at(name: &str) -> Option<DateTime<Utc>> {
    let stem = name.strip_suffix(SUFFIX)?;
    NaiveDateTime::parse_from_str(stem, NAME_TIME)
        .ok()
        .map(|t| t.and_utc())
}

impl Schedule {
    fn every(&self) -> TimeDelta {
        TimeDelta::from_std(self.every).unwrap_or(TimeDelta::days(1))
    }

    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        let check = (self.every / 2).clamp(Duration::from_secs(1), Duration::from_secs(60));
        // A failed backup is tried again after this, not at every check.
        let retry = self.every().min(TimeDelta::minutes(5));
        let mut last: HashMap<TenantId, DateTime<Utc>> = HashMap::new();
        loop {
            tokio::select! {
                _ = tokio::time::sleep(check) => {}
                _ = shutdown.changed() => return,
            }
            let Ok(list) = self.tenants.list().await else {
                continue;
            };
            for t in list {
                if *shutdown.borrow() {
                    return;
                }
                let now = Utc::now();
                if last.get(&t.id).is_some_and(|at| now - *at < self.every()) {
                    continue;
                }
                match self.once(&t, now).await {
                    Ok(Some(at)) => {
                        last.insert(t.id, at);
                    }
                    Ok(None) => {}
                    Err(e) => {
                        metrics::counter!("mandant_backups_total", "result" => "failed")
                            .increment(1);
                        tracing::error!(tenant = %t.slug, error = %e, "scheduled backup failed");
                        last.insert(t.id, now - self.every() + retry);
                    }
                }
            }
        }
    }

    /// Backs `t` up if its newest archive is older than the interval and
    /// no other node is at it: the time of its newest archive, or `None`
    /// when another node holds the lease.
    async fn once(
        &self,
        t: &Tenant,
        now: DateTime<Utc>,
    ) -> Result<Option<DateTime<Utc>>, BackupError> {
        let names = self.store.list(t.id).await?;
        if let Some(at) = names.iter().rev().find_map(|n| made_at(n))
            && now - at < self.every()
        {
            return Ok(Some(at));
        }
        let db = self.tenants.storage().tenant_db(t).await?;
        let mut tx = db.begin().await?;
        let mine = leases::take(&mut tx, "backup", &self.holder, now, now + LEASE).await?;
        tx.commit().await?;
        if !mine {
            return Ok(None);
        }
        let made = self.make(t, now).await;
        let mut tx = db.begin().await?;
        leases::release(&mut tx, "backup", &self.holder).await?;
        tx.commit().await?;
        made.map(Some)
    }

    async fn make(&self, t: &Tenant, now: DateTime<Utc>) -> Result<DateTime<Utc>, BackupError> {
        let name = format!("{}{SUFFIX}", now.format(NAME_TIME));
        std::fs::create_dir_all(&self.scratch)?;
        let path = self
            .scratch
            .join(format!("{}-{name}.partial", t.id.simple()));
        let result = async {
            let file = std::fs::File::create(&path)?;
            let mut w = BufWriter::new(&file);
            let (manifest, bytes) =
                super::backup(&self.tenants, t, &mut w, &ProgressBar::hidden()).await?;
            w.flush()?;
            drop(w);
            file.sync_all()?;
            // A backup that does not restore is worse than none: it is
            // believed.
            super::verify(
                &path,
                self.tenants.storage().master(),
                &self.scratch,
                &ProgressBar::hidden(),
            )
            .await?;
            self.store.put_file(t.id, &name, &path).await?;
            tracing::info!(tenant = %t.slug, archive = %name, bytes, rows = manifest.rows(), files = manifest.files, "scheduled backup made");
            Ok::<_, BackupError>(())
        }
        .await;
        if let Err(e) = std::fs::remove_file(&path)
            && e.kind() != std::io::ErrorKind::NotFound
        {
            tracing::warn!(path = %path.display(), error = %e, "could not remove a backup's local copy");
        }
        result?;
        metrics::counter!("mandant_backups_total", "result" => "ok").increment(1);
        // Only after a good one is uploaded do old ones go.
        let names = self.store.list(t.id).await?;
        let archives: Vec<&String> = names.iter().filter(|n| made_at(n).is_some()).collect();
        if archives.len() > self.keep {
            for old in &archives[..archives.len() - self.keep] {
                self.store.delete(t.id, old).await?;
            }
        }
        Ok(now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn archive_names_carry_their_time_and_sort_by_it() {
        let t = DateTime::parse_from_rfc3339("2026-12-07T09:05:03.250Z")
            .unwrap_or_else(|e| panic!("{e}"))
            .to_utc();
        let name = format!("{}{SUFFIX}", t.format(NAME_TIME));
        assert_eq!(name, "20261207T090503.250Z.mandant-backup");
        assert_eq!(made_at(&name), Some(t));
        let later = format!(
            "{}{SUFFIX}",
            (t + TimeDelta::milliseconds(1)).format(NAME_TIME)
        );
        assert!(later > name);
        assert_eq!(made_at("notes.txt"), None);
    }
}

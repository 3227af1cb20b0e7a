//! Sensitive custom field values, sealed at rest.
//!
//! A custom field marked `sensitive` keeps its values sealed with the
//! tenant's current data key (`crate::keys`), in `records.custom` and in
//! the event log's copy of the record, as `{"$sealed": "enc:v1:…"}`: an
//! object, which no field type accepts from a client, so a stored value is
//! sealed or clear beyond doubt. Each is bound to its record and field,
//! so a ciphertext moved to another row does not open.
//!
//! The repositories seal as they write and open as they read; nothing
//! above storage sees a ciphertext. A value that does not open (damaged,
//! or under a key this installation lacks) fails a single record's read
//! (`records::get`: `409 unreadable`); a list leaves the value sealed, and
//! `records::core::render` leaves it out, so one damaged row does not take
//! a whole list or the live stream down.
//!
//! Sealed values are never searched, filtered or sorted by: the search
//! text is built without them, and the query layer refuses them.

use std::sync::Arc;

use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::TenantTx;
use super::error::{Result, StorageError};
use super::events::EventRow;
use super::records::RecordRow;
use crate::keys::{KeyError, Keyring};
use crate::on_tx;

const SEALED: &str = "$sealed";
const PREFIX: &str = "enc:v1:";

/// Where a value is sealed for: its record and field.
fn place(record: Uuid, key: &str) -> String {
    format!("records.custom:{record}:{key}")
}

/// The ciphertext, if `v` is a sealed value.
fn sealed_text(v: &Value) -> Option<&str> {
    match v.as_object() {
        Some(o) if o.len() == 1 => o.get(SEALED).and_then(Value::as_str),
        _ => None,
    }
}

/// Whether `v` is a value left sealed (it did not open).
pub fn is_sealed(v: &Value) -> bool {
    sealed_text(v).is_some()
}

impl TenantTx {
    fn ring(&self) -> Result<Keyring> {
        Ok(self
            .keys
            .as_ref()
            .ok_or_else(|| KeyError::Config("this transaction was opened without its keys".into()))?
            .ring())
    }

    /// The keys of `kind`'s custom fields marked sensitive (read once a
    /// transaction; a definition's sensitivity never changes).
    pub async fn sensitive_keys(&mut self, kind: &str) -> Result<Arc<[String]>> {
        if let Some(k) = self.sensitive.get(kind) {
            return Ok(k.clone());
        }
        let keys: Vec<String> = on_tx!(self, c => sqlx::query_scalar(
            "SELECT key FROM custom_fields WHERE kind = $1 AND sensitive = $2 ORDER BY key",
        )
        .bind(kind)
        .bind(true)
        .fetch_all(c)
        .await)?;
        let keys: Arc<[String]> = keys.into();
        self.sensitive.insert(kind.to_owned(), keys.clone());
        Ok(keys)
    }

    /// `custom` with the values of `kind`'s sensitive fields sealed for
    /// record `id` (those sealed already stay as they are); `None` when
    /// nothing needs sealing.
    pub(super) async fn seal_custom(
        &mut self,
        kind: &str,
        id: Uuid,
        custom: &Map<String, Value>,
    ) -> Result<Option<Map<String, Value>>> {
        let keys = self.sensitive_keys(kind).await?;
        let clear = |k: &String| custom.get(k).is_some_and(|v| !v.is_null() && !is_sealed(v));
        if !keys.iter().any(clear) {
            return Ok(None);
        }
        let ring = self.ring()?;
        let mut out = custom.clone();
        for k in keys.iter() {
            if let Some(v) = out.get_mut(k)
                && !v.is_null()
                && !is_sealed(v)
            {
                *v = json!({SEALED: ring.seal(&place(id, k), &v.to_string())?});
            }
        }
        Ok(Some(out))
    }

    /// An event's data as the log keeps it: the record's sensitive values
    /// sealed (`None`: nothing to seal).
    pub(super) async fn seal_event(
        &mut self,
        kind: &str,
        record: Uuid,
        data: &Value,
    ) -> Result<Option<Value>> {
        let Some(custom) = data.get("custom").and_then(Value::as_object) else {
            return Ok(None);
        };
        Ok(self.seal_custom(kind, record, custom).await?.map(|c| {
            let mut out = data.clone();
            out["custom"] = Value::Object(c);
            out
        }))
    }

    /// Opens every sealed value of `custom` (record `id`); the first that
    /// does not open is the error.
    async fn open_custom(&self, id: Uuid, custom: &mut Map<String, Value>) -> Result<()> {
        for (k, v) in custom.iter_mut() {
            let Some(stored) = sealed_text(v).map(str::to_owned) else {
                continue;
            };
            if !stored.starts_with(PREFIX) {
                return Err(KeyError::Unreadable.into());
            }
            let keys = self.keys.as_ref().ok_or_else(|| {
                KeyError::Config("this transaction was opened without its keys".into())
            })?;
            let plain = keys.open(&place(id, k), &stored).await?;
            *v = serde_json::from_str(&plain)
                .map_err(|_| StorageError::Keys(KeyError::Unreadable))?;
        }
        Ok(())
    }

    /// Opens a record read on its own: a value that does not open is an
    /// error for this record.
    pub(super) async fn open_record(&self, row: &mut RecordRow) -> Result<()> {
        let id = row.id;
        self.open_custom(id, &mut row.custom.0).await
    }

    /// Opens records read as a list: one that does not open keeps its
    /// sealed value (left out when shown) and the rest read on.
    pub(super) async fn open_records(&self, rows: &mut [RecordRow]) {
        for row in rows {
            if !row.custom.0.values().any(is_sealed) {
                continue;
            }
            let mut custom = row.custom.0.clone();
            match self.open_custom(row.id, &mut custom).await {
                Ok(()) => row.custom.0 = custom,
                Err(e) => {
                    tracing::warn!(record = %row.id, error = %e, "a sensitive value does not open; it is left out")
                }
            }
        }
    }

    /// Opens what events hold sealed, as [`Self::open_records`] does.
    pub(super) async fn open_events(&self, rows: &mut [EventRow]) {
        for e in rows {
            let Some(custom) = e.data.0.get_mut("custom").and_then(Value::as_object_mut) else {
                continue;
            };
            if !custom.values().any(is_sealed) {
                continue;
            }
            let mut opened = custom.clone();
            match self.open_custom(e.record_id, &mut opened).await {
                Ok(()) => *custom = opened,
                Err(err) => {
                    // Left out, as a record's list leaves it out.
                    custom.retain(|_, v| !is_sealed(v));
                    tracing::warn!(seq = e.seq, error = %err, "a sensitive value in the event log does not open; it is left out")
                }
            }
        }
    }
}

/// What a re-seal changed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Resealed {
    pub records: u64,
    pub events: u64,
}

/// Rows a re-seal reads and rewrites per transaction: short, so live
/// writes (SQLite has one writer) wait for a batch, never for the run.
const RESEAL_BATCH: i64 = 200;

/// A record's id, kind, custom values and version.
type CustomOf = (Uuid, String, sqlx::types::Json<Map<String, Value>>, i64);

/// Whether any sealed value in `custom` is under an older key than `ring`'s.
fn stale(ring: &Keyring, custom: &Map<String, Value>) -> bool {
    custom
        .values()
        .filter_map(sealed_text)
        .any(|s| ring.is_stale(s))
}

impl super::TenantDb {
    /// Re-seals every sensitive value under the tenant's newest data key,
    /// after learning of keys added elsewhere: `mandant keys
    /// rotate-tenant` runs it at once, and every node's hourly sweep runs
    /// it again, so values a node sealed under the old key before it
    /// learned of the new one are caught too. A row written meanwhile is
    /// left to the next run (its version, or its log entry, changed).
    pub async fn reseal(&self) -> Result<Resealed> {
        let ring = self.key_source()?.refresh().await?;
        let mut done = Resealed::default();
        let mut after = Uuid::nil();
        loop {
            let mut tx = self.begin().await?;
            let rows: Vec<CustomOf> = on_tx!(&mut tx, c => sqlx::query_as(
                "SELECT id, kind, custom, version FROM records \
                 WHERE id > $1 AND CAST(custom AS TEXT) LIKE '%$sealed%' ORDER BY id LIMIT $2",
            )
            .bind(after)
            .bind(RESEAL_BATCH)
            .fetch_all(c)
            .await)?;
            let Some(last) = rows.last().map(|r| r.0) else {
                tx.rollback().await?;
                break;
            };
            after = last;
            for (id, kind, custom, version) in rows {
                if !stale(&ring, &custom.0) {
                    continue;
                }
                let mut clear = custom.0;
                if let Err(e) = tx.open_custom(id, &mut clear).await {
                    tracing::warn!(record = %id, error = %e, "a sensitive value does not open; it cannot be re-sealed");
                    continue;
                }
                let Some(sealed) = tx.seal_custom(&kind, id, &clear).await? else {
                    continue;
                };
                done.records += on_tx!(&mut tx, c => sqlx::query(
                    "UPDATE records SET custom = $1 WHERE id = $2 AND version = $3",
                )
                .bind(sqlx::types::Json(sealed))
                .bind(id)
                .bind(version)
                .execute(c)
                .await
                .map(|r| r.rows_affected()))?;
            }
            tx.commit().await?;
        }
        let mut after = 0i64;
        loop {
            let mut tx = self.begin().await?;
            let rows: Vec<(i64, String, Uuid, String)> = on_tx!(&mut tx, c => sqlx::query_as(
                "SELECT seq, kind, record_id, CAST(data AS TEXT) FROM events \
                 WHERE seq > $1 AND CAST(data AS TEXT) LIKE '%$sealed%' ORDER BY seq LIMIT $2",
            )
            .bind(after)
            .bind(RESEAL_BATCH)
            .fetch_all(c)
            .await)?;
            let Some(last) = rows.last().map(|r| r.0) else {
                tx.rollback().await?;
                break;
            };
            after = last;
            for (seq, kind, record, text) in rows {
                let mut data: Value = serde_json::from_str(&text)
                    .map_err(|e| StorageError::Corrupt(format!("event {seq}: {e}")))?;
                let Some(custom) = data.get_mut("custom").and_then(Value::as_object_mut) else {
                    continue;
                };
                if !stale(&ring, custom) {
                    continue;
                }
                if let Err(e) = tx.open_custom(record, custom).await {
                    tracing::warn!(seq, error = %e, "a sensitive value in the event log does not open; it cannot be re-sealed");
                    continue;
                }
                let Some(sealed) = tx.seal_event(&kind, record, &data).await? else {
                    continue;
                };
                // An erasure may have rewritten it since: then it stays.
                done.events += on_tx!(&mut tx, c => sqlx::query(
                    "UPDATE events SET data = $1 WHERE seq = $2 AND CAST(data AS TEXT) = $3",
                )
                .bind(sqlx::types::Json(sealed))
                .bind(seq)
                .bind(&text)
                .execute(c)
                .await
                .map(|r| r.rows_affected()))?;
            }
            tx.commit().await?;
        }
        Ok(done)
    }
}

//! The audit trail: every change of data and every sign-in, appended in
//! the transaction that makes the change, and hash-chained per tenant.
//!
//! An entry's content is encoded once, canonically (JSON with sorted keys,
//! times at microsecond precision), and stored as it was hashed: `hash` is
//! SHA-256 over the previous entry's hash, a newline and that text. The
//! chain's head (last number and hash) is one row that every appending
//! transaction updates, so entries are numbered in commit order without
//! gaps, and changing, removing or reordering one shows in [`verify`].
//!
//! The request that caused an entry (client address, request id) is read
//! from [`ORIGIN`], which the HTTP layer sets for each request; entries
//! written outside a request (the support engine's timers, the CLI) have
//! none.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::TenantTx;
use super::error::Result;
use super::events::stored_now;
use super::tx::Dialect;
use crate::on_tx;

/// The hash before the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Who made a change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Actor {
    /// A signed-in user (`kind`: staff, customer or supplier, when known).
    User {
        id: Uuid,
        #[serde(skip_serializing_if = "Option::is_none")]
        kind: Option<String>,
    },
    /// An integration's API key, acting for the user who made it.
    ApiKey { id: Uuid, user_id: Uuid },
    /// The support engine (SLA alarms, offers, expiries).
    Engine,
    /// The platform operator (control plane, CLI).
    Platform,
    /// The tenant's retention policy, by the rule that matched.
    Retention { rule: String },
    /// Nobody signed in (a failed sign-in).
    Anonymous,
}

impl Actor {
    /// The user the change is attributed to, if any (an API key's maker).
    pub fn user_id(&self) -> Option<Uuid> {
        match self {
            Actor::User { id, .. } => Some(*id),
            Actor::ApiKey { user_id, .. } => Some(*user_id),
            _ => None,
        }
    }

    fn parts(&self) -> (&'static str, Option<Uuid>) {
        match self {
            Actor::User { id, .. } => ("user", Some(*id)),
            Actor::ApiKey { id, .. } => ("api_key", Some(*id)),
            Actor::Engine => ("engine", None),
            Actor::Platform => ("platform", None),
            Actor::Retention { .. } => ("retention", None),
            Actor::Anonymous => ("anonymous", None),
        }
    }
}

/// Where the request behind an entry came from.
#[derive(Debug, Clone, Default)]
pub struct Origin {
    pub ip: Option<String>,
    pub request_id: Option<String>,
}

tokio::task_local! {
    /// The current request's origin, set around each request's handling.
    pub static ORIGIN: Origin;
}

fn origin() -> Origin {
    ORIGIN.try_with(Clone::clone).unwrap_or_default()
}

/// One change to record.
pub struct NewEntry<'a> {
    /// What happened: `contact.updated`, `settings.branding_changed`,
    /// `auth.login_failed`, …
    pub action: &'a str,
    pub actor: Actor,
    /// The record kind (or `user`, `role`, `setting`, …) it concerns.
    pub kind: Option<&'a str>,
    pub record_id: Option<Uuid>,
    /// What changed, with personal and free-text values masked by the caller.
    pub detail: Value,
}

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct AuditRow {
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub action: String,
    pub actor_type: String,
    pub actor_id: Option<Uuid>,
    pub kind: Option<String>,
    pub record_id: Option<Uuid>,
    /// The canonical content, as hashed.
    pub entry: String,
    pub prev_hash: String,
    pub hash: String,
}

/// The chain's step: SHA-256 of the previous hash, a newline, the entry.
pub fn chain_hash(prev: &str, entry: &str) -> String {
    let mut h = Sha256::new();
    h.update(prev.as_bytes());
    h.update(b"\n");
    h.update(entry.as_bytes());
    hex::encode(h.finalize())
}

/// Appends `e` after the chain's head, in `tx`. Call it last in a write,
/// after the events: the head row is the write's last lock, like the
/// event counter before it.
pub async fn append(tx: &mut TenantTx, e: &NewEntry<'_>) -> Result<AuditRow> {
    let mut rows = append_many(tx, std::slice::from_ref(e)).await?;
    Ok(rows.remove(0))
}

/// The stored row of entry `seq` after `prev`, at `at`.
fn seal(seq: i64, at: DateTime<Utc>, origin: &Origin, prev: String, e: &NewEntry<'_>) -> AuditRow {
    let (actor_type, actor_id) = e.actor.parts();
    // serde_json's maps are sorted by key: this text is canonical.
    let entry = json!({
        "seq": seq,
        "at": at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        "action": e.action,
        "actor": e.actor,
        "kind": e.kind,
        "record_id": e.record_id,
        "ip": origin.ip,
        "request_id": origin.request_id,
        "detail": e.detail,
    })
    .to_string();
    AuditRow {
        seq,
        at,
        action: e.action.to_owned(),
        actor_type: actor_type.to_owned(),
        actor_id,
        kind: e.kind.map(str::to_owned),
        record_id: e.record_id,
        hash: chain_hash(&prev, &entry),
        entry,
        prev_hash: prev,
    }
}

/// Appends `list` in order, numbered in one step (a bulk import's rows).
pub async fn append_many(tx: &mut TenantTx, list: &[NewEntry<'_>]) -> Result<Vec<AuditRow>> {
    if list.is_empty() {
        return Ok(Vec::new());
    }
    let (last, mut prev): (i64, String) = on_tx!(tx, c => sqlx::query_as(
        "UPDATE audit_head SET seq = seq + $1 WHERE id = 1 RETURNING seq, hash",
    )
    .bind(list.len() as i64)
    .fetch_one(c)
    .await)?;
    let first = last - list.len() as i64 + 1;
    let (at, origin) = (stored_now(), origin());
    let mut rows = Vec::with_capacity(list.len());
    for (e, seq) in list.iter().zip(first..) {
        let row = seal(seq, at, &origin, prev, e);
        prev = row.hash.clone();
        rows.push(row);
    }
    // 10 values an entry. On PostgreSQL the head's new hash rides on the
    // last INSERT (one round trip less per write); SQLite's round trips
    // are calls, and it has no UPDATE inside WITH.
    let pg = matches!(tx.dialect(), Dialect::Postgres);
    let chunks: Vec<&[AuditRow]> = rows.chunks(300).collect();
    for (i, chunk) in chunks.iter().enumerate() {
        let values: Vec<String> = (0..chunk.len())
            .map(|i| {
                let b = i * 10;
                let n: Vec<String> = (1..=10).map(|k| format!("${}", b + k)).collect();
                format!("({})", n.join(", "))
            })
            .collect();
        let set_head = pg && i + 1 == chunks.len();
        let head = if set_head {
            format!(
                "WITH h AS (UPDATE audit_head SET hash = ${} WHERE id = 1) ",
                chunk.len() * 10 + 1
            )
        } else {
            String::new()
        };
        let sql = format!(
            "{head}INSERT INTO audit_log (seq, at, action, actor_type, actor_id, kind, record_id, entry, prev_hash, hash) VALUES {}",
            values.join(", ")
        );
        on_tx!(tx, c => {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for r in chunk.iter() {
                q = q
                    .bind(r.seq)
                    .bind(r.at)
                    .bind(&r.action)
                    .bind(&r.actor_type)
                    .bind(r.actor_id)
                    .bind(&r.kind)
                    .bind(r.record_id)
                    .bind(&r.entry)
                    .bind(&r.prev_hash)
                    .bind(&r.hash);
            }
            if set_head {
                q = q.bind(&prev);
            }
            q.execute(c).await.map(|_| ())
        })?;
    }
    if !pg {
        on_tx!(tx, c => sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1")
            .bind(&prev)
            .execute(c)
            .await
            .map(|_| ()))?;
    }
    Ok(rows)
}

/// What a page of the trail is narrowed to.
#[derive(Debug, Default, Clone)]
pub struct AuditFilter {
    pub actor_id: Option<Uuid>,
    pub kind: Option<String>,
    pub record_id: Option<Uuid>,
    pub action: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    /// Entries numbered below this (the cursor: newest first).
    pub before: Option<i64>,
}

/// Newest first, at most `limit`, matching `f`.
pub async fn page(tx: &mut TenantTx, f: &AuditFilter, limit: i64) -> Result<Vec<AuditRow>> {
    Ok(on_tx!(tx, c => sqlx::query_as::<_, AuditRow>(
        "SELECT seq, at, action, actor_type, actor_id, kind, record_id, entry, prev_hash, hash \
         FROM audit_log \
         WHERE ($1 IS NULL OR actor_id = $1) AND ($2 IS NULL OR kind = $2) \
           AND ($3 IS NULL OR record_id = $3) AND ($4 IS NULL OR action = $4) \
           AND ($5 IS NULL OR at >= $5) AND ($6 IS NULL OR at < $6) \
           AND ($7 IS NULL OR seq < $7) \
         ORDER BY seq DESC LIMIT $8",
    )
    .bind(f.actor_id)
    .bind(f.kind.as_deref())
    .bind(f.record_id)
    .bind(f.action.as_deref())
    .bind(f.from)
    .bind(f.to)
    .bind(f.before)
    .bind(limit)
    .fetch_all(c)
    .await)?)
}

/// Every entry about `record_id`, oldest first.
pub async fn about(tx: &mut TenantTx, record_id: Uuid) -> Result<Vec<AuditRow>> {
    Ok(on_tx!(tx, c => sqlx::query_as::<_, AuditRow>(
        "SELECT seq, at, action, actor_type, actor_id, kind, record_id, entry, prev_hash, hash \
         FROM audit_log WHERE record_id = $1 ORDER BY seq",
    )
    .bind(record_id)
    .fetch_all(c)
    .await)?)
}

/// Oldest first, after `after`, at most `limit` (for [`verify`]).
pub async fn after(tx: &mut TenantTx, after: i64, limit: i64) -> Result<Vec<AuditRow>> {
    Ok(on_tx!(tx, c => sqlx::query_as::<_, AuditRow>(
        "SELECT seq, at, action, actor_type, actor_id, kind, record_id, entry, prev_hash, hash \
         FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2",
    )
    .bind(after)
    .bind(limit)
    .fetch_all(c)
    .await)?)
}

/// The chain's head: the last number and its hash.
pub async fn head(tx: &mut TenantTx) -> Result<(i64, String)> {
    Ok(on_tx!(tx, c => sqlx::query_as::<_, (i64, String)>(
        "SELECT seq, hash FROM audit_head WHERE id = 1",
    )
    .fetch_one(c)
    .await)?)
}

/// How long a tenant keeps its trail (setting `audit`): ten years unless
/// set, at least one, and never less than the event log it describes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditSettings {
    #[serde(deserialize_with = "crate::domain::present::integer")]
    pub retention_days: i64,
}

impl Default for AuditSettings {
    fn default() -> Self {
        Self {
            retention_days: 3650,
        }
    }
}

impl super::settings::Setting for AuditSettings {
    const KEY: &'static str = "audit";
    fn check(&self) -> std::result::Result<(), Vec<crate::domain::FieldError>> {
        if (365..=36_500).contains(&self.retention_days) {
            Ok(())
        } else {
            Err(vec![crate::domain::FieldError::new(
                "retention_days",
                "must be between 365 and 36500",
            )])
        }
    }
}

/// Where the kept chain begins: the number and hash of the last entry
/// retention trimmed (0 and [`GENESIS`] while nothing was).
pub async fn base(tx: &mut TenantTx) -> Result<(i64, String)> {
    Ok(on_tx!(tx, c => sqlx::query_as::<_, (i64, String)>(
        "SELECT base_seq, base_hash FROM audit_head WHERE id = 1",
    )
    .fetch_one(c)
    .await)?)
}

/// Trims the entries written before `before` from the start of the chain
/// and moves its base past them; the number of the last one trimmed and
/// how many went (None: nothing to trim).
pub async fn trim(tx: &mut TenantTx, before: DateTime<Utc>) -> Result<Option<(i64, u64)>> {
    let last: Option<(i64, String)> = on_tx!(tx, c => sqlx::query_as(
        "SELECT seq, hash FROM audit_log WHERE at < $1 ORDER BY seq DESC LIMIT 1",
    )
    .bind(before)
    .fetch_optional(c)
    .await)?;
    let Some((seq, hash)) = last else {
        return Ok(None);
    };
    let n = on_tx!(tx, c => sqlx::query("DELETE FROM audit_log WHERE seq <= $1")
        .bind(seq)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    on_tx!(tx, c => sqlx::query("UPDATE audit_head SET base_seq = $1, base_hash = $2 WHERE id = 1")
        .bind(seq)
        .bind(&hash)
        .execute(c)
        .await
        .map(|_| ()))?;
    Ok(Some((seq, n)))
}

/// Where a chain stops being what was written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Break {
    /// The first entry that does not hold (or the number it should have).
    pub seq: i64,
    pub reason: String,
}

/// What [`verify`] found: how far the chain holds, and where it breaks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verdict {
    /// Entries up to this number were trimmed by retention.
    pub base_seq: i64,
    pub entries: i64,
    pub head_seq: i64,
    pub head_hash: String,
    pub broken: Option<Break>,
}

/// Checks one entry against the chain so far: it must carry the next
/// number, name the previous hash, hash to what it says, and its columns
/// must say what its content says.
pub fn check_link(expected_seq: i64, prev_hash: &str, row: &AuditRow) -> Option<Break> {
    let broken = |reason: String| {
        Some(Break {
            seq: row.seq.min(expected_seq),
            reason,
        })
    };
    if row.seq != expected_seq {
        return broken(format!(
            "entry {expected_seq} is missing (the next entry is {})",
            row.seq
        ));
    }
    if row.prev_hash != prev_hash {
        return broken(format!(
            "entry {} does not follow entry {} (removed, inserted or reordered)",
            row.seq,
            row.seq - 1
        ));
    }
    if chain_hash(&row.prev_hash, &row.entry) != row.hash {
        return broken(format!("entry {} was changed", row.seq));
    }
    let content: Value = serde_json::from_str(&row.entry).unwrap_or(Value::Null);
    let actor_id = content["actor"]["id"].as_str().map(str::to_owned);
    let agrees = content["seq"] == json!(row.seq)
        && content["action"] == json!(row.action)
        && content["actor"]["type"] == json!(row.actor_type)
        && actor_id == row.actor_id.map(|u| u.to_string())
        && content["kind"] == json!(row.kind)
        && content["record_id"] == json!(row.record_id);
    if !agrees {
        return broken(format!(
            "entry {}'s columns no longer say what it recorded",
            row.seq
        ));
    }
    None
}

/// Walks the whole chain from the first entry, in pages, and compares its
/// end with the head.
pub async fn verify(db: &super::TenantDb) -> Result<Verdict> {
    let mut tx = db.begin_read().await?;
    let (head_seq, head_hash) = head(&mut tx).await?;
    let (base_seq, base_hash) = base(&mut tx).await?;
    let (mut last, mut prev) = (base_seq, base_hash);
    let mut broken = None;
    'walk: loop {
        let rows = after(&mut tx, last, 1000).await?;
        if rows.is_empty() {
            break;
        }
        for row in &rows {
            if let Some(b) = check_link(last + 1, &prev, row) {
                broken = Some(b);
                break 'walk;
            }
            last = row.seq;
            prev = row.hash.clone();
        }
    }
    if broken.is_none() && (last != head_seq || prev != head_hash) {
        broken = Some(Break {
            seq: last + 1,
            reason: format!(
                "the chain ends at entry {last}, but its head says {head_seq}: entries at the end were removed"
            ),
        });
    }
    tx.rollback().await?;
    Ok(Verdict {
        base_seq,
        entries: last,
        head_seq,
        head_hash,
        broken,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(seq: i64, prev: &str, action: &str) -> AuditRow {
        let entry = json!({"seq": seq, "action": action, "actor": {"type": "engine"},
                           "kind": null, "record_id": null})
        .to_string();
        AuditRow {
            seq,
            at: Utc::now(),
            action: action.into(),
            actor_type: "engine".into(),
            actor_id: None,
            kind: None,
            record_id: None,
            hash: chain_hash(prev, &entry),
            entry,
            prev_hash: prev.into(),
        }
    }

    /// Each way of tampering is named, at the entry where it shows.
    #[test]
    fn a_link_breaks_where_the_chain_was_tampered_with() {
        let a = row(1, GENESIS, "ticket.sla_warning");
        let b = row(2, &a.hash, "ticket.sla_breached");
        assert_eq!(check_link(1, GENESIS, &a), None);
        assert_eq!(check_link(2, &a.hash, &b), None);

        let mut changed = b.clone();
        changed.entry = changed.entry.replace("breached", "warning");
        assert!(
            check_link(2, &a.hash, &changed)
                .unwrap()
                .reason
                .contains("was changed")
        );

        let mut columns = b.clone();
        columns.action = "ticket.sla_warning".into();
        assert!(
            check_link(2, &a.hash, &columns)
                .unwrap()
                .reason
                .contains("columns")
        );

        let gap = row(3, &b.hash, "x");
        assert_eq!(check_link(2, &a.hash, &gap).unwrap().seq, 2);

        let swapped = row(2, GENESIS, "x");
        assert!(
            check_link(2, &a.hash, &swapped)
                .unwrap()
                .reason
                .contains("does not follow")
        );
    }
}

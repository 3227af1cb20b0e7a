//! The tenant's event log (outbox): appended in the writing transaction,
//! numbered in commit order.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::types::Json;
use uuid::Uuid;

use super::TenantTx;
use super::error::Result;
use super::tx::Dialect;
use crate::on_tx;

pub struct NewEvent<'a> {
    pub event_type: &'a str,
    pub kind: &'a str,
    pub record_id: Uuid,
    pub actor: Option<Uuid>,
    pub people: &'a [Uuid],
    pub team_id: Option<Uuid>,
    pub data: &'a Value,
}

#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize, serde::Deserialize)]
pub struct EventRow {
    pub seq: i64,
    pub at: DateTime<Utc>,
    #[sqlx(rename = "type")]
    pub event_type: String,
    pub kind: String,
    pub record_id: Uuid,
    pub actor: Option<Uuid>,
    pub people: Json<Vec<Uuid>>,
    pub team_id: Option<Uuid>,
    pub data: Json<Value>,
}

impl EventRow {
    /// Whether the event says its record is gone: deleted, erased, or an
    /// older event overwritten by an erasure.
    pub fn gone(&self) -> bool {
        self.event_type.ends_with(".deleted") || self.erased()
    }

    /// Whether the record was erased (this event, or one overwritten).
    pub fn erased(&self) -> bool {
        self.event_type.ends_with(".erased")
            || self.data.0.get("erased") == Some(&Value::Bool(true))
    }
}

/// Binds an event's columns after `seq`, in table order.
macro_rules! bind_fields {
    ($q:expr, $row:expr) => {
        $q.bind($row.at)
            .bind(&$row.event_type)
            .bind(&$row.kind)
            .bind($row.record_id)
            .bind($row.actor)
            .bind(&$row.people)
            .bind($row.team_id)
            .bind(&$row.data)
    };
}

/// Takes the next number and appends the event; returns it as the log
/// will hold it. The counter row stays locked until the transaction ends,
/// so transactions number their events in the order they commit.
/// The row `e` is stored as, numbered `seq`, at `at`.
fn stored(e: &NewEvent<'_>, seq: i64, at: DateTime<Utc>) -> EventRow {
    EventRow {
        seq,
        at,
        event_type: e.event_type.to_owned(),
        kind: e.kind.to_owned(),
        record_id: e.record_id,
        actor: e.actor,
        people: Json(e.people.to_vec()),
        team_id: e.team_id,
        data: Json(e.data.clone()),
    }
}

/// Appends `e`, its record's sensitive values sealed in the log; returns
/// it as readers will see it (opened).
pub async fn append(tx: &mut TenantTx, e: &NewEvent<'_>) -> Result<EventRow> {
    let mut row = stored(e, 0, stored_now());
    let clear = tx
        .seal_event(e.kind, e.record_id, e.data)
        .await?
        .map(|sealed| std::mem::replace(&mut row.data.0, sealed));
    row.seq = match tx.dialect() {
        // One statement, one round trip: a write is a handful of them, and
        // on a pool shared by many schemas each one is planned afresh.
        Dialect::Postgres => on_tx!(tx, c => bind_fields!(sqlx::query_scalar(
            "WITH c AS (UPDATE event_counter SET seq = seq + 1 WHERE id = 1 RETURNING seq) \
             INSERT INTO events (seq, at, type, kind, record_id, actor, people, team_id, data) \
             SELECT c.seq, $1, $2, $3, $4, $5, $6, $7, $8 FROM c RETURNING seq",
        ), row)
        .fetch_one(c)
        .await)?,
        // SQLite has no UPDATE inside WITH; its round trips are calls.
        Dialect::Sqlite => {
            let seq: i64 = on_tx!(tx, c => sqlx::query_scalar(
                "UPDATE event_counter SET seq = seq + 1 WHERE id = 1 RETURNING seq",
            )
            .fetch_one(c)
            .await)?;
            on_tx!(tx, c => bind_fields!(sqlx::query(
                "INSERT INTO events (seq, at, type, kind, record_id, actor, people, team_id, data) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(seq), row)
            .execute(c)
            .await
            .map(|_| ()))?;
            seq
        }
    };
    if let Some(clear) = clear {
        row.data.0 = clear;
    }
    Ok(row)
}

/// What every event about an erased record holds afterwards: its id, and
/// that it was erased. The hubs' rings hold the same (`actors::hub`).
pub fn erased_data(record_id: Uuid) -> Value {
    serde_json::json!({"id": record_id, "erased": true})
}

/// What earlier events about an anonymised record hold afterwards: its
/// id, and that it was anonymised (the record itself lives on, as its
/// `.anonymised` event says).
pub fn anonymised_data(record_id: Uuid) -> Value {
    serde_json::json!({"id": record_id, "anonymised": true})
}

/// Overwrites what the log holds about each of `ids` with [`erased_data`]
/// (type, number, time and audience stay, so the log keeps its order and
/// a reader its place), except the `.erased` events themselves, which
/// hold ids only; returns how many events were rewritten. Erasure is
/// rare, so no index serves it: one pass over the log per record.
pub async fn erase(tx: &mut TenantTx, ids: &[Uuid]) -> Result<u64> {
    overwrite(tx, ids, erased_data).await
}

/// As [`erase`], with [`anonymised_data`]: the record stays.
pub async fn anonymise(tx: &mut TenantTx, id: Uuid) -> Result<u64> {
    overwrite(tx, &[id], anonymised_data).await
}

async fn overwrite(tx: &mut TenantTx, ids: &[Uuid], data: fn(Uuid) -> Value) -> Result<u64> {
    let mut n = 0;
    for id in ids {
        n += on_tx!(tx, c => sqlx::query("UPDATE events SET data = $1 WHERE record_id = $2 AND type NOT LIKE '%.erased'")
            .bind(Json(data(*id)))
            .bind(*id)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
    }
    Ok(n)
}

/// Every event the log holds about `id`, oldest first.
pub async fn about(tx: &mut TenantTx, id: Uuid) -> Result<Vec<EventRow>> {
    let mut rows = on_tx!(tx, c => sqlx::query_as::<_, EventRow>(
        "SELECT seq, at, type, kind, record_id, actor, people, team_id, data FROM events \
         WHERE record_id = $1 ORDER BY seq",
    )
    .bind(id)
    .fetch_all(c)
    .await)?;
    tx.open_events(&mut rows).await;
    Ok(rows)
}

/// Now, at the precision both backends store (PostgreSQL keeps
/// microseconds), so an event delivered from memory says what the log says.
pub(super) fn stored_now() -> DateTime<Utc> {
    let now = Utc::now();
    DateTime::from_timestamp_micros(now.timestamp_micros()).unwrap_or(now)
}

/// Events after `since`, oldest first, at most `limit`; sensitive values
/// opened.
pub async fn since(tx: &mut TenantTx, since: i64, limit: i64) -> Result<Vec<EventRow>> {
    let mut rows = on_tx!(tx, c => sqlx::query_as::<_, EventRow>(
        "SELECT seq, at, type, kind, record_id, actor, people, team_id, data FROM events \
         WHERE seq > $1 ORDER BY seq LIMIT $2",
    )
    .bind(since)
    .bind(limit)
    .fetch_all(c)
    .await)?;
    tx.open_events(&mut rows).await;
    Ok(rows)
}

/// The newest sequence number handed out (0: none yet).
pub async fn head(tx: &mut TenantTx) -> Result<i64> {
    Ok(
        on_tx!(tx, c => sqlx::query_scalar::<_, i64>("SELECT seq FROM event_counter WHERE id = 1")
        .fetch_one(c)
        .await)?,
    )
}

/// The oldest retained sequence number (None: log empty).
pub async fn oldest(tx: &mut TenantTx) -> Result<Option<i64>> {
    Ok(
        on_tx!(tx, c => sqlx::query_scalar::<_, Option<i64>>("SELECT min(seq) FROM events")
        .fetch_one(c)
        .await)?,
    )
}

/// Drops events older than `before`; returns how many.
pub async fn trim(tx: &mut TenantTx, before: DateTime<Utc>) -> Result<u64> {
    Ok(
        on_tx!(tx, c => sqlx::query("DELETE FROM events WHERE at < $1")
        .bind(before)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?,
    )
}

/// Appends many events with consecutive numbers taken in one step (bulk
/// import); returns them as stored.
pub async fn append_many(tx: &mut TenantTx, list: &[NewEvent<'_>]) -> Result<Vec<EventRow>> {
    if list.is_empty() {
        return Ok(Vec::new());
    }
    let last: i64 = on_tx!(tx, c => sqlx::query_scalar(
        "UPDATE event_counter SET seq = seq + $1 WHERE id = 1 RETURNING seq",
    )
    .bind(list.len() as i64)
    .fetch_one(c)
    .await)?;
    let first = last - list.len() as i64 + 1;
    let now = stored_now();
    let mut sealed = Vec::with_capacity(list.len());
    for e in list {
        sealed.push(tx.seal_event(e.kind, e.record_id, e.data).await?);
    }
    let mut seq = first;
    // 9 values an event.
    for (chunk, sealed) in list.chunks(400).zip(sealed.chunks(400)) {
        let values: Vec<String> = (0..chunk.len())
            .map(|i| {
                let b = i * 9;
                format!(
                    "(${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${})",
                    b + 1,
                    b + 2,
                    b + 3,
                    b + 4,
                    b + 5,
                    b + 6,
                    b + 7,
                    b + 8,
                    b + 9
                )
            })
            .collect();
        let sql = format!(
            "INSERT INTO events (seq, at, type, kind, record_id, actor, people, team_id, data) VALUES {}",
            values.join(", ")
        );
        let start = seq;
        on_tx!(tx, c => {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for (i, (e, sealed)) in chunk.iter().zip(sealed).enumerate() {
                q = q
                    .bind(start + i as i64)
                    .bind(now)
                    .bind(e.event_type)
                    .bind(e.kind)
                    .bind(e.record_id)
                    .bind(e.actor)
                    .bind(Json(e.people))
                    .bind(e.team_id)
                    .bind(Json(sealed.as_ref().unwrap_or(e.data)));
            }
            q.execute(c).await.map(|_| ())
        })?;
        seq += chunk.len() as i64;
    }
    Ok(list
        .iter()
        .zip(first..)
        .map(|(e, seq)| stored(e, seq, now))
        .collect())
}

//! Records of every kind in one table; the shape lives in `records::schema`.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};
use sqlx::AssertSqlSafe;
use sqlx::types::Json;
use uuid::Uuid;

use super::TenantTx;
use super::error::Result;
use super::tx::Dialect;
use crate::on_tx;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RecordRow {
    pub id: Uuid,
    pub kind: String,
    pub data: Json<Map<String, Value>>,
    pub custom: Json<Map<String, Value>>,
    pub people: Json<Vec<Uuid>>,
    pub team_id: Option<Uuid>,
    pub parent_id: Option<Uuid>,
    pub version: i64,
    pub created_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

pub const COLUMNS: &str = "id, kind, data, custom, people, team_id, parent_id, version, created_by, created_at, updated_at";

/// A value bound into dynamically built SQL.
#[derive(Debug, Clone)]
pub enum Bind {
    Text(String),
    Num(f64),
    Int(i64),
    Id(Uuid),
    Time(DateTime<Utc>),
    Bool(bool),
}

async fn set_search(tx: &mut TenantTx, id: Uuid, search: &str, fresh: bool) -> Result<()> {
    if tx.dialect() == Dialect::Sqlite {
        if !fresh {
            on_tx!(tx, c => sqlx::query("DELETE FROM records_fts WHERE id = $1")
                .bind(id)
                .execute(c)
                .await
                .map(|_| ()))?;
        }
        on_tx!(tx, c => sqlx::query("INSERT INTO records_fts (id, search) VALUES ($1, $2)")
            .bind(id)
            .bind(search)
            .execute(c)
            .await
            .map(|_| ()))?;
    }
    Ok(())
}

pub async fn insert(tx: &mut TenantTx, r: &RecordRow, search: &str) -> Result<()> {
    insert_many(tx, &[(r.clone(), search.to_owned())]).await
}

/// One record, its sensitive values opened: one that does not open is an
/// error (`StorageError::Keys`).
pub async fn get(tx: &mut TenantTx, kind: &str, id: Uuid) -> Result<Option<RecordRow>> {
    let sql = format!("SELECT {COLUMNS} FROM records WHERE id = $1 AND kind = $2");
    let mut row = on_tx!(tx, c => sqlx::query_as::<_, RecordRow>(AssertSqlSafe(sql))
        .bind(id)
        .bind(kind)
        .fetch_optional(c)
        .await)?;
    if let Some(r) = &mut row {
        tx.open_record(r).await?;
    }
    Ok(row)
}

/// Writes `r` (sensitive values sealed) if the stored version is still
/// `expected`; false otherwise.
pub async fn update(tx: &mut TenantTx, r: &RecordRow, expected: i64, search: &str) -> Result<bool> {
    let sealed = tx.seal_custom(&r.kind, r.id, &r.custom.0).await?.map(Json);
    let custom = sealed.as_ref().unwrap_or(&r.custom);
    let n = on_tx!(tx, c => sqlx::query(
        "UPDATE records SET data = $1, custom = $2, people = $3, team_id = $4, search = $5, \
         version = $6, updated_at = $7 WHERE id = $8 AND kind = $9 AND version = $10",
    )
    .bind(&r.data)
    .bind(custom)
    .bind(&r.people)
    .bind(r.team_id)
    .bind(search)
    .bind(r.version)
    .bind(r.updated_at)
    .bind(r.id)
    .bind(&r.kind)
    .bind(expected)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    if n == 1 {
        set_search(tx, r.id, search, false).await?;
    }
    Ok(n == 1)
}

pub async fn delete(tx: &mut TenantTx, kind: &str, id: Uuid) -> Result<bool> {
    let n = on_tx!(tx, c => sqlx::query("DELETE FROM records WHERE (id = $1 AND kind = $2) OR parent_id = $1")
        .bind(id)
        .bind(kind)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    if tx.dialect() == Dialect::Sqlite {
        on_tx!(tx, c => sqlx::query("DELETE FROM records_fts WHERE id = $1")
            .bind(id)
            .execute(c)
            .await
            .map(|_| ()))?;
    }
    Ok(n > 0)
}

/// Every record id of `kind` (for small kinds: queues, pipelines).
pub async fn ids_of_kind(tx: &mut TenantTx, kind: &str) -> Result<Vec<Uuid>> {
    Ok(
        on_tx!(tx, c => sqlx::query_scalar::<_, Uuid>("SELECT id FROM records WHERE kind = $1")
        .bind(kind)
        .fetch_all(c)
        .await)?,
    )
}

/// Which of `ids` exist as records of `kind`.
pub async fn existing(tx: &mut TenantTx, kind: &str, ids: &[Uuid]) -> Result<Vec<Uuid>> {
    let mut found = Vec::with_capacity(ids.len());
    for id in ids {
        let hit: Option<Uuid> = on_tx!(tx, c => sqlx::query_scalar(
            "SELECT id FROM records WHERE id = $1 AND kind = $2",
        )
        .bind(id)
        .bind(kind)
        .fetch_optional(c)
        .await)?;
        found.extend(hit);
    }
    Ok(found)
}

/// Every record of `kind` (dashboards recompute from them).
pub async fn of_kind(tx: &mut TenantTx, kind: &str) -> Result<Vec<RecordRow>> {
    let sql = format!("SELECT {COLUMNS} FROM records WHERE kind = $1");
    select(tx, sql, &[Bind::Text(kind.into())]).await
}

/// Up to `limit` records of `kind` last changed before `before`, in id
/// order after `after` (a retention rule's candidates, page by page).
pub async fn unchanged_since(
    tx: &mut TenantTx,
    kind: &str,
    before: DateTime<Utc>,
    after: Option<Uuid>,
    limit: i64,
) -> Result<Vec<RecordRow>> {
    let mut binds = vec![Bind::Text(kind.into()), Bind::Time(before)];
    let after_test = match after {
        Some(id) => {
            binds.push(Bind::Id(id));
            " AND id > $3"
        }
        None => "",
    };
    binds.push(Bind::Int(limit));
    let sql = format!(
        "SELECT {COLUMNS} FROM records WHERE kind = $1 AND updated_at < $2{after_test} ORDER BY id LIMIT ${}",
        binds.len()
    );
    select(tx, sql, &binds).await
}

/// Records of `kind` whose top-level text field `field` (a validated
/// identifier) equals `value`: a queue's tickets, say.
pub async fn where_field(
    tx: &mut TenantTx,
    kind: &str,
    field: &str,
    value: &str,
) -> Result<Vec<RecordRow>> {
    matching(tx, kind, field, value, false).await
}

/// Like [`where_field`], comparing in lower case: e-mail addresses are
/// kept as written, and matched whatever their case.
pub async fn where_field_any_case(
    tx: &mut TenantTx,
    kind: &str,
    field: &str,
    value: &str,
) -> Result<Vec<RecordRow>> {
    matching(tx, kind, field, value, true).await
}

async fn matching(
    tx: &mut TenantTx,
    kind: &str,
    field: &str,
    value: &str,
    any_case: bool,
) -> Result<Vec<RecordRow>> {
    let column = tx.dialect().json_text("data", field);
    let test = if any_case {
        format!("lower({column}) = lower($2)")
    } else {
        format!("{column} = $2")
    };
    let sql = format!("SELECT {COLUMNS} FROM records WHERE kind = $1 AND {test}");
    select(
        tx,
        sql,
        &[Bind::Text(kind.into()), Bind::Text(value.into())],
    )
    .await
}

/// Records of `kind` whose JSON field `key` of `column` (`data` or
/// `custom`; a validated identifier) refers to `id`: holds it, or, for an
/// array field, contains it.
pub async fn referring(
    tx: &mut TenantTx,
    kind: &str,
    column: &'static str,
    key: &str,
    array: bool,
    id: Uuid,
) -> Result<Vec<RecordRow>> {
    let d = tx.dialect();
    let test = if array {
        d.json_array_contains(column, key, 2)
    } else {
        format!("{} = $2", d.json_text(column, key))
    };
    let sql = format!("SELECT {COLUMNS} FROM records WHERE kind = $1 AND {test} ORDER BY id");
    select(
        tx,
        sql,
        &[Bind::Text(kind.into()), Bind::Text(id.to_string())],
    )
    .await
}

/// Runs a SELECT of [`COLUMNS`] built in this module with its binds; the
/// rows' sensitive values opened where they open (`sealed`).
pub(super) async fn select(
    tx: &mut TenantTx,
    sql: String,
    binds: &[Bind],
) -> Result<Vec<RecordRow>> {
    let mut rows = on_tx!(tx, c => {
        let mut q = sqlx::query_as::<_, RecordRow>(AssertSqlSafe(sql));
        for b in binds {
            q = match b {
                Bind::Text(s) => q.bind(s.clone()),
                Bind::Num(n) => q.bind(*n),
                Bind::Int(n) => q.bind(*n),
                Bind::Id(u) => q.bind(*u),
                Bind::Time(t) => q.bind(*t),
                Bind::Bool(b) => q.bind(*b),
            };
        }
        q.fetch_all(c).await
    })?;
    tx.open_records(&mut rows).await;
    Ok(rows)
}

pub async fn children(tx: &mut TenantTx, parent: Uuid, kind: &str) -> Result<Vec<RecordRow>> {
    let sql =
        format!("SELECT {COLUMNS} FROM records WHERE parent_id = $1 AND kind = $2 ORDER BY id");
    select(tx, sql, &[Bind::Id(parent), Bind::Text(kind.into())]).await
}

/// Inserts many records in few statements (bulk import), sensitive
/// values sealed. All or nothing with the surrounding transaction.
pub async fn insert_many(tx: &mut TenantTx, rows: &[(RecordRow, String)]) -> Result<()> {
    let mut sealed = Vec::with_capacity(rows.len());
    for (r, _) in rows {
        sealed.push(tx.seal_custom(&r.kind, r.id, &r.custom.0).await?.map(Json));
    }
    // 12 values a row; 400 rows stay well under SQLite's 32,766 variables.
    for (chunk, sealed) in rows.chunks(400).zip(sealed.chunks(400)) {
        let values: Vec<String> = (0..chunk.len())
            .map(|i| {
                let b = i * 12;
                format!(
                    "(${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${})",
                    b + 1,
                    b + 2,
                    b + 3,
                    b + 4,
                    b + 5,
                    b + 6,
                    b + 7,
                    b + 8,
                    b + 9,
                    b + 10,
                    b + 11,
                    b + 12
                )
            })
            .collect();
        let sql = format!(
            "INSERT INTO records (id, kind, data, custom, people, team_id, parent_id, search, version, created_by, created_at, updated_at) VALUES {}",
            values.join(", ")
        );
        on_tx!(tx, c => {
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for ((r, search), sealed) in chunk.iter().zip(sealed) {
                q = q
                    .bind(r.id)
                    .bind(&r.kind)
                    .bind(&r.data)
                    .bind(sealed.as_ref().unwrap_or(&r.custom))
                    .bind(&r.people)
                    .bind(r.team_id)
                    .bind(r.parent_id)
                    .bind(search)
                    .bind(r.version)
                    .bind(r.created_by)
                    .bind(r.created_at)
                    .bind(r.updated_at);
            }
            q.execute(c).await.map(|_| ())
        })?;
        if tx.dialect() == Dialect::Sqlite {
            let values: Vec<String> = (0..chunk.len())
                .map(|i| format!("(${}, ${})", i * 2 + 1, i * 2 + 2))
                .collect();
            let sql = format!(
                "INSERT INTO records_fts (id, search) VALUES {}",
                values.join(", ")
            );
            on_tx!(tx, c => {
                let mut q = sqlx::query(AssertSqlSafe(sql));
                for (r, search) in chunk {
                    q = q.bind(r.id).bind(search);
                }
                q.execute(c).await.map(|_| ())
            })?;
        }
    }
    Ok(())
}

/// Records counted against the plan's quota (comments belong to tickets).
pub async fn count(tx: &mut TenantTx) -> Result<i64> {
    Ok(
        on_tx!(tx, c => sqlx::query_scalar::<_, i64>("SELECT count(*) FROM records WHERE kind <> 'comment'")
        .fetch_one(c)
        .await)?,
    )
}

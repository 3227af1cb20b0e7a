//! A tenant's tables read out as portable rows and written back, on
//! either backend.
//!
//! The portable form of a value is how the SQLite backend keeps it
//! (integers, reals, text, bytes): a UUID is its 16 bytes, a time the text
//! sqlx writes for a `DateTime<Utc>`, a boolean 0 or 1, JSON its compact
//! text. PostgreSQL's values are turned into that form when read, and
//! turned back by the target column's type when written, so an archive
//! made on one backend restores on the other, and the same rows hash the
//! same wherever they were read.

use chrono::{DateTime, SecondsFormat, Utc};
use futures_util::TryStreamExt;
use serde::{Deserialize, Serialize};
use sqlx::{AssertSqlSafe, Column as _, Row, TypeInfo, ValueRef};
use uuid::Uuid;

use super::error::{Result, StorageError};
use super::{TenantTx, TxConn};
use crate::on_tx;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Cell {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
    Bytes {
        #[serde(with = "b64")]
        b: Vec<u8>,
    },
}

mod b64 {
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&STANDARD.encode(v))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(d)?;
        STANDARD.decode(text).map_err(serde::de::Error::custom)
    }
}

/// A column as the catalog describes it: SQLite's declared type (upper
/// case) or PostgreSQL's `data_type`.
#[derive(Debug, Clone)]
pub struct Column {
    pub name: String,
    pub ty: String,
    /// PostgreSQL `GENERATED … AS IDENTITY`: written with OVERRIDING
    /// SYSTEM VALUE, its sequence moved past the rows afterwards.
    pub identity: bool,
}

/// Names come from the catalog, but are checked anyway before they are
/// put into SQL.
pub(super) fn ident(name: &str) -> Result<&str> {
    if !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    {
        Ok(name)
    } else {
        Err(StorageError::Corrupt(format!(
            "{name:?} is not a table or column name Mandant makes"
        )))
    }
}

/// The tenant's tables in an order that loads without breaking a foreign
/// key: creation order, with every table after the tables it refers to.
/// Bookkeeping (migrations, a move's change log) and SQLite's search
/// index (rebuilt on load) are not data.
pub async fn tables(tx: &mut TenantTx) -> Result<Vec<String>> {
    let (names, edges): (Vec<String>, Vec<(String, String)>) = match &mut tx.conn {
        TxConn::Sqlite(c) => {
            let all: Vec<(String, String)> = sqlx::query_as(
                "SELECT name, coalesce(sql, '') FROM sqlite_master WHERE type = 'table' \
                 AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name NOT LIKE '\\_sqlx%' ESCAPE '\\' AND name <> 'move_changes' \
                 ORDER BY rowid",
            )
            .fetch_all(&mut **c)
            .await?;
            let virtuals: Vec<String> = all
                .iter()
                .filter(|(_, sql)| sql.starts_with("CREATE VIRTUAL"))
                .map(|(n, _)| n.clone())
                .collect();
            let names: Vec<String> = all
                .into_iter()
                .map(|(n, _)| n)
                .filter(|n| {
                    !virtuals
                        .iter()
                        .any(|v| n == v || n.starts_with(&format!("{v}_")))
                })
                .collect();
            let mut edges = Vec::new();
            for n in &names {
                let refs: Vec<(String,)> =
                    sqlx::query_as("SELECT DISTINCT \"table\" FROM pragma_foreign_key_list($1)")
                        .bind(n)
                        .fetch_all(&mut **c)
                        .await?;
                edges.extend(refs.into_iter().map(|(r,)| (n.clone(), r)));
            }
            (names, edges)
        }
        TxConn::Postgres(c) => {
            let names: Vec<(String,)> = sqlx::query_as(
                "SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
                 WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') \
                 AND c.relname NOT IN ('_sqlx_migrations', 'move_changes') ORDER BY c.oid",
            )
            .fetch_all(&mut **c)
            .await?;
            let edges: Vec<(String, String)> = sqlx::query_as(
                "SELECT f.relname::text, t.relname::text FROM pg_constraint k \
                 JOIN pg_class f ON f.oid = k.conrelid JOIN pg_class t ON t.oid = k.confrelid \
                 JOIN pg_namespace n ON n.oid = f.relnamespace \
                 WHERE k.contype = 'f' AND n.nspname = current_schema()",
            )
            .fetch_all(&mut **c)
            .await?;
            (names.into_iter().map(|r| r.0).collect(), edges)
        }
    };
    let mut ordered: Vec<String> = Vec::with_capacity(names.len());
    let mut left = names;
    while !left.is_empty() {
        let ready = left.iter().position(|n| {
            edges.iter().all(|(from, to)| {
                from != n || to == n || ordered.contains(to) || !left.contains(to)
            })
        });
        let Some(i) = ready else {
            return Err(StorageError::Corrupt(format!(
                "the tables {left:?} refer to each other in a cycle"
            )));
        };
        ordered.push(left.remove(i));
    }
    for t in &ordered {
        ident(t)?;
    }
    Ok(ordered)
}

pub async fn columns(tx: &mut TenantTx, table: &str) -> Result<Vec<Column>> {
    let cols: Vec<Column> = match &mut tx.conn {
        TxConn::Sqlite(c) => {
            let rows: Vec<(String, String)> =
                sqlx::query_as("SELECT name, upper(type) FROM pragma_table_info($1) ORDER BY cid")
                    .bind(table)
                    .fetch_all(&mut **c)
                    .await?;
            rows.into_iter()
                .map(|(name, ty)| Column {
                    name,
                    ty,
                    identity: false,
                })
                .collect()
        }
        TxConn::Postgres(c) => {
            let rows: Vec<(String, String, String)> = sqlx::query_as(
                "SELECT column_name::text, data_type::text, is_identity::text \
                 FROM information_schema.columns WHERE table_schema = current_schema() \
                 AND table_name = $1 AND is_generated = 'NEVER' ORDER BY ordinal_position",
            )
            .bind(table)
            .fetch_all(&mut **c)
            .await?;
            rows.into_iter()
                .map(|(name, ty, identity)| Column {
                    name,
                    ty,
                    identity: identity == "YES",
                })
                .collect()
        }
    };
    if cols.is_empty() {
        return Err(StorageError::Corrupt(format!("no table {table:?} here")));
    }
    for c in &cols {
        ident(&c.name)?;
    }
    Ok(cols)
}

fn select_sql(table: &str, cols: &[Column]) -> String {
    let list: Vec<String> = cols.iter().map(|c| format!("\"{}\"", c.name)).collect();
    format!("SELECT {} FROM \"{table}\"", list.join(", "))
}

/// The time as the SQLite backend keeps it (sqlx's encoding).
pub fn time_text(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::AutoSi, false)
}

fn sqlite_cell(row: &sqlx::sqlite::SqliteRow, i: usize) -> Result<Cell> {
    let raw = row.try_get_raw(i)?;
    if raw.is_null() {
        return Ok(Cell::Null);
    }
    let kind = raw.type_info().name().to_owned();
    Ok(match kind.as_str() {
        "INTEGER" => Cell::Int(row.try_get_unchecked(i)?),
        "REAL" => Cell::Real(row.try_get_unchecked(i)?),
        "TEXT" => Cell::Text(row.try_get_unchecked(i)?),
        "BLOB" => Cell::Bytes {
            b: row.try_get_unchecked(i)?,
        },
        other => {
            return Err(StorageError::Corrupt(format!(
                "a stored value of SQLite type {other}"
            )));
        }
    })
}

fn pg_cell(row: &sqlx::postgres::PgRow, i: usize) -> Result<Cell> {
    if row.try_get_raw(i)?.is_null() {
        return Ok(Cell::Null);
    }
    let ty = row.column(i).type_info().name().to_owned();
    Ok(match ty.as_str() {
        "UUID" => Cell::Bytes {
            b: row.try_get::<Uuid, _>(i)?.as_bytes().to_vec(),
        },
        "TIMESTAMPTZ" => Cell::Text(time_text(row.try_get(i)?)),
        "TEXT" | "VARCHAR" | "BPCHAR" | "NAME" => Cell::Text(row.try_get(i)?),
        "INT8" => Cell::Int(row.try_get(i)?),
        "INT4" => Cell::Int(row.try_get::<i32, _>(i)?.into()),
        "INT2" => Cell::Int(row.try_get::<i16, _>(i)?.into()),
        "BOOL" => Cell::Int(row.try_get::<bool, _>(i)?.into()),
        "FLOAT8" => Cell::Real(row.try_get(i)?),
        "FLOAT4" => Cell::Real(row.try_get::<f32, _>(i)?.into()),
        "JSON" | "JSONB" => Cell::Text(
            serde_json::to_string(&row.try_get::<serde_json::Value, _>(i)?)
                .map_err(|e| StorageError::Corrupt(e.to_string()))?,
        ),
        "BYTEA" => Cell::Bytes { b: row.try_get(i)? },
        other => {
            return Err(StorageError::Corrupt(format!(
                "column {:?} has type {other}, which backups do not carry",
                row.column(i).name()
            )));
        }
    })
}

/// Every row of `table`, in the portable form, handed to `each` as it is
/// read (nothing is held).
pub async fn dump<F>(tx: &mut TenantTx, table: &str, cols: &[Column], mut each: F) -> Result<u64>
where
    F: FnMut(Vec<Cell>) -> Result<()>,
{
    let sql = select_sql(table, cols);
    let mut n = 0u64;
    match &mut tx.conn {
        TxConn::Sqlite(c) => {
            let mut rows = sqlx::query(AssertSqlSafe(sql)).fetch(&mut **c);
            while let Some(row) = rows.try_next().await? {
                each(
                    (0..cols.len())
                        .map(|i| sqlite_cell(&row, i))
                        .collect::<Result<_>>()?,
                )?;
                n += 1;
            }
        }
        TxConn::Postgres(c) => {
            let mut rows = sqlx::query(AssertSqlSafe(sql)).fetch(&mut **c);
            while let Some(row) = rows.try_next().await? {
                each(
                    (0..cols.len())
                        .map(|i| pg_cell(&row, i))
                        .collect::<Result<_>>()?,
                )?;
                n += 1;
            }
        }
    }
    Ok(n)
}

/// The rows `sql` selects (with `args` bound as text or integers), in the
/// portable form. For a move's catch-up, which reads a few rows by key.
pub async fn rows(tx: &mut TenantTx, sql: &str, args: &[Arg<'_>]) -> Result<Vec<Vec<Cell>>> {
    macro_rules! bound {
        ($q:expr) => {{
            let mut q = $q;
            for a in args {
                q = match a {
                    Arg::Text(t) => q.bind(*t),
                    Arg::Int(i) => q.bind(*i),
                };
            }
            q
        }};
    }
    match &mut tx.conn {
        TxConn::Sqlite(c) => {
            let rows = bound!(sqlx::query(AssertSqlSafe(sql)))
                .fetch_all(&mut **c)
                .await?;
            rows.iter()
                .map(|r| (0..r.len()).map(|i| sqlite_cell(r, i)).collect())
                .collect()
        }
        TxConn::Postgres(c) => {
            let rows = bound!(sqlx::query(AssertSqlSafe(sql)))
                .fetch_all(&mut **c)
                .await?;
            rows.iter()
                .map(|r| (0..r.len()).map(|i| pg_cell(r, i)).collect())
                .collect()
        }
    }
}

/// A value bound to [`rows`]' statement.
pub enum Arg<'a> {
    Text(&'a str),
    Int(i64),
}

/// Every row of `table` in the portable form, as a stream: a move copies
/// it into the target as it reads, holding a row at a time.
pub fn stream<'a>(
    tx: &'a mut TenantTx,
    table: &str,
    cols: &[Column],
) -> futures_util::stream::BoxStream<'a, Result<Vec<Cell>>> {
    use futures_util::StreamExt;
    let sql = select_sql(table, cols);
    let width = cols.len();
    match &mut tx.conn {
        TxConn::Sqlite(c) => sqlx::query(AssertSqlSafe(sql))
            .fetch(&mut **c)
            .map(move |r| {
                let r = r?;
                (0..width).map(|i| sqlite_cell(&r, i)).collect()
            })
            .boxed(),
        TxConn::Postgres(c) => sqlx::query(AssertSqlSafe(sql))
            .fetch(&mut **c)
            .map(move |r| {
                let r = r?;
                (0..width).map(|i| pg_cell(&r, i)).collect()
            })
            .boxed(),
    }
}

fn mismatch(table: &str, col: &Column, cell: &Cell) -> StorageError {
    StorageError::Corrupt(format!(
        "{table}.{}: a value {cell:?} does not fit type {}",
        col.name, col.ty
    ))
}

fn as_uuid(cell: &Cell) -> Option<Uuid> {
    match cell {
        Cell::Bytes { b } => Uuid::from_slice(b).ok(),
        Cell::Text(t) => Uuid::parse_str(t).ok(),
        _ => None,
    }
}

fn as_time(text: &str) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.with_timezone(&Utc));
    }
    ["%F %T%.f%:z", "%F %T%.f"].iter().find_map(|f| {
        DateTime::parse_from_str(text, f)
            .map(|t| t.with_timezone(&Utc))
            .ok()
            .or_else(|| {
                chrono::NaiveDateTime::parse_from_str(text, f)
                    .ok()
                    .map(|n| n.and_utc())
            })
    })
}

/// A value ready to bind, typed for the target column.
enum Bind {
    Text(Option<String>),
    Int(Option<i64>),
    I32(Option<i32>),
    I16(Option<i16>),
    Bool(Option<bool>),
    Real(Option<f64>),
    Bytes(Option<Vec<u8>>),
    Uuid(Option<Uuid>),
    Time(Option<DateTime<Utc>>),
    Json(Option<sqlx::types::Json<serde_json::Value>>),
}

/// Binds `binds` in order (one expansion per backend's query type).
macro_rules! bind_all {
    ($q:expr, $binds:expr) => {{
        let mut q = $q;
        for b in $binds {
            q = match b {
                Bind::Text(v) => q.bind(v),
                Bind::Int(v) => q.bind(v),
                Bind::I32(v) => q.bind(v),
                Bind::I16(v) => q.bind(v),
                Bind::Bool(v) => q.bind(v),
                Bind::Real(v) => q.bind(v),
                Bind::Bytes(v) => q.bind(v),
                Bind::Uuid(v) => q.bind(v),
                Bind::Time(v) => q.bind(v),
                Bind::Json(v) => q.bind(v),
            };
        }
        q
    }};
}

/// Portable values as a SQLite column of the declared type keeps them.
fn sqlite_binds(cols: &[Column], cells: Vec<Cell>) -> Result<Vec<Bind>> {
    cols.iter()
        .zip(cells)
        .map(|(col, cell)| {
            Ok(match (col.ty.as_str(), cell) {
                (_, Cell::Null) => Bind::Text(None),
                ("TEXT", Cell::Bytes { b }) if b.len() == 16 => Bind::Text(Some(
                    Uuid::from_slice(&b)
                        .map_err(|_| StorageError::Corrupt("uuid".into()))?
                        .to_string(),
                )),
                ("BLOB", Cell::Text(t)) => match Uuid::parse_str(&t) {
                    Ok(u) => Bind::Bytes(Some(u.as_bytes().to_vec())),
                    Err(_) => Bind::Bytes(Some(t.into_bytes())),
                },
                (_, Cell::Int(v)) => Bind::Int(Some(v)),
                (_, Cell::Real(v)) => Bind::Real(Some(v)),
                (_, Cell::Text(v)) => Bind::Text(Some(v)),
                (_, Cell::Bytes { b }) => Bind::Bytes(Some(b)),
            })
        })
        .collect()
}

/// Portable values turned into what each PostgreSQL column holds.
fn pg_binds(table: &str, cols: &[Column], cells: Vec<Cell>) -> Result<Vec<Bind>> {
    cols.iter()
        .zip(cells)
        .map(|(col, cell)| {
            let bad = || mismatch(table, col, &cell);
            let null = matches!(cell, Cell::Null);
            Ok(match col.ty.as_str() {
                "uuid" => Bind::Uuid(if null {
                    None
                } else {
                    Some(as_uuid(&cell).ok_or_else(bad)?)
                }),
                "timestamp with time zone" => Bind::Time(match &cell {
                    Cell::Null => None,
                    Cell::Text(t) => Some(as_time(t).ok_or_else(bad)?),
                    _ => return Err(bad()),
                }),
                "text" | "character varying" => Bind::Text(match &cell {
                    Cell::Null => None,
                    Cell::Text(t) => Some(t.clone()),
                    Cell::Bytes { b } if b.len() == 16 => {
                        Some(as_uuid(&cell).ok_or_else(bad)?.to_string())
                    }
                    Cell::Int(v) => Some(v.to_string()),
                    _ => return Err(bad()),
                }),
                "bigint" => Bind::Int(match &cell {
                    Cell::Null => None,
                    Cell::Int(v) => Some(*v),
                    _ => return Err(bad()),
                }),
                "integer" => Bind::I32(match &cell {
                    Cell::Null => None,
                    Cell::Int(v) => Some(i32::try_from(*v).map_err(|_| bad())?),
                    _ => return Err(bad()),
                }),
                "smallint" => Bind::I16(match &cell {
                    Cell::Null => None,
                    Cell::Int(v) => Some(i16::try_from(*v).map_err(|_| bad())?),
                    _ => return Err(bad()),
                }),
                "boolean" => Bind::Bool(match &cell {
                    Cell::Null => None,
                    Cell::Int(v) => Some(*v != 0),
                    _ => return Err(bad()),
                }),
                "double precision" | "real" => Bind::Real(match &cell {
                    Cell::Null => None,
                    Cell::Real(v) => Some(*v),
                    Cell::Int(v) => Some(*v as f64),
                    _ => return Err(bad()),
                }),
                "json" | "jsonb" => Bind::Json(match &cell {
                    Cell::Null => None,
                    Cell::Text(t) => Some(sqlx::types::Json(
                        serde_json::from_str::<serde_json::Value>(t).map_err(|_| bad())?,
                    )),
                    _ => return Err(bad()),
                }),
                "bytea" => Bind::Bytes(match &cell {
                    Cell::Null => None,
                    Cell::Bytes { b } => Some(b.clone()),
                    _ => return Err(bad()),
                }),
                other => {
                    return Err(StorageError::Corrupt(format!(
                        "{table}.{} has type {other}, which restores do not write",
                        col.name
                    )));
                }
            })
        })
        .collect()
}

/// Runs `sql` with `cells` bound as `cols` of `table` hold them.
async fn execute_with(
    tx: &mut TenantTx,
    sql: &str,
    table: &str,
    cols: &[Column],
    cells: Vec<Cell>,
) -> Result<()> {
    if cells.len() != cols.len() {
        return Err(StorageError::Corrupt(format!(
            "a row of {table} has {} values for {} columns",
            cells.len(),
            cols.len()
        )));
    }
    match &mut tx.conn {
        TxConn::Sqlite(c) => {
            let binds = sqlite_binds(cols, cells)?;
            bind_all!(sqlx::query(AssertSqlSafe(sql)), binds)
                .execute(&mut **c)
                .await?;
        }
        TxConn::Postgres(c) => {
            let binds = pg_binds(table, cols, cells)?;
            bind_all!(sqlx::query(AssertSqlSafe(sql)), binds)
                .execute(&mut **c)
                .await?;
        }
    }
    Ok(())
}

/// Writes rows of one table into the target, each value turned into what
/// the target column holds.
pub struct Loader {
    table: String,
    sql: String,
    cols: Vec<Column>,
    /// Upserts keep SQLite's search index row by row (a load rebuilds it
    /// once at the end).
    upsert: bool,
}

/// `names` of `table`'s columns as the target has them: every one must be
/// a column there (the target is at the source's schema version).
async fn target_columns(tx: &mut TenantTx, table: &str, names: &[String]) -> Result<Vec<Column>> {
    let here = columns(tx, table).await?;
    names
        .iter()
        .map(|n| {
            here.iter().find(|c| &c.name == n).cloned().ok_or_else(|| {
                StorageError::Corrupt(format!("the source has {table}.{n}, which is not here"))
            })
        })
        .collect()
}

fn insert_sql(table: &str, cols: &[Column]) -> String {
    let list: Vec<String> = cols.iter().map(|c| format!("\"{}\"", c.name)).collect();
    let params: Vec<String> = (1..=cols.len()).map(|i| format!("${i}")).collect();
    let overriding = if cols.iter().any(|c| c.identity) {
        " OVERRIDING SYSTEM VALUE"
    } else {
        ""
    };
    format!(
        "INSERT INTO \"{table}\" ({}){overriding} VALUES ({})",
        list.join(", "),
        params.join(", ")
    )
}

impl Loader {
    /// Empties `table` and loads it whole: the fresh schema may hold what
    /// its migrations seeded (built-in roles), and the source holds those
    /// rows as they were.
    pub async fn new(tx: &mut TenantTx, table: &str, names: &[String]) -> Result<Self> {
        let cols = target_columns(tx, table, names).await?;
        on_tx!(tx, c => sqlx::query(AssertSqlSafe(format!("DELETE FROM \"{table}\"")))
            .execute(c)
            .await
            .map(|_| ()))?;
        Ok(Self {
            sql: insert_sql(table, &cols),
            table: table.to_owned(),
            cols,
            upsert: false,
        })
    }

    /// Writes rows over what `table` holds under the same key `pk` (a
    /// move's catch-up: the source's rows as they are now).
    pub async fn upserting(
        tx: &mut TenantTx,
        table: &str,
        names: &[String],
        pk: &[String],
    ) -> Result<Self> {
        let cols = target_columns(tx, table, names).await?;
        let keys: Vec<String> = pk
            .iter()
            .map(|k| Ok(format!("\"{}\"", ident(k)?)))
            .collect::<Result<_>>()?;
        let set: Vec<String> = cols
            .iter()
            .filter(|c| !pk.contains(&c.name))
            .map(|c| format!("\"{0}\" = excluded.\"{0}\"", c.name))
            .collect();
        let action = if set.is_empty() {
            "DO NOTHING".to_owned()
        } else {
            format!("DO UPDATE SET {}", set.join(", "))
        };
        Ok(Self {
            sql: format!(
                "{} ON CONFLICT ({}) {action}",
                insert_sql(table, &cols),
                keys.join(", ")
            ),
            table: table.to_owned(),
            cols,
            upsert: true,
        })
    }

    pub async fn insert(&self, tx: &mut TenantTx, cells: Vec<Cell>) -> Result<()> {
        let id = (self.upsert && self.table == "records")
            .then(|| self.cols.iter().position(|c| c.name == "id"))
            .flatten()
            .and_then(|i| cells.get(i).cloned());
        execute_with(tx, &self.sql, &self.table, &self.cols, cells).await?;
        if let (TxConn::Sqlite(c), Some(Cell::Bytes { b })) = (&mut tx.conn, id) {
            reindex(c, b).await?;
        }
        Ok(())
    }

    /// After the last row: identity sequences move past the restored
    /// numbers (PostgreSQL), and the search index is rebuilt (SQLite).
    pub async fn finish(self, tx: &mut TenantTx) -> Result<()> {
        match &mut tx.conn {
            TxConn::Postgres(c) => {
                for col in self.cols.iter().filter(|c| c.identity) {
                    let sql = format!(
                        "SELECT setval(pg_get_serial_sequence('\"{t}\"', '{n}'), \
                         coalesce(max(\"{n}\"), 1), max(\"{n}\") IS NOT NULL) FROM \"{t}\"",
                        t = self.table,
                        n = col.name
                    );
                    sqlx::query(AssertSqlSafe(sql)).execute(&mut **c).await?;
                }
            }
            TxConn::Sqlite(c) => {
                if self.table == "records" && !self.upsert {
                    sqlx::query(
                        "INSERT INTO records_fts (id, search) SELECT id, search FROM records",
                    )
                    .execute(&mut **c)
                    .await?;
                }
            }
        }
        Ok(())
    }
}

/// Keeps one record's row in SQLite's search index in step with it.
async fn reindex(c: &mut sqlx::SqliteConnection, id: Vec<u8>) -> Result<()> {
    sqlx::query("DELETE FROM records_fts WHERE id = $1")
        .bind(&id)
        .execute(&mut *c)
        .await?;
    sqlx::query(
        "INSERT INTO records_fts (id, search) SELECT id, search FROM records WHERE id = $1",
    )
    .bind(&id)
    .execute(&mut *c)
    .await?;
    Ok(())
}

/// Deletes the rows of `table` whose key `pk` is `key` (the source no
/// longer has them).
pub async fn delete_key(
    tx: &mut TenantTx,
    table: &str,
    pk: &[String],
    key: Vec<Cell>,
) -> Result<()> {
    let cols = target_columns(tx, table, pk).await?;
    let cond: Vec<String> = cols
        .iter()
        .enumerate()
        .map(|(i, c)| format!("\"{}\" = ${}", c.name, i + 1))
        .collect();
    let sql = format!("DELETE FROM \"{table}\" WHERE {}", cond.join(" AND "));
    let id = (table == "records").then(|| key.first().cloned()).flatten();
    execute_with(tx, &sql, table, &cols, key).await?;
    if let (TxConn::Sqlite(c), Some(Cell::Bytes { b })) = (&mut tx.conn, id) {
        sqlx::query("DELETE FROM records_fts WHERE id = $1")
            .bind(&b)
            .execute(&mut **c)
            .await?;
    }
    Ok(())
}

/// Readies a load transaction: SQLite checks foreign keys at commit, so
/// the load's order cannot trip them half-way (PostgreSQL's constraints
/// are not deferrable; the tables' order keeps them).
pub async fn begin_load(tx: &mut TenantTx) -> Result<()> {
    if let TxConn::Sqlite(c) = &mut tx.conn {
        sqlx::query("PRAGMA defer_foreign_keys = ON")
            .execute(&mut **c)
            .await?;
    }
    Ok(())
}

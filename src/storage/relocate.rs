//! The storage side of moving a live tenant to another shard
//! (`mandant tenant move`, orchestrated by `crate::tenants::moving`).
//!
//! - **Change capture.** Triggers on every table of the source log the key
//!   of each row written into `move_changes`, for as long as the move runs.
//!   The key alone, not the values: a catch-up reads the row as it is *now*
//!   and writes that (or deletes it, if it is gone), so replaying a key
//!   twice or out of order cannot go wrong.
//! - **The fence.** Every transaction touches the `fence` table first
//!   (`super::tenant_db`). The mover pauses writes by locking it (PostgreSQL
//!   EXCLUSIVE; SQLite's write lock does the same), catches up the last
//!   keys, and drops it: every transaction still waiting, and every later
//!   one on this copy, then fails in a way the handle recognises and
//!   follows to the new shard.

use super::dump::{self, Arg, Cell, Column, ident};
use super::error::{Result, StorageError};
use super::{TenantTx, TxConn};
use crate::on_tx;

/// The change log's table (kept out of backups and copies by
/// [`dump::tables`]).
const LOG: &str = "move_changes";
/// Keys of up to this many columns are logged (every table has one or two).
const KEY_WIDTH: usize = 3;

/// One table to copy: its columns and its primary key.
pub struct Table {
    pub name: String,
    pub cols: Vec<Column>,
    pub pk: Vec<Column>,
}

impl Table {
    pub fn names(&self) -> Vec<String> {
        self.cols.iter().map(|c| c.name.clone()).collect()
    }

    pub fn pk_names(&self) -> Vec<String> {
        self.pk.iter().map(|c| c.name.clone()).collect()
    }
}

/// The source's tables in load order, each with its key. The fence is not
/// data: the target has its own.
pub async fn tables(tx: &mut TenantTx) -> Result<Vec<Table>> {
    let mut out = Vec::new();
    for name in dump::tables(tx).await? {
        if name == "fence" {
            continue;
        }
        let cols = dump::columns(tx, &name).await?;
        let keys = primary_key(tx, &name).await?;
        if keys.is_empty() || keys.len() > KEY_WIDTH {
            return Err(StorageError::Corrupt(format!(
                "table {name} has a key of {} columns; a move can follow keys of 1 to {KEY_WIDTH}",
                keys.len()
            )));
        }
        let pk = keys
            .iter()
            .map(|k| {
                cols.iter().find(|c| &c.name == k).cloned().ok_or_else(|| {
                    StorageError::Corrupt(format!("{name}.{k} is a key but not a column"))
                })
            })
            .collect::<Result<_>>()?;
        out.push(Table { name, cols, pk });
    }
    Ok(out)
}

async fn primary_key(tx: &mut TenantTx, table: &str) -> Result<Vec<String>> {
    let keys: Vec<(String,)> = match &mut tx.conn {
        TxConn::Sqlite(c) => {
            sqlx::query_as("SELECT name FROM pragma_table_info($1) WHERE pk > 0 ORDER BY pk")
                .bind(table)
                .fetch_all(&mut **c)
                .await?
        }
        TxConn::Postgres(c) => {
            sqlx::query_as(
                "SELECT a.attname::text FROM pg_index i \
                 JOIN pg_class t ON t.oid = i.indrelid \
                 JOIN pg_namespace n ON n.oid = t.relnamespace \
                 JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = ANY (i.indkey) \
                 WHERE n.nspname = current_schema() AND t.relname = $1 AND i.indisprimary \
                 ORDER BY array_position(i.indkey::int2[], a.attnum)",
            )
            .bind(table)
            .fetch_all(&mut **c)
            .await?
        }
    };
    keys.into_iter()
        .map(|(k,)| Ok(ident(&k)?.to_owned()))
        .collect()
}

/// The PostgreSQL type a logged key (text) is cast back to: only the
/// catalog's names of the types Mandant's keys have.
fn pg_cast(col: &Column) -> Result<&'static str> {
    Ok(match col.ty.as_str() {
        "uuid" => "uuid",
        "text" | "character varying" => "text",
        "bigint" => "bigint",
        "integer" => "integer",
        "smallint" => "smallint",
        "timestamp with time zone" => "timestamptz",
        other => {
            return Err(StorageError::Corrupt(format!(
                "a key column {} of type {other}, which a move does not follow",
                col.name
            )));
        }
    })
}

/// Starts logging every write's key. Fails with `Conflict` when a log is
/// there already (another move runs, or one died half-way).
pub async fn install_capture(tx: &mut TenantTx, tables: &[Table]) -> Result<()> {
    let mut ddl = Vec::new();
    match tx.conn {
        TxConn::Sqlite(_) => {
            // Untyped key columns keep each value exactly as the table
            // holds it (a UUID's bytes stay bytes).
            ddl.push(format!(
                "CREATE TABLE {LOG} (id INTEGER PRIMARY KEY AUTOINCREMENT, \
                 tbl TEXT NOT NULL, k1, k2, k3)"
            ));
            for t in tables {
                let keys = |row: &str| {
                    let mut v: Vec<String> =
                        t.pk.iter()
                            .map(|c| format!("{row}.\"{}\"", c.name))
                            .collect();
                    v.resize(KEY_WIDTH, "NULL".into());
                    v.join(", ")
                };
                let name = &t.name;
                ddl.push(format!(
                    "CREATE TRIGGER move_{name}_ins AFTER INSERT ON \"{name}\" BEGIN \
                     INSERT INTO {LOG} (tbl, k1, k2, k3) VALUES ('{name}', {}); END",
                    keys("NEW")
                ));
                // Both keys: a key that changed leaves its old row behind.
                ddl.push(format!(
                    "CREATE TRIGGER move_{name}_upd AFTER UPDATE ON \"{name}\" BEGIN \
                     INSERT INTO {LOG} (tbl, k1, k2, k3) SELECT '{name}', {} \
                     UNION SELECT '{name}', {}; END",
                    keys("NEW"),
                    keys("OLD")
                ));
                ddl.push(format!(
                    "CREATE TRIGGER move_{name}_del AFTER DELETE ON \"{name}\" BEGIN \
                     INSERT INTO {LOG} (tbl, k1, k2, k3) VALUES ('{name}', {}); END",
                    keys("OLD")
                ));
            }
        }
        TxConn::Postgres(_) => {
            // The log is written by the tenant's role (the trigger runs as
            // the writer); the schema's default privileges grant it.
            ddl.push(format!(
                "CREATE TABLE {LOG} (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, \
                 tbl text NOT NULL, k1 text, k2 text, k3 text)"
            ));
            ddl.push(format!(
                "CREATE FUNCTION move_capture() RETURNS trigger LANGUAGE plpgsql AS $$
                 DECLARE o jsonb; n jsonb;
                 BEGIN
                   IF TG_OP <> 'INSERT' THEN
                     o := to_jsonb(OLD);
                     INSERT INTO {LOG} (tbl, k1, k2, k3) VALUES (TG_TABLE_NAME,
                       o ->> TG_ARGV[0], o ->> TG_ARGV[1], o ->> TG_ARGV[2]);
                   END IF;
                   IF TG_OP <> 'DELETE' THEN
                     n := to_jsonb(NEW);
                     IF o IS NULL OR (n ->> TG_ARGV[0], n ->> TG_ARGV[1], n ->> TG_ARGV[2])
                        IS DISTINCT FROM (o ->> TG_ARGV[0], o ->> TG_ARGV[1], o ->> TG_ARGV[2]) THEN
                       INSERT INTO {LOG} (tbl, k1, k2, k3) VALUES (TG_TABLE_NAME,
                         n ->> TG_ARGV[0], n ->> TG_ARGV[1], n ->> TG_ARGV[2]);
                     END IF;
                   END IF;
                   RETURN NULL;
                 END $$"
            ));
            for t in tables {
                let args: Vec<String> = t.pk.iter().map(|c| format!("'{}'", c.name)).collect();
                ddl.push(format!(
                    "CREATE TRIGGER move_capture AFTER INSERT OR UPDATE OR DELETE ON \"{}\" \
                     FOR EACH ROW EXECUTE FUNCTION move_capture({})",
                    t.name,
                    args.join(", ")
                ));
            }
        }
    }
    for stmt in ddl {
        on_tx!(tx, c => sqlx::query(sqlx::AssertSqlSafe(stmt.as_str())).execute(c).await.map(|_| ()))
            .map_err(|e| StorageError::from(e).conflict_on("a move of this tenant"))?;
    }
    Ok(())
}

/// True when a change log is installed (a move runs, or one died).
pub async fn capture_present(tx: &mut TenantTx) -> Result<bool> {
    let n: i64 = match &mut tx.conn {
        TxConn::Sqlite(c) => {
            sqlx::query_scalar("SELECT count(*) FROM sqlite_master WHERE name = $1")
                .bind(LOG)
                .fetch_one(&mut **c)
                .await?
        }
        TxConn::Postgres(c) => {
            sqlx::query_scalar(
                "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
                 WHERE n.nspname = current_schema() AND c.relname = $1",
            )
            .bind(LOG)
            .fetch_one(&mut **c)
            .await?
        }
    };
    Ok(n > 0)
}

/// Stops logging and drops the log.
pub async fn remove_capture(tx: &mut TenantTx) -> Result<()> {
    match &mut tx.conn {
        TxConn::Sqlite(c) => {
            let triggers: Vec<(String,)> = sqlx::query_as(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' \
                 AND name LIKE 'move\\_%' ESCAPE '\\'",
            )
            .fetch_all(&mut **c)
            .await?;
            for (t,) in triggers {
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "DROP TRIGGER IF EXISTS \"{}\"",
                    ident(&t)?
                )))
                .execute(&mut **c)
                .await?;
            }
        }
        TxConn::Postgres(c) => {
            sqlx::query("DROP FUNCTION IF EXISTS move_capture() CASCADE")
                .execute(&mut **c)
                .await?;
        }
    }
    on_tx!(tx, c => sqlx::query(sqlx::AssertSqlSafe(format!("DROP TABLE IF EXISTS {LOG}")))
        .execute(c)
        .await
        .map(|_| ()))?;
    Ok(())
}

/// The ids of the changes logged, as `tx` sees them.
pub async fn pending(tx: &mut TenantTx) -> Result<Vec<i64>> {
    let ids: Vec<i64> = on_tx!(tx, c => sqlx::query_scalar(
        sqlx::AssertSqlSafe(format!("SELECT id FROM {LOG} ORDER BY id"))
    )
    .fetch_all(c)
    .await)?;
    Ok(ids)
}

/// What changed in `t` as `tx` sees it: the rows whose keys were logged,
/// as they are now, and the logged keys the table no longer holds.
pub async fn changed(tx: &mut TenantTx, t: &Table) -> Result<(Vec<Vec<Cell>>, Vec<Vec<Cell>>)> {
    let pg = matches!(tx.conn, TxConn::Postgres(_));
    let mut logged = Vec::new();
    for (i, c) in t.pk.iter().enumerate() {
        logged.push(if pg {
            format!("k{}::{}", i + 1, pg_cast(c)?)
        } else {
            format!("k{}", i + 1)
        });
    }
    let key: Vec<String> = t.pk.iter().map(|c| format!("\"{}\"", c.name)).collect();
    let cols: Vec<String> = t.cols.iter().map(|c| format!("\"{}\"", c.name)).collect();
    let present = format!(
        "SELECT {} FROM \"{}\" WHERE ({}) IN (SELECT {} FROM {LOG} WHERE tbl = $1)",
        cols.join(", "),
        t.name,
        key.join(", "),
        logged.join(", ")
    );
    let matching: Vec<String> = key
        .iter()
        .zip(&logged)
        .map(|(k, l)| format!("x.{k} = m.{l}"))
        .collect();
    let gone = format!(
        "SELECT DISTINCT {} FROM {LOG} m WHERE tbl = $1 \
         AND NOT EXISTS (SELECT 1 FROM \"{}\" x WHERE {})",
        logged
            .iter()
            .map(|l| format!("m.{l}"))
            .collect::<Vec<_>>()
            .join(", "),
        t.name,
        matching.join(" AND ")
    );
    let args = [Arg::Text(&t.name)];
    Ok((
        dump::rows(tx, &present, &args).await?,
        dump::rows(tx, &gone, &args).await?,
    ))
}

/// Forgets the changes `ids` (the target has them now). Only these: on
/// PostgreSQL a change with a lower id may commit later than one read.
pub async fn consume(tx: &mut TenantTx, ids: &[i64]) -> Result<()> {
    for chunk in ids.chunks(10_000) {
        let list =
            serde_json::to_string(chunk).map_err(|e| StorageError::Corrupt(e.to_string()))?;
        match &mut tx.conn {
            TxConn::Sqlite(c) => {
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "DELETE FROM {LOG} WHERE id IN (SELECT value FROM json_each($1))"
                )))
                .bind(&list)
                .execute(&mut **c)
                .await?;
            }
            TxConn::Postgres(c) => {
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "DELETE FROM {LOG} WHERE id IN \
                     (SELECT jsonb_array_elements_text($1::jsonb)::bigint)"
                )))
                .bind(&list)
                .execute(&mut **c)
                .await?;
            }
        }
    }
    Ok(())
}

/// Pauses every write to this copy until `tx` ends: the transactions in
/// flight finish first, and new ones wait at the fence. (On SQLite the
/// owner's transaction holds the file's write lock already.)
pub async fn pause(tx: &mut TenantTx) -> Result<()> {
    if let TxConn::Postgres(c) = &mut tx.conn {
        // A long reader (a backup's snapshot) would hold the fence's drop,
        // and every writer behind it: give up on the move instead.
        sqlx::raw_sql("SET LOCAL lock_timeout = '5s'; LOCK TABLE fence IN EXCLUSIVE MODE")
            .execute(&mut **c)
            .await?;
    }
    Ok(())
}

/// Retires this copy when `tx` commits: the log goes, and so does the
/// fence, which sends every waiting and later transaction elsewhere.
pub async fn retire(tx: &mut TenantTx) -> Result<()> {
    remove_capture(tx).await?;
    on_tx!(tx, c => sqlx::query("DROP TABLE fence").execute(c).await.map(|_| ()))?;
    Ok(())
}

/// Puts the fence back (a switch that failed after the fence fell: the
/// copy serves again).
pub async fn refence(tx: &mut TenantTx) -> Result<()> {
    let ddl = match tx.conn {
        TxConn::Sqlite(_) => {
            "CREATE TABLE IF NOT EXISTS fence (id INTEGER PRIMARY KEY CHECK (id = 1))"
        }
        TxConn::Postgres(_) => {
            "CREATE TABLE IF NOT EXISTS fence (id integer PRIMARY KEY CHECK (id = 1))"
        }
    };
    on_tx!(tx, c => sqlx::query(ddl).execute(c).await.map(|_| ()))?;
    Ok(())
}

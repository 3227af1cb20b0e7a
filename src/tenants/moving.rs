//! `mandant tenant move SLUG --to SHARD`: a live tenant moves to another
//! shard (either backend) while its people keep working.
//!
//! 1. The source starts logging the key of every row written
//!    (`storage::relocate`), then a copy of one snapshot is loaded into
//!    the target, which is created at the source's schema version.
//! 2. Catch-up rounds carry the logged rows over, as they are now, until a
//!    round is small.
//! 3. The pause: writes wait at the source's fence while the last keys are
//!    carried over; then the fence is dropped, and the control plane names
//!    the target. Waiting writers fail over to the target and go on there
//!    (a write pause, not an error). Event numbers continue, because the
//!    log and its counter moved with everything else.
//! 4. After a grace period the old copy is dropped.
//!
//! Anything that fails before the switch removes the log and the target's
//! copy, and leaves the tenant where it was.

use std::time::{Duration, Instant};

use chrono::Utc;

use futures_util::TryStreamExt;

use super::{TenantError, TenantService};
use crate::domain::tenant::Tenant;
use crate::storage::relocate::{self, Table};
use crate::storage::{Shard, StorageError, TenantDb, dump};

/// A catch-up round this small is followed by the pause.
const SMALL_ROUND: usize = 200;
/// Rounds before the pause at the latest (a tenant written faster than it
/// can be copied still moves, with a longer pause).
const MAX_ROUNDS: u32 = 20;

/// What a move did.
#[derive(Debug)]
pub struct MoveReport {
    pub from: String,
    pub to: String,
    /// Rows in the snapshot copy.
    pub rows: u64,
    pub rounds: u32,
    /// Logged keys carried over after the snapshot (in rounds and pause).
    pub changes: usize,
    /// How long writes waited at the fence.
    pub pause: Duration,
    pub took: Duration,
}

pub struct MoveOptions {
    /// Discard what an interrupted move left behind, then move.
    pub restart: bool,
    /// How long the old copy stays after the switch, for transactions that
    /// were reading it (every later one goes to the new copy).
    pub grace: Duration,
}

pub async fn move_tenant(
    svc: &TenantService,
    slug: &str,
    to: &str,
    opts: &MoveOptions,
    say: &(dyn Fn(&str) + Sync),
) -> Result<MoveReport, TenantError> {
    let started = Instant::now();
    let tenant = svc.get(slug).await?;
    let storage = svc.storage();
    let from = tenant.shard.clone();
    let invalid =
        |msg: String| TenantError::Validation(vec![crate::domain::FieldError::new("shard", msg)]);
    let Some(target) = storage.shard(to) else {
        return Err(invalid(format!(
            "unknown shard {to:?}; configured: {}",
            storage.shard_names().collect::<Vec<_>>().join(", ")
        )));
    };
    if to == from {
        return Err(invalid(format!("{slug} is on shard {to} already")));
    }
    let source_shard = storage.shard(&from).ok_or_else(|| {
        StorageError::Corrupt(format!(
            "tenant {slug} is on shard {from:?}, which is not configured"
        ))
    })?;
    // Plain handles: neither follows the tenant, so the mover never
    // writes anywhere but where it means to.
    let src = source_shard.open(tenant.id).await?;
    let version = storage.tenant_status(&tenant).await?.version;

    let mut tx = src.begin_owner().await?;
    let logging = relocate::capture_present(&mut tx).await?;
    // A copy an earlier move left there and retired is the tenant's no
    // more: taken from the upkeep (which would otherwise drop the copy
    // this move makes), and dropped here. Taken first, so that a copy the
    // upkeep is dropping right now is still seen below, and refused.
    let retired = storage.control().claim_retired(tenant.id, to, None).await?;
    let mut copied = match target.status(tenant.id).await {
        Err(StorageError::NotFound) => false,
        Err(e) => return Err(e.into()),
        Ok(_) => true,
    };
    if retired && copied {
        target.drop_tenant(tenant.id).await?;
        say(&format!(
            "dropped the retired copy an earlier move left on shard {to}"
        ));
        copied = false;
    }
    if logging || copied {
        if !opts.restart {
            return Err(StorageError::Unavailable(format!(
                "a move of {slug} is under way, or one was interrupted (the source logs \
                 changes: {logging}; shard {to} holds a copy: {copied}); \
                 if none runs, move again with --restart"
            ))
            .into());
        }
        relocate::remove_capture(&mut tx).await?;
        tx.commit().await?;
        target.drop_tenant(tenant.id).await?;
        say("discarded what an interrupted move left behind");
        tx = src.begin_owner().await?;
    }
    let tables = relocate::tables(&mut tx).await?;
    relocate::install_capture(&mut tx, &tables).await?;
    tx.commit().await?;

    let moved = async {
        target.create_at(tenant.id, version).await?;
        let dst = target.open(tenant.id).await?;
        let rows = copy(&src, &dst, &tables).await?;
        say(&format!("copied {rows} rows to shard {to}"));
        let (mut rounds, mut changes) = (0, 0);
        loop {
            let n = catch_up(&src, &dst, &tables).await?;
            rounds += 1;
            changes += n;
            if n < SMALL_ROUND || rounds >= MAX_ROUNDS {
                break;
            }
        }
        say(&format!(
            "caught up {changes} changes in {rounds} rounds; pausing writes"
        ));
        let (n, pause) = switch(svc, &tenant, &src, &dst, &tables, to, opts.grace).await?;
        dst.close().await;
        Ok::<_, TenantError>((rows, rounds, changes + n, pause))
    }
    .await;
    let (rows, rounds, changes, pause) = match moved {
        Ok(done) => done,
        Err(e) => {
            abandon(&src, target, &tenant).await;
            src.close().await;
            return Err(e);
        }
    };
    say(&format!(
        "tenant {slug} is on shard {to} (writes paused {} ms)",
        pause.as_millis()
    ));
    svc.announce(&tenant).await;

    // Should this process not live that long, any node's upkeep drops it
    // (`drop_retired`).
    tokio::time::sleep(opts.grace).await;
    src.close().await;
    // Unless the upkeep took it already (and drops it).
    let control = storage.control();
    if control.claim_retired(tenant.id, &from, None).await?
        && let Err(e) = source_shard.drop_tenant(tenant.id).await
    {
        // Kept on record: the upkeep drops it.
        control.retire(tenant.id, &from, Utc::now()).await?;
        return Err(e.into());
    }
    say(&format!("dropped the old copy on shard {from}"));
    Ok(MoveReport {
        from,
        to: to.to_owned(),
        rows,
        rounds,
        changes,
        pause,
        took: started.elapsed(),
    })
}

/// One snapshot of every table, loaded into the target in one
/// transaction.
async fn copy(src: &TenantDb, dst: &TenantDb, tables: &[Table]) -> Result<u64, StorageError> {
    let mut s = src.begin_snapshot().await?;
    let mut d = dst.begin().await?;
    dump::begin_load(&mut d).await?;
    let mut n = 0;
    for t in tables {
        let loader = dump::Loader::new(&mut d, &t.name, &t.names()).await?;
        let mut rows = dump::stream(&mut s, &t.name, &t.cols);
        while let Some(row) = rows.try_next().await? {
            loader.insert(&mut d, row).await?;
            n += 1;
        }
        drop(rows);
        loader.finish(&mut d).await?;
    }
    d.commit().await?;
    s.rollback().await?;
    Ok(n)
}

/// Carries the logged keys `s` sees over into `d`: first the rows gone
/// from the source are deleted, children first (so a value they held, an
/// e-mail say, is free for the row that took it), then every other row is
/// written as `s` sees it now, parents first. Returns the ids of the
/// changes carried.
async fn carry(
    s: &mut crate::storage::TenantTx,
    d: &mut crate::storage::TenantTx,
    tables: &[Table],
) -> Result<Vec<i64>, StorageError> {
    let ids = relocate::pending(s).await?;
    if ids.is_empty() {
        return Ok(ids);
    }
    dump::begin_load(d).await?;
    let mut changes = Vec::with_capacity(tables.len());
    for t in tables {
        changes.push(relocate::changed(s, t).await?);
    }
    for (t, (_, gone)) in tables.iter().zip(&mut changes).rev() {
        for key in std::mem::take(gone) {
            dump::delete_key(d, &t.name, &t.pk_names(), key).await?;
        }
    }
    for (t, (present, _)) in tables.iter().zip(changes) {
        if present.is_empty() {
            continue;
        }
        let loader = dump::Loader::upserting(d, &t.name, &t.names(), &t.pk_names()).await?;
        for row in present {
            loader.insert(d, row).await?;
        }
        loader.finish(d).await?;
    }
    Ok(ids)
}

/// One round while writes go on: what one snapshot of the log names.
async fn catch_up(src: &TenantDb, dst: &TenantDb, tables: &[Table]) -> Result<usize, StorageError> {
    let mut s = src.begin_snapshot().await?;
    let mut d = dst.begin().await?;
    let ids = carry(&mut s, &mut d, tables).await?;
    d.commit().await?;
    s.rollback().await?;
    if !ids.is_empty() {
        let mut o = src.begin_owner().await?;
        relocate::consume(&mut o, &ids).await?;
        o.commit().await?;
    }
    Ok(ids.len())
}

/// The pause and the switch: returns the changes of the last round and
/// how long writes waited.
async fn switch(
    svc: &TenantService,
    tenant: &Tenant,
    src: &TenantDb,
    dst: &TenantDb,
    tables: &[Table],
    to: &str,
    grace: Duration,
) -> Result<(usize, Duration), TenantError> {
    let mut o = src.begin_owner().await?;
    relocate::pause(&mut o).await?;
    let paused = Instant::now();
    let mut d = dst.begin().await?;
    let ids = carry(&mut o, &mut d, tables).await?;
    d.commit().await?;
    relocate::retire(&mut o).await?;
    o.commit().await?;
    let pause = paused.elapsed();
    // The old copy is fenced off: from here writers wait for the control
    // plane to name the new one.
    match svc
        .storage()
        .control()
        .set_shard(tenant.id, &tenant.shard, to, Utc::now() + grace)
        .await
    {
        Ok(true) => Ok((ids.len(), pause)),
        failed => {
            // Serve from the old copy again (it has every write: none
            // could pass its fence since).
            let mut o = src.begin_owner().await?;
            relocate::refence(&mut o).await?;
            o.commit().await?;
            Err(match failed {
                Err(e) => e.into(),
                _ => StorageError::Unavailable(format!(
                    "tenant {} changed shards while it was being moved",
                    tenant.slug
                ))
                .into(),
            })
        }
    }
}

/// Leaves the tenant as it was before the move began.
async fn abandon(src: &TenantDb, target: &Shard, tenant: &Tenant) {
    let cleaned = async {
        let mut o = src.begin_owner().await?;
        relocate::remove_capture(&mut o).await?;
        o.commit().await?;
        target.drop_tenant(tenant.id).await
    }
    .await;
    if let Err(e) = cleaned {
        tracing::error!(tenant = %tenant.slug, error = %e,
            "an abandoned move left its change log or its copy behind; move again with --restart");
    }
}

/// Drops the copies moves left on their old shards whose grace period has
/// passed (the mover drops its own; this catches a mover that was killed
/// first). A copy is kept when the tenant lives on that shard again.
/// Every node's upkeep runs it; dropping is idempotent.
pub async fn drop_retired(svc: &TenantService) -> Result<usize, TenantError> {
    let storage = svc.storage();
    let control = storage.control();
    let mut dropped = 0;
    for (id, shard, after) in control.retired_copies().await? {
        if after > Utc::now() {
            continue;
        }
        let Some(s) = storage.shard(&shard) else {
            tracing::warn!(tenant = %id.0, shard, "a retired copy is on a shard this node does not know");
            continue;
        };
        // Taken by a mover (or another node) meanwhile: theirs.
        if !control.claim_retired(id, &shard, Some(after)).await? {
            continue;
        }
        let live_there = control
            .find_by_id(id)
            .await?
            .is_some_and(|t| t.shard == shard);
        if !live_there {
            if let Err(e) = s.drop_tenant(id).await {
                // Kept on record, for the next upkeep.
                control.retire(id, &shard, after).await?;
                return Err(e.into());
            }
            dropped += 1;
        }
    }
    Ok(dropped)
}

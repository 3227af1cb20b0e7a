//! Mails that tell agents what needs them: a ticket assigned to them, a
//! customer's reply on a ticket they hold, an SLA warning; and agents'
//! public replies, mailed to the ticket's requester. A follower of
//! each tenant's event log (cursor `notices`, under the lease `notices`):
//! the mails of a batch are queued and the cursor moved in one
//! transaction, so each event is told once, whichever node reads it.
//! It starts where the log stood when the tenant got the `cursors` table
//! (migration 0012): history is not mailed.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use chrono::{TimeDelta, Utc};
use serde_json::Value;
use uuid::Uuid;

use super::{Addresses, org, queue, templates};
use crate::bus::{Bus, BusMessage};
use crate::domain::tenant::{Tenant, TenantId};
use crate::storage::events::EventRow;
use crate::storage::{
    StorageError, TenantDb, TenantTx, cursors, events, leases, records, settings, users,
};
use crate::tenants::TenantService;
use crate::tenants::branding::Branding;

const CURSOR: &str = "notices";
const POLL: Duration = Duration::from_secs(30);
const BATCH: i64 = 200;
const EXCERPT_CHARS: usize = 500;

/// How long commits of a tenant are gathered before its log is read: a
/// tenant writing a thousand times a second is read four times a second,
/// not a thousand (each pass takes a lease and moves a cursor: writes).
const GATHER: Duration = Duration::from_millis(250);

/// Runs until `stop` turns true (or its sender is gone).
pub async fn run(
    tenants: TenantService,
    bus: Bus,
    addresses: Addresses,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let holder = bus.node_id().to_string();
    let mut heard = bus.subscribe();
    let mut tick = tokio::time::interval(POLL);
    // Tenants heard of since the last pass; `None`: every tenant (the
    // poll, or a lagging receiver that may have missed some).
    let mut pending: Option<HashSet<TenantId>> = Some(HashSet::new());
    let mut due: Option<tokio::time::Instant> = None;
    loop {
        let flush = async {
            match due {
                Some(at) => tokio::time::sleep_until(at).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            _ = stop.changed() => return,
            _ = tick.tick() => pending = None,
            m = heard.recv() => {
                match m {
                    Ok(m) => match &*m {
                        BusMessage::EventsCommitted { tenant_id, .. } => {
                            if let Some(p) = pending.as_mut() {
                                p.insert(*tenant_id);
                            }
                        }
                        _ => continue,
                    },
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => pending = None,
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
                }
                due.get_or_insert_with(|| tokio::time::Instant::now() + GATHER);
                continue;
            }
            _ = flush => {}
        }
        due = None;
        if stop.has_changed().is_err() || *stop.borrow() {
            return;
        }
        let only = pending.replace(HashSet::new());
        if only.as_ref().is_some_and(HashSet::is_empty) {
            continue;
        }
        let Ok(list) = tenants.list().await else {
            continue;
        };
        for t in list
            .into_iter()
            .filter(|t| only.as_ref().is_none_or(|o| o.contains(&t.id)))
        {
            let t = Arc::new(t);
            let Ok(db) = tenants.storage().tenant_db(&t).await else {
                continue;
            };
            match pass(&t, &db, &addresses, &holder).await {
                Ok(outcome) => {
                    if outcome.queued {
                        let _ = bus
                            .publish(BusMessage::MailQueued { tenant_id: t.id })
                            .await;
                    }
                    // A full batch: there is more to read; come back soon.
                    if outcome.full {
                        if let Some(p) = pending.as_mut() {
                            p.insert(t.id);
                        }
                        due.get_or_insert_with(tokio::time::Instant::now);
                    }
                }
                Err(e) => tracing::warn!(tenant = %t.slug, error = %e, "agent notices failed"),
            }
        }
    }
}

#[derive(Debug, Default)]
struct Outcome {
    /// Mail was queued.
    queued: bool,
    /// The batch was full: more may follow the cursor.
    full: bool,
}

/// Reads what came since the cursor and queues its notices.
async fn pass(
    t: &Tenant,
    db: &TenantDb,
    a: &Addresses,
    holder: &str,
) -> Result<Outcome, StorageError> {
    let mut tx = db.begin().await?;
    let now = Utc::now();
    if !leases::take(&mut tx, CURSOR, holder, now, now + TimeDelta::seconds(60)).await? {
        tx.rollback().await?;
        return Ok(Outcome::default());
    }
    let Some(from) = cursors::get(&mut tx, CURSOR).await? else {
        let head = events::head(&mut tx).await?;
        cursors::set(&mut tx, CURSOR, head).await?;
        tx.commit().await?;
        return Ok(Outcome::default());
    };
    let rows = events::since(&mut tx, from, BATCH).await?;
    let Some(last) = rows.last().map(|r| r.seq) else {
        tx.rollback().await?;
        return Ok(Outcome::default());
    };
    let full = rows.len() as i64 >= BATCH;
    let branding: Branding = settings::read(&mut tx).await?;
    let mut queued = false;
    for e in &rows {
        let mut mails = Vec::new();
        mails.extend(compose(&mut tx, t, &branding, a, e).await?);
        if e.event_type == "comment.created"
            && let Some(ticket) = uuid_at(&e.data.0, "ticket_id")
        {
            mails.extend(
                super::tickets::reply_to_requester(&mut tx, t, &branding, a, ticket, &e.data.0)
                    .await?,
            );
        }
        for (to, mail) in mails {
            queue(&mut tx, db, &to, &mail, db.clock().now()).await?;
            queued = true;
        }
    }
    cursors::set(&mut tx, CURSOR, last).await?;
    tx.commit().await?;
    Ok(Outcome { queued, full })
}

fn uuid_at(v: &Value, key: &str) -> Option<Uuid> {
    v.get(key)
        .and_then(Value::as_str)
        .and_then(|s| Uuid::parse_str(s).ok())
}

/// The notice `e` calls for, and its recipient's address.
async fn compose(
    tx: &mut TenantTx,
    t: &Tenant,
    branding: &Branding,
    a: &Addresses,
    e: &EventRow,
) -> Result<Option<(String, templates::Mail)>, StorageError> {
    let data = &e.data.0;
    let (kind, ticket, excerpt) = match e.event_type.as_str() {
        "ticket.assigned" => ("ticket_assigned", e.record_id, String::new()),
        "ticket.sla_warning" => ("sla_warning", e.record_id, String::new()),
        "comment.created"
            if data.get("internal") == Some(&Value::Bool(false))
                && matches!(
                    data.get("author_kind").and_then(Value::as_str),
                    Some("customer" | "email")
                ) =>
        {
            let Some(ticket) = uuid_at(data, "ticket_id") else {
                return Ok(None);
            };
            let body = data.get("body").and_then(Value::as_str).unwrap_or("");
            (
                "customer_replied",
                ticket,
                body.chars().take(EXCERPT_CHARS).collect(),
            )
        }
        _ => return Ok(None),
    };
    let Some(row) = records::get(tx, "ticket", ticket).await? else {
        return Ok(None);
    };
    let Some(assignee) = row
        .data
        .0
        .get("assignee_id")
        .and_then(Value::as_str)
        .and_then(|s| Uuid::parse_str(s).ok())
    else {
        return Ok(None);
    };
    // Nobody is told of what they did themselves.
    if e.actor == Some(assignee) {
        return Ok(None);
    }
    let Some(user) = users::auth_by_id(tx, assignee)
        .await?
        .filter(|u| u.status == "active" && u.kind == "staff")
    else {
        return Ok(None);
    };
    let subject = row
        .data
        .0
        .get("subject")
        .and_then(Value::as_str)
        .unwrap_or("");
    let link = format!(
        "{}/t/{}/console/{ticket}",
        a.public_url.trim_end_matches('/'),
        t.slug
    );
    let mail = templates::notice(kind, branding, &org(t, branding), subject, &excerpt, &link);
    Ok(Some((user.email, mail)))
}

//! What the support engine writes on tickets: alarms, offers and claims
//! (the clocks on every save and reply are `records::ticket_clocks`, in the
//! same transaction as the save). Each engine write is a
//! version-checked update of the ticket row plus its event in the same
//! transaction, so whichever node or timer gets there first does it and
//! everyone else sees it already done.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::routing::{self, Candidate, Mode};
use crate::domain::ids::{QueueId, TicketId, UserId};
use crate::domain::sla::{Alarm, Metric, Sla};
use crate::identity::Principal;
use crate::records::core::{
    RecordError, Written, readable, render, retry_races, ticket_workflow, uuid_of,
};
use crate::records::schema::by_kind;
use crate::records::ticket_clocks::{put_sla, rewrite, state};
use crate::records::workflow::TicketWorkflow;
use crate::storage::audit_log::Actor;
use crate::storage::events::EventRow;
use crate::storage::records::RecordRow;
use crate::storage::{TenantDb, TenantTx, agents, records};

type Result<T> = std::result::Result<T, RecordError>;

/// Offers wait this long for an answer unless the queue says otherwise.
pub const DEFAULT_OFFER_SECS: i64 = 60;
/// An agent counts as connected this long after a node last saw a socket.
pub const SEEN_TTL_SECS: i64 = 90;

/// Records an SLA warning or breach that is owed now. Returns the events
/// it committed, or `None` when it is not owed (any more): fired already by
/// another timer or node, or the clock moved.
pub async fn fire(
    db: &TenantDb,
    ticket: TicketId,
    metric: Metric,
    alarm: Alarm,
) -> Result<Option<Vec<Arc<EventRow>>>> {
    match retry_races(|| fire_once(db, ticket, metric, alarm)).await {
        // Kept losing to other writes of the ticket: the next event it
        // makes brings the queue's timer back here.
        Err(RecordError::VersionConflict(_)) => Ok(None),
        other => other,
    }
}

async fn fire_once(
    db: &TenantDb,
    ticket: TicketId,
    metric: Metric,
    alarm: Alarm,
) -> Result<Option<Vec<Arc<EventRow>>>> {
    let now = db.clock().now();
    let mut tx = db.begin().await?;
    let Some(row) = records::get(&mut tx, "ticket", ticket.uuid()).await? else {
        return Ok(None);
    };
    let Some(mut sla) = Sla::of(&row.data.0) else {
        return Ok(None);
    };
    let Some(at) = sla.fire(metric, alarm, now) else {
        return Ok(None);
    };
    let mut data = row.data.0.clone();
    put_sla(&mut data, Some(sla));
    let change = json!({"metric": metric.as_str(), "at": at});
    let (_, events) = rewrite(
        &mut tx,
        now,
        &row,
        data,
        &Actor::Engine,
        &[(alarm.event(), change)],
    )
    .await?
    .ok_or(RecordError::VersionConflict(row.version))?;
    tx.commit().await?;
    Ok(Some(events))
}

/// What a ticket write of the engine answers: the whole ticket (the
/// routes that call it demand access to it already) and its events.
fn written(row: &RecordRow, events: Vec<Arc<EventRow>>) -> Written {
    Written {
        record: render(row, &BTreeSet::new(), &[]),
        version: row.version,
        events,
    }
}

/// The live offer on a ticket: (agent, expiry).
pub fn offer_of(data: &Map<String, Value>, now: DateTime<Utc>) -> Option<(Uuid, DateTime<Utc>)> {
    let o = data.get("offer")?;
    let user = o
        .get("user_id")
        .and_then(Value::as_str)
        .and_then(|s| Uuid::parse_str(s).ok())?;
    let until = o
        .get("expires_at")
        .and_then(Value::as_str)
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())?
        .with_timezone(&Utc);
    (until > now).then_some((user, until))
}

fn declined(data: &Map<String, Value>) -> Vec<Uuid> {
    data.get("declined_by")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .filter_map(|s| Uuid::parse_str(s).ok())
                .collect()
        })
        .unwrap_or_default()
}

/// Takes an unassigned ticket for the caller. Of any number of claims at
/// once, on any nodes, one wins; the others get `already_claimed`.
pub async fn claim(
    db: &TenantDb,
    actor: &Principal,
    id: TicketId,
    via_offer: bool,
) -> Result<Written> {
    // A lost race is looked at again: the winner is now the assignee.
    match retry_races(|| claim_once(db, actor, id, via_offer)).await {
        Err(RecordError::VersionConflict(_)) => Err(RecordError::AlreadyClaimed(
            "The ticket kept changing; try again.".into(),
        )),
        other => other,
    }
}

async fn claim_once(
    db: &TenantDb,
    actor: &Principal,
    id: TicketId,
    via_offer: bool,
) -> Result<Written> {
    let kind = by_kind("ticket").ok_or(RecordError::NotFound)?;
    let now = db.clock().now();
    let mut tx = db.begin().await?;
    // Any grant of tickets:assign lets an agent take a ticket they can
    // see (the route demands the grant; `own` means "to themselves").
    let row = readable(&mut tx, kind, actor, id.uuid()).await?;
    let wf = ticket_workflow(&mut tx).await?;
    let data = &row.data.0;
    match uuid_of(data, "assignee_id") {
        Some(a) if a == actor.user_id && !via_offer => {
            return Ok(written(&row, Vec::new()));
        }
        Some(_) => {
            return Err(RecordError::AlreadyClaimed(
                "Someone else has this ticket already.".into(),
            ));
        }
        None => {}
    }
    if wf.is_done(data.get("status").and_then(Value::as_str).unwrap_or("")) {
        // The state forbids it, not the input: a conflict, like a claim
        // that lost its race.
        return Err(RecordError::Conflict(
            "The ticket is finished; reopen it first.".into(),
        ));
    }
    let offer = offer_of(data, now).map(|(u, _)| u);
    if via_offer && offer != Some(actor.user_id) {
        return Err(RecordError::NoOffer(
            "There is no live offer of this ticket to you.".into(),
        ));
    }
    if offer.is_some_and(|u| u != actor.user_id) {
        return Err(RecordError::AlreadyClaimed(
            "The ticket is offered to another agent right now.".into(),
        ));
    }
    let mut new = data.clone();
    new.insert("assignee_id".into(), json!(actor.user_id));
    new.remove("offer");
    let change = json!({"from": null, "to": actor.user_id, "via": if via_offer { "offer" } else { "claim" }});
    let events = [("ticket.updated", Value::Null), ("ticket.assigned", change)];
    let (row, events) = rewrite(&mut tx, now, &row, new, &actor.audit_actor(), &events)
        .await?
        .ok_or(RecordError::VersionConflict(row.version))?;
    tx.commit().await?;
    Ok(written(&row, events))
}

/// The agent turns down the offer made to them; the queue offers the
/// ticket to the next agent.
pub async fn decline(db: &TenantDb, actor: &Principal, id: TicketId) -> Result<Written> {
    let kind = by_kind("ticket").ok_or(RecordError::NotFound)?;
    let mut tx = db.begin().await?;
    let row = readable(&mut tx, kind, actor, id.uuid()).await?;
    match offer_of(&row.data.0, db.clock().now()) {
        Some((u, _)) if u == actor.user_id => {}
        _ => {
            return Err(RecordError::NoOffer(
                "There is no live offer of this ticket to you.".into(),
            ));
        }
    }
    let (row, events) = withdraw(
        &mut tx,
        db.clock().now(),
        &row,
        actor.user_id,
        "ticket.offer_declined",
        &actor.audit_actor(),
    )
    .await?
    .ok_or(RecordError::VersionConflict(row.version))?;
    tx.commit().await?;
    Ok(written(&row, events))
}

async fn withdraw(
    tx: &mut TenantTx,
    now: DateTime<Utc>,
    row: &RecordRow,
    user: Uuid,
    event: &str,
    by: &Actor,
) -> Result<Option<(RecordRow, Vec<Arc<EventRow>>)>> {
    let mut data = row.data.0.clone();
    data.remove("offer");
    let mut no = declined(&data);
    if !no.contains(&user) {
        no.push(user);
    }
    data.insert("declined_by".into(), json!(no));
    rewrite(tx, now, row, data, by, &[(event, json!({"user_id": user}))]).await
}

/// An offer's time ran out: it goes back to the queue (once, whichever
/// node's timer is first).
pub async fn expire_offer(
    db: &TenantDb,
    id: TicketId,
    agent: UserId,
) -> Result<Option<Vec<Arc<EventRow>>>> {
    let user = agent.uuid();
    let now = db.clock().now();
    let mut tx = db.begin().await?;
    let Some(row) = records::get(&mut tx, "ticket", id.uuid()).await? else {
        return Ok(None);
    };
    let still = row
        .data
        .0
        .get("offer")
        .and_then(|o| o.get("user_id"))
        .and_then(Value::as_str)
        == Some(user.to_string().as_str());
    if !still || offer_of(&row.data.0, now).is_some() {
        return Ok(None);
    }
    let out = withdraw(
        &mut tx,
        now,
        &row,
        user,
        "ticket.offer_expired",
        &Actor::Engine,
    )
    .await?;
    tx.commit().await?;
    Ok(out.map(|(_, events)| events))
}

/// Each agent's load: open tickets assigned to them plus live offers.
async fn loads(
    tx: &mut TenantTx,
    wf: &TicketWorkflow,
    now: DateTime<Utc>,
) -> Result<HashMap<Uuid, i64>> {
    let mut load: HashMap<Uuid, i64> = HashMap::new();
    for (assignee, status, offered, until) in agents::ticket_holders(tx).await? {
        if status.as_deref().is_some_and(|s| wf.is_done(s)) {
            continue;
        }
        if let Some(a) = assignee.and_then(|s| Uuid::parse_str(&s).ok()) {
            *load.entry(a).or_default() += 1;
        }
        let live = until
            .and_then(|s| DateTime::parse_from_rfc3339(&s).ok())
            .is_some_and(|t| t > now);
        if live && let Some(o) = offered.and_then(|s| Uuid::parse_str(&s).ok()) {
            *load.entry(o).or_default() += 1;
        }
    }
    Ok(load)
}

/// Offers one waiting ticket of `queue` to the agent the queue's mode
/// picks. `None`: the ticket needs no offer or nobody is eligible.
pub async fn offer_next(
    db: &TenantDb,
    queue: QueueId,
    ticket: TicketId,
) -> Result<Option<(UserId, Vec<Arc<EventRow>>)>> {
    let now = db.clock().now();
    let mut tx = db.begin().await?;
    let (Some(q), Some(row)) = (
        records::get(&mut tx, "queue", queue.uuid()).await?,
        records::get(&mut tx, "ticket", ticket.uuid()).await?,
    ) else {
        return Ok(None);
    };
    let wf = ticket_workflow(&mut tx).await?;
    let data = &row.data.0;
    let mode = Mode::parse(q.data.0.get("routing").and_then(Value::as_str));
    if uuid_of(data, "queue_id") != Some(queue.uuid())
        || data.contains_key("assignee_id")
        || offer_of(data, now).is_some()
        || state(data, &wf).done
        || mode == Mode::Manual
    {
        return Ok(None);
    }
    let members: Vec<Uuid> = q
        .data
        .0
        .get("agent_ids")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .filter_map(|s| Uuid::parse_str(s).ok())
                .collect()
        })
        .unwrap_or_default();
    let load = loads(&mut tx, &wf, now).await?;
    let fresh = now - Duration::seconds(SEEN_TTL_SECS);
    let candidates: Vec<Candidate> = agents::list(&mut tx)
        .await?
        .into_iter()
        .filter(|a| members.is_empty() || members.contains(&a.user_id))
        .map(|a| Candidate {
            user_id: a.user_id,
            online: a.status == "online" && a.seen_at.is_some_and(|s| s >= fresh),
            load: load.get(&a.user_id).copied().unwrap_or(0),
            capacity: a.capacity,
            skills: a.skills.0.into_iter().collect(),
        })
        .collect();
    let needs: BTreeSet<String> = data
        .get("skills")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let last = agents::cursor(&mut tx, queue.uuid()).await?;
    let Some(agent) = routing::choose(mode, &candidates, &needs, &declined(data), last) else {
        return Ok(None);
    };
    let secs = q
        .data
        .0
        .get("offer_timeout_secs")
        .and_then(Value::as_i64)
        .unwrap_or(DEFAULT_OFFER_SECS);
    let until = now + Duration::seconds(secs);
    let mut new = data.clone();
    new.insert(
        "offer".into(),
        json!({"user_id": agent, "offered_at": now, "expires_at": until}),
    );
    let change = json!({"user_id": agent, "expires_at": until});
    let Some((_, events)) = rewrite(
        &mut tx,
        now,
        &row,
        new,
        &Actor::Engine,
        &[("ticket.offered", change)],
    )
    .await?
    else {
        return Ok(None);
    };
    agents::set_cursor(&mut tx, queue.uuid(), agent).await?;
    tx.commit().await?;
    Ok(Some((UserId(agent), events)))
}

//! A ticket's SLA clocks, moved by the same transaction that saves the
//! ticket or adds a public reply: started from its queue's policy, paused
//! in its paused statuses, met when it is done, counted in the tenant's
//! business calendar or in wall time (`domain::sla`). Here, in the record
//! core's layer, so that writing a ticket never calls up into the support
//! engine; the engine's own writes (alarms, offers) use `rewrite` too.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use super::core::{RecordError, Result, meta, ticket_workflow, uuid_of};
use super::schema::by_kind;
use super::workflow::TicketWorkflow;
use crate::domain::calendar::{BusinessCalendar, CalendarSetting};
use crate::domain::sla::{self, Measure, Policy, Sla, TicketState};
use crate::identity::{Decision, Principal};
use crate::storage::audit_log::Actor;
use crate::storage::events::EventRow;
use crate::storage::records::RecordRow;
use crate::storage::{TenantTx, records, settings};

pub async fn business_calendar(tx: &mut TenantTx) -> Result<BusinessCalendar> {
    Ok(settings::read::<CalendarSetting>(tx)
        .await?
        .compile()
        .unwrap_or_default())
}

/// The SLA policy of the ticket's queue, and how it counts time.
pub(crate) async fn policy_of(
    tx: &mut TenantTx,
    data: &Map<String, Value>,
) -> Result<(Option<Policy>, Measure)> {
    let Some(queue) = uuid_of(data, "queue_id") else {
        return Ok((None, Measure::Wall));
    };
    let Some(q) = records::get(tx, "queue", queue).await? else {
        return Ok((None, Measure::Wall));
    };
    let Some(pid) = uuid_of(&q.data.0, "sla_policy_id") else {
        return Ok((None, Measure::Wall));
    };
    let Some(p) = records::get(tx, "sla_policy", pid).await? else {
        return Ok((None, Measure::Wall));
    };
    let policy = Policy::from_record(pid, &p.data.0);
    let measure = if policy.business_hours {
        Measure::Business(business_calendar(tx).await?)
    } else {
        Measure::Wall
    };
    Ok((Some(policy), measure))
}

pub(crate) fn state<'a>(data: &'a Map<String, Value>, wf: &TicketWorkflow) -> TicketState<'a> {
    let status = data.get("status").and_then(Value::as_str).unwrap_or("");
    TicketState {
        priority: data
            .get("priority")
            .and_then(Value::as_str)
            .unwrap_or("normal"),
        status,
        done: wf.is_done(status),
    }
}

pub(crate) fn put_sla(data: &mut Map<String, Value>, sla: Option<Sla>) {
    match sla.and_then(|s| serde_json::to_value(s).ok()) {
        Some(v) => data.insert("sla".into(), v),
        None => data.remove("sla"),
    };
}

/// On every ticket create and save, inside its transaction: the clocks
/// follow the status, priority and queue; an offer ends when the ticket is
/// assigned, finished or moves to another queue.
pub async fn on_save(
    tx: &mut TenantTx,
    data: &mut Map<String, Value>,
    before: Option<&Map<String, Value>>,
    wf: &TicketWorkflow,
    now: DateTime<Utc>,
) -> Result<()> {
    // A ticket in a queue with a team belongs to that team unless it says
    // otherwise, so the team's agents (team scope) can see and work it.
    if !data.contains_key("team_id")
        && let Some(q) = uuid_of(data, "queue_id")
        && let Some(queue) = records::get(tx, "queue", q).await?
        && let Some(team) = queue.data.0.get("team_id")
    {
        data.insert("team_id".into(), team.clone());
    }
    let (policy, measure) = policy_of(tx, data).await?;
    let sla = sla::on_save(
        before.and_then(Sla::of),
        policy.as_ref(),
        &state(data, wf),
        &measure,
        now,
    );
    put_sla(data, sla);
    let moved = before.is_some_and(|b| b.get("queue_id") != data.get("queue_id"));
    if moved {
        data.remove("declined_by");
    }
    if moved || data.contains_key("assignee_id") || state(data, wf).done {
        data.remove("offer");
    }
    Ok(())
}

/// Writes `data` over the ticket if it is still at `before.version`, with
/// `events` (type, change) after it: [`core::rewrite`] for tickets.
pub(crate) async fn rewrite(
    tx: &mut TenantTx,
    now: DateTime<Utc>,
    before: &RecordRow,
    data: Map<String, Value>,
    by: &Actor,
    list: &[(&str, Value)],
) -> Result<Option<(RecordRow, Vec<Arc<EventRow>>)>> {
    let kind = by_kind("ticket").ok_or(RecordError::NotFound)?;
    let custom = before.custom.0.clone();
    super::core::rewrite(tx, kind, now, before, (data, custom), by, list, None).await
}

/// A public reply on a ticket moves its response clocks (inside the
/// reply's transaction). Returns the events it appended (none when the
/// ticket did not change). `from_customer`: written for the customer (an
/// e-mail), whoever `actor` is.
pub async fn on_reply(
    tx: &mut TenantTx,
    ticket: &RecordRow,
    actor: &Principal,
    from_customer: bool,
    now: DateTime<Utc>,
) -> Result<Vec<Arc<EventRow>>> {
    let Some(sla) = Sla::of(&ticket.data.0) else {
        return Ok(Vec::new());
    };
    let wf = ticket_workflow(tx).await?;
    let (policy, measure) = policy_of(tx, &ticket.data.0).await?;
    // Agents may see internal notes; customers may not.
    let by_agent = !from_customer
        && matches!(
            actor.decide("tickets:internal", &meta(ticket)),
            Decision::Allow { .. }
        );
    let after = sla::on_reply(
        sla.clone(),
        policy.as_ref(),
        &state(&ticket.data.0, &wf),
        by_agent,
        &measure,
        now,
    );
    if after == sla {
        return Ok(Vec::new());
    }
    let mut data = ticket.data.0.clone();
    put_sla(&mut data, Some(after));
    match rewrite(
        tx,
        now,
        ticket,
        data,
        &actor.audit_actor(),
        &[("ticket.updated", Value::Null)],
    )
    .await?
    {
        Some((_, events)) => Ok(events),
        None => Err(RecordError::VersionConflict(ticket.version)),
    }
}

//! `dashboard:support`: open tickets by status and priority, SLA breaches
//! today, the median first response today and the oldest waiting ticket.
//!
//! Kept incrementally: each ticket's facts are remembered, and a change
//! removes the old facts' share and adds the new one. [`recompute`] is the
//! plain fold over all tickets that the incremental figures must equal.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use crate::domain::calendar::BusinessCalendar;
use crate::domain::sla::{Metric, Sla};
use crate::records::workflow::TicketWorkflow;

#[derive(Debug, Clone, PartialEq)]
pub struct Facts {
    status: String,
    priority: String,
    open: bool,
    /// Open and unassigned, since `created_at`.
    waiting: Option<DateTime<Utc>>,
    breaches: Vec<DateTime<Utc>>,
    /// (when, seconds from the clock's start).
    first_response: Option<(DateTime<Utc>, i64)>,
}

fn time(v: Option<&Value>) -> Option<DateTime<Utc>> {
    v.and_then(Value::as_str)
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map(|t| t.with_timezone(&Utc))
}

/// A ticket's facts from its record (as rendered in events).
pub fn facts(data: &Map<String, Value>, wf: &TicketWorkflow) -> Facts {
    let status = data
        .get("status")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned();
    let open = !wf.is_done(&status);
    let sla = Sla::of(data);
    let clocks = || {
        Metric::ALL
            .into_iter()
            .filter_map(|m| sla.as_ref()?.clock(m).cloned())
    };
    Facts {
        priority: data
            .get("priority")
            .and_then(Value::as_str)
            .unwrap_or("normal")
            .to_owned(),
        waiting: (open && !data.contains_key("assignee_id"))
            .then(|| time(data.get("created_at")))
            .flatten(),
        breaches: clocks().filter_map(|c| c.breached_at).collect(),
        first_response: sla
            .as_ref()
            .and_then(|s| s.first_response.as_ref())
            .and_then(|c| Some((c.met_at?, (c.met_at? - c.started_at).num_seconds()))),
        open,
        status,
    }
}

#[derive(Default)]
pub struct SupportBoard {
    facts: HashMap<Uuid, Facts>,
    by_status: BTreeMap<String, i64>,
    by_priority: BTreeMap<String, i64>,
    breaches: BTreeMap<DateTime<Utc>, i64>,
    responses: BTreeMap<(DateTime<Utc>, Uuid), i64>,
    waiting: BTreeSet<(DateTime<Utc>, Uuid)>,
}

/// Adds `by` to a count; a count that reaches zero is removed, so the
/// incremental maps hold exactly the keys a recomputation would.
pub(super) fn bump<K: Ord + Clone>(m: &mut BTreeMap<K, i64>, k: K, by: i64) {
    let n = m.entry(k.clone()).or_default();
    *n += by;
    if *n == 0 {
        m.remove(&k);
    }
}

impl SupportBoard {
    fn share(&mut self, id: Uuid, f: &Facts, sign: i64) {
        if f.open {
            bump(&mut self.by_status, f.status.clone(), sign);
            bump(&mut self.by_priority, f.priority.clone(), sign);
        }
        for b in &f.breaches {
            bump(&mut self.breaches, *b, sign);
        }
        if let Some((at, secs)) = f.first_response {
            if sign > 0 {
                self.responses.insert((at, id), secs);
            } else {
                self.responses.remove(&(at, id));
            }
        }
        if let Some(w) = f.waiting {
            if sign > 0 {
                self.waiting.insert((w, id));
            } else {
                self.waiting.remove(&(w, id));
            }
        }
    }

    /// The ticket is now `f` (`None`: deleted).
    pub fn apply(&mut self, id: Uuid, f: Option<Facts>) {
        if let Some(old) = self.facts.remove(&id) {
            self.share(id, &old, -1);
        }
        if let Some(f) = f {
            self.share(id, &f, 1);
            self.facts.insert(id, f);
        }
    }

    pub fn snapshot(&self, now: DateTime<Utc>, cal: &BusinessCalendar) -> Value {
        let today = cal.start_of_day(now);
        let breaches: i64 = self.breaches.range(today..=now).map(|(_, n)| n).sum();
        let mut secs: Vec<i64> = self
            .responses
            .range((today, Uuid::nil())..)
            .filter(|((at, _), _)| *at <= now)
            .map(|(_, s)| *s)
            .collect();
        snapshot(
            &self.by_status,
            &self.by_priority,
            breaches,
            &mut secs,
            self.waiting.first().copied(),
            today,
        )
    }
}

fn snapshot(
    by_status: &BTreeMap<String, i64>,
    by_priority: &BTreeMap<String, i64>,
    breaches_today: i64,
    responses_today: &mut [i64],
    oldest: Option<(DateTime<Utc>, Uuid)>,
    today: DateTime<Utc>,
) -> Value {
    responses_today.sort_unstable();
    let n = responses_today.len();
    let median = match n {
        0 => None,
        _ if n % 2 == 1 => Some(responses_today[n / 2] as f64),
        _ => Some((responses_today[n / 2 - 1] + responses_today[n / 2]) as f64 / 2.0),
    };
    json!({
        "open_total": by_status.values().sum::<i64>(),
        "open_by_status": by_status,
        "open_by_priority": by_priority,
        "sla_breaches_today": breaches_today,
        "median_first_response_secs_today": median,
        "first_responses_today": n,
        "oldest_waiting": oldest.map(|(at, id)| json!({"ticket_id": id, "created_at": at})),
        "day_starts_at": today,
    })
}

/// The same figures by a plain pass over every ticket.
pub fn recompute<'a>(
    tickets: impl Iterator<Item = (Uuid, &'a Map<String, Value>)>,
    wf: &TicketWorkflow,
    now: DateTime<Utc>,
    cal: &BusinessCalendar,
) -> Value {
    let today = cal.start_of_day(now);
    let (mut by_status, mut by_priority) = (BTreeMap::new(), BTreeMap::new());
    let (mut breaches, mut secs, mut oldest) = (0, Vec::new(), None);
    for (id, data) in tickets {
        let f = facts(data, wf);
        if f.open {
            *by_status.entry(f.status.clone()).or_insert(0) += 1;
            *by_priority.entry(f.priority.clone()).or_insert(0) += 1;
        }
        breaches += f
            .breaches
            .iter()
            .filter(|b| **b >= today && **b <= now)
            .count() as i64;
        if let Some((at, s)) = f.first_response
            && at >= today
            && at <= now
        {
            secs.push(s);
        }
        if let Some(w) = f.waiting
            && oldest.is_none_or(|o| (w, id) < o)
        {
            oldest = Some((w, id));
        }
    }
    snapshot(&by_status, &by_priority, breaches, &mut secs, oldest, today)
}

//! SLA clocks on a ticket: first response, next response and resolution.
//!
//! A clock counts working seconds (business calendar) or wall seconds,
//! pauses in the policy's paused statuses, and stops when met. Its state is
//! kept in the ticket's `sla` field, so every ticket event carries its due
//! instants; warnings and breaches are claimed on the ticket row itself
//! (`warned_at`/`breached_at` set by a version-checked update), which is
//! what makes them fire once across restarts and nodes.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use uuid::Uuid;

use super::calendar::BusinessCalendar;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Metric {
    FirstResponse,
    NextResponse,
    Resolution,
}

impl Metric {
    pub const ALL: [Metric; 3] = [Self::FirstResponse, Self::NextResponse, Self::Resolution];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::FirstResponse => "first_response",
            Self::NextResponse => "next_response",
            Self::Resolution => "resolution",
        }
    }
    fn target_key(self) -> &'static str {
        match self {
            Self::FirstResponse => "first_response_mins",
            Self::NextResponse => "next_response_mins",
            Self::Resolution => "resolution_mins",
        }
    }
}

/// What a timer announces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Alarm {
    Warning,
    Breach,
}

impl Alarm {
    pub fn event(self) -> &'static str {
        match self {
            Self::Warning => "ticket.sla_warning",
            Self::Breach => "ticket.sla_breached",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    Running,
    Paused,
    Met,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Clock {
    pub target_mins: i64,
    pub state: State,
    pub started_at: DateTime<Utc>,
    /// Counted seconds before `since`.
    pub consumed_secs: i64,
    /// Counting since, while running.
    pub since: Option<DateTime<Utc>>,
    pub due_at: Option<DateTime<Utc>>,
    pub warn_at: Option<DateTime<Utc>>,
    pub met_at: Option<DateTime<Utc>>,
    pub warned_at: Option<DateTime<Utc>>,
    pub breached_at: Option<DateTime<Utc>>,
}

impl Clock {
    fn start(target_mins: i64, now: DateTime<Utc>, paused: bool) -> Self {
        Self {
            target_mins,
            state: if paused {
                State::Paused
            } else {
                State::Running
            },
            started_at: now,
            consumed_secs: 0,
            since: (!paused).then_some(now),
            due_at: None,
            warn_at: None,
            met_at: None,
            warned_at: None,
            breached_at: None,
        }
    }

    fn stop_counting(&mut self, m: &Measure, now: DateTime<Utc>) {
        if let Some(since) = self.since.take() {
            self.consumed_secs += m.between(since, now);
        }
    }

    fn pause(&mut self, m: &Measure, now: DateTime<Utc>) {
        if self.state == State::Running {
            self.stop_counting(m, now);
            self.state = State::Paused;
        }
    }

    fn resume(&mut self, now: DateTime<Utc>) {
        if self.state == State::Paused {
            self.since = Some(now);
            self.state = State::Running;
        }
    }

    fn meet(&mut self, m: &Measure, now: DateTime<Utc>) {
        if self.state != State::Met {
            self.stop_counting(m, now);
            self.state = State::Met;
            self.met_at = Some(now);
        }
    }

    /// Recomputes the due and warning instants after any change.
    fn plan(&mut self, m: &Measure, warn_percent: i64) {
        let (due, warn) = match (self.state, self.since) {
            (State::Running, Some(since)) => {
                let target = self.target_mins * 60;
                (
                    m.add(since, target - self.consumed_secs),
                    m.add(since, target * warn_percent / 100 - self.consumed_secs),
                )
            }
            _ => (None, None),
        };
        self.due_at = due;
        self.warn_at = warn;
    }

    /// The alarm this clock owes at `now`, if any.
    pub fn owed(&self, now: DateTime<Utc>) -> Option<Alarm> {
        if self.state != State::Running || self.breached_at.is_some() {
            return None;
        }
        if self.due_at.is_some_and(|d| d <= now) {
            return Some(Alarm::Breach);
        }
        if self.warned_at.is_none() && self.warn_at.is_some_and(|w| w <= now) {
            return Some(Alarm::Warning);
        }
        None
    }

    /// The next instant this clock wants to be looked at.
    pub fn next_alarm(&self) -> Option<(DateTime<Utc>, Alarm)> {
        if self.state != State::Running || self.breached_at.is_some() {
            return None;
        }
        match (self.warned_at, self.warn_at, self.due_at) {
            (None, Some(w), _) => Some((w, Alarm::Warning)),
            (_, _, Some(d)) => Some((d, Alarm::Breach)),
            _ => None,
        }
    }
}

/// Working seconds by the tenant calendar, or wall-clock seconds.
pub enum Measure {
    Business(BusinessCalendar),
    Wall,
}

impl Measure {
    fn add(&self, from: DateTime<Utc>, secs: i64) -> Option<DateTime<Utc>> {
        match self {
            Self::Business(c) => c.add(from, secs),
            Self::Wall => Some(from + Duration::seconds(secs.max(0))),
        }
    }
    fn between(&self, a: DateTime<Utc>, b: DateTime<Utc>) -> i64 {
        match self {
            Self::Business(c) => c.between(a, b),
            Self::Wall => (b - a).num_seconds().max(0),
        }
    }
}

/// An SLA policy record, as the clocks need it.
#[derive(Debug, Clone)]
pub struct Policy {
    pub id: Uuid,
    pub targets: Map<String, Value>,
    pub business_hours: bool,
    pub paused_statuses: Vec<String>,
    pub warn_percent: i64,
}

impl Policy {
    pub fn from_record(id: Uuid, data: &Map<String, Value>) -> Self {
        Self {
            id,
            targets: data
                .get("targets")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default(),
            business_hours: data
                .get("business_hours")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            paused_statuses: data
                .get("paused_statuses")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default(),
            warn_percent: data
                .get("warn_percent")
                .and_then(Value::as_i64)
                .unwrap_or(80),
        }
    }

    fn target(&self, priority: &str, m: Metric) -> Option<i64> {
        self.targets
            .get(priority)
            .and_then(|t| t.get(m.target_key()))
            .and_then(Value::as_i64)
    }
}

/// The `sla` field of a ticket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sla {
    pub policy_id: Uuid,
    pub warn_percent: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_response: Option<Clock>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_response: Option<Clock>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolution: Option<Clock>,
}

/// Where a ticket stands, as far as its clocks care.
pub struct TicketState<'a> {
    pub priority: &'a str,
    pub status: &'a str,
    pub done: bool,
}

impl Sla {
    pub fn of(data: &Map<String, Value>) -> Option<Sla> {
        serde_json::from_value(data.get("sla")?.clone()).ok()
    }

    pub fn clock(&self, m: Metric) -> Option<&Clock> {
        match m {
            Metric::FirstResponse => self.first_response.as_ref(),
            Metric::NextResponse => self.next_response.as_ref(),
            Metric::Resolution => self.resolution.as_ref(),
        }
    }

    pub fn clock_mut(&mut self, m: Metric) -> &mut Option<Clock> {
        match m {
            Metric::FirstResponse => &mut self.first_response,
            Metric::NextResponse => &mut self.next_response,
            Metric::Resolution => &mut self.resolution,
        }
    }

    fn clocks_mut(&mut self) -> impl Iterator<Item = &mut Clock> {
        [
            &mut self.first_response,
            &mut self.next_response,
            &mut self.resolution,
        ]
        .into_iter()
        .flatten()
    }

    fn plan(&mut self, m: &Measure) {
        let pct = self.warn_percent;
        for c in self.clocks_mut() {
            c.plan(m, pct);
        }
    }

    /// The earliest due instant of a clock still running: the queue's
    /// second ordering key.
    pub fn next_due(&self) -> Option<DateTime<Utc>> {
        Metric::ALL
            .iter()
            .filter_map(|m| self.clock(*m))
            .filter(|c| c.state == State::Running)
            .filter_map(|c| c.due_at)
            .min()
    }

    /// Every alarm still to come, for the queue's timers.
    pub fn alarms(&self) -> Vec<(DateTime<Utc>, Metric, Alarm)> {
        Metric::ALL
            .iter()
            .filter_map(|m| {
                let (at, a) = self.clock(*m)?.next_alarm()?;
                Some((at, *m, a))
            })
            .collect()
    }

    /// Records an owed alarm: `Some(instant it was due)` if it was owed.
    pub fn fire(&mut self, m: Metric, alarm: Alarm, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let c = self.clock_mut(m).as_mut()?;
        match (c.owed(now)?, alarm) {
            (Alarm::Breach, Alarm::Breach) => {
                c.breached_at = c.due_at;
                c.breached_at
            }
            (Alarm::Warning, Alarm::Warning) => {
                c.warned_at = c.warn_at;
                c.warned_at
            }
            // A breach that is due makes a pending warning moot.
            (Alarm::Breach, Alarm::Warning) => None,
            (Alarm::Warning, Alarm::Breach) => None,
        }
    }
}

/// The clocks after a ticket is created or saved: started from the
/// policy's targets, re-targeted on a priority or policy change, paused,
/// resumed, met when the ticket is done and resumed when it reopens.
pub fn on_save(
    prev: Option<Sla>,
    policy: Option<&Policy>,
    t: &TicketState<'_>,
    m: &Measure,
    now: DateTime<Utc>,
) -> Option<Sla> {
    let policy = policy?;
    let mut sla = prev.unwrap_or(Sla {
        policy_id: policy.id,
        warn_percent: policy.warn_percent,
        first_response: None,
        next_response: None,
        resolution: None,
    });
    sla.policy_id = policy.id;
    sla.warn_percent = policy.warn_percent.clamp(1, 99);
    let paused = policy.paused_statuses.iter().any(|s| s == t.status);
    for metric in Metric::ALL {
        let target = policy.target(t.priority, metric);
        let slot = sla.clock_mut(metric);
        match (target, slot.as_mut()) {
            (None, _) => *slot = None,
            (Some(mins), Some(c)) => c.target_mins = mins,
            // Next response starts with a customer's reply, not here.
            (Some(mins), None) if metric != Metric::NextResponse && !t.done => {
                *slot = Some(Clock::start(mins, now, paused));
            }
            (Some(_), None) => {}
        }
    }
    for c in sla.clocks_mut() {
        if t.done {
            c.meet(m, now);
        } else if paused {
            c.pause(m, now);
        } else {
            c.resume(now);
        }
    }
    // A reopened ticket must be resolved again.
    if !t.done
        && let Some(c) = sla.resolution.as_mut()
        && c.state == State::Met
    {
        c.state = if paused {
            State::Paused
        } else {
            State::Running
        };
        c.since = (!paused).then_some(now);
        c.met_at = None;
    }
    sla.plan(m);
    Some(sla)
}

/// A public reply: an agent's meets the response clocks; a customer's
/// starts a new next-response clock once the first response was given.
pub fn on_reply(
    mut sla: Sla,
    policy: Option<&Policy>,
    t: &TicketState<'_>,
    by_agent: bool,
    m: &Measure,
    now: DateTime<Utc>,
) -> Sla {
    if by_agent {
        for metric in [Metric::FirstResponse, Metric::NextResponse] {
            if let Some(c) = sla.clock_mut(metric).as_mut() {
                c.meet(m, now);
            }
        }
    } else if sla
        .first_response
        .as_ref()
        .is_none_or(|c| c.state == State::Met)
        && sla
            .next_response
            .as_ref()
            .is_none_or(|c| c.state == State::Met)
        && !t.done
        && let Some(mins) = policy.and_then(|p| p.target(t.priority, Metric::NextResponse))
    {
        let paused = policy.is_some_and(|p| p.paused_statuses.iter().any(|s| s == t.status));
        sla.next_response = Some(Clock::start(mins, now, paused));
    }
    sla.plan(m);
    sla
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn t0() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-02T10:00:00Z")
            .map_or_else(|_| Utc::now(), |t| t.with_timezone(&Utc))
    }

    fn policy() -> Policy {
        let targets = json!({"high": {"first_response_mins": 60, "resolution_mins": 240, "next_response_mins": 30}});
        Policy::from_record(
            Uuid::nil(),
            &Map::from_iter([
                ("targets".to_owned(), targets),
                ("paused_statuses".to_owned(), json!(["pending"])),
            ]),
        )
    }

    fn state<'a>(status: &'a str, done: bool) -> TicketState<'a> {
        TicketState {
            priority: "high",
            status,
            done,
        }
    }

    #[test]
    fn a_pause_moves_the_due_instant_by_the_time_spent_paused() {
        let p = policy();
        let m = Measure::Wall;
        let sla = on_save(None, Some(&p), &state("new", false), &m, t0());
        let fr = sla.as_ref().and_then(|s| s.first_response.clone());
        assert_eq!(
            fr.and_then(|c| c.due_at),
            Some(t0() + Duration::minutes(60))
        );
        let paused = on_save(
            sla,
            Some(&p),
            &state("pending", false),
            &m,
            t0() + Duration::minutes(20),
        );
        let resumed = on_save(
            paused,
            Some(&p),
            &state("open", false),
            &m,
            t0() + Duration::minutes(50),
        );
        let c = resumed
            .and_then(|s| s.first_response)
            .map(|c| (c.due_at, c.warn_at));
        // 20 minutes counted, 30 paused: due 90 minutes after the start,
        // warned at 80 % of 60 = 48 counted minutes.
        assert_eq!(
            c,
            Some((
                Some(t0() + Duration::minutes(90)),
                Some(t0() + Duration::minutes(78))
            ))
        );
    }

    #[test]
    fn alarms_fire_once_and_a_reply_meets_the_clock() {
        let p = policy();
        let m = Measure::Wall;
        let mut sla = on_save(None, Some(&p), &state("new", false), &m, t0())
            .unwrap_or_else(|| unreachable!());
        let at = t0() + Duration::minutes(48);
        assert_eq!(
            sla.fire(
                Metric::FirstResponse,
                Alarm::Warning,
                at - Duration::seconds(1)
            ),
            None
        );
        assert_eq!(
            sla.fire(Metric::FirstResponse, Alarm::Warning, at),
            Some(at)
        );
        assert_eq!(
            sla.fire(Metric::FirstResponse, Alarm::Warning, at),
            None,
            "only once"
        );
        let sla = on_reply(sla, Some(&p), &state("open", false), true, &m, at);
        assert_eq!(
            sla.first_response.as_ref().map(|c| c.state),
            Some(State::Met)
        );
        assert!(
            sla.alarms()
                .iter()
                .all(|(_, metric, _)| *metric == Metric::Resolution)
        );
        // The customer writes back: the next-response clock starts.
        let sla = on_reply(sla, Some(&p), &state("open", false), false, &m, at);
        assert_eq!(
            sla.next_response.and_then(|c| c.due_at),
            Some(at + Duration::minutes(30))
        );
    }

    #[test]
    fn done_meets_every_clock_and_reopening_resumes_resolution() {
        let p = policy();
        let m = Measure::Wall;
        let sla = on_save(None, Some(&p), &state("new", false), &m, t0());
        let done = on_save(
            sla,
            Some(&p),
            &state("resolved", true),
            &m,
            t0() + Duration::minutes(100),
        );
        assert!(done.as_ref().is_some_and(|s| s.alarms().is_empty()));
        let reopened = on_save(
            done,
            Some(&p),
            &state("open", false),
            &m,
            t0() + Duration::minutes(200),
        );
        let r = reopened.and_then(|s| s.resolution);
        // 100 minutes were counted; 140 remain from the reopening.
        assert_eq!(
            r.and_then(|c| c.due_at),
            Some(t0() + Duration::minutes(340))
        );
    }
}

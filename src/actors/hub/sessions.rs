//! The hub's sessions: who is connected, what each is subscribed to, and
//! the fan-out of a committed event to all of them.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::mpsc;

use super::subscribe::Replay;
use super::{Frame, Join};
use crate::actors::protocol;
use crate::actors::topics::Topic;
use crate::domain::code::Code;
use crate::domain::tenant::Tenant;
use crate::identity::Principal;
use crate::records::events::{audience, redacted};
use crate::storage::events::EventRow;

/// A session's signal to its socket task that it fell behind: set by the
/// hub when the session's queue was full, cleared when the hub catches it
/// up. The socket task asks for the catch-up once it has sent everything
/// queued (`CatchUp`), so a client that keeps reading gets every event;
/// one that took longer than `http::ws::STALL_LIMIT` to read it had
/// stopped reading, and gets `resync`.
#[derive(Default)]
pub struct Behind {
    flag: AtomicBool,
    /// When it fell behind, in milliseconds after `epoch()`.
    at: AtomicU64,
    wake: tokio::sync::Notify,
}

fn epoch() -> Instant {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    *EPOCH.get_or_init(Instant::now)
}

impl Behind {
    pub fn is_set(&self) -> bool {
        self.flag.load(Ordering::Relaxed)
    }

    /// How long ago the hub found its queue full, and so how long the
    /// client took to read what was queued (a reading client: moments).
    pub fn stalled_for(&self) -> Duration {
        let at = Duration::from_millis(self.at.load(Ordering::Relaxed));
        epoch().elapsed().saturating_sub(at)
    }

    /// Resolves when the session fell behind (at once if it did since the
    /// last call).
    pub async fn fell(&self) {
        self.wake.notified().await;
    }

    fn set(&self) {
        let now = epoch().elapsed().as_millis() as u64;
        self.at.store(now, Ordering::Relaxed);
        self.flag.store(true, Ordering::Relaxed);
        self.wake.notify_one();
    }

    fn clear(&self) {
        self.flag.store(false, Ordering::Relaxed);
    }
}

/// A topic a session fell behind on: the number of the last event queued
/// for it, and the `subscribed` answer it is still owed (a subscription
/// made while behind).
struct Lagging {
    topic: Topic,
    cursor: i64,
    ack: Option<Option<String>>,
}

pub(super) struct SessionEntry {
    out: mpsc::Sender<Frame>,
    pub principal: Arc<Principal>,
    pub topics: Vec<Topic>,
    behind: Arc<Behind>,
    /// While behind, its topics are here, not in `topics`: nothing new is
    /// queued for them until the catch-up has replayed what they missed.
    lagging: Vec<Lagging>,
    /// Wakes the session to re-check its principal.
    recheck: Arc<tokio::sync::Notify>,
}

impl SessionEntry {
    /// Queues `frame`. A full queue puts the session behind, every topic
    /// with `at` as its cursor: the last event whose frames were all
    /// queued (`lag` corrects a topic that got more or less).
    pub fn push(&mut self, frame: Frame, at: i64) -> bool {
        if self.behind.is_set() {
            return false;
        }
        match self.out.try_send(frame) {
            Ok(()) => true,
            Err(mpsc::error::TrySendError::Full(_)) => {
                self.fall_behind(at);
                false
            }
            Err(mpsc::error::TrySendError::Closed(_)) => false,
        }
    }

    fn fall_behind(&mut self, at: i64) {
        self.behind.set();
        let topics = self.topics.drain(..);
        self.lagging.extend(topics.map(|topic| Lagging {
            topic,
            cursor: at,
            ack: None,
        }));
    }

    /// `topic` was replayed up to `upto` of a longer history: the session
    /// goes behind (its other topics up to date at `last`), so that the
    /// rest follows as the client reads.
    pub fn hold(&mut self, topic: Topic, upto: i64, last: i64) {
        if !self.is_behind() {
            self.fall_behind(last);
        }
        self.lag(topic, upto, None);
    }

    pub fn is_behind(&self) -> bool {
        self.behind.is_set()
    }

    /// While behind: `topic` resumes after `cursor`, and is owed `ack` if
    /// given (it is added if it was not lagging yet).
    pub fn lag(&mut self, topic: Topic, cursor: i64, ack: Option<Option<String>>) {
        if !self.is_behind() {
            return;
        }
        self.topics.retain(|t| *t != topic);
        match self.lagging.iter_mut().find(|l| l.topic == topic) {
            Some(l) => {
                l.cursor = cursor;
                l.ack = ack.or(l.ack.take());
            }
            None => self.lagging.push(Lagging { topic, cursor, ack }),
        }
    }

    /// The oldest cursor of the topics it fell behind on.
    pub fn lagging_from(&self) -> Option<i64> {
        self.lagging.iter().map(|l| l.cursor).min()
    }

    /// Adds `topic`.
    pub fn subscribe(&mut self, topic: Topic) {
        if !self.topics.contains(&topic) {
            self.topics.push(topic);
        }
    }

    pub fn unsubscribe(&mut self, topic: Topic) -> bool {
        let before = self.topics.len() + self.lagging.len();
        self.topics.retain(|t| *t != topic);
        self.lagging.retain(|l| l.topic != topic);
        before != self.topics.len() + self.lagging.len()
    }

    /// Catches up a session that fell behind and has sent all it had
    /// queued. For each topic it lagged on: the answer it is owed, the
    /// events after its cursor (`replay` holds the events after the
    /// oldest cursor: up to the head, or one page of the log), then live
    /// again (or, after a page, behind again for the next). With
    /// `Replay::Lost` (the log no longer reaches back, or the client
    /// stopped reading) every topic gets `resync` instead. When the
    /// queue fills once more, the rest waits for the next round. Answers
    /// how many topics got `resync`.
    pub fn catch_up(
        &mut self,
        replay: &Replay,
        last: i64,
        tenant: &Tenant,
        figures: impl Fn(Topic) -> Option<Frame>,
    ) -> u64 {
        let (events, upto): (&[Arc<EventRow>], Option<i64>) = match replay {
            Replay::Complete(events) => (events, None),
            Replay::Partial(events, upto) => (events, Some(*upto)),
            Replay::Lost => (&[], None),
        };
        let mut pending = std::mem::take(&mut self.lagging).into_iter();
        self.behind.clear();
        let mut resynced = 0;
        let mut paged = Vec::new();
        while let Some(mut l) = pending.next() {
            let name = l.topic.name();
            let done = if !l.topic.enabled_in(tenant) {
                let why = "This feature was switched off for the workspace.";
                self.push(
                    protocol::ended(&name, Code::FeatureDisabled, why).into(),
                    last,
                )
            } else if matches!(replay, Replay::Lost) {
                let why = "the client fell too far behind; reload and resubscribe with since";
                resynced += 1;
                self.push(protocol::resync(&name, why).into(), last)
            } else if !self.replay_to(&mut l, &name, events, last, &figures) {
                false
            } else if let Some(upto) = upto {
                // Up to the page's end; the next page follows.
                l.cursor = l.cursor.max(upto);
                paged.push(l);
                continue;
            } else {
                self.topics.push(l.topic);
                true
            };
            if !done {
                // The queue filled again: this topic and the rest wait.
                // (A topic cut off above is gone either way.)
                if l.topic.enabled_in(tenant) && !matches!(replay, Replay::Lost) {
                    self.lagging.push(l);
                }
                self.lagging.extend(pending);
                break;
            }
        }
        if !paged.is_empty() {
            if !self.is_behind() {
                self.fall_behind(last);
            }
            self.lagging.extend(paged);
        }
        resynced
    }

    /// Queues what `l` is owed from `events`; false, with its cursor
    /// where it got to, when the queue filled.
    fn replay_to(
        &mut self,
        l: &mut Lagging,
        name: &str,
        events: &[Arc<EventRow>],
        last: i64,
        figures: &impl Fn(Topic) -> Option<Frame>,
    ) -> bool {
        if let Some(id) = l.ack.take() {
            let ack = protocol::subscribed(id.as_deref(), name, last, true);
            if !self.push(ack.into(), last) {
                l.ack = Some(id);
                return false;
            }
        }
        if let Some(f) = figures(l.topic)
            && !self.push(f, last)
        {
            return false;
        }
        for e in events.iter().filter(|e| e.seq > l.cursor) {
            if !l.topic.matches(&e.kind, e.record_id, &e.data.0) {
                continue;
            }
            let Some(hidden) = audience(&self.principal, e) else {
                continue;
            };
            let frame = protocol::event(name, e.seq, &e.event_type, &redacted(e, &hidden));
            if !self.push(frame.into(), last) {
                l.cursor = e.seq - 1;
                return false;
            }
        }
        true
    }
}

pub(super) struct Sessions {
    by_id: HashMap<u64, SessionEntry>,
    /// The last event handed to the sessions: where a session that falls
    /// behind on a frame other than an event resumes.
    last: i64,
    /// Since when nobody is connected (the hub stops after a while).
    empty_since: Option<Instant>,
}

impl Sessions {
    pub fn new(head: i64) -> Self {
        Self {
            by_id: HashMap::new(),
            last: head,
            empty_since: Some(Instant::now()),
        }
    }

    /// Adds a session; answers whether its user already had one here.
    pub fn join(&mut self, j: Join) -> bool {
        self.empty_since = None;
        let user = j.principal.user_id;
        let seen = self.by_id.values().any(|s| s.principal.user_id == user);
        self.by_id.insert(
            j.id,
            SessionEntry {
                out: j.out,
                principal: j.principal,
                topics: Vec::new(),
                behind: j.behind,
                lagging: Vec::new(),
                recheck: j.recheck,
            },
        );
        seen
    }

    pub fn leave(&mut self, id: u64) {
        self.by_id.remove(&id);
        if self.by_id.is_empty() {
            self.empty_since = Some(Instant::now());
        }
    }

    pub fn get(&self, id: u64) -> Option<&SessionEntry> {
        self.by_id.get(&id)
    }

    pub fn get_mut(&mut self, id: u64) -> Option<&mut SessionEntry> {
        self.by_id.get_mut(&id)
    }

    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    /// How long nobody has been connected (`None` while someone is).
    pub fn empty_for(&self) -> Option<std::time::Duration> {
        self.empty_since
            .filter(|_| self.by_id.is_empty())
            .map(|t| t.elapsed())
    }

    /// Distinct users here who hold `perm` (only `user`, when given).
    pub fn users_with(&self, perm: &str, user: Option<uuid::Uuid>) -> Vec<uuid::Uuid> {
        self.by_id
            .values()
            .filter(|s| user.is_none_or(|u| u == s.principal.user_id))
            .filter(|s| s.principal.has(perm))
            .map(|s| s.principal.user_id)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect()
    }

    /// Keeps a session's re-checked principal; when what it may do
    /// changed, tells the client (`changed: access`) so that its
    /// navigation and views follow at once, not at the next reload.
    pub fn update_principal(&mut self, id: u64, principal: Arc<Principal>) {
        if let Some(s) = self.by_id.get_mut(&id) {
            let old = &s.principal;
            let same = old.roles == principal.roles
                && old.teams == principal.teams
                && old.grants == principal.grants
                && old.mfa_enrollment_required == principal.mfa_enrollment_required;
            s.principal = principal;
            if !same {
                s.push(protocol::changed("access").into(), self.last);
            }
        }
    }

    /// Sends `frame` to every session.
    pub fn tell_all(&mut self, frame: Frame) {
        for s in self.by_id.values_mut() {
            s.push(frame.clone(), self.last);
        }
    }

    /// Wakes sessions of `user` (all, with `None`) to re-check their principal.
    pub fn recheck(&self, user: Option<uuid::Uuid>) {
        for s in self.by_id.values() {
            if user.is_none_or(|u| u == s.principal.user_id) {
                s.recheck.notify_one();
            }
        }
    }

    /// Sends one frame, built at most once, to every session subscribed
    /// to `topic` that `may` admits.
    pub fn send_to_topic(
        &mut self,
        topic: Topic,
        may: impl Fn(&Principal) -> bool,
        frame: impl Fn() -> Frame,
    ) {
        let mut built: Option<Frame> = None;
        for entry in self.by_id.values_mut() {
            if !entry.topics.contains(&topic) || !may(&entry.principal) {
                continue;
            }
            let f = built.get_or_insert_with(&frame).clone();
            entry.push(f, self.last);
        }
    }

    /// Delivers one event to every session, once under each of its topics
    /// that matches (a view of `tickets` and one of `ticket:<id>` each get
    /// it, as each resumes from its own `seq`), if the session may read it.
    /// Answers how many frames were queued.
    pub fn fan_out(&mut self, e: &EventRow) -> u64 {
        // Keyed by (topic, hidden fields): most sessions share one entry, so
        // the event is encoded once and only a pointer is queued per session.
        let mut frames: HashMap<(Topic, BTreeSet<String>), Frame> = HashMap::new();
        let mut delivered = 0u64;
        for entry in self.by_id.values_mut() {
            // Who may read it is asked once per session, at its first
            // matching topic (most sessions match none).
            let mut hidden: Option<Option<BTreeSet<String>>> = None;
            for i in 0..entry.topics.len() {
                let topic = entry.topics[i];
                if !topic.matches(&e.kind, e.record_id, &e.data.0) {
                    continue;
                }
                let Some(h) = hidden.get_or_insert_with(|| audience(&entry.principal, e)) else {
                    break;
                };
                let frame = frames
                    .entry((topic, h.clone()))
                    .or_insert_with_key(|(topic, hidden)| {
                        protocol::event(&topic.name(), e.seq, &e.event_type, &redacted(e, hidden))
                            .into()
                    })
                    .clone();
                if entry.push(frame, e.seq - 1) {
                    delivered += 1;
                    continue;
                }
                // Fell behind here: the topics before this one that
                // matched have this event already.
                for l in entry.lagging.iter_mut().take(i) {
                    if l.topic.matches(&e.kind, e.record_id, &e.data.0) {
                        l.cursor = e.seq;
                    }
                }
                break;
            }
        }
        self.last = e.seq;
        delivered
    }

    /// Ends subscriptions to topics of features `tenant` no longer has,
    /// with a frame that says so.
    pub fn end_disabled(&mut self, tenant: &Tenant) {
        for entry in self.by_id.values_mut() {
            let (keep, gone): (Vec<Topic>, Vec<Topic>) =
                entry.topics.drain(..).partition(|t| t.enabled_in(tenant));
            entry.topics = keep;
            for t in gone {
                entry.push(
                    protocol::ended(
                        &t.name(),
                        Code::FeatureDisabled,
                        "This feature was switched off for the workspace.",
                    )
                    .into(),
                    self.last,
                );
            }
        }
    }
}

//! The hub's sessions: who is connected, what each is subscribed to, and
//! the fan-out of a committed event to all of them.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use tokio::sync::mpsc;

use super::{Frame, Join};
use crate::actors::protocol;
use crate::actors::topics::Topic;
use crate::domain::code::Code;
use crate::domain::tenant::Tenant;
use crate::identity::Principal;
use crate::records::events::{audience, redacted};
use crate::storage::events::EventRow;

pub(super) struct SessionEntry {
    out: mpsc::Sender<Frame>,
    pub principal: Arc<Principal>,
    pub topics: Vec<Topic>,
    /// Set when the session's queue was full: it gets `resync` and must
    /// resubscribe; nothing more is queued for it until then.
    overflow: Arc<AtomicBool>,
    /// Wakes the session to re-check its principal.
    recheck: Arc<tokio::sync::Notify>,
}

impl SessionEntry {
    /// Sends `frame`; a full queue marks the session overflowed and drops
    /// its topics (the socket task then tells the client to resubscribe).
    pub fn push(&mut self, frame: Frame) -> bool {
        if self.overflow.load(Ordering::Relaxed) {
            return false;
        }
        match self.out.try_send(frame) {
            Ok(()) => true,
            Err(mpsc::error::TrySendError::Full(_)) => {
                self.overflow.store(true, Ordering::Relaxed);
                self.topics.clear();
                false
            }
            Err(mpsc::error::TrySendError::Closed(_)) => false,
        }
    }

    /// Adds `topic` (a subscription clears an earlier overflow).
    pub fn subscribe(&mut self, topic: Topic) {
        self.overflow.store(false, Ordering::Relaxed);
        if !self.topics.contains(&topic) {
            self.topics.push(topic);
        }
    }

    pub fn unsubscribe(&mut self, topic: Topic) -> bool {
        let before = self.topics.len();
        self.topics.retain(|t| *t != topic);
        before != self.topics.len()
    }
}

pub(super) struct Sessions {
    by_id: HashMap<u64, SessionEntry>,
    /// Since when nobody is connected (the hub stops after a while).
    empty_since: Option<Instant>,
}

impl Sessions {
    pub fn new() -> Self {
        Self {
            by_id: HashMap::new(),
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
                overflow: j.overflow,
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
                s.push(protocol::changed("access").into());
            }
        }
    }

    /// Sends `frame` to every session.
    pub fn tell_all(&mut self, frame: Frame) {
        for s in self.by_id.values_mut() {
            s.push(frame.clone());
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
            entry.push(f);
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
                delivered += u64::from(entry.push(frame));
            }
        }
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
                );
            }
        }
    }
}

//! Who is viewing or editing what: per topic, per session, with the
//! user's name and state. Entries expire unless refreshed.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use super::Frame;
use crate::actors::topics::Topic;

/// A presence entry expires unless refreshed within this time.
const PRESENCE_TTL: Duration = Duration::from_secs(60);

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum PresenceState {
    Idle,
    Viewing,
    Editing,
}

impl PresenceState {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "idle" => Some(Self::Idle),
            "viewing" => Some(Self::Viewing),
            "editing" => Some(Self::Editing),
            _ => None,
        }
    }
    fn as_str(self) -> &'static str {
        match self {
            Self::Idle => "idle",
            Self::Viewing => "viewing",
            Self::Editing => "editing",
        }
    }
}

pub(super) struct Member {
    pub user_id: uuid::Uuid,
    pub name: String,
    pub state: PresenceState,
    pub at: Instant,
}

#[derive(Default)]
pub(super) struct PresenceTable {
    /// topic → session → who is there.
    by_topic: HashMap<Topic, HashMap<u64, Member>>,
}

impl PresenceTable {
    /// Records `member` for `session` on `topic`; answers whether the
    /// others must be told (the state changed, or is new).
    pub fn set(&mut self, topic: Topic, session: u64, member: Member) -> bool {
        let members = self.by_topic.entry(topic).or_default();
        let changed = members
            .get(&session)
            .is_none_or(|old| old.state != member.state);
        members.insert(session, member);
        changed
    }

    /// Removes `session` from every topic (or only `only`); answers the
    /// topics whose members changed.
    pub fn leave(&mut self, session: u64, only: Option<Topic>) -> Vec<Topic> {
        let changed = self
            .by_topic
            .iter_mut()
            .filter(|(t, _)| only.is_none_or(|o| o == **t))
            .filter_map(|(t, m)| m.remove(&session).map(|_| *t))
            .collect();
        self.by_topic.retain(|_, m| !m.is_empty());
        changed
    }

    /// Drops entries not refreshed in time; answers the topics that changed.
    pub fn expire(&mut self) -> Vec<Topic> {
        let mut changed = Vec::new();
        for (t, members) in &mut self.by_topic {
            let before = members.len();
            members.retain(|_, m| m.at.elapsed() <= PRESENCE_TTL);
            if members.len() != before {
                changed.push(*t);
            }
        }
        self.by_topic.retain(|_, m| !m.is_empty());
        changed
    }

    /// Who is on `topic` now: one entry per user, with their most active
    /// state across tabs.
    pub fn frame(&self, topic: Topic) -> Frame {
        let mut by_user: HashMap<uuid::Uuid, (&str, PresenceState)> = HashMap::new();
        if let Some(members) = self.by_topic.get(&topic) {
            for m in members.values() {
                let e = by_user.entry(m.user_id).or_insert((&m.name, m.state));
                e.1 = e.1.max(m.state);
            }
        }
        let mut list: Vec<_> = by_user
            .into_iter()
            .map(|(id, (name, state))| serde_json::json!({"user_id": id, "name": name, "state": state.as_str()}))
            .collect();
        list.sort_by(|a, b| a["user_id"].as_str().cmp(&b["user_id"].as_str()));
        serde_json::json!({"type": "presence", "topic": topic.name(), "members": list})
            .to_string()
            .into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(user: uuid::Uuid, state: PresenceState) -> Member {
        Member {
            user_id: user,
            name: "Ada".into(),
            state,
            at: Instant::now(),
        }
    }

    /// Two tabs of one user show as one entry with the busier state, and
    /// leaving one tab changes what the others see.
    #[test]
    fn one_entry_per_user_with_the_busiest_state() {
        let topic = Topic::Kind("tickets");
        let user = uuid::Uuid::from_u128(7);
        let mut p = PresenceTable::default();
        assert!(p.set(topic, 1, member(user, PresenceState::Viewing)));
        assert!(p.set(topic, 2, member(user, PresenceState::Editing)));
        assert!(!p.set(topic, 2, member(user, PresenceState::Editing)));
        let f: serde_json::Value = serde_json::from_str(&p.frame(topic)).unwrap();
        assert_eq!(f["members"].as_array().unwrap().len(), 1);
        assert_eq!(f["members"][0]["state"], "editing");
        assert_eq!(p.leave(2, None), vec![topic]);
        let f: serde_json::Value = serde_json::from_str(&p.frame(topic)).unwrap();
        assert_eq!(f["members"][0]["state"], "viewing");
        assert_eq!(p.leave(1, Some(Topic::Kind("deals"))), Vec::<Topic>::new());
    }
}

//! The WebSocket protocol's messages (API.md), as they go over the wire.

use serde::Deserialize;
use serde_json::{Value, json};

use crate::domain::code::Code;

/// What a client may send. Unknown fields are ignored; unknown types are
/// an `error` frame, not a disconnect.
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientMessage {
    Subscribe {
        id: Option<String>,
        topic: String,
        since: Option<i64>,
    },
    Unsubscribe {
        id: Option<String>,
        topic: String,
    },
    Ping {
        id: Option<String>,
    },
    Presence {
        id: Option<String>,
        topic: String,
        state: String,
    },
}

pub fn error(id: Option<&str>, code: Code, message: &str) -> String {
    json!({"type": "error", "id": id, "code": code.as_str(), "message": message}).to_string()
}

pub fn pong(id: Option<&str>) -> String {
    json!({"type": "pong", "id": id}).to_string()
}

pub fn subscribed(id: Option<&str>, topic: &str, seq: i64, recovered: bool) -> String {
    json!({"type": "subscribed", "id": id, "topic": topic, "seq": seq, "recovered": recovered})
        .to_string()
}

pub fn unsubscribed(id: Option<&str>, topic: &str) -> String {
    json!({"type": "unsubscribed", "id": id, "topic": topic}).to_string()
}

/// The server ended a subscription on its own, saying why (`code`, e.g.
/// `feature_disabled`).
pub fn ended(topic: &str, code: Code, message: &str) -> String {
    json!({"type": "unsubscribed", "id": null, "topic": topic, "code": code.as_str(), "message": message})
        .to_string()
}

/// Something about the tenant or the session changed that a client shows
/// outside any topic: `access` (the user's roles, teams or permissions:
/// read `/me` again), `branding` or `features` (read `/branding` again).
pub fn changed(what: &str) -> String {
    json!({"type": "changed", "what": what}).to_string()
}

pub fn resync(topic: &str, reason: &str) -> String {
    json!({"type": "resync", "topic": topic, "reason": reason}).to_string()
}

/// A ticket's place in a queue after the event `seq` (`null`: it left).
pub fn queue_moved(
    topic: &str,
    seq: i64,
    ticket: crate::domain::ids::TicketId,
    position: Option<usize>,
    size: usize,
) -> String {
    json!({"type": "queue", "topic": topic, "seq": seq, "ticket_id": ticket, "position": position, "size": size})
        .to_string()
}

/// A dashboard's current figures, as of event `seq`.
pub fn dashboard(topic: &str, seq: i64, data: &Value) -> String {
    json!({"type": "dashboard", "topic": topic, "seq": seq, "data": data}).to_string()
}

pub fn event(topic: &str, seq: i64, event: &str, data: &Value) -> String {
    json!({"type": "event", "topic": topic, "seq": seq, "event": event, "data": data}).to_string()
}

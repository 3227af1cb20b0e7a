//! E-mail in: a raw RFC 5322 message, as mail providers' inbound hooks
//! post it, becomes a public comment on the ticket it answers, or a new
//! ticket. It answers a ticket when its `In-Reply-To` or `References`
//! names a reply we sent about that ticket, or it was sent to that
//! reply's tokened `Reply-To` address (both random, so only someone who
//! received the reply can thread onto it). The sender becomes
//! the requester of a new ticket (found by e-mail, or made a contact).
//! MIME is parsed by `mail-parser`; quoted history below the answer is
//! cut off; attachments are kept as the ticket's files (shared with the
//! customer, scanned and counted against the quota like any upload); one
//! that is refused (too large, infected, over quota) is named in the
//! ticket instead, and the message is still taken.

use std::sync::Arc;

use bytes::Bytes;
use mail_parser::{HeaderValue, MessageParser, MimeHeaders};
use serde::Serialize;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::domain::FieldError;
use crate::domain::tenant::Tenant;
use crate::files::{FileError, Files, Upload};
use crate::identity::Principal;
use crate::records::core::RecordError;
use crate::records::schema::by_kind;
use crate::records::service::{self, MailAuthor};
use crate::storage::events::EventRow;
use crate::storage::{StorageError, TenantDb, mail as outbox, records};

struct Attachment {
    name: String,
    content_type: String,
    bytes: Bytes,
}

struct Kept {
    ids: Vec<Uuid>,
    events: Vec<Arc<EventRow>>,
    /// `\n\n[Attachments not kept: …]`, or empty.
    refused: String,
}

/// Keeps a message's attachments as the ticket's files, shared with the
/// customer who sent them. One the upload rules refuse is named, with
/// why, instead; a storage failure fails the message (the provider retries).
async fn keep(
    files: &Files,
    tenant: &Tenant,
    db: &TenantDb,
    actor: &Principal,
    ticket: Uuid,
    attachments: Vec<Attachment>,
) -> Result<Kept, RecordError> {
    let tickets = by_kind("ticket").ok_or(RecordError::NotFound)?;
    let mut kept = Kept {
        ids: Vec::new(),
        events: Vec::new(),
        refused: String::new(),
    };
    let mut refused = Vec::new();
    for a in attachments.into_iter().take(20) {
        let name = a.name.clone();
        let up = Upload {
            kind: tickets,
            record: ticket,
            name: &a.name,
            claimed: &a.content_type,
            internal: Some(false),
            length: Some(a.bytes.len() as u64),
        };
        let body =
            futures_util::stream::once(async move { Ok::<_, std::convert::Infallible>(a.bytes) });
        match crate::files::upload(files, tenant, db, actor, up, Box::pin(body)).await {
            Ok((row, event)) => {
                kept.ids.push(row.id);
                kept.events.push(event);
            }
            Err(FileError::Record(RecordError::Storage(e))) => return Err(e.into()),
            // No verdict: the provider is told to try again later.
            Err(FileError::Scanner(m)) => {
                return Err(RecordError::Storage(StorageError::Unavailable(m)));
            }
            Err(e) => refused.push(format!("{name} ({e})")),
        }
    }
    if !refused.is_empty() {
        kept.refused = format!("\n\n[Attachments not kept: {}]", refused.join("; "));
    }
    Ok(kept)
}

/// What became of a message.
#[derive(Debug, Serialize)]
pub struct Received {
    pub ticket_id: Uuid,
    /// True when the message opened a new ticket.
    pub new_ticket: bool,
    pub comment_id: Option<Uuid>,
    pub requester_id: Option<Uuid>,
}

fn invalid(field: &str, msg: &str) -> RecordError {
    RecordError::Validation(vec![FieldError::new(field, msg)])
}

fn ids(v: &HeaderValue) -> Vec<String> {
    match v {
        HeaderValue::Text(t) => vec![t.to_string()],
        HeaderValue::TextList(l) => l.iter().map(|t| t.to_string()).collect(),
        _ => Vec::new(),
    }
}

/// The answer without the history quoted below it: cut at the first
/// attribution line ("On … wrote:", "Am … schrieb …:"), an Outlook
/// separator, or where only `>` lines follow.
pub fn strip_quoted(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let mut end = lines.len();
    for (i, l) in lines.iter().enumerate() {
        let t = l.trim();
        let attribution = (t.starts_with("On ") && t.ends_with("wrote:"))
            || (t.starts_with("Am ") && t.ends_with(':') && t.contains("schrieb"))
            || t.starts_with("-----Original Message-----")
            || t.starts_with("-----Ursprüngliche Nachricht-----");
        let only_quotes_after = t.starts_with('>')
            && lines[i..]
                .iter()
                .all(|r| r.trim().is_empty() || r.trim_start().starts_with('>'));
        if attribution || only_quotes_after {
            end = i;
            break;
        }
    }
    lines[..end].join("\n").trim().to_owned()
}

/// Takes in `raw` as `actor` (the hook's API key). Returns what it made
/// and the events to hand on.
pub async fn receive(
    files: &Files,
    tenant: &Tenant,
    db: &TenantDb,
    actor: &Principal,
    raw: &[u8],
    quota: Option<i64>,
) -> Result<(Received, Vec<Arc<EventRow>>), RecordError> {
    let msg = MessageParser::default()
        .parse(raw)
        .filter(|m| m.from().is_some() || m.subject().is_some())
        .ok_or_else(|| invalid("", "the body is not an RFC 5322 message"))?;
    let from = msg
        .from()
        .and_then(|a| a.first())
        .ok_or_else(|| invalid("from", "the message names no sender"))?;
    let email = from
        .address()
        .map(|a| a.trim().to_lowercase())
        .filter(|a| a.contains('@') && a.len() <= 320 && !a.contains('\0'))
        .ok_or_else(|| invalid("from", "the sender has no usable address"))?;
    let name: String = from
        .name()
        .map(str::to_owned)
        .unwrap_or_else(|| email.split('@').next().unwrap_or("").to_owned())
        .chars()
        .filter(|c| !c.is_control())
        .take(200)
        .collect();
    // Customers do send mail without a subject; a ticket needs one.
    let subject: String = msg
        .subject()
        .unwrap_or("")
        .chars()
        .filter(|c| !c.is_control())
        .take(300)
        .collect();
    let subject = if subject.trim().is_empty() {
        "(no subject)".to_owned()
    } else {
        subject
    };
    let text = strip_quoted(&msg.body_text(0).unwrap_or_default().replace('\0', ""));
    let attachments: Vec<Attachment> = msg
        .attachments()
        .enumerate()
        .map(|(i, a)| Attachment {
            name: a
                .attachment_name()
                .map(|n| {
                    n.chars()
                        .filter(|c| !c.is_control() && !matches!(c, '/' | '\\'))
                        .take(200)
                        .collect::<String>()
                })
                .filter(|n| !n.trim().trim_matches('.').is_empty())
                .unwrap_or_else(|| format!("attachment-{}", i + 1)),
            content_type: a
                .content_type()
                .map_or("application/octet-stream".to_owned(), |c| {
                    format!("{}/{}", c.ctype(), c.subtype().unwrap_or("octet-stream"))
                }),
            bytes: Bytes::copy_from_slice(a.contents()),
        })
        .collect();
    let text: String = text.chars().take(20_000).collect();
    let text = if text.trim().is_empty() {
        "(no text)".to_owned()
    } else {
        text
    };
    let mut refs = ids(msg.in_reply_to());
    refs.extend(ids(msg.references()));
    // Every address the message was sent to (the tokened Reply-To among
    // them, if the customer answered a reply of ours).
    let mut recipients: Vec<String> = [msg.to(), msg.cc()]
        .into_iter()
        .flatten()
        .flat_map(|a| a.iter())
        .filter_map(|a| a.address().map(str::to_owned))
        .collect();
    for h in ["Delivered-To", "X-Original-To"] {
        recipients.extend(msg.header_values(h).filter_map(|v| {
            v.as_text()
                .map(|t| t.trim().trim_matches(['<', '>']).to_owned())
        }));
    }
    let mut tx = db.begin_read().await?;
    let thread = match outbox::ticket_of_message(&mut tx, &refs).await? {
        Some(t) => Some(t),
        None => outbox::ticket_of_reply_address(&mut tx, &recipients).await?,
    };
    let ticket = match thread {
        Some(t) => records::get(&mut tx, "ticket", t).await?.map(|r| r.id),
        None => None,
    };
    let known = records::where_field_any_case(&mut tx, "contact", "email", &email).await?;
    tx.rollback().await?;
    let author = MailAuthor {
        name: name.clone(),
        email: email.clone(),
    };
    if let Some(ticket) = ticket {
        let kept = keep(files, tenant, db, actor, ticket, attachments).await?;
        let mut events = kept.events;
        let body = format!("{text}{}", kept.refused);
        let w = service::add_mailed_comment(
            db,
            actor,
            ticket,
            &json!({"body": body, "attachments": kept.ids}),
            &author,
        )
        .await?;
        events.extend(w.events);
        let comment = w
            .record
            .get("id")
            .and_then(Value::as_str)
            .and_then(|s| Uuid::parse_str(s).ok());
        return Ok((
            Received {
                ticket_id: ticket,
                new_ticket: false,
                comment_id: comment,
                requester_id: None,
            },
            events,
        ));
    }
    let mut events = Vec::new();
    let requester = match known.first() {
        Some(c) => c.id,
        None => {
            let contacts = by_kind("contact").ok_or(RecordError::NotFound)?;
            let (first, last) = match name.trim().rsplit_once(' ') {
                Some((f, l)) if !l.is_empty() => (f.trim().to_owned(), l.to_owned()),
                _ => (String::new(), name.trim().to_owned()),
            };
            let last = if last.is_empty() { email.clone() } else { last };
            // The contact's fields hold 100 characters each.
            let cut = |s: String| s.chars().take(100).collect::<String>();
            let (first, last) = (cut(first), cut(last));
            let w = service::create(
                db,
                contacts,
                actor,
                &json!({"first_name": first, "last_name": last, "email": email}),
                quota,
            )
            .await?;
            events.extend(w.events);
            w.record
                .get("id")
                .and_then(Value::as_str)
                .and_then(|s| Uuid::parse_str(s).ok())
                .ok_or(RecordError::NotFound)?
        }
    };
    let tickets = by_kind("ticket").ok_or(RecordError::NotFound)?;
    let mut input = json!({"subject": subject, "description": text, "requester_id": requester});
    let mut tx = db.begin_read().await?;
    let queue = crate::records::portal::setting(&mut tx)
        .await?
        .portal_queue_id;
    tx.rollback().await?;
    if let Some(q) = queue {
        input["queue_id"] = json!(q);
    }
    let w = service::create(db, tickets, actor, &input, quota).await?;
    events.extend(w.events);
    let id = w
        .record
        .get("id")
        .and_then(Value::as_str)
        .and_then(|s| Uuid::parse_str(s).ok())
        .ok_or(RecordError::NotFound)?;
    let kept = keep(files, tenant, db, actor, id, attachments).await?;
    events.extend(kept.events);
    if !kept.refused.is_empty() {
        // The description is the customer's words; what could not be kept
        // is the team's to know, in a note.
        let note = json!({"body": kept.refused.trim(), "internal": true});
        events.extend(service::add_comment(db, actor, id, &note).await?.events);
    }
    Ok((
        Received {
            ticket_id: id,
            new_ticket: true,
            comment_id: None,
            requester_id: Some(requester),
        },
        events,
    ))
}

#[cfg(test)]
mod tests {
    use super::strip_quoted;

    #[test]
    fn quoted_history_is_cut_off() {
        let t = "Thanks, that worked!\n\nOn Tue, 1 Dec 2026 at 10:00, Acme <s@acme.example> wrote:\n> old\n> text";
        assert_eq!(strip_quoted(t), "Thanks, that worked!");
        let t = "Danke!\nAm 01.12.2026 um 10:00 schrieb Acme <s@acme.example>:\n> alt";
        assert_eq!(strip_quoted(t), "Danke!");
        let t = "Yes\n> a\n>b\n\n> c";
        assert_eq!(strip_quoted(t), "Yes");
        let t = "> I said\nand I answer below\n";
        assert_eq!(
            strip_quoted(t),
            "> I said\nand I answer below",
            "answers below quotes stay"
        );
        let t = "Hi\n-----Original Message-----\nFrom: x";
        assert_eq!(strip_quoted(t), "Hi");
    }
}

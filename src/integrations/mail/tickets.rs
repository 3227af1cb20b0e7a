//! Replies to customers by e-mail: a public reply an agent writes on a
//! ticket goes to the ticket's requester, with a `Message-ID` of its own
//! that the outbox keeps with the ticket, so the customer's answer (which
//! names it in `In-Reply-To`/`References`) threads back onto the ticket;
//! its `Reply-To` is the tenant's support address with a token, which
//! threads the answer too when a mail program drops those headers.

use serde_json::Value;
use uuid::Uuid;

use super::templates::{Mail, esc};
use super::{Addresses, org};
use crate::domain::tenant::Tenant;
use crate::storage::{StorageError, TenantTx, files, records, settings};
use crate::tenants::branding::Branding;

/// The domain of our own `Message-ID`s: the sender's.
fn domain(a: &Addresses) -> String {
    a.from
        .parse::<lettre::message::Mailbox>()
        .map(|m| m.email.domain().to_owned())
        .unwrap_or_else(|_| "mandant.invalid".into())
}

/// Attachments sent along with a reply, in all at most this many bytes;
/// beyond it the customer is told to find them in the portal.
const MAX_ATTACHED: i64 = 10 * 1024 * 1024;

/// The mail of `comment` (a `comment.created` event's data) to the
/// requester of `ticket`, when it is a public reply by staff and the
/// requester has an address: (recipient, message). Composed by the notices
/// follower in its transaction, so a reply is queued exactly once, however
/// the node that wrote it fared.
pub async fn reply_to_requester(
    tx: &mut TenantTx,
    tenant: &Tenant,
    branding: &Branding,
    a: &Addresses,
    ticket: Uuid,
    comment: &Value,
) -> Result<Option<(String, Mail)>, StorageError> {
    if comment.get("internal") != Some(&Value::Bool(false))
        || comment.get("author_kind").and_then(Value::as_str) != Some("staff")
    {
        return Ok(None);
    }
    let body = comment.get("body").and_then(Value::as_str).unwrap_or("");
    let author = comment
        .get("author_name")
        .and_then(Value::as_str)
        .unwrap_or("");
    let Some(t) = records::get(tx, "ticket", ticket).await? else {
        return Ok(None);
    };
    let requester = t
        .data
        .0
        .get("requester_id")
        .and_then(Value::as_str)
        .and_then(|s| Uuid::parse_str(s).ok());
    let contact = match requester {
        Some(id) => records::get(tx, "contact", id).await?,
        None => None,
    };
    let Some(to) = contact
        .as_ref()
        .and_then(|c| c.data.0.get("email"))
        .and_then(Value::as_str)
        .filter(|e| !e.is_empty())
        .map(str::to_owned)
    else {
        return Ok(None);
    };
    let mail_settings: super::reply_address::MailSettings = settings::read(tx).await?;
    // Only the tenant's own support address: a Reply-To on the server's
    // sender would be a mailbox every tenant shares, with nothing in it
    // to say whose hook an answer belongs to. Without one, answers go to
    // the sender and thread by In-Reply-To. The token is random and
    // single-purpose: only who received this reply can answer through it.
    let reply_to = mail_settings
        .reply_address
        .and_then(|base| super::reply_address::tokened(&base, &crate::secret::random_hex(8)));
    let org = org(tenant, branding);
    let (attachments, too_big) = attachments(tx, comment).await?;
    let subject = t
        .data
        .0
        .get("subject")
        .and_then(Value::as_str)
        .unwrap_or("");
    let mail = Mail {
        kind: "ticket_reply",
        subject: format!("Re: {subject}"),
        text: format!("{body}{too_big}\n\n-- \n{author}, {org}\n"),
        html: format!(
            "<!doctype html><html><body style=\"font-family:system-ui,sans-serif\">\
             <div style=\"white-space:pre-wrap\">{}{}</div><p>— {}, {}</p></body></html>",
            esc(body),
            esc(&too_big),
            esc(author),
            esc(&org)
        ),
        message_id: Some(format!(
            "{}.{}@{}",
            Uuid::now_v7().simple(),
            crate::secret::random_hex(8),
            domain(a)
        )),
        ticket_id: Some(ticket),
        reply_to,
        attachments,
    };
    Ok(Some((to, mail)))
}

/// The reply's files to send along (those still there, up to
/// [`MAX_ATTACHED`] in all), and a line naming the rest.
async fn attachments(
    tx: &mut TenantTx,
    comment: &Value,
) -> Result<(Vec<Uuid>, String), StorageError> {
    let mut sent = Vec::new();
    let mut left = Vec::new();
    let mut total = 0;
    for a in comment
        .get("attachments")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let Some(f) = a
            .get("id")
            .and_then(Value::as_str)
            .and_then(|s| Uuid::parse_str(s).ok())
        else {
            continue;
        };
        let Some(f) = files::get(tx, f).await? else {
            continue;
        };
        if total + f.size <= MAX_ATTACHED {
            total += f.size;
            sent.push(f.id);
        } else {
            left.push(f.name);
        }
    }
    let note = if left.is_empty() {
        String::new()
    } else {
        format!(
            "\n\n(Too large to send by e-mail, waiting for you in the portal: {})",
            left.join(", ")
        )
    };
    Ok((sent, note))
}

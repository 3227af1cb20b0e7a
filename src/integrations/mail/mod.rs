//! E-mail out: messages are queued in the tenant's outbox in a
//! transaction (`queue`), and the `mailer` sends them over SMTP with
//! retries and a per-tenant rate. The account flows that send links
//! (password reset, invitation) live here, above identity and branding.

pub mod inbound;
pub mod mailer;
pub mod notices;
pub mod reply_address;
pub mod templates;
pub mod tickets;

use chrono::{DateTime, TimeDelta, Utc};
use serde_json::json;
use uuid::Uuid;

use crate::domain::tenant::Tenant;
use crate::identity::AuthError;
use crate::identity::recovery::{self, Purpose};
use crate::storage::mail::{self as outbox, MailRow};
use crate::storage::{StorageError, TenantDb, TenantTx, account_tokens, settings, users};
use crate::tenants::branding::Branding;
use templates::Mail;

/// Where links in mail point, and who mail is from.
#[derive(Debug, Clone)]
pub struct Addresses {
    /// The web app's origin as people reach it (`https://crm.example.com`).
    pub public_url: String,
    /// `Name <address>` or an address.
    pub from: String,
}

impl Addresses {
    pub fn of(config: &crate::config::Config) -> Self {
        Self {
            public_url: config.public_url(),
            from: config.mail_from.clone(),
        }
    }
}

fn place(id: Uuid) -> String {
    format!("mail_outbox.body:{id}")
}

/// Queues `mail` to `to` inside `tx`; it leaves with the transaction's
/// commit (or never).
pub async fn queue(
    tx: &mut TenantTx,
    db: &TenantDb,
    to: &str,
    mail: &Mail,
    now: DateTime<Utc>,
) -> Result<Uuid, StorageError> {
    let id = Uuid::now_v7();
    let body =
        json!({"text": mail.text, "html": mail.html, "attachments": mail.attachments}).to_string();
    outbox::insert(
        tx,
        &MailRow {
            id,
            kind: mail.kind.to_owned(),
            to_addr: to.to_owned(),
            subject: mail.subject.clone(),
            body: Some(db.keys()?.seal(&place(id), &body)?),
            status: "queued".into(),
            attempts: 0,
            next_attempt_at: now,
            last_error: None,
            created_at: now,
            sent_at: None,
            message_id: mail.message_id.clone(),
            ticket_id: mail.ticket_id,
            reply_to: mail.reply_to.as_ref().map(|r| r.to_lowercase()),
        },
    )
    .await?;
    Ok(id)
}

/// A queued message's content, opened.
pub struct Body {
    pub text: String,
    pub html: String,
    /// Files to send along.
    pub attachments: Vec<Uuid>,
}

/// The sealed body of a queued message, opened.
pub async fn open_body(db: &TenantDb, m: &MailRow) -> Result<Body, StorageError> {
    let Some(stored) = &m.body else {
        return Err(StorageError::Corrupt(
            "a queued message without a body".into(),
        ));
    };
    let v: serde_json::Value = serde_json::from_str(&db.open_sealed(&place(m.id), stored).await?)
        .map_err(|e| StorageError::Corrupt(format!("mail body: {e}")))?;
    let part = |k: &str| v.get(k).and_then(|s| s.as_str()).unwrap_or("").to_owned();
    let attachments = v
        .get("attachments")
        .and_then(|a| a.as_array())
        .into_iter()
        .flatten()
        .filter_map(|i| i.as_str().and_then(|s| Uuid::parse_str(s).ok()))
        .collect();
    Ok(Body {
        text: part("text"),
        html: part("html"),
        attachments,
    })
}

fn link(a: &Addresses, tenant: &Tenant, token: &str) -> String {
    // The token rides in the fragment: browsers never send it to a server
    // or in a Referer.
    format!(
        "{}/t/{}/set-password#token={token}",
        a.public_url.trim_end_matches('/'),
        tenant.slug
    )
}

pub(crate) fn org(tenant: &Tenant, b: &Branding) -> String {
    b.display_name
        .clone()
        .unwrap_or_else(|| tenant.name.as_str().to_owned())
}

/// A password reset asked for with `email`: a link is sent when an active
/// account has that address, and nothing happens otherwise; the caller
/// answers the same either way. At most one link a minute per account.
/// `Some(id)` of the queued message, for the caller's log.
pub async fn request_reset(
    db: &TenantDb,
    tenant: &Tenant,
    a: &Addresses,
    email: &str,
) -> Result<Option<Uuid>, AuthError> {
    let now = db.clock().now();
    let mut tx = db.begin().await?;
    let Some(user) = recovery::account(&mut tx, email).await? else {
        tx.rollback().await?;
        return Ok(None);
    };
    let kind = Purpose::Reset.as_str();
    if account_tokens::issued_since(&mut tx, user.id, kind, now - TimeDelta::minutes(1)).await? {
        tx.rollback().await?;
        return Ok(None);
    }
    let branding: Branding = settings::read(&mut tx).await?;
    let token = recovery::issue(&mut tx, user.id, Purpose::Reset, now).await?;
    let mail = templates::with_link(
        kind,
        &branding,
        &org(tenant, &branding),
        &user.name,
        &link(a, tenant, &token),
    );
    let id = queue(&mut tx, db, &user.email, &mail, now).await?;
    tx.commit().await?;
    Ok(Some(id))
}

/// Sends `user` an invitation to set their password (a new colleague, or
/// a resend). Earlier links stop working.
pub async fn invite(
    db: &TenantDb,
    tenant: &Tenant,
    a: &Addresses,
    user: Uuid,
) -> Result<Uuid, AuthError> {
    let now = db.clock().now();
    let mut tx = db.begin().await?;
    let Some(u) = users::auth_by_id(&mut tx, user).await? else {
        return Err(AuthError::NotFound);
    };
    if u.status != "active" {
        return Err(AuthError::Conflict(
            "This user is disabled: enable them before inviting.".into(),
        ));
    }
    account_tokens::void_for_user(&mut tx, user, now).await?;
    let branding: Branding = settings::read(&mut tx).await?;
    let token = recovery::issue(&mut tx, user, Purpose::Invitation, now).await?;
    let mail = templates::with_link(
        Purpose::Invitation.as_str(),
        &branding,
        &org(tenant, &branding),
        &u.name,
        &link(a, tenant, &token),
    );
    let id = queue(&mut tx, db, &u.email, &mail, now).await?;
    tx.commit().await?;
    Ok(id)
}

/// The tenant's recent messages (without bodies), newest first.
pub async fn recent(db: &TenantDb, limit: i64) -> Result<Vec<MailRow>, StorageError> {
    let mut tx = db.begin_read().await?;
    let rows = outbox::recent(&mut tx, limit.clamp(1, 200)).await?;
    tx.rollback().await?;
    Ok(rows)
}

//! Sends the outbox over SMTP (lettre; STARTTLS or TLS as the URL says).
//! Every node runs one; a tenant's outbox is sent by one node at a time
//! (lease `mail`), at most `per_minute` messages a minute per tenant, so
//! one tenant's burst neither floods the relay nor delays another's
//! mail. A message that fails is tried again later (1 min, doubling, at
//! most an hour) for a day; a permanent refusal (5xx) ends it at once.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{TimeDelta, Utc};
use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::bus::{Bus, BusMessage};
use crate::domain::tenant::{Tenant, TenantId};
use crate::storage::mail::{self as outbox, MailRow};
use crate::storage::{StorageError, TenantDb, leases};
use crate::tenants::TenantService;

const POLL: Duration = Duration::from_secs(15);
const LEASE: TimeDelta = TimeDelta::seconds(60);
const GIVE_UP: TimeDelta = TimeDelta::hours(24);

#[derive(Debug, Clone)]
pub struct Settings {
    pub smtp_url: String,
    pub from: Mailbox,
    pub per_minute: usize,
}

/// The URL as lettre takes it: `smtp://` without a `tls` parameter uses
/// STARTTLS when the server offers it (lettre's default would be plain
/// text), `tls=none` asks for plain text, anything else goes as it is.
pub fn lettre_url(raw: &str) -> String {
    let Ok(mut url) = url::Url::parse(raw) else {
        return raw.to_owned();
    };
    if url.scheme() != "smtp" {
        return raw.to_owned();
    }
    let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    let tls = pairs
        .iter()
        .find(|(k, _)| k == "tls")
        .map(|(_, v)| v.as_str());
    let keep: Vec<&(String, String)> = match tls {
        Some("none") => pairs.iter().filter(|(k, _)| k != "tls").collect(),
        Some(_) => return raw.to_owned(),
        None => pairs.iter().collect(),
    };
    {
        let mut q = url.query_pairs_mut();
        q.clear();
        for (k, v) in &keep {
            q.append_pair(k, v);
        }
        if tls.is_none() {
            q.append_pair("tls", "opportunistic");
        }
    }
    if url.query() == Some("") {
        url.set_query(None);
    }
    url.to_string()
}

impl Settings {
    /// None without an SMTP server: mail then waits in the outbox.
    pub fn of(config: &crate::config::Config) -> Option<Self> {
        let url = config.smtp_url.as_ref()?;
        let from = config.mail_from.parse().ok()?;
        Some(Self {
            smtp_url: lettre_url(url.expose()),
            from,
            per_minute: config.mail_per_minute.max(1),
        })
    }
}

pub struct Mailer {
    tenants: TenantService,
    transport: AsyncSmtpTransport<Tokio1Executor>,
    settings: Settings,
    holder: String,
    /// When each tenant's last messages went: the rate window.
    sent: HashMap<TenantId, VecDeque<Instant>>,
}

impl Mailer {
    /// Runs until `stop` turns true (or its sender is gone).
    pub async fn run(
        tenants: TenantService,
        bus: Bus,
        settings: Settings,
        mut stop: tokio::sync::watch::Receiver<bool>,
    ) {
        // A connection per message (no pool): a few a minute per tenant do
        // not need one, and a pool's drop needs a runtime at shutdown.
        let transport = match AsyncSmtpTransport::<Tokio1Executor>::from_url(&settings.smtp_url) {
            Ok(b) => b.timeout(Some(Duration::from_secs(20))).build(),
            Err(e) => {
                tracing::error!(error = %e, "MANDANT_SMTP_URL is not usable; e-mail stays queued");
                return;
            }
        };
        let mut me = Mailer {
            tenants,
            transport,
            settings,
            holder: bus.node_id().to_string(),
            sent: HashMap::new(),
        };
        let mut heard = bus.subscribe();
        let mut tick = tokio::time::interval(POLL);
        loop {
            tokio::select! {
                _ = stop.changed() => return,
                _ = tick.tick() => me.send_all().await,
                m = heard.recv() => match m {
                    Ok(m) => {
                        if let BusMessage::MailQueued { tenant_id } = &*m {
                            me.send_tenant(*tenant_id).await;
                        }
                    }
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => me.send_all().await,
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
                },
            }
            if stop.has_changed().is_err() || *stop.borrow() {
                return;
            }
        }
    }

    async fn send_all(&mut self) {
        let Ok(list) = self.tenants.list().await else {
            return;
        };
        for t in list {
            self.send_for(Arc::new(t)).await;
        }
    }

    async fn send_tenant(&mut self, id: TenantId) {
        if let Ok(list) = self.tenants.list().await
            && let Some(t) = list.into_iter().find(|t| t.id == id)
        {
            self.send_for(Arc::new(t)).await;
        }
    }

    /// How many more messages `t` may send this minute.
    fn allowance(&mut self, t: TenantId) -> usize {
        let window = self.sent.entry(t).or_default();
        while window
            .front()
            .is_some_and(|at| at.elapsed() > Duration::from_secs(60))
        {
            window.pop_front();
        }
        self.settings.per_minute.saturating_sub(window.len())
    }

    async fn send_for(&mut self, t: Arc<Tenant>) {
        let room = self.allowance(t.id);
        if room == 0 {
            return;
        }
        let Ok(db) = self.tenants.storage().tenant_db(&t).await else {
            return;
        };
        if let Err(e) = self.send_due(&t, &db, room).await {
            tracing::warn!(tenant = %t.slug, error = %e, "sending mail failed");
        }
    }

    async fn send_due(
        &mut self,
        t: &Tenant,
        db: &TenantDb,
        room: usize,
    ) -> Result<(), StorageError> {
        let now = db.clock().now();
        let mut tx = db.begin().await?;
        let mine = leases::take(
            &mut tx,
            "mail",
            &self.holder,
            Utc::now(),
            Utc::now() + LEASE,
        )
        .await?;
        let due = if mine {
            outbox::due(&mut tx, now, room as i64).await?
        } else {
            Vec::new()
        };
        tx.commit().await?;
        for m in due {
            let outcome = self.send_one(db, &m).await;
            self.sent.entry(t.id).or_default().push_back(Instant::now());
            let mut tx = db.begin().await?;
            match outcome {
                Ok(()) => outbox::sent(&mut tx, m.id, db.clock().now()).await?,
                Err((error, permanent)) => {
                    let next = retry_at(&m, db.clock().now(), permanent);
                    if next.is_none() {
                        tracing::warn!(tenant = %t.slug, mail = %m.id, error, "gave up on a message");
                    }
                    outbox::failed(&mut tx, m.id, &error, next).await?
                }
            }
            tx.commit().await?;
        }
        Ok(())
    }

    /// Sends one message; the error says whether the server refused it
    /// for good.
    async fn send_one(&self, db: &TenantDb, m: &MailRow) -> Result<(), (String, bool)> {
        let body = super::open_body(db, m)
            .await
            .map_err(|e| (e.to_string(), true))?;
        let to: Mailbox = m
            .to_addr
            .parse()
            .map_err(|e| (format!("recipient: {e}"), true))?;
        let mut builder = Message::builder()
            .from(self.settings.from.clone())
            .to(to)
            .subject(m.subject.clone());
        if let Some(id) = &m.message_id {
            builder = builder.message_id(Some(format!("<{id}>")));
        }
        if let Some(r) = m
            .reply_to
            .as_deref()
            .and_then(|r| r.parse::<Mailbox>().ok())
        {
            builder = builder.reply_to(r);
        }
        let mut content = MultiPart::alternative_plain_html(body.text, body.html);
        if !body.attachments.is_empty() {
            let mut mixed = MultiPart::mixed().multipart(content);
            for id in &body.attachments {
                // A file deleted since the reply is not sent; a store that
                // cannot answer is tried again with the message.
                let Some((name, kind, bytes)) = attachment(db, *id)
                    .await
                    .map_err(|e| (e.to_string(), false))?
                else {
                    continue;
                };
                let kind = ContentType::parse(&kind).unwrap_or_else(|_| {
                    ContentType::parse("application/octet-stream")
                        .unwrap_or(ContentType::TEXT_PLAIN)
                });
                mixed = mixed.singlepart(Attachment::new(name).body(bytes, kind));
            }
            content = mixed;
        }
        let message = builder
            .multipart(content)
            .map_err(|e| (e.to_string(), true))?;
        match self.transport.send(message).await {
            Ok(_) => Ok(()),
            Err(e) => Err((e.to_string(), e.is_permanent())),
        }
    }
}

/// When to try `m` again after a failure at `now`; None: give up.
fn retry_at(
    m: &MailRow,
    now: chrono::DateTime<Utc>,
    permanent: bool,
) -> Option<chrono::DateTime<Utc>> {
    if permanent || now - m.created_at >= GIVE_UP {
        return None;
    }
    let minutes = 1i64 << m.attempts.clamp(0, 6);
    Some(now + TimeDelta::minutes(minutes.min(60)))
}

/// A file to send along: its name, type and bytes; `None` once deleted.
async fn attachment(
    db: &TenantDb,
    id: uuid::Uuid,
) -> Result<Option<(String, String, Vec<u8>)>, StorageError> {
    let mut tx = db.begin_read().await?;
    let row = crate::storage::files::get(&mut tx, id).await?;
    tx.rollback().await?;
    let Some(f) = row else {
        return Ok(None);
    };
    let bytes = match crate::files::sealed::read_all(db, f.id, f.size as u64).await {
        Ok(b) => b,
        Err(StorageError::NotFound) => return Ok(None),
        Err(e) => return Err(e),
    };
    Ok(Some((f.name, f.content_type, bytes)))
}

#[cfg(test)]
mod tests {
    use super::lettre_url;

    #[test]
    fn starttls_is_used_when_offered_unless_plain_text_is_asked_for() {
        assert_eq!(
            lettre_url("smtp://127.0.0.1:2525"),
            "smtp://127.0.0.1:2525?tls=opportunistic"
        );
        assert_eq!(
            lettre_url("smtp://u:p@mx.example:587?tls=required"),
            "smtp://u:p@mx.example:587?tls=required"
        );
        assert_eq!(
            lettre_url("smtp://mx.example:25?tls=none"),
            "smtp://mx.example:25"
        );
        assert_eq!(lettre_url("smtps://mx.example"), "smtps://mx.example");
    }
}

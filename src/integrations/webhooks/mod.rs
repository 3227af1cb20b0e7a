//! Webhooks: endpoints a tenant admin registers, delivered from the event
//! log (the outbox) by `dispatcher`, at least once and in order per
//! endpoint, signed as Standard Webhooks says (`signing`), only to
//! addresses the operator's rules allow (`address`), each event as the
//! endpoint's role may read it through the API.

pub mod address;
pub mod dispatcher;
pub mod sender;
pub mod signing;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use url::Url;
use uuid::Uuid;

use crate::actors::topics::Topic;
use crate::domain::tenant::Tenant;
use crate::domain::{FieldError, Validation};
use crate::identity::admin::check_delegated_role;
use crate::identity::{AuthError, Principal, Via};
use crate::records::events::EventView;
use crate::records::schema::by_kind;
use crate::storage::audit_log::{self, Actor, NewEntry};
use crate::storage::webhooks::{self as store, DeliveryRow, WebhookRow};
use crate::storage::{StorageError, TenantDb, TenantTx, events};

pub use address::{Network, Policy};
pub use dispatcher::{Dispatcher, Settings};

/// Kinds of events that are not records but may still be subscribed to.
pub const OTHER_KINDS: &[&str] = &["comment", "custom_field", "export"];
const MAX_PATTERNS: usize = 50;
/// How long a rotated-out secret still signs, so receivers can switch.
const ROTATION_GRACE_HOURS: i64 = 24;

/// An endpoint as admins see it (never its secret).
#[derive(Debug, Clone, Serialize)]
pub struct Webhook {
    pub id: Uuid,
    pub url: String,
    pub description: String,
    pub event_types: Vec<String>,
    pub topics: Vec<String>,
    pub role: String,
    pub created_by: Uuid,
    pub enabled: bool,
    pub disabled_reason: Option<String>,
    /// Why, as a code: `admin`, `failures` (a day of them) or
    /// `maker_inactive` (the user who made it is gone).
    pub disabled_cause: Option<String>,
    /// The last event number delivered (or skipped as not wanted).
    pub delivered_seq: i64,
    /// Failed attempts at the current event.
    pub attempts: i32,
    pub failing_since: Option<DateTime<Utc>>,
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// Until when the previous secret still signs, after a rotation.
    pub previous_secret_until: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<&WebhookRow> for Webhook {
    fn from(r: &WebhookRow) -> Self {
        let list = |s: &str| serde_json::from_str::<Vec<String>>(s).unwrap_or_default();
        Webhook {
            id: r.id,
            url: r.url.clone(),
            description: r.description.clone(),
            event_types: list(&r.event_types),
            topics: list(&r.topics),
            role: r.role.clone(),
            created_by: r.created_by,
            enabled: r.enabled,
            disabled_reason: r.disabled_reason.clone(),
            disabled_cause: r.disabled_cause.clone(),
            delivered_seq: r.delivered_seq,
            attempts: r.attempts,
            failing_since: r.failing_since,
            next_attempt_at: r.next_attempt_at,
            previous_secret_until: r.previous_until,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

/// A new endpoint, with its secret: shown in this answer and after a
/// rotation only.
#[derive(Debug, Serialize)]
pub struct WithSecret {
    #[serde(flatten)]
    pub webhook: Webhook,
    pub secret: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookInput {
    pub url: Option<String>,
    pub description: Option<String>,
    pub event_types: Option<Vec<String>>,
    pub topics: Option<Vec<String>>,
    pub role: Option<String>,
    pub enabled: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReplayInput {
    /// Deliver again every event after this number.
    #[serde(deserialize_with = "crate::domain::present::integer")]
    pub since: i64,
}

/// The filters of one endpoint, parsed.
#[derive(Debug, Clone)]
pub struct Filter {
    patterns: Vec<String>,
    topics: Vec<Topic>,
}

impl Filter {
    pub fn of(row: &WebhookRow) -> Filter {
        let w = Webhook::from(row);
        Filter {
            patterns: w.event_types,
            topics: w.topics.iter().filter_map(|t| Topic::parse(t)).collect(),
        }
    }

    /// Does the endpoint take this event (as its role sees it)?
    pub fn wants(&self, e: &EventView) -> bool {
        let type_ok = self.patterns.iter().any(|p| {
            p == "*"
                || p == &e.event_type
                || p.strip_suffix(".*")
                    .is_some_and(|k| e.event_type.split('.').next() == Some(k))
        });
        type_ok
            && (self.topics.is_empty()
                || self
                    .topics
                    .iter()
                    .any(|t| t.matches(&e.kind, e.record_id, &e.data)))
    }
}

/// The body of one event's delivery: Standard Webhooks' `type`,
/// `timestamp` and `data`, with the log's number and the record's id.
pub fn payload(e: &EventView) -> Value {
    json!({
        "type": e.event_type,
        "timestamp": e.at,
        "seq": e.seq,
        "kind": e.kind,
        "record_id": e.record_id,
        "actor": e.actor,
        "data": e.data,
    })
}

fn check_url(v: &mut Validation, policy: &Policy, raw: &str) -> Option<Url> {
    if raw.len() > 2000 || raw.contains('\0') {
        v.push(FieldError::new(
            "url",
            "must be a URL of at most 2000 characters",
        ));
        return None;
    }
    match Url::parse(raw) {
        Ok(u) => match policy.check_url(&u) {
            Ok(()) => Some(u),
            Err(e) => {
                v.push(FieldError::new("url", e.to_string()));
                None
            }
        },
        Err(_) => {
            v.push(FieldError::new("url", "is not an absolute URL"));
            None
        }
    }
}

fn check_patterns(v: &mut Validation, list: &[String]) {
    if list.is_empty() || list.len() > MAX_PATTERNS {
        v.push(FieldError::new(
            "event_types",
            format!("give 1 to {MAX_PATTERNS} event types (\"*\" for all)"),
        ));
    }
    for p in list {
        let kind = p.split('.').next().unwrap_or("");
        let known = by_kind(kind).is_some() || OTHER_KINDS.contains(&kind);
        let shape = p == "*"
            || (p.len() <= 100
                && p.split('.').count() == 2
                && p.chars()
                    .all(|c| c.is_ascii_lowercase() || c == '_' || c == '.' || c == '*')
                && (!p.contains('*') || p.ends_with(".*")));
        if !(p == "*" || (shape && known)) {
            v.push(FieldError::new(
                "event_types",
                format!(
                    "{p:?} is not an event type: use \"<kind>.<action>\", \"<kind>.*\" or \"*\""
                ),
            ));
        }
    }
}

fn check_topics(v: &mut Validation, list: &[String]) {
    if list.len() > MAX_PATTERNS {
        v.push(FieldError::new("topics", format!("at most {MAX_PATTERNS}")));
    }
    for t in list {
        if !Topic::parse(t).is_some_and(|t| !matches!(t, Topic::Dashboard(_))) {
            v.push(FieldError::new(
                "topics",
                format!(
                    "{:?} is not a topic of records",
                    t.chars().take(60).collect::<String>()
                ),
            ));
        }
    }
}

fn check_description(v: &mut Validation, d: &str) {
    if d.chars().count() > 500 || d.contains('\0') {
        v.push(FieldError::new(
            "description",
            "at most 500 characters, no NUL",
        ));
    }
}

async fn trail(
    tx: &mut TenantTx,
    actor: Actor,
    action: &str,
    id: Uuid,
    detail: Value,
) -> Result<(), StorageError> {
    audit_log::append(
        tx,
        &NewEntry {
            action,
            actor,
            kind: Some("webhook"),
            record_id: Some(id),
            detail,
        },
    )
    .await?;
    Ok(())
}

fn place(id: Uuid) -> String {
    format!("webhooks.secret:{id}")
}

pub async fn list(db: &TenantDb) -> Result<Vec<Webhook>, AuthError> {
    let mut tx = db.begin_read().await?;
    let rows = store::list(&mut tx).await?;
    tx.rollback().await?;
    Ok(rows.iter().map(Webhook::from).collect())
}

pub async fn get(db: &TenantDb, id: Uuid) -> Result<Webhook, AuthError> {
    let mut tx = db.begin_read().await?;
    let row = store::get(&mut tx, id).await?;
    tx.rollback().await?;
    row.as_ref().map(Webhook::from).ok_or(AuthError::NotFound)
}

/// Registers an endpoint. It starts at the log's head: it receives what
/// happens from now on (replay reaches back).
pub async fn create(
    db: &TenantDb,
    policy: &Policy,
    actor: &Principal,
    input: &WebhookInput,
) -> Result<WithSecret, AuthError> {
    let mut v = Validation::default();
    let url = match &input.url {
        Some(u) => check_url(&mut v, policy, u),
        None => {
            v.push(FieldError::new("url", "is required"));
            None
        }
    };
    if let Some(u) = &url {
        check_resolves(&mut v, policy, u).await;
    }
    let types = input
        .event_types
        .clone()
        .unwrap_or_else(|| vec!["*".into()]);
    check_patterns(&mut v, &types);
    let topics = input.topics.clone().unwrap_or_default();
    check_topics(&mut v, &topics);
    let description = input.description.clone().unwrap_or_default();
    check_description(&mut v, &description);
    let Some(role) = input.role.clone() else {
        v.push(FieldError::new(
            "role",
            "is required: the role whose field rules the payloads obey",
        ));
        return Err(AuthError::Validation(v.finish().err().unwrap_or_default()));
    };
    let mut tx = db.begin().await?;
    check_delegated_role(&mut tx, actor, &role, v).await?;
    let (id, now, secret) = (Uuid::now_v7(), db.clock().now(), signing::new_secret());
    let row = WebhookRow {
        id,
        url: url.map(String::from).unwrap_or_default(),
        description,
        event_types: json!(types).to_string(),
        topics: json!(topics).to_string(),
        role,
        created_by: actor.user_id,
        secret: db
            .keys()?
            .seal(&place(id), &secret)
            .map_err(StorageError::from)?,
        previous_secret: None,
        previous_until: None,
        enabled: input.enabled.unwrap_or(true),
        disabled_reason: None,
        disabled_cause: None,
        delivered_seq: events::head(&mut tx).await?,
        attempts: 0,
        failing_since: None,
        next_attempt_at: None,
        created_at: now,
        updated_at: now,
    };
    store::insert(&mut tx, &row).await?;
    trail(
        &mut tx,
        actor.audit_actor(),
        "webhook.created",
        id,
        json!({"url": row.url, "role": row.role, "event_types": types, "topics": topics}),
    )
    .await?;
    tx.commit().await?;
    Ok(WithSecret {
        webhook: Webhook::from(&row),
        secret,
    })
}

/// Changes an endpoint. Enabling it again clears its failure state: the
/// next attempt is at once, from where it stopped.
pub async fn update(
    db: &TenantDb,
    policy: &Policy,
    actor: &Principal,
    id: Uuid,
    input: &WebhookInput,
) -> Result<Webhook, AuthError> {
    let mut v = Validation::default();
    let url = input.url.as_ref().map(|u| check_url(&mut v, policy, u));
    if let Some(Some(u)) = &url {
        check_resolves(&mut v, policy, u).await;
    }
    if let Some(t) = &input.event_types {
        check_patterns(&mut v, t);
    }
    if let Some(t) = &input.topics {
        check_topics(&mut v, t);
    }
    if let Some(d) = &input.description {
        check_description(&mut v, d);
    }
    let mut tx = db.begin().await?;
    let mut row = store::get(&mut tx, id).await?.ok_or(AuthError::NotFound)?;
    match &input.role {
        Some(role) => check_delegated_role(&mut tx, actor, role, v).await?,
        None => v.finish().map_err(AuthError::Validation)?,
    }
    let mut changed = serde_json::Map::new();
    if let Some(Some(u)) = url {
        row.url = u.into();
        changed.insert("url".into(), json!(row.url));
    }
    if let Some(d) = &input.description {
        row.description = d.clone();
        changed.insert("description".into(), json!("changed"));
    }
    if let Some(t) = &input.event_types {
        row.event_types = json!(t).to_string();
        changed.insert("event_types".into(), json!(t));
    }
    if let Some(t) = &input.topics {
        row.topics = json!(t).to_string();
        changed.insert("topics".into(), json!(t));
    }
    if let Some(r) = &input.role {
        row.role = r.clone();
        changed.insert("role".into(), json!(r));
    }
    if let Some(e) = input.enabled {
        if e && !row.enabled {
            row.disabled_reason = None;
            row.disabled_cause = None;
            row.attempts = 0;
            row.failing_since = None;
            row.next_attempt_at = None;
        }
        if !e && row.enabled {
            row.disabled_reason = Some("disabled by an admin".into());
            row.disabled_cause = Some("admin".into());
        }
        row.enabled = e;
        changed.insert("enabled".into(), json!(e));
    }
    row.updated_at = db.clock().now();
    store::update(&mut tx, &row).await?;
    trail(
        &mut tx,
        actor.audit_actor(),
        "webhook.updated",
        id,
        Value::Object(changed),
    )
    .await?;
    tx.commit().await?;
    Ok(Webhook::from(&row))
}

pub async fn delete(db: &TenantDb, actor: &Principal, id: Uuid) -> Result<(), AuthError> {
    let mut tx = db.begin().await?;
    store::delete(&mut tx, id).await.map_err(|e| match e {
        StorageError::NotFound => AuthError::NotFound,
        other => other.into(),
    })?;
    trail(
        &mut tx,
        actor.audit_actor(),
        "webhook.deleted",
        id,
        json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A new secret; the previous one keeps signing beside it for a day, so
/// receivers can take the new one without missing a delivery.
pub async fn rotate_secret(
    db: &TenantDb,
    actor: &Principal,
    id: Uuid,
) -> Result<WithSecret, AuthError> {
    let mut tx = db.begin().await?;
    let mut row = store::get(&mut tx, id).await?.ok_or(AuthError::NotFound)?;
    let secret = signing::new_secret();
    let now = db.clock().now();
    row.previous_secret = Some(row.secret.clone());
    row.previous_until = Some(now + chrono::TimeDelta::hours(ROTATION_GRACE_HOURS));
    row.secret = db
        .keys()?
        .seal(&place(id), &secret)
        .map_err(StorageError::from)?;
    row.updated_at = now;
    store::update(&mut tx, &row).await?;
    trail(
        &mut tx,
        actor.audit_actor(),
        "webhook.secret_rotated",
        id,
        json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok(WithSecret {
        webhook: Webhook::from(&row),
        secret,
    })
}

/// Delivers again every event after `since` (from the log as it is: what
/// retention trimmed is gone).
pub async fn replay(
    db: &TenantDb,
    actor: &Principal,
    id: Uuid,
    since: i64,
) -> Result<Webhook, AuthError> {
    let mut tx = db.begin().await?;
    let mut row = store::get(&mut tx, id).await?.ok_or(AuthError::NotFound)?;
    let head = events::head(&mut tx).await?;
    if !(0..=head).contains(&since) {
        return Err(AuthError::Validation(vec![FieldError::new(
            "since",
            format!("must be between 0 and the log's head, {head}"),
        )]));
    }
    row.delivered_seq = since;
    row.attempts = 0;
    row.failing_since = None;
    row.next_attempt_at = None;
    row.updated_at = db.clock().now();
    store::update(&mut tx, &row).await?;
    trail(
        &mut tx,
        actor.audit_actor(),
        "webhook.replayed",
        id,
        json!({"since": since}),
    )
    .await?;
    tx.commit().await?;
    Ok(Webhook::from(&row))
}

/// The endpoint's delivery log, newest first.
pub async fn deliveries(
    db: &TenantDb,
    id: Uuid,
    before: Option<Uuid>,
    limit: i64,
) -> Result<(Vec<DeliveryRow>, Option<Uuid>), AuthError> {
    let mut tx = db.begin_read().await?;
    store::get(&mut tx, id).await?.ok_or(AuthError::NotFound)?;
    let limit = limit.clamp(1, 200);
    let mut rows = store::deliveries(&mut tx, id, before, limit + 1).await?;
    tx.rollback().await?;
    let next = (rows.len() as i64 > limit).then(|| {
        rows.truncate(limit as usize);
        rows.last().map(|r| r.id)
    });
    Ok((rows, next.flatten()))
}

/// The secrets that sign now: the current one, and the previous one
/// during its grace.
pub async fn signing_secrets(
    db: &TenantDb,
    row: &WebhookRow,
    now: DateTime<Utc>,
) -> Result<Vec<String>, StorageError> {
    let mut out = vec![db.open_sealed(&place(row.id), &row.secret).await?];
    if let (Some(prev), Some(until)) = (&row.previous_secret, row.previous_until)
        && until > now
    {
        out.push(db.open_sealed(&place(row.id), prev).await?);
    }
    Ok(out)
}

/// Who the endpoint reads the log as: its role, within what its maker
/// holds now (None: the maker is gone).
pub async fn principal(
    tenant: &Tenant,
    db: &TenantDb,
    row: &WebhookRow,
) -> Result<Option<Principal>, StorageError> {
    crate::identity::service::delegated_principal(
        tenant,
        db,
        row.created_by,
        &row.role,
        Via::Webhook(row.id),
        "webhook",
    )
    .await
}

/// Sends a `webhook.ping` now and answers what became of it (also kept in
/// the delivery log). Not part of the endpoint's order: it has its own id.
pub async fn ping(
    db: &TenantDb,
    settings: &dispatcher::Settings,
    id: Uuid,
) -> Result<DeliveryRow, AuthError> {
    let mut tx = db.begin_read().await?;
    let row = store::get(&mut tx, id).await?.ok_or(AuthError::NotFound)?;
    tx.rollback().await?;
    let now = db.clock().now();
    let body = json!({"type": "webhook.ping", "timestamp": now, "data": {"webhook_id": id}});
    let message = format!("ping_{}", Uuid::now_v7().simple());
    let sender = sender::Sender::new(settings.policy.clone(), settings.timeout);
    Ok(
        dispatcher::attempt_with(db, &sender, &row, &message, None, "webhook.ping", &body, 1)
            .await?,
    )
}

/// Forgets delivery attempts older than a week (the hourly upkeep).
pub async fn trim_log(db: &TenantDb) -> Result<u64, StorageError> {
    let mut tx = db.begin().await?;
    let n = store::trim_deliveries(&mut tx, db.clock().now() - chrono::TimeDelta::days(7)).await?;
    tx.commit().await?;
    Ok(n)
}

/// Refuses a host name that resolves to internal addresses only, so the
/// admin hears it when saving rather than in the delivery log. A name that
/// does not resolve yet is accepted: it is checked again at each delivery.
async fn check_resolves(v: &mut Validation, policy: &Policy, url: &Url) {
    let (Some(url::Host::Domain(host)), Some(port)) = (url.host(), url.port_or_known_default())
    else {
        return;
    };
    let found = tokio::time::timeout(
        std::time::Duration::from_secs(3),
        policy.resolve(host, port),
    )
    .await;
    if let Ok(Err(e)) = found
        && e.kind() == std::io::ErrorKind::PermissionDenied
    {
        v.push(FieldError::new("url", format!("{host}: {e}")));
    }
}

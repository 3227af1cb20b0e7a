//! Users: list, read, create, change, delete; nobody changes a user who
//! holds more than they do.

use super::*;

#[derive(Debug, Serialize)]
pub struct UserView {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    pub kind: String,
    pub status: String,
    pub roles: Vec<String>,
    pub teams: Vec<Uuid>,
    pub created_at: chrono::DateTime<Utc>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewUserInput {
    #[serde(default, deserialize_with = "crate::domain::present::present")]
    pub email: Option<String>,
    #[serde(default, deserialize_with = "crate::domain::present::present")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "crate::domain::present::present")]
    pub password: Option<String>,
    #[serde(default, deserialize_with = "crate::domain::present::present")]
    pub kind: Option<String>,
    #[serde(default)]
    pub roles: Vec<String>,
    #[serde(default)]
    pub teams: Vec<Uuid>,
    /// Send an invitation to set a password instead of giving one.
    #[serde(default)]
    pub invite: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserPatch {
    #[serde(default, deserialize_with = "crate::domain::present::present")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "crate::domain::present::present")]
    pub status: Option<String>,
    #[serde(default, deserialize_with = "crate::domain::present::present")]
    pub roles: Option<Vec<String>>,
    #[serde(default, deserialize_with = "crate::domain::present::present")]
    pub teams: Option<Vec<Uuid>>,
    #[serde(default, deserialize_with = "crate::domain::present::present")]
    pub password: Option<String>,
}

/// Users as JSON objects the actor may see (scope of `users:read`, hidden fields removed).
pub async fn list_users(db: &TenantDb, actor: &Principal) -> Result<Vec<Value>, AuthError> {
    let mut tx = db.begin_read().await?;
    let all = users::list(&mut tx).await?;
    let (roles, teams) = users::all_memberships(&mut tx).await?;
    tx.rollback().await?;
    Ok(all
        .into_iter()
        .filter_map(|u| {
            let view = UserView {
                roles: roles
                    .iter()
                    .filter(|r| r.0 == u.id)
                    .map(|r| r.1.clone())
                    .collect(),
                teams: teams.iter().filter(|t| t.0 == u.id).map(|t| t.1).collect(),
                id: u.id,
                email: u.email,
                name: u.name,
                kind: u.kind,
                status: u.status,
                created_at: u.created_at,
            };
            visible_user(actor, view)
        })
        .collect())
}

/// The user as `actor` may see them, or `None` (outside their scope).
fn visible_user(actor: &Principal, view: UserView) -> Option<Value> {
    let meta = RecordMeta {
        people: vec![view.id],
        teams: view.teams.clone(),
    };
    match actor.decide("users:read", &meta) {
        Decision::Allow { hidden_fields } => {
            let mut v = serde_json::to_value(&view).ok()?;
            if let Some(o) = v.as_object_mut() {
                redact(o, hidden_fields);
            }
            Some(v)
        }
        Decision::Deny => None,
    }
}

pub async fn get_user(db: &TenantDb, actor: &Principal, id: Uuid) -> Result<Value, AuthError> {
    let mut tx = db.begin_read().await?;
    let view = load_view(&mut tx, id).await?;
    tx.rollback().await?;
    visible_user(actor, view).ok_or(AuthError::NotFound)
}

async fn load_view(tx: &mut TenantTx, id: Uuid) -> Result<UserView, AuthError> {
    let u = users::get(tx, id).await?.ok_or(AuthError::NotFound)?;
    Ok(UserView {
        roles: users::roles_of(tx, id).await?,
        teams: users::teams_of(tx, id).await?,
        id: u.id,
        email: u.email,
        name: u.name,
        kind: u.kind,
        status: u.status,
        created_at: u.created_at,
    })
}

pub async fn create_user(
    db: &TenantDb,
    actor: &Principal,
    input: &NewUserInput,
    c: &ClientInfo,
    max_users: Option<i64>,
) -> Result<UserView, AuthError> {
    let mut v = Validation::default();
    let email = match &input.email {
        Some(e) => v.check(Email::parse("email", e)),
        None => {
            v.push(FieldError::new("email", "is required"));
            None
        }
    };
    let name = match &input.name {
        Some(n) => check_name(&mut v, n),
        None => email
            .as_ref()
            .map(|e| e.as_str().split('@').next().unwrap_or_default().to_owned()),
    };
    let password = match (&input.password, input.invite) {
        (Some(_), true) => {
            v.push(FieldError::new(
                "password",
                "is set by the invited person: send either a password or invite",
            ));
            None
        }
        (Some(p), false) => v.check(Password::parse("password", p)),
        // Nobody knows this one: the invitation's link sets the real one.
        (None, true) => Password::parse("password", &crate::secret::random_hex(32)).ok(),
        (None, false) => {
            v.push(FieldError::new("password", "is required (or invite: true)"));
            None
        }
    };
    let kind = input
        .kind
        .clone()
        .unwrap_or_else(|| default_kind(&input.roles).into());
    if !KINDS.contains(&kind.as_str()) {
        v.push(FieldError::new(
            "kind",
            "must be staff, customer or supplier",
        ));
    }
    let mut tx = db.begin().await?;
    let set = role_set(&mut tx).await?;
    check_roles_exist(&mut v, &set, &input.roles, "roles");
    check_teams_exist(&mut tx, &mut v, &input.teams).await?;
    v.finish().map_err(AuthError::Validation)?;
    check_escalation(actor, &set, &input.roles, "roles")?;
    if let Some(max) = max_users
        && users::count(&mut tx).await? >= max
    {
        return Err(AuthError::QuotaExceeded(format!(
            "The plan allows {max} users; this tenant has reached it."
        )));
    }
    let (Some(email), Some(name), Some(password)) = (email, name, password) else {
        return Err(AuthError::Validation(vec![FieldError::new(
            "",
            "invalid user",
        )]));
    };
    let hash = password::hash(password).await?;
    let kind_static = KINDS
        .iter()
        .find(|k| **k == kind)
        .copied()
        .unwrap_or("staff");
    let id = users::insert(
        &mut tx,
        &NewUser {
            email,
            name,
            password_hash: hash,
            kind: kind_static,
            roles: input.roles.clone(),
        },
    )
    .await
    .map_err(|e| match e {
        StorageError::Conflict(_) => {
            AuthError::Conflict("A user with this email already exists.".into())
        }
        other => other.into(),
    })?;
    users::set_teams(&mut tx, id, &input.teams).await?;
    record(
        &mut tx,
        actor,
        c,
        "user.created",
        json!({"target": id, "roles": input.roles}),
    )
    .await?;
    let view = load_view(&mut tx, id).await?;
    tx.commit().await?;
    Ok(view)
}

pub async fn update_user(
    db: &TenantDb,
    actor: &Principal,
    id: Uuid,
    patch: &UserPatch,
    c: &ClientInfo,
) -> Result<UserView, AuthError> {
    let mut v = Validation::default();
    let name = patch.name.as_deref().and_then(|n| check_name(&mut v, n));
    if let Some(s) = &patch.status
        && s != "active"
        && s != "disabled"
    {
        v.push(FieldError::new("status", "must be active or disabled"));
    }
    let password = patch
        .password
        .as_deref()
        .and_then(|p| v.check(Password::parse("password", p)));
    let mut tx = db.begin().await?;
    let set = role_set(&mut tx).await?;
    if let Some(roles) = &patch.roles {
        check_roles_exist(&mut v, &set, roles, "roles");
    }
    if let Some(t) = &patch.teams {
        check_teams_exist(&mut tx, &mut v, t).await?;
    }
    v.finish().map_err(AuthError::Validation)?;
    let before = load_view(&mut tx, id).await?;
    // Nobody changes anything of a user who holds more than they do
    // (a password or status change is a takeover), and roles given must
    // be within reach too.
    if !covers(&actor.grants, &set.effective(&before.roles)) {
        return Err(AuthError::Forbidden(
            "This user holds permissions you do not hold; only someone who holds them may change the user.".into(),
        ));
    }
    if let Some(roles) = &patch.roles {
        check_escalation(actor, &set, roles, "roles")?;
    }
    let disabling = patch.status.as_deref() == Some("disabled") && before.status == "active";
    let losing_owner = before.roles.iter().any(|r| r == "owner")
        && (disabling
            || patch
                .roles
                .as_ref()
                .is_some_and(|r| !r.iter().any(|x| x == "owner")));
    if losing_owner && active_owners(&mut tx).await? <= 1 {
        return Err(AuthError::Conflict(
            "The tenant's last active owner cannot be removed.".into(),
        ));
    }
    users::update_profile(&mut tx, id, name.as_deref(), patch.status.as_deref()).await?;
    if let Some(roles) = &patch.roles {
        users::set_roles(&mut tx, id, roles).await?;
        if *roles != before.roles {
            record(
                &mut tx,
                actor,
                c,
                "user.roles_changed",
                json!({"target": id, "before": before.roles, "after": roles}),
            )
            .await?;
        }
    }
    if let Some(t) = &patch.teams {
        users::set_teams(&mut tx, id, t).await?;
    }
    if let Some(p) = password {
        users::set_password_hash_by_id(&mut tx, id, &password::hash(p).await?).await?;
        sessions::revoke_all_for_user(&mut tx, id, "password_changed").await?;
        record(
            &mut tx,
            actor,
            c,
            "user.password_changed",
            json!({"target": id}),
        )
        .await?;
    }
    if disabling {
        sessions::revoke_all_for_user(&mut tx, id, "user_disabled").await?;
        record(&mut tx, actor, c, "user.disabled", json!({"target": id})).await?;
    }
    let view = load_view(&mut tx, id).await?;
    tx.commit().await?;
    Ok(view)
}

async fn active_owners(tx: &mut TenantTx) -> Result<usize, AuthError> {
    let all = users::list(tx).await?;
    let (roles, _) = users::all_memberships(tx).await?;
    Ok(all
        .iter()
        .filter(|u| u.status == "active" && roles.iter().any(|r| r.0 == u.id && r.1 == "owner"))
        .count())
}

pub async fn delete_user(
    db: &TenantDb,
    actor: &Principal,
    id: Uuid,
    c: &ClientInfo,
) -> Result<(), AuthError> {
    let mut tx = db.begin().await?;
    let before = load_view(&mut tx, id).await?;
    if id == actor.user_id {
        return Err(AuthError::Conflict("You cannot delete yourself.".into()));
    }
    let set = role_set(&mut tx).await?;
    check_escalation(actor, &set, &before.roles, "roles")?;
    if before.roles.iter().any(|r| r == "owner") && active_owners(&mut tx).await? <= 1 {
        return Err(AuthError::Conflict(
            "The tenant's last active owner cannot be removed.".into(),
        ));
    }
    users::delete(&mut tx, id).await?;
    record(
        &mut tx,
        actor,
        c,
        "user.deleted",
        json!({"target": id, "email": before.email}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// What erasing a user did.
#[derive(Debug, Serialize)]
pub struct UserErasure {
    pub id: Uuid,
    /// `export.erased` for each export of them not yet fetched.
    #[serde(skip)]
    pub events: Vec<std::sync::Arc<crate::storage::events::EventRow>>,
    /// Sessions ended, on every device.
    pub sessions_ended: u64,
    /// Sign-in log entries that no longer say who or from where.
    pub sign_ins_forgotten: u64,
}

/// Erases a user (GDPR Art. 17) who has left: their name, e-mail,
/// password, second factor and team places go, their sessions end, and
/// the sign-in log forgets their address; the account stays, disabled and
/// named "Erased person", because the records they own, the comments they
/// wrote and the trail refer to its id. The same guards as deleting: not
/// oneself, not someone holding more than the actor, not the last owner.
/// A portal account that is a contact is erased with the contact
/// (`POST contacts/{id}/erase`), which also takes what they wrote.
pub async fn erase_user(
    db: &TenantDb,
    actor: &Principal,
    id: Uuid,
    c: &ClientInfo,
) -> Result<UserErasure, AuthError> {
    let mut tx = db.begin().await?;
    let before = load_view(&mut tx, id).await?;
    if id == actor.user_id {
        return Err(AuthError::Conflict("You cannot erase yourself.".into()));
    }
    if users::is_erased(&before.email) {
        return Err(AuthError::Conflict("This user was erased already.".into()));
    }
    let set = role_set(&mut tx).await?;
    if !covers(&actor.grants, &set.effective(&before.roles)) {
        return Err(AuthError::Forbidden(
            "This user holds permissions you do not; only someone who holds them may erase them."
                .into(),
        ));
    }
    if before.roles.iter().any(|r| r == "owner") && active_owners(&mut tx).await? <= 1 {
        return Err(AuthError::Conflict(
            "The tenant's last active owner cannot be erased.".into(),
        ));
    }
    if before.kind != "staff"
        && let Some(contact) =
            crate::storage::records::where_field(&mut tx, "contact", "user_id", &id.to_string())
                .await?
                .first()
    {
        return Err(AuthError::Conflict(format!(
            "This portal account is contact {}; erase the contact, which takes the account and what it wrote along.",
            contact.id
        )));
    }
    let sign_ins_forgotten = audit::forget(&mut tx, id, &before.email).await?;
    crate::storage::mail::forget_recipient(&mut tx, &before.email).await?;
    crate::storage::account_tokens::void_for_user(&mut tx, id, Utc::now()).await?;
    users::anonymise(&mut tx, id).await?;
    users::set_teams(&mut tx, id, &[]).await?;
    let sessions_ended = sessions::revoke_all_for_user(&mut tx, id, "erased").await?;
    let events = crate::storage::exports::forget_subject(&mut tx, id)
        .await?
        .into_iter()
        .map(std::sync::Arc::new)
        .collect();
    record(
        &mut tx,
        actor,
        c,
        "user.erased",
        json!({"target": id, "sessions_ended": sessions_ended, "sign_ins_forgotten": sign_ins_forgotten}),
    )
    .await?;
    tx.commit().await?;
    Ok(UserErasure {
        id,
        events,
        sessions_ended,
        sign_ins_forgotten,
    })
}

/// What a user sees of their own account beyond their principal.
pub struct Profile {
    pub name: String,
    pub mfa_enabled: bool,
}

/// The signed-in user's own account as stored now (`None`: an API key's
/// user, or one deleted since the session began).
pub async fn profile(db: &TenantDb, user: Uuid) -> Result<Option<Profile>, AuthError> {
    let mut tx = db.begin_read().await?;
    let u = users::auth_by_id(&mut tx, user).await?;
    tx.rollback().await?;
    Ok(u.map(|u| Profile {
        name: u.name,
        mfa_enabled: u.mfa_enabled,
    }))
}

/// Refuses a user the actor may not manage: unknown (404), or holding
/// more than the actor does (403). What an invitation checks first.
pub async fn check_user_manageable(
    db: &TenantDb,
    actor: &Principal,
    id: Uuid,
) -> Result<(), AuthError> {
    let mut tx = db.begin_read().await?;
    let set = role_set(&mut tx).await?;
    let target = load_view(&mut tx, id).await?;
    tx.rollback().await?;
    if covers(&actor.grants, &set.effective(&target.roles)) {
        Ok(())
    } else {
        Err(AuthError::Forbidden(
            "This user holds permissions you do not hold; only someone who holds them may invite the user.".into(),
        ))
    }
}

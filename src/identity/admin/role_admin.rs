//! Custom roles: list, create, change, delete, each checked on the
//! effective grants it would give (parents included).

use super::*;

#[derive(Debug, Serialize)]
pub struct RoleView {
    pub name: String,
    pub parent: Option<String>,
    pub description: String,
    pub builtin: bool,
    pub grants: Vec<GrantRow>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleInput {
    #[serde(default, deserialize_with = "crate::domain::present::present")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "crate::domain::present::present")]
    pub parent: Option<String>,
    #[serde(default, deserialize_with = "crate::domain::present::present")]
    pub description: Option<String>,
    #[serde(default, deserialize_with = "crate::domain::present::present")]
    pub grants: Option<Vec<GrantInput>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GrantInput {
    pub permission: String,
    #[serde(default, deserialize_with = "crate::domain::present::present")]
    pub scope: Option<String>,
    #[serde(default)]
    pub hidden_fields: Vec<String>,
}

pub async fn list_roles(db: &TenantDb) -> Result<Vec<RoleView>, AuthError> {
    let mut tx = db.begin_read().await?;
    let set = role_set(&mut tx).await?;
    tx.rollback().await?;
    let mut out: Vec<RoleView> = BUILTIN
        .iter()
        .map(|b| RoleView {
            name: b.name.into(),
            parent: b.parent.map(Into::into),
            description: b.description.into(),
            builtin: true,
            grants: if b.name == "owner" {
                crate::identity::builtin::owner_grants()
                    .map(|(p, s)| GrantRow {
                        permission: p.into(),
                        scope: s.as_str().into(),
                        hidden_fields: vec![],
                    })
                    .collect()
            } else {
                b.grants
                    .iter()
                    .map(|(p, s)| GrantRow {
                        permission: (*p).into(),
                        scope: s.as_str().into(),
                        hidden_fields: vec![],
                    })
                    .collect()
            },
        })
        .collect();
    let mut custom: Vec<_> = set.custom_roles().collect();
    custom.sort_by(|a, b| a.name.cmp(&b.name));
    out.extend(custom.into_iter().map(|r| RoleView {
        name: r.name.clone(),
        parent: r.parent.clone(),
        description: r.description.clone(),
        builtin: false,
        grants: r.grants.clone(),
    }));
    Ok(out)
}

fn valid_role_name(n: &str) -> bool {
    let mut c = n.chars();
    matches!(c.next(), Some('a'..='z'))
        && n.len() <= 40
        && c.all(|c| matches!(c, 'a'..='z' | '0'..='9' | '-' | '_'))
}

fn parse_grants(v: &mut Validation, grants: &[GrantInput]) -> Vec<GrantRow> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for (i, g) in grants.iter().enumerate() {
        let field = format!("grants[{i}]");
        let Some(spec) = permission::lookup(&g.permission) else {
            v.push(FieldError::new(
                format!("{field}.permission"),
                format!("unknown permission {:?}", g.permission),
            ));
            continue;
        };
        if !seen.insert(spec.name) {
            v.push(FieldError::new(
                format!("{field}.permission"),
                "listed twice",
            ));
            continue;
        }
        let scope = match g.scope.as_deref() {
            None => Scope::All,
            Some(s) => match Scope::parse(s) {
                Some(sc) => sc,
                None => {
                    v.push(FieldError::new(
                        format!("{field}.scope"),
                        "must be own, team or all",
                    ));
                    continue;
                }
            },
        };
        if !spec.scoped && scope != Scope::All {
            v.push(FieldError::new(
                format!("{field}.scope"),
                format!("{} is not record-scoped; use all", spec.name),
            ));
            continue;
        }
        if g.hidden_fields
            .iter()
            .any(|f| f.is_empty() || f.chars().count() > 64)
        {
            v.push(FieldError::new(
                format!("{field}.hidden_fields"),
                "field names are 1-64 characters",
            ));
            continue;
        }
        out.push(GrantRow {
            permission: spec.name.into(),
            scope: scope.as_str().into(),
            hidden_fields: g.hidden_fields.clone(),
        });
    }
    out
}

pub async fn create_role(
    db: &TenantDb,
    actor: &Principal,
    input: &RoleInput,
    c: &ClientInfo,
) -> Result<RoleView, AuthError> {
    let mut v = Validation::default();
    let name = input.name.clone().unwrap_or_default();
    if !valid_role_name(&name) {
        v.push(FieldError::new(
            "name",
            "1-40 characters a-z, 0-9, '-' or '_', starting with a letter",
        ));
    } else if RoleSet::is_builtin(&name) {
        v.push(FieldError::new("name", "is the name of a built-in role"));
    }
    let grants = parse_grants(&mut v, input.grants.as_deref().unwrap_or_default());
    let mut tx = db.begin().await?;
    let set = role_set(&mut tx).await?;
    if let Some(p) = &input.parent
        && !set.exists(p)
    {
        v.push(FieldError::new("parent", format!("unknown role {p:?}")));
    }
    v.finish().map_err(AuthError::Validation)?;
    let row = RoleRow {
        name: name.clone(),
        parent: input.parent.clone(),
        description: input.description.clone().unwrap_or_default(),
        grants,
        created_at: Utc::now(),
        updated_at: Utc::now(),
    };
    // What the role would grant with its parents, the nearest definition
    // winning: the actor must hold all of it.
    let wanted = set.with(row.clone()).effective(std::slice::from_ref(&name));
    if !covers(&actor.grants, &wanted) {
        return Err(AuthError::Forbidden(
            "grants: you cannot grant permissions you do not hold yourself".into(),
        ));
    }
    crate::storage::roles::insert(&mut tx, &row)
        .await
        .map_err(|e| match e {
            StorageError::Conflict(_) => {
                AuthError::Conflict(format!("A role named {name:?} exists."))
            }
            other => other.into(),
        })?;
    record(&mut tx, actor, c, "role.created", json!({"role": name})).await?;
    tx.commit().await?;
    Ok(RoleView {
        name: row.name,
        parent: row.parent,
        description: row.description,
        builtin: false,
        grants: row.grants,
    })
}

pub async fn update_role(
    db: &TenantDb,
    actor: &Principal,
    name: &str,
    input: &RoleInput,
    c: &ClientInfo,
) -> Result<RoleView, AuthError> {
    if RoleSet::is_builtin(name) {
        return Err(AuthError::Forbidden(
            "Built-in roles cannot be changed; make a custom role with it as parent.".into(),
        ));
    }
    let mut v = Validation::default();
    if input.name.as_deref().is_some_and(|n| n != name) {
        v.push(FieldError::new("name", "roles cannot be renamed"));
    }
    let grants = input.grants.as_deref().map(|g| parse_grants(&mut v, g));
    let mut tx = db.begin().await?;
    let set = role_set(&mut tx).await?;
    let current = set.custom(name).cloned().ok_or(AuthError::NotFound)?;
    if let Some(p) = &input.parent {
        if !set.exists(p) {
            v.push(FieldError::new("parent", format!("unknown role {p:?}")));
        } else if set.would_cycle(name, p) {
            v.push(FieldError::new(
                "parent",
                format!("{p:?} inherits from {name:?}: that would be a cycle"),
            ));
        }
    }
    v.finish().map_err(AuthError::Validation)?;
    let row = RoleRow {
        parent: input.parent.clone().or(current.parent.clone()),
        description: input
            .description
            .clone()
            .unwrap_or(current.description.clone()),
        grants: grants.unwrap_or(current.grants.clone()),
        ..current.clone()
    };
    // Both what the role grants now and what it would grant, parents
    // included, must be within the actor's reach.
    let wanted = set.with(row.clone()).effective(&[name.to_owned()]);
    if !covers(&actor.grants, &wanted) || !covers(&actor.grants, &set.effective(&[name.to_owned()]))
    {
        return Err(AuthError::Forbidden(
            "grants: you cannot grant permissions you do not hold yourself".into(),
        ));
    }
    crate::storage::roles::update(&mut tx, &row).await?;
    record(
        &mut tx,
        actor,
        c,
        "role.changed",
        json!({"role": name, "before": current.grants, "after": row.grants, "parent": row.parent}),
    )
    .await?;
    tx.commit().await?;
    Ok(RoleView {
        name: row.name,
        parent: row.parent,
        description: row.description,
        builtin: false,
        grants: row.grants,
    })
}

pub async fn delete_role(
    db: &TenantDb,
    actor: &Principal,
    name: &str,
    c: &ClientInfo,
) -> Result<(), AuthError> {
    if RoleSet::is_builtin(name) {
        return Err(AuthError::Forbidden(
            "Built-in roles cannot be deleted.".into(),
        ));
    }
    let mut tx = db.begin().await?;
    let set = role_set(&mut tx).await?;
    if set.custom(name).is_none() {
        return Err(AuthError::NotFound);
    }
    if !covers(&actor.grants, &set.effective(&[name.to_owned()])) {
        return Err(AuthError::Forbidden(
            "You cannot delete a role that holds more than you do.".into(),
        ));
    }
    let used = crate::storage::roles::usage(&mut tx, name).await?;
    if used > 0 {
        return Err(AuthError::Conflict(format!(
            "The role is still used {used} time(s) (users, API keys, child roles)."
        )));
    }
    crate::storage::roles::delete(&mut tx, name).await?;
    record(&mut tx, actor, c, "role.deleted", json!({"role": name})).await?;
    tx.commit().await?;
    Ok(())
}

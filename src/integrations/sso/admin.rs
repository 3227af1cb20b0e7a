//! A tenant's providers administered (admin:settings), and the
//! signed-out sign-in page's view of them.

use serde_json::{Value, json};
use uuid::Uuid;

use super::providers::{ProviderInput, ProviderView, apply, blank, view};
use crate::domain::FieldError;
use crate::identity::{AuthError, ClientInfo, Principal};
use crate::storage::{TenantDb, TenantTx, audit, sessions, sso};

pub async fn record(
    tx: &mut TenantTx,
    actor: &Principal,
    c: &ClientInfo,
    kind: &str,
    detail: Value,
) -> Result<(), AuthError> {
    audit::record(
        tx,
        &audit::AuthEvent {
            kind,
            user_id: Some(actor.user_id),
            email: Some(&actor.email),
            ip: Some(&c.ip),
            detail,
        },
    )
    .await?;
    Ok(())
}

/// Removes a provider; its sessions end with it. The users whose
/// sessions ended.
pub async fn delete(
    db: &TenantDb,
    actor: &Principal,
    id: Uuid,
    c: &ClientInfo,
) -> Result<Vec<Uuid>, AuthError> {
    let mut tx = db.begin().await?;
    let row = sso::get(&mut tx, id).await?.ok_or(AuthError::NotFound)?;
    let ended = sessions::revoke_all_for_provider(&mut tx, id, "sso_provider_removed").await?;
    sso::delete(&mut tx, id).await?;
    record(
        &mut tx,
        actor,
        c,
        "sso.provider_removed",
        json!({"provider_id": id, "name": row.name, "sessions_ended": ended.len()}),
    )
    .await?;
    tx.commit().await?;
    Ok(ended)
}

/// The admin's and the sign-in page's operations.
impl super::Sso {
    pub async fn list_providers(
        &self,
        tenant: &crate::domain::tenant::Tenant,
        db: &TenantDb,
    ) -> Result<Vec<ProviderView>, AuthError> {
        let mut tx = db.begin_read().await?;
        let rows = sso::list(&mut tx).await?;
        tx.rollback().await?;
        Ok(rows
            .iter()
            .map(|r| view(r, self.redirect_uri(tenant)))
            .collect())
    }

    pub async fn show_provider(
        &self,
        tenant: &crate::domain::tenant::Tenant,
        db: &TenantDb,
        id: Uuid,
    ) -> Result<ProviderView, AuthError> {
        let mut tx = db.begin_read().await?;
        let row = sso::get(&mut tx, id).await?.ok_or(AuthError::NotFound)?;
        tx.rollback().await?;
        Ok(view(&row, self.redirect_uri(tenant)))
    }

    /// The enabled providers, by id and name, and whether password
    /// sign-in is closed: what the signed-out sign-in page shows.
    pub async fn sign_in_options(
        &self,
        db: &TenantDb,
    ) -> Result<(Vec<(Uuid, String)>, bool), AuthError> {
        let mut tx = db.begin_read().await?;
        let rows = sso::list(&mut tx).await?;
        let security = crate::identity::service::security_settings(&mut tx).await?;
        tx.rollback().await?;
        Ok((
            rows.into_iter()
                .filter(|r| r.enabled)
                .map(|r| (r.id, r.name))
                .collect(),
            security.sso_required,
        ))
    }

    /// Creates (`id` None) or changes a provider. Discovery must answer
    /// for the issuer before anything is kept. Returns the provider and the
    /// users whose sessions ended (a provider disabled).
    pub async fn save_provider(
        &self,
        tenant: &crate::domain::tenant::Tenant,
        db: &TenantDb,
        actor: &Principal,
        id: Option<Uuid>,
        input: &ProviderInput,
        c: &ClientInfo,
    ) -> Result<(ProviderView, Vec<Uuid>), AuthError> {
        let mut tx = db.begin_read().await?;
        let base = match id {
            Some(id) => sso::get(&mut tx, id).await?.ok_or(AuthError::NotFound)?,
            None => blank(),
        };
        let (mut row, secret) = apply(&mut tx, actor, &base, input, &self.outbound).await?;
        tx.rollback().await?;
        // Read outside any transaction: a provider that takes its time
        // must not hold the tenant's write lock.
        if id.is_none() || row.issuer != base.issuer {
            self.forget(row.id);
            if let Err(e) = self.metadata(&row, false).await {
                return Err(AuthError::Validation(vec![FieldError::new(
                    "issuer",
                    format!("its OpenID configuration cannot be read: {e}"),
                )]));
            }
        }
        if let Some(s) = &secret {
            row.client_secret = Some(
                db.keys()?
                    .seal(&super::secret_place(row.id), s)
                    .map_err(crate::storage::StorageError::from)?,
            );
        }
        let disabling = base.enabled && !row.enabled && id.is_some();
        let mut tx = db.begin().await?;
        sso::put(&mut tx, &row).await?;
        let ended = if disabling {
            sessions::revoke_all_for_provider(&mut tx, row.id, "sso_provider_disabled").await?
        } else {
            Vec::new()
        };
        record(
            &mut tx,
            actor,
            c,
            if id.is_some() {
                "sso.provider_changed"
            } else {
                "sso.provider_added"
            },
            json!({"provider_id": row.id, "name": row.name, "issuer": row.issuer,
                   "secret_changed": secret.is_some(), "enabled": row.enabled,
                   "sessions_ended": ended.len()}),
        )
        .await?;
        tx.commit().await?;
        Ok((view(&row, self.redirect_uri(tenant)), ended))
    }

    pub async fn delete_provider(
        &self,
        db: &TenantDb,
        actor: &Principal,
        id: Uuid,
        c: &ClientInfo,
    ) -> Result<Vec<Uuid>, AuthError> {
        let ended = delete(db, actor, id, c).await?;
        self.forget(id);
        Ok(ended)
    }
}

/// Re-seals every provider's client secret under the tenant's current
/// data key (after `mandant keys rotate-tenant`); how many changed.
pub async fn reseal_secrets(db: &TenantDb) -> Result<usize, crate::storage::StorageError> {
    let keys = db.keys()?;
    let mut tx = db.begin().await?;
    let mut n = 0;
    for mut row in sso::list(&mut tx).await? {
        let Some(stored) = row.client_secret.clone().filter(|s| keys.is_stale(s)) else {
            continue;
        };
        let place = super::secret_place(row.id);
        let plain = db.open_sealed(&place, &stored).await?;
        row.client_secret = Some(keys.seal(&place, &plain)?);
        sso::put(&mut tx, &row).await?;
        n += 1;
    }
    tx.commit().await?;
    Ok(n)
}

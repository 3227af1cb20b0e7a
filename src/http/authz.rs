//! Authentication and permission in a handler's signature.
//!
//! `Authenticated` proves who the caller is (and that they belong to the
//! tenant in the path); `Authorized<P>` also proves they hold permission
//! `P` at some scope. Record-level scope and hidden fields are then asked
//! of `principal.decide(…)`.

use std::marker::PhantomData;
use std::sync::Arc;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::future::LocalBoxFuture;

use super::extract::TenantScope;
use super::problem::{ApiError, Code};
use crate::identity::{AuthError, ClientInfo, Principal};
use crate::services::Services;

/// A permission a route requires, named by a type.
pub trait Need {
    const PERMISSION: &'static str;
}

macro_rules! needs {
    ($($ty:ident = $perm:literal),+ $(,)?) => {$(
        #[doc = concat!("Requires `", $perm, "`.")]
        pub struct $ty;
        impl Need for $ty {
            const PERMISSION: &'static str = $perm;
        }
    )+};
}

needs!(
    UsersRead = "users:read",
    AdminUsers = "admin:users",
    AdminRoles = "admin:roles",
    AdminApiKeys = "admin:api_keys",
    WebhooksRead = "webhooks:read",
    WebhooksWrite = "webhooks:write",
    AdminSettings = "admin:settings",
    AdminAudit = "admin:audit",
    PrivacyHold = "privacy:hold",
    PrivacyErase = "privacy:erase",
    PrivacyExport = "privacy:export",
    ContactsRead = "contacts:read",
    ContactsWrite = "contacts:write",
    ContactsDelete = "contacts:delete",
    CompaniesRead = "companies:read",
    CompaniesWrite = "companies:write",
    CompaniesDelete = "companies:delete",
    DealsRead = "deals:read",
    DealsWrite = "deals:write",
    DealsDelete = "deals:delete",
    PipelinesRead = "pipelines:read",
    PipelinesWrite = "pipelines:write",
    TicketsRead = "tickets:read",
    TicketsWrite = "tickets:write",
    TicketsDelete = "tickets:delete",
    TicketsAssign = "tickets:assign",
    DashboardsRead = "dashboards:read",
    QueuesRead = "queues:read",
    QueuesWrite = "queues:write",
    ActivitiesRead = "activities:read",
    ActivitiesWrite = "activities:write",
    SlaPoliciesRead = "sla_policies:read",
    SlaPoliciesWrite = "sla_policies:write",
    CustomFieldsRead = "custom_fields:read",
    CustomFieldsWrite = "custom_fields:write",
    EventsRead = "events:read",
);

pub fn client_info(req: &HttpRequest) -> ClientInfo {
    // The request middleware worked the address out already (after the
    // trusted proxies); outside it, the same rule again.
    let ip = crate::audit::ORIGIN
        .try_with(|o| o.ip.clone())
        .ok()
        .flatten()
        .unwrap_or_else(|| {
            let trusted = req
                .app_data::<web::Data<Services>>()
                .map(|s| s.config.trusted_proxies.as_slice())
                .unwrap_or_default();
            super::client_address::client_address(
                req.peer_addr().map(|a| a.ip()),
                req.headers(),
                trusted,
            )
        });
    ClientInfo {
        ip,
        user_agent: req
            .headers()
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|s| s.chars().take(256).collect()),
    }
}

fn bearer(req: &HttpRequest) -> Result<String, ApiError> {
    let missing = || {
        ApiError::new(
            Code::Unauthorized,
            "Send an access token or API key as `Authorization: Bearer …`.",
        )
    };
    let value = req
        .headers()
        .get(header::AUTHORIZATION)
        .ok_or_else(missing)?;
    let s = value.to_str().map_err(|_| missing())?;
    let token = s
        .strip_prefix("Bearer ")
        .or_else(|| s.strip_prefix("bearer "))
        .ok_or_else(missing)?
        .trim();
    if token.is_empty() {
        return Err(missing());
    }
    Ok(token.to_owned())
}

pub struct Authenticated {
    pub scope: TenantScope,
    pub principal: Arc<Principal>,
    pub client: ClientInfo,
}

/// `429` for a request past its plan's rate, saying when to come back.
pub fn rate_limited(wait: std::time::Duration) -> ApiError {
    ApiError {
        retry_after: Some(wait.as_secs_f64().ceil().max(1.0) as u64),
        ..ApiError::new(
            Code::RateLimited,
            "Too many requests for this plan; slow down.",
        )
    }
}

impl FromRequest for Authenticated {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let scope = TenantScope::from_request(req, payload);
        let token = bearer(req);
        let client = client_info(req);
        let services = req.app_data::<web::Data<Services>>().cloned();
        Box::pin(async move {
            // The tenant first: an unknown tenant is 404 whatever the token.
            let scope = scope.await?;
            let token = token?;
            let services = services.ok_or_else(|| ApiError::internal("Services missing"))?;
            let limited = rate_limited;
            // A signed access token names its user: its rate limit is
            // checked before the session is read, so a tenant flooding past
            // its plan is refused without a database read per request
            // (the noisy-neighbour load test). API keys are limited after.
            let claims = services.auth.access_claims(&scope.tenant, &token)?;
            let principal = match &claims {
                Some(c) => {
                    services
                        .rate_limits
                        .check(scope.tenant.id, scope.tenant.plan, c.sub)
                        .await
                        .map_err(limited)?;
                    services
                        .auth
                        .token_principal(&scope.tenant, &scope.db, c)
                        .await?
                }
                None => {
                    let p = services
                        .auth
                        .authenticate(&scope.tenant, &scope.db, &token, &client)
                        .await?;
                    services
                        .rate_limits
                        .check(scope.tenant.id, scope.tenant.plan, p.user_id)
                        .await
                        .map_err(limited)?;
                    p
                }
            };
            Ok(Authenticated {
                scope,
                principal,
                client,
            })
        })
    }
}

pub struct Authorized<P: Need> {
    pub scope: TenantScope,
    pub principal: Arc<Principal>,
    pub client: ClientInfo,
    _need: PhantomData<P>,
}

impl<P: Need + 'static> FromRequest for Authorized<P> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let auth = Authenticated::from_request(req, payload);
        Box::pin(async move {
            let a = auth.await?;
            if a.principal.mfa_enrollment_required {
                return Err(AuthError::MfaEnrollmentRequired.into());
            }
            if !a.principal.has(P::PERMISSION) {
                return Err(ApiError::new(
                    Code::Forbidden,
                    format!("This needs the permission {}.", P::PERMISSION),
                ));
            }
            Ok(Authorized {
                scope: a.scope,
                principal: a.principal,
                client: a.client,
                _need: PhantomData,
            })
        })
    }
}

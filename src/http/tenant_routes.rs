//! The tenant API's route table: every route with the access it requires.
//! `configure` mounts it; `table` lists it, and a test walks the list to
//! prove each route refuses callers without that access.

use actix_web::web;

use super::authz::{
    AdminApiKeys, AdminAudit, AdminRoles, AdminSettings, AdminUsers, Need, UsersRead,
};
use super::{api_keys, auth, branding, me, roles, security, users};

/// What a route demands of its caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Public,
    /// Any signed-in principal of the tenant.
    Authenticated,
    Permission(&'static str),
}

#[derive(Debug, Clone)]
pub struct RouteSpec {
    pub method: &'static str,
    pub path: &'static str,
    pub access: Access,
}

macro_rules! access {
    (public) => {
        Access::Public
    };
    (authenticated) => {
        Access::Authenticated
    };
    ($need:ty) => {
        Access::Permission(<$need as Need>::PERMISSION)
    };
}

macro_rules! tenant_routes {
    ($( $path:literal { $( $method:ident => $handler:path [$($access:tt)+] ),+ $(,)? } )*) => {
        pub fn configure(cfg: &mut web::ServiceConfig) {
            $( cfg.service(
                web::resource(concat!("/t/{tenant}/api/v1", $path))
                    $( .route(web::$method().to($handler)) )+
            ); )*
        }

        pub fn table() -> Vec<RouteSpec> {
            vec![$($(
                RouteSpec {
                    method: stringify!($method),
                    path: concat!("/t/{tenant}/api/v1", $path),
                    access: access!($($access)+),
                },
            )+)*]
        }
    };
}

tenant_routes! {
    "/branding" { get => branding::branding [public] }
    "/auth/login" { post => auth::login [public] }
    "/auth/refresh" { post => auth::refresh [public] }
    "/auth/logout" { post => auth::logout [authenticated] }
    "/me" { get => me::me [authenticated] }
    "/me/mfa/enroll" { post => me::mfa_enroll [authenticated] }
    "/me/mfa/confirm" { post => me::mfa_confirm [authenticated] }
    "/me/mfa/disable" { post => me::mfa_disable [authenticated] }
    "/users" {
        get => users::list [UsersRead],
        post => users::create [AdminUsers],
    }
    "/users/{id}" {
        get => users::show [UsersRead],
        patch => users::update [AdminUsers],
        delete => users::delete [AdminUsers],
    }
    "/teams" {
        get => users::list_teams [UsersRead],
        post => users::create_team [AdminUsers],
    }
    "/roles" {
        get => roles::list [AdminRoles],
        post => roles::create [AdminRoles],
    }
    "/roles/{name}" {
        get => roles::show [AdminRoles],
        patch => roles::update [AdminRoles],
        delete => roles::delete [AdminRoles],
    }
    "/api-keys" {
        get => api_keys::list [AdminApiKeys],
        post => api_keys::create [AdminApiKeys],
    }
    "/api-keys/{id}" { delete => api_keys::revoke [AdminApiKeys] }
    "/settings/security" {
        get => security::get [AdminSettings],
        put => security::put [AdminSettings],
    }
    "/audit/auth-events" { get => security::auth_events [AdminAudit] }
}

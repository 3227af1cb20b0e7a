//! The tenant API's route table: every route with the access it requires.
//! `configure` mounts it; `table` lists it, and a test walks the list to
//! prove each route refuses callers without that access.

use actix_web::web;

use super::authz::*;
use super::records::{
    Activities, Companies, Contacts, Deals, Pipelines, Queues, SlaPolicies, Tickets,
};
use super::{
    account_mail, api_keys, audit, auth, branding, canned, csv, exports, files, me, passkeys,
    privacy, record_meta, records, retention, roles, scim, security, sso, support, users, webhooks,
    ws,
};

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
        /// One scope: the router matches the tenant prefix (a regex, as
        /// every pattern with a segment is) once per request, not once per
        /// route; matched route by route it was a fifth of the server's
        /// time in a connect storm (loadtest idle, perf).
        fn configure_api(cfg: &mut web::ServiceConfig) {
            cfg.service(
                web::scope("/t/{tenant}/api/v1")
                    $( .service(
                        web::resource($path)
                            $( .route(web::$method().to($handler)) )+
                    ) )*
            );
        }

        fn api_table() -> Vec<RouteSpec> {
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

/// The WebSocket has its own URL (API.md), outside the API's scope, but
/// it is in the table, so the access walk and the document cover it too.
/// It takes a bearer header or a one-time ticket (`/realtime/ticket`).
pub const SOCKET: RouteSpec = RouteSpec {
    method: "get",
    path: "/t/{tenant}/ws",
    access: Access::Authenticated,
};

/// Mounts the socket, then the API's one scope.
pub fn configure(cfg: &mut web::ServiceConfig) {
    // The socket first: a connect storm should not try the scope.
    cfg.route(SOCKET.path, web::get().to(ws::connect));
    configure_api(cfg);
}

/// Every tenant route with the access it demands.
pub fn table() -> Vec<RouteSpec> {
    std::iter::once(SOCKET).chain(api_table()).collect()
}

tenant_routes! {
    "/branding" { get => branding::branding [public] }
    "/settings/branding" {
        get => branding::get_branding [AdminSettings],
        put => branding::put_branding [AdminSettings],
    }
    "/settings/features" {
        get => branding::get_features [AdminSettings],
        put => branding::put_features [AdminSettings],
    }
    "/auth/login" { post => auth::login [public] }
    "/auth/refresh" { post => auth::refresh [public] }
    "/auth/password-reset" { post => account_mail::request_reset [public] }
    "/auth/set-password" { post => account_mail::set_password [public] }
    "/auth/logout" { post => auth::logout [authenticated] }
    "/auth/passkey/start" { post => passkeys::sign_in_start [public] }
    "/auth/passkey/finish" { post => passkeys::sign_in_finish [public] }
    "/me/passkeys" { get => passkeys::list [authenticated] }
    "/me/passkeys/register/start" { post => passkeys::register_start [authenticated] }
    "/me/passkeys/register/finish" { post => passkeys::register_finish [authenticated] }
    "/me/passkeys/{id}" { delete => passkeys::remove [authenticated] }
    "/auth/sso/providers" { get => sso::options [public] }
    "/auth/sso/callback" { get => sso::callback [public] }
    "/auth/sso/exchange" { post => sso::exchange [public] }
    "/auth/sso/{id}/start" { get => sso::start [public] }
    "/settings/scim" {
        get => scim::get_settings [AdminUsers],
        put => scim::put_settings [AdminUsers],
    }
    "/settings/scim/token" {
        post => scim::issue_token [AdminUsers],
        delete => scim::revoke_token [AdminUsers],
    }
    "/sso/providers" {
        get => sso::list [AdminSettings],
        post => sso::create [AdminSettings],
    }
    "/sso/providers/{id}" {
        get => sso::show [AdminSettings],
        patch => sso::update [AdminSettings],
        delete => sso::delete [AdminSettings],
    }
    "/me" { get => me::me [authenticated] }
    "/realtime/ticket" { post => ws::ticket [authenticated] }
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
    "/users/{id}/erase" { post => users::erase [PrivacyErase] }
    "/users/{id}/invite" { post => account_mail::invite [AdminUsers] }
    "/mail/outbox" { get => account_mail::outbox [AdminSettings] }
    "/settings/mail" {
        get => account_mail::get_mail_settings [AdminSettings],
        put => account_mail::put_mail_settings [AdminSettings],
    }
    "/mail/inbound" { post => account_mail::inbound [TicketsWrite] }
    "/users/{id}/export" { post => exports::request_user [PrivacyExport] }
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
    "/webhooks" {
        get => webhooks::list [WebhooksRead],
        post => webhooks::create [WebhooksWrite],
    }
    "/webhooks/{id}" {
        get => webhooks::show [WebhooksRead],
        patch => webhooks::update [WebhooksWrite],
        delete => webhooks::delete [WebhooksWrite],
    }
    "/webhooks/{id}/deliveries" { get => webhooks::deliveries [WebhooksRead] }
    "/webhooks/{id}/ping" { post => webhooks::ping [WebhooksWrite] }
    "/webhooks/{id}/replay" { post => webhooks::replay [WebhooksWrite] }
    "/webhooks/{id}/rotate-secret" { post => webhooks::rotate [WebhooksWrite] }
    "/settings/security" {
        get => security::get [AdminSettings],
        put => security::put [AdminSettings],
    }
    "/audit/auth-events" { get => security::auth_events [AdminAudit] }
    "/audit/events" { get => audit::events [AdminAudit] }
    "/storage/usage" { get => files::usage [authenticated] }
    "/files/{id}" {
        get => files::show [authenticated],
        delete => files::delete [authenticated],
    }
    "/files/{id}/content" { get => files::content [public] }
    "/contacts/{id}/files" {
        get => files::list::<Contacts> [ContactsRead],
        post => files::upload::<Contacts> [ContactsWrite],
    }
    "/companies/{id}/files" {
        get => files::list::<Companies> [CompaniesRead],
        post => files::upload::<Companies> [CompaniesWrite],
    }
    "/deals/{id}/files" {
        get => files::list::<Deals> [DealsRead],
        post => files::upload::<Deals> [DealsWrite],
    }
    "/tickets/{id}/files" {
        get => files::list::<Tickets> [TicketsRead],
        post => files::upload::<Tickets> [TicketsWrite],
    }
    "/contacts" {
        get => records::list::<Contacts> [ContactsRead],
        post => records::create::<Contacts> [ContactsWrite],
    }
    "/contacts/import" { post => csv::import::<Contacts> [ContactsWrite] }
    "/contacts/{id}" {
        get => records::show::<Contacts> [ContactsRead],
        patch => records::update::<Contacts> [ContactsWrite],
        delete => records::delete::<Contacts> [ContactsDelete],
    }
    "/contacts/{id}/hold" {
        put => privacy::hold::<Contacts> [PrivacyHold],
        delete => privacy::lift::<Contacts> [PrivacyHold],
    }
    "/contacts/{id}/erase" { post => privacy::erase [PrivacyErase] }
    "/contacts/{id}/export" { post => exports::request [PrivacyExport] }
    "/exports" { get => exports::list [PrivacyExport] }
    "/exports/{id}" { get => exports::get [PrivacyExport] }
    "/exports/{id}/archive" { get => exports::archive [PrivacyExport] }
    "/companies" {
        get => records::list::<Companies> [CompaniesRead],
        post => records::create::<Companies> [CompaniesWrite],
    }
    "/companies/import" { post => csv::import::<Companies> [CompaniesWrite] }
    "/companies/{id}" {
        get => records::show::<Companies> [CompaniesRead],
        patch => records::update::<Companies> [CompaniesWrite],
        delete => records::delete::<Companies> [CompaniesDelete],
    }
    "/companies/{id}/hold" {
        put => privacy::hold::<Companies> [PrivacyHold],
        delete => privacy::lift::<Companies> [PrivacyHold],
    }
    "/pipelines" {
        get => records::list::<Pipelines> [PipelinesRead],
        post => records::create::<Pipelines> [PipelinesWrite],
    }
    "/pipelines/{id}" {
        get => records::show::<Pipelines> [PipelinesRead],
        patch => records::update::<Pipelines> [PipelinesWrite],
        delete => records::delete::<Pipelines> [PipelinesWrite],
    }
    "/deals" {
        get => records::list::<Deals> [DealsRead],
        post => records::create::<Deals> [DealsWrite],
    }
    "/deals/{id}" {
        get => records::show::<Deals> [DealsRead],
        patch => records::update::<Deals> [DealsWrite],
        delete => records::delete::<Deals> [DealsDelete],
    }
    "/deals/{id}/hold" {
        put => privacy::hold::<Deals> [PrivacyHold],
        delete => privacy::lift::<Deals> [PrivacyHold],
    }
    "/queues" {
        get => records::list::<Queues> [QueuesRead],
        post => records::create::<Queues> [QueuesWrite],
    }
    "/queues/{id}" {
        get => records::show::<Queues> [QueuesRead],
        patch => records::update::<Queues> [QueuesWrite],
        delete => records::delete::<Queues> [QueuesWrite],
    }
    "/tickets" {
        get => records::list::<Tickets> [TicketsRead],
        post => records::create::<Tickets> [TicketsWrite],
    }
    "/tickets/{id}" {
        get => records::show::<Tickets> [TicketsRead],
        patch => records::update::<Tickets> [TicketsWrite],
        delete => records::delete::<Tickets> [TicketsDelete],
    }
    "/tickets/{id}/hold" {
        put => privacy::hold::<Tickets> [PrivacyHold],
        delete => privacy::lift::<Tickets> [PrivacyHold],
    }
    "/activities" {
        get => records::list::<Activities> [ActivitiesRead],
        post => records::create::<Activities> [ActivitiesWrite],
    }
    "/activities/{id}" {
        get => records::show::<Activities> [ActivitiesRead],
        patch => records::update::<Activities> [ActivitiesWrite],
        delete => records::delete::<Activities> [ActivitiesWrite],
    }
    "/activities/{id}/hold" {
        put => privacy::hold::<Activities> [PrivacyHold],
        delete => privacy::lift::<Activities> [PrivacyHold],
    }
    "/sla-policies" {
        get => records::list::<SlaPolicies> [SlaPoliciesRead],
        post => records::create::<SlaPolicies> [SlaPoliciesWrite],
    }
    "/sla-policies/{id}" {
        get => records::show::<SlaPolicies> [SlaPoliciesRead],
        patch => records::update::<SlaPolicies> [SlaPoliciesWrite],
        delete => records::delete::<SlaPolicies> [SlaPoliciesWrite],
    }
    "/tickets/{id}/comments" {
        get => records::comments [TicketsRead],
        post => records::add_comment [TicketsWrite],
    }
    "/queues/{id}/tickets" { get => support::queue_tickets [QueuesRead] }
    "/tickets/{id}/claim" { post => support::claim [TicketsAssign] }
    "/tickets/{id}/canned-replies/render" { post => canned::render [TicketsRead] }
    "/canned-replies" { get => canned::list [TicketsRead] }
    "/settings/canned-replies" { put => canned::put [AdminSettings] }
    "/tickets/{id}/offer/accept" { post => support::accept_offer [TicketsAssign] }
    "/tickets/{id}/offer/decline" { post => support::decline_offer [TicketsAssign] }
    "/agents" { get => support::list_agents [UsersRead] }
    "/agents/{id}" { patch => support::update_agent [QueuesWrite] }
    "/me/agent" {
        get => support::my_agent [TicketsAssign],
        put => support::put_my_agent [TicketsAssign],
    }
    "/settings/business-calendar" {
        get => support::get_calendar [SlaPoliciesRead],
        put => support::put_calendar [AdminSettings],
    }
    "/settings/support" {
        get => support::get_support_settings [QueuesRead],
        put => support::put_support_settings [AdminSettings],
    }
    "/dashboards/{name}" { get => support::dashboard [DashboardsRead] }
    "/custom-fields" {
        get => record_meta::list_fields [CustomFieldsRead],
        post => record_meta::create_field [CustomFieldsWrite],
    }
    "/custom-fields/{id}" { patch => record_meta::update_field [CustomFieldsWrite] }
    "/workflows/tickets" {
        get => record_meta::get_workflow [TicketsRead],
        put => record_meta::put_workflow [AdminSettings],
    }
    "/events" { get => record_meta::events [EventsRead] }
    "/settings/events" {
        get => record_meta::get_event_settings [AdminSettings],
        put => record_meta::put_event_settings [AdminSettings],
    }
    "/settings/audit" {
        get => audit::get_settings [AdminSettings],
        put => audit::put_settings [AdminSettings],
    }
    "/settings/retention" {
        get => retention::get_policy [AdminSettings],
        put => retention::put_policy [AdminSettings],
    }
    "/settings/retention/dry-run" { post => retention::dry_run [AdminSettings] }
    "/settings/retention/run" { post => retention::run [AdminSettings] }
}

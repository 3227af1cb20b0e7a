//! The one error type at the HTTP boundary and the one table from stable
//! error codes to statuses. Every error body is `application/problem+json`
//! (RFC 9457) with a `code` clients may rely on.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

use crate::domain::FieldError;
use crate::identity::AuthError;
use crate::storage::StorageError;
use crate::tenants::TenantError;
use crate::tenants::settings::SettingError;

pub const PROBLEM_JSON: &str = "application/problem+json";

pub use crate::domain::code::Code;

/// The HTTP status of a code (the table keeps it as a number, below HTTP).
fn status(code: Code) -> StatusCode {
    StatusCode::from_u16(code.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

#[derive(Debug)]
pub struct ApiError {
    pub code: Code,
    pub detail: String,
    pub errors: Vec<FieldError>,
    pub retry_after: Option<u64>,
    /// The cause of a 5xx, logged and never sent.
    pub cause: Option<Box<str>>,
    /// Extension members added to the problem document (RFC 9457 §3.2).
    pub extra: Option<Box<serde_json::Map<String, serde_json::Value>>>,
}

#[derive(Serialize)]
struct Problem<'a> {
    #[serde(rename = "type")]
    type_: String,
    title: &'static str,
    status: u16,
    detail: &'a str,
    code: &'static str,
    #[serde(skip_serializing_if = "<[FieldError]>::is_empty")]
    errors: &'a [FieldError],
}

impl ApiError {
    pub fn new(code: Code, detail: impl Into<String>) -> Self {
        Self {
            code,
            detail: detail.into(),
            errors: Vec::new(),
            retry_after: None,
            cause: None,
            extra: None,
        }
    }

    pub fn not_found() -> Self {
        Self::new(Code::NotFound, "The requested resource does not exist.")
    }

    pub fn validation(errors: Vec<FieldError>) -> Self {
        let detail = match errors.as_slice() {
            [one] => format!("{} {}", one.field, one.message),
            _ => format!("{} fields are invalid.", errors.len()),
        };
        Self {
            errors,
            ..Self::new(Code::ValidationFailed, detail)
        }
    }

    pub fn internal(cause: impl std::fmt::Display) -> Self {
        Self {
            cause: Some(cause.to_string().into()),
            ..Self::new(
                Code::Internal,
                "An unexpected error occurred; it has been logged.",
            )
        }
    }

    pub fn unavailable(cause: impl std::fmt::Display) -> Self {
        Self {
            cause: Some(cause.to_string().into()),
            retry_after: Some(1),
            ..Self::new(
                Code::Unavailable,
                "A backing service is unavailable; retry shortly.",
            )
        }
    }

    /// Renders a problem body for `status` with this code and detail.
    pub fn body(&self) -> String {
        let (status, code, title) = self.code.spec();
        let p = Problem {
            type_: format!("urn:mandant:problem:{code}"),
            title,
            status,
            detail: &self.detail,
            code,
            errors: &self.errors,
        };
        match (&self.extra, serde_json::to_value(&p)) {
            (Some(extra), Ok(serde_json::Value::Object(mut o))) => {
                for (k, v) in extra.iter() {
                    o.entry(k.clone()).or_insert_with(|| v.clone());
                }
                serde_json::Value::Object(o).to_string()
            }
            _ => serde_json::to_string(&p).unwrap_or_default(),
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.detail)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        status(self.code)
    }

    fn error_response(&self) -> HttpResponse {
        if let Some(cause) = &self.cause {
            if self.code == Code::Internal {
                tracing::error!(code = self.code.as_str(), cause = %cause, "request failed");
            } else {
                tracing::warn!(code = self.code.as_str(), cause = %cause, "request failed");
            }
        }
        let mut res = HttpResponse::build(self.status_code());
        res.insert_header((header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON)));
        if let Some(secs) = self.retry_after {
            res.insert_header((header::RETRY_AFTER, secs.to_string()));
        }
        if self.status_code() == StatusCode::UNAUTHORIZED {
            res.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
        }
        res.body(self.body())
    }
}

impl From<StorageError> for ApiError {
    fn from(e: StorageError) -> Self {
        match e {
            StorageError::NotFound => ApiError::not_found(),
            StorageError::Conflict(what) => {
                ApiError::new(Code::Conflict, format!("The {what} already exists."))
            }
            StorageError::Unavailable(_) | StorageError::StalePlan => ApiError::unavailable(e),
            // One record's sealed value that does not open: that record is
            // unusable, the rest of the tenant is not.
            StorageError::Keys(
                crate::keys::KeyError::Unreadable | crate::keys::KeyError::UnknownKey(_),
            ) => ApiError::new(
                Code::Conflict,
                "A stored value of this record is sealed and cannot be opened (damaged, or sealed under a key this installation lacks); an administrator can reset it.",
            ),
            other => ApiError::internal(other),
        }
    }
}

impl From<SettingError> for ApiError {
    fn from(e: SettingError) -> Self {
        match e {
            SettingError::Invalid(errors) => ApiError::validation(errors),
            SettingError::Storage(s) => s.into(),
        }
    }
}

impl From<TenantError> for ApiError {
    fn from(e: TenantError) -> Self {
        match e {
            TenantError::Validation(errors) => ApiError::validation(errors),
            TenantError::NotFound => ApiError::not_found(),
            TenantError::SlugTaken(slug) => ApiError {
                errors: vec![FieldError::new("slug", "is taken")],
                ..ApiError::new(
                    Code::Conflict,
                    format!("A tenant with slug {slug:?} already exists."),
                )
            },
            TenantError::Storage(s) => s.into(),
            TenantError::Unexpected(e) => ApiError::internal(format!("{e:#}")),
        }
    }
}

impl From<AuthError> for ApiError {
    fn from(e: AuthError) -> Self {
        match e {
            AuthError::Unauthorized(m) => ApiError::new(Code::Unauthorized, m),
            AuthError::InvalidCredentials => {
                ApiError::new(Code::InvalidCredentials, "The email or password is wrong.")
            }
            AuthError::MfaRequired(passkey) => {
                let mut e = ApiError::new(
                    Code::MfaRequired,
                    "This account uses MFA: send totp_code (or recovery_code), or a passkey's answer to `passkey`.",
                );
                if let Some(challenge) = passkey {
                    let mut extra = serde_json::Map::new();
                    extra.insert("passkey".into(), *challenge);
                    e.extra = Some(Box::new(extra));
                }
                e
            }
            AuthError::MfaInvalid => ApiError::new(
                Code::MfaInvalid,
                "The MFA code is wrong, expired or was already used.",
            ),
            AuthError::Throttled(wait) => ApiError {
                retry_after: Some(wait.as_secs_f64().ceil() as u64),
                ..ApiError::new(
                    Code::RateLimited,
                    "Too many attempts; wait before trying again.",
                )
            },
            AuthError::Busy => ApiError {
                retry_after: Some(1),
                ..ApiError::new(
                    Code::Unavailable,
                    "Too many sign-ins are being checked; try again in a moment.",
                )
            },
            AuthError::NotFound => ApiError::not_found(),
            AuthError::Forbidden(m) => ApiError::new(Code::Forbidden, m),
            AuthError::MfaEnrollmentRequired => ApiError::new(
                Code::MfaEnrollmentRequired,
                "Your role requires MFA: enrol at /me/mfa/enroll first.",
            ),
            AuthError::Validation(errors) => ApiError::validation(errors),
            AuthError::Conflict(m) => ApiError::new(Code::Conflict, m),
            AuthError::QuotaExceeded(m) => ApiError::new(Code::QuotaExceeded, m),
            AuthError::SsoRequired => ApiError::new(
                Code::SsoRequired,
                "This workspace signs in with single sign-on; use your organisation's sign-in button.",
            ),
            AuthError::Unavailable(m) => ApiError::new(Code::Unavailable, m),
            AuthError::Storage(s) => s.into(),
            AuthError::Unexpected(e) => ApiError::internal(format!("{e:#}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_is_a_problem_document() {
        let e = ApiError::validation(vec![FieldError::new("slug", "is bad")]);
        let v: serde_json::Value = serde_json::from_str(&e.body()).unwrap();
        assert_eq!(v["status"], 422);
        assert_eq!(v["code"], "validation_failed");
        assert_eq!(v["errors"][0]["field"], "slug");
        assert_eq!(v["type"], "urn:mandant:problem:validation_failed");
    }

    #[test]
    fn internal_errors_hide_their_cause() {
        let e = ApiError::internal("password=hunter2 in a query");
        assert!(!e.body().contains("hunter2"));
    }
}

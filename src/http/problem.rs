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

pub const PROBLEM_JSON: &str = "application/problem+json";

/// Stable error codes. Adding one is fine; renaming one breaks clients.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    BadRequest,
    MalformedJson,
    ValidationFailed,
    Unauthorized,
    Forbidden,
    NotFound,
    MethodNotAllowed,
    Conflict,
    VersionConflict,
    AlreadyClaimed,
    NoOffer,
    PayloadTooLarge,
    UnsupportedMediaType,
    RateLimited,
    QuotaExceeded,
    MfaRequired,
    MfaInvalid,
    MfaEnrollmentRequired,
    InvalidCredentials,
    Unavailable,
    Internal,
}

impl Code {
    /// The table: code → (status, wire name, title).
    pub const fn spec(self) -> (StatusCode, &'static str, &'static str) {
        use Code::*;
        match self {
            BadRequest => (StatusCode::BAD_REQUEST, "bad_request", "Bad request"),
            MalformedJson => (StatusCode::BAD_REQUEST, "malformed_json", "Malformed JSON"),
            ValidationFailed => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_failed",
                "Validation failed",
            ),
            Unauthorized => (StatusCode::UNAUTHORIZED, "unauthorized", "Unauthorized"),
            Forbidden => (StatusCode::FORBIDDEN, "forbidden", "Forbidden"),
            NotFound => (StatusCode::NOT_FOUND, "not_found", "Not found"),
            MethodNotAllowed => (
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "Method not allowed",
            ),
            Conflict => (StatusCode::CONFLICT, "conflict", "Conflict"),
            AlreadyClaimed => (StatusCode::CONFLICT, "already_claimed", "Already claimed"),
            NoOffer => (StatusCode::CONFLICT, "no_offer", "No offer to answer"),
            VersionConflict => (
                StatusCode::PRECONDITION_FAILED,
                "version_conflict",
                "Version conflict",
            ),
            PayloadTooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                "Payload too large",
            ),
            UnsupportedMediaType => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "Unsupported media type",
            ),
            RateLimited => (
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                "Rate limited",
            ),
            QuotaExceeded => (StatusCode::FORBIDDEN, "quota_exceeded", "Quota exceeded"),
            MfaRequired => (
                StatusCode::UNAUTHORIZED,
                "mfa_required",
                "MFA code required",
            ),
            MfaInvalid => (StatusCode::UNAUTHORIZED, "mfa_invalid", "MFA code invalid"),
            MfaEnrollmentRequired => (
                StatusCode::FORBIDDEN,
                "mfa_enrollment_required",
                "MFA enrolment required",
            ),
            InvalidCredentials => (
                StatusCode::UNAUTHORIZED,
                "invalid_credentials",
                "Invalid credentials",
            ),
            Unavailable => (
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "Service unavailable",
            ),
            Internal => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "Internal server error",
            ),
        }
    }

    pub fn status(self) -> StatusCode {
        self.spec().0
    }

    pub fn as_str(self) -> &'static str {
        self.spec().1
    }

    /// The code a bare status maps to, for responses no handler shaped.
    pub fn for_status(status: StatusCode) -> Code {
        use Code::*;
        match status.as_u16() {
            400 => BadRequest,
            401 => Unauthorized,
            403 => Forbidden,
            404 => NotFound,
            405 => MethodNotAllowed,
            409 => Conflict,
            412 => VersionConflict,
            413 => PayloadTooLarge,
            415 => UnsupportedMediaType,
            422 => ValidationFailed,
            429 => RateLimited,
            503 => Unavailable,
            _ => Internal,
        }
    }
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
            status: status.as_u16(),
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
        self.code.status()
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
            other => ApiError::internal(other),
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
            AuthError::MfaRequired => ApiError::new(
                Code::MfaRequired,
                "This account uses MFA: send totp_code (or recovery_code).",
            ),
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
            AuthError::Storage(s) => s.into(),
            AuthError::Unexpected(e) => ApiError::internal(format!("{e:#}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_names_are_unique_snake_case() {
        use Code::*;
        let all = [
            BadRequest,
            MalformedJson,
            ValidationFailed,
            Unauthorized,
            Forbidden,
            NotFound,
            MethodNotAllowed,
            Conflict,
            VersionConflict,
            PayloadTooLarge,
            UnsupportedMediaType,
            RateLimited,
            QuotaExceeded,
            MfaRequired,
            Unavailable,
            Internal,
        ];
        let mut names: Vec<_> = all.iter().map(|c| c.as_str()).collect();
        assert!(
            names
                .iter()
                .all(|n| n.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
        );
        names.sort();
        names.dedup();
        assert_eq!(names.len(), all.len());
    }

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

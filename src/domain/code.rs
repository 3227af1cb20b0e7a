//! The one table of stable error codes: each with the HTTP status an
//! answer with it has, its wire name and its title. HTTP answers carry
//! them in problem bodies (`http::problem`); the WebSocket in `error`
//! frames and in subscriptions the server ends (`actors`). It lives below
//! both so that both name codes from one list.

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
    /// A record under legal hold may not be deleted or erased.
    LegalHold,
    /// Records that need this one still refer to it (a pipeline's deals).
    InUse,
    PayloadTooLarge,
    UnsupportedMediaType,
    RateLimited,
    QuotaExceeded,
    MfaRequired,
    MfaInvalid,
    MfaEnrollmentRequired,
    SsoRequired,
    InvalidCredentials,
    Unavailable,
    Internal,
    // Only on the WebSocket (an `error` frame or a subscription the
    // server ends); their statuses say what the same refusal would be
    // over HTTP.
    /// A topic name that names nothing (`invalid_topic`).
    InvalidTopic,
    /// A frame that is not a message of the protocol.
    InvalidMessage,
    /// Presence on a topic the session has not subscribed to.
    NotSubscribed,
    /// The topic's feature was switched off for the workspace.
    FeatureDisabled,
    /// A message over 16 KiB.
    MessageTooLarge,
    /// A text frame that is not JSON.
    InvalidJson,
    /// A message `type` the protocol does not have.
    UnknownType,
    /// More topics on one connection than it may hold.
    TooManyTopics,
    /// The virus scanner found something in an upload.
    UploadInfected,
}

impl Code {
    /// Every code, for the checks that the table is whole.
    pub const ALL: [Code; 33] = [
        Code::BadRequest,
        Code::MalformedJson,
        Code::ValidationFailed,
        Code::Unauthorized,
        Code::Forbidden,
        Code::NotFound,
        Code::MethodNotAllowed,
        Code::Conflict,
        Code::VersionConflict,
        Code::AlreadyClaimed,
        Code::NoOffer,
        Code::LegalHold,
        Code::InUse,
        Code::PayloadTooLarge,
        Code::UnsupportedMediaType,
        Code::RateLimited,
        Code::QuotaExceeded,
        Code::MfaRequired,
        Code::MfaInvalid,
        Code::MfaEnrollmentRequired,
        Code::SsoRequired,
        Code::InvalidCredentials,
        Code::Unavailable,
        Code::Internal,
        Code::InvalidTopic,
        Code::InvalidMessage,
        Code::NotSubscribed,
        Code::FeatureDisabled,
        Code::MessageTooLarge,
        Code::InvalidJson,
        Code::UnknownType,
        Code::TooManyTopics,
        Code::UploadInfected,
    ];

    /// The table: code → (status, wire name, title).
    pub const fn spec(self) -> (u16, &'static str, &'static str) {
        use Code::*;
        match self {
            BadRequest => (400, "bad_request", "Bad request"),
            MalformedJson => (400, "malformed_json", "Malformed JSON"),
            ValidationFailed => (422, "validation_failed", "Validation failed"),
            Unauthorized => (401, "unauthorized", "Unauthorized"),
            Forbidden => (403, "forbidden", "Forbidden"),
            NotFound => (404, "not_found", "Not found"),
            MethodNotAllowed => (405, "method_not_allowed", "Method not allowed"),
            Conflict => (409, "conflict", "Conflict"),
            AlreadyClaimed => (409, "already_claimed", "Already claimed"),
            NoOffer => (409, "no_offer", "No offer to answer"),
            LegalHold => (409, "legal_hold", "Under legal hold"),
            InUse => (409, "in_use", "Still referred to"),
            VersionConflict => (412, "version_conflict", "Version conflict"),
            PayloadTooLarge => (413, "payload_too_large", "Payload too large"),
            UnsupportedMediaType => (415, "unsupported_media_type", "Unsupported media type"),
            RateLimited => (429, "rate_limited", "Rate limited"),
            QuotaExceeded => (403, "quota_exceeded", "Quota exceeded"),
            MfaRequired => (401, "mfa_required", "MFA code required"),
            MfaInvalid => (401, "mfa_invalid", "MFA code invalid"),
            MfaEnrollmentRequired => (403, "mfa_enrollment_required", "MFA enrolment required"),
            SsoRequired => (403, "sso_required", "Single sign-on required"),
            InvalidCredentials => (401, "invalid_credentials", "Invalid credentials"),
            Unavailable => (503, "unavailable", "Service unavailable"),
            Internal => (500, "internal", "Internal server error"),
            InvalidTopic => (422, "invalid_topic", "Invalid topic"),
            InvalidMessage => (400, "invalid_message", "Invalid message"),
            NotSubscribed => (409, "not_subscribed", "Not subscribed"),
            FeatureDisabled => (404, "feature_disabled", "Feature disabled"),
            MessageTooLarge => (413, "message_too_large", "Message too large"),
            InvalidJson => (400, "invalid_json", "Invalid JSON"),
            UnknownType => (400, "unknown_type", "Unknown message type"),
            TooManyTopics => (422, "too_many_topics", "Too many topics"),
            UploadInfected => (
                422,
                "upload_infected",
                "Upload refused by the virus scanner",
            ),
        }
    }

    /// The HTTP status an answer with this code has.
    pub fn status(self) -> u16 {
        self.spec().0
    }

    pub fn as_str(self) -> &'static str {
        self.spec().1
    }

    /// The code a bare status maps to, for responses no handler shaped.
    pub fn for_status(status: u16) -> Code {
        use Code::*;
        match status {
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Wire names are snake_case and unique; titles are there; statuses
    /// are errors.
    #[test]
    fn the_table_is_whole() {
        let mut names: Vec<_> = Code::ALL.iter().map(|c| c.as_str()).collect();
        assert!(
            names
                .iter()
                .all(|n| n.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
        );
        names.sort();
        names.dedup();
        assert_eq!(names.len(), Code::ALL.len());
        for c in Code::ALL {
            let (status, _, title) = c.spec();
            assert!((400..600).contains(&status), "{c:?}");
            assert!(!title.is_empty());
        }
    }
}

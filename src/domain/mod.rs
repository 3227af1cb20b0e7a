//! Validated values, parsed once at the boundary. A value of one of these
//! types is valid by construction; each keeps its tests next to it.

pub mod calendar;
pub mod code;
pub mod email;
pub mod features;
pub mod ids;
pub mod network;
pub mod password;
pub mod present;
pub mod sla;
pub mod tenant;

/// One field's problem, as reported in a `422` body's `errors` list.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// Collects field errors so a client learns about all of them at once.
#[derive(Debug, Default)]
pub struct Validation(Vec<FieldError>);

impl Validation {
    /// Keeps the value, or records the error under `field` (prefixed by the
    /// error's own sub-field when it has one).
    pub fn check<T>(&mut self, result: Result<T, FieldError>) -> Option<T> {
        match result {
            Ok(v) => Some(v),
            Err(e) => {
                self.0.push(e);
                None
            }
        }
    }

    pub fn push(&mut self, e: FieldError) {
        self.0.push(e);
    }

    pub fn finish(self) -> Result<(), Vec<FieldError>> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(self.0)
        }
    }
}

//! An email address as users type it, plus the normalised form that makes
//! uniqueness case-insensitive.

use std::fmt;

use serde::Serialize;

use super::FieldError;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Email(String);

impl Email {
    /// A pragmatic check (one `@`, non-empty local part, a dotted domain, no
    /// spaces, at most 254 chars). Full RFC 5322 parsing accepts addresses no
    /// mail system delivers to; the real proof is a confirmation mail.
    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        let t = raw.trim();
        let bad = || FieldError::new(field, "must be a valid email address");
        if t.is_empty() || t.len() > 254 || t.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(bad());
        }
        let (local, domain) = t.split_once('@').ok_or_else(bad)?;
        if local.is_empty()
            || local.len() > 64
            || domain.contains('@')
            || !domain.contains('.')
            || domain.starts_with('.')
            || domain.ends_with('.')
            || domain.contains("..")
        {
            return Err(bad());
        }
        Ok(Self(t.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The key for uniqueness: Unicode lower case of the whole address.
    pub fn normalized(&self) -> String {
        self.0.to_lowercase()
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_ordinary_addresses() {
        for ok in ["a@b.de", "Jane.Doe+crm@Example.COM", " x@y.io "] {
            assert!(Email::parse("email", ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn rejects_what_cannot_be_an_address() {
        for bad in [
            "", "plain", "@b.de", "a@", "a@b", "a@@b.de", "a b@c.de", "a@.de", "a@b..de",
        ] {
            assert_eq!(
                Email::parse("admin.email", bad).err().map(|e| e.field),
                Some("admin.email".to_owned()),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn normalisation_ignores_case() {
        let a = Email::parse("e", "Jane@Example.com").unwrap_or_else(|e| panic!("{e:?}"));
        let b = Email::parse("e", "jane@example.COM").unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(a.normalized(), b.normalized());
        assert_eq!(a.as_str(), "Jane@Example.com");
    }
}

//! A tenant's e-mail settings (`settings/mail`): the support address its
//! customers answer to. Ticket replies go out from the server's sender
//! (`MANDANT_MAIL_FROM`, whose domain the operator's SPF and DKIM cover)
//! with `Reply-To: <this address, plus a token>`, so that the provider
//! forwarding that mailbox to `mail/inbound` hands the answer back, and
//! the token threads it onto its ticket. Kept trimmed.

use serde::{Deserialize, Serialize};

use crate::domain::FieldError;
use crate::domain::email::Email;
use crate::storage::settings::Setting;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailSettings {
    /// `support@acme.example`; unset: no `Reply-To`.
    #[serde(default)]
    pub reply_address: Option<String>,
}

impl Setting for MailSettings {
    const KEY: &'static str = "mail";

    fn check(&self) -> Result<(), Vec<FieldError>> {
        let Some(a) = &self.reply_address else {
            return Ok(());
        };
        let e = Email::parse("reply_address", a).map_err(|e| vec![e])?;
        // The token goes after a `+` in the local part, whose limit is 64.
        let local = e.as_str().split('@').next().unwrap_or("");
        if a.trim() != a || local.contains('+') || local.chars().count() > 40 {
            return Err(vec![FieldError::new(
                "reply_address",
                "must be a plain address (no +, at most 40 characters before the @)",
            )]);
        }
        Ok(())
    }
}

/// `local+r-<token>@domain` for `base` (`local@domain`).
pub fn tokened(base: &str, token: &str) -> Option<String> {
    let (local, domain) = base.rsplit_once('@')?;
    Some(format!("{local}+r-{token}@{domain}").to_lowercase())
}

/// The setting as it is kept: the address trimmed (`null` unsets it; an
/// empty string is no address and is refused, as the document says).
pub fn normalized(mut s: MailSettings) -> MailSettings {
    s.reply_address = s.reply_address.map(|a| a.trim().to_owned());
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reply_addresses_carry_a_token() {
        assert_eq!(
            tokened("Support@Acme.example", "0a1b").as_deref(),
            Some("support+r-0a1b@acme.example")
        );
        let ok = MailSettings {
            reply_address: Some("help@acme.example".into()),
        };
        assert!(ok.check().is_ok());
        for bad in [
            "",
            "nope",
            "a+b@acme.example",
            &format!("{}@x.example", "a".repeat(41)),
        ] {
            let s = normalized(MailSettings {
                reply_address: Some(format!(" {bad} ")),
            });
            assert!(s.check().is_err(), "{bad}");
        }
    }
}

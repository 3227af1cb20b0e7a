//! A tenant's look: display name, logo, colours and default language, as
//! its login page, portals and web app show them (tenant setting
//! `branding`).

use serde::{Deserialize, Serialize};

use crate::domain::{FieldError, Validation};

pub const SETTING: &str = "branding";

impl crate::storage::settings::Setting for Branding {
    const KEY: &'static str = SETTING;
    fn check(&self) -> Result<(), Vec<FieldError>> {
        self.validate()
    }
}
pub const LOCALES: [&str; 2] = ["en", "de"];
/// A logo inline as a data URL stays small: it is sent before first paint.
const MAX_LOGO_BYTES: usize = 100 * 1024;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Colors {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accent: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub background: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Branding {
    /// Shown instead of the tenant's name, if set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// An https URL, or a `data:image/…;base64,` URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logo_url: Option<String>,
    #[serde(default, deserialize_with = "crate::domain::present::object")]
    pub colors: Colors,
    #[serde(default = "default_locale")]
    pub locale: String,
}

fn default_locale() -> String {
    "en".into()
}

impl Default for Branding {
    fn default() -> Self {
        Self {
            display_name: None,
            logo_url: None,
            colors: Colors::default(),
            locale: default_locale(),
        }
    }
}

fn hex_color(v: &str) -> bool {
    v.len() == 7 && v.starts_with('#') && v[1..].chars().all(|c| c.is_ascii_hexdigit())
}

impl Branding {
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut v = Validation::default();
        if let Some(n) = &self.display_name
            && (n.trim().is_empty() || n.chars().count() > 100)
        {
            v.push(FieldError::new("display_name", "1 to 100 characters"));
        }
        if let Some(l) = &self.logo_url {
            let ok = if l.starts_with("data:") {
                l.len() <= MAX_LOGO_BYTES
                    && [
                        "data:image/png;base64,",
                        "data:image/svg+xml;base64,",
                        "data:image/jpeg;base64,",
                        "data:image/webp;base64,",
                    ]
                    .iter()
                    .any(|p| l.starts_with(p))
            } else {
                url::Url::parse(l).is_ok_and(|u| u.scheme() == "https" && u.host().is_some())
                    && l.len() <= 2048
            };
            if !ok {
                v.push(FieldError::new(
                    "logo_url",
                    "an https URL, or a data:image/png|svg+xml|jpeg|webp;base64 URL of at most 100 KiB",
                ));
            }
        }
        let c = &self.colors;
        for (name, value) in [
            ("primary", &c.primary),
            ("accent", &c.accent),
            ("background", &c.background),
            ("text", &c.text),
        ] {
            if value.as_deref().is_some_and(|x| !hex_color(x)) {
                v.push(FieldError::new(
                    format!("colors.{name}"),
                    "a colour as #rrggbb",
                ));
            }
        }
        if !LOCALES.contains(&self.locale.as_str()) {
            v.push(FieldError::new("locale", "en or de"));
        }
        v.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_branding_is_refused_field_by_field() {
        let b = Branding {
            display_name: Some(" ".into()),
            logo_url: Some("javascript:alert(1)".into()),
            colors: Colors {
                primary: Some("red".into()),
                accent: Some("#12345g".into()),
                ..Colors::default()
            },
            locale: "fr".into(),
        };
        let fields: Vec<String> = b
            .validate()
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(
            fields,
            [
                "display_name",
                "logo_url",
                "colors.primary",
                "colors.accent",
                "locale"
            ]
        );
        let ok = Branding {
            logo_url: Some("https://cdn.example/logo.svg".into()),
            colors: Colors {
                primary: Some("#0a66c2".into()),
                ..Colors::default()
            },
            ..Branding::default()
        };
        assert!(ok.validate().is_ok());
        assert!(
            Branding {
                locale: "de".into(),
                ..ok
            }
            .validate()
            .is_ok()
        );
    }
}

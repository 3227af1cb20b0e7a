//! The messages Mandant sends, in the tenant's language (en, de) and
//! look (display name, primary colour). Plain text first; the HTML part
//! says the same with the link as a button.

use crate::tenants::branding::Branding;

/// A message ready to queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mail {
    pub kind: &'static str,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// A ticket reply's own `Message-ID` (without brackets) and ticket.
    pub message_id: Option<String>,
    pub ticket_id: Option<uuid::Uuid>,
    /// Where answers go (a ticket reply's tokened support address).
    pub reply_to: Option<String>,
    /// Files sent along (a ticket reply's), read from the store when sent.
    pub attachments: Vec<uuid::Uuid>,
}

struct Words {
    subject: &'static str,
    greeting: &'static str,
    body: &'static str,
    button: &'static str,
    ignore: &'static str,
}

fn words(kind: &str, locale: &str) -> Words {
    match (kind, locale) {
        ("password_reset", "de") => Words {
            subject: "Passwort für {org} zurücksetzen",
            greeting: "Hallo {name},",
            body: "jemand (hoffentlich Sie) möchte das Passwort Ihres Zugangs zu {org} neu setzen. Der Link gilt 30 Minuten und nur einmal.",
            button: "Neues Passwort setzen",
            ignore: "Wenn Sie das nicht waren, ignorieren Sie diese Nachricht: Ihr Passwort bleibt, wie es ist.",
        },
        ("password_reset", _) => Words {
            subject: "Reset your {org} password",
            greeting: "Hello {name},",
            body: "someone (hopefully you) asked to set a new password for your {org} account. The link works once, for 30 minutes.",
            button: "Set a new password",
            ignore: "If this was not you, ignore this message: your password stays as it is.",
        },
        (_, "de") => Words {
            subject: "Einladung zu {org}",
            greeting: "Hallo {name},",
            body: "Sie wurden zu {org} eingeladen. Setzen Sie Ihr Passwort, um sich anzumelden; der Link gilt sieben Tage und nur einmal.",
            button: "Passwort setzen und anmelden",
            ignore: "Wenn Sie diese Einladung nicht erwartet haben, ignorieren Sie sie.",
        },
        _ => Words {
            subject: "You are invited to {org}",
            greeting: "Hello {name},",
            body: "you have been invited to {org}. Set your password to sign in; the link works once, for seven days.",
            button: "Set your password and sign in",
            ignore: "If you did not expect this invitation, ignore it.",
        },
    }
}

/// Escapes text for HTML (names and the organisation come from users).
pub fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// A colour safe to put in a style attribute, or the default.
fn colour(b: &Branding) -> String {
    b.colors
        .primary
        .as_deref()
        .filter(|c| {
            c.len() == 7 && c.starts_with('#') && c[1..].bytes().all(|x| x.is_ascii_hexdigit())
        })
        .unwrap_or("#2563eb")
        .to_owned()
}

/// A message with a link that sets the password (`kind`:
/// `password_reset` or `invitation`).
pub fn with_link(
    kind: &'static str,
    branding: &Branding,
    org: &str,
    name: &str,
    link: &str,
) -> Mail {
    let w = words(kind, &branding.locale);
    let fill = |s: &str| s.replace("{org}", org).replace("{name}", name);
    let (greeting, body) = (fill(w.greeting), fill(w.body));
    let text = format!(
        "{greeting}\n\n{body}\n\n{link}\n\n{}\n\n-- \n{org}\n",
        w.ignore
    );
    let html = format!(
        "<!doctype html><html lang=\"{lang}\"><body style=\"font-family:system-ui,sans-serif;color:#111\">\
         <p>{g}</p><p>{b}</p>\
         <p><a href=\"{l}\" style=\"display:inline-block;padding:10px 16px;border-radius:6px;\
         background:{c};color:#fff;text-decoration:none\">{button}</a></p>\
         <p style=\"font-size:12px;color:#555\">{l}</p><p>{i}</p><p>— {o}</p></body></html>",
        lang = esc(&branding.locale),
        g = esc(&greeting),
        b = esc(&body),
        l = esc(link),
        c = colour(branding),
        button = esc(w.button),
        i = esc(w.ignore),
        o = esc(org),
    );
    Mail {
        kind,
        subject: fill(w.subject),
        text,
        html,
        message_id: None,
        ticket_id: None,
        reply_to: None,
        attachments: Vec::new(),
    }
}

/// What an agent is told about a ticket (`kind`: `ticket_assigned`,
/// `customer_replied`, `sla_warning`), with an excerpt of what was said.
pub fn notice(
    kind: &'static str,
    branding: &Branding,
    org: &str,
    ticket_subject: &str,
    excerpt: &str,
    link: &str,
) -> Mail {
    let de = branding.locale == "de";
    let (subject, lead, button) = match (kind, de) {
        ("ticket_assigned", true) => (
            "Ihnen zugewiesen: {s}",
            "Dieses Ticket wurde Ihnen zugewiesen:",
            "Ticket öffnen",
        ),
        ("ticket_assigned", false) => (
            "Assigned to you: {s}",
            "This ticket was assigned to you:",
            "Open the ticket",
        ),
        ("customer_replied", true) => (
            "Antwort des Kunden: {s}",
            "Der Kunde hat geantwortet:",
            "Ticket öffnen",
        ),
        ("customer_replied", false) => (
            "Customer replied: {s}",
            "The customer replied:",
            "Open the ticket",
        ),
        (_, true) => (
            "SLA-Warnung: {s}",
            "Für dieses Ticket läuft eine SLA-Frist bald ab:",
            "Ticket öffnen",
        ),
        (_, false) => (
            "SLA warning: {s}",
            "An SLA target of this ticket is about to be missed:",
            "Open the ticket",
        ),
    };
    let subject = subject.replace("{s}", ticket_subject);
    let quoted = if excerpt.is_empty() {
        String::new()
    } else {
        format!("\n\n{excerpt}")
    };
    let text = format!("{lead}\n{ticket_subject}{quoted}\n\n{link}\n\n-- \n{org}\n");
    let html = format!(
        "<!doctype html><html><body style=\"font-family:system-ui,sans-serif;color:#111\">\
         <p>{}</p><p><strong>{}</strong></p><div style=\"white-space:pre-wrap\">{}</div>\
         <p><a href=\"{l}\" style=\"display:inline-block;padding:10px 16px;border-radius:6px;\
         background:{c};color:#fff;text-decoration:none\">{}</a></p><p>— {}</p></body></html>",
        esc(lead),
        esc(ticket_subject),
        esc(excerpt),
        esc(button),
        esc(org),
        l = esc(link),
        c = colour(branding),
    );
    Mail {
        kind,
        subject,
        text,
        html,
        message_id: None,
        ticket_id: None,
        reply_to: None,
        attachments: Vec::new(),
    }
}

/// Tells the maker of a webhook that it was switched off, and why.
pub fn webhook_disabled(branding: &Branding, org: &str, url: &str, why: &str, link: &str) -> Mail {
    let de = branding.locale == "de";
    let (subject, lead, button) = if de {
        (
            "Webhook abgeschaltet: {u}",
            "Dieser Webhook wurde abgeschaltet und erhält nichts mehr, bis er wieder eingeschaltet wird:",
            "Webhooks öffnen",
        )
    } else {
        (
            "Webhook switched off: {u}",
            "This webhook was switched off and receives nothing until it is switched on again:",
            "Open webhooks",
        )
    };
    let subject = subject.replace("{u}", url);
    let text = format!("{lead}\n{url}\n\n{why}\n\n{link}\n\n-- \n{org}\n");
    let html = format!(
        "<!doctype html><html><body style=\"font-family:system-ui,sans-serif;color:#111\">\
         <p>{}</p><p><strong>{}</strong></p><p>{}</p>\
         <p><a href=\"{l}\" style=\"display:inline-block;padding:10px 16px;border-radius:6px;\
         background:{c};color:#fff;text-decoration:none\">{}</a></p><p>— {}</p></body></html>",
        esc(lead),
        esc(url),
        esc(why),
        esc(button),
        esc(org),
        l = esc(link),
        c = colour(branding),
    );
    Mail {
        kind: "webhook_disabled",
        subject,
        text,
        html,
        message_id: None,
        ticket_id: None,
        reply_to: None,
        attachments: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_speak_the_tenants_language_and_escape_what_users_wrote() {
        let mut b = Branding {
            locale: "de".into(),
            ..Default::default()
        };
        b.colors.primary = Some("#112233".into());
        let m = with_link(
            "password_reset",
            &b,
            "Acme <GmbH>",
            "Eve \"E\"",
            "https://x/t/acme/set-password#token=ab",
        );
        assert_eq!(m.subject, "Passwort für Acme <GmbH> zurücksetzen");
        assert!(m.text.contains("Hallo Eve \"E\",") && m.text.contains("#token=ab"));
        assert!(m.html.contains("Acme &lt;GmbH&gt;") && !m.html.contains("<GmbH>"));
        assert!(m.html.contains("background:#112233"));
        b.locale = "en".into();
        b.colors.primary = Some("red;background:url(x)".into());
        let m = with_link("invitation", &b, "Acme", "Eve", "https://x/");
        assert_eq!(m.subject, "You are invited to Acme");
        assert!(
            m.html.contains("background:#2563eb"),
            "an odd colour is not written into the style"
        );
    }
}

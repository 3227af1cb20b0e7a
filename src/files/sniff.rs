//! What an upload is, decided from its first bytes (magic numbers), not
//! from what the uploader claims: executables are refused whatever they
//! are called, and a file that claims to be an image or a PDF must be one.

/// Enough of the start of a file to recognise every type `infer` knows.
pub const HEAD: usize = 8 * 1024;

/// Names whose extension runs code when opened on a desktop.
const RUNNABLE: &[&str] = &[
    "exe", "com", "scr", "bat", "cmd", "msi", "msp", "dll", "cpl", "vbs", "vbe", "js", "jse",
    "wsf", "wsh", "ps1", "psm1", "hta", "jar", "lnk", "reg", "sh", "app", "apk", "deb", "rpm",
];

#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    Runnable(String),
    Mismatch { claimed: String, actual: String },
}

impl Refusal {
    pub fn message(&self) -> String {
        match self {
            Refusal::Runnable(what) => {
                format!("Programs and scripts cannot be attached ({what}).")
            }
            Refusal::Mismatch { claimed, actual } => {
                format!("The file claims to be {claimed}, but its content is {actual}.")
            }
        }
    }
}

/// The content type to keep for a file named `name`, claimed to be
/// `claimed`, starting with `head`; or why it is refused.
pub fn judge(name: &str, claimed: &str, head: &[u8]) -> Result<String, Refusal> {
    let ext = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    if RUNNABLE.contains(&ext.as_str()) {
        return Err(Refusal::Runnable(format!(".{ext}")));
    }
    let claimed = claimed
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let sniffed = infer::get(head);
    if let Some(t) = sniffed
        && t.matcher_type() == infer::MatcherType::App
    {
        return Err(Refusal::Runnable(t.mime_type().to_owned()));
    }
    if head.starts_with(b"#!") {
        return Err(Refusal::Runnable("a script".into()));
    }
    let strict = claimed.starts_with("image/") || claimed == "application/pdf";
    match sniffed {
        Some(t) => {
            if strict && t.mime_type() != claimed {
                return Err(Refusal::Mismatch {
                    claimed,
                    actual: t.mime_type().to_owned(),
                });
            }
            Ok(t.mime_type().to_owned())
        }
        None if strict => Err(Refusal::Mismatch {
            claimed,
            actual: "not recognisable as that type".into(),
        }),
        None if looks_like_text(head) => {
            let guessed = mime_guess::from_path(name).first_raw();
            Ok([Some(claimed.as_str()), guessed]
                .into_iter()
                .flatten()
                .find(|t| t.starts_with("text/"))
                .unwrap_or("text/plain")
                .to_owned())
        }
        None => Ok("application/octet-stream".into()),
    }
}

/// UTF-8 without control characters other than whitespace (a multi-byte
/// character cut at the end of the head is fine).
fn looks_like_text(head: &[u8]) -> bool {
    let valid = match std::str::from_utf8(head) {
        Ok(s) => s,
        Err(e) if e.error_len().is_none() => {
            std::str::from_utf8(&head[..e.valid_up_to()]).unwrap_or("")
        }
        Err(_) => return false,
    };
    valid
        .chars()
        .all(|c| !c.is_control() || matches!(c, '\n' | '\r' | '\t' | '\u{c}'))
}

#[cfg(test)]
mod tests {
    use super::*;

    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";

    #[test]
    fn content_decides_the_type() {
        assert_eq!(judge("a.png", "image/png", PNG).as_deref(), Ok("image/png"));
        // A PNG sent as anything is kept as a PNG.
        assert_eq!(
            judge("a.bin", "application/octet-stream", PNG).as_deref(),
            Ok("image/png")
        );
        assert_eq!(
            judge("notes.csv", "text/csv", b"a,b\n1,2\n").as_deref(),
            Ok("text/csv")
        );
        assert_eq!(
            judge("notes", "", "grüße\n".as_bytes()).as_deref(),
            Ok("text/plain")
        );
        assert_eq!(
            judge("blob", "", b"\0\x01\x02\x03").as_deref(),
            Ok("application/octet-stream")
        );
    }

    #[test]
    fn programs_are_refused_whatever_their_name() {
        assert!(matches!(
            judge("invoice.pdf.exe", "application/pdf", b"%PDF-1.4"),
            Err(Refusal::Runnable(_))
        ));
        // An ELF binary named like a picture.
        let mut elf = b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x02\0\x3e\0".to_vec();
        elf.resize(64, 0);
        assert!(matches!(
            judge("cat.txt", "text/plain", &elf),
            Err(Refusal::Runnable(_))
        ));
        assert!(matches!(
            judge("run.txt", "text/plain", b"#!/bin/sh\nrm -rf /\n"),
            Err(Refusal::Runnable(_))
        ));
    }

    #[test]
    fn a_claimed_image_must_be_one() {
        assert_eq!(
            judge("x.png", "image/png", b"<svg onload=alert(1)>"),
            Err(Refusal::Mismatch {
                claimed: "image/png".into(),
                actual: "not recognisable as that type".into()
            })
        );
        assert!(matches!(
            judge("x.pdf", "application/pdf", PNG),
            Err(Refusal::Mismatch { .. })
        ));
    }
}

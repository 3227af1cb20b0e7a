//! A real SMTP server for the mail tests: aiosmtpd (tests/mail/smtp_sink.py)
//! in a virtualenv this helper installs from tests/mail/requirements.txt
//! into target/test-venv-smtp once. Each message it accepts is read back
//! as Python's e-mail package parsed it.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::Value;

fn python() -> PathBuf {
    crate::test_venv::python("test-venv-smtp", "tests/mail/requirements.txt")
}

pub struct SmtpSink {
    pub port: u16,
    dir: tempfile::TempDir,
    child: Child,
}

impl SmtpSink {
    pub fn start() -> SmtpSink {
        Self::start_with(&[])
    }

    /// A sink that offers STARTTLS with a certificate made here and
    /// trusted by nobody.
    pub fn start_offering_tls() -> SmtpSink {
        let dir = tempfile::tempdir().unwrap();
        let cert = rcgen::generate_simple_self_signed(vec!["127.0.0.1".into()]).unwrap();
        let (c, k) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
        std::fs::write(&c, cert.cert.pem()).unwrap();
        std::fs::write(&k, cert.key_pair.serialize_pem()).unwrap();
        let sink = Self::start_with(&[c.to_str().unwrap(), k.to_str().unwrap()]);
        // The files are read at start; the directory may go.
        drop(dir);
        sink
    }

    fn start_with(extra: &[&str]) -> SmtpSink {
        let py = python();
        let dir = tempfile::tempdir().unwrap();
        let port = crate::test_venv::free_port();
        let mut child = Command::new(py)
            .arg(crate::test_venv::root().join("tests/mail/smtp_sink.py"))
            .arg(port.to_string())
            .arg(dir.path())
            .args(extra)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the SMTP sink starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert_eq!(line.trim(), "ready", "the SMTP sink did not come up");
        SmtpSink { port, dir, child }
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Every message received so far, in arrival order.
    pub fn messages(&self) -> Vec<Value> {
        read_dir(self.dir.path())
    }

    /// Waits (up to 20 s) for `n` messages.
    pub async fn wait_for(&self, n: usize) -> Vec<Value> {
        for _ in 0..200 {
            let got = self.messages();
            if got.len() >= n {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("expected {n} messages, got {:#?}", self.messages());
    }
}

fn read_dir(dir: &Path) -> Vec<Value> {
    let mut names: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    names.sort();
    names
        .iter()
        .map(|p| serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap())
        .collect()
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

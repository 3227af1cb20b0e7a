//! Real servers for the attachment tests: an S3-compatible store (moto in
//! server mode, from tests/files/requirements.txt) and ClamAV's daemon
//! (Debian's clamav-daemon, which `.ci/run` installs), started with a
//! signature database of one entry: the EICAR test file, which is what
//! every scanner is tested with.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::test_venv::{free_port, python};

pub(crate) async fn wait_for_port(port: u16, what: &str) {
    for _ in 0..300 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{what} did not come up on port {port}");
}

pub struct S3Server {
    pub port: u16,
    child: Child,
}

pub const BUCKET: &str = "mandant-files";

impl S3Server {
    pub async fn start() -> S3Server {
        let py = python("test-venv-s3", "tests/files/requirements.txt");
        let port = free_port();
        let child = Command::new(py)
            .args([
                "-m",
                "moto.server",
                "-H",
                "127.0.0.1",
                "-p",
                &port.to_string(),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("moto starts");
        let s3 = S3Server { port, child };
        wait_for_port(port, "moto").await;
        // moto takes any credentials; a bucket is made with a plain PUT.
        let r = awc::Client::new()
            .put(format!("{}/{BUCKET}", s3.endpoint()))
            .send()
            .await
            .expect("bucket made");
        assert!(r.status().is_success(), "{:?}", r.status());
        s3
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// `MANDANT_FILES_URL` for this server.
    pub fn files_url(&self) -> String {
        format!(
            "s3://{BUCKET}?endpoint={}&allow_http=true&region=us-east-1&access_key_id=test&secret_access_key=test",
            self.endpoint()
        )
    }

    /// The keys in the bucket under `prefix`.
    pub async fn keys(&self, prefix: &str) -> Vec<String> {
        let mut r = awc::Client::new()
            .get(format!(
                "{}/{BUCKET}?list-type=2&prefix={prefix}",
                self.endpoint()
            ))
            .send()
            .await
            .expect("listed");
        let xml = String::from_utf8_lossy(&r.body().await.expect("a listing")).into_owned();
        xml.split("<Key>")
            .skip(1)
            .filter_map(|p| p.split_once("</Key>").map(|(k, _)| k.to_owned()))
            .collect()
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The EICAR test file, put together here so that no scanner flags this
/// source file.
pub fn eicar() -> Vec<u8> {
    [
        "X5O!P%@AP[4\\PZX54(P^)7CC)7}$",
        "EICAR-STANDARD-ANTIVIRUS-",
        "TEST-FILE!$H+H*",
    ]
    .concat()
    .into_bytes()
}

pub struct Clamd {
    pub port: u16,
    child: Child,
    _dir: tempfile::TempDir,
}

impl Clamd {
    /// clamd, if installed; `None` (the test then says it skipped) unless
    /// `MANDANT_REQUIRE_SERVICES` is set, as in CI, where its absence fails.
    pub async fn start() -> Option<Clamd> {
        if Command::new("clamd").arg("--version").output().is_err() {
            assert!(
                std::env::var_os("MANDANT_REQUIRE_SERVICES").is_none(),
                "clamd is not installed (Debian: clamav-daemon; .ci/run installs it)"
            );
            eprintln!("skipped: clamd is not installed (Debian package clamav-daemon)");
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("db");
        std::fs::create_dir(&db).unwrap();
        let sum = format!("{:x}", md5_of(&eicar()));
        std::fs::write(
            db.join("test.hdb"),
            format!("{sum}:{}:Eicar-Test-Signature\n", eicar().len()),
        )
        .unwrap();
        let port = free_port();
        let conf = dir.path().join("clamd.conf");
        std::fs::write(
            &conf,
            format!(
                "Foreground yes\nDatabaseDirectory {}\nTCPSocket {port}\nTCPAddr 127.0.0.1\n\
                 LogFile {}\nStreamMaxLength 8M\n",
                db.display(),
                dir.path().join("clamd.log").display()
            ),
        )
        .unwrap();
        let child = Command::new("clamd")
            .arg("-c")
            .arg(&conf)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("clamd starts");
        let c = Clamd {
            port,
            child,
            _dir: dir,
        };
        wait_for_port(port, "clamd").await;
        Some(c)
    }

    pub fn url(&self) -> String {
        format!("tcp://127.0.0.1:{}", self.port)
    }

    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Clamd {
    fn drop(&mut self) {
        self.stop();
    }
}

/// MD5, as ClamAV's hash signatures name files (`md5sum`, not a crate:
/// the tests need it once).
fn md5_of(bytes: &[u8]) -> u128 {
    let mut f = tempfile::NamedTempFile::new().unwrap();
    std::io::Write::write_all(&mut f, bytes).unwrap();
    let out = Command::new("md5sum").arg(f.path()).output().unwrap();
    let hex = String::from_utf8_lossy(&out.stdout);
    u128::from_str_radix(hex.split_whitespace().next().unwrap(), 16).unwrap()
}

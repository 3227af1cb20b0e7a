//! Python servers the tests start (aiosmtpd, moto) live in virtualenvs
//! under target/, each installed from its requirements file on first use
//! and again when that file changes.

use std::path::PathBuf;
use std::process::Command;
use std::sync::Mutex;

static INSTALL: Mutex<()> = Mutex::new(());

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The python of virtualenv `target/<name>`, with `requirements` (a path
/// under the project) installed.
pub fn python(name: &str, requirements: &str) -> PathBuf {
    let _once = INSTALL.lock().unwrap_or_else(|e| e.into_inner());
    let venv = root().join("target").join(name);
    let req = root().join(requirements);
    let marker = venv.join("installed-requirements.txt");
    let py = venv.join("bin/python");
    let current = std::fs::read(&req).unwrap();
    if std::fs::read(&marker).ok().as_deref() != Some(&current[..]) {
        let _ = std::fs::remove_dir_all(&venv);
        let system = ["python3.11", "python3"]
            .into_iter()
            .find(|p| Command::new(p).arg("--version").output().is_ok())
            .expect("python3 is installed");
        run(Command::new(system).args(["-m", "venv"]).arg(&venv));
        run(Command::new(&py)
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "-r",
            ])
            .arg(&req));
        std::fs::write(&marker, current).unwrap();
    }
    py
}

pub fn run(cmd: &mut Command) {
    let out = cmd.output().expect("runs");
    assert!(
        out.status.success(),
        "{cmd:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A free port on 127.0.0.1 (free when asked; the server binds it next).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

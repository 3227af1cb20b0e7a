//! The web app's own suites, run by `cargo test` so that README's one test
//! command runs everything: its unit tests (vitest) and its end-to-end
//! tests in Debian's Chromium against this build's server binary. Without
//! Node.js, Chromium or the sqlite3 command they are skipped, unless services are required
//! (CI), where that is a failure.

use std::path::Path;
use std::process::Command;

fn available(cmd: &str) -> bool {
    Command::new(cmd)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn web_app_unit_and_end_to_end_tests_pass() {
    let required = std::env::var("MANDANT_REQUIRE_SERVICES").is_ok_and(|v| v == "1");
    let web = Path::new(env!("CARGO_MANIFEST_DIR")).join("web");
    let missing: Vec<&str> = [
        ("npm", available("npm")),
        ("chromium", Path::new("/usr/bin/chromium").exists()),
        // e2e/backdate.ts ages records in the e2e server's files.
        ("sqlite3", available("sqlite3")),
    ]
    .into_iter()
    .filter(|(_, ok)| !ok)
    .map(|(name, _)| name)
    .collect();
    if !missing.is_empty() {
        assert!(!required, "the web app's tests need {missing:?}");
        eprintln!("skipping the web app's tests: {missing:?} not installed");
        return;
    }
    if !web.join("node_modules").exists() {
        let ok = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(&web)
            .status();
        assert!(ok.is_ok_and(|s| s.success()), "npm ci failed");
    }
    // The SSO e2e test starts tests/oidc's provider, which the API tests
    // install too: installed here, once in this process, so two `npm ci`
    // never run in that folder at the same time.
    assert!(crate::oidc_provider::available());
    for script in ["test", "e2e"] {
        let out = Command::new("npm")
            .args(["run", script])
            .current_dir(&web)
            .env("MANDANT_BIN", env!("CARGO_BIN_EXE_mandant"))
            .output()
            .expect("npm runs");
        assert!(
            out.status.success(),
            "npm run {script} failed:\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

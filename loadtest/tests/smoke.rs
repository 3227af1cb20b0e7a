//! CI smoke: a few hundred WebSocket connections for a few seconds against
//! the workspace's debug server, through the real binary (coordinator and
//! worker processes). Fails on any failed connection or lost event.
//!
//! `cargo test --workspace` builds `target/debug/mandant` before it runs
//! any test (the server package's integration tests need it), but cargo
//! only tells a package's own tests where its binaries are, so the server
//! is found next to this test's executable: `<target>/<profile>/deps/smoke-…`
//! → `<target>/<profile>/mandant`. `MANDANT_LOADTEST_SERVER` overrides it.

use std::path::PathBuf;
use std::process::Command;

fn server_binary() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("MANDANT_LOADTEST_SERVER") {
        return Some(PathBuf::from(p));
    }
    let exe = std::env::current_exe().ok()?;
    let profile_dir = exe.parent()?.parent()?;
    let candidate = profile_dir.join(format!("mandant{}", std::env::consts::EXE_SUFFIX));
    candidate.is_file().then_some(candidate)
}

#[test]
fn a_few_hundred_connections_lose_nothing() {
    let Some(server) = server_binary() else {
        // Run alone (`cargo test -p mandant-loadtest`) nothing builds the
        // server; in CI (`.ci/run` sets MANDANT_REQUIRE_SERVICES) the workspace
        // run does, so a missing one is a failure.
        assert!(
            std::env::var_os("CI").is_none()
                && std::env::var_os("MANDANT_REQUIRE_SERVICES").is_none(),
            "no server binary next to the test executable; run `cargo test --workspace` or set MANDANT_LOADTEST_SERVER"
        );
        eprintln!("skipped: no target/debug/mandant (run `cargo test --workspace`)");
        return;
    };
    let out = std::env::temp_dir().join(format!("mandant-loadtest-smoke-{}", std::process::id()));
    let output = Command::new(env!("CARGO_BIN_EXE_mandant-loadtest"))
        .arg("smoke")
        .arg("--server")
        .arg(&server)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap_or_else(|e| panic!("cannot run mandant-loadtest: {e}"));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    if output.status.success() {
        let _ = std::fs::remove_dir_all(&out);
    }
    assert!(
        output.status.success(),
        "smoke against {} failed\nstdout:\n{stdout}\nstderr:\n{stderr}\n(logs in {})",
        server.display(),
        out.display()
    );
    assert!(stdout.contains("smoke passed"), "{stdout}");
}

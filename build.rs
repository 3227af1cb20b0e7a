//! Builds the web app (`web/`, React + Vite) when its sources change, so
//! `cargo run -- serve --demo` on a fresh clone serves it: the files land
//! in `web/dist`, which `http::web_app` embeds (and reads from disk in
//! debug builds). Without Node.js the server still builds and says at `/`
//! how to get the app; `MANDANT_SKIP_WEB_BUILD=1` skips this step.

use std::path::Path;
use std::process::Command;

fn main() {
    for p in [
        "web/src",
        "web/public",
        "web/index.html",
        "web/package.json",
        "web/package-lock.json",
        "web/vite.config.ts",
        "web/tsconfig.json",
        "web/tsconfig.sw.json",
    ] {
        println!("cargo:rerun-if-changed={p}");
    }
    println!("cargo:rerun-if-env-changed=MANDANT_SKIP_WEB_BUILD");
    if std::env::var_os("MANDANT_SKIP_WEB_BUILD").is_some_and(|v| v == "1") {
        return;
    }
    let web = Path::new("web");
    if !web.join("package.json").exists() {
        return;
    }
    let npm = |args: &[&str]| Command::new("npm").args(args).current_dir(web).status();
    if npm(&["--version"]).is_err() {
        println!("cargo:warning=npm not found: the web app is not built (install Node.js 20)");
        return;
    }
    // `npm ci` when the dependencies are missing or the lock file moved on.
    let installed = web.join("node_modules/.package-lock.json");
    let stale = match (
        modified(&installed),
        modified(&web.join("package-lock.json")),
    ) {
        (Some(i), Some(l)) => l > i,
        _ => true,
    };
    if stale && !npm(&["ci", "--no-audit", "--no-fund"]).is_ok_and(|s| s.success()) {
        println!("cargo:warning=npm ci failed: the web app is not built");
        return;
    }
    if !npm(&["run", "build"]).is_ok_and(|s| s.success()) {
        println!("cargo:warning=the web app failed to build (npm run build in web/)");
    }
}

fn modified(p: &Path) -> Option<std::time::SystemTime> {
    std::fs::metadata(p).and_then(|m| m.modified()).ok()
}

//! ARCHITECTURE.md's invariants that the source itself can show: which
//! module may name SQL, HTTP and the real-time actors. A file that breaks
//! one is named with the line.

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// (file relative to `src/`, line number, line) of every line outside
/// `#[cfg(test)]` modules, for every source file.
fn source_lines() -> Vec<(String, usize, String)> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut out = Vec::new();
    for f in files {
        let rel = f
            .strip_prefix(&src)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let text = std::fs::read_to_string(&f).unwrap();
        for (i, line) in text.lines().enumerate() {
            // Unit tests at the end of a file may wire anything up.
            if line.trim_start().starts_with("#[cfg(test)]") {
                break;
            }
            let code = line.split("//").next().unwrap_or("");
            out.push((rel.clone(), i + 1, code.to_owned()));
        }
    }
    out
}

fn offenders(allowed: impl Fn(&str) -> bool, needle: impl Fn(&str) -> bool) -> Vec<String> {
    source_lines()
        .into_iter()
        .filter(|(file, _, line)| !allowed(file) && needle(line))
        .map(|(file, n, line)| format!("src/{file}:{n}: {}", line.trim()))
        .collect()
}

#[test]
fn only_storage_speaks_sql() {
    let found = offenders(
        |f| f.starts_with("storage/"),
        |l| {
            l.contains("sqlx")
                || ["SELECT ", "INSERT INTO", "UPDATE ", "DELETE FROM"]
                    .iter()
                    .any(|k| l.contains(&format!("\"{k}")))
        },
    );
    assert!(
        found.is_empty(),
        "SQL outside storage/:\n{}",
        found.join("\n")
    );
}

#[test]
fn only_http_speaks_http() {
    // The composition root builds the server; `main` starts its runtime.
    let found = offenders(
        |f| f.starts_with("http/") || f == "app.rs" || f == "main.rs",
        |l| l.contains("actix_web") || l.contains("actix_ws") || l.contains("HttpResponse"),
    );
    assert!(
        found.is_empty(),
        "HTTP outside http/:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_lower_layers_import_neither_http_nor_the_actors() {
    let lower = [
        "storage/",
        "records/",
        "domain/",
        "identity/",
        "support/",
        "limits/",
        "bus/",
    ];
    let found = offenders(
        |f| !lower.iter().any(|l| f.starts_with(l)),
        |l| l.contains("crate::http") || l.contains("crate::actors") || l.contains("crate::app"),
    );
    assert!(
        found.is_empty(),
        "a lower layer reaches up (real time flows one way: the hub feeds its children through typed recipients):\n{}",
        found.join("\n")
    );
}

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
        "audit/",
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

/// The top-level module each source file belongs to (`records/x.rs` →
/// `records`, `app.rs` → `app`).
fn top_of(file: &str) -> String {
    file.split('/')
        .next()
        .unwrap_or(file)
        .trim_end_matches(".rs")
        .to_owned()
}

#[test]
fn the_top_level_modules_have_no_import_circles() {
    use std::collections::{BTreeMap, BTreeSet};
    let lines = source_lines();
    let modules: BTreeSet<String> = lines
        .iter()
        .map(|(f, _, _)| top_of(f))
        .filter(|m| m != "lib" && m != "main")
        .collect();
    let mut deps: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (file, _, line) in &lines {
        let from = top_of(file);
        for part in line.split("crate::").skip(1) {
            let to: String = part
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                .collect();
            if to != from && modules.contains(&to) {
                deps.entry(from.clone()).or_default().insert(to);
            }
        }
    }
    let reaches = |from: &str, target: &str| {
        let (mut seen, mut stack) = (BTreeSet::new(), vec![from.to_owned()]);
        while let Some(m) = stack.pop() {
            if m == target {
                return true;
            }
            if seen.insert(m.clone()) {
                stack.extend(deps.get(&m).into_iter().flatten().cloned());
            }
        }
        false
    };
    let circles: Vec<String> = deps
        .iter()
        .flat_map(|(a, tos)| tos.iter().map(move |b| (a.clone(), b.clone())))
        .filter(|(a, b)| reaches(b, a))
        .map(|(a, b)| format!("{a} → {b} → … → {a}"))
        .collect();
    assert!(
        circles.is_empty(),
        "import circles:\n{}",
        circles.join("\n")
    );
}

/// Handlers reach storage through services: an `http/` file may name the
/// storage handle and its error and status types, never a table module,
/// and never opens a transaction itself (where one write begins and ends
/// is the service's business, and next the audit trail's).
#[test]
fn handlers_reach_storage_through_services() {
    let types = ["TenantDb", "StorageError", "SchemaStatus"];
    let found = offenders(
        |f| !f.starts_with("http/"),
        |l| {
            let names_table = l
                .split("crate::storage::")
                .skip(1)
                .any(|rest| !types.iter().any(|t| rest.starts_with(t)));
            names_table || l.contains(".begin(") || l.contains(".begin_read(")
        },
    );
    assert!(
        found.is_empty(),
        "a handler speaks to storage directly:\n{}",
        found.join("\n")
    );
}

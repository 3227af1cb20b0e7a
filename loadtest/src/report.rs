//! Results: one JSON file per run, a Markdown summary with the targets of
//! issue 7, and PNG charts.

use std::fmt::Write as _;
use std::path::Path;

use crate::Result;
use crate::charts::{self, Line};
use crate::hist::Pcts;
use crate::scenarios::RunResult;

pub fn write_json(dir: &Path, r: &RunResult) -> Result<()> {
    std::fs::create_dir_all(dir)?;
    std::fs::write(
        dir.join(format!("{}.json", r.run)),
        serde_json::to_string_pretty(r)?,
    )?;
    Ok(())
}

pub fn read_all(dir: &Path) -> Result<Vec<RunResult>> {
    let order = [
        "smoke",
        "idle",
        "fanout",
        "fanout-coalesced",
        "crm-sqlite",
        "crm-pg",
        "crm-pg-2node",
        "crm-pg-2node-light",
        "noisy",
        "slow",
    ];
    let mut runs = Vec::new();
    for e in std::fs::read_dir(dir)? {
        let p = e?.path();
        if p.extension().is_some_and(|x| x == "json")
            && let Ok(r) = serde_json::from_slice::<RunResult>(&std::fs::read(&p)?)
        {
            runs.push(r);
        }
    }
    runs.sort_by_key(|r| order.iter().position(|o| *o == r.run).unwrap_or(99));
    Ok(runs)
}

fn cmd(prog: &str, args: &[&str]) -> Option<String> {
    let out = std::process::Command::new(prog).args(args).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

pub fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines().find_map(|l| {
                l.strip_prefix("model name")
                    .map(|v| v.trim_start_matches([' ', '\t', ':']).to_owned())
            })
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("MemTotal:"))
                .and_then(|v| v.split_whitespace().next()?.parse::<u64>().ok())
        })
        .map_or(0, |k| k / 1024 / 1024);
    let kernel = cmd("uname", &["-sr"]).unwrap_or_default();
    format!("{cores} cores ({cpu}), {mem} GiB RAM, {kernel}")
}

pub fn commit(source: &Path) -> String {
    let dir = source.to_string_lossy();
    let head = cmd("git", &["-C", &dir, "rev-parse", "--short", "HEAD"])
        .unwrap_or_else(|| "unknown".into());
    let dirty = cmd(
        "git",
        &["-C", &dir, "status", "--porcelain", "--untracked-files=no"],
    )
    .is_some_and(|s| !s.is_empty());
    if dirty {
        format!("{head} (with local changes)")
    } else {
        head
    }
}

pub fn now_utc() -> String {
    cmd("date", &["-u", "+%Y-%m-%d %H:%M UTC"]).unwrap_or_default()
}

pub struct Target {
    pub scenario: &'static str,
    pub target: &'static str,
    pub measured: String,
    pub met: Option<bool>,
}

fn fig(runs: &[RunResult], run: &str, k: &str) -> Option<f64> {
    runs.iter().find(|r| r.run == run)?.figures.get(k).copied()
}

/// The table of issue 7, one line per target.
pub fn targets(runs: &[RunResult]) -> Vec<Target> {
    let f = |run: &str, k: &str| fig(runs, run, k);
    let mut out = Vec::new();
    out.push(match (f("idle", "conns_ok"), f("idle", "rss_per_conn_kib"), f("idle", "conns_failed")) {
        (Some(n), Some(kib), Some(failed)) => Target {
            scenario: "idle",
            target: "19,000 connections in one server process; ≤ 8 KiB server RSS per connection (stretch ≤ 4 KiB)",
            measured: format!(
                "{n:.0} open, {failed:.0} failed; {kib:.1} KiB per connection{}",
                if kib <= 4.0 { " (stretch met)" } else { "" }
            ),
            met: Some(n >= 19_000.0 && failed == 0.0 && kib <= 8.0),
        },
        _ => not_run("idle", "19,000 connections in one server process; ≤ 8 KiB server RSS per connection (stretch ≤ 4 KiB)"),
    });
    out.push(match (f("idle", "connect_per_s"), f("idle", "handshake_p99_ms"), f("idle", "conns_failed"), f("idle", "ready_p99_ms")) {
        (Some(rate), Some(p99), Some(failed), Some(ready)) => Target {
            scenario: "connect storm",
            target: "≥ 5,000 connections/s with auth and 2 subscriptions; handshake p99 ≤ 50 ms; 0 failures",
            measured: format!("{rate:.0}/s; handshake p99 {p99:.1} ms (with both subscriptions acknowledged: {ready:.1} ms); {failed:.0} failures"),
            met: Some(rate >= 5000.0 && p99 <= 50.0 && failed == 0.0),
        },
        _ => not_run("connect storm", "≥ 5,000 connections/s with auth and 2 subscriptions; handshake p99 ≤ 50 ms; 0 failures"),
    });
    let fan = (
        f("fanout", "best_deliveries_per_s"),
        f("fanout", "subscribers"),
        f("fanout", "frame_bytes"),
    );
    out.push(match fan {
        (Some(d), Some(n), Some(b)) => Target {
            scenario: "fanout, one frame per write",
            target: "≥ 100,000 deliveries/s, 10,000 subscribers, 100-byte events, 0 lost",
            measured: format!(
                "{d:.0} deliveries/s without loss to {n:.0} subscribers ({b:.0}-byte frames)"
            ),
            met: Some(d >= 100_000.0 && n >= 10_000.0),
        },
        _ => not_run(
            "fanout, one frame per write",
            "≥ 100,000 deliveries/s, 10,000 subscribers, 100-byte events, 0 lost",
        ),
    });
    out.push(match (
        f("fanout-coalesced", "best_deliveries_per_s"),
        f("fanout-coalesced", "subscribers"),
        f("fanout-coalesced", "messages_per_frame"),
    ) {
        (Some(d), Some(n), Some(m)) => Target {
            scenario: "fanout, with write coalescing",
            target: "≥ 400,000 deliveries/s (flush window ≤ 5 ms)",
            measured: format!(
                "{d:.0} deliveries/s without loss to {n:.0} subscribers (`?coalesce=5`, {m:.1} events per frame at that step)"
            ),
            met: Some(d >= 400_000.0),
        },
        _ => not_run(
            "fanout, with write coalescing",
            "≥ 400,000 deliveries/s (flush window ≤ 5 ms)",
        ),
    });
    let crm_t =
        "1,000 tenants × 15 consoles, 5,000 events/s: publish-to-receive p50 ≤ 2 ms, p99 ≤ 10 ms";
    let sqlite_note = match (
        f("crm-sqlite", "tenants"),
        f("crm-sqlite", "steady_writes_per_s"),
        f("crm-sqlite", "steady_after_p50_ms"),
        f("crm-sqlite", "steady_after_p99_ms"),
    ) {
        (Some(t), Some(w), Some(p50), Some(p99)) => format!(
            "; SQLite ({t:.0} tenants, the most one process's descriptors allow): {w:.0} events/s, p50 {p50:.2} ms, p99 {p99:.2} ms"
        ),
        _ => String::new(),
    };
    out.push(match (
        f("crm-pg", "steady_after_p50_ms"),
        f("crm-pg", "steady_after_p99_ms"),
        f("crm-pg", "steady_writes_per_s"),
        f("crm-pg", "tenants"),
        f("crm-pg", "steady_lost"),
        f("crm-pg", "conns_ok"),
    ) {
        (Some(p50), Some(p99), Some(w), Some(t), Some(lost), Some(conns)) => Target {
            scenario: "crm",
            target: crm_t,
            measured: format!(
                "PostgreSQL, one node: {t:.0} tenants, {conns:.0} consoles connected, {w:.0} events/s done; p50 {p50:.2} ms, p99 {p99:.2} ms after the write's response; {lost:.0} lost{sqlite_note}"
            ),
            met: Some(p50 <= 2.0 && p99 <= 10.0 && w >= 4750.0 && t >= 1000.0 && conns >= 15_000.0 && lost == 0.0),
        },
        _ => not_run("crm", crm_t),
    });
    let rest_t = "PostgreSQL, ≥ 3,000 writes/s, end-to-end p50 ≤ 5 ms, p99 ≤ 25 ms";
    out.push(match (
        f("crm-pg", "steady_writes_per_s"),
        f("crm-pg", "steady_e2e_p50_ms"),
        f("crm-pg", "steady_e2e_p99_ms"),
        f("crm-pg", "peak_writes_per_s"),
    ) {
        (Some(w), Some(p50), Some(p99), peak) => Target {
            scenario: "REST write → subscribers",
            target: rest_t,
            measured: format!(
                "{w:.0} writes/s steady (peak {:.0}/s); end-to-end p50 {p50:.2} ms, p99 {p99:.2} ms",
                peak.unwrap_or(0.0)
            ),
            met: Some(w >= 3000.0 && p50 <= 5.0 && p99 <= 25.0),
        },
        _ => not_run("REST write → subscribers", rest_t),
    });
    let two_t = "the cross-node hop adds ≤ 1 ms at p50; throughput ≥ 70 % of one node";
    // The hop is measured where the nodes are not saturated (the light run);
    // the throughput by the peak of the full runs.
    let hop_run = if f("crm-pg-2node-light", "cross_node_p50_ms").is_some_and(|v| v > 0.0) {
        "crm-pg-2node-light"
    } else {
        "crm-pg-2node"
    };
    out.push(match (
        f(hop_run, "cross_add_p50_ms"),
        f(hop_run, "cross_node_p50_ms").filter(|v| *v > 0.0),
        f("crm-pg-2node", "peak_writes_per_s"),
        f("crm-pg", "peak_writes_per_s"),
    ) {
        (Some(add), Some(cross), Some(two), Some(one)) => {
            let ratio = two / one.max(1e-9);
            Target {
                scenario: "two nodes + Redis",
                target: two_t,
                measured: format!(
                    "cross-node p50 {add:+.2} ms ({hop_run}: same node {:.2} ms, other node {cross:.2} ms); peak {two:.0} writes/s = {:.0} % of one node's {one:.0}",
                    f(hop_run, "same_node_p50_ms").unwrap_or(0.0),
                    ratio * 100.0
                ),
                met: Some(add <= 1.0 && ratio >= 0.7),
            }
        }
        _ => not_run("two nodes + Redis", two_t),
    });
    let noisy_t = "tenant B's p99 moves by ≤ 10 % while tenant A floods";
    out.push(match (f("noisy", "b_p99_alone_ms"), f("noisy", "b_p99_flood_ms"), f("noisy", "b_p99_change_pct")) {
        (Some(a), Some(b), Some(pct)) => Target {
            scenario: "noisy",
            target: noisy_t,
            measured: format!(
                "B p99 {a:.2} ms alone, {b:.2} ms during the flood ({pct:+.0} %); A offered {:.0}/s, {:.0}/s accepted, {:.0}/s refused with 429",
                f("noisy", "a_offered_per_s").unwrap_or(0.0),
                f("noisy", "a_ok_per_s").unwrap_or(0.0),
                f("noisy", "a_limited_per_s").unwrap_or(0.0)
            ),
            met: Some(pct <= 10.0),
        },
        _ => not_run("noisy", noisy_t),
    });
    let slow_t = "server RSS bounded; the others' p99 moves by ≤ 10 %";
    out.push(match (f("slow", "rss_bounded"), f("slow", "p99_change_pct"), f("slow", "p99_baseline_ms"), f("slow", "p99_slow_ms")) {
        (Some(b), Some(pct), Some(p0), Some(p1)) => Target {
            scenario: "slow",
            target: slow_t,
            measured: format!(
                "RSS {} (max {:.0} MiB in the first half of the slow phase, {:.0} MiB in the second); others' p99 {p0:.2} → {p1:.2} ms ({pct:+.0} %)",
                if b > 0.0 { "bounded" } else { "still growing" },
                f("slow", "rss_first_half_max_kib").unwrap_or(0.0) / 1024.0,
                f("slow", "rss_second_half_max_kib").unwrap_or(0.0) / 1024.0
            ),
            met: Some(b > 0.0 && pct <= 10.0),
        },
        _ => not_run("slow", slow_t),
    });
    out
}

fn not_run(scenario: &'static str, target: &'static str) -> Target {
    Target {
        scenario,
        target,
        measured: "not run".into(),
        met: None,
    }
}

fn pct_row(name: &str, p: &Pcts) -> String {
    format!(
        "| {name} | {} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} |\n",
        p.count, p.p50_ms, p.p90_ms, p.p99_ms, p.p999_ms, p.max_ms
    )
}

/// The Markdown summary of a set of runs, with links to `charts_rel`.
pub fn summary(runs: &[RunResult], header: &str, charts_rel: &str) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "{header}\n");
    let benchmarks = runs.iter().any(|r| r.run != "smoke");
    if benchmarks {
        let _ = writeln!(
            s,
            "## Targets\n\n| scenario | target | measured | |\n| --- | --- | --- | --- |"
        );
    }
    for t in targets(runs).into_iter().filter(|_| benchmarks) {
        let status = match t.met {
            Some(true) => "**met**",
            Some(false) => "**not met**",
            None => "not run",
        };
        let _ = writeln!(
            s,
            "| {} | {} | {} | {status} |",
            t.scenario, t.target, t.measured
        );
    }
    for r in runs {
        let _ = writeln!(
            s,
            "\n## {} — {}\n\n{} storage, {} node(s), {:.0} s wall time. Parameters: `{}`\n",
            r.run, r.title, r.storage, r.nodes, r.wall_s, r.params
        );
        if let Some(c) = &r.connect {
            let _ = writeln!(
                s,
                "Connect: {} of {} connections in {:.2} s = **{:.0}/s**; handshake p50 {:.2} ms, p99 {:.2} ms; ready (both subscriptions acknowledged) p50 {:.2} ms, p99 {:.2} ms; {} failed{}.\n",
                c.ok,
                c.attempted,
                c.seconds,
                c.per_second,
                c.handshake.p50_ms,
                c.handshake.p99_ms,
                c.ready.p50_ms,
                c.ready.p99_ms,
                c.failed,
                if c.errors.is_empty() {
                    String::new()
                } else {
                    format!(" (first errors: {})", c.errors.join("; "))
                }
            );
        }
        if r.phases
            .iter()
            .any(|p| p.offered_per_s > 0.0 || p.flood.is_some())
        {
            let _ = writeln!(
                s,
                "| phase | s | offered/s | writes ok/s | 429 | failed | skipped | deliveries/s | lost | resync | frame B | e2e p50 | e2e p99 | e2e p99.9 | after-response p50 | p99 | write RTT p99 | RSS MiB (start → max) |\n|{}",
                " --- |".repeat(18)
            );
            for p in &r.phases {
                let _ = writeln!(
                    s,
                    "| {} | {:.0} | {:.0} | {:.0} | {} | {} | {} | {:.0} | {} | {} | {:.0} | {:.2} | {:.2} | {:.2} | {} | {} | {:.2} | {:.0} → {:.0} |",
                    p.name,
                    p.duration_s,
                    p.offered_per_s,
                    p.writes_per_s,
                    p.writes_limited,
                    p.writes_failed,
                    p.writes_skipped,
                    p.deliveries_per_s,
                    p.lost,
                    p.resyncs,
                    p.frame_bytes_avg,
                    p.e2e.p50_ms,
                    p.e2e.p99_ms,
                    p.e2e.p999_ms,
                    if p.after_response.count > 0 {
                        format!("{:.2}", p.after_response.p50_ms)
                    } else {
                        "–".into()
                    },
                    if p.after_response.count > 0 {
                        format!("{:.2}", p.after_response.p99_ms)
                    } else {
                        "–".into()
                    },
                    p.write_rtt.p99_ms,
                    p.rss_start_kib as f64 / 1024.0,
                    p.rss_max_kib as f64 / 1024.0
                );
            }
            for p in r.phases.iter().filter(|p| p.flood.is_some()) {
                if let Some(f) = &p.flood {
                    let _ = writeln!(
                        s,
                        "\nFlood in phase {}: offered {:.0}/s; {} accepted, {} refused with 429, {} failed.",
                        p.name, f.offered_per_s, f.ok, f.limited, f.failed
                    );
                }
            }
            if r.nodes > 1 {
                let _ = writeln!(
                    s,
                    "\n| steady phase, by where the write landed | count | p50 ms | p90 | p99 | p99.9 | max |\n| --- | --- | --- | --- | --- | --- | --- |"
                );
                if let Some(p) = r.phase("steady") {
                    s.push_str(&pct_row("write on the subscriber's node", &p.same_node));
                    s.push_str(&pct_row(
                        "write on the other node (via Redis)",
                        &p.cross_node,
                    ));
                }
            }
        }
        let _ = writeln!(
            s,
            "\nFigures: {}",
            r.figures
                .iter()
                .map(|(k, v)| format!("`{k}` {}", fmt_num(*v)))
                .collect::<Vec<_>>()
                .join(", ")
        );
        for n in &r.notes {
            let _ = writeln!(s, "\nNote: {n}");
        }
        let _ = writeln!(
            s,
            "\n![{0} time line]({charts_rel}/{0}-timeline.png)",
            r.run
        );
        if r.phases.iter().any(|p| p.e2e.count > 0) {
            let _ = writeln!(s, "![{0} latency]({charts_rel}/{0}-latency.png)", r.run);
        }
        if r.run == "idle" {
            let _ = writeln!(s, "![memory per connection]({charts_rel}/idle-memory.png)");
        }
        if r.scenario == "fanout" {
            let _ = writeln!(s, "![fan-out steps]({charts_rel}/{}-steps.png)", r.run);
        }
    }
    s
}

fn fmt_num(v: f64) -> String {
    if v.abs() >= 100.0 || v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}

/// Every chart for every run into `dir`; a chart that fails is reported, not fatal.
pub fn charts(runs: &[RunResult], dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir)?;
    for r in runs {
        let pts = |f: fn(&crate::coord::Point) -> f64| -> Vec<(f64, f64)> {
            r.series.iter().map(|p| (p.t, f(p))).collect()
        };
        let mut panels = Vec::new();
        if r.series.iter().any(|p| p.deliveries_per_s > 0.0) {
            panels.push((
                format!("{}: deliveries per second", r.run),
                "seconds".into(),
                "deliveries/s".into(),
                vec![("deliveries/s".to_owned(), pts(|p| p.deliveries_per_s))],
            ));
            panels.push((
                format!("{}: writes per second (2xx)", r.run),
                "seconds".into(),
                "writes/s".into(),
                vec![("writes/s".to_owned(), pts(|p| p.writes_per_s))],
            ));
            panels.push((
                format!("{}: latency from the write's send time, per second", r.run),
                "seconds".into(),
                "ms".into(),
                vec![
                    ("p50".to_owned(), pts(|p| p.p50_ms)),
                    ("p99".to_owned(), pts(|p| p.p99_ms)),
                ],
            ));
        }
        panels.push((
            format!("{}: open WebSocket connections", r.run),
            "seconds".into(),
            "connections".into(),
            vec![("live".to_owned(), pts(|p| p.live as f64))],
        ));
        panels.push((
            format!("{}: server RSS (all nodes)", r.run),
            "seconds".into(),
            "MiB".into(),
            vec![("RSS".to_owned(), pts(|p| p.rss_kib as f64 / 1024.0))],
        ));
        report(charts::panels(
            &dir.join(format!("{}-timeline.png", r.run)),
            &panels,
        ));
        let mut lat: Vec<(String, Pcts)> = Vec::new();
        for p in &r.phases {
            if p.e2e.count > 0 {
                lat.push((format!("{}: from send", p.name), p.e2e));
            }
            if p.after_response.count > 0 && p.name == "steady" {
                lat.push((format!("{}: from response", p.name), p.after_response));
            }
            if r.nodes > 1 && p.name == "steady" {
                lat.push(("steady: same node".into(), p.same_node));
                lat.push(("steady: other node".into(), p.cross_node));
            }
        }
        if !lat.is_empty() {
            report(charts::percentiles(
                &dir.join(format!("{}-latency.png", r.run)),
                &format!("{}: delivery latency percentiles", r.run),
                &lat,
            ));
        }
        if r.run == "idle" {
            let line: Line = (
                "server RSS".into(),
                r.series
                    .iter()
                    .filter(|p| p.live > 0)
                    .map(|p| (p.live as f64, p.rss_kib as f64 / 1024.0))
                    .collect(),
            );
            report(charts::panels(
                &dir.join("idle-memory.png"),
                &[(
                    "idle: server RSS by open connections".into(),
                    "open connections".into(),
                    "MiB".into(),
                    vec![line],
                )],
            ));
        }
        if r.scenario == "fanout" {
            let subs = r.figures.get("subscribers").copied().unwrap_or(0.0);
            let offered: Line = (
                "offered (writes/s × subscribers)".into(),
                r.phases
                    .iter()
                    .map(|p| (p.offered_per_s, p.offered_per_s * subs))
                    .collect(),
            );
            let done: Line = (
                "delivered".into(),
                r.phases
                    .iter()
                    .map(|p| (p.offered_per_s, p.deliveries_per_s))
                    .collect(),
            );
            report(charts::panels(
                &dir.join(format!("{}-steps.png", r.run)),
                &[(
                    format!("{}: deliveries per second by publish rate", r.run),
                    "writes/s".into(),
                    "deliveries/s".into(),
                    vec![offered, done],
                )],
            ));
        }
    }
    Ok(())
}

fn report(r: Result<()>) {
    if let Err(e) = r {
        eprintln!("chart skipped: {e}");
    }
}

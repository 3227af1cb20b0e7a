//! `mandant-loadtest`: the load generator and benchmark suite of Mandant.
//!
//! - [`scenarios`]: idle/connect storm, fanout, crm, noisy, slow, smoke.
//! - [`coord`]: the coordinator's side of the client processes;
//!   [`worker`]: a client process (WebSockets and HTTP writers).
//! - [`server`]: server processes, their data and RSS; [`provision`]:
//!   tenants through the public API; [`http`]: a minimal HTTP/1.1 client.
//! - [`report`], [`charts`], [`hist`]: results, Markdown, PNGs, percentiles.

mod charts;
mod coord;
mod hist;
mod http;
mod proto;
mod provision;
mod report;
mod scenarios;
mod server;
mod worker;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use clap::{Parser, Subcommand};
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};

use scenarios::{Ctx, RunResult, Storage};

pub type Error = Box<dyn std::error::Error + Send + Sync>;
pub type Result<T> = std::result::Result<T, Error>;

/// Wall-clock nanoseconds since the epoch: every process on the machine
/// reads the same clock, so a writer's stamp and a reader's are comparable.
pub fn now_ns() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64)
}

#[derive(Parser)]
#[command(
    name = "mandant-loadtest",
    version,
    about = "Load generator and benchmark suite for Mandant"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Args, Clone)]
struct Common {
    /// The Mandant server binary to benchmark (e.g. a release build).
    #[arg(long)]
    server: PathBuf,
    /// Where JSON results, summary.md, charts and logs go.
    #[arg(long, default_value = "loadtest/results")]
    out: PathBuf,
    /// Multiplies connection and tenant counts (1 = the standard suite).
    #[arg(long, default_value_t = 1.0)]
    scale: f64,
    /// Multiplies phase durations.
    #[arg(long, default_value_t = 1.0)]
    time_scale: f64,
    /// Charts directory (default: OUT/charts).
    #[arg(long)]
    charts: Option<PathBuf>,
    /// The source tree the server was built from (for the commit).
    #[arg(long, default_value = ".")]
    source: PathBuf,
}

#[derive(Subcommand)]
enum Command {
    /// Runs the standard suite: idle, fanout, crm (SQLite; PostgreSQL; two
    /// nodes + Redis), noisy, slow; then writes summary.md and charts.
    Suite {
        #[command(flatten)]
        common: Common,
        /// Only these runs (idle, fanout, fanout-coalesced, crm-sqlite, crm-pg, crm-pg-2node, noisy, slow).
        #[arg(long, value_delimiter = ',')]
        only: Vec<String>,
    },
    /// Runs one scenario.
    Run {
        #[arg(value_parser = ["idle", "fanout", "fanout-coalesced", "crm", "noisy", "slow"])]
        scenario: String,
        #[command(flatten)]
        common: Common,
        #[arg(long, value_enum, default_value = "sqlite")]
        storage: Storage,
        #[arg(long, default_value_t = 1)]
        nodes: usize,
    },
    /// A few hundred connections for a few seconds (CI); fails on any loss.
    Smoke {
        #[arg(long)]
        server: PathBuf,
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Writes summary.md and the charts again from OUT/*.json.
    Report {
        #[arg(long, default_value = "loadtest/results")]
        out: PathBuf,
        #[arg(long)]
        charts: Option<PathBuf>,
        #[arg(long, default_value = ".")]
        source: PathBuf,
    },
    /// A client process (started by the coordinator).
    #[command(hide = true)]
    Worker,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Command::Worker = cli.command {
        return ExitCode::from(worker::main() as u8);
    }
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("no runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    // An interrupt drops the run's future: its servers and workers are
    // killed with their handles (kill_on_drop); its databases are dropped here.
    let res = rt.block_on(async {
        tokio::select! {
            r = run(cli.command) => r,
            s = interrupted() => {
                server::drop_leftovers().await;
                Err(format!("interrupted ({s}); servers, workers and databases are cleaned up").into())
            }
        }
    });
    match res {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn interrupted() -> &'static str {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut term), Ok(mut int)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) else {
        return std::future::pending().await;
    };
    tokio::select! {
        _ = term.recv() => "SIGTERM",
        _ = int.recv() => "SIGINT",
    }
}

fn ctx(server: &Path, out: &Path, scale: f64, time_scale: f64) -> Result<Ctx> {
    let server = std::fs::canonicalize(server)
        .map_err(|e| format!("server binary {}: {e}", server.display()))?;
    std::fs::create_dir_all(out)?;
    let work = out.join("work");
    std::fs::create_dir_all(&work)?;
    Ok(Ctx {
        server,
        exe: std::env::current_exe()?,
        work: std::fs::canonicalize(work)?,
        mp: MultiProgress::new(),
        scale,
        time_scale,
    })
}

fn header(source: &Path, server: &Path) -> String {
    let command: Vec<String> = std::env::args().collect();
    format!(
        "# Mandant load test results\n\n- date: {}\n- machine: {}\n- commit: {}\n- server binary: `{}`\n- command: `{}`",
        report::now_utc(),
        report::machine(),
        report::commit(source),
        server.display(),
        command.join(" ")
    )
}

fn finish(runs: &[RunResult], out: &Path, charts: Option<PathBuf>, head: &str) -> Result<()> {
    let charts = charts.unwrap_or_else(|| out.join("charts"));
    report::charts(runs, &charts)?;
    let rel = pathdiff(&charts, out);
    std::fs::write(out.join("summary.md"), report::summary(runs, head, &rel))?;
    Ok(())
}

/// `charts` relative to `base` when it lies below it, else absolute.
fn pathdiff(charts: &Path, base: &Path) -> String {
    let (c, b) = (
        std::fs::canonicalize(charts).unwrap_or_else(|_| charts.to_owned()),
        std::fs::canonicalize(base).unwrap_or_else(|_| base.to_owned()),
    );
    match c.strip_prefix(&b) {
        Ok(rel) => rel.display().to_string(),
        Err(_) => c.display().to_string(),
    }
}

fn print_targets(runs: &[RunResult]) {
    for t in report::targets(runs) {
        let s = match t.met {
            Some(true) => "met    ",
            Some(false) => "NOT MET",
            None => "not run",
        };
        println!("{s}  {:<30} {}", t.scenario, t.measured);
    }
}

async fn run(command: Command) -> Result<ExitCode> {
    match command {
        Command::Suite { common, only } => suite(common, only).await,
        Command::Run {
            scenario,
            common,
            storage,
            nodes,
        } => {
            let ctx = ctx(&common.server, &common.out, common.scale, common.time_scale)?;
            let r = match scenario.as_str() {
                "idle" => scenarios::idle(&ctx, scenarios::idle_params(&ctx)).await?,
                "fanout" => scenarios::fanout(&ctx, scenarios::fanout_params(&ctx)).await?,
                "fanout-coalesced" => {
                    scenarios::fanout(&ctx, scenarios::fanout_coalesced_params(&ctx)).await?
                }
                "crm" => {
                    scenarios::crm(
                        &ctx,
                        scenarios::crm_params(&ctx, storage, nodes),
                        None,
                        false,
                    )
                    .await?
                    .0
                }
                "noisy" => scenarios::noisy(&ctx, scenarios::noisy_params(&ctx)).await?,
                _ => scenarios::slow(&ctx, scenarios::slow_params(&ctx)).await?,
            };
            report::write_json(&common.out, &r)?;
            let runs = report::read_all(&common.out)?;
            finish(
                &runs,
                &common.out,
                common.charts,
                &header(&common.source, &ctx.server),
            )?;
            print_targets(&[r]);
            println!("results in {}", common.out.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Smoke { server, out } => {
            let out = out.unwrap_or_else(|| {
                std::env::temp_dir().join(format!("mandant-smoke-{}", std::process::id()))
            });
            let ctx = ctx(&server, &out, 1.0, 1.0)?;
            let t0 = Instant::now();
            let r = scenarios::smoke(&ctx).await;
            let _ = std::fs::remove_dir_all(ctx.work.join("smoke-node0"));
            let r = r?;
            report::write_json(&out, &r)?;
            finish(std::slice::from_ref(&r), &out, None, "# Mandant smoke")?;
            println!(
                "smoke passed in {:.1} s: {} connections, {} deliveries, 0 lost, p99 {:.2} ms ({})",
                t0.elapsed().as_secs_f64(),
                r.connect.as_ref().map_or(0, |c| c.ok),
                r.figures.get("deliveries").copied().unwrap_or(0.0),
                r.figures.get("e2e_p99_ms").copied().unwrap_or(0.0),
                out.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Report {
            out,
            charts,
            source,
        } => {
            let runs = report::read_all(&out)?;
            let server = PathBuf::from("(see the JSON results)");
            finish(&runs, &out, charts, &header(&source, &server))?;
            print_targets(&runs);
            Ok(ExitCode::SUCCESS)
        }
        Command::Worker => Ok(ExitCode::SUCCESS),
    }
}

const SUITE: [&str; 9] = [
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

async fn suite(common: Common, only: Vec<String>) -> Result<ExitCode> {
    let ctx = ctx(&common.server, &common.out, common.scale, common.time_scale)?;
    for o in &only {
        if !SUITE.contains(&o.as_str()) {
            return Err(format!("unknown run {o}; runs: {}", SUITE.join(", ")).into());
        }
    }
    let list: Vec<&str> = SUITE
        .iter()
        .copied()
        .filter(|s| only.is_empty() || only.iter().any(|o| o == s))
        .collect();
    let pg = server::pg_available().await;
    let redis = server::redis_available().await;
    let head = header(&common.source, &ctx.server);
    let top = ctx.mp.add(ProgressBar::new(list.len() as u64));
    top.set_style(
        ProgressStyle::with_template("suite [{elapsed_precise}] {bar:30} {pos}/{len} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let mut runs: Vec<RunResult> = Vec::new();
    let mut failed: Vec<String> = Vec::new();
    let mut fixture = None;
    for name in list {
        top.set_message(name.to_owned());
        let needs_pg = name.starts_with("crm-pg");
        if needs_pg && !pg {
            failed.push(format!(
                "{name}: skipped, PostgreSQL at 127.0.0.1:5432 is not reachable with psql"
            ));
            top.inc(1);
            continue;
        }
        if name.starts_with("crm-pg-2node") && !redis {
            failed.push(format!(
                "{name}: skipped, Redis at 127.0.0.1:6379 is not reachable"
            ));
            top.inc(1);
            continue;
        }
        let res = match name {
            "idle" => scenarios::idle(&ctx, scenarios::idle_params(&ctx)).await,
            "fanout" => scenarios::fanout(&ctx, scenarios::fanout_params(&ctx)).await,
            "fanout-coalesced" => {
                scenarios::fanout(&ctx, scenarios::fanout_coalesced_params(&ctx)).await
            }
            "crm-sqlite" => scenarios::crm(
                &ctx,
                scenarios::crm_params(&ctx, Storage::Sqlite, 1),
                None,
                false,
            )
            .await
            .map(|x| x.0),
            "crm-pg" => match scenarios::crm(
                &ctx,
                scenarios::crm_params(&ctx, Storage::Postgres, 1),
                None,
                true,
            )
            .await
            {
                Ok((r, f)) => {
                    fixture = f;
                    Ok(r)
                }
                Err(e) => Err(e),
            },
            "crm-pg-2node" => scenarios::crm(
                &ctx,
                scenarios::crm_params(&ctx, Storage::Postgres, 2),
                fixture.take(),
                false,
            )
            .await
            .map(|x| x.0),
            "crm-pg-2node-light" => {
                scenarios::crm(&ctx, scenarios::crm_light_params(&ctx), None, false)
                    .await
                    .map(|x| x.0)
            }
            "noisy" => scenarios::noisy(&ctx, scenarios::noisy_params(&ctx)).await,
            _ => scenarios::slow(&ctx, scenarios::slow_params(&ctx)).await,
        };
        match res {
            Ok(r) => {
                report::write_json(&common.out, &r)?;
                ctx.say(format!("{name}: done in {:.0} s", r.wall_s));
                runs.push(r);
            }
            Err(e) => {
                ctx.say(format!("{name}: FAILED: {e}"));
                failed.push(format!("{name}: {e}"));
            }
        }
        top.inc(1);
    }
    if let Some(f) = fixture {
        let _ = f.pg.drop_all().await;
    }
    top.finish_and_clear();
    let mut head = head;
    for f in &failed {
        head.push_str(&format!("\n- not completed: {f}"));
    }
    finish(&runs, &common.out, common.charts, &head)?;
    print_targets(&runs);
    for f in &failed {
        println!("FAILED  {f}");
    }
    println!("summary: {}", common.out.join("summary.md").display());
    Ok(if failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

//! The scenarios of issue 7. Each starts its own server process(es),
//! provisions tenants through the public API, spreads its connections
//! over worker processes (one source address each), runs bounded phases
//! and returns a `RunResult`.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::coord::{ConnectSummary, PhaseSummary, Point, Workers};
use crate::proto::*;
use crate::provision::{self, TenantCred};
use crate::server::{PgDb, REDIS, Server, ServerSpec};
use crate::{Result, now_ns};

pub struct Ctx {
    /// The Mandant server binary under test.
    pub server: PathBuf,
    /// This binary, started again as `worker`.
    pub exe: PathBuf,
    /// Data dirs and logs of this invocation.
    pub work: PathBuf,
    pub mp: MultiProgress,
    /// Multiplies connection and tenant counts (1.0: the standard suite).
    pub scale: f64,
    /// Multiplies phase durations.
    pub time_scale: f64,
}

impl Ctx {
    pub fn bar(&self, prefix: &str, len: u64) -> ProgressBar {
        let pb = self.mp.add(ProgressBar::new(len));
        pb.set_style(
            ProgressStyle::with_template(
                "{spinner} {prefix:<22} [{elapsed_precise}] {bar:30} {pos:>6}/{len:<6} {msg}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        pb.set_prefix(prefix.to_owned());
        pb.enable_steady_tick(Duration::from_millis(200));
        pb
    }
    /// A line above the progress bars (or on stderr when they are hidden).
    pub fn say(&self, line: String) {
        if self.mp.is_hidden() {
            eprintln!("{line}");
        } else {
            let _ = self.mp.println(line);
        }
    }
    fn n(&self, v: u64) -> u64 {
        ((v as f64 * self.scale).round() as u64).max(1)
    }
    fn ms(&self, secs: f64) -> u64 {
        (secs * 1000.0 * self.time_scale).round().max(500.0) as u64
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RunResult {
    pub run: String,
    pub scenario: String,
    pub title: String,
    pub storage: String,
    pub nodes: usize,
    pub started_unix: u64,
    pub wall_s: f64,
    pub params: serde_json::Value,
    pub connect: Option<ConnectSummary>,
    pub phases: Vec<PhaseSummary>,
    pub series: Vec<Point>,
    pub figures: BTreeMap<String, f64>,
    pub notes: Vec<String>,
}

impl RunResult {
    fn new(run: &str, scenario: &str, title: &str, storage: &str, nodes: usize) -> Self {
        RunResult {
            run: run.into(),
            scenario: scenario.into(),
            title: title.into(),
            storage: storage.into(),
            nodes,
            started_unix: now_ns() / 1_000_000_000,
            ..RunResult::default()
        }
    }
    fn fig(&mut self, k: &str, v: f64) {
        self.figures.insert(k.into(), v);
    }
    pub fn phase(&self, name: &str) -> Option<&PhaseSummary> {
        self.phases.iter().find(|p| p.name == name)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
pub enum Storage {
    Sqlite,
    Postgres,
}

/// Server processes of one run and what they stand on.
pub struct Cluster {
    pub servers: Vec<Server>,
    pub token: String,
    pub pg: Option<PgDb>,
    owns_pg: bool,
    dirs: Vec<PathBuf>,
    specs: Vec<ServerSpec>,
}

impl Cluster {
    pub async fn start(
        ctx: &Ctx,
        tag: &str,
        storage: Storage,
        nodes: usize,
        pg: Option<PgDb>,
    ) -> Result<Cluster> {
        let (pg, owns_pg) = match (storage, pg) {
            (Storage::Sqlite, _) => (None, false),
            (Storage::Postgres, Some(db)) => (Some(db), false),
            (Storage::Postgres, None) => (Some(PgDb::create(tag).await?), true),
        };
        if nodes > 1 && pg.is_none() {
            return Err("several nodes need PostgreSQL".into());
        }
        let token = format!("lt-platform-{}-{}", std::process::id(), now_ns());
        let mut servers = Vec::new();
        let mut dirs = Vec::new();
        let mut specs = Vec::new();
        for node in 0..nodes {
            let spec = ServerSpec {
                binary: ctx.server.clone(),
                data_dir: ctx.work.join(format!("{tag}-node{node}")),
                database_url: pg.as_ref().map(|d| d.url.clone()),
                redis_url: (nodes > 1).then(|| REDIS.to_owned()),
                token: token.clone(),
                log: ctx.work.join(format!("{tag}-node{node}.log")),
            };
            dirs.push(spec.data_dir.clone());
            let s = Server::start(&spec).await?;
            ctx.say(format!("{tag}: node {node} is pid {} on {}", s.pid, s.addr));
            servers.push(s);
            specs.push(spec);
        }
        Ok(Cluster {
            servers,
            token,
            pg,
            owns_pg,
            dirs,
            specs,
        })
    }

    /// Stops and starts every server on the same data: a fresh process
    /// whose heap holds nothing of the provisioning (Argon2 alone leaves
    /// tens of MiB per thread in the allocator's arenas).
    pub async fn restart(&mut self, ctx: &Ctx) -> Result<()> {
        for s in self.servers.drain(..) {
            s.stop().await;
        }
        for (node, spec) in self.specs.iter().enumerate() {
            let s = Server::start(spec).await?;
            ctx.say(format!(
                "restarted: node {node} is pid {} on {}",
                s.pid, s.addr
            ));
            self.servers.push(s);
        }
        Ok(())
    }

    pub fn addr(&self, node: usize) -> SocketAddr {
        self.servers[node % self.servers.len()].addr
    }

    pub fn pids(&self) -> Vec<u32> {
        self.servers.iter().map(|s| s.pid).collect()
    }

    pub fn rss(&self) -> u64 {
        self.servers.iter().map(Server::rss_kib).sum()
    }

    /// Stops the servers; drops the database if this cluster made it.
    pub async fn stop(self) -> Option<PgDb> {
        for s in self.servers {
            s.stop().await;
        }
        // The data (a thousand SQLite files) is not a result; the logs stay.
        for d in &self.dirs {
            let _ = std::fs::remove_dir_all(d);
        }
        match (self.pg, self.owns_pg) {
            (Some(db), true) => {
                if let Err(e) = db.drop_all().await {
                    eprintln!("could not drop {}: {e}", db.name);
                }
                None
            }
            (pg, _) => pg,
        }
    }
}

fn bind_ip(worker: usize) -> String {
    format!("127.0.0.{}", 2 + worker)
}

fn job(worker: usize, streams: usize) -> Job {
    Job {
        worker,
        bind_ip: bind_ip(worker),
        streams: vec![Vec::new(); streams],
        connect_concurrency: 64,
        http_pool: 8,
        ..Job::default()
    }
}

fn contact_writer(wid: u32, addr: SocketAddr, node: u8, t: &TenantCred) -> WriterSpec {
    WriterSpec {
        wid,
        addr: addr.to_string(),
        node,
        tenant_idx: t.idx,
        token: t.token.clone(),
        path: format!("/t/{}/api/v1/contacts", t.slug),
        body: format!(r#"{{"first_name":"Load","last_name":"{MARK}"}}"#),
    }
}

fn phase_cmds(
    workers: usize,
    id: u32,
    name: &str,
    duration_ms: u64,
    drain_ms: u64,
    rates: impl Fn(usize) -> Vec<f64>,
    slow: bool,
) -> Vec<PhaseCmd> {
    (0..workers)
        .map(|w| PhaseCmd {
            id,
            name: name.into(),
            duration_ms,
            rates: rates(w),
            slow,
            drain_ms,
        })
        .collect()
}

async fn provision(
    ctx: &Ctx,
    cl: &Cluster,
    label: &str,
    prefix: &str,
    n: u32,
    plan: &str,
) -> Result<Vec<TenantCred>> {
    let pb = ctx.bar(&format!("{label}: tenants"), u64::from(n));
    let r = provision::tenants(cl.addr(0), &cl.token, prefix, n, plan, 4, &pb).await;
    pb.finish_and_clear();
    r
}

async fn spawn_workers(ctx: &Ctx, cl: &Cluster, jobs: Vec<Job>, t0: Instant) -> Result<Workers> {
    let dir = ctx.work.join("logs");
    std::fs::create_dir_all(&dir)?;
    Workers::spawn(&ctx.exe, jobs, &dir, cl.pids(), t0).await
}

async fn connect(ctx: &Ctx, label: &str, ws: &mut Workers, total: u64) -> Result<ConnectSummary> {
    let pb = ctx.bar(&format!("{label}: connect"), total);
    let r = ws.connect(&pb).await;
    pb.finish_and_clear();
    r
}

async fn run_phase(
    ctx: &Ctx,
    label: &str,
    ws: &mut Workers,
    cmds: Vec<PhaseCmd>,
) -> Result<PhaseSummary> {
    let secs = cmds
        .first()
        .map_or(0, |c| (c.duration_ms + c.drain_ms) / 1000);
    let name = cmds.first().map(|c| c.name.clone()).unwrap_or_default();
    let pb = ctx.bar(&format!("{label}: {name}"), secs);
    let r = ws.phase(cmds, &pb).await;
    pb.finish_and_clear();
    r
}

fn connect_figures(r: &mut RunResult, c: &ConnectSummary) {
    r.fig("conns_ok", c.ok as f64);
    r.fig("conns_failed", c.failed as f64);
    r.fig("connect_per_s", c.per_second);
    r.fig("handshake_p50_ms", c.handshake.p50_ms);
    r.fig("handshake_p99_ms", c.handshake.p99_ms);
    r.fig("ready_p50_ms", c.ready.p50_ms);
    r.fig("ready_p99_ms", c.ready.p99_ms);
}

// ---------------------------------------------------------------- idle

#[derive(Debug, Clone, Serialize)]
pub struct IdleParams {
    pub tenants: u32,
    pub conns: u64,
    pub workers: usize,
    pub hold_s: f64,
    pub connect_concurrency: usize,
    /// The storm's offered rate, connections per second over all workers,
    /// open loop: the target is a latency at a rate, and a closed loop
    /// with many handshakes in flight measures its own queue instead.
    pub connect_rate: f64,
}

pub fn idle_params(ctx: &Ctx) -> IdleParams {
    IdleParams {
        tenants: ctx.n(20).max(2) as u32,
        conns: ctx.n(19_000),
        workers: 4,
        hold_s: 10.0,
        connect_concurrency: 64,
        connect_rate: 5250.0,
    }
}

/// N connections over M tenants, each subscribed to two topics: the
/// connect storm, then server RSS per idle connection.
pub async fn idle(ctx: &Ctx, p: IdleParams) -> Result<RunResult> {
    let t0 = Instant::now();
    let mut r = RunResult::new(
        "idle",
        "idle",
        "Idle connections and connect storm",
        "sqlite",
        1,
    );
    r.params = serde_json::to_value(&p)?;
    let mut cl = Cluster::start(ctx, "idle", Storage::Sqlite, 1, None).await?;
    let out = async {
        let tenants = provision(ctx, &cl, "idle", "idle", p.tenants, "enterprise").await?;
        cl.restart(ctx).await?;
        tokio::time::sleep(Duration::from_secs(2)).await;
        let rss_base = cl.rss();
        let mut jobs: Vec<Job> = (0..p.workers).map(|w| job(w, 1)).collect();
        for j in &mut jobs {
            j.connect_concurrency = p.connect_concurrency;
            j.connect_rate = p.connect_rate / p.workers as f64;
        }
        let per = p.conns / u64::from(p.tenants);
        for (i, t) in tenants.iter().enumerate() {
            let extra = u64::from(i == 0) * (p.conns - per * u64::from(p.tenants));
            jobs[i % p.workers].conns.push(ConnGroup {
                addr: cl.addr(0).to_string(),
                node: 0,
                tenant: t.slug.clone(),
                tenant_idx: t.idx,
                token: t.token.clone(),
                topics: vec!["contacts".into(), "deals".into()],
                count: (per + extra) as u32,
                slow: 0,
                coalesce_ms: 0,
            });
        }
        let mut ws = spawn_workers(ctx, &cl, jobs, t0).await?;
        let c = connect(ctx, "idle", &mut ws, p.conns).await?;
        connect_figures(&mut r, &c);
        r.connect = Some(c.clone());
        let hold = phase_cmds(p.workers, 1, "hold", ctx.ms(p.hold_s), 0, |_| vec![], false);
        let ph = run_phase(ctx, "idle", &mut ws, hold).await?;
        let rss = cl.rss();
        r.fig("rss_base_kib", rss_base as f64);
        r.fig("rss_kib", rss as f64);
        r.fig("live_at_end", ws.live() as f64);
        r.fig(
            "rss_per_conn_kib",
            rss.saturating_sub(rss_base) as f64 / (c.ok.max(1)) as f64,
        );
        r.phases.push(ph);
        r.series = std::mem::take(&mut ws.series);
        ws.close().await;
        Ok::<_, crate::Error>(())
    }
    .await;
    cl.stop().await;
    out?;
    r.wall_s = t0.elapsed().as_secs_f64();
    Ok(r)
}

// -------------------------------------------------------------- fanout

#[derive(Debug, Clone, Serialize)]
pub struct FanoutParams {
    pub run: String,
    /// The server's flush window (`?coalesce=`); 0: one frame per event.
    pub coalesce_ms: u32,
    pub subscribers: u64,
    pub workers: usize,
    /// Writes per second of each step; every write reaches every subscriber.
    pub rates: Vec<f64>,
    pub step_s: f64,
    pub drain_s: f64,
}

pub fn fanout_params(ctx: &Ctx) -> FanoutParams {
    FanoutParams {
        run: "fanout".into(),
        coalesce_ms: 0,
        subscribers: ctx.n(10_000),
        workers: 4,
        rates: vec![5.0, 10.0, 15.0, 20.0, 30.0, 40.0, 60.0, 80.0],
        step_s: 8.0,
        drain_s: 3.0,
    }
}

/// The same with the server coalescing events into one frame per 5 ms
/// window, stepped further up.
pub fn fanout_coalesced_params(ctx: &Ctx) -> FanoutParams {
    FanoutParams {
        run: "fanout-coalesced".into(),
        coalesce_ms: 5,
        rates: vec![10.0, 20.0, 40.0, 60.0, 80.0, 120.0, 160.0, 240.0],
        ..fanout_params(ctx)
    }
}

/// One topic, N subscribers, publish rate stepped up.
pub async fn fanout(ctx: &Ctx, p: FanoutParams) -> Result<RunResult> {
    let t0 = Instant::now();
    let label = p.run.clone();
    let title = if p.coalesce_ms > 0 {
        format!("Fan-out with {} ms write coalescing", p.coalesce_ms)
    } else {
        "Fan-out: one topic, many subscribers".to_owned()
    };
    let mut r = RunResult::new(&label, "fanout", &title, "sqlite", 1);
    r.params = serde_json::to_value(&p)?;
    let cl = Cluster::start(ctx, &label, Storage::Sqlite, 1, None).await?;
    let out = async {
        let tenants = provision(ctx, &cl, &label, "fan", 1, "enterprise").await?;
        let t = &tenants[0];
        let mut jobs: Vec<Job> = (0..p.workers).map(|w| job(w, 1)).collect();
        let per = p.subscribers / p.workers as u64;
        for (w, j) in jobs.iter_mut().enumerate() {
            let extra = if w == 0 {
                p.subscribers - per * p.workers as u64
            } else {
                0
            };
            j.conns.push(ConnGroup {
                addr: cl.addr(0).to_string(),
                node: 0,
                tenant: t.slug.clone(),
                tenant_idx: t.idx,
                token: t.token.clone(),
                topics: vec!["contacts".into()],
                count: (per + extra) as u32,
                slow: 0,
                coalesce_ms: p.coalesce_ms,
            });
        }
        jobs[0].streams[0].push(contact_writer(0, cl.addr(0), 0, t));
        let mut ws = spawn_workers(ctx, &cl, jobs, t0).await?;
        let c = connect(ctx, &label, &mut ws, p.subscribers).await?;
        connect_figures(&mut r, &c);
        r.connect = Some(c);
        let mut best = (0.0f64, 0.0f64, 0.0f64);
        for (k, &rate) in p.rates.iter().enumerate() {
            let name = format!("{rate} writes/s");
            let cmds = phase_cmds(
                p.workers,
                k as u32 + 1,
                &name,
                ctx.ms(p.step_s),
                ctx.ms(p.drain_s),
                |w| if w == 0 { vec![rate] } else { vec![0.0] },
                false,
            );
            let ph = run_phase(ctx, &label, &mut ws, cmds).await?;
            let clean = ph.lost == 0 && ph.resyncs == 0 && ph.writes_ok > 0;
            if clean && ph.deliveries_per_s > best.0 {
                best = (
                    ph.deliveries_per_s,
                    rate,
                    ph.deliveries as f64 / ph.frames.max(1) as f64,
                );
            }
            let stop = ph.lost > 0 || ph.resyncs > 0;
            r.phases.push(ph);
            if stop {
                r.notes.push(format!(
                    "stopped stepping up at {rate} writes/s: losses or resyncs"
                ));
                break;
            }
        }
        r.fig("subscribers", p.subscribers as f64);
        r.fig("best_deliveries_per_s", best.0);
        r.fig("best_rate", best.1);
        r.fig("messages_per_frame", best.2);
        let frame = r
            .phases
            .iter()
            .map(|p| p.frame_bytes_avg)
            .fold(0.0, f64::max);
        r.fig("frame_bytes", frame);
        r.fig("lost_total", r.phases.iter().map(|p| p.lost as f64).sum());
        r.series = std::mem::take(&mut ws.series);
        ws.close().await;
        Ok::<_, crate::Error>(())
    }
    .await;
    cl.stop().await;
    out?;
    r.wall_s = t0.elapsed().as_secs_f64();
    Ok(r)
}

// ----------------------------------------------------------------- crm

#[derive(Debug, Clone, Serialize)]
pub struct CrmParams {
    pub storage: Storage,
    pub nodes: usize,
    pub tenants: u32,
    pub consoles: u32,
    pub rate: f64,
    pub warm_s: f64,
    pub steady_s: f64,
    pub peak_factor: f64,
    pub peak_s: f64,
    pub workers: usize,
    pub http_pool: usize,
    pub light: bool,
}

pub fn crm_params(ctx: &Ctx, storage: Storage, nodes: usize) -> CrmParams {
    CrmParams {
        storage,
        nodes,
        // One process may hold 20,000 descriptors. The server keeps about
        // nine open per SQLite tenant it has touched (three connections ×
        // db, wal, shm), so 1,000 SQLite tenants and 15,000 sockets do not
        // fit (see BENCHMARKS.md); PostgreSQL needs a handful in all.
        tenants: ctx.n(if storage == Storage::Sqlite {
            600
        } else {
            1000
        }) as u32,
        consoles: 15,
        rate: (5000.0 * ctx.scale).max(10.0),
        warm_s: 5.0,
        steady_s: 20.0,
        peak_factor: 3.0,
        peak_s: 10.0,
        workers: 4,
        http_pool: 32,
        light: false,
    }
}

/// Tenants provisioned on a PostgreSQL database, kept for the next run.
pub struct Fixture {
    pub pg: PgDb,
    pub tenants: Vec<TenantCred>,
}

/// The two-node run again at a load the nodes are not saturated by
/// (50 tenants, 250 writes/s): what the Redis hop itself costs.
pub fn crm_light_params(ctx: &Ctx) -> CrmParams {
    CrmParams {
        tenants: ctx.n(50) as u32,
        rate: (250.0 * ctx.scale).max(10.0),
        peak_factor: 1.0,
        peak_s: 5.0,
        light: true,
        ..crm_params(ctx, Storage::Postgres, 2)
    }
}

pub fn crm_run_name(p: &CrmParams) -> String {
    let base = match (p.storage, p.nodes) {
        (Storage::Sqlite, _) => "crm-sqlite".into(),
        (Storage::Postgres, 1) => "crm-pg".into(),
        (Storage::Postgres, n) => format!("crm-pg-{n}node"),
    };
    if p.light {
        format!("{base}-light")
    } else {
        base
    }
}

/// T tenants × C consoles, writes spread over the tenants; with two
/// nodes, consoles and writes alternate between them, so half of all
/// deliveries cross the Redis bus.
pub async fn crm(
    ctx: &Ctx,
    p: CrmParams,
    fixture: Option<Fixture>,
    keep: bool,
) -> Result<(RunResult, Option<Fixture>)> {
    let t0 = Instant::now();
    let run = crm_run_name(&p);
    let storage = match p.storage {
        Storage::Sqlite => "sqlite",
        Storage::Postgres => "postgresql",
    };
    let mut r = RunResult::new(
        &run,
        "crm",
        &format!("CRM consoles on {storage}, {} node(s)", p.nodes),
        storage,
        p.nodes,
    );
    r.params = serde_json::to_value(&p)?;
    let (pg, mut tenants) = match fixture {
        Some(f) => (Some(f.pg), Some(f.tenants)),
        None if p.storage == Storage::Postgres && keep => {
            (Some(PgDb::create(&run.replace('-', "_")).await?), None)
        }
        None => (None, None),
    };
    let own_db = pg.is_some();
    let cl = match Cluster::start(ctx, &run, p.storage, p.nodes, pg.clone()).await {
        Ok(c) => c,
        Err(e) => {
            if let Some(db) = pg {
                let _ = db.drop_all().await;
            }
            return Err(e);
        }
    };
    let out = async {
        let ts = match tenants.take() {
            Some(t) => t,
            None => {
                let prefix = if p.storage == Storage::Sqlite {
                    "crm"
                } else {
                    "crmpg"
                };
                let t0p = Instant::now();
                let t = provision(ctx, &cl, &run, prefix, p.tenants, "enterprise").await?;
                r.fig("provision_s", t0p.elapsed().as_secs_f64());
                t
            }
        };
        let nodes = p.nodes.max(1);
        let mut jobs: Vec<Job> = (0..p.workers).map(|w| job(w, 1)).collect();
        for j in &mut jobs {
            j.http_pool = p.http_pool;
        }
        let mut share = vec![0usize; p.workers];
        for (i, t) in ts.iter().enumerate() {
            let w = i % p.workers;
            share[w] += 1;
            for node in 0..nodes {
                let count = p.consoles / nodes as u32
                    + u32::from((node as u32) < p.consoles % nodes as u32);
                jobs[w].conns.push(ConnGroup {
                    addr: cl.addr(node).to_string(),
                    node: node as u8,
                    tenant: t.slug.clone(),
                    tenant_idx: t.idx,
                    token: t.token.clone(),
                    topics: vec!["contacts".into(), "deals".into()],
                    count,
                    slow: 0,
                    coalesce_ms: 0,
                });
                jobs[w].streams[0].push(contact_writer(
                    t.idx * nodes as u32 + node as u32,
                    cl.addr(node),
                    node as u8,
                    t,
                ));
            }
        }
        let total = u64::from(p.consoles) * ts.len() as u64;
        let mut ws = spawn_workers(ctx, &cl, jobs, t0).await?;
        let c = connect(ctx, &run, &mut ws, total).await?;
        connect_figures(&mut r, &c);
        r.connect = Some(c);
        let n = ts.len().max(1) as f64;
        let phases = [
            ("warm-up", p.rate, p.warm_s),
            ("steady", p.rate, p.steady_s),
            ("peak", p.rate * p.peak_factor, p.peak_s),
        ];
        for (k, (name, rate, secs)) in phases.into_iter().enumerate() {
            let cmds = phase_cmds(
                p.workers,
                k as u32 + 1,
                name,
                ctx.ms(secs),
                2000,
                |w| vec![rate * share[w] as f64 / n],
                false,
            );
            let ph = run_phase(ctx, &run, &mut ws, cmds).await?;
            r.phases.push(ph);
        }
        if let Some(s) = r.phase("steady").cloned() {
            r.fig("tenants", ts.len() as f64);
            r.fig("consoles", f64::from(p.consoles));
            r.fig("steady_offered_per_s", s.offered_per_s);
            r.fig("steady_writes_per_s", s.writes_per_s);
            r.fig("steady_deliveries_per_s", s.deliveries_per_s);
            r.fig("steady_lost", s.lost as f64);
            r.fig("steady_e2e_p50_ms", s.e2e.p50_ms);
            r.fig("steady_e2e_p99_ms", s.e2e.p99_ms);
            r.fig("steady_after_p50_ms", s.after_response.p50_ms);
            r.fig("steady_after_p99_ms", s.after_response.p99_ms);
            r.fig("steady_write_rtt_p50_ms", s.write_rtt.p50_ms);
            r.fig("steady_write_rtt_p99_ms", s.write_rtt.p99_ms);
            if nodes > 1 {
                r.fig("same_node_p50_ms", s.same_node.p50_ms);
                r.fig("cross_node_p50_ms", s.cross_node.p50_ms);
                r.fig("same_node_p99_ms", s.same_node.p99_ms);
                r.fig("cross_node_p99_ms", s.cross_node.p99_ms);
                r.fig("cross_add_p50_ms", s.cross_node.p50_ms - s.same_node.p50_ms);
            }
        }
        if let Some(s) = r.phase("peak").cloned() {
            r.fig("peak_offered_per_s", s.offered_per_s);
            r.fig("peak_writes_per_s", s.writes_per_s);
            r.fig("peak_e2e_p99_ms", s.e2e.p99_ms);
        }
        r.series = std::mem::take(&mut ws.series);
        ws.close().await;
        Ok::<_, crate::Error>(ts)
    }
    .await;
    let pg = cl.stop().await;
    let fixture = match (out, pg) {
        (Ok(ts), Some(db)) if keep && own_db => Some(Fixture {
            pg: db,
            tenants: ts,
        }),
        (res, db) => {
            if let (Some(db), true) = (db, own_db)
                && let Err(e) = db.drop_all().await
            {
                eprintln!("could not drop {}: {e}", db.name);
            }
            res?;
            None
        }
    };
    r.wall_s = t0.elapsed().as_secs_f64();
    Ok((r, fixture))
}

// --------------------------------------------------------------- noisy

#[derive(Debug, Clone, Serialize)]
pub struct NoisyParams {
    pub b_consoles: u64,
    pub b_rate: f64,
    pub a_plan: String,
    pub a_rate: f64,
    pub phase_s: f64,
}

pub fn noisy_params(ctx: &Ctx) -> NoisyParams {
    NoisyParams {
        b_consoles: ctx.n(200),
        b_rate: 100.0,
        a_plan: "standard".into(),
        // The standard plan allows 200 requests/s per tenant, 50 per user.
        a_rate: 4000.0,
        phase_s: 15.0,
    }
}

/// Tenant A floods far past its plan while tenant B runs steadily.
pub async fn noisy(ctx: &Ctx, p: NoisyParams) -> Result<RunResult> {
    let t0 = Instant::now();
    let mut r = RunResult::new("noisy", "noisy", "Noisy neighbour", "sqlite", 1);
    r.params = serde_json::to_value(&p)?;
    let cl = Cluster::start(ctx, "noisy", Storage::Sqlite, 1, None).await?;
    let out = async {
        let b = provision(ctx, &cl, "noisy", "quiet", 1, "enterprise").await?;
        let mut a = provision(ctx, &cl, "noisy", "noisy", 1, &p.a_plan).await?;
        a[0].idx = 1;
        let (b, a) = (&b[0], &a[0]);
        let mut jobs = vec![job(0, 1), job(1, 2)];
        jobs[1].http_pool = 64;
        for (w, j) in jobs.iter_mut().enumerate() {
            j.conns.push(ConnGroup {
                addr: cl.addr(0).to_string(),
                node: 0,
                tenant: b.slug.clone(),
                tenant_idx: b.idx,
                token: b.token.clone(),
                topics: vec!["contacts".into()],
                count: (p.b_consoles / 2 + u64::from(w == 0) * (p.b_consoles % 2)) as u32,
                slow: 0,
                coalesce_ms: 0,
            });
        }
        jobs[0].streams[0].push(contact_writer(0, cl.addr(0), 0, b));
        jobs[1].streams[1].push(contact_writer(1, cl.addr(0), 0, a));
        let mut ws = spawn_workers(ctx, &cl, jobs, t0).await?;
        let c = connect(ctx, "noisy", &mut ws, p.b_consoles).await?;
        connect_figures(&mut r, &c);
        r.connect = Some(c);
        let b_rate = p.b_rate;
        let a_rate = p.a_rate;
        let phases: [(&str, bool); 3] = [("warm-up", false), ("alone", false), ("flood", true)];
        for (k, (name, flood)) in phases.into_iter().enumerate() {
            let secs = if k == 0 { 5.0 } else { p.phase_s };
            let cmds = phase_cmds(
                2,
                k as u32 + 1,
                name,
                ctx.ms(secs),
                2000,
                |w| match (w, flood) {
                    (0, _) => vec![b_rate],
                    (_, true) => vec![0.0, a_rate],
                    _ => vec![0.0, 0.0],
                },
                false,
            );
            r.phases.push(run_phase(ctx, "noisy", &mut ws, cmds).await?);
        }
        let alone = r.phase("alone").cloned().unwrap_or_default();
        let flood = r.phase("flood").cloned().unwrap_or_default();
        r.fig("b_p50_alone_ms", alone.e2e.p50_ms);
        r.fig("b_p99_alone_ms", alone.e2e.p99_ms);
        r.fig("b_p50_flood_ms", flood.e2e.p50_ms);
        r.fig("b_p99_flood_ms", flood.e2e.p99_ms);
        r.fig(
            "b_p99_change_pct",
            100.0 * (flood.e2e.p99_ms / alone.e2e.p99_ms.max(1e-3) - 1.0),
        );
        r.fig("b_lost", (alone.lost + flood.lost) as f64);
        if let Some(f) = &flood.flood {
            r.fig("a_offered_per_s", f.offered_per_s);
            r.fig("a_ok_per_s", f.ok as f64 / flood.duration_s);
            r.fig("a_limited_per_s", f.limited as f64 / flood.duration_s);
            r.fig("a_failed", f.failed as f64);
        }
        r.series = std::mem::take(&mut ws.series);
        ws.close().await;
        Ok::<_, crate::Error>(())
    }
    .await;
    cl.stop().await;
    out?;
    r.wall_s = t0.elapsed().as_secs_f64();
    Ok(r)
}

// ---------------------------------------------------------------- slow

#[derive(Debug, Clone, Serialize)]
pub struct SlowParams {
    pub consoles: u64,
    pub slow_percent: u64,
    pub rate: f64,
    pub pad_bytes: usize,
    pub baseline_s: f64,
    pub slow_s: f64,
}

pub fn slow_params(ctx: &Ctx) -> SlowParams {
    SlowParams {
        consoles: ctx.n(500).max(20),
        slow_percent: 5,
        rate: 40.0,
        pad_bytes: 1500,
        baseline_s: 15.0,
        slow_s: 30.0,
    }
}

/// 5 % of the clients stop reading; server RSS over time, the others' p99.
pub async fn slow(ctx: &Ctx, p: SlowParams) -> Result<RunResult> {
    let t0 = Instant::now();
    let mut r = RunResult::new("slow", "slow", "Slow consumers", "sqlite", 1);
    r.params = serde_json::to_value(&p)?;
    let cl = Cluster::start(ctx, "slow", Storage::Sqlite, 1, None).await?;
    let out = async {
        let ts = provision(ctx, &cl, "slow", "slow", 1, "enterprise").await?;
        let t = &ts[0];
        let mut jobs = vec![job(0, 1), job(1, 1)];
        for (w, j) in jobs.iter_mut().enumerate() {
            let count = p.consoles / 2 + u64::from(w == 0) * (p.consoles % 2);
            j.conns.push(ConnGroup {
                addr: cl.addr(0).to_string(),
                node: 0,
                tenant: t.slug.clone(),
                tenant_idx: t.idx,
                token: t.token.clone(),
                topics: vec!["companies".into()],
                count: count as u32,
                slow: (count * p.slow_percent).div_ceil(100) as u32,
                coalesce_ms: 0,
            });
        }
        let pad = "x".repeat(p.pad_bytes);
        jobs[0].streams[0].push(WriterSpec {
            wid: 0,
            addr: cl.addr(0).to_string(),
            node: 0,
            tenant_idx: t.idx,
            token: t.token.clone(),
            path: format!("/t/{}/api/v1/companies", t.slug),
            body: format!(r#"{{"name":"{MARK}","address":"{pad}"}}"#),
        });
        let mut ws = spawn_workers(ctx, &cl, jobs, t0).await?;
        let c = connect(ctx, "slow", &mut ws, p.consoles).await?;
        connect_figures(&mut r, &c);
        r.connect = Some(c);
        for (k, (name, secs, slow)) in [
            ("warm-up", 5.0, false),
            ("baseline", p.baseline_s, false),
            ("slow", p.slow_s, true),
        ]
        .into_iter()
        .enumerate()
        {
            let cmds = phase_cmds(
                2,
                k as u32 + 1,
                name,
                ctx.ms(secs),
                2000,
                |w| vec![if w == 0 { p.rate } else { 0.0 }],
                slow,
            );
            r.phases.push(run_phase(ctx, "slow", &mut ws, cmds).await?);
        }
        let base = r.phase("baseline").cloned().unwrap_or_default();
        let slow = r.phase("slow").cloned().unwrap_or_default();
        r.fig("p99_baseline_ms", base.e2e.p99_ms);
        r.fig("p99_slow_ms", slow.e2e.p99_ms);
        r.fig(
            "p99_change_pct",
            100.0 * (slow.e2e.p99_ms / base.e2e.p99_ms.max(1e-3) - 1.0),
        );
        r.fig("others_lost", slow.lost as f64);
        r.fig("rss_slow_start_kib", slow.rss_start_kib as f64);
        r.fig("rss_slow_max_kib", slow.rss_max_kib as f64);
        r.fig("rss_slow_end_kib", slow.rss_end_kib as f64);
        // Bounded: RSS in the second half of the slow phase no higher than
        // in its first half (plus 5 MiB of noise).
        let pts: Vec<&Point> = ws.series.iter().filter(|x| x.phase == "slow").collect();
        let half = pts.len() / 2;
        let max = |s: &[&Point]| s.iter().map(|x| x.rss_kib).max().unwrap_or(0);
        let (first, second) = (max(&pts[..half]), max(&pts[half..]));
        r.fig("rss_first_half_max_kib", first as f64);
        r.fig("rss_second_half_max_kib", second as f64);
        r.fig(
            "rss_bounded",
            f64::from(u8::from(second <= first + 5 * 1024)),
        );
        r.series = std::mem::take(&mut ws.series);
        ws.close().await;
        Ok::<_, crate::Error>(())
    }
    .await;
    cl.stop().await;
    out?;
    r.wall_s = t0.elapsed().as_secs_f64();
    Ok(r)
}

// --------------------------------------------------------------- smoke

/// A few hundred connections for a few seconds: proves the tool and the
/// server's real-time path work together, and fails if anything is lost.
pub async fn smoke(ctx: &Ctx) -> Result<RunResult> {
    let t0 = Instant::now();
    let mut r = RunResult::new("smoke", "smoke", "CI smoke", "sqlite", 1);
    let cl = Cluster::start(ctx, "smoke", Storage::Sqlite, 1, None).await?;
    let out = async {
        let ts = provision(ctx, &cl, "smoke", "smoke", 2, "enterprise").await?;
        let mut jobs = vec![job(0, 1), job(1, 1)];
        for (i, t) in ts.iter().enumerate() {
            for j in jobs.iter_mut() {
                j.conns.push(ConnGroup {
                    addr: cl.addr(0).to_string(),
                    node: 0,
                    tenant: t.slug.clone(),
                    tenant_idx: t.idx,
                    token: t.token.clone(),
                    topics: vec!["contacts".into(), "deals".into()],
                    count: 75,
                    slow: 0,
                    coalesce_ms: 0,
                });
            }
            jobs[i].streams[0].push(contact_writer(i as u32, cl.addr(0), 0, t));
        }
        let mut ws = spawn_workers(ctx, &cl, jobs, t0).await?;
        let c = connect(ctx, "smoke", &mut ws, 300).await?;
        connect_figures(&mut r, &c);
        r.connect = Some(c.clone());
        let cmds = phase_cmds(2, 1, "publish", 3000, 1500, |_| vec![10.0], false);
        let ph = run_phase(ctx, "smoke", &mut ws, cmds).await?;
        r.fig("deliveries", ph.deliveries as f64);
        r.fig("lost", ph.lost as f64);
        r.fig("e2e_p99_ms", ph.e2e.p99_ms);
        r.phases.push(ph.clone());
        r.series = std::mem::take(&mut ws.series);
        ws.close().await;
        if c.failed > 0 {
            return Err(format!("{} connections failed: {:?}", c.failed, c.errors).into());
        }
        if ph.writes_ok == 0 || ph.deliveries == 0 {
            return Err(format!(
                "nothing delivered ({} writes ok, {} failed)",
                ph.writes_ok, ph.writes_failed
            )
            .into());
        }
        if ph.lost > 0 || ph.writes_failed > 0 {
            return Err(format!(
                "{} deliveries lost of {}, {} writes failed",
                ph.lost, ph.expected, ph.writes_failed
            )
            .into());
        }
        Ok::<_, crate::Error>(())
    }
    .await;
    cl.stop().await;
    out?;
    r.params = json!({"connections": 300, "tenants": 2, "writes_per_s": 20, "seconds": 3});
    r.wall_s = t0.elapsed().as_secs_f64();
    Ok(r)
}

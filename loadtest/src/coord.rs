//! The coordinator's side of the workers: starts them, sends commands,
//! gathers their reports into figures and a time series (one point per
//! second) while a progress bar shows what is happening.

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use indicatif::ProgressBar;
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, ChildStdin, Command};
use tokio::sync::mpsc;

use crate::Result;
use crate::hist::{self, Hist, Pcts};
use crate::proto::*;
use crate::server::rss_kib;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Point {
    pub t: f64,
    pub phase: String,
    pub live: u64,
    pub deliveries_per_s: f64,
    pub writes_per_s: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    /// Sum over the server processes.
    pub rss_kib: u64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ConnectSummary {
    pub attempted: u64,
    pub ok: u64,
    pub failed: u64,
    pub errors: Vec<String>,
    pub seconds: f64,
    pub per_second: f64,
    pub handshake: Pcts,
    pub ready: Pcts,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct FloodSummary {
    pub offered_per_s: f64,
    pub ok: u64,
    pub limited: u64,
    pub failed: u64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct PhaseSummary {
    pub name: String,
    pub duration_s: f64,
    pub offered_per_s: f64,
    pub writes_ok: u64,
    pub writes_limited: u64,
    pub writes_failed: u64,
    pub writes_skipped: u64,
    pub writes_per_s: f64,
    pub flood: Option<FloodSummary>,
    pub deliveries: u64,
    pub deliveries_per_s: f64,
    pub expected: u64,
    pub lost: u64,
    pub extra: u64,
    pub resyncs: u64,
    pub gaps: u64,
    pub dups: u64,
    pub error_frames: u64,
    pub closed: u64,
    pub slow_received: u64,
    pub frame_bytes_avg: f64,
    #[serde(default)]
    pub frames: u64,
    /// Receive time minus the write's send time (the timestamp in the event).
    pub e2e: Pcts,
    /// Receive time minus the write's response time (joined per write).
    pub after_response: Pcts,
    pub before_response: u64,
    pub same_node: Pcts,
    pub cross_node: Pcts,
    pub write_rtt: Pcts,
    pub rss_start_kib: u64,
    pub rss_end_kib: u64,
    pub rss_max_kib: u64,
}

pub struct Workers {
    children: Vec<Child>,
    stdins: Vec<ChildStdin>,
    rx: mpsc::UnboundedReceiver<(usize, Msg)>,
    last: Vec<Tick>,
    interval: Hist,
    pub series: Vec<Point>,
    t0: Instant,
    prev: Option<(Instant, u64, u64)>,
    pids: Vec<u32>,
    label: String,
}

impl Workers {
    pub async fn spawn(
        exe: &Path,
        jobs: Vec<Job>,
        log_dir: &Path,
        server_pids: Vec<u32>,
        t0: Instant,
    ) -> Result<Workers> {
        let (tx, rx) = mpsc::unbounded_channel();
        let mut children = Vec::new();
        let mut stdins = Vec::new();
        for (w, job) in jobs.iter().enumerate() {
            let log = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(log_dir.join(format!("worker-{w}.log")))?;
            let mut child = Command::new(exe)
                .arg("worker")
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::from(log))
                .kill_on_drop(true)
                .spawn()?;
            let mut stdin = child.stdin.take().ok_or("worker stdin")?;
            let stdout = child.stdout.take().ok_or("worker stdout")?;
            stdin
                .write_all(format!("{}\n", serde_json::to_string(job)?).as_bytes())
                .await?;
            let tx = tx.clone();
            tokio::spawn(async move {
                let mut lines = BufReader::new(stdout).lines();
                while let Ok(Some(l)) = lines.next_line().await {
                    match serde_json::from_str::<Msg>(&l) {
                        Ok(m) => {
                            if tx.send((w, m)).is_err() {
                                return;
                            }
                        }
                        Err(e) => eprintln!("worker {w}: unreadable line ({e}): {l}"),
                    }
                }
                let _ = tx.send((
                    w,
                    Msg::Fatal {
                        error: format!("worker {w} exited"),
                    },
                ));
            });
            children.push(child);
            stdins.push(stdin);
        }
        Ok(Workers {
            last: vec![Tick::default(); jobs.len()],
            children,
            stdins,
            rx,
            interval: hist::new(),
            series: Vec::new(),
            t0,
            prev: None,
            pids: server_pids,
            label: String::new(),
        })
    }

    pub fn rss(&self) -> u64 {
        self.pids.iter().filter_map(|p| rss_kib(*p)).sum()
    }

    pub fn live(&self) -> u64 {
        self.last.iter().map(|t| t.live).sum()
    }

    async fn send(&mut self, w: usize, cmd: &Cmd) -> Result<()> {
        let line = format!("{}\n", serde_json::to_string(cmd)?);
        self.stdins[w].write_all(line.as_bytes()).await?;
        self.stdins[w].flush().await?;
        Ok(())
    }

    /// One point of the time series: rates since the previous point.
    fn sample(&mut self) -> Point {
        let now = Instant::now();
        let recv: u64 = self.last.iter().map(|t| t.received).sum();
        let writes: u64 = self.last.iter().map(|t| t.writes_ok).sum();
        let (dps, wps) = match self.prev {
            Some((t, r, w)) => {
                let dt = now.duration_since(t).as_secs_f64().max(1e-3);
                (
                    recv.saturating_sub(r) as f64 / dt,
                    writes.saturating_sub(w) as f64 / dt,
                )
            }
            None => (0.0, 0.0),
        };
        self.prev = Some((now, recv, writes));
        let p = hist::pcts(&self.interval);
        self.interval.reset();
        let point = Point {
            t: now.duration_since(self.t0).as_secs_f64(),
            phase: self.label.clone(),
            live: self.live(),
            deliveries_per_s: dps,
            writes_per_s: wps,
            p50_ms: p.p50_ms,
            p99_ms: p.p99_ms,
            rss_kib: self.rss(),
        };
        self.series.push(point.clone());
        point
    }

    /// Reads worker messages until `done` says so, sampling every second.
    async fn pump<F>(&mut self, limit: Duration, pb: &ProgressBar, mut done: F) -> Result<()>
    where
        F: FnMut(usize, Msg, &ProgressBar) -> Result<bool>,
    {
        let deadline = tokio::time::Instant::now() + limit;
        let mut every = tokio::time::interval(Duration::from_secs(1));
        loop {
            tokio::select! {
                m = self.rx.recv() => {
                    let Some((w, m)) = m else { return Err("workers gone".into()) };
                    match m {
                        Msg::Tick(t) => {
                            hist::merge(&mut self.interval, &t.interval);
                            self.last[w] = t;
                        }
                        Msg::Fatal { error } => return Err(format!("worker {w}: {error}").into()),
                        other => if done(w, other, pb)? { return Ok(()) },
                    }
                }
                _ = every.tick() => {
                    let p = self.sample();
                    pb.set_message(format!(
                        "{} live · {:.0} ev/s · {:.0} writes/s · p99 {:.1} ms · RSS {} MiB",
                        p.live, p.deliveries_per_s, p.writes_per_s, p.p99_ms, p.rss_kib / 1024
                    ));
                }
                _ = tokio::time::sleep_until(deadline) => return Err("timed out waiting for the workers".into()),
            }
        }
    }

    /// Opens every connection of every worker.
    pub async fn connect(&mut self, pb: &ProgressBar) -> Result<ConnectSummary> {
        self.label = "connect".into();
        for w in 0..self.stdins.len() {
            self.send(w, &Cmd::Connect).await?;
        }
        let n = self.stdins.len();
        let mut got: Vec<Option<Connected>> = vec![None; n];
        self.pump(Duration::from_secs(600), pb, |w, m, pb| {
            if let Msg::Connected(c) = m {
                pb.inc(c.ok + c.failed);
                got[w] = Some(c);
            }
            Ok(got.iter().all(Option::is_some))
        })
        .await?;
        let got: Vec<Connected> = got.into_iter().flatten().collect();
        let first = got
            .iter()
            .map(|c| c.first_start_ns)
            .filter(|&t| t > 0)
            .min()
            .unwrap_or(0);
        let last = got.iter().map(|c| c.last_ready_ns).max().unwrap_or(0);
        let ok: u64 = got.iter().map(|c| c.ok).sum();
        let seconds = last.saturating_sub(first) as f64 / 1e9;
        Ok(ConnectSummary {
            attempted: ok + got.iter().map(|c| c.failed).sum::<u64>(),
            ok,
            failed: got.iter().map(|c| c.failed).sum(),
            errors: got.iter().flat_map(|c| c.errors.clone()).take(10).collect(),
            seconds,
            per_second: if seconds > 0.0 {
                ok as f64 / seconds
            } else {
                0.0
            },
            handshake: hist::pcts(&hist::from(
                &got.iter().map(|c| &c.handshake).collect::<Vec<_>>(),
            )),
            ready: hist::pcts(&hist::from(
                &got.iter().map(|c| &c.ready).collect::<Vec<_>>(),
            )),
        })
    }

    /// Runs one phase on every worker (`cmds[w]` for worker `w`).
    pub async fn phase(&mut self, cmds: Vec<PhaseCmd>, pb: &ProgressBar) -> Result<PhaseSummary> {
        let Some(c0) = cmds.first().cloned() else {
            return Err("no workers".into());
        };
        self.label = c0.name.clone();
        let rss_start = self.rss();
        for (w, c) in cmds.iter().enumerate() {
            self.send(w, &Cmd::Phase(c.clone())).await?;
        }
        let n = cmds.len();
        let mut got: Vec<Option<PhaseReport>> = vec![None; n];
        let mut rss_max = rss_start;
        let started = Instant::now();
        let pids = self.pids.clone();
        let limit = Duration::from_millis(c0.duration_ms + c0.drain_ms) + Duration::from_secs(120);
        self.pump(limit, pb, |w, m, pb| {
            pb.set_position(started.elapsed().as_secs());
            rss_max = rss_max.max(pids.iter().filter_map(|p| rss_kib(*p)).sum());
            if let Msg::PhaseDone(r) = m {
                got[w] = Some(*r);
            }
            Ok(got.iter().all(Option::is_some))
        })
        .await?;
        let reports: Vec<PhaseReport> = got.into_iter().flatten().collect();
        rss_max = rss_max.max(
            self.series
                .iter()
                .rev()
                .take_while(|p| p.phase == c0.name)
                .map(|p| p.rss_kib)
                .max()
                .unwrap_or(0),
        );
        let mut s = summarize(&cmds, &reports);
        s.rss_start_kib = rss_start;
        s.rss_end_kib = self.rss();
        s.rss_max_kib = rss_max.max(s.rss_end_kib);
        Ok(s)
    }

    pub async fn close(mut self) {
        for w in 0..self.stdins.len() {
            let _ = self.send(w, &Cmd::Close).await;
        }
        for c in &mut self.children {
            if tokio::time::timeout(Duration::from_secs(10), c.wait())
                .await
                .is_err()
            {
                let _ = c.kill().await;
            }
        }
    }
}

fn summarize(cmds: &[PhaseCmd], reports: &[PhaseReport]) -> PhaseSummary {
    let c0 = &cmds[0];
    let duration_s = c0.duration_ms as f64 / 1000.0;
    let rate = |s: usize| -> f64 {
        cmds.iter()
            .map(|c| c.rates.get(s).copied().unwrap_or(0.0))
            .sum()
    };
    let mut s = PhaseSummary {
        name: c0.name.clone(),
        duration_s,
        offered_per_s: rate(0),
        ..PhaseSummary::default()
    };
    let mut ok_by_tenant: std::collections::HashMap<u32, u64> = Default::default();
    let mut conns_by_tenant: std::collections::HashMap<u32, u64> = Default::default();
    let mut recv_by_tenant: std::collections::HashMap<u32, u64> = Default::default();
    let mut flood = FloodSummary {
        offered_per_s: rate(1),
        ..FloodSummary::default()
    };
    for r in reports {
        for w in &r.writers {
            *ok_by_tenant.entry(w.tenant_idx).or_default() += w.ok;
            if w.stream == 0 {
                s.writes_ok += w.ok;
                s.writes_limited += w.limited;
                s.writes_failed += w.failed;
            } else {
                flood.ok += w.ok;
                flood.limited += w.limited;
                flood.failed += w.failed;
            }
        }
        for t in &r.tenants {
            *conns_by_tenant.entry(t.tenant_idx).or_default() += t.conns;
            *recv_by_tenant.entry(t.tenant_idx).or_default() += t.received;
        }
        s.writes_skipped += r.skipped;
        s.resyncs += r.resyncs;
        s.gaps += r.gaps;
        s.dups += r.dups;
        s.error_frames += r.error_frames;
        s.closed += r.closed;
        s.slow_received += r.slow_received;
    }
    for (t, conns) in &conns_by_tenant {
        let expected = ok_by_tenant.get(t).copied().unwrap_or(0) * conns;
        let got = recv_by_tenant.get(t).copied().unwrap_or(0);
        s.expected += expected;
        s.deliveries += got;
        s.lost += expected.saturating_sub(got);
        s.extra += got.saturating_sub(expected);
    }
    if flood.offered_per_s > 0.0 {
        s.flood = Some(flood);
    }
    let frames: u64 = reports.iter().map(|r| r.frames).sum();
    let bytes: u64 = reports.iter().map(|r| r.frame_bytes).sum();
    s.frames = frames;
    s.frame_bytes_avg = if frames > 0 {
        bytes as f64 / frames as f64
    } else {
        0.0
    };
    s.writes_per_s = s.writes_ok as f64 / duration_s.max(1e-3);
    s.deliveries_per_s = s.deliveries as f64 / duration_s.max(1e-3);
    let pick = |f: fn(&PhaseReport) -> &hist::Buckets| -> Pcts {
        hist::pcts(&hist::from(&reports.iter().map(f).collect::<Vec<_>>()))
    };
    s.e2e = pick(|r| &r.e2e);
    s.after_response = pick(|r| &r.after_response);
    s.same_node = pick(|r| &r.e2e_same);
    s.cross_node = pick(|r| &r.e2e_cross);
    s.write_rtt = pick(|r| &r.write_rtt);
    s.before_response = reports.iter().map(|r| r.before_response).sum();
    s
}

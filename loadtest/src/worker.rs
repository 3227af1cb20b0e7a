//! A client process: the WebSocket consoles and HTTP writers of its share
//! of the load. The coordinator drives it over stdin (`Cmd`, one JSON per
//! line) and reads `Msg`s from its stdout. A worker is single-threaded
//! (current-thread runtime): the machine has two cores and several
//! workers, and locks are then never contended.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicI64, AtomicU32, AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::sync::{Semaphore, mpsc, watch};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

use crate::hist::{self, Hist};
use crate::http::{HttpConn, tcp};
use crate::proto::*;
use crate::{Result, now_ns};

/// A worker never outlives this, whatever the coordinator does.
const MAX_LIFETIME: Duration = Duration::from_secs(2 * 3600);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);

pub fn emit(msg: &Msg) {
    use std::io::Write;
    if let Ok(line) = serde_json::to_string(msg) {
        let out = std::io::stdout();
        let mut out = out.lock();
        let _ = writeln!(out, "{line}");
        let _ = out.flush();
    }
}

#[derive(Default)]
struct Slot {
    received: AtomicU64,
    live: AtomicU64,
}

#[derive(Default)]
struct Counters {
    resyncs: AtomicU64,
    gaps: AtomicU64,
    dups: AtomicU64,
    error_frames: AtomicU64,
    closed: AtomicU64,
    frames: AtomicU64,
    frame_bytes: AtomicU64,
    slow_received: AtomicU64,
    skipped: AtomicU64,
}

struct Hists {
    e2e: Hist,
    same: Hist,
    cross: Hist,
    interval: Hist,
    write_rtt: Hist,
}

impl Hists {
    fn new() -> Self {
        Self {
            e2e: hist::new(),
            same: hist::new(),
            cross: hist::new(),
            interval: hist::new(),
            write_rtt: hist::new(),
        }
    }
}

struct Writer {
    spec: WriterSpec,
    stream: usize,
    pool: usize,
    next_n: AtomicU32,
    ok: AtomicU64,
    limited: AtomicU64,
    failed: AtomicU64,
}

struct Shared {
    bind: IpAddr,
    multi_node: bool,
    phase: AtomicU32,
    live: AtomicU64,
    attempted: AtomicU64,
    received_total: AtomicU64,
    writes_ok_total: AtomicU64,
    slots: Vec<Slot>,
    c: Counters,
    hists: Mutex<Hists>,
    /// (writer id, n, receive ns) seen by sampling connections.
    samples: Mutex<Vec<(u32, u32, u64)>>,
    /// (writer id, n, response ns) of this worker's writes.
    responses: Mutex<Vec<(u32, u32, u64)>>,
    writers: Vec<Vec<Writer>>,
    inflight: AtomicI64,
    slow: watch::Receiver<bool>,
    errors_logged: AtomicU64,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

struct WriteJob {
    stream: usize,
    w: usize,
    n: u32,
    phase: u32,
}

pub fn main() -> i32 {
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("worker: no runtime: {e}");
            return 1;
        }
    };
    rt.block_on(async {
        match run().await {
            Ok(()) => 0,
            Err(e) => {
                emit(&Msg::Fatal {
                    error: e.to_string(),
                });
                1
            }
        }
    })
}

async fn run() -> Result<()> {
    let started = Instant::now();
    let mut lines = BufReader::new(tokio::io::stdin()).lines();
    let first = lines.next_line().await?.ok_or("no job on stdin")?;
    let job: Job = serde_json::from_str(&first)?;
    let bind: IpAddr = job.bind_ip.parse()?;
    if !bind.is_loopback() {
        return Err("workers bind to loopback addresses only".into());
    }
    let mut slot_of: HashMap<u32, usize> = HashMap::new();
    for g in &job.conns {
        let n = slot_of.len();
        slot_of.entry(g.tenant_idx).or_insert(n);
    }
    // One pool of keep-alive connections per (stream, server address).
    let mut pool_keys: Vec<(usize, String)> = Vec::new();
    let mut writers = Vec::new();
    for (s, specs) in job.streams.iter().enumerate() {
        let mut ws = Vec::new();
        for spec in specs {
            let key = (s, spec.addr.clone());
            let pool = match pool_keys.iter().position(|k| *k == key) {
                Some(p) => p,
                None => {
                    pool_keys.push(key);
                    pool_keys.len() - 1
                }
            };
            ws.push(Writer {
                spec: spec.clone(),
                stream: s,
                pool,
                next_n: AtomicU32::new(0),
                ok: AtomicU64::new(0),
                limited: AtomicU64::new(0),
                failed: AtomicU64::new(0),
            });
        }
        writers.push(ws);
    }
    let (slow_tx, slow_rx) = watch::channel(false);
    let nodes: std::collections::BTreeSet<u8> = job.conns.iter().map(|g| g.node).collect();
    let sh = Arc::new(Shared {
        bind,
        multi_node: nodes.len() > 1,
        phase: AtomicU32::new(u32::MAX),
        live: AtomicU64::new(0),
        attempted: AtomicU64::new(0),
        received_total: AtomicU64::new(0),
        writes_ok_total: AtomicU64::new(0),
        slots: (0..slot_of.len()).map(|_| Slot::default()).collect(),
        c: Counters::default(),
        hists: Mutex::new(Hists::new()),
        samples: Mutex::new(Vec::new()),
        responses: Mutex::new(Vec::new()),
        writers,
        inflight: AtomicI64::new(0),
        slow: slow_rx,
        errors_logged: AtomicU64::new(0),
    });
    let mut pools: Vec<Vec<mpsc::Sender<WriteJob>>> = Vec::new();
    for (_, addr) in &pool_keys {
        let addr: SocketAddr = addr.parse()?;
        if !addr.ip().is_loopback() {
            return Err("servers must be on loopback addresses".into());
        }
        let mut senders = Vec::new();
        for _ in 0..job.http_pool.max(1) {
            let (tx, rx) = mpsc::channel(2);
            tokio::spawn(http_task(sh.clone(), addr, rx));
            senders.push(tx);
        }
        pools.push(senders);
    }
    let pools = Arc::new(pools);
    tokio::spawn(ticker(sh.clone()));
    loop {
        let left = MAX_LIFETIME.saturating_sub(started.elapsed());
        let line = match tokio::time::timeout(left, lines.next_line()).await {
            Ok(Ok(Some(l))) => l,
            // Coordinator gone or lifetime over: stop.
            _ => return Ok(()),
        };
        match serde_json::from_str::<Cmd>(&line)? {
            Cmd::Connect => {
                let c = connect_all(&sh, &job, &slot_of).await;
                emit(&Msg::Connected(c));
            }
            Cmd::Phase(p) => {
                let r = run_phase(&sh, &pools, &p, &slow_tx, &slot_of).await;
                emit(&Msg::PhaseDone(Box::new(r)));
            }
            Cmd::Close => return Ok(()),
        }
    }
}

async fn ticker(sh: Arc<Shared>) {
    let mut iv = tokio::time::interval(Duration::from_millis(500));
    loop {
        iv.tick().await;
        let interval = {
            let mut h = lock(&sh.hists);
            let b = hist::buckets(&h.interval);
            h.interval.reset();
            b
        };
        emit(&Msg::Tick(Tick {
            live: sh.live.load(Relaxed),
            attempted: sh.attempted.load(Relaxed),
            received: sh.received_total.load(Relaxed),
            writes_ok: sh.writes_ok_total.load(Relaxed),
            interval,
        }));
    }
}

enum ConnEvent {
    Ready {
        handshake_us: u64,
        ready_us: u64,
        start_ns: u64,
        ready_ns: u64,
    },
    Failed(String),
}

async fn connect_all(sh: &Arc<Shared>, job: &Job, slot_of: &HashMap<u32, usize>) -> Connected {
    let sem = Arc::new(Semaphore::new(job.connect_concurrency.max(1)));
    let (tx, mut rx) = mpsc::unbounded_channel();
    let mut total = 0u64;
    let t0 = tokio::time::Instant::now();
    for g in &job.conns {
        let g = Arc::new(g.clone());
        let slot = slot_of.get(&g.tenant_idx).copied().unwrap_or(0);
        for i in 0..g.count {
            let start_at = (job.connect_rate > 0.0)
                .then(|| t0 + Duration::from_secs_f64(total as f64 / job.connect_rate));
            total += 1;
            let slow = i >= g.count - g.slow.min(g.count);
            tokio::spawn(conn_task(
                sh.clone(),
                g.clone(),
                ConnStart {
                    slot,
                    slow,
                    sample: i == 0,
                    at: start_at,
                },
                sem.clone(),
                tx.clone(),
            ));
        }
    }
    drop(tx);
    let mut out = Connected::default();
    let (mut hs, mut ready) = (hist::new(), hist::new());
    out.first_start_ns = u64::MAX;
    while out.ok + out.failed < total {
        match rx.recv().await {
            Some(ConnEvent::Ready {
                handshake_us,
                ready_us,
                start_ns,
                ready_ns,
            }) => {
                out.ok += 1;
                hist::record(&mut hs, handshake_us);
                hist::record(&mut ready, ready_us);
                out.first_start_ns = out.first_start_ns.min(start_ns);
                out.last_ready_ns = out.last_ready_ns.max(ready_ns);
            }
            Some(ConnEvent::Failed(e)) => {
                out.failed += 1;
                if out.errors.len() < 5 {
                    out.errors.push(e);
                }
            }
            None => break,
        }
    }
    if out.first_start_ns == u64::MAX {
        out.first_start_ns = 0;
    }
    out.handshake = hist::buckets(&hs);
    out.ready = hist::buckets(&ready);
    out
}

type Ws = tokio_tungstenite::WebSocketStream<tokio::net::TcpStream>;

async fn open(sh: &Shared, g: &ConnGroup, slow: bool) -> Result<(Ws, u64)> {
    let t0 = Instant::now();
    let addr: SocketAddr = g.addr.parse()?;
    // A slow client's kernel buffer is small, so the server notices soon.
    let stream = tcp(addr, Some(sh.bind), slow.then_some(4096)).await?;
    let query = if g.coalesce_ms > 0 {
        format!("?coalesce={}", g.coalesce_ms)
    } else {
        String::new()
    };
    let mut req = format!("ws://{}/t/{}/ws{query}", g.addr, g.tenant).into_client_request()?;
    req.headers_mut().insert(
        "authorization",
        HeaderValue::from_str(&format!("Bearer {}", g.token))?,
    );
    // Small buffers: a 128 KiB default per connection would make the
    // client, not the server, the bottleneck.
    let cfg = WebSocketConfig::default()
        .read_buffer_size(4096)
        .write_buffer_size(0);
    let (ws, _) = tokio_tungstenite::client_async_with_config(req, stream, Some(cfg)).await?;
    Ok((ws, t0.elapsed().as_micros() as u64))
}

async fn subscribe(ws: &mut Ws, topics: &[String]) -> Result<()> {
    for (i, t) in topics.iter().enumerate() {
        ws.send(Message::text(format!(
            r#"{{"type":"subscribe","id":"s{i}","topic":"{t}"}}"#
        )))
        .await?;
    }
    let mut acks = 0;
    while acks < topics.len() {
        match ws.next().await {
            Some(Ok(Message::Text(t))) => {
                let mut refused = false;
                for_each_message(t.as_bytes(), |b| {
                    if has(b, b"\"type\":\"subscribed\"") {
                        acks += 1;
                    } else if has(b, b"\"type\":\"error\"") {
                        refused = true;
                    }
                });
                if refused {
                    return Err(format!("subscribe refused: {}", t.as_str()).into());
                }
            }
            Some(Ok(Message::Close(c))) => return Err(format!("closed: {c:?}").into()),
            Some(Ok(_)) => {}
            Some(Err(e)) => return Err(e.into()),
            None => return Err("closed while subscribing".into()),
        }
    }
    Ok(())
}

/// Where a connection belongs, and when it is to start (open loop).
struct ConnStart {
    slot: usize,
    slow: bool,
    sample: bool,
    at: Option<tokio::time::Instant>,
}

async fn conn_task(
    sh: Arc<Shared>,
    g: Arc<ConnGroup>,
    start: ConnStart,
    sem: Arc<Semaphore>,
    done: mpsc::UnboundedSender<ConnEvent>,
) {
    let ConnStart {
        slot, slow, sample, ..
    } = start;
    if let Some(at) = start.at {
        tokio::time::sleep_until(at).await;
    }
    // Open loop: from the scheduled start, so time spent waiting for a
    // permit (the client's in-flight cap) counts against the connection.
    // Closed loop: from the permit, as the queue is the client's own.
    let mut t = (now_ns(), Instant::now());
    let Ok(permit) = sem.acquire_owned().await else {
        return;
    };
    if start.at.is_none() {
        t = (now_ns(), Instant::now());
    }
    let (start_ns, t0) = t;
    sh.attempted.fetch_add(1, Relaxed);
    let opened = tokio::time::timeout(CONNECT_TIMEOUT, async {
        let (mut ws, hs) = open(&sh, &g, slow).await?;
        subscribe(&mut ws, &g.topics).await?;
        Ok::<_, crate::Error>((ws, hs))
    })
    .await;
    let (mut ws, handshake_us) = match opened {
        Ok(Ok(x)) => x,
        Ok(Err(e)) => {
            let _ = done.send(ConnEvent::Failed(e.to_string()));
            return;
        }
        Err(_) => {
            let _ = done.send(ConnEvent::Failed("timed out".into()));
            return;
        }
    };
    drop(permit);
    sh.live.fetch_add(1, Relaxed);
    if !slow {
        sh.slots[slot].live.fetch_add(1, Relaxed);
    }
    let _ = done.send(ConnEvent::Ready {
        handshake_us,
        ready_us: t0.elapsed().as_micros() as u64,
        start_ns,
        ready_ns: now_ns(),
    });
    drop(done);
    let mut last_seq = 0u64;
    let mut slow_rx = sh.slow.clone();
    loop {
        if slow && *slow_rx.borrow() {
            // Stop reading: the server's queue for us fills up.
            if slow_rx.changed().await.is_err() {
                break;
            }
            continue;
        }
        tokio::select! {
            m = ws.next() => match m {
                Some(Ok(Message::Text(t))) => {
                    sh.c.frames.fetch_add(1, Relaxed);
                    sh.c.frame_bytes.fetch_add(t.len() as u64, Relaxed);
                    let mut resub = Vec::new();
                    for_each_message(t.as_bytes(), |b| {
                        resub.extend(on_message(&sh, &g, slot, slow, sample, &mut last_seq, b));
                    });
                    for topic in resub {
                        // Resume where we were, as a real client does after `resync`.
                        let sub = format!(r#"{{"type":"subscribe","id":"r","topic":"{topic}","since":{last_seq}}}"#);
                        if ws.send(Message::text(sub)).await.is_err() { break; }
                    }
                }
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
                Some(Ok(_)) => {}
            },
            r = slow_rx.changed(), if slow => if r.is_err() { break },
        }
    }
    sh.live.fetch_sub(1, Relaxed);
    if !slow {
        sh.slots[slot].live.fetch_sub(1, Relaxed);
    }
    sh.c.closed.fetch_add(1, Relaxed);
}

pub fn has(hay: &[u8], needle: &[u8]) -> bool {
    memfind(hay, needle).is_some()
}

fn memfind(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || hay.len() < needle.len() {
        return None;
    }
    let first = needle[0];
    let mut i = 0;
    while i + needle.len() <= hay.len() {
        match hay[i..=hay.len() - needle.len()]
            .iter()
            .position(|&b| b == first)
        {
            Some(p) => {
                let at = i + p;
                if &hay[at..at + needle.len()] == needle {
                    return Some(at);
                }
                i = at + 1;
            }
            None => return None,
        }
    }
    None
}

fn num_after(b: &[u8], key: &[u8]) -> Option<u64> {
    let at = memfind(b, key)? + key.len();
    let digits = b[at..].iter().take_while(|c| c.is_ascii_digit()).count();
    std::str::from_utf8(&b[at..at + digits]).ok()?.parse().ok()
}

fn str_after<'a>(b: &'a [u8], key: &[u8]) -> Option<&'a str> {
    let at = memfind(b, key)? + key.len();
    let len = b[at..].iter().position(|&c| c == b'"')?;
    std::str::from_utf8(&b[at..at + len]).ok()
}

/// `lt~phase.wid.n.node.send_ns~`, put into a record field by the writer.
#[derive(Debug, PartialEq)]
pub struct Marker {
    pub phase: u32,
    pub wid: u32,
    pub n: u32,
    pub node: u8,
    pub send_ns: u64,
}

pub fn marker(phase: u32, wid: u32, n: u32, node: u8, send_ns: u64) -> String {
    format!("lt~{phase}.{wid}.{n}.{node}.{send_ns}~")
}

pub fn parse_marker(b: &[u8]) -> Option<Marker> {
    let at = memfind(b, b"lt~")? + 3;
    let len = b[at..].iter().position(|&c| c == b'~')?;
    let s = std::str::from_utf8(&b[at..at + len]).ok()?;
    let mut it = s.split('.');
    Some(Marker {
        phase: it.next()?.parse().ok()?,
        wid: it.next()?.parse().ok()?,
        n: it.next()?.parse().ok()?,
        node: it.next()?.parse().ok()?,
        send_ns: it.next()?.parse().ok()?,
    })
}

/// Calls `f` with each message of a frame: the frame itself, or each
/// element when it is a JSON array (a coalesced frame, `?coalesce=`).
pub fn for_each_message(b: &[u8], mut f: impl FnMut(&[u8])) {
    if b.first() != Some(&b'[') {
        f(b);
        return;
    }
    // Top-level objects of the array: braces outside strings.
    let (mut depth, mut in_str, mut esc, mut start) = (0usize, false, false, 0usize);
    for (i, &c) in b.iter().enumerate() {
        if in_str {
            match (esc, c) {
                (true, _) => esc = false,
                (false, b'\\') => esc = true,
                (false, b'"') => in_str = false,
                _ => {}
            }
            continue;
        }
        match c {
            b'"' => in_str = true,
            b'{' => {
                if depth == 0 {
                    start = i;
                }
                depth += 1;
            }
            b'}' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    f(&b[start..=i]);
                }
            }
            _ => {}
        }
    }
}

/// Counts one message; returns a topic to resubscribe to after `resync`.
fn on_message(
    sh: &Shared,
    g: &ConnGroup,
    slot: usize,
    slow: bool,
    sample: bool,
    last_seq: &mut u64,
    b: &[u8],
) -> Option<String> {
    let now = now_ns();
    if has(b, b"\"type\":\"event\"") {
        if let Some(seq) = num_after(b, b"\"seq\":") {
            if *last_seq > 0 {
                if seq <= *last_seq {
                    sh.c.dups.fetch_add(1, Relaxed);
                } else if seq > *last_seq + 1 {
                    sh.c.gaps.fetch_add(seq - *last_seq - 1, Relaxed);
                }
            }
            *last_seq = (*last_seq).max(seq);
        }
        let m = parse_marker(b)?;
        sh.received_total.fetch_add(1, Relaxed);
        if slow {
            sh.c.slow_received.fetch_add(1, Relaxed);
            return None;
        }
        if m.phase != sh.phase.load(Relaxed) {
            return None;
        }
        sh.slots[slot].received.fetch_add(1, Relaxed);
        let lat = now.saturating_sub(m.send_ns) / 1000;
        {
            let mut h = lock(&sh.hists);
            hist::record(&mut h.e2e, lat);
            hist::record(&mut h.interval, lat);
            if sh.multi_node {
                if m.node == g.node {
                    hist::record(&mut h.same, lat);
                } else {
                    hist::record(&mut h.cross, lat);
                }
            }
        }
        if sample {
            lock(&sh.samples).push((m.wid, m.n, now));
        }
        None
    } else if has(b, b"\"type\":\"resync\"") {
        sh.c.resyncs.fetch_add(1, Relaxed);
        str_after(b, b"\"topic\":\"").map(str::to_owned)
    } else {
        if has(b, b"\"type\":\"error\"") {
            sh.c.error_frames.fetch_add(1, Relaxed);
        }
        None
    }
}

async fn post(
    conn: &mut Option<HttpConn>,
    sh: &Shared,
    addr: SocketAddr,
    w: &Writer,
    j: &WriteJob,
) -> std::io::Result<(crate::http::Response, Duration, u64)> {
    if conn.is_none() {
        *conn = Some(HttpConn::connect(addr, Some(sh.bind)).await?);
    }
    let Some(c) = conn.as_mut() else {
        return Err(std::io::Error::other("no connection"));
    };
    let m = marker(j.phase, w.spec.wid, j.n, w.spec.node, now_ns());
    let body = w.spec.body.replace(MARK, &m);
    let t = Instant::now();
    let r = c
        .request(
            "POST",
            &w.spec.path,
            Some(&w.spec.token),
            Some(body.as_bytes()),
        )
        .await?;
    Ok((r, t.elapsed(), now_ns()))
}

async fn http_task(sh: Arc<Shared>, addr: SocketAddr, mut rx: mpsc::Receiver<WriteJob>) {
    let mut conn: Option<HttpConn> = None;
    let mut last_used = Instant::now();
    while let Some(j) = rx.recv().await {
        // The server closes keep-alive connections idle for 5 s (actix's
        // default); a write must not fail on one closed between phases.
        if last_used.elapsed() > Duration::from_secs(3) {
            conn = None;
        }
        let w = &sh.writers[j.stream][j.w];
        match post(&mut conn, &sh, addr, w, &j).await {
            Ok((r, rtt, resp_ns)) => {
                if r.close {
                    conn = None;
                }
                match r.status {
                    200..=299 => {
                        w.ok.fetch_add(1, Relaxed);
                        if w.stream == 0 {
                            sh.writes_ok_total.fetch_add(1, Relaxed);
                            hist::record(&mut lock(&sh.hists).write_rtt, rtt.as_micros() as u64);
                            lock(&sh.responses).push((w.spec.wid, j.n, resp_ns));
                        }
                    }
                    429 => {
                        w.limited.fetch_add(1, Relaxed);
                    }
                    s => {
                        w.failed.fetch_add(1, Relaxed);
                        if sh.errors_logged.fetch_add(1, Relaxed) < 10 {
                            eprintln!("write failed: {s} {}", r.text());
                        }
                    }
                }
            }
            Err(e) => {
                conn = None;
                w.failed.fetch_add(1, Relaxed);
                if sh.errors_logged.fetch_add(1, Relaxed) < 10 {
                    eprintln!("write failed: {e}");
                }
            }
        }
        last_used = Instant::now();
        sh.inflight.fetch_sub(1, Relaxed);
    }
}

/// Offers `rate` writes per second on one stream for `dur`, round robin
/// over its writers, open loop: a write that finds every connection of
/// its pool busy is skipped and counted, never queued.
async fn drive(
    sh: Arc<Shared>,
    pools: Arc<Vec<Vec<mpsc::Sender<WriteJob>>>>,
    stream: usize,
    rate: f64,
    dur: Duration,
    phase: u32,
) {
    let writers = &sh.writers[stream];
    if writers.is_empty() || rate <= 0.0 {
        return;
    }
    let mut rr = vec![0usize; pools.len()];
    let start = Instant::now();
    let mut issued = 0u64;
    let mut iv = tokio::time::interval(Duration::from_millis(1));
    iv.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        iv.tick().await;
        let el = start.elapsed();
        if el >= dur {
            break;
        }
        let target = (el.as_secs_f64() * rate) as u64;
        while issued < target {
            let wi = (issued % writers.len() as u64) as usize;
            issued += 1;
            let w = &writers[wi];
            let senders = &pools[w.pool];
            let mut job = Some(WriteJob {
                stream,
                w: wi,
                n: w.next_n.fetch_add(1, Relaxed),
                phase,
            });
            for k in 0..senders.len() {
                let i = (rr[w.pool] + k) % senders.len();
                let Some(j) = job.take() else { break };
                sh.inflight.fetch_add(1, Relaxed);
                match senders[i].try_send(j) {
                    Ok(()) => {
                        rr[w.pool] = i + 1;
                        break;
                    }
                    Err(
                        mpsc::error::TrySendError::Full(j) | mpsc::error::TrySendError::Closed(j),
                    ) => {
                        sh.inflight.fetch_sub(1, Relaxed);
                        job = Some(j);
                    }
                }
            }
            if job.is_some() {
                sh.c.skipped.fetch_add(1, Relaxed);
            }
        }
    }
}

async fn run_phase(
    sh: &Arc<Shared>,
    pools: &Arc<Vec<Vec<mpsc::Sender<WriteJob>>>>,
    p: &PhaseCmd,
    slow_tx: &watch::Sender<bool>,
    slot_of: &HashMap<u32, usize>,
) -> PhaseReport {
    // Reset the phase's counters.
    for ws in &sh.writers {
        for w in ws {
            w.ok.store(0, Relaxed);
            w.limited.store(0, Relaxed);
            w.failed.store(0, Relaxed);
        }
    }
    for s in &sh.slots {
        s.received.store(0, Relaxed);
    }
    let c = &sh.c;
    for a in [
        &c.resyncs,
        &c.gaps,
        &c.dups,
        &c.error_frames,
        &c.closed,
        &c.frames,
        &c.frame_bytes,
        &c.slow_received,
        &c.skipped,
    ] {
        a.store(0, Relaxed);
    }
    *lock(&sh.hists) = Hists::new();
    lock(&sh.samples).clear();
    lock(&sh.responses).clear();
    sh.phase.store(p.id, Relaxed);
    let _ = slow_tx.send(p.slow);

    let dur = Duration::from_millis(p.duration_ms);
    let mut tasks = Vec::new();
    for (s, &rate) in p.rates.iter().enumerate() {
        if s < sh.writers.len() && rate > 0.0 {
            tasks.push(tokio::spawn(drive(
                sh.clone(),
                pools.clone(),
                s,
                rate,
                dur,
                p.id,
            )));
        }
    }
    tokio::time::sleep(dur).await;
    for t in tasks {
        let _ = t.await;
    }
    let t = Instant::now();
    while sh.inflight.load(Relaxed) > 0 && t.elapsed() < Duration::from_secs(30) {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    tokio::time::sleep(Duration::from_millis(p.drain_ms)).await;

    let mut r = PhaseReport {
        id: p.id,
        ..PhaseReport::default()
    };
    for ws in &sh.writers {
        for w in ws {
            r.writers.push(WriterCount {
                stream: w.stream,
                tenant_idx: w.spec.tenant_idx,
                ok: w.ok.load(Relaxed),
                limited: w.limited.load(Relaxed),
                failed: w.failed.load(Relaxed),
            });
        }
    }
    for (&tenant_idx, &slot) in slot_of {
        let s = &sh.slots[slot];
        r.tenants.push(TenantRecv {
            tenant_idx,
            conns: s.live.load(Relaxed),
            received: s.received.load(Relaxed),
        });
    }
    r.skipped = c.skipped.load(Relaxed);
    r.slow_received = c.slow_received.load(Relaxed);
    r.resyncs = c.resyncs.load(Relaxed);
    r.gaps = c.gaps.load(Relaxed);
    r.dups = c.dups.load(Relaxed);
    r.error_frames = c.error_frames.load(Relaxed);
    r.closed = c.closed.load(Relaxed);
    r.frames = c.frames.load(Relaxed);
    r.frame_bytes = c.frame_bytes.load(Relaxed);
    // Publish-to-receive: a delivery joined with its write's response.
    let responses: HashMap<(u32, u32), u64> = lock(&sh.responses)
        .iter()
        .map(|&(w, n, t)| ((w, n), t))
        .collect();
    let mut after = hist::new();
    for &(w, n, recv) in lock(&sh.samples).iter() {
        if let Some(&resp) = responses.get(&(w, n)) {
            if recv < resp {
                r.before_response += 1;
            }
            hist::record(&mut after, recv.saturating_sub(resp) / 1000);
        }
    }
    r.after_response = hist::buckets(&after);
    let h = lock(&sh.hists);
    r.e2e = hist::buckets(&h.e2e);
    r.e2e_same = hist::buckets(&h.same);
    r.e2e_cross = hist::buckets(&h.cross);
    r.write_rtt = hist::buckets(&h.write_rtt);
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_coalesced_frame_is_split_into_its_messages() {
        let frame = br#"[{"type":"event","data":{"n":"a}\"{"}},{"type":"subscribed"}]"#;
        let mut got = Vec::new();
        for_each_message(frame, |m| got.push(String::from_utf8_lossy(m).into_owned()));
        assert_eq!(
            got,
            [
                r#"{"type":"event","data":{"n":"a}\"{"}}"#,
                r#"{"type":"subscribed"}"#
            ]
        );
        let mut one = 0;
        for_each_message(br#"{"type":"pong"}"#, |_| one += 1);
        assert_eq!(one, 1);
    }

    #[test]
    fn markers_round_trip_inside_a_frame() {
        let m = marker(3, 17, 4242, 1, 1_732_650_000_123_456_789);
        let frame = format!(
            r#"{{"data":{{"first_name":"Load","last_name":"{m}"}},"event":"contact.created","seq":12,"topic":"contacts","type":"event"}}"#
        );
        let b = frame.as_bytes();
        assert!(has(b, b"\"type\":\"event\""));
        assert_eq!(num_after(b, b"\"seq\":"), Some(12));
        assert_eq!(
            parse_marker(b),
            Some(Marker {
                phase: 3,
                wid: 17,
                n: 4242,
                node: 1,
                send_ns: 1_732_650_000_123_456_789
            })
        );
        assert_eq!(str_after(b, b"\"topic\":\""), Some("contacts"));
        assert!(parse_marker(b"no marker").is_none());
    }
}

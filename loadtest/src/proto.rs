//! What the coordinator and its client processes (workers) say to each
//! other: one JSON document per line, commands on the worker's stdin,
//! reports on its stdout.

use serde::{Deserialize, Serialize};

use crate::hist::Buckets;

/// Everything a worker needs, sent once as its first stdin line.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Job {
    pub worker: usize,
    /// Source address of every socket this worker opens (127.0.0.2, …):
    /// each source address has its own ephemeral port range.
    pub bind_ip: String,
    pub conns: Vec<ConnGroup>,
    /// Write streams: 0 is the measured one; others (the noisy tenant's
    /// flood) are counted but carry no latency.
    pub streams: Vec<Vec<WriterSpec>>,
    /// WebSocket handshakes in flight at once.
    pub connect_concurrency: usize,
    /// Connections started per second, open loop (0: as fast as
    /// `connect_concurrency` allows). Latency then counts from each
    /// connection's scheduled start, so a client-side wait is not hidden.
    #[serde(default)]
    pub connect_rate: f64,
    /// Keep-alive HTTP connections per server address and stream.
    pub http_pool: usize,
}

/// `count` WebSocket connections of one tenant to one server.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ConnGroup {
    pub addr: String,
    pub node: u8,
    pub tenant: String,
    pub tenant_idx: u32,
    pub token: String,
    pub topics: Vec<String>,
    pub count: u32,
    /// How many of them stop reading in a `slow` phase.
    pub slow: u32,
    /// Asks the server to coalesce events into one frame per this many
    /// milliseconds (`?coalesce=`); 0: one frame per message.
    #[serde(default)]
    pub coalesce_ms: u32,
}

/// One writer: POSTs `body` (with `@@M@@` replaced by the marker) to `path`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct WriterSpec {
    pub wid: u32,
    pub addr: String,
    pub node: u8,
    pub tenant_idx: u32,
    pub token: String,
    pub path: String,
    pub body: String,
}

pub const MARK: &str = "@@M@@";

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "cmd", rename_all = "snake_case")]
pub enum Cmd {
    /// Open every connection, subscribe, report `Connected`.
    Connect,
    Phase(PhaseCmd),
    /// Exit; the kernel closes the sockets.
    Close,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct PhaseCmd {
    pub id: u32,
    pub name: String,
    pub duration_ms: u64,
    /// Offered writes per second for each stream, for this worker.
    pub rates: Vec<f64>,
    /// Slow connections stop reading for this phase.
    pub slow: bool,
    /// Waiting time after the last write for deliveries to land.
    pub drain_ms: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "msg", rename_all = "snake_case")]
pub enum Msg {
    Tick(Tick),
    Connected(Connected),
    PhaseDone(Box<PhaseReport>),
    Fatal { error: String },
}

/// Sent every half second: cumulative counters plus the latencies seen
/// since the previous tick.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Tick {
    pub live: u64,
    pub attempted: u64,
    pub received: u64,
    pub writes_ok: u64,
    pub interval: Buckets,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Connected {
    pub ok: u64,
    pub failed: u64,
    pub errors: Vec<String>,
    /// TCP connect + WebSocket upgrade (with authentication), µs.
    pub handshake: Buckets,
    /// Handshake plus every `subscribed` acknowledgement, µs.
    pub ready: Buckets,
    pub first_start_ns: u64,
    pub last_ready_ns: u64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct WriterCount {
    pub stream: usize,
    pub tenant_idx: u32,
    pub ok: u64,
    pub limited: u64,
    pub failed: u64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct TenantRecv {
    pub tenant_idx: u32,
    /// Non-slow connections open at the end of the phase.
    pub conns: u64,
    /// Events of this phase they received, summed.
    pub received: u64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct PhaseReport {
    pub id: u32,
    pub writers: Vec<WriterCount>,
    pub skipped: u64,
    pub write_rtt: Buckets,
    pub e2e: Buckets,
    pub e2e_same: Buckets,
    pub e2e_cross: Buckets,
    pub after_response: Buckets,
    pub before_response: u64,
    pub tenants: Vec<TenantRecv>,
    pub slow_received: u64,
    pub resyncs: u64,
    pub gaps: u64,
    pub dups: u64,
    pub error_frames: u64,
    pub closed: u64,
    pub frames: u64,
    pub frame_bytes: u64,
}

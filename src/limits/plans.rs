//! What each plan allows. A plan change applies to the next request: the
//! plan is read from the tenant directory, which the bus keeps fresh.

use crate::domain::tenant::Plan;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quotas {
    /// API requests per second for the whole tenant (burst: one second's worth).
    pub tenant_rps: u32,
    /// API requests per second for one user or API key.
    pub user_rps: u32,
    /// Open WebSocket connections per tenant (on all nodes, with Redis).
    pub ws_connections: usize,
    pub users: Option<i64>,
    pub records: Option<i64>,
    /// Bytes of attachments the tenant may keep (the seed's storage quota).
    pub storage_bytes: Option<u64>,
}

const MIB: u64 = 1024 * 1024;

pub fn quotas(plan: Plan) -> Quotas {
    match plan {
        Plan::Free => Quotas {
            tenant_rps: 20,
            user_rps: 10,
            ws_connections: 20,
            users: Some(5),
            records: Some(1_000),
            storage_bytes: Some(100 * MIB),
        },
        Plan::Standard => Quotas {
            tenant_rps: 200,
            user_rps: 50,
            ws_connections: 500,
            users: Some(100),
            records: Some(200_000),
            storage_bytes: Some(20 * 1024 * MIB),
        },
        Plan::Professional => Quotas {
            tenant_rps: 600,
            user_rps: 120,
            ws_connections: 2_000,
            users: Some(500),
            records: Some(2_000_000),
            storage_bytes: Some(200 * 1024 * MIB),
        },
        Plan::Enterprise => Quotas {
            tenant_rps: 2_000,
            user_rps: 400,
            ws_connections: 10_000,
            users: None,
            records: None,
            storage_bytes: None,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bigger_plans_allow_more() {
        let q: Vec<Quotas> = Plan::ALL.iter().map(|p| quotas(*p)).collect();
        for w in q.windows(2) {
            assert!(w[0].tenant_rps < w[1].tenant_rps && w[0].user_rps < w[1].user_rps);
            assert!(w[0].ws_connections < w[1].ws_connections);
        }
    }
}

//! Login throttling per account and per client address (governor, keyed).

use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::domain::tenant::TenantId;

pub struct LoginThrottle {
    per_account: DefaultKeyedRateLimiter<String>,
    per_address: DefaultKeyedRateLimiter<String>,
}

fn per_minute(n: u32) -> Quota {
    Quota::per_minute(NonZeroU32::new(n.max(1)).unwrap_or(NonZeroU32::MIN))
}

impl LoginThrottle {
    pub fn new(per_account_per_min: u32, per_address_per_min: u32) -> Self {
        Self {
            per_account: RateLimiter::keyed(per_minute(per_account_per_min)),
            per_address: RateLimiter::keyed(per_minute(per_address_per_min)),
        }
    }

    /// Counts one attempt; `Err(wait)` when either limit is exhausted.
    /// Keys carry the tenant: one tenant's attackers never lock out another's users.
    pub fn check(
        &self,
        tenant: TenantId,
        email_normalized: &str,
        address: &str,
    ) -> Result<(), Duration> {
        let now = DefaultClock::default().now();
        let wait = |e: governor::NotUntil<_>| e.wait_time_from(now).max(Duration::from_secs(1));
        self.per_address
            .check_key(&format!("{tenant}/{address}"))
            .map_err(wait)?;
        self.per_account
            .check_key(&format!("{tenant}/{email_normalized}"))
            .map_err(wait)
    }

    /// Drops state of keys that are back to full allowance (bounded memory).
    pub fn sweep(&self) {
        self.per_account.retain_recent();
        self.per_address.retain_recent();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_account_and_address_has_its_own_budget() {
        let t = LoginThrottle::new(3, 5);
        let tenant = TenantId::generate();
        for _ in 0..3 {
            assert!(t.check(tenant, "a@x", "1.1.1.1").is_ok());
        }
        let wait = t.check(tenant, "a@x", "1.1.1.1").unwrap_err();
        assert!(wait >= Duration::from_secs(1));
        assert!(t.check(tenant, "b@x", "1.1.1.1").is_ok()); // 5th from this address
        assert!(t.check(tenant, "c@x", "1.1.1.1").is_err()); // address exhausted
        assert!(t.check(tenant, "c@x", "2.2.2.2").is_ok());
        assert!(t.check(TenantId::generate(), "a@x", "1.1.1.1").is_ok());
    }
}

//! Login throttling (governor, keyed), built so that an attacker cannot
//! lock the real user out:
//!
//! - every attempt counts against its client address;
//! - *failures* count against the pair (account, address): an address
//!   that keeps guessing one account is stopped, and the account's owner
//!   elsewhere is not;
//! - failures from anywhere count against the account's ceiling, which
//!   refills slowly. Once it is spent, addresses that have failed on the
//!   account wait; an address that has not failed may still try, so the
//!   right password from a clean address is never refused.
//!
//! The same throttle guards every check of a second factor (keyed by
//! user instead of e-mail), so a TOTP code cannot be guessed faster than
//! a password.

use std::num::NonZeroU32;
use std::time::{Duration, Instant};

use dashmap::DashMap;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::domain::tenant::TenantId;

/// How long an address counts as "has failed on this account".
const FAILED_PAIR_MEMORY: Duration = Duration::from_secs(3600);

pub struct LoginThrottle {
    per_address: DefaultKeyedRateLimiter<String>,
    pair_failures: DefaultKeyedRateLimiter<String>,
    account_failures: DefaultKeyedRateLimiter<String>,
    /// Keys of the two failure limiters that ran out, and until when.
    /// (governor cannot look at a key without spending from it.)
    blocked: DashMap<String, Instant>,
    /// (account, address) pairs with a recent failure, and when.
    failed_pairs: DashMap<String, Instant>,
}

fn per_minute(n: u32) -> Quota {
    Quota::per_minute(NonZeroU32::new(n.max(1)).unwrap_or(NonZeroU32::MIN))
}

/// `n` failures a minute: the n-th failure blocks, so the attempt after
/// it is refused (the limiter's budget is spent by the failure before it).
fn failures_per_minute(n: u32) -> Quota {
    let burst = NonZeroU32::new(n.saturating_sub(1)).unwrap_or(NonZeroU32::MIN);
    per_minute(n).allow_burst(burst)
}

/// The account's ceiling: five minutes' worth of one address's failures
/// at once, then refilled at a fifth of that rate.
fn ceiling(per_account_per_min: u32) -> Quota {
    let n = per_account_per_min.max(1);
    let burst = NonZeroU32::new(n.saturating_mul(5) - 1).unwrap_or(NonZeroU32::MIN);
    Quota::with_period(Duration::from_secs(300) / n)
        .unwrap_or_else(|| per_minute(n))
        .allow_burst(burst)
}

impl LoginThrottle {
    pub fn new(per_account_per_min: u32, per_address_per_min: u32) -> Self {
        Self {
            per_address: RateLimiter::keyed(per_minute(per_address_per_min)),
            pair_failures: RateLimiter::keyed(failures_per_minute(per_account_per_min)),
            account_failures: RateLimiter::keyed(ceiling(per_account_per_min)),
            blocked: DashMap::new(),
            failed_pairs: DashMap::new(),
        }
    }

    /// Counts one attempt of `account` from `address`; `Err(wait)` when it
    /// must not be tried now. Keys carry the tenant: one tenant's
    /// attackers never lock out another's users.
    pub fn check(&self, tenant: TenantId, account: &str, address: &str) -> Result<(), Duration> {
        let now = Instant::now();
        let clock_now = DefaultClock::default().now();
        self.per_address
            .check_key(&format!("{tenant}/{address}"))
            .map_err(|e| e.wait_time_from(clock_now).max(Duration::from_secs(1)))?;
        let pair = pair_key(tenant, account, address);
        self.still_blocked(&pair, now)?;
        let has_failed = self
            .failed_pairs
            .get(&pair)
            .is_some_and(|t| now.duration_since(*t) < FAILED_PAIR_MEMORY);
        if has_failed {
            self.still_blocked(&account_key(tenant, account), now)?;
        }
        Ok(())
    }

    /// Records a failed attempt (wrong password, wrong code).
    pub fn failed(&self, tenant: TenantId, account: &str, address: &str) {
        let now = Instant::now();
        let clock_now = DefaultClock::default().now();
        let pair = pair_key(tenant, account, address);
        self.failed_pairs.insert(pair.clone(), now);
        for (limiter, key) in [
            (&self.pair_failures, pair),
            (&self.account_failures, account_key(tenant, account)),
        ] {
            if let Err(e) = limiter.check_key(&key) {
                let wait = e.wait_time_from(clock_now).max(Duration::from_secs(1));
                self.blocked.insert(key, now + wait);
            }
        }
    }

    /// A success from `address` forgives its earlier failures on `account`.
    pub fn succeeded(&self, tenant: TenantId, account: &str, address: &str) {
        self.failed_pairs
            .remove(&pair_key(tenant, account, address));
    }

    fn still_blocked(&self, key: &str, now: Instant) -> Result<(), Duration> {
        match self.blocked.get(key) {
            Some(until) if *until > now => Err((*until - now).max(Duration::from_secs(1))),
            _ => Ok(()),
        }
    }

    /// Drops state of keys that are back to full allowance (bounded memory).
    pub fn sweep(&self) {
        let now = Instant::now();
        self.per_address.retain_recent();
        self.pair_failures.retain_recent();
        self.account_failures.retain_recent();
        self.blocked.retain(|_, until| *until > now);
        self.failed_pairs
            .retain(|_, t| now.duration_since(*t) < FAILED_PAIR_MEMORY);
    }
}

fn pair_key(tenant: TenantId, account: &str, address: &str) -> String {
    format!("{tenant}/{account}/{address}")
}

fn account_key(tenant: TenantId, account: &str) -> String {
    format!("{tenant}/{account}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fail(t: &LoginThrottle, tenant: TenantId, account: &str, address: &str) {
        t.check(tenant, account, address).unwrap();
        t.failed(tenant, account, address);
    }

    #[test]
    fn an_address_guessing_one_account_is_stopped_and_the_owner_is_not() {
        let t = LoginThrottle::new(3, 100);
        let tenant = TenantId::generate();
        for _ in 0..3 {
            fail(&t, tenant, "a@x", "6.6.6.6");
        }
        let wait = t.check(tenant, "a@x", "6.6.6.6").unwrap_err();
        assert!(wait >= Duration::from_secs(1));
        // The owner, from their own address, is let through.
        assert!(t.check(tenant, "a@x", "1.1.1.1").is_ok());
        // So is the attacker on another account, and anyone in another tenant.
        assert!(t.check(tenant, "b@x", "6.6.6.6").is_ok());
        assert!(t.check(TenantId::generate(), "a@x", "6.6.6.6").is_ok());
    }

    #[test]
    fn the_account_ceiling_stops_addresses_that_failed_but_never_a_clean_one() {
        let t = LoginThrottle::new(2, 100);
        let tenant = TenantId::generate();
        // Ten addresses fail once each: the ceiling (5 × 2) is spent.
        for i in 0..10 {
            fail(&t, tenant, "a@x", &format!("10.0.0.{i}"));
        }
        assert!(t.check(tenant, "a@x", "10.0.0.3").is_err());
        assert!(t.check(tenant, "a@x", "192.0.2.1").is_ok());
        // A success forgives that address.
        t.succeeded(tenant, "a@x", "10.0.0.3");
        assert!(t.check(tenant, "a@x", "10.0.0.3").is_ok());
    }

    #[test]
    fn every_attempt_counts_against_its_address() {
        let t = LoginThrottle::new(100, 3);
        let tenant = TenantId::generate();
        for i in 0..3 {
            assert!(t.check(tenant, &format!("{i}@x"), "6.6.6.6").is_ok());
        }
        assert!(t.check(tenant, "z@x", "6.6.6.6").is_err());
        assert!(t.check(tenant, "z@x", "7.7.7.7").is_ok());
    }
}

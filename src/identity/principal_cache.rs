//! Principals of live sessions, kept for a moment.
//!
//! Loading a session's principal is a read transaction of seven statements
//! (session, user, roles, teams, the role set). One browser tab makes many
//! requests and holds a WebSocket that re-checks itself, and a console
//! board of a team shares one session: without this, authentication is
//! most of what the database does. An entry lives [`TTL`] at most, and any
//! identity change of its tenant (`Realtime::principals_changed`, here or
//! on another node over the bus) drops the tenant's entries at once, before
//! live sockets re-check, so changes still bite on the next request.
//! API keys are not cached: each use is audited.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use dashmap::DashMap;
use uuid::Uuid;

use super::principal::Principal;
use crate::domain::tenant::TenantId;

/// The longest a change that no one announced (a change on a node whose
/// bus message was lost) can go unnoticed. Announced changes drop entries
/// at once, a bus reconnect drops them all, and no entry outlives its
/// session. At 2 s, a thousand tenants reloaded a principal (seven
/// statements) 500 times a second, half of what PostgreSQL did in
/// `loadtest` crm-pg.
pub const TTL: Duration = Duration::from_secs(10);

#[derive(Default)]
pub struct PrincipalCache {
    /// The principal and the instant it stops being served.
    /// Shared, not copied: every request and socket of a session holds
    /// the same one (a console wall is one session).
    entries: DashMap<(TenantId, Uuid), (Instant, Arc<Principal>)>,
    /// Bumped by every invalidation: a principal read before a change
    /// must not be stored after it.
    generations: DashMap<TenantId, u64>,
    /// Bumped by [`invalidate_all`](Self::invalidate_all); part of every
    /// generation.
    epoch: AtomicU64,
}

impl PrincipalCache {
    /// The cached principal of `session`, if fresh.
    pub fn get(&self, tenant: TenantId, session: Uuid) -> Option<Arc<Principal>> {
        let hit = self.entries.get(&(tenant, session))?;
        let (until, p) = &*hit;
        (Instant::now() < *until).then(|| p.clone())
    }

    /// Where `tenant` stands; take it before reading a principal, and
    /// hand it to [`put`](Self::put).
    pub fn generation(&self, tenant: TenantId) -> u64 {
        // Both parts only grow, so any invalidation changes the sum.
        self.generations.get(&tenant).map_or(0, |g| *g) + self.epoch.load(Ordering::SeqCst)
    }

    /// Keeps `principal` for at most [`TTL`], and never past `lives` (what
    /// is left of its session), unless the tenant's identities changed
    /// since `generation` (it may have been read before the change).
    pub fn put(
        &self,
        tenant: TenantId,
        session: Uuid,
        principal: &Arc<Principal>,
        generation: u64,
        lives: Duration,
    ) {
        let now = Instant::now();
        if self.entries.len() > 100_000 {
            self.entries.retain(|_, (until, _)| now < *until);
        }
        // Checked under the generation's lock, so an invalidation cannot
        // slip between the check and the insert.
        let current = self.generations.entry(tenant).or_insert(0);
        let epoch = self.epoch.load(Ordering::SeqCst);
        if *current + epoch == generation {
            self.entries
                .insert((tenant, session), (now + TTL.min(lives), principal.clone()));
            // `invalidate_all` does not take the tenant's lock: if it ran
            // since the check, its clear may have come before this insert.
            if self.epoch.load(Ordering::SeqCst) != epoch {
                self.entries.remove(&(tenant, session));
            }
        }
    }

    /// Forgets everything: changes may have gone unheard (the bus lost
    /// its connection).
    pub fn invalidate_all(&self) {
        self.epoch.fetch_add(1, Ordering::SeqCst);
        self.entries.clear();
    }

    /// Forgets every principal of `tenant` (who may do what just changed).
    pub fn invalidate(&self, tenant: TenantId) {
        *self.generations.entry(tenant).or_insert(0) += 1;
        self.entries.retain(|(t, _), _| *t != tenant);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::principal::Via;

    fn principal(tenant: TenantId, session: Uuid) -> Arc<Principal> {
        Arc::new(Principal {
            tenant_id: tenant,
            user_id: Uuid::now_v7(),
            email: "a@b.example".into(),
            name: "A".into(),
            kind: "staff".into(),
            roles: vec![],
            teams: vec![],
            grants: Default::default(),
            via: Via::Session(session),
            mfa_enrollment_required: false,
        })
    }

    #[test]
    fn a_change_forgets_only_its_tenant() {
        let c = PrincipalCache::default();
        let (a, b) = (TenantId(Uuid::now_v7()), TenantId(Uuid::now_v7()));
        let (sa, sb) = (Uuid::now_v7(), Uuid::now_v7());
        c.put(a, sa, &principal(a, sa), c.generation(a), TTL);
        c.put(b, sb, &principal(b, sb), c.generation(b), TTL);
        assert!(c.get(a, sa).is_some());
        assert!(c.get(a, sb).is_none(), "keyed by tenant and session");
        c.invalidate(a);
        assert!(c.get(a, sa).is_none());
        assert!(c.get(b, sb).is_some());
        c.invalidate_all();
        assert!(c.get(b, sb).is_none(), "a bus reset forgets every tenant");
    }

    #[test]
    fn no_entry_outlives_its_session() {
        let c = PrincipalCache::default();
        let t = TenantId(Uuid::now_v7());
        let s = Uuid::now_v7();
        c.put(t, s, &principal(t, s), c.generation(t), Duration::ZERO);
        assert!(c.get(t, s).is_none(), "a session ending now is not served");
        c.put(
            t,
            s,
            &principal(t, s),
            c.generation(t),
            Duration::from_secs(60),
        );
        assert!(c.get(t, s).is_some());
    }

    #[test]
    fn a_principal_read_before_a_change_is_not_kept() {
        let c = PrincipalCache::default();
        let t = TenantId(Uuid::now_v7());
        let s = Uuid::now_v7();
        let before = c.generation(t);
        c.invalidate(t); // e.g. a logout commits while the principal is read
        c.put(t, s, &principal(t, s), before, TTL);
        assert!(c.get(t, s).is_none());
        c.put(t, s, &principal(t, s), c.generation(t), TTL);
        assert!(c.get(t, s).is_some());
    }
}

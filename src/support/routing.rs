//! Which agent a queue offers its next ticket to. Pure: the caller reads
//! agents, loads and the rotation cursor inside the transaction that then
//! writes the offer, so every node decides from the same facts.

use std::collections::BTreeSet;

use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Manual,
    RoundRobin,
    LeastLoaded,
    Skills,
}

impl Mode {
    pub fn parse(s: Option<&str>) -> Mode {
        match s {
            Some("round_robin") => Mode::RoundRobin,
            Some("least_loaded") => Mode::LeastLoaded,
            Some("skills") => Mode::Skills,
            _ => Mode::Manual,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Candidate {
    pub user_id: Uuid,
    pub online: bool,
    /// Open tickets assigned plus live offers.
    pub load: i64,
    pub capacity: i64,
    pub skills: BTreeSet<String>,
}

/// The agent to offer a ticket to, or none. `candidates` are the queue's
/// agents in a stable order (by id); `last` is whom the queue offered to
/// last, where the rotation continues. An agent is eligible when online,
/// below capacity, has not declined this ticket, and (skills mode) holds
/// every skill the ticket needs.
pub fn choose(
    mode: Mode,
    candidates: &[Candidate],
    needs: &BTreeSet<String>,
    declined: &[Uuid],
    last: Option<Uuid>,
) -> Option<Uuid> {
    if mode == Mode::Manual {
        return None;
    }
    // The rotation: agents after `last` first, then from the start.
    let start = last
        .and_then(|l| candidates.iter().position(|c| c.user_id > l))
        .unwrap_or(0);
    let rotated = candidates[start..].iter().chain(&candidates[..start]);
    let mut eligible = rotated.filter(|c| {
        c.online
            && c.load < c.capacity
            && !declined.contains(&c.user_id)
            && (mode != Mode::Skills || needs.is_subset(&c.skills))
    });
    match mode {
        Mode::RoundRobin => eligible.next().map(|c| c.user_id),
        // Least loaded; ties go to whoever is next in the rotation.
        Mode::LeastLoaded | Mode::Skills => eligible
            .enumerate()
            .min_by_key(|(i, c)| (c.load, *i))
            .map(|(_, c)| c.user_id),
        Mode::Manual => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn agents(loads: &[i64]) -> Vec<Candidate> {
        let mut v: Vec<Candidate> = loads
            .iter()
            .map(|l| Candidate {
                user_id: Uuid::now_v7(),
                online: true,
                load: *l,
                capacity: 3,
                skills: BTreeSet::new(),
            })
            .collect();
        v.sort_by_key(|c| c.user_id);
        v
    }

    #[test]
    fn round_robin_rotates_and_skips_the_full_and_the_absent() {
        let mut a = agents(&[0, 0, 3, 0]);
        a[3].online = false;
        let none = BTreeSet::new();
        let ids: Vec<Uuid> = a.iter().map(|c| c.user_id).collect();
        let first = choose(Mode::RoundRobin, &a, &none, &[], None);
        assert_eq!(first, Some(ids[0]));
        let second = choose(Mode::RoundRobin, &a, &none, &[], first);
        assert_eq!(second, Some(ids[1]));
        // ids[2] is at capacity and ids[3] offline: back to the start.
        assert_eq!(
            choose(Mode::RoundRobin, &a, &none, &[], second),
            Some(ids[0])
        );
        assert_eq!(
            choose(Mode::RoundRobin, &a, &none, &[ids[0]], second),
            Some(ids[1])
        );
    }

    #[test]
    fn least_loaded_and_skills() {
        let mut a = agents(&[2, 1, 1]);
        let ids: Vec<Uuid> = a.iter().map(|c| c.user_id).collect();
        let none = BTreeSet::new();
        assert_eq!(
            choose(Mode::LeastLoaded, &a, &none, &[], None),
            Some(ids[1])
        );
        // A tie continues the rotation after the last offer.
        assert_eq!(
            choose(Mode::LeastLoaded, &a, &none, &[], Some(ids[1])),
            Some(ids[2])
        );
        a[0].skills = BTreeSet::from(["de".to_owned(), "billing".to_owned()]);
        let needs = BTreeSet::from(["billing".to_owned()]);
        assert_eq!(choose(Mode::Skills, &a, &needs, &[], None), Some(ids[0]));
        assert_eq!(choose(Mode::Manual, &a, &none, &[], None), None);
    }
}

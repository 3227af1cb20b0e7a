//! Applying the retention rules: a dry run that says what each rule would
//! touch, and the run itself. A run holds the tenant's `retention` lease,
//! so one node at a time applies them; it removes one record (with what
//! goes with it) per transaction, so a live write waits for at most one
//! record's removal, and it pauses between pages. Each removal is audited
//! as the rule's (`actor: {"type": "retention", "rule": …}`) and emitted
//! as events like any other; each rule that touched something leaves a
//! `retention.applied` entry with its counts.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use serde::Serialize;
use serde_json::json;
use tokio::sync::mpsc;
use uuid::Uuid;

use super::anonymise;
use super::core::{Committed, RecordError, Result};
use super::privacy;
use super::references::{self, Removal};
use super::removal::{self, Plan, all_customs, referring};
use super::retention_policy::{Action, Rule, load};
use super::validate::Custom;
use crate::storage::audit_log::{self, Actor};
use crate::storage::records::{self, RecordRow};
use crate::storage::{TenantDb, TenantTx, leases};

pub const LEASE: &str = "retention";
const PAGE: i64 = 100;
/// Live traffic's turn between two pages of removals.
const PAUSE: Duration = Duration::from_millis(20);
/// A dry run stops counting here and says so.
const DRY_RUN_MAX: usize = 10_000;
/// Ids a report lists per rule.
const SAMPLE: usize = 100;

/// What one rule would do (a dry run) or did (a run).
#[derive(Debug, Clone, Serialize)]
pub struct RuleReport {
    pub name: String,
    pub kind: String,
    pub action: Action,
    pub enabled: bool,
    /// Records the rule matched and removed (or would remove).
    pub matched: usize,
    /// The first of their ids.
    pub records: Vec<Uuid>,
    /// Everything that went (or would go) with them, per kind.
    pub gone: BTreeMap<String, usize>,
    /// Records that stay but lost (or would lose) a reference, per kind.
    pub cleared: BTreeMap<String, usize>,
    /// Matched, but under legal hold, or something going with it is.
    pub held: usize,
    /// Matched, but records that need it still refer to it.
    pub refused: usize,
    /// The dry run stopped counting at 10,000 matches.
    pub truncated: bool,
}

impl RuleReport {
    fn new(rule: &Rule) -> Self {
        Self {
            name: rule.name.clone(),
            kind: rule.kind.clone(),
            action: rule.action,
            enabled: rule.enabled,
            matched: 0,
            records: Vec::new(),
            gone: BTreeMap::new(),
            cleared: BTreeMap::new(),
            held: 0,
            refused: 0,
            truncated: false,
        }
    }

    fn add(&mut self, id: Uuid, gone: BTreeMap<String, usize>, cleared: BTreeMap<String, usize>) {
        self.matched += 1;
        if self.records.len() < SAMPLE {
            self.records.push(id);
        }
        for (k, n) in gone {
            *self.gone.entry(k).or_default() += n;
        }
        for (k, n) in cleared {
            *self.cleared.entry(k).or_default() += n;
        }
    }

    /// Counts a refusal; any other error stops the run.
    fn count_refusal(&mut self, e: RecordError) -> Result<()> {
        match e {
            RecordError::Held(_) => self.held += 1,
            RecordError::InUse(_) => self.refused += 1,
            e => return Err(e),
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The instant the rules' ages were counted back from.
    pub at: DateTime<Utc>,
    pub rules: Vec<RuleReport>,
}

/// Whether `row` falls under `rule` at `cutoff`: in one of its statuses,
/// and neither it nor anything referring to it changed since.
async fn quiet(
    tx: &mut TenantTx,
    rule: &Rule,
    customs: &[(&'static str, Vec<Custom>)],
    cutoff: DateTime<Utc>,
    row: &RecordRow,
) -> Result<bool> {
    if row.updated_at >= cutoff {
        return Ok(false);
    }
    // Once is enough: the record stays, and would match again.
    if rule.action == Action::Anonymise && anonymise::anonymised(row) {
        return Ok(false);
    }
    if let Some(statuses) = &rule.statuses {
        let status = row.data.0.get("status").and_then(|s| s.as_str());
        if !statuses.iter().any(|s| Some(s.as_str()) == status) {
            return Ok(false);
        }
    }
    for referrer in references::to(&row.kind, customs, Removal::Delete) {
        let rows = referring(tx, referrer.kind, &referrer.slot, row).await?;
        if rows.iter().any(|r| r.updated_at >= cutoff) {
            return Ok(false);
        }
    }
    Ok(true)
}

/// The next page of `rule`'s matches after `after`; the cursor for the
/// page after (None at the end).
async fn page(
    tx: &mut TenantTx,
    rule: &Rule,
    customs: &[(&'static str, Vec<Custom>)],
    cutoff: DateTime<Utc>,
    after: Option<Uuid>,
) -> Result<(Vec<RecordRow>, Option<Uuid>)> {
    let rows = records::unchanged_since(tx, &rule.kind, cutoff, after, PAGE).await?;
    let next = (rows.len() as i64 == PAGE).then(|| rows[rows.len() - 1].id);
    let mut out = Vec::new();
    for r in rows {
        if quiet(tx, rule, customs, cutoff, &r).await? {
            out.push(r);
        }
    }
    Ok((out, next))
}

/// What applying `rule` to `row` would take along and clear, per kind.
async fn plan(tx: &mut TenantTx, rule: &Rule, row: RecordRow) -> Result<Counts> {
    let p: Plan = match rule.action {
        Action::Erase if row.kind == "contact" => privacy::erasure_plan(tx, row).await?.0,
        Action::Erase => removal::plan(tx, row, Vec::new(), Removal::Erase).await?,
        Action::Delete => removal::plan(tx, row, Vec::new(), Removal::Delete).await?,
        Action::Anonymise => {
            let comments = anonymise::plan(tx, &row).await?;
            let gone = match comments.len() {
                0 => BTreeMap::new(),
                n => BTreeMap::from([(super::schema::COMMENT.to_owned(), n)]),
            };
            return Ok((gone, BTreeMap::new()));
        }
    };
    Ok((p.gone(), p.cleared()))
}

/// Records taken along, and records that lost a reference, per kind.
type Counts = (BTreeMap<String, usize>, BTreeMap<String, usize>);

/// What each rule would remove now, enabled or not; writes nothing.
pub async fn dry_run(db: &TenantDb) -> Result<Report> {
    let at = db.clock().now();
    let policy = load(db).await?;
    let mut tx = db.begin_read().await?;
    let customs = all_customs(&mut tx).await?;
    let mut out = Vec::new();
    for rule in &policy.rules {
        let cutoff = at - TimeDelta::days(rule.unchanged_for_days);
        let mut report = RuleReport::new(rule);
        let mut after = None;
        'pages: loop {
            let (rows, next) = page(&mut tx, rule, &customs, cutoff, after).await?;
            for row in rows {
                if report.matched + report.held + report.refused >= DRY_RUN_MAX {
                    report.truncated = true;
                    break 'pages;
                }
                let id = row.id;
                match plan(&mut tx, rule, row).await {
                    Ok((gone, cleared)) => report.add(id, gone, cleared),
                    Err(e) => report.count_refusal(e)?,
                }
            }
            match next {
                Some(n) => after = Some(n),
                None => break,
            }
        }
        out.push(report);
    }
    tx.rollback().await?;
    Ok(Report { at, rules: out })
}

/// Removes `id` under `rule` if it still falls under it, in a transaction
/// of its own.
async fn apply_one(
    db: &TenantDb,
    rule: &Rule,
    at: DateTime<Utc>,
    cutoff: DateTime<Utc>,
    id: Uuid,
) -> Result<Option<(Committed, BTreeMap<String, usize>, BTreeMap<String, usize>)>> {
    let mut tx = db.begin().await?;
    let customs = all_customs(&mut tx).await?;
    let Some(row) = records::get(&mut tx, &rule.kind, id).await? else {
        return Ok(None);
    };
    // Changed or touched since the page was read: no longer quiet.
    if !quiet(&mut tx, rule, &customs, cutoff, &row).await? {
        return Ok(None);
    }
    let by = Actor::Retention {
        rule: rule.name.clone(),
    };
    let (removed, portal_user) = match rule.action {
        Action::Erase if row.kind == "contact" => {
            let e = privacy::erase_in(&mut tx, at, by, row).await?;
            (e.removed, e.portal_user)
        }
        Action::Anonymise => {
            let a = anonymise::anonymise_in(&mut tx, at, &by, &rule.name, row).await?;
            (a.removed, a.portal_user)
        }
        Action::Erase => (
            removal::remove(&mut tx, at, &by, row, Vec::new(), Removal::Erase).await?,
            None,
        ),
        Action::Delete => (
            removal::remove(&mut tx, at, &by, row, Vec::new(), Removal::Delete).await?,
            None,
        ),
    };
    tx.commit().await?;
    let step = Committed {
        events: removed.events,
        signed_out: portal_user,
    };
    Ok(Some((step, removed.gone, removed.cleared)))
}

/// Applies the enabled rules once, as `holder`; `None` when another run
/// holds the lease. The lease lasts `lease` (long enough for a page of
/// removals) and is renewed after each page, so a node that dies holding
/// it frees it by that much later. What each removal commits goes to
/// `written` as it commits (a channel: the caller delivers while the run
/// goes on).
pub async fn run(
    db: &TenantDb,
    holder: &str,
    lease: TimeDelta,
    written: mpsc::UnboundedSender<Committed>,
) -> Result<Option<Report>> {
    let holder = &Holder { id: holder, lease };
    let at = db.clock().now();
    let policy = load(db).await?;
    if !policy.rules.iter().any(|r| r.enabled) {
        // Nothing to apply: no lease, no write.
        return Ok(Some(Report {
            at,
            rules: Vec::new(),
        }));
    }
    if !take_lease(db, holder, at).await? {
        return Ok(None);
    }
    let result = run_rules(db, holder, at, &policy.rules, &written).await;
    let mut tx = db.begin().await?;
    leases::release(&mut tx, LEASE, holder.id).await?;
    tx.commit().await?;
    result.map(Some)
}

/// Who runs the rules, and for how long at a time.
struct Holder<'a> {
    id: &'a str,
    lease: TimeDelta,
}

async fn take_lease(db: &TenantDb, holder: &Holder<'_>, now: DateTime<Utc>) -> Result<bool> {
    let mut tx = db.begin().await?;
    let got = leases::take(&mut tx, LEASE, holder.id, now, now + holder.lease).await?;
    tx.commit().await?;
    Ok(got)
}

async fn run_rules(
    db: &TenantDb,
    holder: &Holder<'_>,
    at: DateTime<Utc>,
    rules: &[Rule],
    written: &mpsc::UnboundedSender<Committed>,
) -> Result<Report> {
    let mut out = Vec::new();
    let mut erased = false;
    for rule in rules.iter().filter(|r| r.enabled) {
        let cutoff = at - TimeDelta::days(rule.unchanged_for_days);
        let mut report = RuleReport::new(rule);
        let mut after = None;
        loop {
            let (ids, next) = {
                let mut tx = db.begin_read().await?;
                let customs = all_customs(&mut tx).await?;
                let (rows, next) = page(&mut tx, rule, &customs, cutoff, after).await?;
                tx.rollback().await?;
                (rows.into_iter().map(|r| r.id).collect::<Vec<_>>(), next)
            };
            for id in ids {
                match apply_one(db, rule, at, cutoff, id).await {
                    Ok(Some((step, gone, cleared))) => {
                        report.add(id, gone, cleared);
                        // The receiver only goes with the caller.
                        let _ = written.send(step);
                    }
                    Ok(None) => {}
                    Err(e) => report.count_refusal(e)?,
                }
            }
            let Some(n) = next else { break };
            after = Some(n);
            tokio::time::sleep(PAUSE).await;
            if !take_lease(db, holder, db.clock().now().max(at)).await? {
                return Err(RecordError::Conflict(
                    "the retention lease was taken over by another node".into(),
                ));
            }
        }
        erased |= rule.action != Action::Delete && report.matched > 0;
        if report.matched + report.held + report.refused > 0 {
            applied(db, rule, &report).await?;
        }
        out.push(report);
    }
    if erased {
        privacy::scrub(db).await;
    }
    Ok(Report { at, rules: out })
}

/// The rule's trail entry: what it matched and did, in counts.
async fn applied(db: &TenantDb, rule: &Rule, report: &RuleReport) -> Result<()> {
    let mut tx = db.begin().await?;
    audit_log::append(
        &mut tx,
        &audit_log::NewEntry {
            action: "retention.applied",
            actor: Actor::Retention {
                rule: rule.name.clone(),
            },
            kind: Some(&rule.kind),
            record_id: None,
            detail: json!({
                "rule": rule,
                "matched": report.matched,
                "gone": report.gone,
                "cleared": report.cleared,
                "held": report.held,
                "refused": report.refused,
            }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

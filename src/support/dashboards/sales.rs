//! `dashboard:sales`: pipeline value by stage, the weighted forecast, and
//! deals won and lost this month. Money is summed in integer cents per
//! currency, so incremental sums equal a recomputation exactly.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use crate::domain::calendar::BusinessCalendar;

#[derive(Debug, Clone, PartialEq)]
pub struct Stage {
    id: String,
    name: String,
    probability: f64,
    won: bool,
    lost: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Pipeline {
    name: String,
    stages: Vec<Stage>,
}

pub fn pipeline(data: &Map<String, Value>) -> Pipeline {
    let stages = data
        .get("stages")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .map(|s| Stage {
                    id: s["id"].as_str().unwrap_or_default().to_owned(),
                    name: s["name"].as_str().unwrap_or_default().to_owned(),
                    probability: s["probability"].as_f64().unwrap_or(0.0),
                    won: s["won"].as_bool().unwrap_or(false),
                    lost: s["lost"].as_bool().unwrap_or(false),
                })
                .collect()
        })
        .unwrap_or_default();
    Pipeline {
        name: data
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
        stages,
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Deal {
    pipeline: Uuid,
    stage: String,
    currency: String,
    cents: i128,
    /// When it entered its current stage.
    moved_at: Option<DateTime<Utc>>,
}

pub fn deal(data: &Map<String, Value>) -> Option<Deal> {
    let pipeline = data
        .get("pipeline_id")
        .and_then(Value::as_str)
        .and_then(|s| Uuid::parse_str(s).ok())?;
    Some(Deal {
        pipeline,
        stage: data.get("stage_id").and_then(Value::as_str)?.to_owned(),
        currency: data
            .get("currency")
            .and_then(Value::as_str)
            .unwrap_or("EUR")
            .to_owned(),
        cents: data
            .get("amount")
            .and_then(Value::as_f64)
            .map_or(0, |a| (a * 100.0).round() as i128),
        moved_at: data
            .get("stage_history")
            .and_then(Value::as_array)
            .and_then(|h| h.last())
            .and_then(|m| m.get("at"))
            .and_then(Value::as_str)
            .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
            .map(|t| t.with_timezone(&Utc)),
    })
}

type Sums = BTreeMap<(Uuid, String, String), (i64, i128)>;

fn add(sums: &mut Sums, d: &Deal, sign: i64) {
    let k = (d.pipeline, d.stage.clone(), d.currency.clone());
    let e = sums.entry(k.clone()).or_default();
    e.0 += sign;
    e.1 += i128::from(sign) * d.cents;
    if e.0 == 0 {
        sums.remove(&k);
    }
}

#[derive(Default)]
pub struct SalesBoard {
    pipelines: HashMap<Uuid, Pipeline>,
    deals: HashMap<Uuid, Deal>,
    sums: Sums,
    /// Deals in a won or lost stage, by when they got there.
    closed: BTreeMap<(DateTime<Utc>, Uuid), (bool, String, i128)>,
}

fn closing(p: &HashMap<Uuid, Pipeline>, d: &Deal) -> Option<(bool, DateTime<Utc>)> {
    let s = p
        .get(&d.pipeline)?
        .stages
        .iter()
        .find(|s| s.id == d.stage)?;
    (s.won || s.lost).then_some((s.won, d.moved_at?))
}

impl SalesBoard {
    fn share(&mut self, id: Uuid, d: &Deal, sign: i64) {
        add(&mut self.sums, d, sign);
        if let Some((won, at)) = closing(&self.pipelines, d) {
            if sign > 0 {
                self.closed
                    .insert((at, id), (won, d.currency.clone(), d.cents));
            } else {
                self.closed.remove(&(at, id));
            }
        }
    }

    pub fn apply_deal(&mut self, id: Uuid, d: Option<Deal>) {
        if let Some(old) = self.deals.remove(&id) {
            self.share(id, &old, -1);
        }
        if let Some(d) = d {
            self.share(id, &d, 1);
            self.deals.insert(id, d);
        }
    }

    /// A pipeline changed: which stages close a deal may have changed too.
    pub fn apply_pipeline(&mut self, id: Uuid, p: Option<Pipeline>) {
        let affected: Vec<(Uuid, Deal)> = self
            .deals
            .iter()
            .filter(|(_, d)| d.pipeline == id)
            .map(|(k, d)| (*k, d.clone()))
            .collect();
        for (k, d) in &affected {
            self.share(*k, d, -1);
        }
        match p {
            Some(p) => self.pipelines.insert(id, p),
            None => self.pipelines.remove(&id),
        };
        for (k, d) in &affected {
            self.share(*k, d, 1);
        }
    }

    pub fn snapshot(&self, now: DateTime<Utc>, cal: &BusinessCalendar) -> Value {
        let month = cal.start_of_month(now);
        let closed = self
            .closed
            .range((month, Uuid::nil())..)
            .filter(|((at, _), _)| *at <= now)
            .map(|(_, v)| v.clone());
        snapshot(&self.pipelines, &self.sums, closed, month)
    }
}

fn money(m: &BTreeMap<String, i128>) -> Value {
    Value::Object(
        m.iter()
            .map(|(c, cents)| (c.clone(), json!(*cents as f64 / 100.0)))
            .collect(),
    )
}

fn snapshot(
    pipelines: &HashMap<Uuid, Pipeline>,
    sums: &Sums,
    closed: impl Iterator<Item = (bool, String, i128)>,
    month: DateTime<Utc>,
) -> Value {
    let mut weighted: BTreeMap<String, i128> = BTreeMap::new();
    let mut ordered: Vec<(&Uuid, &Pipeline)> = pipelines.iter().collect();
    ordered.sort_by(|a, b| (&a.1.name, a.0).cmp(&(&b.1.name, b.0)));
    let list: Vec<Value> = ordered
        .into_iter()
        .map(|(id, p)| {
            let stages: Vec<Value> = p
                .stages
                .iter()
                .map(|s| {
                    let (mut count, mut value) = (0, BTreeMap::new());
                    for ((_, _, cur), (n, cents)) in sums
                        .range((*id, s.id.clone(), String::new())..)
                        .take_while(|((pid, sid, _), _)| pid == id && *sid == s.id)
                    {
                        count += n;
                        value.insert(cur.clone(), *cents);
                        if !s.won && !s.lost {
                            *weighted.entry(cur.clone()).or_default() +=
                                (*cents as f64 * s.probability / 100.0).round() as i128;
                        }
                    }
                    json!({"stage_id": s.id, "name": s.name, "probability": s.probability,
                           "won": s.won, "lost": s.lost, "count": count, "value": money(&value)})
                })
                .collect();
            json!({"pipeline_id": id, "name": p.name, "stages": stages})
        })
        .collect();
    let (mut won, mut lost) = ((0, BTreeMap::new()), (0, BTreeMap::new()));
    for (is_won, cur, cents) in closed {
        let t = if is_won { &mut won } else { &mut lost };
        t.0 += 1;
        *t.1.entry(cur).or_insert(0i128) += cents;
    }
    json!({
        "pipelines": list,
        "weighted_forecast": money(&weighted),
        "won_this_month": {"count": won.0, "value": money(&won.1)},
        "lost_this_month": {"count": lost.0, "value": money(&lost.1)},
        "month_starts_at": month,
    })
}

/// The same figures by a plain pass over every pipeline and deal.
pub fn recompute<'a>(
    pipelines: impl Iterator<Item = (Uuid, &'a Map<String, Value>)>,
    deals: impl Iterator<Item = (Uuid, &'a Map<String, Value>)>,
    now: DateTime<Utc>,
    cal: &BusinessCalendar,
) -> Value {
    let month = cal.start_of_month(now);
    let pipelines: HashMap<Uuid, Pipeline> = pipelines.map(|(id, d)| (id, pipeline(d))).collect();
    let mut sums = Sums::new();
    let mut closed = Vec::new();
    for d in deals.filter_map(|(_, d)| deal(d)) {
        add(&mut sums, &d, 1);
        if let Some((won, at)) = closing(&pipelines, &d)
            && at >= month
            && at <= now
        {
            closed.push((won, d.currency.clone(), d.cents));
        }
    }
    snapshot(&pipelines, &sums, closed.into_iter(), month)
}

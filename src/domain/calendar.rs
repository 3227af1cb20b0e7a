//! A tenant's business calendar: working hours per weekday in its time
//! zone, and holidays. SLA clocks in business hours count only the seconds
//! inside those hours (setting `business_calendar`).

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Datelike, Duration, LocalResult, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::domain::{FieldError, Validation};

pub const SETTING: &str = "business_calendar";

const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
/// How far ahead a due instant is searched: a calendar with a few working
/// hours a year still resolves; one with none gives no due instant.
const HORIZON_DAYS: i64 = 3 * 366;

/// The setting as stored and sent: `{"time_zone": "Europe/Berlin",
/// "hours": {"mon": [["09:00", "17:00"]], …}, "holidays": ["2026-12-25"]}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalendarSetting {
    pub time_zone: String,
    pub hours: BTreeMap<String, Vec<[String; 2]>>,
    #[serde(default)]
    pub holidays: Vec<NaiveDate>,
}

impl Default for CalendarSetting {
    fn default() -> Self {
        let day = || vec![["09:00".to_owned(), "17:00".to_owned()]];
        Self {
            time_zone: "UTC".into(),
            hours: DAYS[..5].iter().map(|d| ((*d).to_owned(), day())).collect(),
            holidays: Vec::new(),
        }
    }
}

/// Seconds since local midnight; 86,400 stands for "24:00".
fn parse_time(s: &str) -> Option<u32> {
    let (h, m) = s.split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    (m < 60 && (h < 24 || (h == 24 && m == 0))).then_some(h * 3600 + m * 60)
}

impl CalendarSetting {
    pub fn compile(&self) -> Result<BusinessCalendar, Vec<FieldError>> {
        let mut v = Validation::default();
        let tz: Option<Tz> = self.time_zone.parse().ok();
        if tz.is_none() {
            v.push(FieldError::new(
                "time_zone",
                "must be an IANA time zone such as Europe/Berlin",
            ));
        }
        let mut week: [Vec<(u32, u32)>; 7] = Default::default();
        for (day, spans) in &self.hours {
            let Some(i) = DAYS.iter().position(|d| d == day) else {
                v.push(FieldError::new(
                    format!("hours.{day}"),
                    "must be one of mon, tue, wed, thu, fri, sat, sun",
                ));
                continue;
            };
            let mut parsed: Vec<(u32, u32)> = Vec::new();
            for (j, [from, to]) in spans.iter().enumerate() {
                match (parse_time(from), parse_time(to)) {
                    (Some(a), Some(b)) if a < b => parsed.push((a, b)),
                    _ => v.push(FieldError::new(
                        format!("hours.{day}[{j}]"),
                        "must be [\"HH:MM\", \"HH:MM\"] with the start before the end",
                    )),
                }
            }
            parsed.sort_unstable();
            if parsed.windows(2).any(|w| w[0].1 > w[1].0) {
                v.push(FieldError::new(
                    format!("hours.{day}"),
                    "spans must not overlap",
                ));
            }
            week[i] = parsed;
        }
        if self.holidays.len() > 1000 {
            v.push(FieldError::new("holidays", "at most 1,000 dates"));
        }
        v.finish()?;
        Ok(BusinessCalendar {
            tz: tz.unwrap_or(Tz::UTC),
            week,
            holidays: self.holidays.iter().copied().collect(),
        })
    }
}

#[derive(Debug, Clone)]
pub struct BusinessCalendar {
    tz: Tz,
    week: [Vec<(u32, u32)>; 7],
    holidays: BTreeSet<NaiveDate>,
}

impl Default for BusinessCalendar {
    fn default() -> Self {
        CalendarSetting::default()
            .compile()
            .unwrap_or_else(|_| unreachable!("the default calendar is valid"))
    }
}

impl BusinessCalendar {
    pub fn tz(&self) -> Tz {
        self.tz
    }

    /// The instant of local `secs` after midnight on `day`. A time that a
    /// DST change skips is taken an hour later; a repeated one, the first.
    fn instant(&self, day: NaiveDate, secs: u32) -> DateTime<Utc> {
        let local = day.and_hms_opt(0, 0, 0).unwrap_or_default() + Duration::seconds(secs.into());
        match self.tz.from_local_datetime(&local) {
            LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => t.with_timezone(&Utc),
            LocalResult::None => self
                .tz
                .from_local_datetime(&(local + Duration::hours(1)))
                .earliest()
                .map_or_else(|| local.and_utc(), |t| t.with_timezone(&Utc)),
        }
    }

    /// The working spans of one local day, as instants.
    fn spans(&self, day: NaiveDate) -> impl Iterator<Item = (DateTime<Utc>, DateTime<Utc>)> + '_ {
        let idx = day.weekday().num_days_from_monday() as usize;
        let open = !self.holidays.contains(&day);
        self.week[idx]
            .iter()
            .filter(move |_| open)
            .map(move |(a, b)| (self.instant(day, *a), self.instant(day, *b)))
    }

    fn local_day(&self, t: DateTime<Utc>) -> NaiveDate {
        t.with_timezone(&self.tz).date_naive()
    }

    /// The instant `secs` working seconds after `start`; `None` when the
    /// calendar has no working time within the horizon.
    pub fn add(&self, start: DateTime<Utc>, secs: i64) -> Option<DateTime<Utc>> {
        if secs <= 0 {
            return Some(start);
        }
        let mut left = secs;
        let mut day = self.local_day(start);
        for _ in 0..HORIZON_DAYS {
            for (a, b) in self.spans(day) {
                let a = a.max(start);
                if b <= a {
                    continue;
                }
                let len = (b - a).num_seconds();
                if left <= len {
                    return Some(a + Duration::seconds(left));
                }
                left -= len;
            }
            day = day.succ_opt()?;
        }
        None
    }

    /// Working seconds in `[from, to)`.
    pub fn between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> i64 {
        if to <= from {
            return 0;
        }
        let mut total = 0;
        let mut day = self.local_day(from);
        let last = self.local_day(to);
        while day <= last {
            for (a, b) in self.spans(day) {
                let (a, b) = (a.max(from), b.min(to));
                if b > a {
                    total += (b - a).num_seconds();
                }
            }
            let Some(next) = day.succ_opt() else { break };
            day = next;
        }
        total
    }

    /// Midnight (local) at the start of the day of `t`, as an instant.
    pub fn start_of_day(&self, t: DateTime<Utc>) -> DateTime<Utc> {
        self.instant(self.local_day(t), 0)
    }

    /// Midnight (local) at the start of the month of `t`.
    pub fn start_of_month(&self, t: DateTime<Utc>) -> DateTime<Utc> {
        let d = self.local_day(t);
        self.instant(d.with_day(1).unwrap_or(d), 0)
    }

    /// The next local midnight after `t`.
    pub fn next_midnight(&self, t: DateTime<Utc>) -> DateTime<Utc> {
        let d = self.local_day(t);
        self.instant(d.succ_opt().unwrap_or(d), 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn berlin() -> BusinessCalendar {
        CalendarSetting {
            time_zone: "Europe/Berlin".into(),
            holidays: vec![NaiveDate::from_ymd_opt(2026, 12, 28).unwrap_or_default()],
            ..CalendarSetting::default()
        }
        .compile()
        .unwrap_or_default()
    }

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).map_or_else(|_| Utc::now(), |t| t.with_timezone(&Utc))
    }

    #[test]
    fn adding_hours_skips_the_weekend_and_a_holiday() {
        let cal = berlin();
        // Friday 2026-12-25 is not a holiday here; 16:00 Berlin is 15:00 UTC.
        // One hour on Friday, then Saturday, Sunday and the holiday Monday
        // are skipped: the second hour ends Tuesday 10:00 Berlin.
        let start = utc("2026-12-25T15:00:00Z");
        assert_eq!(cal.add(start, 7200), Some(utc("2026-12-29T09:00:00Z")));
        assert_eq!(cal.between(start, utc("2026-12-29T09:00:00Z")), 7200);
        // Outside hours, the count starts at the next opening.
        assert_eq!(
            cal.add(utc("2026-12-26T12:00:00Z"), 60),
            Some(utc("2026-12-29T08:01:00Z"))
        );
    }

    #[test]
    fn a_dst_change_keeps_local_opening_hours() {
        let cal = berlin();
        // Berlin moves to summer time on 2026-03-29: opening is 07:00 UTC
        // the next day rather than 08:00.
        assert_eq!(
            cal.add(utc("2026-03-27T15:30:00Z"), 3600),
            Some(utc("2026-03-30T07:30:00Z"))
        );
    }

    #[test]
    fn bad_settings_are_refused_field_by_field() {
        let bad = CalendarSetting {
            time_zone: "Mars/Olympus".into(),
            hours: BTreeMap::from([
                ("mon".into(), vec![["17:00".into(), "09:00".into()]]),
                ("xyz".into(), vec![]),
                (
                    "tue".into(),
                    vec![
                        ["09:00".into(), "13:00".into()],
                        ["12:00".into(), "24:00".into()],
                    ],
                ),
            ]),
            holidays: vec![],
        };
        let errs = bad.compile().err().unwrap_or_default();
        let fields: Vec<_> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            ["time_zone", "hours.mon[0]", "hours.tue", "hours.xyz"]
        );
    }

    #[test]
    fn a_calendar_without_hours_has_no_due_instant() {
        let none = CalendarSetting {
            hours: BTreeMap::new(),
            ..CalendarSetting::default()
        }
        .compile()
        .unwrap_or_default();
        assert_eq!(none.add(Utc::now(), 60), None);
        assert_eq!(none.between(Utc::now(), Utc::now() + Duration::days(9)), 0);
    }
}

//! 获得电力报表: the Getting-Electricity figures of the applications accepted in a period, grouped
//! by county, customer class, process, operator or month: procedures, time (working, grid and
//! calendar days, median and 90th percentile), on-time share per step, customer cost, 三零/三省
//! coverage and the live-line rate. Definitions as in [`super::metrics`].

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use super::metrics::{AppSummary, Histogram, GRID_TOTAL};

/// What a report's rows are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupBy {
    County,
    Class,
    Process,
    Operator,
    Month,
}

impl GroupBy {
    pub const ALL: [GroupBy; 5] = [
        Self::County,
        Self::Class,
        Self::Process,
        Self::Operator,
        Self::Month,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Self::County => "county",
            Self::Class => "class",
            Self::Process => "process",
            Self::Operator => "operator",
            Self::Month => "month",
        }
    }

    pub fn from_id(id: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|g| g.id() == id)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Self::County => "区县",
            Self::Class => "客户类别",
            Self::Process => "流程",
            Self::Operator => "受理人",
            Self::Month => "受理月份",
        }
    }
}

/// The period: applications accepted from `from` to `to`, both included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl Period {
    /// Refused when `to` is before `from`: (zh, en).
    pub fn new(from: NaiveDate, to: NaiveDate) -> Result<Period, (String, String)> {
        if to < from {
            return Err((
                format!("结束日期 {to} 早于开始日期 {from}"),
                format!("the period ends ({to}) before it starts ({from})"),
            ));
        }
        Ok(Period { from, to })
    }

    pub fn contains(self, d: NaiveDate) -> bool {
        self.from <= d && d <= self.to
    }
}

/// One row: one group's figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportRow {
    pub group: String,
    pub applications: u64,
    pub energized: u64,
    /// Average procedures of the energized applications.
    pub mean_procedures: Option<f64>,
    pub median_working_days: Option<u32>,
    pub p90_working_days: Option<u32>,
    pub median_grid_working_days: Option<u32>,
    pub p90_grid_working_days: Option<u32>,
    pub median_calendar_days: Option<u32>,
    pub p90_calendar_days: Option<u32>,
    /// Steps done within their limit, of all steps done (every step, the grid total included).
    pub on_time_share: Option<f64>,
    /// Decided applications at no cost to the customer (零投资).
    pub zero_cost_share: Option<f64>,
    pub three_zero_share: Option<f64>,
    pub three_save_share: Option<f64>,
    /// 不停电接火 of all energized; unrecorded ones count against it.
    pub live_line_rate: Option<f64>,
}

/// On-time share of one step in one group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepRow {
    pub group: String,
    pub step: String,
    pub on_time: u64,
    pub total: u64,
    pub share: f64,
}

/// Accepted and energized in one month of the period (`YYYY-MM`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonthRow {
    pub month: String,
    pub accepted: u64,
    pub energized: u64,
}

/// 报表.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub by: GroupBy,
    pub period: Period,
    pub rows: Vec<ReportRow>,
    /// The whole period, all groups together.
    pub total: ReportRow,
    pub steps: Vec<StepRow>,
    pub months: Vec<MonthRow>,
}

#[derive(Debug, Clone, Default)]
struct Acc {
    applications: u64,
    energized: u64,
    procedures: u64,
    working: Histogram,
    grid: Histogram,
    calendar: Histogram,
    decided: u64,
    zero_cost: u64,
    three_zero: u64,
    three_save: u64,
    steps_on_time: u64,
    steps: u64,
    live: u64,
}

impl Acc {
    fn add(&mut self, s: &AppSummary) {
        self.applications += 1;
        if let (Some(w), Some(g), Some(c)) = (
            s.working_days_to_energize,
            s.grid_working_days_to_energize,
            s.calendar_days_to_energize,
        ) {
            self.energized += 1;
            self.procedures += u64::from(s.procedures);
            self.working.add(w);
            self.grid.add(g);
            self.calendar.add(c);
            self.live += u64::from(s.live_line == Some(true));
        }
        if s.decided {
            self.decided += 1;
            self.zero_cost += u64::from(s.zero_cost);
            self.three_zero += u64::from(s.three_zero);
            self.three_save += u64::from(s.three_save);
        }
        for step in &s.steps {
            self.steps += 1;
            self.steps_on_time += u64::from(step.on_time);
        }
        if let Some(ok) = s.grid_total_on_time {
            self.steps += 1;
            self.steps_on_time += u64::from(ok);
        }
    }

    fn row(&self, group: String) -> ReportRow {
        let share = |part: u64, whole: u64| (whole > 0).then(|| part as f64 / whole as f64);
        ReportRow {
            group,
            applications: self.applications,
            energized: self.energized,
            mean_procedures: share(self.procedures, self.energized),
            median_working_days: self.working.percentile(50),
            p90_working_days: self.working.percentile(90),
            median_grid_working_days: self.grid.percentile(50),
            p90_grid_working_days: self.grid.percentile(90),
            median_calendar_days: self.calendar.percentile(50),
            p90_calendar_days: self.calendar.percentile(90),
            on_time_share: share(self.steps_on_time, self.steps),
            zero_cost_share: share(self.zero_cost, self.decided),
            three_zero_share: share(self.three_zero, self.decided),
            three_save_share: share(self.three_save, self.decided),
            live_line_rate: share(self.live, self.energized),
        }
    }
}

/// Folds the applications of a period one at a time.
#[derive(Debug, Clone)]
pub struct ReportBuilder {
    by: GroupBy,
    period: Period,
    groups: BTreeMap<String, Acc>,
    total: Acc,
    steps: BTreeMap<(String, String), (u64, u64)>,
    months: BTreeMap<(i32, u32), (u64, u64)>,
}

impl ReportBuilder {
    pub fn new(by: GroupBy, period: Period) -> Self {
        ReportBuilder {
            by,
            period,
            groups: BTreeMap::new(),
            total: Acc::default(),
            steps: BTreeMap::new(),
            months: BTreeMap::new(),
        }
    }

    /// Add one application (`county` and `operator`: its county and who accepted it); one
    /// accepted outside the period is left out.
    pub fn add(&mut self, s: &AppSummary, county: &str, operator: &str) {
        if !self.period.contains(s.accepted) {
            return;
        }
        let group = match self.by {
            GroupBy::County => county.to_string(),
            GroupBy::Class => s.class.id().to_string(),
            GroupBy::Process => s.process.id().to_string(),
            GroupBy::Operator => operator.to_string(),
            GroupBy::Month => format!("{}-{:02}", s.accepted.year(), s.accepted.month()),
        };
        self.total.add(s);
        for step in &s.steps {
            let e = self
                .steps
                .entry((group.clone(), step.step.clone()))
                .or_default();
            e.0 += u64::from(step.on_time);
            e.1 += 1;
        }
        if let Some(ok) = s.grid_total_on_time {
            let e = self
                .steps
                .entry((group.clone(), GRID_TOTAL.to_string()))
                .or_default();
            e.0 += u64::from(ok);
            e.1 += 1;
        }
        self.groups.entry(group).or_default().add(s);
        self.months
            .entry((s.accepted.year(), s.accepted.month()))
            .or_default()
            .0 += 1;
        if let Some(done) = s.energized {
            self.months
                .entry((done.year(), done.month()))
                .or_default()
                .1 += 1;
        }
    }

    pub fn finish(self) -> Report {
        Report {
            by: self.by,
            period: self.period,
            rows: self
                .groups
                .iter()
                .map(|(g, acc)| acc.row(g.clone()))
                .collect(),
            total: self.total.row("合计".into()),
            steps: self
                .steps
                .into_iter()
                .map(|((group, step), (ok, all))| StepRow {
                    group,
                    step,
                    on_time: ok,
                    total: all,
                    share: ok as f64 / all as f64,
                })
                .collect(),
            months: self
                .months
                .into_iter()
                .map(|((y, m), (accepted, energized))| MonthRow {
                    month: format!("{y}-{m:02}"),
                    accepted,
                    energized,
                })
                .collect(),
        }
    }
}

const MONTHS_EN: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// The year and month (1–12) of `YYYY-MM`.
fn year_month(month: &str) -> Option<(&str, usize)> {
    let (y, m) = month.split_once('-')?;
    let m = m.parse::<usize>().ok().filter(|m| (1..=12).contains(m))?;
    Some((y, m))
}

/// A month (`YYYY-MM`) as a reader says it: `2026年11月` or `Nov 2026`.
pub fn month_label(month: &str, zh: bool) -> String {
    match (year_month(month), zh) {
        (Some((y, m)), true) => format!("{y}年{m}月"),
        (Some((y, m)), false) => format!("{} {y}", MONTHS_EN[m - 1]),
        (None, _) => month.to_string(),
    }
}

/// The month alone, for a chart's bar: `11月` or `Nov`.
pub fn month_short(month: &str, zh: bool) -> String {
    match (year_month(month), zh) {
        (Some((_, m)), true) => format!("{m}月"),
        (Some((_, m)), false) => MONTHS_EN[m - 1].to_string(),
        (None, _) => month.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::application::CustomerClass;
    use crate::domain::timeline::StepCheck;
    use crate::domain::workflow::{ProcessClass, State};

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn summary(accepted: &str, working: Option<u32>, on_time: bool) -> AppSummary {
        AppSummary {
            class: CustomerClass::Resident,
            process: ProcessClass::LowVoltage,
            status: if working.is_some() {
                State::Energized
            } else {
                State::Accepted
            },
            accepted: d(accepted),
            energized: working.map(|w| d(accepted) + chrono::Days::new(u64::from(w))),
            working_days_to_energize: working,
            grid_working_days_to_energize: working,
            calendar_days_to_energize: working,
            procedures: 3,
            steps: vec![StepCheck {
                step: "line_built".into(),
                limit_working_days: 1,
                deadline: d(accepted),
                deadline_provisional: false,
                missing_calendar_years: Default::default(),
                done: d(accepted),
                on_time,
            }],
            grid_total_on_time: None,
            decided: true,
            three_zero: true,
            three_save: false,
            zero_cost: true,
            live_line: working.map(|_| true),
        }
    }

    #[test]
    fn rows_group_the_period_and_leave_out_what_was_accepted_outside_it() {
        let period = Period::new(d("2026-10-01"), d("2026-11-30")).unwrap();
        let mut b = ReportBuilder::new(GroupBy::County, period);
        b.add(&summary("2026-10-05", Some(2), true), "任城区", "王静");
        b.add(&summary("2026-11-05", Some(4), false), "任城区", "王静");
        b.add(&summary("2026-11-06", None, true), "曲阜市", "张伟");
        b.add(&summary("2026-12-01", Some(1), true), "任城区", "王静");
        let r = b.finish();
        assert_eq!(r.rows.len(), 2);
        let rencheng = &r.rows[0];
        assert_eq!(rencheng.group, "任城区");
        assert_eq!((rencheng.applications, rencheng.energized), (2, 2));
        assert_eq!(rencheng.median_working_days, Some(2));
        assert_eq!(rencheng.p90_working_days, Some(4));
        assert_eq!(rencheng.on_time_share, Some(0.5));
        assert_eq!(rencheng.live_line_rate, Some(1.0));
        assert_eq!(r.total.applications, 3);
        assert_eq!(
            r.months
                .iter()
                .map(|m| m.month.as_str())
                .collect::<Vec<_>>(),
            ["2026-10", "2026-11"]
        );
    }

    #[test]
    fn operators_and_months_group_by_who_accepted_and_when() {
        let period = Period::new(d("2026-01-01"), d("2026-12-31")).unwrap();
        let mut b = ReportBuilder::new(GroupBy::Operator, period);
        b.add(&summary("2026-10-05", Some(2), true), "任城区", "王静");
        b.add(&summary("2026-11-05", None, true), "任城区", "张伟");
        let groups: Vec<String> = b.finish().rows.into_iter().map(|r| r.group).collect();
        assert_eq!(groups, ["张伟", "王静"]);
        assert!(Period::new(d("2026-02-01"), d("2026-01-01")).is_err());
    }

    #[test]
    fn months_read_as_words_in_both_languages() {
        assert_eq!(month_label("2026-11", true), "2026年11月");
        assert_eq!(month_label("2026-01", false), "Jan 2026");
        assert_eq!(month_label("bad", false), "bad");
        assert_eq!(month_short("2026-11", true), "11月");
        assert_eq!(month_short("2026-13", false), "2026-13");
    }
}

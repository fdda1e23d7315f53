//! 指标: figures for the dashboard and reports, in the style of the World Bank's "Getting
//! Electricity" (procedures, time, cost, reliability).
//!
//! One pass, bounded memory: each application is reduced to an [`AppSummary`] and folded into a
//! [`MetricsBuilder`]; durations go into day histograms, so medians and 90th percentiles are exact
//! (in whole days) for any number of applications.
//!
//! Definitions:
//! - time to energize: acceptance date to the date of the move to `energized`, in working days
//!   (all clocks), grid working days, and calendar days;
//! - on time: each completed step against its limit, and (step `grid_total`) the grid's working
//!   days to energizing against `grid_total_limit_working_days`;
//! - procedures: workflow moves from acceptance to energizing, acceptance included;
//! - customer cost is zero (零投资) for 三零 decisions (the utility invests up to the meter) and
//!   for enterprises whose external line the county government pays (JN-COUNTY-LINE);
//! - live-line rate: energizings recorded as live-line work (不停电接火) over **every** energized
//!   application; one with no record is "unknown" and stays in the denominator (the seed's
//!   target 业扩不停电接火率保持100% cannot be met by leaving records out).

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use super::application::{Application, CustomerClass};
use super::calendar::{china_date, WorkingCalendar};
use super::decision::{LinePayer, Program};
use super::event::{Event, EventKind};
use super::timeline::{clocks, step_checks, StepCheck, TimelineError};
use super::workflow::{ProcessClass, State};

/// 申请摘要: one application reduced to what the metrics need.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AppSummary {
    pub class: CustomerClass,
    pub process: ProcessClass,
    pub status: State,
    pub accepted: NaiveDate,
    pub energized: Option<NaiveDate>,
    pub working_days_to_energize: Option<u32>,
    pub grid_working_days_to_energize: Option<u32>,
    pub calendar_days_to_energize: Option<u32>,
    /// Workflow moves so far (to energizing, once energized), acceptance included.
    pub procedures: u32,
    pub steps: Vec<StepCheck>,
    /// Whether the grid kept within its whole limit (`grid_total_limit_working_days`), once
    /// energized under a decision that sets one.
    pub grid_total_on_time: Option<bool>,
    /// Whether a decision is stored, and its programs.
    pub decided: bool,
    pub three_zero: bool,
    pub three_save: bool,
    /// No cost to the customer for the connection (三零, or a county-funded external line).
    pub zero_cost: bool,
    /// How the energizing was done, as recorded (`None`: no record).
    pub live_line: Option<bool>,
}

/// Reduce one application and its events.
pub fn summarize(
    app: &Application,
    events: &[Event],
    calendar: &WorkingCalendar,
) -> Result<AppSummary, TimelineError> {
    let mut own: Vec<&Event> = events.iter().filter(|e| e.draft.app_id == app.id).collect();
    own.sort_by_key(|e| e.seq);
    let accepted = own
        .iter()
        .find(|e| matches!(e.draft.kind, EventKind::Accepted))
        .map(|e| china_date(e.draft.at))
        .ok_or_else(|| TimelineError::NotAccepted(app.id.clone()))?;
    let mut procedures = 1;
    let mut energized = None;
    for e in &own {
        match e.draft.kind {
            EventKind::Advanced { to, .. } if energized.is_none() => {
                procedures += 1;
                if to == State::Energized {
                    energized = Some(china_date(e.draft.at));
                }
            }
            _ => {}
        }
    }
    let (working, grid, calendar_days) = match energized {
        Some(done) => {
            let (grid, customer) = clocks(app, events, calendar, done)?;
            let working = calendar.working_days_between(accepted, done).value;
            debug_assert!(grid + customer <= working);
            (
                Some(working),
                Some(grid),
                Some((done - accepted).num_days().max(0) as u32),
            )
        }
        None => (None, None, None),
    };
    let decision = app.decision.as_ref();
    Ok(AppSummary {
        class: app.form.customer.class,
        process: app.process,
        status: app.status,
        accepted,
        energized,
        working_days_to_energize: working,
        grid_working_days_to_energize: grid,
        calendar_days_to_energize: calendar_days,
        procedures,
        steps: step_checks(app, events, calendar)?,
        grid_total_on_time: grid
            .zip(decision.and_then(|d| d.grid_total_limit_working_days))
            .map(|(g, t)| g <= t),
        decided: decision.is_some(),
        three_zero: decision.is_some_and(|d| d.has(Program::ThreeZero)),
        three_save: decision.is_some_and(|d| d.has(Program::ThreeSave)),
        zero_cost: decision.is_some_and(|d| {
            d.has(Program::ThreeZero) || d.external_line_payer == LinePayer::CountyGovernment
        }),
        live_line: app.side_flows.energizing.as_ref().map(|r| r.live_line),
    })
}

/// The `step` of the on-time row for the grid's whole limit.
pub const GRID_TOTAL: &str = "grid_total";

/// Longest duration kept apart in a histogram; longer ones count as this many days.
const MAX_DAYS: usize = 3660;

/// Counts of whole-day durations.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Histogram {
    counts: Vec<u64>,
    n: u64,
}

impl Histogram {
    pub(crate) fn add(&mut self, days: u32) {
        let i = (days as usize).min(MAX_DAYS);
        if self.counts.len() <= i {
            self.counts.resize(i + 1, 0);
        }
        self.counts[i] += 1;
        self.n += 1;
    }

    /// Nearest-rank percentile (`p` in 0..=100).
    pub(crate) fn percentile(&self, p: u64) -> Option<u32> {
        if self.n == 0 {
            return None;
        }
        let rank = (self.n * p).div_ceil(100).max(1);
        let mut seen = 0;
        for (days, &c) in self.counts.iter().enumerate() {
            seen += c;
            if seen >= rank {
                return Some(days as u32);
            }
        }
        None
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
struct ClassAcc {
    applications: u64,
    energized: u64,
    working: Histogram,
    grid: Histogram,
    calendar: Histogram,
    procedures: u64,
    decided: u64,
    three_zero: u64,
    three_save: u64,
    zero_cost: u64,
}

/// 指标汇总: folds summaries one at a time.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MetricsBuilder {
    applications: u64,
    by_state: BTreeMap<State, u64>,
    by_process: BTreeMap<ProcessClass, u64>,
    classes: BTreeMap<CustomerClass, ClassAcc>,
    on_time: BTreeMap<(CustomerClass, String), (u64, u64)>,
    months: BTreeMap<(i32, u32), (u64, u64)>,
    live_line: LiveLine,
}

/// Energizings by how they were done.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct LiveLine {
    live: u64,
    recorded: u64,
    energized: u64,
}

impl MetricsBuilder {
    pub fn new() -> Self {
        Self::default()
    }

    /// Summarize and add one application; on error nothing is added.
    pub fn add(
        &mut self,
        app: &Application,
        events: &[Event],
        calendar: &WorkingCalendar,
    ) -> Result<(), TimelineError> {
        let summary = summarize(app, events, calendar)?;
        self.add_summary(&summary);
        Ok(())
    }

    pub fn add_summary(&mut self, s: &AppSummary) {
        self.applications += 1;
        *self.by_state.entry(s.status).or_default() += 1;
        *self.by_process.entry(s.process).or_default() += 1;
        let c = self.classes.entry(s.class).or_default();
        c.applications += 1;
        if s.decided {
            c.decided += 1;
            c.three_zero += u64::from(s.three_zero);
            c.three_save += u64::from(s.three_save);
            c.zero_cost += u64::from(s.zero_cost);
        }
        if let (Some(w), Some(g), Some(cd)) = (
            s.working_days_to_energize,
            s.grid_working_days_to_energize,
            s.calendar_days_to_energize,
        ) {
            c.energized += 1;
            c.working.add(w);
            c.grid.add(g);
            c.calendar.add(cd);
            c.procedures += u64::from(s.procedures);
        }
        for step in &s.steps {
            let e = self
                .on_time
                .entry((s.class, step.step.clone()))
                .or_default();
            e.0 += u64::from(step.on_time);
            e.1 += 1;
        }
        if let Some(ok) = s.grid_total_on_time {
            let e = self
                .on_time
                .entry((s.class, GRID_TOTAL.to_string()))
                .or_default();
            e.0 += u64::from(ok);
            e.1 += 1;
        }
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
        if s.energized.is_some() {
            self.live_line.energized += 1;
            if let Some(live) = s.live_line {
                self.live_line.live += u64::from(live);
                self.live_line.recorded += 1;
            }
        }
    }

    pub fn finish(&self) -> Metrics {
        let share = |part: u64, whole: u64| (whole > 0).then(|| part as f64 / whole as f64);
        Metrics {
            applications: self.applications,
            by_state: self
                .by_state
                .iter()
                .map(|(k, v)| (k.id().to_string(), *v))
                .collect(),
            by_process: self
                .by_process
                .iter()
                .map(|(k, v)| (k.id().to_string(), *v))
                .collect(),
            classes: self
                .classes
                .iter()
                .map(|(class, c)| ClassMetrics {
                    class: class.id().to_string(),
                    applications: c.applications,
                    energized: c.energized,
                    median_working_days: c.working.percentile(50),
                    p90_working_days: c.working.percentile(90),
                    median_grid_working_days: c.grid.percentile(50),
                    p90_grid_working_days: c.grid.percentile(90),
                    median_calendar_days: c.calendar.percentile(50),
                    p90_calendar_days: c.calendar.percentile(90),
                    mean_procedures: share(c.procedures, c.energized),
                    zero_cost_share: share(c.zero_cost, c.decided),
                    three_zero_share: share(c.three_zero, c.decided),
                    three_save_share: share(c.three_save, c.decided),
                })
                .collect(),
            on_time: self
                .on_time
                .iter()
                .map(|((class, step), (ok, all))| OnTime {
                    class: class.id().to_string(),
                    step: step.clone(),
                    on_time: *ok,
                    total: *all,
                    share: *ok as f64 / *all as f64,
                })
                .collect(),
            months: self
                .months
                .iter()
                .map(|((y, m), (accepted, energized))| Month {
                    month: format!("{y}-{m:02}"),
                    accepted: *accepted,
                    energized: *energized,
                })
                .collect(),
            live_line_energized: self.live_line.energized,
            live_line_recorded: self.live_line.recorded,
            live_line_unknown: self.live_line.energized - self.live_line.recorded,
            live_line_rate: share(self.live_line.live, self.live_line.energized),
        }
    }
}

/// The metrics of many applications in one pass; the first application that cannot be measured
/// (no acceptance, a step counted from an event it never reached) stops the pass with its error.
pub fn metrics_over<'a, I>(items: I, calendar: &WorkingCalendar) -> Result<Metrics, TimelineError>
where
    I: IntoIterator<Item = (&'a Application, &'a [Event])>,
{
    let mut builder = MetricsBuilder::new();
    for (app, events) in items {
        builder.add(app, events, calendar)?;
    }
    Ok(builder.finish())
}

/// 分类指标: figures per customer class.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClassMetrics {
    pub class: String,
    pub applications: u64,
    pub energized: u64,
    pub median_working_days: Option<u32>,
    pub p90_working_days: Option<u32>,
    pub median_grid_working_days: Option<u32>,
    pub p90_grid_working_days: Option<u32>,
    pub median_calendar_days: Option<u32>,
    pub p90_calendar_days: Option<u32>,
    /// Average procedures of the energized applications.
    pub mean_procedures: Option<f64>,
    /// Share of decided applications with zero customer cost (零投资: 三零, or the county pays
    /// the external line).
    pub zero_cost_share: Option<f64>,
    pub three_zero_share: Option<f64>,
    pub three_save_share: Option<f64>,
}

/// 按时率: on-time share of one step for one class.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OnTime {
    pub class: String,
    pub step: String,
    pub on_time: u64,
    pub total: u64,
    pub share: f64,
}

/// 月度统计: applications accepted and energized in a month (`YYYY-MM`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Month {
    pub month: String,
    pub accepted: u64,
    pub energized: u64,
}

/// 指标: the dashboard's figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Metrics {
    pub applications: u64,
    pub by_state: BTreeMap<String, u64>,
    pub by_process: BTreeMap<String, u64>,
    pub classes: Vec<ClassMetrics>,
    pub on_time: Vec<OnTime>,
    pub months: Vec<Month>,
    /// Energized applications: the live-line rate's denominator.
    pub live_line_energized: u64,
    /// Of those, how many have a record of how they were energized.
    pub live_line_recorded: u64,
    /// Energized with no record: "unknown", never left out of the rate.
    pub live_line_unknown: u64,
    /// 不停电接火 share of all energized applications (the seed's target is 100%).
    pub live_line_rate: Option<f64>,
}

//! `powerdesk calendar check`: the working-day calendar's loaded years, the years counted
//! provisionally, the open applications whose deadline is provisional, and what to load
//! (docs/calendar.md).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::Subcommand;

use super::reads::Read;
use super::{open_desk_on_store_calendar, print_json, run_printing_read, CalendarSource, Locking};
use crate::policy::bundle::load_calendar;
use crate::policy::manifest::Manifest;
use crate::service::{calendar_report, CalendarReport, Desk};

/// `powerdesk calendar …`
#[derive(Debug, Clone, Subcommand)]
pub enum CalendarCommand {
    /// Which years are loaded (each with its State Council notice), which are counted
    /// provisionally, which open applications have a provisional deadline, and which notices to
    /// load.
    Check {
        /// Check this bundle's calendar instead of the store's active one (the store's open
        /// applications are checked against it only when --store is given).
        #[arg(long, value_name = "DIR")]
        policy: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
}

/// Run a `calendar` subcommand on the store `at` names (`store_given`: --store was given).
pub fn run(cmd: &CalendarCommand, at: &Locking, store_given: bool) -> Result<()> {
    match cmd {
        CalendarCommand::Check { policy: None, json } => {
            // The store's own calendar: a read, answered by the store's holder if it is open.
            run_printing_read(at, &Read::CalendarCheck { json: *json })
        }
        CalendarCommand::Check {
            policy: Some(bundle),
            json,
        } => {
            let report = check_bundle(bundle, at, store_given)?;
            if *json {
                print_json(&report)
            } else {
                print!("{}", text(&report));
                Ok(())
            }
        }
    }
}

fn check_bundle(bundle: &Path, at: &Locking, store_given: bool) -> Result<CalendarReport> {
    let manifest =
        Manifest::load(bundle).with_context(|| format!("policy bundle {}", bundle.display()))?;
    let calendar =
        load_calendar(&manifest).with_context(|| format!("policy bundle {}", bundle.display()))?;
    let open = if store_given {
        let (desk, _) = open_desk_on_store_calendar(at)?;
        Some(desk.open_provisional(&calendar)?)
    } else {
        None
    };
    Ok(calendar_report(
        &calendar,
        format!("bundle {}", bundle.display()),
        open,
    ))
}

/// The report on the store's own calendar: what `desk` counts on (from `source`) and its open
/// applications with a provisional deadline.
pub(super) fn store_report(desk: &Desk, source: &CalendarSource) -> Result<CalendarReport> {
    let calendar = desk.calendar();
    let open = desk.open_provisional(&calendar)?;
    let source = match source {
        CalendarSource::ActiveBundle(dir) => format!("active bundle {dir}"),
        CalendarSource::Shipped => "shipped with powerdesk (no bundle is active)".to_string(),
        CalendarSource::StandIn(why) => {
            format!("shipped with powerdesk, standing in for the active bundle: {why}")
        }
    };
    Ok(calendar_report(&calendar, source, Some(open)))
}

pub(super) fn text(r: &CalendarReport) -> String {
    let mut out = format!("calendar: {}\nloaded:\n", r.calendar);
    if r.loaded.is_empty() {
        out.push_str("  none\n");
    }
    for y in &r.loaded {
        let document = y
            .document
            .as_deref()
            .map(|d| format!(" ({d})"))
            .unwrap_or_default();
        out.push_str(&format!("  {}  {}{document}\n", y.year, y.notice));
    }
    out.push_str(
        "provisional (weekends and the statutory holidays of 全国年节及纪念日放假办法, no make-up days):\n",
    );
    for p in &r.provisional {
        let days: Vec<String> = p
            .statutory_holidays
            .iter()
            .map(|d| format!("{} {}", d.date.format("%m-%d"), d.holiday))
            .collect();
        out.push_str(&format!(
            "  {}  load {}\n        counted with: {}\n",
            p.year,
            p.notice_to_load,
            days.join(", ")
        ));
    }
    if let Some(open) = &r.open_applications {
        if open.count == 0 {
            out.push_str("open applications with a provisional deadline: none\n");
        } else {
            let ids: Vec<&str> = open.first_ids.iter().map(|id| id.0.as_str()).collect();
            out.push_str(&format!(
                "open applications with a provisional deadline: {} (years {}; first: {})\n",
                open.count,
                open.years,
                ids.join(", ")
            ));
            out.push_str(&format!(
                "  {} of them would be official on this calendar\n",
                open.covered_by_this_calendar
            ));
        }
    }
    out
}

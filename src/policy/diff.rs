//! 政策比对: re-decide every stored application under two bundles and count what would change.
//!
//! Each application is decided as of its received date under the old and the new bundle. An
//! application received before a bundle took effect is not decidable by it: counted apart, not an
//! error and not a change. The work is spread over worker threads fed in chunks from one scan of the store; each chunk is
//! decided as one batch per bundle (every module runs once over the chunk in one sandbox).

use std::collections::BTreeMap;
use std::sync::mpsc;

use chrono::NaiveDate;
use serde::Serialize;

use super::bundle::Bundle;
use super::host::PolicyError;
use crate::domain::application::{AppId, ApplicationForm, StoredForm};
use crate::domain::decision::{Decision, InvestmentBoundary, LinePayer, Program};
use crate::domain::ports::{Repository, StoreError};

/// The parts of a decision that `policy diff` counts.
pub const ASPECTS: [&str; 8] = [
    "access_class",
    "programs",
    "investment_boundary",
    "external_line_payer",
    "step_limits",
    "grid_total",
    "tariff_cut",
    "customer_cost",
];

/// How many examples each count keeps.
const EXAMPLES: usize = 5;
const CHUNK: usize = 2048;

/// Applications whose decision changes in one aspect.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct AspectChange {
    pub count: u64,
    /// A few application ids, with the value before and after.
    pub examples: Vec<Example>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Example {
    pub id: AppId,
    pub old: String,
    pub new: String,
}

/// What `policy diff` reports.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct DiffReport {
    pub old_bundle: String,
    pub new_bundle: String,
    pub applications: u64,
    /// Applications with at least one aspect changed.
    pub changed: u64,
    /// Per aspect (ASPECTS order).
    pub aspects: BTreeMap<String, AspectChange>,
    /// Applications one of the bundles could not decide: id and the error.
    pub old_errors: u64,
    pub new_errors: u64,
    pub error_examples: Vec<(AppId, String)>,
    /// Applications received before the new bundle took effect (`effective`): not decidable by
    /// it, so not compared (neither an error nor a change).
    pub new_not_in_force: u64,
    /// The same for the old bundle (an application it never decided).
    pub old_not_in_force: u64,
}

/// 客户费用: what the customer pays for the connection, in the terms of the seed.
pub fn customer_cost(d: &Decision) -> &'static str {
    if d.has(Program::ThreeZero) {
        "zero (三零)"
    } else if d.external_line_payer == LinePayer::Customer {
        "customer pays the external line"
    } else if d.investment_boundary == InvestmentBoundary::PlanningRedLine {
        "utility invests to the planning red line"
    } else {
        "own works only (external line paid by others)"
    }
}

/// Aspect `i` (ASPECTS order) of a decision, as the report shows it.
fn aspect(d: &Decision, i: usize) -> String {
    match i {
        0 => d.access.class.id().to_string(),
        1 => {
            let mut programs: Vec<&str> = d.programs.iter().map(|p| p.id()).collect();
            programs.sort_unstable();
            format!("[{}]", programs.join(","))
        }
        2 => d.investment_boundary.id().to_string(),
        3 => d.external_line_payer.id().to_string(),
        4 => {
            let steps: Vec<String> = d
                .steps
                .iter()
                .map(|s| format!("{}≤{}WD from {}", s.id, s.limit_working_days, s.from))
                .collect();
            format!("[{}]", steps.join(", "))
        }
        5 => d
            .grid_total_limit_working_days
            .map_or("none".into(), |t| t.to_string()),
        6 => format!("{}", d.tariff_cut_yuan_per_kwh),
        _ => customer_cost(d).to_string(),
    }
}

/// The programs as a set (their order in a decision does not matter).
fn program_set(programs: &[Program]) -> u8 {
    programs.iter().fold(0, |set, p| set | 1 << (*p as u8))
}

/// Whether aspect `i` differs, compared on the values (text is made only for examples).
fn aspect_differs(o: &Decision, n: &Decision, i: usize) -> bool {
    match i {
        0 => o.access.class != n.access.class,
        1 => program_set(&o.programs) != program_set(&n.programs),
        2 => o.investment_boundary != n.investment_boundary,
        3 => o.external_line_payer != n.external_line_payer,
        4 => o.steps != n.steps,
        5 => o.grid_total_limit_working_days != n.grid_total_limit_working_days,
        6 => o.tariff_cut_yuan_per_kwh.to_bits() != n.tariff_cut_yuan_per_kwh.to_bits(),
        _ => customer_cost(o) != customer_cost(n),
    }
}

/// A bundle's decision of one application, or why there is none.
enum Outcome {
    Decided(Decision),
    /// Received before the bundle took effect.
    NotInForce,
    Refused(String),
}

/// Per-worker tallies, merged at the end.
#[derive(Default)]
struct Tally {
    report: DiffReport,
}

impl Tally {
    fn add(&mut self, id: &AppId, old: &Outcome, new: &Outcome) {
        let r = &mut self.report;
        r.applications += 1;
        r.old_not_in_force += u64::from(matches!(old, Outcome::NotInForce));
        r.new_not_in_force += u64::from(matches!(new, Outcome::NotInForce));
        for (outcome, count) in [(old, &mut r.old_errors), (new, &mut r.new_errors)] {
            if let Outcome::Refused(e) = outcome {
                *count += 1;
                if r.error_examples.len() < EXAMPLES {
                    r.error_examples.push((id.clone(), e.clone()));
                }
            }
        }
        match (old, new) {
            (Outcome::Decided(o), Outcome::Decided(n)) => {
                let mut any = false;
                for (i, name) in ASPECTS.iter().enumerate() {
                    if aspect_differs(o, n, i) {
                        any = true;
                        // (A lookup first: the key is allocated only for an aspect's first change.)
                        let a = match r.aspects.get_mut(*name) {
                            Some(a) => a,
                            None => r.aspects.entry(name.to_string()).or_default(),
                        };
                        a.count += 1;
                        if a.examples.len() < EXAMPLES {
                            a.examples.push(Example {
                                id: id.clone(),
                                old: aspect(o, i),
                                new: aspect(n, i),
                            });
                        }
                    }
                }
                r.changed += u64::from(any);
            }
            // Outside a bundle's time in force there is nothing to compare.
            (Outcome::NotInForce, _) | (_, Outcome::NotInForce) => {}
            // A refusal on either side (where the other decided or refused too).
            _ => r.changed += 1,
        }
    }

    fn merge(&mut self, other: DiffReport) {
        let r = &mut self.report;
        r.applications += other.applications;
        r.changed += other.changed;
        r.old_errors += other.old_errors;
        r.new_errors += other.new_errors;
        r.old_not_in_force += other.old_not_in_force;
        r.new_not_in_force += other.new_not_in_force;
        for (k, v) in other.aspects {
            let a = r.aspects.entry(k).or_default();
            a.count += v.count;
            for e in v.examples {
                if a.examples.len() < EXAMPLES {
                    a.examples.push(e);
                }
            }
        }
        for e in other.error_examples {
            if r.error_examples.len() < EXAMPLES {
                r.error_examples.push(e);
            }
        }
    }
}

/// One bundle's decisions of a chunk, each as of its application's received date.
fn decide_chunk(bundle: &Bundle, chunk: &[StoredForm]) -> Vec<Outcome> {
    let items: Vec<(&ApplicationForm, NaiveDate)> = chunk
        .iter()
        .map(|app| {
            (
                &app.form,
                crate::domain::calendar::china_date(app.form.received_at),
            )
        })
        .collect();
    bundle
        .evaluate_batch(&items)
        .into_iter()
        .map(|r| match r {
            Ok(d) => Outcome::Decided(d),
            Err(PolicyError::NotInForce { .. }) => Outcome::NotInForce,
            Err(e) => Outcome::Refused(e.to_string()),
        })
        .collect()
}

/// Re-decide every application in `repo` under `old` and `new` on `workers` threads.
pub fn diff(
    repo: &dyn Repository,
    old: &Bundle,
    new: &Bundle,
    workers: usize,
) -> Result<DiffReport, StoreError> {
    let workers = workers.max(1);
    let mut total = Tally::default();
    total.report.old_bundle = format!("{} {} {}", old.region(), old.version(), old.digest());
    total.report.new_bundle = format!("{} {} {}", new.region(), new.version(), new.digest());
    let scanned = std::thread::scope(|scope| {
        let mut senders = Vec::new();
        let mut handles = Vec::new();
        // Emptied chunks come back to the scan, so their large buffers are allocated once.
        let (spare_tx, spare_rx) = mpsc::channel::<Vec<StoredForm>>();
        for _ in 0..workers {
            let (tx, rx) = mpsc::sync_channel::<Vec<StoredForm>>(4);
            senders.push(tx);
            let spare_tx = spare_tx.clone();
            handles.push(scope.spawn(move || {
                let mut tally = Tally::default();
                for mut chunk in rx {
                    let olds = decide_chunk(old, &chunk);
                    let news = decide_chunk(new, &chunk);
                    for ((app, o), n) in chunk.iter().zip(&olds).zip(&news) {
                        tally.add(&app.id, o, n);
                    }
                    chunk.clear();
                    let _ = spare_tx.send(chunk);
                }
                tally.report
            }));
        }
        let buffer = || {
            spare_rx
                .try_recv()
                .unwrap_or_else(|_| Vec::with_capacity(CHUNK))
        };
        let mut chunk = buffer();
        let mut next = 0usize;
        let scanned = repo.scan_forms(&mut |app| {
            chunk.push(app);
            if chunk.len() == CHUNK {
                let full = std::mem::replace(&mut chunk, buffer());
                // A worker only hangs up by panicking, which the join below reports.
                let _ = senders[next % workers].send(full);
                next += 1;
            }
            true
        });
        if !chunk.is_empty() {
            let _ = senders[next % workers].send(chunk);
        }
        drop(senders);
        for h in handles {
            total.merge(h.join().expect("diff worker panicked"));
        }
        scanned
    });
    scanned?;
    // Examples in id order, whichever worker found them.
    for a in total.report.aspects.values_mut() {
        a.examples.sort_by(|x, y| x.id.cmp(&y.id));
    }
    total.report.error_examples.sort();
    Ok(total.report)
}

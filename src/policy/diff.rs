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

use super::bundle::{received_day, Bundle};
use crate::domain::application::{AppId, ApplicationForm};
use crate::domain::decision::{Decision, InvestmentBoundary, LinePayer, Program};
use crate::domain::ports::{Decider, Repository, StoreError};

/// The parts of a decision that `policy diff` compares: every field of the Decision JSON but the
/// bundle (`rules` as a set of rule ids), and what the customer pays as the seed puts it.
pub const ASPECTS: [&str; 11] = [
    "access_class",
    "access_voltage",
    "programs",
    "investment_boundary",
    "external_line_payer",
    "step_limits",
    "grid_total",
    "tariff_cut",
    "free_efficiency_service",
    "rules",
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

/// How often a rule stops or starts being cited.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RuleChange {
    /// Applications whose old decision cites it and the new one does not.
    pub dropped: u64,
    /// Applications whose new decision cites it and the old one does not.
    pub added: u64,
}

/// One change of one application, as `policy diff --out` writes it: an aspect with its values
/// before and after, or `decision` when one side refused (the refusal as the value).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DiffRow {
    pub id: AppId,
    pub aspect: String,
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
    /// Per rule id: how many decisions stop or start citing it.
    pub rules: BTreeMap<String, RuleChange>,
    /// Applications one of the bundles could not decide: id and the error.
    pub old_errors: u64,
    pub new_errors: u64,
    pub error_examples: Vec<(AppId, String)>,
    /// Applications received before the new bundle took effect (`effective`): not decidable by
    /// it, so not compared (neither an error nor a change).
    pub new_not_in_force: u64,
    /// The same for the old bundle (an application it never decided).
    pub old_not_in_force: u64,
    /// Compared with the stored decisions ([`Baseline::Stored`]): applications without one
    /// (counted as changed when the new bundle decides them).
    pub old_undecided: u64,
}

/// What the new bundle's decisions are compared with.
#[derive(Clone, Copy)]
pub enum Baseline<'a> {
    /// Each application decided again by this bundle (`policy diff OLD NEW`; the console's diff
    /// against the active bundle).
    Bundle(&'a dyn Decider),
    /// The decision stored with each application (the console's diff when no bundle is active).
    Stored,
}

/// How to run a diff.
pub struct DiffOptions<'a> {
    /// Worker threads (at least 1).
    pub workers: usize,
    /// Keep every change as a [`DiffRow`] (for `--out`).
    pub rows: bool,
    /// Called with the number of applications scanned so far; returning false stops the diff.
    pub progress: Option<&'a dyn Fn(u64) -> bool>,
}

impl Default for DiffOptions<'_> {
    fn default() -> Self {
        DiffOptions {
            workers: 2,
            rows: false,
            progress: None,
        }
    }
}

/// A diff that did not finish.
#[derive(Debug, thiserror::Error)]
pub enum DiffError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("policy diff stopped after {0} applications")]
    Stopped(u64),
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

fn rule_set(d: &Decision) -> String {
    let mut rules: Vec<&str> = d.rules.iter().map(String::as_str).collect();
    rules.sort_unstable();
    format!("[{}]", rules.join(","))
}

/// Aspect `i` (ASPECTS order) of a decision, as the report shows it.
fn aspect(d: &Decision, i: usize) -> String {
    match i {
        0 => d.access.class.id().to_string(),
        1 => d.access.voltage.id().to_string(),
        2 => {
            let mut programs: Vec<&str> = d.programs.iter().map(|p| p.id()).collect();
            programs.sort_unstable();
            format!("[{}]", programs.join(","))
        }
        3 => d.investment_boundary.id().to_string(),
        4 => d.external_line_payer.id().to_string(),
        5 => {
            let steps: Vec<String> = d
                .steps
                .iter()
                .map(|s| format!("{}≤{}WD from {}", s.id, s.limit_working_days, s.from))
                .collect();
            format!("[{}]", steps.join(", "))
        }
        6 => d
            .grid_total_limit_working_days
            .map_or("none".into(), |t| t.to_string()),
        7 => format!("{}", d.tariff_cut_yuan_per_kwh),
        8 => d.free_efficiency_service.to_string(),
        9 => rule_set(d),
        _ => customer_cost(d).to_string(),
    }
}

/// The programs as a set (their order in a decision does not matter).
fn program_set(programs: &[Program]) -> u8 {
    programs.iter().fold(0, |set, p| set | 1 << (*p as u8))
}

fn same_rules(o: &[String], n: &[String]) -> bool {
    o.len() == n.len() && o.iter().all(|r| n.contains(r))
}

/// Whether aspect `i` differs, compared on the values (text is made only for examples).
fn aspect_differs(o: &Decision, n: &Decision, i: usize) -> bool {
    match i {
        0 => o.access.class != n.access.class,
        1 => o.access.voltage != n.access.voltage,
        2 => program_set(&o.programs) != program_set(&n.programs),
        3 => o.investment_boundary != n.investment_boundary,
        4 => o.external_line_payer != n.external_line_payer,
        5 => o.steps != n.steps,
        6 => o.grid_total_limit_working_days != n.grid_total_limit_working_days,
        7 => o.tariff_cut_yuan_per_kwh.to_bits() != n.tariff_cut_yuan_per_kwh.to_bits(),
        8 => o.free_efficiency_service != n.free_efficiency_service,
        9 => !same_rules(&o.rules, &n.rules),
        _ => customer_cost(o) != customer_cost(n),
    }
}

/// The aspects in which `new` differs from `old` (ASPECTS names), as `policy diff` counts them.
pub fn changed_aspects(old: &Decision, new: &Decision) -> Vec<&'static str> {
    (0..ASPECTS.len())
        .filter(|&i| aspect_differs(old, new, i))
        .map(|i| ASPECTS[i])
        .collect()
}

/// A bundle's decision of one application, or why there is none.
enum Outcome {
    Decided(Decision),
    /// Received before the bundle took effect.
    NotInForce,
    Refused(String),
    /// No decision stored ([`Baseline::Stored`]).
    Undecided,
}

impl Outcome {
    fn text(&self) -> String {
        match self {
            Outcome::Decided(_) => "decided".into(),
            Outcome::NotInForce => "not in force".into(),
            Outcome::Refused(e) => format!("refused: {e}"),
            Outcome::Undecided => "none stored".into(),
        }
    }
}

/// Per-worker tallies, merged at the end.
#[derive(Default)]
struct Tally {
    report: DiffReport,
    rows: Vec<DiffRow>,
    keep_rows: bool,
}

impl Tally {
    fn add(&mut self, id: &AppId, old: &Outcome, new: &Outcome) {
        let r = &mut self.report;
        r.applications += 1;
        r.old_not_in_force += u64::from(matches!(old, Outcome::NotInForce));
        r.new_not_in_force += u64::from(matches!(new, Outcome::NotInForce));
        r.old_undecided += u64::from(matches!(old, Outcome::Undecided));
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
                        if a.examples.len() < EXAMPLES || self.keep_rows {
                            let (old, new) = (aspect(o, i), aspect(n, i));
                            if a.examples.len() < EXAMPLES {
                                a.examples.push(Example {
                                    id: id.clone(),
                                    old: old.clone(),
                                    new: new.clone(),
                                });
                            }
                            if self.keep_rows {
                                self.rows.push(DiffRow {
                                    id: id.clone(),
                                    aspect: name.to_string(),
                                    old,
                                    new,
                                });
                            }
                        }
                    }
                }
                if any {
                    r.changed += 1;
                    for rule in o.rules.iter().filter(|x| !n.rules.contains(x)) {
                        r.rules.entry(rule.clone()).or_default().dropped += 1;
                    }
                    for rule in n.rules.iter().filter(|x| !o.rules.contains(x)) {
                        r.rules.entry(rule.clone()).or_default().added += 1;
                    }
                }
            }
            // Outside a bundle's time in force there is nothing to compare.
            (Outcome::NotInForce, _) | (_, Outcome::NotInForce) => {}
            // A refusal or a missing decision on either side.
            _ => {
                r.changed += 1;
                if self.keep_rows {
                    let side = |o: &Outcome| match o {
                        Outcome::Decided(d) => customer_cost(d).to_string(),
                        other => other.text(),
                    };
                    self.rows.push(DiffRow {
                        id: id.clone(),
                        aspect: "decision".into(),
                        old: side(old),
                        new: side(new),
                    });
                }
            }
        }
    }

    fn merge(&mut self, other: Tally) {
        let r = &mut self.report;
        let o = other.report;
        r.applications += o.applications;
        r.changed += o.changed;
        r.old_errors += o.old_errors;
        r.new_errors += o.new_errors;
        r.old_not_in_force += o.old_not_in_force;
        r.new_not_in_force += o.new_not_in_force;
        r.old_undecided += o.old_undecided;
        for (k, v) in o.aspects {
            let a = r.aspects.entry(k).or_default();
            a.count += v.count;
            for e in v.examples {
                if a.examples.len() < EXAMPLES {
                    a.examples.push(e);
                }
            }
        }
        for (k, v) in o.rules {
            let c = r.rules.entry(k).or_default();
            c.dropped += v.dropped;
            c.added += v.added;
        }
        for e in o.error_examples {
            if r.error_examples.len() < EXAMPLES {
                r.error_examples.push(e);
            }
        }
        self.rows.extend(other.rows);
    }
}

/// An application to compare: its form and, for [`Baseline::Stored`], its stored decision.
struct Item {
    id: AppId,
    form: ApplicationForm,
    stored: Option<Decision>,
}

/// One bundle's decisions of a chunk, each as of its application's received date; an application
/// received before the bundle's `effective` date is not sent to it.
fn decide_chunk(decider: &dyn Decider, chunk: &[Item]) -> Vec<Outcome> {
    let effective = decider.effective();
    let early = |f: &ApplicationForm| effective.is_some_and(|day| received_day(f) < day);
    let items: Vec<(&ApplicationForm, NaiveDate)> = chunk
        .iter()
        .filter(|i| !early(&i.form))
        .map(|i| {
            (
                &i.form,
                crate::domain::calendar::china_date(i.form.received_at),
            )
        })
        .collect();
    let mut decided = decider.decide_batch(&items).into_iter();
    chunk
        .iter()
        .map(|i| {
            if early(&i.form) {
                return Outcome::NotInForce;
            }
            match decided.next().expect("one result per application") {
                Ok(d) => Outcome::Decided(d),
                Err(e) => Outcome::Refused(e.to_string()),
            }
        })
        .collect()
}

fn bundle_text(d: &dyn Decider) -> String {
    let b = d.bundle();
    format!("{} {} {}", b.region, b.version, b.digest)
}

/// Re-decide every application in `repo` under `old` and `new` on `workers` threads.
pub fn diff(
    repo: &dyn Repository,
    old: &Bundle,
    new: &Bundle,
    workers: usize,
) -> Result<DiffReport, StoreError> {
    let opts = DiffOptions {
        workers,
        ..DiffOptions::default()
    };
    match diff_against(repo, Baseline::Bundle(old), new, &opts) {
        Ok((report, _)) => Ok(report),
        Err(DiffError::Store(e)) => Err(e),
        Err(DiffError::Stopped(_)) => unreachable!("no progress callback to stop it"),
    }
}

/// Decide every application in `repo` under `new` and compare with `old`: the report and, with
/// `opts.rows`, every change (in application id order).
pub fn diff_against(
    repo: &dyn Repository,
    old: Baseline<'_>,
    new: &dyn Decider,
    opts: &DiffOptions<'_>,
) -> Result<(DiffReport, Vec<DiffRow>), DiffError> {
    let workers = opts.workers.max(1);
    let mut total = Tally::default();
    total.report.old_bundle = match old {
        Baseline::Bundle(d) => bundle_text(d),
        Baseline::Stored => "the stored decisions".into(),
    };
    total.report.new_bundle = bundle_text(new);
    let mut stopped = None;
    let scanned = std::thread::scope(|scope| {
        let mut senders = Vec::new();
        let mut handles = Vec::new();
        // Emptied chunks come back to the scan, so their large buffers are allocated once.
        let (spare_tx, spare_rx) = mpsc::channel::<Vec<Item>>();
        for _ in 0..workers {
            let (tx, rx) = mpsc::sync_channel::<Vec<Item>>(4);
            senders.push(tx);
            let spare_tx = spare_tx.clone();
            let keep_rows = opts.rows;
            handles.push(scope.spawn(move || {
                let mut tally = Tally {
                    keep_rows,
                    ..Tally::default()
                };
                for mut chunk in rx {
                    let olds = match old {
                        Baseline::Bundle(d) => decide_chunk(d, &chunk),
                        Baseline::Stored => chunk
                            .iter_mut()
                            .map(|i| match i.stored.take() {
                                Some(d) => Outcome::Decided(d),
                                None => Outcome::Undecided,
                            })
                            .collect(),
                    };
                    let news = decide_chunk(new, &chunk);
                    for ((item, o), n) in chunk.iter().zip(&olds).zip(&news) {
                        tally.add(&item.id, o, n);
                    }
                    chunk.clear();
                    let _ = spare_tx.send(chunk);
                }
                tally
            }));
        }
        let buffer = || {
            spare_rx
                .try_recv()
                .unwrap_or_else(|_| Vec::with_capacity(CHUNK))
        };
        let mut chunk = buffer();
        let mut next = 0usize;
        let mut count = 0u64;
        let mut visit = |item: Item| {
            count += 1;
            if let Some(progress) = opts.progress {
                if count.is_multiple_of(256) && !progress(count) {
                    stopped = Some(count);
                    return false;
                }
            }
            chunk.push(item);
            if chunk.len() == CHUNK {
                let full = std::mem::replace(&mut chunk, buffer());
                // A worker only hangs up by panicking, which the join below reports.
                let _ = senders[next % workers].send(full);
                next += 1;
            }
            true
        };
        let scanned = match old {
            Baseline::Bundle(_) => repo.scan_forms(&mut |app| {
                visit(Item {
                    id: app.id,
                    form: app.form,
                    stored: None,
                })
            }),
            Baseline::Stored => repo.scan(&mut |app| {
                visit(Item {
                    id: app.id,
                    form: app.form,
                    stored: app.decision,
                })
            }),
        };
        if !chunk.is_empty() {
            let _ = senders[next % workers].send(chunk);
        }
        drop(senders);
        for h in handles {
            total.merge(h.join().expect("diff worker panicked"));
        }
        if let Some(progress) = opts.progress {
            progress(count);
        }
        scanned
    });
    scanned?;
    if let Some(n) = stopped {
        return Err(DiffError::Stopped(n));
    }
    // Examples and rows in id order, whichever worker found them.
    for a in total.report.aspects.values_mut() {
        a.examples.sort_by(|x, y| x.id.cmp(&y.id));
    }
    total.report.error_examples.sort();
    total.rows.sort_by(|x, y| x.id.cmp(&y.id));
    Ok((total.report, total.rows))
}

/// Write `rows` to `path`: CSV (`.csv`: a header `id,aspect,old,new`, fields quoted where needed)
/// or JSON lines (`.jsonl`, `.ndjson`, `.json`: one object per line).
pub fn write_rows(path: &std::path::Path, rows: &[DiffRow]) -> Result<(), String> {
    use std::io::Write;
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    let csv = match ext.as_str() {
        "csv" => true,
        "jsonl" | "ndjson" | "json" => false,
        other => {
            return Err(format!(
                "--out {}: unknown extension {other:?}; use .csv or .jsonl",
                path.display()
            ))
        }
    };
    let tmp = path.with_extension(format!("{ext}.tmp"));
    let write = || -> std::io::Result<()> {
        let mut w = std::io::BufWriter::new(std::fs::File::create(&tmp)?);
        if csv {
            writeln!(w, "id,aspect,old,new")?;
            for r in rows {
                writeln!(
                    w,
                    "{},{},{},{}",
                    csv_field(&r.id.0),
                    csv_field(&r.aspect),
                    csv_field(&r.old),
                    csv_field(&r.new)
                )?;
            }
        } else {
            for r in rows {
                serde_json::to_writer(&mut w, r)?;
                writeln!(w)?;
            }
        }
        w.into_inner().map_err(|e| e.into_error())?.sync_all()?;
        std::fs::rename(&tmp, path)
    };
    write().map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        format!("--out {}: cannot write: {e}", path.display())
    })
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

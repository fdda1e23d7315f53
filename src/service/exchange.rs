//! 导入导出: export as JSON lines and all-or-nothing import.
//!
//! An export line is an application (the stored JSON, with its `id`) plus its `events` as the
//! store chained them (`seq`, `prev_hash`, `hash`): importing checks that every event matches its
//! hash and that the history adds up to the record (see `check_history`), then re-chains the
//! events in the importing store. An import line without an `id` is a
//! new application form and is accepted as `app new` would.

use std::collections::{BTreeMap, HashSet};

use chrono::Datelike;
use serde::{Deserialize, Serialize};

use super::{deadline_for, Desk, DeskError};
use crate::domain::application::ApplicationForm;
use crate::domain::calendar::china_date;
use crate::domain::event::{check_history, Event, EventDraft, EventKind};
use crate::domain::ports::Change;
use crate::domain::validation;
use crate::domain::workflow::ProcessClass;
use crate::domain::{AppId, Application};

/// One line of an export: an application and its history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExportLine {
    #[serde(flatten)]
    pub application: Application,
    #[serde(default)]
    pub events: Vec<Event>,
}

/// What an import wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportReport {
    /// Lines that carried an exported application (kept with their ids).
    pub restored: usize,
    /// Lines that were new application forms (given fresh ids).
    pub accepted: usize,
    pub ids: Vec<AppId>,
}

enum Checked {
    Restored(Box<ExportLine>),
    /// A new application's form, parsed; decided with others of the file in batches.
    New(Box<ApplicationForm>),
}

/// A line ready to write.
enum Accepted {
    Restored(Box<ExportLine>),
    New(Box<Application>, EventDraft),
}

/// Applications from which an import is a bulk load.
const BULK_IMPORT: usize = 20_000;

impl Desk {
    /// Every application with its events, one JSON line each, in id order.
    pub fn export(&self, out: &mut dyn std::io::Write) -> Result<usize, DeskError> {
        let mut count = 0;
        let mut failure = None;
        self.repo.scan(&mut |application| {
            let events = match self.repo.events(&application.id) {
                Ok(events) => events,
                Err(e) => {
                    failure = Some(DeskError::from(e));
                    return false;
                }
            };
            let line = ExportLine {
                application,
                events,
            };
            let json = serde_json::to_string(&line).expect("applications always serialize");
            if let Err(e) = writeln!(out, "{json}") {
                failure = Some(DeskError::Store(crate::domain::ports::StoreError::Io(
                    format!("writing the export: {e}"),
                )));
                return false;
            }
            count += 1;
            true
        })?;
        match failure {
            Some(e) => Err(e),
            None => Ok(count),
        }
    }

    /// Import JSON lines all-or-nothing: every line is checked first and every bad line is
    /// reported by number; only a clean file is written, through the store's all-or-nothing bulk
    /// commit.
    pub fn import(&self, text: &str, actor: &str) -> Result<ImportReport, DeskError> {
        let lines: Vec<(usize, &str)> = text
            .lines()
            .enumerate()
            .filter(|(_, line)| !line.trim().is_empty())
            .map(|(index, line)| (index + 1, line))
            .collect();
        // Lines are parsed and validated on their own, on every core; what needs the store or
        // the other lines (duplicate and existing ids) is checked after, in file order.
        let parsed = on_cores(lines, |(number, line)| (number, parse_line(line)));
        let mut bad = Vec::new();
        let mut new_forms = Vec::new();
        let mut restored = Vec::new();
        let mut seen = HashSet::new();
        for (number, parsed) in parsed {
            match parsed.and_then(|p| self.check_line(p, &mut seen)) {
                Ok(Checked::New(form)) => new_forms.push((number, *form)),
                Ok(Checked::Restored(line)) => restored.push((number, line)),
                Err(message) => bad.push((number, message)),
            }
        }
        // New applications are validated and decided a batch at a time (one sandbox per policy
        // module and batch), the batches on every core.
        let batches: Vec<Vec<(usize, ApplicationForm)>> = chunks(new_forms, DECIDE_BATCH);
        let calendar = self.calendar();
        let decided = on_cores(batches, |batch| {
            let (numbers, forms): (Vec<usize>, Vec<ApplicationForm>) = batch.into_iter().unzip();
            numbers
                .into_iter()
                .zip(self.prepare_unnumbered_batch(forms))
                .map(|(number, prepared)| {
                    let prepared = prepared.map_err(|e| match e {
                        DeskError::Invalid(errors) => join(&errors),
                        other => other.to_string(),
                    });
                    let ready = prepared.and_then(|(mut app, events)| {
                        let deadline =
                            deadline_for(&app, &events, &calendar).map_err(|e| e.to_string())?;
                        app.set_deadline(deadline);
                        let first = events
                            .into_iter()
                            .next()
                            .expect("a submission has its accepted event");
                        Ok((app, first))
                    });
                    (number, ready)
                })
                .collect::<Vec<_>>()
        });
        bad.extend(self.check_decisions(&restored));
        let mut accepted = Vec::new();
        for (number, ready) in decided.into_iter().flatten() {
            match ready {
                Ok((app, first)) => accepted.push((number, Accepted::New(Box::new(app), first))),
                Err(message) => bad.push((number, message)),
            }
        }
        if !bad.is_empty() {
            bad.sort_by_key(|(number, _)| *number);
            return Err(DeskError::Import(bad));
        }
        accepted.extend(
            restored
                .into_iter()
                .map(|(number, line)| (number, Accepted::Restored(line))),
        );
        accepted.sort_by_key(|(number, _)| *number);
        // Ids for the new applications, a block per year (one store write per year).
        let mut per_year: BTreeMap<i32, usize> = BTreeMap::new();
        for (_, c) in &accepted {
            if let Accepted::New(app, _) = c {
                *per_year.entry(app.form.received_at.year()).or_default() += 1;
            }
        }
        let mut ids: BTreeMap<i32, std::vec::IntoIter<AppId>> = BTreeMap::new();
        for (year, n) in per_year {
            ids.insert(year, self.repo.allocate_ids(year, n)?.into_iter());
        }
        let mut report = ImportReport::default();
        let mut changes = Vec::with_capacity(accepted.len());
        for (_, c) in accepted {
            match c {
                Accepted::Restored(line) => {
                    report.restored += 1;
                    report.ids.push(line.application.id.clone());
                    changes.push(Change {
                        applications: vec![line.application],
                        events: line.events.into_iter().map(|e| e.draft).collect(),
                        settings: vec![],
                    });
                }
                Accepted::New(mut app, mut accepted) => {
                    app.id = ids
                        .get_mut(&app.form.received_at.year())
                        .and_then(Iterator::next)
                        .expect("an id was allocated for every new application of its year");
                    accepted.app_id = app.id.clone();
                    accepted.actor = actor.to_string();
                    report.accepted += 1;
                    report.ids.push(app.id.clone());
                    changes.push(Change {
                        applications: vec![*app],
                        events: vec![accepted],
                        settings: vec![],
                    });
                }
            }
        }
        // A large load builds the search index once at its end (see `Repository::begin_bulk`).
        let bulk = changes.len() >= BULK_IMPORT;
        if bulk {
            self.repo.begin_bulk()?;
        }
        let committed = self.repo.commit_all(changes);
        if bulk {
            self.repo.end_bulk()?;
        }
        committed?;
        Ok(report)
    }

    /// Exported applications decided by the active bundle (the same digest): the stored decision
    /// must be what the bundle decides for the form (decided together, as one batch). The lines
    /// that disagree, with the first field that differs.
    fn check_decisions(&self, restored: &[(usize, Box<ExportLine>)]) -> Vec<(usize, String)> {
        let Some(decider) = self.decider() else {
            return Vec::new();
        };
        let bundle = decider.bundle();
        let ours: Vec<(usize, &Application)> = restored
            .iter()
            .map(|(number, line)| (*number, &line.application))
            .filter(|(_, app)| {
                app.decision
                    .as_ref()
                    .is_some_and(|d| d.bundle.digest == bundle.digest)
            })
            .collect();
        let items: Vec<(&ApplicationForm, chrono::NaiveDate)> = ours
            .iter()
            .map(|(_, app)| (&app.form, china_date(app.form.received_at)))
            .collect();
        let mut bad = Vec::new();
        for ((number, app), decided) in ours.iter().zip(decider.decide_batch(&items)) {
            let stored = app.decision.as_ref().expect("filtered on a decision");
            let problem = match decided {
                Err(e) => Some(format!("the bundle does not decide the form: {e}")),
                Ok(d) if d != *stored => Some(format!(
                    "differs from what the active bundle {} {} decides for the form (first in `{}`)",
                    bundle.region,
                    bundle.version,
                    first_difference(&d, stored)
                )),
                Ok(_) => None,
            };
            if let Some(problem) = problem {
                bad.push((*number, format!("decision: {problem}")));
            }
        }
        bad
    }

    /// What a parsed line needs from the store and the lines before it: an exported
    /// application's id must be new to the file and to the store.
    fn check_line(&self, parsed: Parsed, seen: &mut HashSet<AppId>) -> Result<Checked, String> {
        let line = match parsed {
            Parsed::New(form) => return Ok(Checked::New(form)),
            Parsed::Export(line) => line,
        };
        let id = line.application.id.clone();
        let (year, _) = id.parse().map_err(|e| format!("id: {e}"))?;
        let received = line.application.form.received_at.year();
        if year != received {
            return Err(format!(
                "id: {id} names the year {year} but the application was received in {received}"
            ));
        }
        if !seen.insert(id.clone()) {
            return Err(format!("id: application {id} appears twice in the file"));
        }
        if self.repo.get(&id).map_err(|e| e.to_string())?.is_some() {
            return Err(format!("id: application {id} already exists in this store"));
        }
        match line.events.first().map(|e| &e.draft.kind) {
            Some(EventKind::Accepted) => {}
            _ => return Err("events: the first event must be the `accepted` event".into()),
        }
        if let Some((n, e)) = line.events.iter().enumerate().find(|(_, e)| !e.is_intact()) {
            return Err(format!(
                "events: event {} (seq {}) does not match its hash: it was changed after it was exported",
                n + 1,
                e.seq
            ));
        }
        check_history(&line.application, line.events.iter().map(|e| &e.draft))
            .map_err(|e| format!("history: {e}"))?;
        if let Some(decision) = &line.application.decision {
            let decided: ProcessClass = decision.access.class.into();
            if decided != line.application.process {
                return Err(format!(
                    "process: the record says {} but its decision connects it as {} ({})",
                    line.application.process.id(),
                    decision.access.class.id(),
                    decided.id()
                ));
            }
        }
        Ok(Checked::Restored(line))
    }
}

/// New applications decided together in an import.
const DECIDE_BATCH: usize = 1_024;

/// An import line, parsed and checked on its own.
enum Parsed {
    New(Box<ApplicationForm>),
    Export(Box<ExportLine>),
}

/// Parse one import line: a form when it has no `id`, else an exported application (its form
/// validated, its id not empty).
fn parse_line(line: &str) -> Result<Parsed, String> {
    let has_id = match serde_json::from_str::<IdProbe>(line) {
        Ok(probe) => probe.id.0,
        // Not a JSON object: say what it is.
        Err(_) => serde_json::from_str::<serde_json::Value>(line)
            .map_err(|e| format!("not JSON: {e}"))?
            .get("id")
            .is_some(),
    };
    if !has_id {
        let form = validation::parse_form(line).map_err(|e| join(&e))?;
        return Ok(Parsed::New(Box::new(form)));
    }
    let line: ExportLine =
        serde_json::from_str(line).map_err(|e| format!("not an exported application: {e}"))?;
    validation::validate(&line.application.form).map_err(|e| join(&e))?;
    if line.application.id.0.trim().is_empty() {
        return Err("id: is empty; leave `id` out for a new application".into());
    }
    Ok(Parsed::Export(Box::new(line)))
}

/// Whether a JSON object has an `id` field (of any value, `null` included), read without
/// building the object.
#[derive(Deserialize)]
struct IdProbe {
    #[serde(default)]
    id: Present,
}

#[derive(Default)]
struct Present(bool);

impl<'de> Deserialize<'de> for Present {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        serde::de::IgnoredAny::deserialize(d)?;
        Ok(Present(true))
    }
}

/// `items` in consecutive chunks of at most `size`.
fn chunks<T>(items: Vec<T>, size: usize) -> Vec<Vec<T>> {
    let mut out = Vec::with_capacity(items.len().div_ceil(size));
    let mut items = items.into_iter().peekable();
    while items.peek().is_some() {
        out.push(items.by_ref().take(size).collect());
    }
    out
}

/// `f` over `items` on every core (consecutive shares, one thread each), results in order.
fn on_cores<T: Send, R: Send>(items: Vec<T>, f: impl Fn(T) -> R + Sync) -> Vec<R> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let share = items.len().div_ceil(cores).max(1);
    if cores == 1 || items.len() < 2 {
        return items.into_iter().map(f).collect();
    }
    let f = &f;
    std::thread::scope(|scope| {
        let workers: Vec<_> = chunks(items, share)
            .into_iter()
            .map(|share| scope.spawn(move || share.into_iter().map(f).collect::<Vec<R>>()))
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().expect("an import worker does not panic"))
            .collect()
    })
}

/// The first top-level field in which two decisions differ.
fn first_difference(a: &crate::domain::Decision, b: &crate::domain::Decision) -> String {
    let (a, b) = (
        serde_json::to_value(a).expect("decisions serialize"),
        serde_json::to_value(b).expect("decisions serialize"),
    );
    a.as_object()
        .into_iter()
        .flatten()
        .find(|(key, value)| b.get(key.as_str()) != Some(value))
        .map_or_else(|| "decision".to_string(), |(key, _)| key.clone())
}

fn join(errors: &[validation::FieldError]) -> String {
    errors
        .iter()
        .map(|e| e.to_string())
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_is_an_export_when_it_has_an_id_of_any_value() {
        let form = serde_json::to_value(crate::service::demo::DemoGenerator::new(1).form())
            .expect("a form serializes");
        assert!(matches!(parse_line(&form.to_string()), Ok(Parsed::New(_))));
        let mut with_null = form.clone();
        with_null["id"] = serde_json::Value::Null;
        let err = parse_line(&with_null.to_string())
            .err()
            .expect("not an export");
        assert!(err.starts_with("not an exported application"), "{err}");
        let err = parse_line("[1, 2]").err().expect("not a form");
        assert!(err.contains("expected struct"), "{err}");
        let err = parse_line("{not json").err().expect("not JSON");
        assert!(err.starts_with("not JSON"), "{err}");
    }
}

//! 导入导出: export as JSON lines and all-or-nothing import.
//!
//! An export line is an application (the stored JSON, with its `id`) plus its `events` as drafts;
//! importing it into another store re-chains the events there. An import line without an `id` is a
//! new application form and is accepted as `app new` would.

use std::collections::HashSet;

use chrono::Datelike;
use serde::{Deserialize, Serialize};

use super::{deadline_for, Desk, DeskError};
use crate::domain::application::ApplicationForm;
use crate::domain::event::{EventDraft, EventKind};
use crate::domain::ports::Change;
use crate::domain::validation;
use crate::domain::{AppId, Application};

/// One line of an export: an application and its history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExportLine {
    #[serde(flatten)]
    pub application: Application,
    #[serde(default)]
    pub events: Vec<EventDraft>,
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
    /// A new application's form, parsed; decided with the others of the file in one batch.
    New(Box<ApplicationForm>),
}

/// A line ready to write.
enum Accepted {
    Restored(Box<ExportLine>),
    New(Box<Application>, EventDraft),
}

impl Desk {
    /// Every application with its events, one JSON line each, in id order.
    pub fn export(&self, out: &mut dyn std::io::Write) -> Result<usize, DeskError> {
        let mut count = 0;
        let mut failure = None;
        self.repo.scan(&mut |application| {
            let events = match self.repo.events(&application.id) {
                Ok(events) => events.into_iter().map(|e| e.draft).collect(),
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
        let mut bad = Vec::new();
        let mut checked = Vec::new();
        let mut seen = HashSet::new();
        for (index, line) in text.lines().enumerate() {
            let number = index + 1;
            if line.trim().is_empty() {
                continue;
            }
            match self.check_line(line, &mut seen) {
                Ok(c) => checked.push((number, c)),
                Err(message) => bad.push((number, message)),
            }
        }
        // New applications are validated and decided together (one batch per policy module).
        let mut new_forms = Vec::new();
        let mut restored = Vec::new();
        for (number, c) in checked {
            match c {
                Checked::New(form) => new_forms.push((number, *form)),
                Checked::Restored(line) => restored.push((number, line)),
            }
        }
        let (new_numbers, forms): (Vec<usize>, Vec<ApplicationForm>) =
            new_forms.into_iter().unzip();
        let mut accepted = Vec::new();
        for (number, prepared) in new_numbers
            .into_iter()
            .zip(self.prepare_unnumbered_batch(forms))
        {
            let prepared = prepared.map_err(|e| match e {
                DeskError::Invalid(errors) => join(&errors),
                other => other.to_string(),
            });
            match prepared.and_then(|(mut app, events)| {
                app.deadline =
                    deadline_for(&app, &events, &self.calendar()).map_err(|e| e.to_string())?;
                let first = events
                    .into_iter()
                    .next()
                    .expect("a submission has its accepted event");
                Ok((app, first))
            }) {
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
        let mut report = ImportReport::default();
        let mut changes = Vec::with_capacity(accepted.len());
        for (_, c) in accepted {
            match c {
                Accepted::Restored(line) => {
                    report.restored += 1;
                    report.ids.push(line.application.id.clone());
                    changes.push(Change {
                        applications: vec![line.application],
                        events: line.events,
                        settings: vec![],
                    });
                }
                Accepted::New(mut app, mut accepted) => {
                    app.id = self.repo.allocate_id(app.form.received_at.year())?;
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
        self.repo.commit_all(changes)?;
        Ok(report)
    }

    fn check_line(&self, line: &str, seen: &mut HashSet<AppId>) -> Result<Checked, String> {
        let value: serde_json::Value =
            serde_json::from_str(line).map_err(|e| format!("not JSON: {e}"))?;
        if value.get("id").is_none() {
            let form = validation::parse_form(line).map_err(|e| join(&e))?;
            return Ok(Checked::New(Box::new(form)));
        }
        let mut line: ExportLine =
            serde_json::from_str(line).map_err(|e| format!("not an exported application: {e}"))?;
        let id = line.application.id.clone();
        validation::validate(&line.application.form).map_err(|e| join(&e))?;
        if line.application.id.0.trim().is_empty() {
            return Err("id: is empty; leave `id` out for a new application".into());
        }
        if !seen.insert(id.clone()) {
            return Err(format!("id: application {id} appears twice in the file"));
        }
        if self.repo.get(&id).map_err(|e| e.to_string())?.is_some() {
            return Err(format!("id: application {id} already exists in this store"));
        }
        match line.events.first() {
            Some(EventDraft {
                kind: EventKind::Accepted,
                ..
            }) => {}
            _ => return Err("events: the first event must be the `accepted` event".into()),
        }
        for event in &mut line.events {
            event.app_id = id.clone();
        }
        Ok(Checked::Restored(Box::new(line)))
    }
}

fn join(errors: &[validation::FieldError]) -> String {
    errors
        .iter()
        .map(|e| e.to_string())
        .collect::<Vec<_>>()
        .join("; ")
}

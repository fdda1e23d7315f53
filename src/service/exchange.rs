//! 导入导出: export as JSON lines and all-or-nothing import.
//!
//! An export line is an application (the stored JSON, with its `id`) plus its `events` as drafts;
//! importing it into another store re-chains the events there. An import line without an `id` is a
//! new application form and is accepted as `app new` would.

use std::collections::HashSet;

use chrono::Datelike;
use serde::{Deserialize, Serialize};

use super::{deadline_for, Desk, DeskError};
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
    Accepted(Box<Application>, EventDraft),
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
                Ok(c) => checked.push(c),
                Err(message) => bad.push((number, message)),
            }
        }
        if !bad.is_empty() {
            return Err(DeskError::Import(bad));
        }
        let mut report = ImportReport::default();
        let mut changes = Vec::with_capacity(checked.len());
        for c in checked {
            match c {
                Checked::Restored(line) => {
                    report.restored += 1;
                    report.ids.push(line.application.id.clone());
                    changes.push(Change {
                        applications: vec![line.application],
                        events: line.events,
                        settings: vec![],
                    });
                }
                Checked::Accepted(mut app, mut accepted) => {
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
            let (mut app, events) = self.prepare_unnumbered(form).map_err(|e| match e {
                DeskError::Invalid(errors) => join(&errors),
                other => other.to_string(),
            })?;
            app.deadline =
                deadline_for(&app, &events, &self.calendar).map_err(|e| e.to_string())?;
            let accepted = events
                .into_iter()
                .next()
                .expect("a submission has its accepted event");
            return Ok(Checked::Accepted(Box::new(app), accepted));
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

//! 业务服务: the application services that the console and the command line call.
//!
//! [`Desk`] runs every command against the ports of `domain::ports`: it validates, decides,
//! moves an application through its workflow and hands the store one [`Change`] per command, so
//! a command is written whole or not at all. It is `Send + Sync`: the console calls it from a
//! worker thread.

mod calendar_report;
mod clock;
mod deadline;
pub mod demo;
pub mod demo_services;
mod due;
mod error;
mod exchange;
mod papers;
pub mod records;
mod recount;
mod report;
mod search;

use std::sync::{Arc, Mutex, RwLock};

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::domain::calendar::{china_date, MissingYears, WorkingCalendar};
use crate::domain::event::{Event, EventDraft, EventKind};
use crate::domain::metrics::{Metrics, MetricsBuilder};
use crate::domain::ports::{
    AuditReport, BackupSummary, Change, Clock, Decider, Page, Query, Repository,
};
use crate::domain::sideflow::SideFlowAction;
use crate::domain::text;
use crate::domain::timeline::{self, Timeline};
use crate::domain::validation::{self, FieldError};
use crate::domain::workflow::{self, ProcessClass, State};
use crate::domain::{AppId, Application, ApplicationForm, Decision, Voltage};

pub use calendar_report::{
    calendar_report, CalendarReport, LoadedYear, OpenProvisional, ProvisionalDay, ProvisionalYear,
};
pub use clock::{china_offset, parse_pinned, FixedClock, SystemClock};
pub use deadline::{deadline_for, default_limit};
pub use due::{remaining_working_days, Due, DueCounts, DueGroup, DueItem, DueView};
pub use error::DeskError;
pub use exchange::{ExportLine, ImportReport};
pub use papers::{
    Office, OfficeChange, SETTING_OFFICE_NAME, SETTING_OFFICE_PHONE, SETTING_TRACKING_URL,
};
pub use recount::{CalendarSync, SETTING_CALENDAR_FINGERPRINT};
pub use search::{Found, FoundApplication, CONSOLE_LIMIT};

/// The actor recorded when none is given.
pub const DEFAULT_ACTOR: &str = "operator";

/// 柜台: the connection-service desk, the one entry point for every command on applications.
pub struct Desk {
    repo: Arc<dyn Repository>,
    decider: RwLock<Option<Arc<dyn Decider>>>,
    calendar: Arc<WorkingCalendar>,
    /// Where every "now" of the desk comes from.
    clock: Arc<dyn Clock>,
    /// Serialises read-check-write commands (advance, cancel) so two threads cannot both move
    /// the same application from the same state.
    writer: Mutex<()>,
}

/// What `amend` did: the application as amended, the fields changed, and the decision before
/// and after, side by side.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Amendment {
    pub application: Application,
    pub fields: Vec<String>,
    pub before: Option<Decision>,
    pub after: Option<Decision>,
}

/// The paths of the form's fields that differ (`customer.name`, `request.capacity_kw`).
fn changed_fields(old: &ApplicationForm, new: &ApplicationForm) -> Vec<String> {
    fn walk(path: &str, a: &serde_json::Value, b: &serde_json::Value, out: &mut Vec<String>) {
        match (a, b) {
            (serde_json::Value::Object(x), serde_json::Value::Object(y)) => {
                let keys: std::collections::BTreeSet<&String> = x.keys().chain(y.keys()).collect();
                for k in keys {
                    let p = if path.is_empty() {
                        k.clone()
                    } else {
                        format!("{path}.{k}")
                    };
                    let null = serde_json::Value::Null;
                    walk(
                        &p,
                        x.get(k).unwrap_or(&null),
                        y.get(k).unwrap_or(&null),
                        out,
                    );
                }
            }
            _ if a != b => out.push(path.to_string()),
            _ => {}
        }
    }
    let mut out = Vec::new();
    let a = serde_json::to_value(old).expect("forms serialize");
    let b = serde_json::to_value(new).expect("forms serialize");
    walk("", &a, &b, &mut out);
    out
}

/// What `preview` returns: the decision an application would get, nothing written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Preview {
    pub process: ProcessClass,
    /// None when no policy bundle is active.
    pub decision: Option<Decision>,
    /// The deadline of the first grid step if accepted on `received_at`.
    pub deadline: Option<NaiveDate>,
    /// The deadline was counted over a day of a year without an official calendar.
    pub deadline_provisional: bool,
    /// Those years.
    pub missing_calendar_years: MissingYears,
}

/// 物流式查询: one application with its whole history, as `app show` prints it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Dossier {
    #[serde(flatten)]
    pub application: Application,
    /// Every event, oldest first.
    pub events: Vec<Event>,
    /// The states the application may move to next.
    pub next_states: Vec<State>,
    /// Steps, clocks and the pending deadline as of today.
    pub timeline: Option<Timeline>,
    /// Why the timeline could not be computed (e.g. a date outside the loaded calendar years).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeline_error: Option<String>,
}

impl Desk {
    /// A desk on the system clock; see [`Desk::with_clock`].
    pub fn new(repo: Arc<dyn Repository>, calendar: Arc<WorkingCalendar>) -> Self {
        Desk {
            repo,
            decider: RwLock::new(None),
            calendar,
            clock: Arc::new(SystemClock),
            writer: Mutex::new(()),
        }
    }

    /// Read the time from `clock` (tests and training stores pin it).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Now on the desk's clock, in China Standard Time.
    pub fn now(&self) -> DateTime<FixedOffset> {
        self.clock.now().with_timezone(&china_offset())
    }

    /// Today on the desk's clock, in China.
    pub fn today(&self) -> NaiveDate {
        self.now().date_naive()
    }

    /// The desk's clock, for what runs beside the desk (the console's first frame).
    pub fn clock(&self) -> Arc<dyn Clock> {
        self.clock.clone()
    }

    /// Use `decider` (the active policy bundle) for new applications.
    pub fn with_decider(self, decider: Arc<dyn Decider>) -> Self {
        self.set_decider(Some(decider));
        self
    }

    /// Replace (or remove) the decider; applications already accepted keep their decision.
    pub fn set_decider(&self, decider: Option<Arc<dyn Decider>>) {
        *self.decider.write().unwrap_or_else(|e| e.into_inner()) = decider;
    }

    pub fn decider(&self) -> Option<Arc<dyn Decider>> {
        self.decider
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The working-day calendar deadlines are counted on: the active bundle's, else the one
    /// powerdesk ships (the Jining bundle's calendar/ files).
    pub fn calendar(&self) -> Arc<WorkingCalendar> {
        self.decider()
            .and_then(|d| d.calendar())
            .unwrap_or_else(|| self.calendar.clone())
    }

    pub fn repository(&self) -> &Arc<dyn Repository> {
        &self.repo
    }

    /// Decide a form without writing anything.
    pub fn preview(&self, form: &ApplicationForm) -> Result<Preview, DeskError> {
        validation::validate(form).map_err(DeskError::Invalid)?;
        let (process, decision) = self.decide(form)?;
        let app = self.draft_application(AppId(String::new()), form.clone(), process, decision);
        let accepted = accepted_draft(&app, DEFAULT_ACTOR);
        let deadline = deadline_for(&app, &[accepted], &self.calendar())?;
        let missing = deadline
            .as_ref()
            .map(|d| d.missing.clone())
            .unwrap_or_default();
        Ok(Preview {
            process: app.process,
            decision: app.decision,
            deadline: deadline.map(|d| d.value),
            deadline_provisional: !missing.is_empty(),
            missing_calendar_years: missing,
        })
    }

    /// Parse the Application JSON of docs/contracts.md and submit it.
    pub fn submit_json(&self, json: &str, actor: &str) -> Result<Application, DeskError> {
        let form = validation::parse_form(json).map_err(DeskError::Invalid)?;
        self.submit(form, actor)
    }

    /// 受理: validate, decide, give an id, accept; one change with the application and its
    /// `accepted` event. Durable when this returns.
    pub fn submit(&self, form: ApplicationForm, actor: &str) -> Result<Application, DeskError> {
        let (app, events) = self.prepare_submission(form, actor)?;
        self.repo.commit(Change {
            applications: vec![app.clone()],
            events,
            settings: vec![],
        })?;
        Ok(app)
    }

    /// Everything `submit` does short of writing: the accepted application and its first event.
    pub(crate) fn prepare_submission(
        &self,
        form: ApplicationForm,
        actor: &str,
    ) -> Result<(Application, Vec<EventDraft>), DeskError> {
        check_actor(actor)?;
        let (mut app, mut events) = self.prepare_unnumbered(form)?;
        app.id = self.repo.allocate_id(app.form.received_at.year())?;
        for e in &mut events {
            e.app_id = app.id.clone();
            e.actor = actor.to_string();
        }
        Ok((app, events))
    }

    /// Validate, decide and accept a form without giving it an id yet (id left empty).
    pub(crate) fn prepare_unnumbered(
        &self,
        form: ApplicationForm,
    ) -> Result<(Application, Vec<EventDraft>), DeskError> {
        validation::validate(&form).map_err(DeskError::Invalid)?;
        let decided = self.decide(&form)?;
        self.accept_decided(form, decided)
    }

    /// `prepare_unnumbered` for many forms: the valid ones are decided together, as one batch
    /// (the policy bundle runs each module once over the batch). One result per form, in order.
    pub(crate) fn prepare_unnumbered_batch(
        &self,
        forms: Vec<ApplicationForm>,
    ) -> Vec<Result<(Application, Vec<EventDraft>), DeskError>> {
        let checked: Vec<Result<(), DeskError>> = forms
            .iter()
            .map(|f| validation::validate(f).map_err(DeskError::Invalid))
            .collect();
        let valid: Vec<(&ApplicationForm, chrono::NaiveDate)> = forms
            .iter()
            .zip(&checked)
            .filter(|(_, c)| c.is_ok())
            .map(|(f, _)| (f, china_date(f.received_at)))
            .collect();
        let mut decided = match self.decider() {
            Some(decider) => decider
                .decide_batch(&valid)
                .into_iter()
                .map(|r| {
                    r.map(|d| (d.access.class.into(), Some(d)))
                        .map_err(DeskError::from)
                })
                .collect(),
            None => valid
                .iter()
                .map(|(f, _)| Ok((fallback_process(f), None)))
                .collect::<Vec<_>>(),
        }
        .into_iter();
        forms
            .into_iter()
            .zip(checked)
            .map(|(form, check)| {
                check?;
                let decision = decided.next().expect("one decision per valid form")?;
                self.accept_decided(form, decision)
            })
            .collect()
    }

    /// The accepted application of a decided form, and its `accepted` event (no id yet).
    fn accept_decided(
        &self,
        form: ApplicationForm,
        (process, decision): (ProcessClass, Option<Decision>),
    ) -> Result<(Application, Vec<EventDraft>), DeskError> {
        let mut app = self.draft_application(AppId(String::new()), form, process, decision);
        let accepted = accepted_draft(&app, DEFAULT_ACTOR);
        let deadline = deadline_for(&app, std::slice::from_ref(&accepted), &self.calendar())?;
        app.set_deadline(deadline);
        Ok((app, vec![accepted]))
    }

    /// Move an application to `to` at `at` (now when None). An illegal move is refused with the
    /// legal next states; an event dated before acceptance or before the last event is refused.
    pub fn advance(
        &self,
        id: &AppId,
        to: State,
        at: Option<DateTime<FixedOffset>>,
        note: Option<String>,
        actor: &str,
    ) -> Result<Application, DeskError> {
        let _guard = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        let (app, events) = self.load(id)?;
        let (app, draft) = self.plan_advance(app, &events, to, at, note, actor)?;
        self.repo.commit(Change {
            applications: vec![app.clone()],
            events: vec![draft],
            settings: vec![],
        })?;
        Ok(app)
    }

    /// The new application and event of a move, checked; nothing written.
    pub(crate) fn plan_advance(
        &self,
        mut app: Application,
        events: &[EventDraft],
        to: State,
        at: Option<DateTime<FixedOffset>>,
        note: Option<String>,
        actor: &str,
    ) -> Result<(Application, EventDraft), DeskError> {
        let at = at.unwrap_or_else(|| self.now());
        if to == State::Cancelled {
            let reason = note.unwrap_or_default();
            return self.plan_cancel(app, events, &reason, at, actor);
        }
        check_actor(actor)?;
        if let Some(note) = &note {
            check_text("note", note, text::MAX_NOTE_CHARS, true)?;
        }
        workflow::check_transition(app.process, app.status, to)?;
        check_dated_after(&app, events, at)?;
        let draft = EventDraft {
            app_id: app.id.clone(),
            at,
            actor: actor.to_string(),
            kind: EventKind::Advanced {
                from: app.status,
                to,
            },
            note: note.filter(|n| !n.trim().is_empty()),
            record: None,
        };
        app.status = to;
        app.updated_at = at;
        let mut all = events.to_vec();
        all.push(draft.clone());
        let deadline = deadline_for(&app, &all, &self.calendar())?;
        app.set_deadline(deadline);
        Ok((app, draft))
    }

    /// 撤销: cancel an open application, with the reason.
    pub fn cancel(&self, id: &AppId, reason: &str, actor: &str) -> Result<Application, DeskError> {
        let _guard = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        let (app, events) = self.load(id)?;
        let (app, draft) = self.plan_cancel(app, &events, reason, self.now(), actor)?;
        self.repo.commit(Change {
            applications: vec![app.clone()],
            events: vec![draft],
            settings: vec![],
        })?;
        Ok(app)
    }

    pub(crate) fn plan_cancel(
        &self,
        mut app: Application,
        events: &[EventDraft],
        reason: &str,
        at: DateTime<FixedOffset>,
        actor: &str,
    ) -> Result<(Application, EventDraft), DeskError> {
        workflow::check_transition(app.process, app.status, State::Cancelled)?;
        if text::is_blank(reason) {
            return Err(DeskError::MissingReason);
        }
        check_actor(actor)?;
        check_text("reason", reason, text::MAX_NOTE_CHARS, true)?;
        check_dated_after(&app, events, at)?;
        let draft = EventDraft {
            app_id: app.id.clone(),
            at,
            actor: actor.to_string(),
            kind: EventKind::Cancelled {
                from: app.status,
                reason: reason.trim().to_string(),
            },
            note: None,
            record: None,
        };
        app.status = State::Cancelled;
        app.updated_at = at;
        app.set_deadline(None);
        Ok((app, draft))
    }

    /// 更正: amend a mistyped form with a reason. The decision is taken again by the active
    /// bundle and the deadline counted again; the record is rewritten under an `amended` event
    /// naming the fields changed, never edited in place. Refused: nothing changed, a new time of
    /// receipt (it anchors every deadline), a finished or cancelled application, and a change of
    /// process class once a step was taken (cancel and accept it again).
    pub fn amend(
        &self,
        id: &AppId,
        form: ApplicationForm,
        reason: &str,
        actor: &str,
    ) -> Result<Amendment, DeskError> {
        let _guard = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        check_actor(actor)?;
        if text::is_blank(reason) {
            return Err(DeskError::MissingReason);
        }
        check_text("reason", reason, text::MAX_NOTE_CHARS, true)?;
        validation::validate(&form).map_err(DeskError::Invalid)?;
        let (mut app, events) = self.load(id)?;
        let refuse = |field: &str, why: String| Err(DeskError::Text(FieldError::new(field, why)));
        if app.status.is_terminal() {
            return refuse(
                "status",
                format!(
                    "application {id} is {}: a finished or cancelled application is not amended",
                    app.status.id()
                ),
            );
        }
        if form.received_at != app.form.received_at {
            return refuse(
                "received_at",
                "the time of receipt cannot be amended (every deadline counts from it); cancel the application and accept it again".into(),
            );
        }
        let fields = changed_fields(&app.form, &form);
        if fields.is_empty() {
            return refuse(
                "form",
                "nothing differs from the stored form; nothing to amend".into(),
            );
        }
        let (process, decision) = self.decide(&form)?;
        if process != app.process && app.status != State::Accepted {
            return refuse(
                "form",
                format!(
                    "the amended form is a {} application, not {}, and steps were already taken as {}; cancel it and accept it again",
                    process.id(),
                    app.process.id(),
                    app.process.id()
                ),
            );
        }
        let at = self.now();
        check_dated_after(&app, &events, at)?;
        let before = app.decision.clone();
        let draft = EventDraft {
            app_id: app.id.clone(),
            at,
            actor: actor.to_string(),
            kind: EventKind::Amended {
                reason: reason.trim().to_string(),
                fields: fields.clone(),
            },
            note: None,
            record: None,
        };
        app.form = form;
        app.process = process;
        app.decision = decision;
        app.updated_at = at;
        let mut all = events;
        all.push(draft.clone());
        let deadline = deadline_for(&app, &all, &self.calendar())?;
        app.set_deadline(deadline);
        self.repo.commit(Change {
            applications: vec![app.clone()],
            events: vec![draft],
            settings: vec![],
        })?;
        Ok(Amendment {
            before,
            after: app.decision.clone(),
            fields,
            application: app,
        })
    }

    /// 辅助流程: apply a side-flow action (grid project, filing, cloud acceptance, joint
    /// application, appointment, transfer); the action with its details is the event's note.
    pub fn side_flow(
        &self,
        id: &AppId,
        action: SideFlowAction,
        at: Option<DateTime<FixedOffset>>,
        actor: &str,
    ) -> Result<Application, DeskError> {
        let _guard = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        let (app, events) = self.load(id)?;
        let (app, draft) = plan_side_flow(
            app,
            &events,
            action,
            at.unwrap_or_else(|| self.now()),
            actor,
        )?;
        self.repo.commit(Change {
            applications: vec![app.clone()],
            events: vec![draft],
            settings: vec![],
        })?;
        Ok(app)
    }

    /// 装表接电: move to `energized` and record whether it was done live-line (不停电接火),
    /// both in one change.
    pub fn energize(
        &self,
        id: &AppId,
        at: Option<DateTime<FixedOffset>>,
        note: Option<String>,
        live_line: bool,
        actor: &str,
    ) -> Result<Application, DeskError> {
        let _guard = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        let (app, mut events) = self.load(id)?;
        let at = at.unwrap_or_else(|| self.now());
        let (app, moved) =
            self.plan_advance(app, &events, State::Energized, Some(at), note, actor)?;
        events.push(moved.clone());
        let (app, record) = plan_side_flow(
            app,
            &events,
            SideFlowAction::RecordEnergizing { live_line },
            at,
            actor,
        )?;
        self.repo.commit(Change {
            applications: vec![app.clone()],
            events: vec![moved, record],
            settings: vec![],
        })?;
        Ok(app)
    }

    /// 指标: the dashboard's figures over every application, in one bounded pass.
    pub fn metrics(&self) -> Result<Metrics, DeskError> {
        let mut builder = MetricsBuilder::new();
        let mut failure = None;
        self.repo.scan(&mut |app| {
            let result = self
                .repo
                .events(&app.id)
                .map_err(DeskError::from)
                .and_then(|events| {
                    builder
                        .add(&app, &events, &self.calendar())
                        .map_err(DeskError::from)
                });
            match result {
                Ok(()) => true,
                Err(e) => {
                    failure = Some(e);
                    false
                }
            }
        })?;
        match failure {
            Some(e) => Err(e),
            None => Ok(builder.finish()),
        }
    }

    /// A free note on an application's timeline.
    pub fn note(&self, id: &AppId, text: &str, actor: &str) -> Result<Event, DeskError> {
        if text::is_blank(text) {
            return Err(DeskError::EmptyNote);
        }
        check_actor(actor)?;
        check_text("note", text, text::MAX_NOTE_CHARS, true)?;
        let _guard = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        let (mut app, events) = self.load(id)?;
        let at = self.now();
        check_dated_after(&app, &events, at)?;
        app.updated_at = at;
        let draft = EventDraft {
            app_id: app.id.clone(),
            at,
            actor: actor.to_string(),
            kind: EventKind::Noted,
            note: Some(text.trim().to_string()),
            record: None,
        };
        let mut chained = self.repo.commit(Change {
            applications: vec![app],
            events: vec![draft],
            settings: vec![],
        })?;
        Ok(chained.remove(0))
    }

    /// One application with its events and what may come next.
    pub fn show(&self, id: &AppId) -> Result<Dossier, DeskError> {
        let app = self
            .repo
            .get(id)?
            .ok_or_else(|| DeskError::NotFound(id.clone()))?;
        let events = self.repo.events(id)?;
        let next_states = workflow::next_states(app.process, app.status);
        let (timeline, timeline_error) =
            match timeline::timeline(&app, &events, &self.calendar(), self.today()) {
                Ok(t) => (Some(t), None),
                Err(e) => (None, Some(e.to_string())),
            };
        Ok(Dossier {
            application: app,
            events,
            next_states,
            timeline,
            timeline_error,
        })
    }

    /// A filtered page, served from the store's indexes.
    pub fn list(&self, query: &Query) -> Result<Page, DeskError> {
        Ok(self.repo.query(query)?)
    }

    /// Visit every application in id order (reports, export); the visitor returns false to stop.
    pub fn scan(&self, visit: &mut dyn FnMut(Application) -> bool) -> Result<(), DeskError> {
        Ok(self.repo.scan(visit)?)
    }

    /// Walk the audit chain.
    pub fn verify_audit(&self) -> Result<AuditReport, DeskError> {
        Ok(self.repo.verify_audit()?)
    }

    /// Write a consistent backup of the whole store to `out` (commits wait until it is written).
    pub fn backup(&self, out: &mut dyn std::io::Write) -> Result<BackupSummary, DeskError> {
        Ok(self.repo.backup(out)?)
    }

    pub fn setting(&self, key: &str) -> Result<Option<String>, DeskError> {
        Ok(self.repo.setting(key)?)
    }

    /// Set (or with None remove) a store setting, durably.
    pub fn set_setting(&self, key: &str, value: Option<String>) -> Result<(), DeskError> {
        if key.starts_with(crate::domain::office::record::KEY_PREFIX) {
            // Service records are written with their event (`records`), never as a bare setting.
            return Err(DeskError::Store(crate::domain::ports::StoreError::Corrupt(format!(
                "{key} is a service record: it is written only through its own command, with its event"
            ))));
        }
        self.repo.commit(Change {
            settings: vec![(key.to_string(), value)],
            ..Change::default()
        })?;
        Ok(())
    }

    fn load(&self, id: &AppId) -> Result<(Application, Vec<EventDraft>), DeskError> {
        let app = self
            .repo
            .get(id)?
            .ok_or_else(|| DeskError::NotFound(id.clone()))?;
        let events = self.repo.events(id)?.into_iter().map(|e| e.draft).collect();
        Ok((app, events))
    }

    /// The decision of the active bundle, or the voltage fallback when none is active.
    fn decide(
        &self,
        form: &ApplicationForm,
    ) -> Result<(ProcessClass, Option<Decision>), DeskError> {
        match self.decider() {
            Some(decider) => {
                let decision = decider.decide(form, china_date(form.received_at))?;
                Ok((decision.access.class.into(), Some(decision)))
            }
            None => Ok((fallback_process(form), None)),
        }
    }

    fn draft_application(
        &self,
        id: AppId,
        form: ApplicationForm,
        process: ProcessClass,
        decision: Option<Decision>,
    ) -> Application {
        let received = form.received_at;
        Application {
            id,
            form,
            status: State::Accepted,
            process,
            decision,
            deadline: None,
            deadline_provisional: false,
            missing_calendar_years: MissingYears::default(),
            side_flows: Default::default(),
            updated_at: received,
        }
    }
}

/// Process class without a policy bundle: 220V/380V low voltage, a 10 kV ordinary (not
/// important) customer of any capacity the two-step process, anything else standard high voltage.
pub fn fallback_process(form: &ApplicationForm) -> ProcessClass {
    match form.request.voltage {
        Voltage::V220 | Voltage::V380 => ProcessClass::LowVoltage,
        Voltage::Kv10 if !form.request.important => ProcessClass::HvOrdinary,
        _ => ProcessClass::HvStandard,
    }
}

fn accepted_draft(app: &Application, actor: &str) -> EventDraft {
    EventDraft {
        app_id: app.id.clone(),
        at: app.form.received_at,
        actor: actor.to_string(),
        kind: EventKind::Accepted,
        note: None,
        record: None,
    }
}

/// The application and event of a side-flow action, checked; nothing written.
pub(crate) fn plan_side_flow(
    mut app: Application,
    events: &[EventDraft],
    action: SideFlowAction,
    at: DateTime<FixedOffset>,
    actor: &str,
) -> Result<(Application, EventDraft), DeskError> {
    check_actor(actor)?;
    check_action_text(&action)?;
    check_dated_after(&app, events, at)?;
    let action =
        action
            .for_application(&app.form)
            .map_err(|source| DeskError::SideFlowRefused {
                id: app.id.clone(),
                source,
            })?;
    let flow = action.flow_id().to_string();
    let action_id = action.action_id().to_string();
    let details = serde_json::to_string(&action).expect("side-flow actions always serialize");
    app.side_flows
        .apply(action, at)
        .map_err(|source| DeskError::SideFlowRefused {
            id: app.id.clone(),
            source,
        })?;
    app.updated_at = at;
    let draft = EventDraft {
        app_id: app.id.clone(),
        at,
        actor: actor.to_string(),
        kind: EventKind::SideFlow {
            flow,
            action: action_id,
        },
        note: Some(details),
        record: None,
    };
    Ok((app, draft))
}

/// Refuse an actor that is blank, too long or holds a control character.
fn check_actor(actor: &str) -> Result<(), DeskError> {
    if text::is_blank(actor) {
        return Err(DeskError::Text(FieldError::new(
            "actor",
            "is empty; give who did it (--actor NAME)",
        )));
    }
    check_text("actor", actor, text::MAX_ACTOR_CHARS, false)
}

/// Refuse a text that may not be stored, naming `field`.
fn check_text(field: &str, value: &str, max: usize, multi_line: bool) -> Result<(), DeskError> {
    let checked = if multi_line {
        text::check_lines(value, max)
    } else {
        text::check_line(value, max)
    };
    checked.map_err(|message| DeskError::Text(FieldError::new(field, message)))
}

/// Every text of a side-flow action (a remark, a firm, a team member, a file name), named by
/// its path in the action (`form.builder`, `team.members[1]`).
fn check_action_text(action: &SideFlowAction) -> Result<(), DeskError> {
    fn walk(path: &str, value: &serde_json::Value) -> Result<(), DeskError> {
        match value {
            serde_json::Value::String(s) => check_text(path, s, text::MAX_NOTE_CHARS, true),
            serde_json::Value::Array(items) => items
                .iter()
                .enumerate()
                .try_for_each(|(i, v)| walk(&format!("{path}[{i}]"), v)),
            serde_json::Value::Object(fields) => fields.iter().try_for_each(|(k, v)| {
                walk(
                    &if path.is_empty() {
                        k.clone()
                    } else {
                        format!("{path}.{k}")
                    },
                    v,
                )
            }),
            _ => Ok(()),
        }
    }
    walk(
        "",
        &serde_json::to_value(action).expect("side-flow actions always serialize"),
    )
}

/// Refuse an event dated before acceptance or before the application's last event.
fn check_dated_after(
    app: &Application,
    events: &[EventDraft],
    at: DateTime<FixedOffset>,
) -> Result<(), DeskError> {
    let accepted = app.form.received_at;
    if at < accepted {
        return Err(DeskError::BeforeAcceptance {
            id: app.id.clone(),
            at,
            accepted,
        });
    }
    if let Some(last) = events.iter().map(|e| e.at).max() {
        if at < last {
            return Err(DeskError::BeforeLastEvent {
                id: app.id.clone(),
                at,
                last,
            });
        }
    }
    Ok(())
}

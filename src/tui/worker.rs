//! 后台工作线程: the thread that owns the [`Desk`] and the policy catalog. The console sends it
//! [`Request`]s; every answer comes back as an [`Action`]. Superseded listing and preview
//! requests are dropped, and a long scan stops as soon as a newer listing is asked for.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, Sender};
use std::sync::Arc;

use chrono::NaiveDate;

use crate::domain::calendar::WorkingCalendar;
use crate::domain::metrics::MetricsBuilder;
use crate::domain::ports::{Decider, Page, Query};
use crate::domain::sideflow::SideFlows;
use crate::domain::timeline::timeline;
use crate::domain::workflow::next_states;
use crate::domain::{AppId, Application, Decision};
use crate::service::Desk;

use super::action::{
    Action, BundleRow, DetailData, DiffSummary, ListRow, Metrics, Preview, Request, SideFlowRow,
    TimelineRow,
};
use super::app::fuzzy_score;
use super::search_hits::{sort_key, HitsBuilder, SearchHits};

/// What the Policies screen needs from the policy host; the binary wires the real one.
pub trait PolicyCatalog: Send + Sync {
    /// Every bundle found (under `policies/`), the active one marked.
    fn bundles(&self) -> Vec<BundleRow>;
    /// Load a bundle as a decider; a refused module is an error naming it.
    fn open(&self, dir: &str) -> Result<Arc<dyn Decider>, String>;
    /// Record `dir` as the active bundle (the desk already decides with it).
    fn activate(&self, desk: &Desk, dir: &str) -> Result<String, String>;
}

/// The handle the console keeps: requests go in, answers come back through the inbox.
pub struct Worker {
    tx: Sender<Request>,
    latest_list: Arc<AtomicU64>,
    /// Set by [`Worker::quit`]: whole-store scans stop.
    quitting: Arc<AtomicBool>,
    thread: std::thread::JoinHandle<()>,
}

/// What the worker opens before it serves: the desk, the policy catalog, a notice for the
/// status line (e.g. the active bundle could not be loaded), and what to run at exit.
pub struct Opened {
    pub desk: Arc<Desk>,
    pub catalog: Option<Arc<dyn PolicyCatalog>>,
    pub notice: Option<String>,
    pub close: Option<Closer>,
}

/// Opens the store (and loads the policy bundle) on the worker thread; an error ends the console.
/// It may answer the console before the store is open through its argument (the stored first
/// page, see `first_page`).
pub type Opener = Box<dyn FnOnce(&dyn Fn(Action)) -> Result<Opened, String> + Send>;

/// Run by the worker at exit, after the desk is dropped, with the answer to
/// [`super::first_page::query`] on the store as it is closed (None if it failed).
pub type Closer = Box<dyn FnOnce(Option<Page>) + Send>;

impl Worker {
    /// Start the worker thread over `desk`; answers go to `inbox`.
    pub fn spawn(
        desk: Arc<Desk>,
        catalog: Option<Arc<dyn PolicyCatalog>>,
        actor: String,
        inbox: Sender<Action>,
    ) -> Worker {
        let opened = Opened {
            desk,
            catalog,
            notice: None,
            close: None,
        };
        Self::start(Box::new(move |_| Ok(opened)), false, actor, inbox)
    }

    /// Start the worker thread and open the desk on it, so the console draws while the store
    /// opens. It answers [`Action::Opened`] (or [`Action::OpenFailed`], then stops) before any
    /// request; requests sent meanwhile wait in the queue.
    pub fn spawn_opening(open: Opener, actor: String, inbox: Sender<Action>) -> Worker {
        Self::start(open, true, actor, inbox)
    }

    fn start(open: Opener, announce: bool, actor: String, inbox: Sender<Action>) -> Worker {
        let (tx, rx) = std::sync::mpsc::channel();
        let latest_list = Arc::new(AtomicU64::new(0));
        let latest = latest_list.clone();
        let quitting = Arc::new(AtomicBool::new(false));
        let quit = quitting.clone();
        let thread = std::thread::Builder::new()
            .name("powerdesk-worker".into())
            .spawn(move || {
                let early = |a: Action| {
                    let _ = inbox.send(a);
                };
                let mut opened = match open(&early) {
                    Ok(o) => o,
                    Err(e) => {
                        let _ = inbox.send(Action::OpenFailed(e));
                        return;
                    }
                };
                // The console may be gone already; the store is still closed properly.
                let listening = !announce
                    || inbox
                        .send(Action::Opened {
                            notice: opened.notice.clone(),
                        })
                        .is_ok();
                let mut state = WorkerState {
                    desk: opened.desk,
                    catalog: opened.catalog,
                    actor,
                    inbox,
                    latest_list: latest,
                    quitting: quit,
                    search: None,
                    bundle_rows: None,
                };
                if listening {
                    state.serve(rx);
                }
                if let Some(close) = opened.close.take() {
                    let page = state.desk.list(&super::first_page::query()).ok();
                    drop(state);
                    close(page);
                }
            })
            .expect("spawning the worker thread");
        Worker {
            tx,
            latest_list,
            quitting,
            thread,
        }
    }

    /// The console quits: stop any whole-store scan (search, dashboard, diff), carry out what
    /// is queued (writes included), close the store and wait for it.
    pub fn quit(self) {
        self.quitting.store(true, Ordering::SeqCst);
        self.latest_list.store(u64::MAX, Ordering::SeqCst);
        self.join();
    }

    /// Wait for the worker to finish (after every outbox is dropped), so the desk and its store
    /// are closed when this returns.
    pub fn join(self) {
        drop(self.tx);
        let _ = self.thread.join();
    }

    /// The outbox for [`super::Session`]: records the newest listing generation, then sends.
    pub fn outbox(&self) -> Box<dyn FnMut(Request) + Send> {
        let tx = self.tx.clone();
        let latest = self.latest_list.clone();
        Box::new(move |r| {
            if let Request::List { generation, .. } = &r {
                latest.fetch_max(*generation, Ordering::SeqCst);
            }
            let _ = tx.send(r);
        })
    }
}

/// The ids matching a fuzzy search, best first; kept while the search and filters stay the same.
struct SearchCache {
    key: (String, Query),
    hits: SearchHits,
}

struct WorkerState {
    desk: Arc<Desk>,
    catalog: Option<Arc<dyn PolicyCatalog>>,
    actor: String,
    inbox: Sender<Action>,
    latest_list: Arc<AtomicU64>,
    quitting: Arc<AtomicBool>,
    search: Option<SearchCache>,
    /// The bundles as last listed (rule texts for previews come from here).
    bundle_rows: Option<Vec<BundleRow>>,
}

/// Working days left from `today` to `deadline` (negative when past).
pub fn remaining_working_days(
    calendar: &WorkingCalendar,
    today: NaiveDate,
    deadline: NaiveDate,
) -> Option<i64> {
    if deadline >= today {
        Some(i64::from(
            calendar.working_days_between(today, deadline).value,
        ))
    } else {
        let n = calendar.working_days_between(deadline, today).value;
        Some(-i64::from(n.max(1)))
    }
}

impl WorkerState {
    fn serve(&mut self, rx: Receiver<Request>) {
        let mut queue: VecDeque<Request> = VecDeque::new();
        loop {
            if queue.is_empty() {
                match rx.recv() {
                    Ok(r) => queue.push_back(r),
                    Err(_) => return,
                }
            }
            while let Ok(r) = rx.try_recv() {
                queue.push_back(r);
            }
            let Some(r) = queue.pop_front() else { continue };
            // A listing or preview with a newer one queued behind it is answered as superseded.
            let superseded = match &r {
                Request::List { .. } => queue.iter().any(|q| matches!(q, Request::List { .. })),
                Request::Preview { .. } => {
                    queue.iter().any(|q| matches!(q, Request::Preview { .. }))
                }
                _ => false,
            };
            let answer = if superseded {
                match r {
                    Request::List { generation, .. } => Action::ListLoaded {
                        generation: generation.wrapping_sub(u64::MAX / 2),
                        offset: 0,
                        rows: Vec::new(),
                        total: 0,
                    },
                    _ => Action::PreviewReady {
                        generation: u64::MAX,
                        result: Err(String::new()),
                    },
                }
            } else {
                self.handle(r)
            };
            if self.inbox.send(answer).is_err() {
                return;
            }
        }
    }

    fn progress(&self, label: &str, done: u64, total: u64) {
        let _ = self.inbox.send(Action::Progress {
            label: label.to_string(),
            done,
            total,
        });
    }

    fn handle(&mut self, r: Request) -> Action {
        match r {
            Request::List {
                generation,
                query,
                fuzzy,
                today,
            } => match self.list(generation, query, fuzzy, today) {
                Ok(Some((offset, rows, total))) => Action::ListLoaded {
                    generation,
                    offset,
                    rows,
                    total,
                },
                // Stopped for a newer listing: answer with a generation nobody waits for.
                Ok(None) => Action::ListLoaded {
                    generation: generation.wrapping_sub(u64::MAX / 2),
                    offset: 0,
                    rows: Vec::new(),
                    total: 0,
                },
                Err(e) => Action::Failed(e),
            },
            Request::Detail { id, today } => match self.detail(&id, today) {
                Ok(d) => Action::DetailLoaded(Box::new(d)),
                Err(e) => Action::Failed(e),
            },
            Request::Preview { generation, form } => Action::PreviewReady {
                generation,
                result: self.preview(&form).map(Box::new),
            },
            Request::Submit { form } => Action::Submitted(
                self.desk
                    .submit(*form, &self.actor)
                    .map(Box::new)
                    .map_err(|e| e.to_string()),
            ),
            Request::Advance { id, to, note } => {
                let result = self
                    .desk
                    .advance(&id, to, None, note, &self.actor)
                    .map(|a| format!("{} -> {}", a.id, a.status.id()))
                    .map_err(|e| e.to_string());
                Action::Written { id, result }
            }
            Request::Cancel { id, reason } => {
                let result = self
                    .desk
                    .cancel(&id, &reason, &self.actor)
                    .map(|a| format!("{} -> {}", a.id, a.status.id()))
                    .map_err(|e| e.to_string());
                Action::Written { id, result }
            }
            Request::Note { id, note } => {
                let result = self
                    .desk
                    .note(&id, &note, &self.actor)
                    .map(|e| format!("{}: #{}", e.draft.app_id, e.seq))
                    .map_err(|e| e.to_string());
                Action::Written { id, result }
            }
            Request::Energize { id, live_line } => {
                let result = self
                    .desk
                    .energize(&id, None, None, live_line, &self.actor)
                    .map(|a| format!("{} -> {}", a.id, a.status.id()))
                    .map_err(|e| e.to_string());
                Action::Written { id, result }
            }
            Request::Print { id, kind, dir } => {
                let result = self.print(&id, kind, &dir);
                Action::Written { id, result }
            }
            Request::SideFlow { id, action } => {
                let what = format!("{}/{}", action.flow_id(), action.action_id());
                let result = self
                    .desk
                    .side_flow(&id, *action, None, &self.actor)
                    .map(|a| format!("{}: {what}", a.id))
                    .map_err(|e| e.to_string());
                Action::Written { id, result }
            }
            Request::Metrics { today } => match self.metrics(today) {
                Ok(m) => Action::MetricsReady(Box::new(m)),
                Err(e) => Action::Failed(e),
            },
            Request::Due { limit } => match self.desk.due(limit) {
                Ok(v) => Action::DueReady(Box::new(v)),
                Err(e) => Action::Failed(e.to_string()),
            },
            Request::Policies => {
                let rows = self.bundles();
                self.bundle_rows = Some(rows.clone());
                Action::PoliciesLoaded(rows)
            }
            Request::PolicyDiff { dir } => Action::DiffReady(self.diff(&dir)),
            Request::PolicyActivate { dir } => Action::Activated(self.activate(&dir)),
        }
    }

    fn rows(&self, apps: Vec<Application>, today: NaiveDate) -> Vec<ListRow> {
        let cal = &self.desk.calendar();
        apps.into_iter()
            .map(|app| {
                let remaining_wd = app
                    .deadline
                    .and_then(|d| remaining_working_days(cal, today, d));
                ListRow { app, remaining_wd }
            })
            .collect()
    }

    /// A page of the listing: from the store's indexes, or from the fuzzy-search cache.
    #[allow(clippy::type_complexity)]
    fn list(
        &mut self,
        generation: u64,
        query: Query,
        fuzzy: Option<String>,
        today: NaiveDate,
    ) -> Result<Option<(usize, Vec<ListRow>, u64)>, String> {
        let Some(needle) = fuzzy else {
            // The search was cleared: its ids (up to the whole store) are not kept.
            self.search = None;
            let page = self.desk.list(&query).map_err(|e| e.to_string())?;
            let offset = query.offset;
            return Ok(Some((offset, self.rows(page.items, today), page.total)));
        };
        let key = (
            needle.clone(),
            Query {
                offset: 0,
                limit: 0,
                ..query.clone()
            },
        );
        if self.search.as_ref().map(|s| &s.key) != Some(&key) {
            // The previous search's matches go before this one's are collected.
            self.search = None;
            let Some(hits) = self.search_hits(generation, &needle, &query)? else {
                return Ok(None);
            };
            self.search = Some(SearchCache { key, hits });
        }
        let hits = &self.search.as_ref().expect("cache just filled").hits;
        let total = hits.len() as u64;
        let mut apps = Vec::new();
        for id in hits.page(query.offset, query.limit) {
            if let Some(app) = self.desk.repository().get(&id).map_err(|e| e.to_string())? {
                apps.push(app);
            }
        }
        Ok(Some((query.offset, self.rows(apps, today), total)))
    }

    /// Scan every application for a fuzzy match on name, ID number or address, with the
    /// listing's filters; None when a newer listing was asked for meanwhile.
    fn search_hits(
        &self,
        generation: u64,
        needle: &str,
        q: &Query,
    ) -> Result<Option<SearchHits>, String> {
        let mut hits = HitsBuilder::new();
        let mut full = Ok(());
        let mut seen = 0u64;
        let mut stopped = false;
        let label = format!("/{needle}");
        self.desk
            .scan(&mut |app| {
                seen += 1;
                if seen % 20_000 == 0 {
                    if self.latest_list.load(Ordering::SeqCst) != generation {
                        stopped = true;
                        return false;
                    }
                    self.progress(&label, seen, 0);
                }
                if q.status.is_some_and(|s| s != app.status)
                    || q.process.is_some_and(|p| p != app.process)
                    || q.class.is_some_and(|c| c != app.form.customer.class)
                    || q.county
                        .as_ref()
                        .is_some_and(|c| *c != app.form.site.county)
                    || q.overdue_on.is_some_and(|d| {
                        app.status.is_terminal() || app.deadline.is_none_or(|dl| dl >= d)
                    })
                {
                    return true;
                }
                let f = &app.form;
                let score = [
                    fuzzy_score(needle, &f.customer.name),
                    fuzzy_score(needle, &f.customer.id_number),
                    fuzzy_score(needle, &f.site.address),
                    fuzzy_score(needle, &app.id.0),
                ]
                .into_iter()
                .flatten()
                .max();
                if let Some(s) = score {
                    full = hits.push(&app.id.0, sort_key(q.sort, s, app.deadline));
                }
                full.is_ok()
            })
            .map_err(|e| e.to_string())?;
        full?;
        if stopped {
            return Ok(None);
        }
        Ok(Some(hits.finish()))
    }

    fn detail(&self, id: &AppId, today: NaiveDate) -> Result<DetailData, String> {
        let dossier = self.desk.show(id).map_err(|e| e.to_string())?;
        let app = dossier.application;
        let cal = &self.desk.calendar();
        let mut data = DetailData {
            timeline: Vec::new(),
            next_states: next_states(app.process, app.status),
            pending: None,
            grid_total: None,
            timeline_error: None,
            side_flows: side_flow_rows(&app.side_flows, app.status.is_terminal()),
            grid_wd_used: None,
            customer_wd_used: None,
            remaining_wd: app
                .deadline
                .and_then(|d| remaining_working_days(cal, today, d)),
            app,
        };
        match timeline(&data.app, &dossier.events, cal, today) {
            Ok(t) => {
                data.timeline = t
                    .entries
                    .iter()
                    .map(|e| TimelineRow {
                        at: e.at,
                        actor: e.actor.clone(),
                        what: e.label.clone(),
                        moved_to: e.moved.then_some(e.state),
                        note: e.note.clone(),
                        deadline: e.step.as_ref().map(|s| s.deadline),
                        late: e.step.as_ref().is_some_and(|s| !s.on_time),
                        deadline_provisional: e
                            .step
                            .as_ref()
                            .is_some_and(|s| s.deadline_provisional),
                        grid_wd: e.moved.then_some(e.grid_working_days),
                        customer_wd: e.moved.then_some(e.customer_working_days),
                    })
                    .collect();
                data.grid_wd_used = Some(t.grid_working_days);
                data.customer_wd_used = Some(t.customer_working_days);
                data.grid_total = t
                    .grid_total_limit_working_days
                    .zip(t.grid_total_remaining_working_days);
                if let Some(p) = &t.pending {
                    data.remaining_wd = Some(p.remaining_working_days);
                }
                data.pending = t.pending;
                data.next_states = t.next;
            }
            Err(e) => {
                data.timeline_error = Some(e.to_string());
                data.timeline = dossier
                    .events
                    .iter()
                    .map(|e| TimelineRow {
                        at: e.draft.at,
                        actor: e.draft.actor.clone(),
                        what: format!("{:?}", e.draft.kind),
                        moved_to: None,
                        note: e.draft.note.clone(),
                        deadline: None,
                        late: false,
                        deadline_provisional: false,
                        grid_wd: None,
                        customer_wd: None,
                    })
                    .collect();
            }
        }
        Ok(data)
    }

    fn preview(&mut self, form: &crate::domain::ApplicationForm) -> Result<Preview, String> {
        let p = self.desk.preview(form).map_err(|e| e.to_string())?;
        let cal = &self.desk.calendar();
        let received = crate::domain::calendar::china_date(form.received_at);
        let step_dates = p
            .decision
            .iter()
            .flat_map(|d| d.steps.iter())
            .map(|s| {
                let date = (s.from == "accepted")
                    .then(|| cal.add_working_days(received, s.limit_working_days));
                (s.id.clone(), date)
            })
            .collect();
        let rule_texts = self.rule_texts(p.decision.as_ref());
        Ok(Preview {
            process: p.process,
            decision: p.decision,
            deadline: p.deadline,
            deadline_missing: p.missing_calendar_years,
            step_dates,
            rule_texts,
        })
    }

    fn rule_texts(&mut self, decision: Option<&Decision>) -> Vec<(String, String)> {
        let Some(d) = decision else {
            return Vec::new();
        };
        if self.bundle_rows.is_none() {
            self.bundle_rows = Some(self.bundles());
        }
        self.bundle_rows
            .iter()
            .flatten()
            .find(|b| b.digest == d.bundle.digest)
            .map(|b| b.rules.clone())
            .unwrap_or_default()
    }

    fn metrics(&self, today: NaiveDate) -> Result<Metrics, String> {
        let cal = &self.desk.calendar();
        let repo = self.desk.repository().clone();
        let mut builder = MetricsBuilder::new();
        let mut overdue: Vec<(AppId, String, i64)> = Vec::new();
        let mut overdue_total = 0u64;
        let (mut skipped, mut first_skip) = (0u64, None);
        let mut seen = 0u64;
        let mut failure = None;
        self.desk
            .scan(&mut |app| {
                seen += 1;
                if seen % 10_000 == 0 {
                    if self.quitting.load(Ordering::SeqCst) {
                        failure = Some("stopped: the console quit".into());
                        return false;
                    }
                    self.progress("metrics", seen, 0);
                }
                let events = match repo.events(&app.id) {
                    Ok(e) => e,
                    Err(e) => {
                        failure = Some(e.to_string());
                        return false;
                    }
                };
                if let Err(e) = builder.add(&app, &events, cal) {
                    skipped += 1;
                    first_skip.get_or_insert_with(|| format!("{}: {e}", app.id));
                }
                if let Some(d) = app.deadline.filter(|d| *d < today) {
                    if !app.status.is_terminal() {
                        overdue_total += 1;
                        let past = remaining_working_days(cal, today, d).unwrap_or(-1).abs();
                        overdue.push((app.id.clone(), app.form.customer.name.clone(), past));
                        if overdue.len() > 400 {
                            overdue.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| a.0.cmp(&b.0)));
                            overdue.truncate(200);
                        }
                    }
                }
                true
            })
            .map_err(|e| e.to_string())?;
        if let Some(e) = failure {
            return Err(e);
        }
        overdue.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| a.0.cmp(&b.0)));
        overdue.truncate(200);
        Ok(Metrics {
            figures: builder.finish(),
            overdue,
            overdue_total,
            skipped,
            first_skip,
        })
    }

    fn bundles(&self) -> Vec<BundleRow> {
        match &self.catalog {
            Some(c) => c.bundles(),
            None => Vec::new(),
        }
    }

    /// Write a paper of `id` into `dir` as `ID-KIND.pdf` (or `.html` without a Chinese font,
    /// saying why); the message names the file.
    fn print(
        &self,
        id: &AppId,
        kind: crate::domain::papers::PaperKind,
        dir: &std::path::Path,
    ) -> Result<String, String> {
        use crate::papers::{write, Format, RenderError};
        let paper = self.desk.paper(kind, Some(id)).map_err(|e| e.to_string())?;
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let to = |ext: &str| dir.join(format!("{}-{}.{ext}", id.0, kind.id()));
        let (path, note) = match write(&paper, Format::Pdf, &to("pdf")) {
            Ok(_) => (to("pdf"), String::new()),
            Err(RenderError::Font(e)) => {
                write(&paper, Format::Html, &to("html")).map_err(|e| e.to_string())?;
                (to("html"), format!(" ({e})"))
            }
            Err(e) => return Err(e.to_string()),
        };
        Ok(format!("{}: {}{note}", paper.title, path.display()))
    }

    /// What switching to `dir` would change: every stored application decided again by it and
    /// compared, by `policy::diff` as `policy diff` compares, with the active bundle's decision
    /// (or, with none active, with the stored decision). The summary comes first: counts per
    /// aspect and per rule, then examples.
    fn diff(&self, dir: &str) -> Result<DiffSummary, String> {
        use crate::policy::diff::{diff_against, Baseline, DiffOptions, ASPECTS};
        let catalog = self
            .catalog
            .as_ref()
            .ok_or("no policy bundles are configured")?;
        let decider = catalog.open(dir)?;
        let active = self.desk.decider();
        let baseline = match &active {
            Some(a) => Baseline::Bundle(a.as_ref()),
            None => Baseline::Stored,
        };
        let progress = |done: u64| {
            self.progress("diff", done, 0);
            !self.quitting.load(Ordering::SeqCst)
        };
        let opts = DiffOptions {
            workers: 1,
            rows: false,
            progress: Some(&progress),
        };
        let repo = self.desk.repository();
        let (r, _) = diff_against(repo.as_ref(), baseline, decider.as_ref(), &opts).map_err(
            |e| match e {
                crate::policy::diff::DiffError::Stopped(_) => "stopped: the console quit".into(),
                e => e.to_string(),
            },
        )?;
        let mut lines = Vec::new();
        for name in ASPECTS {
            if let Some(a) = r.aspects.get(name) {
                lines.push(format!("{name}: {}", a.count));
            }
        }
        for (id, c) in &r.rules {
            lines.push(format!("{id}: -{} +{}", c.dropped, c.added));
        }
        if r.new_not_in_force > 0 {
            let day = decider
                .effective()
                .map_or_else(String::new, |d| format!(" ({d})"));
            lines.push(format!(
                "{}: received before {dir} took effect{day}, not decidable by it",
                r.new_not_in_force
            ));
        }
        if r.old_undecided > 0 {
            lines.push(format!("{}: no decision stored", r.old_undecided));
        }
        if r.old_errors + r.new_errors > 0 {
            lines.push(format!(
                "refused: {} now, {} under {dir}",
                r.old_errors, r.new_errors
            ));
        }
        for name in ASPECTS {
            for e in r.aspects.get(name).map_or(&[][..], |a| &a.examples) {
                if lines.len() < 30 {
                    lines.push(format!("{}: {name} {} -> {}", e.id, e.old, e.new));
                }
            }
        }
        for (id, e) in &r.error_examples {
            if lines.len() < 30 {
                lines.push(format!("{id}: {e}"));
            }
        }
        Ok(DiffSummary {
            to_dir: dir.to_string(),
            checked: r.applications,
            changed: r.changed,
            lines,
        })
    }

    fn activate(&self, dir: &str) -> Result<String, String> {
        let catalog = self
            .catalog
            .as_ref()
            .ok_or("no policy bundles are configured")?;
        let decider = catalog.open(dir)?;
        let previous = self.desk.decider();
        self.desk.set_decider(Some(decider));
        let activated = catalog.activate(&self.desk, dir).inspect_err(|_| {
            // Keep the last good bundle when recording the switch fails.
            self.desk.set_decider(previous.clone());
        })?;
        // Open deadlines follow the new bundle's calendar (e.g. a year file it adds).
        let sync = self.desk.sync_calendar().map_err(|e| e.to_string())?;
        Ok(if sync.updated > 0 {
            // The worker has no language: the operator reads both.
            format!(
                "{activated}; 已重算 {n} 个时限 / {n} deadlines recounted",
                n = sync.updated
            )
        } else {
            activated
        })
    }
}

/// The side flows of an application with their states and the actions legal now.
pub fn side_flow_rows(flows: &SideFlows, closed: bool) -> Vec<SideFlowRow> {
    let status = |v: serde_json::Value| -> String {
        v.get("status")
            .and_then(|s| s.as_str().map(str::to_string))
            .unwrap_or_else(|| "started".into())
    };
    let state = |flow: &str| -> Option<String> {
        let v = match flow {
            "grid_project" => flows.grid_project.as_ref().map(|g| {
                match (g.started, g.completed) {
                    (None, _) => "contract_signed",
                    (Some(_), None) => "started",
                    _ => "completed",
                }
                .to_string()
            }),
            "filing" => flows
                .filing
                .as_ref()
                .map(|f| status(serde_json::to_value(f).unwrap_or_default())),
            "cloud_acceptance" => flows
                .cloud_acceptance
                .as_ref()
                .map(|f| status(serde_json::to_value(f).unwrap_or_default())),
            "joint" => flows.joint.as_ref().map(|_| "applied".to_string()),
            "appointment" => flows
                .appointment
                .as_ref()
                .map(|f| status(serde_json::to_value(f).unwrap_or_default())),
            "transfer" => flows
                .transfer
                .as_ref()
                .map(|f| status(serde_json::to_value(f).unwrap_or_default())),
            _ => None,
        };
        v
    };
    [
        "grid_project",
        "filing",
        "cloud_acceptance",
        "joint",
        "appointment",
        "transfer",
    ]
    .iter()
    .map(|flow| SideFlowRow {
        flow: flow.to_string(),
        state: state(flow).unwrap_or_else(|| "-".into()),
        actions: if closed {
            Vec::new()
        } else {
            flows.legal_actions(flow)
        },
    })
    .collect()
}

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
use crate::domain::ports::{Decider, Page, Query, SortBy};
use crate::domain::sideflow::SideFlows;
use crate::domain::timeline::timeline;
use crate::domain::workflow::next_states;
use crate::domain::{AppId, Application, Decision};
use crate::service::{Desk, CONSOLE_LIMIT};

use super::action::{
    Action, BundleRow, DetailData, DiffSummary, ListRow, Metrics, Preview, Request, ServiceAct,
    ServicesData, SideFlowRow, TimelineRow,
};
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

/// The ids matching a search, in listing order; kept while the search and filters stay the same.
struct SearchCache {
    key: (String, Query),
    hits: SearchHits,
    /// More applications may match than the hits kept.
    more: bool,
}

/// A page of the listing as the worker answers it.
struct Listed {
    offset: usize,
    rows: Vec<ListRow>,
    total: u64,
    more: bool,
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
                        more: false,
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
                Ok(Some(Listed {
                    offset,
                    rows,
                    total,
                    more,
                })) => Action::ListLoaded {
                    generation,
                    offset,
                    rows,
                    total,
                    more,
                },
                // Stopped for a newer listing: answer with a generation nobody waits for.
                Ok(None) => Action::ListLoaded {
                    generation: generation.wrapping_sub(u64::MAX / 2),
                    offset: 0,
                    rows: Vec::new(),
                    total: 0,
                    more: false,
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
            Request::Services => Action::ServicesLoaded(self.services().map(Box::new)),
            Request::Report {
                period,
                by,
                dir,
                zh,
            } => Action::Saved(self.report(period, by, &dir, zh)),
            Request::ServiceAct(act) => Action::ServiceWritten(self.service_act(act)),
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

    /// A page of the listing: from the store's indexes, or from the search's hits (kept while
    /// the search and filters stay the same, so paging through them reads only the page).
    fn list(
        &mut self,
        generation: u64,
        query: Query,
        fuzzy: Option<String>,
        today: NaiveDate,
    ) -> Result<Option<Listed>, String> {
        let Some(needle) = fuzzy else {
            self.search = None;
            let page = self.desk.list(&query).map_err(|e| e.to_string())?;
            return Ok(Some(Listed {
                offset: query.offset,
                rows: self.rows(page.items, today),
                total: page.total,
                more: false,
            }));
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
            self.search = None;
            if self.latest_list.load(Ordering::SeqCst) != generation {
                return Ok(None);
            }
            let (hits, more) = self.search_hits(&needle, &query)?;
            self.search = Some(SearchCache { key, hits, more });
        }
        let search = self.search.as_ref().expect("cache just filled");
        let mut apps = Vec::new();
        for id in search.hits.page(query.offset, query.limit) {
            if let Some(app) = self.desk.repository().get(&id).map_err(|e| e.to_string())? {
                apps.push(app);
            }
        }
        Ok(Some(Listed {
            offset: query.offset,
            rows: self.rows(apps, today),
            total: search.hits.len() as u64,
            more: search.more,
        }))
    }

    /// The search's hits through the desk (the store's search index), with the listing's
    /// filters: best first, or by deadline when the listing is sorted so.
    fn search_hits(&self, needle: &str, q: &Query) -> Result<(SearchHits, bool), String> {
        let found = self
            .desk
            .search_ids(needle, q, CONSOLE_LIMIT)
            .map_err(|e| e.to_string())?;
        let mut hits = HitsBuilder::new();
        for (rank, (id, _)) in found.hits.iter().enumerate() {
            let key = match q.sort {
                SortBy::Id => rank as u32,
                SortBy::Deadline => {
                    let app = self.desk.repository().get(id).map_err(|e| e.to_string())?;
                    sort_key(SortBy::Deadline, 0, app.and_then(|a| a.deadline))
                }
            };
            hits.push(&id.0, key)?;
        }
        Ok((hits.finish(), !found.complete))
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
            services: self.desk.app_services(&app.id).ok(),
            offer: Some(crate::domain::office::teams::ServiceOffer::for_class(
                app.form.customer.class,
            )),
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
        // The service figures' count of eligible enterprises, folded in the same pass.
        let mut services = crate::service::records::ServiceScan::default();
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
                services.add(&app);
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
        let (services, services_error) = match self.desk.service_metrics_with(services) {
            Ok(m) => (Some(m), None),
            Err(e) => (None, Some(e.to_string())),
        };
        Ok(Metrics {
            figures: builder.finish(),
            overdue,
            overdue_total,
            skipped,
            first_skip,
            services,
            services_error,
        })
    }

    /// Every service record the Services screen lists, with the figures.
    fn services(&self) -> Result<ServicesData, String> {
        let d = &self.desk;
        let e = |e: crate::service::DeskError| e.to_string();
        Ok(ServicesData {
            figures: d.service_metrics().map_err(e)?,
            campaigns: d.campaigns().map_err(e)?,
            hazards: d.hazards().map_err(e)?,
            efficiency: d.efficiency_records().map_err(e)?,
            firms: d.firms().map_err(e)?,
            disclosure: d.disclosure_status().map_err(e)?,
            disclosures: d.disclosures().map_err(e)?,
            fees: d.fees().map_err(e)?,
            fee_standards: d.fee_standards().map_err(e)?,
        })
    }

    /// A write from the Services screen: what was done, or why not, in both languages.
    fn service_act(&self, act: ServiceAct) -> Result<(String, String), (String, String)> {
        use crate::domain::office::record::action_label_zh;
        let today = self.desk.today();
        let both = |e: crate::service::DeskError| match e {
            crate::service::DeskError::Record(r) => (
                format!("{}: {}", r.field, r.zh),
                format!("{}: {}", r.field, r.en),
            ),
            other => (other.to_string(), other.to_string()),
        };
        match act {
            ServiceAct::HazardStep { id, step } => {
                let h = self
                    .desk
                    .hazard_step(&id, step, today, &self.actor)
                    .map_err(both)?;
                let action = h.history.last().map_or("", |e| e.action.as_str());
                Ok((
                    format!("{id}: {}", action_label_zh(action)),
                    format!("{id}: {action}"),
                ))
            }
            ServiceAct::HazardRectify { id } => {
                self.desk
                    .hazard_rectify(&id, today, &self.actor)
                    .map_err(both)?;
                Ok((format!("{id}: 整改完毕"), format!("{id}: rectified")))
            }
            ServiceAct::CampaignOpen {
                name,
                county,
                from,
                to,
            } => {
                let c = self
                    .desk
                    .campaign_open(
                        crate::service::records::CampaignOpening {
                            name,
                            county,
                            starts_on: from,
                            ends_on: to,
                            major_rectify_working_days: 5,
                            general_rectify_working_days: 20,
                            customers: None,
                        },
                        &self.actor,
                    )
                    .map_err(both)?;
                let n = c.body.customers.len();
                Ok((
                    format!("专项行动 {} 已开始（{n} 户）", c.id),
                    format!("campaign {} opened ({n} customers)", c.id),
                ))
            }
            ServiceAct::SiteVisit {
                campaign,
                customer,
                on,
            } => {
                self.desk
                    .campaign_visit(&campaign, &customer, on, "", &self.actor)
                    .map_err(both)?;
                Ok((
                    format!("{campaign}: 已走访 {customer}"),
                    format!("{campaign}: {customer} visited"),
                ))
            }
            ServiceAct::HazardOpen {
                campaign,
                customer,
                class,
                description,
                on,
            } => {
                let h = self
                    .desk
                    .hazard_open(&campaign, &customer, class, &description, on, &self.actor)
                    .map_err(both)?;
                Ok((
                    format!("隐患 {} 已登记，整改期限 {}", h.id, h.body.deadline),
                    format!(
                        "hazard {} recorded, to rectify by {}",
                        h.id, h.body.deadline
                    ),
                ))
            }
            ServiceAct::EfficiencyPlan {
                app,
                person,
                every,
                services,
                from,
            } => {
                self.desk
                    .efficiency_plan(&app, &person, every, services, from, &self.actor)
                    .map_err(both)?;
                Ok((
                    format!("{app}: 能效服务计划已制定"),
                    format!("{app}: efficiency plan made"),
                ))
            }
            ServiceAct::EfficiencyDeliver {
                app,
                service,
                advice,
                summary,
                on,
            } => {
                let r = self
                    .desk
                    .efficiency_deliver(&app, service, on, advice, &summary, &self.actor)
                    .map_err(both)?;
                Ok((
                    format!(
                        "{app}: {} 已记录，下次 {}",
                        service.label_zh(),
                        r.body.next_due
                    ),
                    format!("{app}: service recorded, next due {}", r.body.next_due),
                ))
            }
            ServiceAct::FirmAdd(firm) => {
                let f = self.desk.firm_list(firm, &self.actor).map_err(both)?;
                Ok((
                    format!("{} 已列入名录", f.body.name),
                    format!("{} listed", f.body.name),
                ))
            }
            ServiceAct::CapacitySet(capacity) => {
                let c = self
                    .desk
                    .capacity_set(capacity, &self.actor)
                    .map_err(both)?;
                Ok((
                    format!("{} 接入能力已更新", c.id),
                    format!("{}: capacity updated", c.id),
                ))
            }
            ServiceAct::FeeStandard(standard) => {
                let f = self
                    .desk
                    .fee_standard_set(standard, &self.actor)
                    .map_err(both)?;
                Ok((
                    format!("收费标准 {} 已更新", f.id),
                    format!("fee standard {} set", f.id),
                ))
            }
            ServiceAct::FeeCharge {
                app,
                item,
                yuan,
                connection,
                basis,
            } => {
                self.desk
                    .fee_charge(&app, &item, yuan, connection, &basis, &self.actor)
                    .map_err(both)?;
                Ok((
                    format!("{app}: 收费 {item} {yuan:.2} 元已记录"),
                    format!("{app}: fee {item} {yuan:.2} recorded"),
                ))
            }
            ServiceAct::TeamForm {
                app,
                manager,
                specialists,
                on,
            } => {
                let t = self
                    .desk
                    .team_form(&app, &manager, specialists, on, &self.actor)
                    .map_err(both)?;
                let n = t.body.specialists.len();
                Ok((
                    format!("{app}: 1+{n} 服务团队已组建"),
                    format!("{app}: 1+{n} team formed"),
                ))
            }
            ServiceAct::VisitBook {
                app,
                visitor,
                on,
                note,
            } => {
                self.desk
                    .visit_book(&app, &visitor, on, &note, &self.actor)
                    .map_err(both)?;
                Ok((
                    format!("{app}: 已预约 {on} 上门"),
                    format!("{app}: visit booked for {on}"),
                ))
            }
            ServiceAct::FirmChoose {
                app,
                role,
                firm,
                note,
            } => {
                self.desk
                    .firm_choose(
                        &app,
                        role,
                        &firm,
                        crate::domain::office::firms::ChosenBy::Customer,
                        &note,
                        &self.actor,
                    )
                    .map_err(both)?;
                Ok((
                    format!("{app}: 客户自选{} {firm} 已记录", role.label_zh()),
                    format!("{app}: the customer's {} {firm} recorded", role.label_en()),
                ))
            }
            ServiceAct::PublishDisclosure => {
                let v = self
                    .desk
                    .disclosure_publish(&self.actor, false)
                    .map_err(both)?;
                Ok((
                    format!("信息公开第 {} 版已发布 {}", v.body.version, v.body.digest),
                    format!(
                        "disclosure version {} published {}",
                        v.body.version, v.body.digest
                    ),
                ))
            }
        }
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

    /// Write the report of `period` into `dir` as XLSX; the file's path.
    fn report(
        &self,
        period: crate::domain::report::Period,
        by: crate::domain::report::GroupBy,
        dir: &std::path::Path,
        zh: bool,
    ) -> Result<String, String> {
        use crate::papers::report::{write, ReportFormat};
        let (report, skipped, _) = self.desk.report(period, by).map_err(|e| e.to_string())?;
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let to = dir.join(format!(
            "report-{}-{}-{}.xlsx",
            period.from,
            period.to,
            by.id()
        ));
        write(&report, ReportFormat::Xlsx, zh, &to).map_err(|e| e.to_string())?;
        let left_out = if skipped > 0 {
            format!(" ({skipped} left out / 未计入)")
        } else {
            String::new()
        };
        Ok(format!(
            "{} ({}){left_out}",
            to.display(),
            report.total.applications
        ))
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
        // An office that publishes its disclosure gets the new bundle's version published.
        let published = match self.desk.disclosures() {
            Ok(v) if !v.is_empty() => self
                .desk
                .disclosure_refresh(&self.actor)
                .map_err(|e| e.to_string())?,
            _ => None,
        };
        let activated = match published {
            Some(d) => format!(
                "{activated}; 信息公开第 {v} 版已发布 / disclosure version {v} published",
                v = d.body.version
            ),
            None => activated,
        };
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

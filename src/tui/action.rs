//! 动作: everything that can change the console's state (keys, commands, the worker's answers),
//! and the effects that `update` asks the run loop to carry out.

use chrono::{DateTime, FixedOffset, NaiveDate};
use crossterm::event::KeyEvent;

use crate::domain::calendar::{Counted, MissingYears};
use crate::domain::ports::Query;
use crate::domain::timeline::Pending;
use crate::domain::{AppId, Application, ApplicationForm, Decision, ProcessClass, State};

use super::keymap::Command;
use crate::domain::office::record::Stored;

/// One row of the applications table, with its remaining working days computed off the UI thread.
#[derive(Debug, Clone, PartialEq)]
pub struct ListRow {
    pub app: Application,
    /// Working days from today to the grid deadline (negative when past); None without a deadline.
    pub remaining_wd: Option<i64>,
}

/// One step of the parcel-tracking timeline (物流式查询).
#[derive(Debug, Clone, PartialEq)]
pub struct TimelineRow {
    pub at: DateTime<FixedOffset>,
    pub actor: String,
    /// What happened, in Chinese (the domain's label).
    pub what: String,
    /// The state entered, when the event moved the workflow (labels it in English).
    pub moved_to: Option<State>,
    pub note: Option<String>,
    /// The grid deadline that applied to this step, if any.
    pub deadline: Option<NaiveDate>,
    /// The step was done after that deadline (drawn in the alarm colour).
    pub late: bool,
    /// That deadline was counted over a year without an official calendar.
    pub deadline_provisional: bool,
    /// Working days the step took on the grid's side and on the customer's side.
    pub grid_wd: Option<u32>,
    pub customer_wd: Option<u32>,
}

/// A side flow's line on the detail screen.
#[derive(Debug, Clone, PartialEq)]
pub struct SideFlowRow {
    /// `grid_project`, `filing`, `cloud_acceptance`, `joint`, `appointment`, `transfer`.
    pub flow: String,
    /// Its current state as a label.
    pub state: String,
    /// Actions legal now (action ids the service accepts).
    pub actions: Vec<String>,
}

/// Everything the detail screen shows about one application.
#[derive(Debug, Clone, PartialEq)]
pub struct DetailData {
    pub app: Application,
    pub timeline: Vec<TimelineRow>,
    pub next_states: Vec<State>,
    /// The grid step the application waits on, with its deadline and what is left of it.
    pub pending: Option<Pending>,
    /// The grid's whole limit and what is left of it.
    pub grid_total: Option<(u32, i64)>,
    /// The timeline could not be computed (e.g. a date outside the calendar): why.
    pub timeline_error: Option<String>,
    pub side_flows: Vec<SideFlowRow>,
    /// Grid-side working days used so far and the customer's.
    pub grid_wd_used: Option<u32>,
    pub customer_wd_used: Option<u32>,
    pub remaining_wd: Option<i64>,
    /// Its service records (team or visit, efficiency, choices of firm, fees), and what its
    /// class is offered; None when they could not be read.
    pub services: Option<crate::service::records::AppServices>,
    pub offer: Option<crate::domain::office::teams::ServiceOffer>,
}

/// A decision preview for the new-application form.
#[derive(Debug, Clone, PartialEq)]
pub struct Preview {
    pub process: ProcessClass,
    /// None when no policy bundle is active (the process class then follows the voltage).
    pub decision: Option<Decision>,
    /// The first grid step's deadline if accepted on the received date.
    pub deadline: Option<NaiveDate>,
    /// The years without an official calendar that deadline was counted over (empty: official).
    pub deadline_missing: MissingYears,
    /// Step id → the date its limit runs out on the working-day calendar (counted from the
    /// form's received date where the step counts from acceptance), with the provisional years
    /// it was counted over.
    pub step_dates: Vec<(String, Option<Counted<NaiveDate>>)>,
    /// Rule id → its text from the bundle.
    pub rule_texts: Vec<(String, String)>,
}

/// A policy bundle as the Policies screen lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct BundleRow {
    pub dir: String,
    pub region: String,
    pub version: String,
    pub digest: String,
    /// Module name → "ok" or the reason it was refused.
    pub modules: Vec<(String, Result<(), String>)>,
    pub rules: Vec<(String, String)>,
    pub active: bool,
    /// The bundle could not be loaded at all.
    pub error: Option<String>,
}

/// What switching the active bundle would change for the stored applications.
#[derive(Debug, Clone, PartialEq)]
pub struct DiffSummary {
    pub to_dir: String,
    pub checked: u64,
    pub changed: u64,
    /// Short lines: "JN-2026-000012: programs three_zero → none", at most a screenful.
    pub lines: Vec<String>,
}

/// The dashboard's figures, computed off the UI thread.
#[derive(Debug, Clone, PartialEq)]
pub struct Metrics {
    pub figures: crate::domain::metrics::Metrics,
    /// The most overdue open applications: (id, customer, working days past the deadline).
    pub overdue: Vec<(AppId, String, i64)>,
    pub overdue_total: u64,
    /// Applications whose figures could not be computed, with the first reason.
    pub skipped: u64,
    pub first_skip: Option<String>,
    /// The service records' figures (None: they could not be read, see `services_error`).
    pub services: Option<crate::service::records::ServiceMetrics>,
    pub services_error: Option<String>,
}

/// The Services screen's records, read on the worker.
#[derive(Debug, Clone, PartialEq)]
pub struct ServicesData {
    pub figures: crate::service::records::ServiceMetrics,
    pub campaigns: Vec<crate::service::records::CampaignView>,
    pub hazards: Vec<Stored<crate::domain::office::safety::Hazard>>,
    pub efficiency: Vec<Stored<crate::service::records::EfficiencyRecord>>,
    pub firms: Vec<Stored<crate::domain::office::firms::Firm>>,
    pub disclosure: crate::service::records::DisclosureStatus,
    pub disclosures: Vec<Stored<crate::service::records::PublishedDisclosure>>,
    pub fees: Vec<Stored<crate::domain::office::fees::FeeCharge>>,
    pub fee_standards: Vec<Stored<crate::domain::office::disclosure::FeeStandard>>,
}

/// A write on a service record from the Services screen.
#[derive(Debug, Clone, PartialEq)]
pub enum ServiceAct {
    HazardStep {
        id: String,
        step: crate::domain::office::safety::HazardStep,
    },
    HazardRectify {
        id: String,
    },
    PublishDisclosure,
    CampaignOpen {
        name: String,
        county: Option<String>,
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
    },
    SiteVisit {
        campaign: String,
        customer: String,
        on: chrono::NaiveDate,
    },
    HazardOpen {
        campaign: String,
        customer: String,
        class: crate::domain::office::safety::HazardClass,
        description: String,
        on: chrono::NaiveDate,
    },
    EfficiencyPlan {
        app: String,
        person: String,
        every: u32,
        services: Vec<crate::domain::office::efficiency::EfficiencyService>,
        from: chrono::NaiveDate,
    },
    EfficiencyDeliver {
        app: String,
        service: crate::domain::office::efficiency::EfficiencyService,
        advice: Vec<crate::domain::office::efficiency::Advice>,
        summary: String,
        on: chrono::NaiveDate,
    },
    FirmAdd(crate::domain::office::firms::Firm),
    CapacitySet(crate::domain::office::disclosure::CountyCapacity),
    FeeStandard(crate::domain::office::disclosure::FeeStandard),
    FeeCharge {
        app: String,
        item: String,
        yuan: f64,
        connection: bool,
        basis: String,
    },
    TeamForm {
        app: String,
        manager: String,
        specialists: Vec<crate::domain::office::teams::Specialist>,
        on: chrono::NaiveDate,
    },
    VisitBook {
        app: String,
        visitor: String,
        on: chrono::NaiveDate,
        note: String,
    },
    FirmChoose {
        app: String,
        role: crate::domain::office::firms::FirmRole,
        firm: String,
        note: String,
    },
}

/// A request to the worker thread that owns the store and the policy host.
#[derive(Debug, Clone)]
pub enum Request {
    /// A page of the listing; `fuzzy` filters by name, ID number and address.
    List {
        generation: u64,
        query: Query,
        fuzzy: Option<String>,
        today: NaiveDate,
    },
    Detail {
        id: AppId,
        today: NaiveDate,
    },
    Preview {
        generation: u64,
        form: Box<ApplicationForm>,
    },
    Submit {
        form: Box<ApplicationForm>,
    },
    Advance {
        id: AppId,
        to: State,
        note: Option<String>,
    },
    Cancel {
        id: AppId,
        reason: String,
    },
    Note {
        id: AppId,
        note: String,
    },
    /// Move to `energized`, recording whether it was done live-line (不停电接火).
    Energize {
        id: AppId,
        live_line: bool,
    },
    SideFlow {
        id: AppId,
        action: Box<crate::domain::sideflow::SideFlowAction>,
    },
    Metrics {
        today: NaiveDate,
    },
    /// What is due (`Desk::due`), `limit` applications listed.
    Due {
        limit: usize,
    },
    /// Print a paper of `id` as PDF into `dir` (HTML when no Chinese font is installed).
    Print {
        id: AppId,
        kind: crate::domain::papers::PaperKind,
        dir: std::path::PathBuf,
    },
    Policies,
    /// Write the report of `period` by `by` into `dir` as XLSX (`zh`: in Chinese).
    Report {
        period: crate::domain::report::Period,
        by: crate::domain::report::GroupBy,
        dir: std::path::PathBuf,
        zh: bool,
    },
    PolicyDiff {
        dir: String,
    },
    PolicyActivate {
        dir: String,
    },
    Services,
    ServiceAct(ServiceAct),
}

impl Request {
    /// Whether it changes the store (it must not be lost when the console quits).
    pub fn writes(&self) -> bool {
        matches!(
            self,
            Request::Submit { .. }
                | Request::Advance { .. }
                | Request::Cancel { .. }
                | Request::Note { .. }
                | Request::Energize { .. }
                | Request::SideFlow { .. }
                | Request::PolicyActivate { .. }
                | Request::ServiceAct(_)
        )
    }
}

/// Anything that changes the console's state.
#[derive(Debug, Clone)]
pub enum Action {
    Key(KeyEvent),
    /// Pasted text (bracketed paste), e.g. from an IME or the clipboard.
    Paste(String),
    Command(Command),
    Resize(u16, u16),
    /// Worker answers.
    ListLoaded {
        generation: u64,
        offset: usize,
        rows: Vec<ListRow>,
        total: u64,
        /// A search's hits stop at a limit: more applications may match than `total`.
        more: bool,
    },
    DetailLoaded(Box<DetailData>),
    PreviewReady {
        generation: u64,
        result: Result<Box<Preview>, String>,
    },
    Submitted(Result<Box<Application>, String>),
    /// A write on an application finished: reload it; the message goes to the status line.
    Written {
        id: AppId,
        result: Result<String, String>,
    },
    MetricsReady(Box<Metrics>),
    ServicesLoaded(Result<Box<ServicesData>, String>),
    /// A file was written (where) or could not be (why).
    Saved(Result<String, String>),
    /// A service record was written (what, in Chinese and English) or refused (why, both).
    ServiceWritten(Result<(String, String), (String, String)>),
    DueReady(Box<crate::service::DueView>),
    PoliciesLoaded(Vec<BundleRow>),
    DiffReady(Result<DiffSummary, String>),
    Activated(Result<String, String>),
    /// Long work reports how far it is.
    Progress {
        label: String,
        done: u64,
        total: u64,
    },
    /// A request failed; the message names what and why.
    Failed(String),
    /// The worker opened the store; `notice` goes to the status line (e.g. a broken bundle).
    Opened {
        notice: Option<String>,
    },
    /// The store could not be opened: the console ends with this message.
    OpenFailed(String),
    /// While the store opens: the first page of `query` (limit: the rows given) as the console
    /// stored it at its last exit, shown only because the store has not changed since
    /// (`first_page`). The answer to the listing's own request still follows.
    StoredFirstPage {
        query: Query,
        rows: Vec<ListRow>,
        total: u64,
    },
}

/// What `update` asks the run loop to do.
#[derive(Debug, Clone)]
pub enum Effect {
    Send(Request),
    Quit,
}

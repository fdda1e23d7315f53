//! 控制台状态: the one state of the console and `update`, which changes it and returns effects.
//! Drawing only reads this state (see `views`).

use chrono::{DateTime, FixedOffset, NaiveDate};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::domain::ports::{Query, SortBy};
use crate::domain::{AppId, ProcessClass, State};

use super::action::{
    Action, BundleRow, DetailData, DiffSummary, Effect, ListRow, Metrics, Preview, Request,
    ServicesData,
};
use super::config::Config;
use super::form::{FieldKind, FormState};
use super::i18n::{Lang, Msg};
use super::keymap::{Command, Key, Keymap, Scope, TABLE};
use super::sideflow_input::{input_hint, parse_action};
use super::text_input::TextInput;
use crate::domain::sideflow::SideFlowAction;

mod detail_actions;
mod listing;
mod overlays;
mod services;

pub use services::{services_step_label, ServicesTab};

pub use listing::fuzzy_score;

/// The main screens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    Applications,
    NewApplication,
    Detail,
    Dashboard,
    Policies,
    Services,
    /// What is due (到期提醒).
    Due,
}

impl Screen {
    pub fn scope(self) -> Scope {
        match self {
            Screen::Applications => Scope::Applications,
            Screen::NewApplication => Scope::NewApplication,
            Screen::Detail => Scope::Detail,
            Screen::Dashboard => Scope::Dashboard,
            Screen::Policies => Scope::Policies,
            Screen::Services => Scope::Services,
            Screen::Due => Scope::Due,
        }
    }
}

/// A write waiting for the operator's confirmation or choice.
#[derive(Debug, Clone, PartialEq)]
pub enum PendingOp {
    Advance {
        id: AppId,
        to: State,
    },
    Cancel {
        id: AppId,
        reason: String,
    },
    /// Move to `energized`, recording whether it was live-line (不停电接火).
    Energize {
        id: AppId,
        live_line: bool,
    },
    SideFlow {
        id: AppId,
        action: Box<SideFlowAction>,
    },
    /// Not a write yet: ask for the details of a side-flow action first.
    AskInput {
        id: AppId,
        flow: String,
        action: String,
    },
    Activate {
        dir: String,
    },
    /// Not a write yet: open a service record's form.
    OpenForm(crate::tui::record_form::FormKind),
    /// Print a paper of the application (no event, nothing to confirm).
    Print {
        id: AppId,
        kind: crate::domain::papers::PaperKind,
    },
}

/// What a one-line prompt is for.
#[derive(Debug, Clone, PartialEq)]
pub enum PromptPurpose {
    /// Live fuzzy search over the listing.
    Search,
    County,
    CancelReason(AppId),
    Note(AppId),
    /// The details of a side-flow action (see `sideflow_input`).
    SideFlowInput {
        id: AppId,
        flow: String,
        action: String,
    },
}

/// A window over the main screen.
#[derive(Debug, Clone, PartialEq)]
pub enum Overlay {
    Help {
        scroll: u16,
    },
    Palette {
        input: TextInput,
        selected: usize,
    },
    Confirm {
        prompt: String,
        op: PendingOp,
    },
    Prompt {
        title: String,
        input: TextInput,
        purpose: PromptPurpose,
    },
    Choose {
        title: String,
        options: Vec<(String, PendingOp)>,
        selected: usize,
    },
    /// A service record's form (see `record_form`).
    RecordForm(Box<crate::tui::record_form::RecordForm>),
}

/// The listing's filters, window of loaded rows and cursor.
#[derive(Debug, Clone, Default)]
pub struct ListState {
    pub status: Option<State>,
    pub process: Option<ProcessClass>,
    pub county: Option<String>,
    pub overdue: bool,
    pub fuzzy: String,
    pub sort: SortBy,
    pub total: u64,
    /// The search listed the best `total` matches; more may match.
    pub more: bool,
    /// Index of `rows[0]` in the whole listing.
    pub offset: usize,
    pub rows: Vec<ListRow>,
    pub cursor: usize,
    /// First row shown.
    pub scroll: usize,
    pub generation: u64,
    /// Offset of the page asked for and not yet answered.
    pub requested: Option<usize>,
    /// The listing has been answered at least once since the filters changed.
    pub loaded: bool,
}

impl ListState {
    pub fn row(&self, index: usize) -> Option<&ListRow> {
        index
            .checked_sub(self.offset)
            .and_then(|i| self.rows.get(i))
    }

    pub fn selected(&self) -> Option<&ListRow> {
        self.row(self.cursor)
    }
}

/// Applications the Due screen lists (the counts cover them all).
pub const DUE_LISTED: usize = 500;

/// Rows of the applications table that fit a terminal `height` (see views::applications).
pub fn list_viewport(height: u16) -> usize {
    (height as usize).saturating_sub(4).max(1)
}

/// The console's whole state.
#[derive(Debug, Clone)]
pub struct App {
    /// Where the print key writes papers.
    pub papers_dir: std::path::PathBuf,
    pub lang: Lang,
    pub keymap: Keymap,
    /// The grid's clock: today on the working-day calendar.
    pub today: NaiveDate,
    pub now: DateTime<FixedOffset>,
    pub size: (u16, u16),
    pub screen: Screen,
    pub overlay: Option<Overlay>,
    pub list: ListState,
    pub detail: Option<DetailData>,
    pub detail_scroll: u16,
    pub form: FormState,
    pub preview: Option<Result<Preview, String>>,
    pub preview_generation: u64,
    pub metrics: Option<Metrics>,
    /// What is due, as the worker last counted it.
    pub due: Option<crate::service::DueView>,
    pub due_selected: usize,
    /// The due view has been answered once (the first answer is announced on the status line).
    due_announced: bool,
    pub policies: Vec<BundleRow>,
    /// The worker has answered the bundle listing at least once.
    pub policies_loaded: bool,
    pub policy_selected: usize,
    pub diff: Option<Result<DiffSummary, String>>,
    activate_after_diff: bool,
    pub status: String,
    pub status_is_error: bool,
    /// Requests sent and not yet answered.
    pub pending: usize,
    /// Of those, the ones that change the store.
    pub writes_pending: usize,
    /// The worker is still opening the store (the first frames show no data yet).
    pub opening: bool,
    /// Why the store could not be opened; the console has quit.
    pub fatal: Option<String>,
    pub progress: Option<(String, u64, u64)>,
    /// The Services screen: its records, the kind shown and the selected row.
    pub services: Option<Result<ServicesData, String>>,
    pub services_tab: ServicesTab,
    pub services_row: usize,
}

impl App {
    /// A console at `now` with the config's language and keys, sized `size`.
    pub fn new(config: &Config, now: DateTime<FixedOffset>, size: (u16, u16)) -> App {
        App {
            lang: config.lang,
            keymap: config.keymap.clone(),
            papers_dir: config.papers.clone(),
            today: crate::domain::calendar::china_date(now),
            now,
            size,
            screen: Screen::Applications,
            overlay: None,
            list: ListState::default(),
            detail: None,
            detail_scroll: 0,
            form: FormState::new(now),
            preview: None,
            preview_generation: 0,
            metrics: None,
            due: None,
            due_selected: 0,
            due_announced: false,
            policies: Vec::new(),
            policies_loaded: false,
            policy_selected: 0,
            diff: None,
            activate_after_diff: false,
            status: Msg::Ready.text(config.lang).to_string(),
            status_is_error: false,
            pending: 0,
            writes_pending: 0,
            opening: false,
            fatal: None,
            progress: None,
            services: None,
            services_tab: ServicesTab::Safety,
            services_row: 0,
        }
    }

    /// A form left unsubmitted last time was filled in again: say where it is.
    pub fn draft_restored(&mut self) {
        let clear = self.keymap.keys_label(Command::ClearForm);
        self.info(match self.lang {
            Lang::Zh => format!("已恢复上次未提交的申请表：按 2 查看，{clear} 清空"),
            Lang::En => {
                format!("The form left unsubmitted last time is back: press 2, {clear} to clear it")
            }
        });
    }

    /// The store is being opened by the worker: say so until [`Action::Opened`] arrives.
    pub fn opening_store(&mut self) {
        self.opening = true;
        self.info(self.t(Msg::OpeningStore));
    }

    pub fn t(&self, m: Msg) -> &'static str {
        m.text(self.lang)
    }

    /// The first requests: the listing's first page, then what is due.
    pub fn start(&mut self) -> Vec<Effect> {
        let mut fx = self.reload_list();
        fx.push(self.send(Request::Due { limit: DUE_LISTED }));
        fx
    }

    fn send(&mut self, r: Request) -> Effect {
        self.pending += 1;
        if r.writes() {
            self.writes_pending += 1;
        }
        Effect::Send(r)
    }

    fn info(&mut self, s: impl Into<String>) {
        self.status = s.into();
        self.status_is_error = false;
    }

    fn error(&mut self, s: impl Into<String>) {
        self.status = s.into();
        self.status_is_error = true;
    }

    /// A write request was answered (its answer also counts in [`App::answered`]).
    fn wrote(&mut self) {
        self.writes_pending = self.writes_pending.saturating_sub(1);
    }

    fn answered(&mut self) {
        self.pending = self.pending.saturating_sub(1);
        if self.pending == 0 {
            self.progress = None;
        }
    }

    /// Apply one action; returns what the run loop must do.
    pub fn update(&mut self, action: Action) -> Vec<Effect> {
        match action {
            Action::Key(_) | Action::Command(_) => {
                // A message about one screen is stale on another: it clears when the operator
                // moves on, unless what moved them said something new.
                let (screen, said) = (self.screen, self.status.clone());
                let effects = match action {
                    Action::Key(k) => self.on_key(k),
                    Action::Command(c) => self.run(c),
                    _ => unreachable!("matched above"),
                };
                if self.screen != screen && self.status == said && self.writes_pending == 0 {
                    let ready = self.t(Msg::Ready);
                    self.info(ready);
                }
                effects
            }
            Action::Paste(s) => self.on_paste(&s),
            Action::Resize(w, h) => {
                self.size = (w, h);
                self.clamp_scroll();
                self.ensure_window()
            }
            Action::ListLoaded {
                generation,
                offset,
                rows,
                total,
                more,
            } => {
                self.answered();
                if generation == self.list.generation {
                    self.list.offset = offset;
                    self.list.rows = rows;
                    self.list.total = total;
                    self.list.more = more;
                    self.list.requested = None;
                    self.list.loaded = true;
                    if self.list.cursor >= total as usize {
                        self.list.cursor = (total as usize).saturating_sub(1);
                    }
                    self.clamp_scroll();
                    return self.ensure_window();
                }
                Vec::new()
            }
            Action::DetailLoaded(d) => {
                self.answered();
                self.detail = Some(*d);
                Vec::new()
            }
            Action::PreviewReady { generation, result } => {
                self.answered();
                if generation == self.preview_generation {
                    self.preview = Some(result.map(|b| *b));
                }
                Vec::new()
            }
            Action::Submitted(result) => {
                self.answered();
                self.wrote();
                match result {
                    Ok(app) => {
                        self.info(format!("{} {}", self.t(Msg::Valid), app.id));
                        self.form = FormState::new(self.now);
                        self.preview = None;
                        let id = app.id.clone();
                        self.screen = Screen::Detail;
                        self.detail_scroll = 0;
                        let mut fx = vec![self.send(Request::Detail {
                            id,
                            today: self.today,
                        })];
                        fx.extend(self.reload_list());
                        fx
                    }
                    Err(e) => {
                        self.error(e);
                        Vec::new()
                    }
                }
            }
            Action::Written { id, result } => {
                self.answered();
                self.wrote();
                match result {
                    Ok(m) => self.info(m),
                    Err(e) => self.error(e),
                }
                let mut fx = vec![self.send(Request::Detail {
                    id,
                    today: self.today,
                })];
                fx.extend(self.reload_list());
                self.metrics = None;
                fx.push(self.send(Request::Due { limit: DUE_LISTED }));
                fx
            }
            Action::Saved(result) => {
                self.answered();
                match result {
                    Ok(path) => {
                        let m = match self.lang {
                            Lang::Zh => format!("报表已导出：{path}"),
                            Lang::En => format!("Report written: {path}"),
                        };
                        self.info(m)
                    }
                    Err(e) => self.error(e),
                }
                Vec::new()
            }
            Action::ServicesLoaded(result) => {
                self.answered();
                self.services = Some(result.map(|d| *d));
                self.clamp_services_row();
                Vec::new()
            }
            Action::ServiceWritten(result) => {
                self.answered();
                self.wrote();
                let pick = |(zh, en): (String, String)| match self.lang {
                    Lang::Zh => zh,
                    Lang::En => en,
                };
                let from_form = matches!(&self.overlay, Some(Overlay::RecordForm(f)) if f.sent);
                match result {
                    Ok(m) => {
                        if from_form {
                            self.overlay = None;
                        }
                        let m = pick(m);
                        self.info(m)
                    }
                    Err(e) => {
                        if let (true, Some(Overlay::RecordForm(f))) = (from_form, &mut self.overlay)
                        {
                            // The form stays open with what was typed, on the field named.
                            f.sent = false;
                            f.focus_named(&e.1);
                            f.error = Some(e.clone());
                        }
                        let e = pick(e);
                        self.error(e)
                    }
                }
                self.metrics = None;
                let mut fx = vec![self.send(Request::Services)];
                if self.screen == Screen::Detail {
                    if let Some(d) = &self.detail {
                        let id = d.app.id.clone();
                        fx.push(self.send(Request::Detail {
                            id,
                            today: self.today,
                        }));
                    }
                }
                fx
            }
            Action::MetricsReady(m) => {
                self.answered();
                self.metrics = Some(*m);
                Vec::new()
            }
            Action::DueReady(v) => {
                self.answered();
                self.due_loaded(*v);
                Vec::new()
            }
            Action::PoliciesLoaded(rows) => {
                self.answered();
                self.policies = rows;
                self.policies_loaded = true;
                self.policy_selected = self
                    .policy_selected
                    .min(self.policies.len().saturating_sub(1));
                Vec::new()
            }
            Action::DiffReady(result) => {
                self.answered();
                let then_activate = std::mem::take(&mut self.activate_after_diff);
                if let (true, Ok(d)) = (then_activate, &result) {
                    let prompt = match self.lang {
                        Lang::Zh => format!(
                            "启用 {}? 已检查 {} 件申请, {} 件的决策会改变。",
                            d.to_dir, d.checked, d.changed
                        ),
                        Lang::En => format!(
                            "Activate {}? {} applications checked, {} decisions would change.",
                            d.to_dir, d.checked, d.changed
                        ),
                    };
                    self.overlay = Some(Overlay::Confirm {
                        prompt,
                        op: PendingOp::Activate {
                            dir: d.to_dir.clone(),
                        },
                    });
                }
                if let Err(e) = &result {
                    self.error(e.clone());
                }
                self.diff = Some(result);
                Vec::new()
            }
            Action::Activated(result) => {
                self.answered();
                self.wrote();
                match result {
                    Ok(m) => self.info(m),
                    Err(e) => self.error(e),
                }
                self.diff = None;
                vec![self.send(Request::Policies)]
            }
            Action::Progress { label, done, total } => {
                self.progress = Some((label, done, total));
                Vec::new()
            }
            Action::Failed(e) => {
                self.answered();
                self.list.requested = None;
                self.error(e);
                Vec::new()
            }
            Action::Opened { notice } => {
                self.opening = false;
                match notice {
                    Some(e) => self.error(e),
                    None if self.status == self.t(Msg::OpeningStore) => {
                        self.info(self.t(Msg::Ready))
                    }
                    None => {}
                }
                Vec::new()
            }
            Action::OpenFailed(e) => {
                self.opening = false;
                self.error(e.clone());
                self.fatal = Some(e);
                vec![Effect::Quit]
            }
            Action::StoredFirstPage { query, rows, total } => {
                self.show_stored_first_page(query, rows, total);
                Vec::new()
            }
        }
    }

    fn on_paste(&mut self, s: &str) -> Vec<Effect> {
        match &mut self.overlay {
            Some(Overlay::Prompt { input, .. }) | Some(Overlay::Palette { input, .. }) => {
                input.insert_str(s);
                self.after_overlay_edit()
            }
            None if self.screen == Screen::NewApplication => {
                self.form.inputs[self.form.focus].insert_str(s);
                self.form.check();
                self.request_preview()
            }
            _ => Vec::new(),
        }
    }

    fn on_key(&mut self, k: KeyEvent) -> Vec<Effect> {
        if self.overlay.is_some() {
            return self.on_overlay_key(k);
        }
        let Some(key) = Key::from_event(&k) else {
            return Vec::new();
        };
        if self.screen == Screen::NewApplication {
            return self.on_form_key(k, key);
        }
        match self.keymap.lookup(self.screen.scope(), key) {
            Some(c) => self.run(c),
            None => Vec::new(),
        }
    }

    fn on_form_key(&mut self, k: KeyEvent, key: Key) -> Vec<Effect> {
        // While typing, only the form's own bindings, Esc and Ctrl/Alt chords are commands.
        if let Some(c) = self.keymap.lookup(Scope::NewApplication, key) {
            let own = c.binding().scope == Scope::NewApplication;
            if own
                || key.ctrl
                || key.alt
                || matches!(c, Command::Back | Command::Help)
                    && !matches!(key.code, super::keymap::KeyCodeId::Char(_))
            {
                return self.run(c);
            }
        }
        let kind = self.form.spec().kind;
        let handled = match (kind, k.code) {
            (FieldKind::Bool | FieldKind::Choice(_), KeyCode::Char(' ') | KeyCode::Right) => {
                self.form.cycle(true)
            }
            (FieldKind::Bool | FieldKind::Choice(_), KeyCode::Left) => self.form.cycle(false),
            (FieldKind::Bool | FieldKind::Choice(_), _) => false,
            _ => {
                let changed = self.form.inputs[self.form.focus].handle_key(&k);
                if changed {
                    self.form.check();
                }
                changed
            }
        };
        if handled {
            self.request_preview()
        } else {
            Vec::new()
        }
    }

    fn request_preview(&mut self) -> Vec<Effect> {
        self.preview_generation += 1;
        match self.form.parsed.clone() {
            Some(form) => {
                let generation = self.preview_generation;
                vec![self.send(Request::Preview {
                    generation,
                    form: Box::new(form),
                })]
            }
            None => {
                self.preview = None;
                Vec::new()
            }
        }
    }

    /// Commands listed in the palette for the current input.
    pub fn palette_matches(&self, query: &str) -> Vec<Command> {
        let scope = self.screen.scope();
        TABLE
            .iter()
            .filter(|b| b.scope == Scope::Global || b.scope == scope)
            .filter(|b| {
                query.is_empty()
                    || fuzzy_score(query, b.id).is_some()
                    || fuzzy_score(query, b.zh).is_some()
                    || fuzzy_score(query, b.en).is_some()
            })
            .map(|b| b.command)
            .collect()
    }

    /// Run a command from the keymap or the palette.
    pub fn run(&mut self, c: Command) -> Vec<Effect> {
        use Command::*;
        let vh = list_viewport(self.size.1);
        match c {
            Quit => return vec![Effect::Quit],
            Help => self.overlay = Some(Overlay::Help { scroll: 0 }),
            Palette => {
                self.overlay = Some(Overlay::Palette {
                    input: TextInput::default(),
                    selected: 0,
                })
            }
            GoApplications => self.screen = Screen::Applications,
            GoNew => {
                self.screen = Screen::NewApplication;
                return self.request_preview();
            }
            GoDashboard => {
                self.screen = Screen::Dashboard;
                if self.metrics.is_none() {
                    return vec![self.send(Request::Metrics { today: self.today })];
                }
            }
            GoServices | ServicesTab | ServicesTabBack | ServicesUp | ServicesDown | HazardStep
            | HazardRectify | PublishDisclosure | ServiceAdd | ServiceVisit | CampaignOpen
            | DetailServices => return self.run_services(c),
            DashReport => {
                use chrono::Datelike;
                let from =
                    chrono::NaiveDate::from_ymd_opt(self.today.year(), 1, 1).unwrap_or(self.today);
                let Ok(period) = crate::domain::report::Period::new(from, self.today) else {
                    return Vec::new();
                };
                self.info(self.t(Msg::Working));
                return vec![self.send(Request::Report {
                    period,
                    by: crate::domain::report::GroupBy::County,
                    dir: self.papers_dir.clone(),
                    zh: self.lang == Lang::Zh,
                })];
            }
            GoPolicies => {
                self.screen = Screen::Policies;
                return vec![self.send(Request::Policies)];
            }
            GoDue => {
                self.screen = Screen::Due;
                return vec![self.send(Request::Due { limit: DUE_LISTED })];
            }
            DueUp => self.due_selected = self.due_selected.saturating_sub(1),
            DueDown => {
                let n = self.due.as_ref().map_or(0, |v| v.items.len());
                self.due_selected = (self.due_selected + 1).min(n.saturating_sub(1));
            }
            DueOpen => {
                let id = self
                    .due
                    .as_ref()
                    .and_then(|v| v.items.get(self.due_selected))
                    .map(|i| i.id.clone());
                if let Some(id) = id {
                    return self.open_detail(id);
                }
            }
            Refresh | DashRefresh | DueRefresh => {
                return match self.screen {
                    Screen::Due => vec![self.send(Request::Due { limit: DUE_LISTED })],
                    Screen::Dashboard => vec![self.send(Request::Metrics { today: self.today })],
                    Screen::Policies => vec![self.send(Request::Policies)],
                    Screen::Services => vec![self.send(Request::Services)],
                    Screen::Detail => match &self.detail {
                        Some(d) => {
                            let id = d.app.id.clone();
                            vec![self.send(Request::Detail {
                                id,
                                today: self.today,
                            })]
                        }
                        None => Vec::new(),
                    },
                    _ => self.reload_list(),
                }
            }
            Back => match self.screen {
                Screen::Applications => {
                    if !self.list.fuzzy.is_empty() {
                        self.list.fuzzy.clear();
                        return self.reload_list();
                    }
                }
                _ => self.screen = Screen::Applications,
            },
            Up => return self.move_cursor(-1),
            Down => return self.move_cursor(1),
            PageUp => return self.move_cursor(-(vh as i64)),
            PageDown => return self.move_cursor(vh as i64),
            Top => return self.move_cursor(i64::MIN / 2),
            Bottom => return self.move_cursor(i64::MAX / 2),
            Open => {
                if let Some(row) = self.list.selected() {
                    let id = row.app.id.clone();
                    return self.open_detail(id);
                }
            }
            Search => {
                let input = TextInput::new(&self.list.fuzzy);
                self.overlay = Some(Overlay::Prompt {
                    title: self.t(Msg::Search).into(),
                    input,
                    purpose: PromptPurpose::Search,
                });
            }
            FilterState => {
                let all = State::ALL;
                self.list.status = match self.list.status {
                    None => Some(all[0]),
                    Some(s) => all
                        .iter()
                        .position(|x| *x == s)
                        .and_then(|i| all.get(i + 1).copied()),
                };
                return self.reload_list();
            }
            FilterProcess => {
                let all = ProcessClass::ALL;
                self.list.process = match self.list.process {
                    None => Some(all[0]),
                    Some(p) => all
                        .iter()
                        .position(|x| *x == p)
                        .and_then(|i| all.get(i + 1).copied()),
                };
                return self.reload_list();
            }
            FilterCounty => {
                let input = TextInput::new(self.list.county.as_deref().unwrap_or(""));
                self.overlay = Some(Overlay::Prompt {
                    title: self.t(Msg::ColCounty).into(),
                    input,
                    purpose: PromptPurpose::County,
                });
            }
            FilterOverdue => {
                self.list.overdue = !self.list.overdue;
                return self.reload_list();
            }
            ToggleSort => {
                self.list.sort = match self.list.sort {
                    SortBy::Id => SortBy::Deadline,
                    SortBy::Deadline => SortBy::Id,
                };
                return self.reload_list();
            }
            ClearFilters => {
                let sort = self.list.sort;
                self.list = ListState {
                    sort,
                    generation: self.list.generation,
                    ..ListState::default()
                };
                return self.reload_list();
            }
            NextField => self.form.focus = (self.form.focus + 1) % self.form.inputs.len(),
            PrevField => {
                self.form.focus =
                    (self.form.focus + self.form.inputs.len() - 1) % self.form.inputs.len()
            }
            Submit => {
                self.form.check();
                match self.form.parsed.clone() {
                    Some(form) => {
                        self.info(self.t(Msg::Working));
                        return vec![self.send(Request::Submit {
                            form: Box::new(form),
                        })];
                    }
                    None => {
                        let first = self
                            .form
                            .errors
                            .first()
                            .map(|e| e.to_string())
                            .unwrap_or_default();
                        self.error(format!(
                            "{} {}: {first}",
                            self.form.errors.len(),
                            self.t(Msg::Errors)
                        ));
                        if let Some(i) = self.form.errors.first().and_then(|e| {
                            super::form::FIELDS.iter().position(|f| f.path == e.field)
                        }) {
                            self.form.focus = i;
                        }
                    }
                }
            }
            ClearForm => {
                self.form = FormState::new(self.now);
                self.preview = None;
            }
            Advance | CompletionReported => return self.detail_advance(c == CompletionReported),
            Cancel => {
                if let Some(d) = &self.detail {
                    if d.next_states.contains(&State::Cancelled) {
                        let id = d.app.id.clone();
                        let title = format!(
                            "{} {id}: {}",
                            self.t(Msg::Reason),
                            Command::Cancel.binding().desc(self.lang)
                        );
                        self.overlay = Some(Overlay::Prompt {
                            title,
                            input: TextInput::default(),
                            purpose: PromptPurpose::CancelReason(id),
                        });
                    } else {
                        self.error(self.not_now());
                    }
                }
            }
            Print => return self.detail_print(),
            AddNote => {
                if let Some(d) = &self.detail {
                    let id = d.app.id.clone();
                    self.overlay = Some(Overlay::Prompt {
                        title: self.t(Msg::Note).into(),
                        input: TextInput::default(),
                        purpose: PromptPurpose::Note(id),
                    });
                }
            }
            CloudAcceptance => self.side_flow("cloud_acceptance"),
            Appointment => self.side_flow("appointment"),
            Filing => self.side_flow("filing"),
            JointApplication => self.side_flow("joint"),
            TransferFlow => self.side_flow("transfer"),
            GridProject => self.side_flow("grid_project"),
            ScrollUp => self.detail_scroll = self.detail_scroll.saturating_sub(1),
            ScrollDown => self.detail_scroll = self.detail_scroll.saturating_add(1),
            PolicyUp => self.policy_selected = self.policy_selected.saturating_sub(1),
            PolicyDown => {
                self.policy_selected =
                    (self.policy_selected + 1).min(self.policies.len().saturating_sub(1))
            }
            PolicyDiff | PolicyActivate => {
                let Some(b) = self.policies.get(self.policy_selected) else {
                    return Vec::new();
                };
                if b.active {
                    self.error(match self.lang {
                        Lang::Zh => "所选政策包已是当前政策包",
                        Lang::En => {
                            "The selected bundle is already active; pick another with Up/Down"
                        }
                    });
                    return Vec::new();
                }
                if let Some(e) = &b.error {
                    self.error(format!("{}: {e}", b.dir));
                    return Vec::new();
                }
                let dir = b.dir.clone();
                self.activate_after_diff = c == PolicyActivate;
                self.diff = None;
                self.info(self.t(Msg::Working));
                return vec![self.send(Request::PolicyDiff { dir })];
            }
        }
        Vec::new()
    }

    fn open_detail(&mut self, id: AppId) -> Vec<Effect> {
        self.screen = Screen::Detail;
        self.detail_scroll = 0;
        if self.detail.as_ref().map(|d| &d.app.id) != Some(&id) {
            self.detail = None;
        }
        vec![self.send(Request::Detail {
            id,
            today: self.today,
        })]
    }

    /// What is due arrived: kept for the Due screen; the first answer says on the status line
    /// what is overdue and due, unless the line holds something else by then.
    fn due_loaded(&mut self, view: crate::service::DueView) {
        let n = view.items.len();
        self.due_selected = self.due_selected.min(n.saturating_sub(1));
        let first = !std::mem::replace(&mut self.due_announced, true);
        let t = view.totals;
        let quiet = self.status == self.t(Msg::Ready) || self.status == self.t(Msg::OpeningStore);
        if first && quiet && t.total() > 0 {
            let key = self
                .keymap
                .keys(Command::GoDue)
                .first()
                .map(|k| k.to_string())
                .unwrap_or_default();
            self.info(match self.lang {
                Lang::Zh => format!(
                    "到期提醒: 超期 {} 件, 今日到期 {} 件, 次日到期 {} 件 (按 {key} 查看)",
                    t.overdue, t.today, t.next_working_day
                ),
                Lang::En => format!(
                    "Due: {} overdue, {} due today, {} due next working day (press {key})",
                    t.overdue, t.today, t.next_working_day
                ),
            });
        }
        self.due = Some(view);
    }

    fn not_now(&self) -> String {
        match (self.lang, &self.detail) {
            (Lang::Zh, Some(d)) => format!(
                "{} 当前状态为 {}, 不能办理此操作",
                d.app.id,
                self.lang.state(d.app.status)
            ),
            (Lang::En, Some(d)) => format!(
                "{} is {}: that action is not valid now",
                d.app.id,
                self.lang.state(d.app.status)
            ),
            _ => String::new(),
        }
    }
}

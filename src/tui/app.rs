//! 控制台状态: the one state of the console and `update`, which changes it and returns effects.
//! Drawing only reads this state (see `views`).

use chrono::{DateTime, FixedOffset, NaiveDate};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::domain::ports::{Query, SortBy};
use crate::domain::{AppId, ProcessClass, State};

use super::action::{
    Action, BundleRow, DetailData, DiffSummary, Effect, ListRow, Metrics, Preview, Request,
};
use super::config::Config;
use super::form::{FieldKind, FormState};
use super::i18n::{Lang, Msg};
use super::keymap::{Command, Key, Keymap, Scope, TABLE};
use super::sideflow_input::{input_hint, parse_action};
use super::text_input::TextInput;
use crate::domain::sideflow::SideFlowAction;

/// The main screens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    Applications,
    NewApplication,
    Detail,
    Dashboard,
    Policies,
}

impl Screen {
    pub fn scope(self) -> Scope {
        match self {
            Screen::Applications => Scope::Applications,
            Screen::NewApplication => Scope::NewApplication,
            Screen::Detail => Scope::Detail,
            Screen::Dashboard => Scope::Dashboard,
            Screen::Policies => Scope::Policies,
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

/// Rows of the applications table that fit a terminal `height` (see views::applications).
pub fn list_viewport(height: u16) -> usize {
    (height as usize).saturating_sub(4).max(1)
}

/// The console's whole state.
#[derive(Debug, Clone)]
pub struct App {
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
    pub progress: Option<(String, u64, u64)>,
}

impl App {
    /// A console at `now` with the config's language and keys, sized `size`.
    pub fn new(config: &Config, now: DateTime<FixedOffset>, size: (u16, u16)) -> App {
        App {
            lang: config.lang,
            keymap: config.keymap.clone(),
            today: now.date_naive(),
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
            policies: Vec::new(),
            policies_loaded: false,
            policy_selected: 0,
            diff: None,
            activate_after_diff: false,
            status: Msg::Ready.text(config.lang).to_string(),
            status_is_error: false,
            pending: 0,
            progress: None,
        }
    }

    pub fn t(&self, m: Msg) -> &'static str {
        m.text(self.lang)
    }

    /// The first requests: the listing's first page.
    pub fn start(&mut self) -> Vec<Effect> {
        self.reload_list()
    }

    fn send(&mut self, r: Request) -> Effect {
        self.pending += 1;
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

    fn answered(&mut self) {
        self.pending = self.pending.saturating_sub(1);
        if self.pending == 0 {
            self.progress = None;
        }
    }

    /// Apply one action; returns what the run loop must do.
    pub fn update(&mut self, action: Action) -> Vec<Effect> {
        match action {
            Action::Key(k) => self.on_key(k),
            Action::Paste(s) => self.on_paste(&s),
            Action::Command(c) => self.run(c),
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
            } => {
                self.answered();
                if generation == self.list.generation {
                    self.list.offset = offset;
                    self.list.rows = rows;
                    self.list.total = total;
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
                fx
            }
            Action::MetricsReady(m) => {
                self.answered();
                self.metrics = Some(*m);
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

    fn on_overlay_key(&mut self, k: KeyEvent) -> Vec<Effect> {
        let Some(overlay) = self.overlay.as_mut() else {
            return Vec::new();
        };
        let ctrl = k.modifiers.contains(KeyModifiers::CONTROL);
        match overlay {
            Overlay::Help { scroll } => match k.code {
                KeyCode::Down | KeyCode::Char('j') => *scroll += 1,
                KeyCode::Up | KeyCode::Char('k') => *scroll = scroll.saturating_sub(1),
                KeyCode::PageDown | KeyCode::Char(' ') => *scroll += 10,
                KeyCode::PageUp => *scroll = scroll.saturating_sub(10),
                _ => self.overlay = None,
            },
            Overlay::Palette { input, selected } => match k.code {
                KeyCode::Esc => self.overlay = None,
                KeyCode::Down => *selected += 1,
                KeyCode::Char('n') if ctrl => *selected += 1,
                KeyCode::Up => *selected = selected.saturating_sub(1),
                KeyCode::Char('p') if ctrl => *selected = selected.saturating_sub(1),
                KeyCode::Enter => {
                    let q = input.text().to_string();
                    let sel = *selected;
                    let matches = self.palette_matches(&q);
                    self.overlay = None;
                    if let Some(c) = matches.get(sel.min(matches.len().saturating_sub(1))) {
                        return self.run(*c);
                    }
                }
                _ => {
                    if input.handle_key(&k) {
                        *selected = 0;
                    }
                }
            },
            Overlay::Confirm { op, .. } => match k.code {
                KeyCode::Char('y') | KeyCode::Char('Y') | KeyCode::Enter => {
                    let op = op.clone();
                    self.overlay = None;
                    return self.execute(op);
                }
                KeyCode::Char('n') | KeyCode::Char('N') | KeyCode::Esc => {
                    self.overlay = None;
                    self.info(match self.lang {
                        Lang::Zh => "已取消, 未做任何更改",
                        Lang::En => "Cancelled; nothing changed",
                    });
                }
                _ => {}
            },
            Overlay::Choose {
                options, selected, ..
            } => match k.code {
                KeyCode::Esc => self.overlay = None,
                KeyCode::Down | KeyCode::Char('j') => {
                    *selected = (*selected + 1).min(options.len().saturating_sub(1))
                }
                KeyCode::Up | KeyCode::Char('k') => *selected = selected.saturating_sub(1),
                KeyCode::Char(c @ '1'..='9') => {
                    let i = c as usize - '1' as usize;
                    if i < options.len() {
                        *selected = i;
                        let (label, op) = options[i].clone();
                        self.pick(label, op);
                    }
                }
                KeyCode::Enter => {
                    if let Some((label, op)) = options.get(*selected).cloned() {
                        self.pick(label, op);
                    }
                }
                _ => {}
            },
            Overlay::Prompt { input, purpose, .. } => match k.code {
                KeyCode::Esc => {
                    let purpose = purpose.clone();
                    self.overlay = None;
                    if purpose == PromptPurpose::Search {
                        self.list.fuzzy.clear();
                        return self.reload_list();
                    }
                }
                KeyCode::Enter => {
                    let text = input.text().trim().to_string();
                    let purpose = purpose.clone();
                    return self.finish_prompt(purpose, text);
                }
                _ => {
                    if input.handle_key(&k) {
                        return self.after_overlay_edit();
                    }
                }
            },
        }
        Vec::new()
    }

    /// Live effects of typing in an overlay (the search prompt filters as you type).
    fn after_overlay_edit(&mut self) -> Vec<Effect> {
        if let Some(Overlay::Prompt {
            input,
            purpose: PromptPurpose::Search,
            ..
        }) = &self.overlay
        {
            self.list.fuzzy = input.text().trim().to_string();
            return self.reload_list();
        }
        if let Some(Overlay::Palette { selected, .. }) = &mut self.overlay {
            *selected = 0;
        }
        Vec::new()
    }

    fn finish_prompt(&mut self, purpose: PromptPurpose, text: String) -> Vec<Effect> {
        match purpose {
            PromptPurpose::Search => {
                self.overlay = None;
                self.list.fuzzy = text;
                self.reload_list()
            }
            PromptPurpose::County => {
                self.overlay = None;
                self.list.county = Some(text).filter(|t| !t.is_empty());
                self.reload_list()
            }
            PromptPurpose::CancelReason(id) => {
                if text.is_empty() {
                    self.error(match self.lang {
                        Lang::Zh => "撤销必须填写原因",
                        Lang::En => {
                            "A cancellation needs a reason; type it, or Esc to keep the application"
                        }
                    });
                    return Vec::new();
                }
                let prompt = match self.lang {
                    Lang::Zh => format!("撤销 {id}? 原因: {text}. 撤销后不可恢复。"),
                    Lang::En => format!("Cancel {id} because \"{text}\"? This cannot be undone."),
                };
                self.overlay = Some(Overlay::Confirm {
                    prompt,
                    op: PendingOp::Cancel { id, reason: text },
                });
                Vec::new()
            }
            PromptPurpose::SideFlowInput { id, flow, action } => {
                match parse_action(&flow, &action, &text) {
                    Ok(a) => {
                        let prompt = match self.lang {
                            Lang::Zh => format!("{id}: {flow}/{action} {text}? 写入事件, 不可撤回。"),
                            Lang::En => format!(
                                "{id}: {flow}/{action} {text}? This writes an event and cannot be undone."
                            ),
                        };
                        self.overlay = Some(Overlay::Confirm {
                            prompt,
                            op: PendingOp::SideFlow {
                                id,
                                action: Box::new(a),
                            },
                        });
                    }
                    // Keep the prompt open with what was typed; say what is wrong.
                    Err(e) => self.error(e),
                }
                Vec::new()
            }
            PromptPurpose::Note(id) => {
                self.overlay = None;
                if text.is_empty() {
                    return Vec::new();
                }
                vec![self.send(Request::Note { id, note: text })]
            }
        }
    }

    /// An option was chosen: ask for details first, or confirm.
    fn pick(&mut self, label: String, op: PendingOp) {
        self.overlay = Some(match op {
            PendingOp::AskInput { id, flow, action } => {
                let hint = input_hint(&flow, &action, self.lang).unwrap_or("");
                Overlay::Prompt {
                    title: format!("{id} {flow}/{action}: {hint}"),
                    input: TextInput::default(),
                    purpose: PromptPurpose::SideFlowInput { id, flow, action },
                }
            }
            op => Overlay::Confirm { prompt: label, op },
        });
    }

    fn execute(&mut self, op: PendingOp) -> Vec<Effect> {
        self.info(self.t(Msg::Working));
        let r = match op {
            PendingOp::Advance { id, to } => Request::Advance { id, to, note: None },
            PendingOp::Energize { id, live_line } => Request::Energize { id, live_line },
            PendingOp::Cancel { id, reason } => Request::Cancel { id, reason },
            PendingOp::SideFlow { id, action } => Request::SideFlow { id, action },
            PendingOp::AskInput { .. } => return Vec::new(),
            PendingOp::Activate { dir } => Request::PolicyActivate { dir },
        };
        vec![self.send(r)]
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
            GoPolicies => {
                self.screen = Screen::Policies;
                return vec![self.send(Request::Policies)];
            }
            Refresh | DashRefresh => {
                return match self.screen {
                    Screen::Dashboard => vec![self.send(Request::Metrics { today: self.today })],
                    Screen::Policies => vec![self.send(Request::Policies)],
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
                    self.screen = Screen::Detail;
                    self.detail_scroll = 0;
                    if self.detail.as_ref().map(|d| &d.app.id) != Some(&id) {
                        self.detail = None;
                    }
                    return vec![self.send(Request::Detail {
                        id,
                        today: self.today,
                    })];
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

    fn detail_advance(&mut self, completion: bool) -> Vec<Effect> {
        let Some(d) = &self.detail else {
            return Vec::new();
        };
        let id = d.app.id.clone();
        let targets: Vec<State> = d
            .next_states
            .iter()
            .copied()
            .filter(|s| *s != State::Cancelled)
            .filter(|s| !completion || *s == State::CompletionReported)
            .collect();
        let label = |to: State| match self.lang {
            Lang::Zh => format!(
                "{id}: {} -> {}? 该操作写入事件, 不可撤回。",
                self.lang.state(d.app.status),
                self.lang.state(to)
            ),
            Lang::En => format!(
                "{id}: {} -> {}? This writes an event and cannot be undone.",
                self.lang.state(d.app.status),
                self.lang.state(to)
            ),
        };
        let energize = |live_line: bool| {
            let how = match (self.lang, live_line) {
                (Lang::Zh, true) => " (不停电接火)",
                (Lang::Zh, false) => " (停电接火)",
                (Lang::En, true) => " (live-line, no outage)",
                (Lang::En, false) => " (with an outage)",
            };
            (
                format!("{}{how}", label(State::Energized)),
                PendingOp::Energize {
                    id: id.clone(),
                    live_line,
                },
            )
        };
        if targets.contains(&State::Energized) {
            let mut options: Vec<(String, PendingOp)> = targets
                .iter()
                .filter(|s| **s != State::Energized)
                .map(|to| {
                    (
                        label(*to),
                        PendingOp::Advance {
                            id: id.clone(),
                            to: *to,
                        },
                    )
                })
                .collect();
            options.push(energize(true));
            options.push(energize(false));
            self.overlay = Some(Overlay::Choose {
                title: Command::Advance.binding().desc(self.lang).into(),
                options,
                selected: 0,
            });
            return Vec::new();
        }
        match targets.as_slice() {
            [] => {
                let m = self.not_now();
                self.error(m);
            }
            [to] => {
                let prompt = label(*to);
                self.overlay = Some(Overlay::Confirm {
                    prompt,
                    op: PendingOp::Advance {
                        id: id.clone(),
                        to: *to,
                    },
                });
            }
            many => {
                let options = many
                    .iter()
                    .map(|to| {
                        (
                            label(*to),
                            PendingOp::Advance {
                                id: id.clone(),
                                to: *to,
                            },
                        )
                    })
                    .collect();
                self.overlay = Some(Overlay::Choose {
                    title: Command::Advance.binding().desc(self.lang).into(),
                    options,
                    selected: 0,
                });
            }
        }
        Vec::new()
    }

    fn side_flow(&mut self, flow: &str) {
        let Some(d) = &self.detail else { return };
        let id = d.app.id.clone();
        let actions = d
            .side_flows
            .iter()
            .find(|f| f.flow == flow)
            .map(|f| f.actions.clone())
            .unwrap_or_default();
        if actions.is_empty() {
            let m = self.not_now();
            self.error(m);
            return;
        }
        let options: Vec<(String, PendingOp)> = actions
            .into_iter()
            .map(|action| {
                let prompt = match self.lang {
                    Lang::Zh => format!("{id}: {flow}/{action}? 写入事件, 不可撤回。"),
                    Lang::En => format!("{id}: {flow}/{action}? This writes an event."),
                };
                let op = if input_hint(flow, &action, self.lang).is_some() {
                    PendingOp::AskInput {
                        id: id.clone(),
                        flow: flow.to_string(),
                        action,
                    }
                } else {
                    match parse_action(flow, &action, "") {
                        Ok(a) => PendingOp::SideFlow {
                            id: id.clone(),
                            action: Box::new(a),
                        },
                        Err(_) => PendingOp::AskInput {
                            id: id.clone(),
                            flow: flow.to_string(),
                            action,
                        },
                    }
                };
                (prompt, op)
            })
            .collect();
        if options.len() == 1 {
            let (prompt, op) = options.into_iter().next().expect("one option");
            self.pick(prompt, op);
        } else {
            self.overlay = Some(Overlay::Choose {
                title: crate::domain::timeline::flow_label_zh(flow).to_string(),
                options,
                selected: 0,
            });
        }
    }

    /// The listing's query for a page at `offset`.
    pub fn query(&self, offset: usize, limit: usize) -> Query {
        Query {
            status: self.list.status,
            process: self.list.process,
            class: None,
            county: self.list.county.clone(),
            overdue_on: self.list.overdue.then_some(self.today),
            name_prefix: None,
            sort: self.list.sort,
            offset,
            limit,
        }
    }

    /// Filters changed: start again from the top.
    fn reload_list(&mut self) -> Vec<Effect> {
        self.list.generation += 1;
        self.list.cursor = 0;
        self.list.scroll = 0;
        self.list.rows.clear();
        self.list.offset = 0;
        self.list.requested = None;
        self.list.loaded = false;
        self.ensure_window()
    }

    fn move_cursor(&mut self, delta: i64) -> Vec<Effect> {
        let total = self.list.total as i64;
        if total == 0 {
            return Vec::new();
        }
        let c = (self.list.cursor as i64)
            .saturating_add(delta)
            .clamp(0, total - 1);
        self.list.cursor = c as usize;
        self.clamp_scroll();
        self.ensure_window()
    }

    fn clamp_scroll(&mut self) {
        let vh = list_viewport(self.size.1);
        let l = &mut self.list;
        if l.cursor < l.scroll {
            l.scroll = l.cursor;
        } else if l.cursor >= l.scroll + vh {
            l.scroll = l.cursor + 1 - vh;
        }
    }

    /// Ask for the page around the visible rows when they are not loaded.
    fn ensure_window(&mut self) -> Vec<Effect> {
        let vh = list_viewport(self.size.1);
        let l = &self.list;
        let want_end = if l.loaded {
            (l.scroll + vh).min(l.total as usize)
        } else {
            l.scroll + vh
        };
        let covered = l.loaded && l.scroll >= l.offset && want_end <= l.offset + l.rows.len();
        if covered {
            return Vec::new();
        }
        let offset = l.scroll.saturating_sub(vh);
        if l.requested == Some(offset) {
            return Vec::new();
        }
        let limit = vh * 3;
        self.list.requested = Some(offset);
        let generation = self.list.generation;
        let fuzzy = Some(self.list.fuzzy.clone()).filter(|f| !f.is_empty());
        let query = self.query(offset, limit);
        vec![self.send(Request::List {
            generation,
            query,
            fuzzy,
            today: self.today,
        })]
    }
}

/// A subsequence match of `needle` in `hay` (case-insensitive); a higher score is a tighter match.
pub fn fuzzy_score(needle: &str, hay: &str) -> Option<i64> {
    let mut score = 0i64;
    let mut last: Option<usize> = None;
    let hay: Vec<char> = hay.chars().flat_map(char::to_lowercase).collect();
    let mut i = 0;
    for n in needle.chars().flat_map(char::to_lowercase) {
        if n.is_whitespace() {
            continue;
        }
        let found = hay[i..].iter().position(|h| *h == n)? + i;
        score += match last {
            Some(l) if found == l + 1 => 10,
            _ => 1,
        };
        last = Some(found);
        i = found + 1;
    }
    Some(score)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fuzzy_matches_subsequences_and_prefers_runs() {
        assert!(fuzzy_score("惠民", "济宁市任城区惠民商贸有限公司").is_some());
        assert!(fuzzy_score("济商", "济宁市任城区惠民商贸有限公司").is_some());
        assert!(fuzzy_score("商济", "济宁市任城区惠民商贸有限公司").is_none());
        assert!(fuzzy_score("abc", "xabcx").unwrap() > fuzzy_score("abc", "axbxc").unwrap());
        assert!(fuzzy_score("913708", "91370811MA3C5XXXXX").is_some());
    }
}

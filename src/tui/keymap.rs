//! 快捷键表: one table of (command, keys, description) drives dispatch, the `?` help overlay and
//! the command palette. Keys are overridable from the config file.

use std::collections::BTreeMap;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::i18n::Lang;

/// Where a binding applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scope {
    /// Any main screen (not while typing in a field).
    Global,
    Applications,
    NewApplication,
    Detail,
    Dashboard,
    Policies,
    Services,
    Due,
}

impl Scope {
    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Scope::Global, Lang::Zh) => "全局",
            (Scope::Global, Lang::En) => "Global",
            (Scope::Applications, Lang::Zh) => "申请列表",
            (Scope::Applications, Lang::En) => "Applications",
            (Scope::NewApplication, Lang::Zh) => "新建申请",
            (Scope::NewApplication, Lang::En) => "New application",
            (Scope::Detail, Lang::Zh) => "申请详情",
            (Scope::Detail, Lang::En) => "Detail",
            (Scope::Dashboard, Lang::Zh) => "指标看板",
            (Scope::Dashboard, Lang::En) => "Dashboard",
            (Scope::Policies, Lang::Zh) => "政策包",
            (Scope::Policies, Lang::En) => "Policies",
            (Scope::Services, Lang::Zh) => "服务记录",
            (Scope::Services, Lang::En) => "Services",
            (Scope::Due, Lang::Zh) => "到期提醒",
            (Scope::Due, Lang::En) => "Due",
        }
    }
}

macro_rules! commands {
    ($($cmd:ident, $id:literal, $scope:ident, [$($key:literal),*], $zh:literal, $en:literal;)*) => {
        /// A command of the console: what a key, the palette or a test asks for.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Command { $($cmd),* }

        /// The built-in table: command, stable id (used in the config file), scope, default keys,
        /// description in Chinese and English.
        pub const TABLE: &[Binding] = &[
            $(Binding { command: Command::$cmd, id: $id, scope: Scope::$scope, keys: &[$($key),*], zh: $zh, en: $en },)*
        ];
    };
}

/// One row of the keymap table.
#[derive(Debug, Clone, Copy)]
pub struct Binding {
    pub command: Command,
    pub id: &'static str,
    pub scope: Scope,
    pub keys: &'static [&'static str],
    pub zh: &'static str,
    pub en: &'static str,
}

impl Binding {
    pub fn desc(&self, lang: Lang) -> &'static str {
        match lang {
            Lang::Zh => self.zh,
            Lang::En => self.en,
        }
    }
}

commands! {
    Quit, "quit", Global, ["q"], "退出", "Quit";
    Help, "help", Global, ["?", "f1"], "快捷键帮助", "Show keys";
    Palette, "palette", Global, [":", "ctrl-p"], "命令面板", "Command palette";
    GoApplications, "go_applications", Global, ["1"], "申请列表", "Applications";
    GoNew, "go_new", Global, ["2", "n"], "新建申请", "New application";
    GoDashboard, "go_dashboard", Global, ["3"], "指标看板", "Dashboard";
    GoPolicies, "go_policies", Global, ["4"], "政策包", "Policies";
    GoDue, "go_due", Global, ["5"], "到期提醒 (超期/今日/次日)", "What is due (overdue, today, next day)";
    GoServices, "go_services", Global, ["6"], "服务记录 (安全/能效/名录/公开/收费)", "Service records (safety, efficiency, firms, disclosure, fees)";
    Refresh, "refresh", Global, ["ctrl-r", "f5"], "刷新", "Refresh";
    Back, "back", Global, ["esc"], "返回", "Back";
    Up, "up", Applications, ["up", "k"], "上一条", "Previous row";
    Down, "down", Applications, ["down", "j"], "下一条", "Next row";
    PageUp, "page_up", Applications, ["pageup", "ctrl-b"], "上一页", "Page up";
    PageDown, "page_down", Applications, ["pagedown", "ctrl-f", "space"], "下一页", "Page down";
    Top, "top", Applications, ["home", "g"], "第一条", "First row";
    Bottom, "bottom", Applications, ["end", "G"], "最后一条", "Last row";
    Open, "open", Applications, ["enter"], "打开详情", "Open detail";
    Search, "search", Applications, ["/"], "模糊搜索 (客户名/证件号/地址)", "Fuzzy search (name, ID, address)";
    FilterState, "filter_state", Applications, ["s"], "按状态筛选 (循环)", "Filter by state (cycle)";
    FilterProcess, "filter_process", Applications, ["c"], "按流程类别筛选 (循环)", "Filter by process class (cycle)";
    FilterCounty, "filter_county", Applications, ["o"], "按区县筛选", "Filter by county";
    FilterOverdue, "filter_overdue", Applications, ["!"], "只看超期", "Overdue only";
    ToggleSort, "toggle_sort", Applications, ["t"], "按期限/编号排序", "Sort by deadline / id";
    ClearFilters, "clear_filters", Applications, ["x"], "清除筛选", "Clear filters";
    NextField, "next_field", NewApplication, ["tab", "down"], "下一字段", "Next field";
    PrevField, "prev_field", NewApplication, ["backtab", "up"], "上一字段", "Previous field";
    Submit, "submit", NewApplication, ["ctrl-s"], "提交受理", "Submit";
    ClearForm, "clear_form", NewApplication, ["ctrl-l"], "清空表单", "Clear form";
    Advance, "advance", Detail, ["a"], "推进到下一环节", "Advance to next state";
    CompletionReported, "completion_reported", Detail, ["r"], "登记客户竣工报验", "Record customer's completion";
    CloudAcceptance, "cloud_acceptance", Detail, ["u"], "云验收", "Cloud acceptance";
    Appointment, "appointment", Detail, ["p"], "预约上门", "Appointment";
    Filing, "filing", Detail, ["f"], "承诺备案", "Commitment filing";
    JointApplication, "joint_application", Detail, ["J"], "联合报装", "Joint application";
    TransferFlow, "transfer", Detail, ["T"], "联合过户", "Transfer with property";
    GridProject, "grid_project", Detail, ["P"], "配套电网工程", "Supporting grid project";
    Cancel, "cancel", Detail, ["X"], "撤销 (需填写原因)", "Cancel with a reason";
    AddNote, "note", Detail, ["m"], "添加备注", "Add a note";
    Print, "print", Detail, ["d"], "打印文书 (回执/告知书/方案/备案表, PDF)", "Print a paper (receipt, notice, plan, filing; PDF)";
    ScrollUp, "scroll_up", Detail, ["up", "k"], "向上滚动", "Scroll up";
    ScrollDown, "scroll_down", Detail, ["down", "j"], "向下滚动", "Scroll down";
    DashRefresh, "dashboard_refresh", Dashboard, ["r"], "重新计算指标", "Recompute metrics";
    DashReport, "dashboard_report", Dashboard, ["x"], "导出获得电力报表 (XLSX, 本年, 按区县)", "Export the Getting-Electricity report (XLSX, this year, by county)";
    PolicyUp, "policy_up", Policies, ["up", "k"], "上一个政策包", "Previous bundle";
    PolicyDown, "policy_down", Policies, ["down", "j"], "下一个政策包", "Next bundle";
    PolicyDiff, "policy_diff", Policies, ["d", "enter"], "对比切换影响", "Diff against active";
    PolicyActivate, "policy_activate", Policies, ["A"], "启用所选政策包", "Activate selected bundle";
    ServicesTab, "services_tab", Services, ["tab", "right", "l"], "下一类记录", "Next kind of record";
    ServicesTabBack, "services_tab_back", Services, ["backtab", "left", "h"], "上一类记录", "Previous kind of record";
    ServicesUp, "services_up", Services, ["up", "k"], "上一条", "Previous row";
    ServicesDown, "services_down", Services, ["down", "j"], "下一条", "Next row";
    HazardStep, "hazard_step", Services, ["s"], "隐患记下一步“四到位”", "Record the hazard's next 四到位 step";
    HazardRectify, "hazard_rectify", Services, ["R"], "隐患整改完毕", "Record the hazard rectified";
    PublishDisclosure, "publish_disclosure", Services, ["P"], "发布信息公开（新版本）", "Publish the disclosure (new version)";
    ServiceAdd, "service_add", Services, ["a"], "新增记录（隐患/能效计划/企业/接入能力/收费）", "Add a record (hazard, efficiency plan, firm, capacity, fee)";
    ServiceVisit, "service_visit", Services, ["v"], "记录走访 / 能效服务", "Record a visit / an efficiency service";
    CampaignOpen, "campaign_open", Services, ["o"], "开展安全专项行动", "Open a safety campaign";
    DetailServices, "detail_services", Detail, ["v"], "服务记录 (1+N/上门/能效/自选单位/收费)", "Service records (team, visit, efficiency, firm, fee)";
    DueUp, "due_up", Due, ["up", "k"], "上一条", "Previous row";
    DueDown, "due_down", Due, ["down", "j"], "下一条", "Next row";
    DueOpen, "due_open", Due, ["enter"], "打开详情", "Open detail";
    DueRefresh, "due_refresh", Due, ["r"], "重新统计", "Count again";
}

impl Command {
    pub fn binding(self) -> &'static Binding {
        TABLE
            .iter()
            .find(|b| b.command == self)
            .expect("every command has a row")
    }

    pub fn from_id(id: &str) -> Option<Command> {
        TABLE.iter().find(|b| b.id == id).map(|b| b.command)
    }
}

/// A key as written in the table and in the config file: `q`, `G`, `ctrl-p`, `enter`, `f5`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key {
    pub code: KeyCodeId,
    pub ctrl: bool,
    pub alt: bool,
}

/// The subset of key codes the keymap uses (ordered, hashable).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum KeyCodeId {
    Char(char),
    F(u8),
    Enter,
    Esc,
    Tab,
    BackTab,
    Backspace,
    Up,
    Down,
    Left,
    Right,
    Home,
    End,
    PageUp,
    PageDown,
    Delete,
}

/// A key string that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown key `{0}`: write keys like `q`, `G`, `ctrl-p`, `alt-x`, `enter`, `esc`, `tab`, `up`, `pagedown`, `f5`, `space`")]
pub struct BadKey(pub String);

impl Key {
    pub fn parse(s: &str) -> Result<Key, BadKey> {
        let bad = || BadKey(s.to_string());
        let mut ctrl = false;
        let mut alt = false;
        let mut rest = s;
        loop {
            if let Some(r) = rest
                .strip_prefix("ctrl-")
                .or_else(|| rest.strip_prefix("c-"))
            {
                ctrl = true;
                rest = r;
            } else if let Some(r) = rest
                .strip_prefix("alt-")
                .or_else(|| rest.strip_prefix("m-"))
            {
                alt = true;
                rest = r;
            } else {
                break;
            }
        }
        let code = match rest {
            "enter" | "return" => KeyCodeId::Enter,
            "esc" | "escape" => KeyCodeId::Esc,
            "tab" => KeyCodeId::Tab,
            "backtab" | "shift-tab" => KeyCodeId::BackTab,
            "backspace" => KeyCodeId::Backspace,
            "up" => KeyCodeId::Up,
            "down" => KeyCodeId::Down,
            "left" => KeyCodeId::Left,
            "right" => KeyCodeId::Right,
            "home" => KeyCodeId::Home,
            "end" => KeyCodeId::End,
            "pageup" | "pgup" => KeyCodeId::PageUp,
            "pagedown" | "pgdn" => KeyCodeId::PageDown,
            "delete" | "del" => KeyCodeId::Delete,
            "space" => KeyCodeId::Char(' '),
            f if f.len() >= 2
                && f.starts_with('f')
                && f[1..].chars().all(|c| c.is_ascii_digit()) =>
            {
                KeyCodeId::F(f[1..].parse().map_err(|_| bad())?)
            }
            c => {
                let mut it = c.chars();
                match (it.next(), it.next()) {
                    (Some(ch), None) => {
                        KeyCodeId::Char(if ctrl { ch.to_ascii_lowercase() } else { ch })
                    }
                    _ => return Err(bad()),
                }
            }
        };
        Ok(Key { code, ctrl, alt })
    }

    /// The key of a terminal key event (shift folded into the character).
    pub fn from_event(ev: &KeyEvent) -> Option<Key> {
        let ctrl = ev.modifiers.contains(KeyModifiers::CONTROL);
        let alt = ev.modifiers.contains(KeyModifiers::ALT);
        let code = match ev.code {
            KeyCode::Char(c) => KeyCodeId::Char(if ctrl { c.to_ascii_lowercase() } else { c }),
            KeyCode::F(n) => KeyCodeId::F(n),
            KeyCode::Enter => KeyCodeId::Enter,
            KeyCode::Esc => KeyCodeId::Esc,
            KeyCode::Tab if ev.modifiers.contains(KeyModifiers::SHIFT) => KeyCodeId::BackTab,
            KeyCode::Tab => KeyCodeId::Tab,
            KeyCode::BackTab => KeyCodeId::BackTab,
            KeyCode::Backspace => KeyCodeId::Backspace,
            KeyCode::Up => KeyCodeId::Up,
            KeyCode::Down => KeyCodeId::Down,
            KeyCode::Left => KeyCodeId::Left,
            KeyCode::Right => KeyCodeId::Right,
            KeyCode::Home => KeyCodeId::Home,
            KeyCode::End => KeyCodeId::End,
            KeyCode::PageUp => KeyCodeId::PageUp,
            KeyCode::PageDown => KeyCodeId::PageDown,
            KeyCode::Delete => KeyCodeId::Delete,
            _ => return None,
        };
        Some(Key { code, ctrl, alt })
    }
}

impl Key {
    /// The terminal key event this key stands for (tests and the palette replay keys with it).
    pub fn to_event(self) -> KeyEvent {
        let mut mods = KeyModifiers::NONE;
        if self.ctrl {
            mods |= KeyModifiers::CONTROL;
        }
        if self.alt {
            mods |= KeyModifiers::ALT;
        }
        let code = match self.code {
            KeyCodeId::Char(c) => {
                if c.is_ascii_uppercase() {
                    mods |= KeyModifiers::SHIFT;
                }
                KeyCode::Char(c)
            }
            KeyCodeId::F(n) => KeyCode::F(n),
            KeyCodeId::Enter => KeyCode::Enter,
            KeyCodeId::Esc => KeyCode::Esc,
            KeyCodeId::Tab => KeyCode::Tab,
            KeyCodeId::BackTab => {
                mods |= KeyModifiers::SHIFT;
                KeyCode::BackTab
            }
            KeyCodeId::Backspace => KeyCode::Backspace,
            KeyCodeId::Up => KeyCode::Up,
            KeyCodeId::Down => KeyCode::Down,
            KeyCodeId::Left => KeyCode::Left,
            KeyCodeId::Right => KeyCode::Right,
            KeyCodeId::Home => KeyCode::Home,
            KeyCodeId::End => KeyCode::End,
            KeyCodeId::PageUp => KeyCode::PageUp,
            KeyCodeId::PageDown => KeyCode::PageDown,
            KeyCodeId::Delete => KeyCode::Delete,
        };
        KeyEvent::new(code, mods)
    }
}

impl std::fmt::Display for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.ctrl {
            f.write_str("Ctrl-")?;
        }
        if self.alt {
            f.write_str("Alt-")?;
        }
        match self.code {
            KeyCodeId::Char(' ') => f.write_str("Space"),
            KeyCodeId::Char(c) => write!(f, "{c}"),
            KeyCodeId::F(n) => write!(f, "F{n}"),
            KeyCodeId::Enter => f.write_str("Enter"),
            KeyCodeId::Esc => f.write_str("Esc"),
            KeyCodeId::Tab => f.write_str("Tab"),
            KeyCodeId::BackTab => f.write_str("Shift-Tab"),
            KeyCodeId::Backspace => f.write_str("Backspace"),
            KeyCodeId::Up => f.write_str("Up"),
            KeyCodeId::Down => f.write_str("Down"),
            KeyCodeId::Left => f.write_str("Left"),
            KeyCodeId::Right => f.write_str("Right"),
            KeyCodeId::Home => f.write_str("Home"),
            KeyCodeId::End => f.write_str("End"),
            KeyCodeId::PageUp => f.write_str("PgUp"),
            KeyCodeId::PageDown => f.write_str("PgDn"),
            KeyCodeId::Delete => f.write_str("Del"),
        }
    }
}

/// A config override that could not be applied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeymapError {
    #[error("[keys] {command}: no such command; known commands: {known}")]
    UnknownCommand { command: String, known: String },
    #[error("[keys] {command}: {source}")]
    BadKey { command: String, source: BadKey },
}

/// The effective keymap: the built-in table with the config's overrides.
#[derive(Debug, Clone)]
pub struct Keymap {
    keys: BTreeMap<Command, Vec<Key>>,
}

impl Default for Keymap {
    fn default() -> Self {
        let keys = TABLE
            .iter()
            .map(|b| {
                (
                    b.command,
                    b.keys
                        .iter()
                        .map(|k| Key::parse(k).expect("built-in keys parse"))
                        .collect(),
                )
            })
            .collect();
        Keymap { keys }
    }
}

impl Keymap {
    /// The built-in keys with `overrides` (command id → keys) replacing a command's keys.
    pub fn with_overrides(
        overrides: &BTreeMap<String, Vec<String>>,
    ) -> Result<Keymap, KeymapError> {
        let mut map = Keymap::default();
        for (id, keys) in overrides {
            let command = Command::from_id(id).ok_or_else(|| KeymapError::UnknownCommand {
                command: id.clone(),
                known: TABLE.iter().map(|b| b.id).collect::<Vec<_>>().join(", "),
            })?;
            let parsed = keys
                .iter()
                .map(|k| Key::parse(k))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|source| KeymapError::BadKey {
                    command: id.clone(),
                    source,
                })?;
            map.keys.insert(command, parsed);
        }
        Ok(map)
    }

    pub fn keys(&self, command: Command) -> &[Key] {
        self.keys.get(&command).map(Vec::as_slice).unwrap_or(&[])
    }

    /// Keys of a command for display: `a`, `Ctrl-P / :`.
    pub fn keys_label(&self, command: Command) -> String {
        self.keys(command)
            .iter()
            .map(Key::to_string)
            .collect::<Vec<_>>()
            .join(" / ")
    }

    /// The command bound to `key` on a screen: the screen's own bindings win over global ones.
    pub fn lookup(&self, scope: Scope, key: Key) -> Option<Command> {
        let find = |s: Scope| {
            TABLE
                .iter()
                .filter(|b| b.scope == s)
                .find(|b| self.keys(b.command).contains(&key))
                .map(|b| b.command)
        };
        if scope != Scope::Global {
            if let Some(c) = find(scope) {
                return Some(c);
            }
        }
        find(Scope::Global)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_default_key_parses_and_no_scope_binds_a_key_twice() {
        let map = Keymap::default();
        for scope in [
            Scope::Global,
            Scope::Applications,
            Scope::NewApplication,
            Scope::Detail,
            Scope::Dashboard,
            Scope::Policies,
            Scope::Services,
            Scope::Due,
        ] {
            let mut seen = std::collections::HashSet::new();
            for b in TABLE.iter().filter(|b| b.scope == scope) {
                for k in map.keys(b.command) {
                    assert!(seen.insert(*k), "{k} bound twice in {scope:?}");
                }
            }
        }
    }

    #[test]
    fn overrides_replace_keys_and_unknown_commands_are_named() {
        let mut o = BTreeMap::new();
        o.insert("quit".to_string(), vec!["ctrl-q".to_string()]);
        let map = Keymap::with_overrides(&o).unwrap();
        assert_eq!(
            map.lookup(Scope::Applications, Key::parse("ctrl-q").unwrap()),
            Some(Command::Quit)
        );
        assert_eq!(
            map.lookup(Scope::Applications, Key::parse("q").unwrap()),
            None
        );
        o.insert("fly".to_string(), vec!["z".to_string()]);
        let err = Keymap::with_overrides(&o).unwrap_err();
        assert!(err.to_string().contains("fly"));
        let mut bad = BTreeMap::new();
        bad.insert("quit".to_string(), vec!["hyper-q".to_string()]);
        assert!(Keymap::with_overrides(&bad)
            .unwrap_err()
            .to_string()
            .contains("hyper-q"));
    }
}

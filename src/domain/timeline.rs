//! 物流式查询: an application's progress shown like parcel tracking, with the grid's and the
//! customer's working-day clocks and the deadline of the pending step.
//!
//! Time spent in a state counts on the clock of that state's owner (`workflow::clock_owner`):
//! while the customer builds its works the grid's clock stops. A step's limit
//! (`Decision.steps[].limit_working_days`) counts from the event named in `steps[].from`, and the
//! customer's working days between that event and now are not charged to the grid. Days are
//! counted in China time; a deadline that a year without an official calendar touches is marked
//! provisional (`deadline_provisional`, `missing_calendar_years`).

use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::Serialize;

use super::application::{AppId, Application};
use super::calendar::{china_date, Counted, MissingYears, WorkingCalendar};
use super::decision::{Decision, StepLimit};
use super::event::{Event, EventDraft, EventKind};
use super::workflow::{clock_owner, next_states, pending_step, ClockOwner, ProcessClass, State};

type At = DateTime<FixedOffset>;

/// 进度计算错误: why a timeline or deadline could not be computed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimelineError {
    #[error("application {0} has no `accepted` event; its clocks cannot start")]
    NotAccepted(AppId),
    #[error("application {app}: step {step} counts from `{from}`, which is not a workflow event; use accepted or a state id such as completion_reported")]
    UnknownFrom {
        app: AppId,
        step: String,
        from: String,
    },
    #[error("application {app}: step {step} counts from `{from}`, but the application never reached {from}")]
    MissingFrom {
        app: AppId,
        step: String,
        from: String,
    },
}

/// The grid step that entering a state completes (`line_built` → `line_built`, …).
pub fn step_completed_by(state: State) -> Option<&'static str> {
    match state {
        State::LineBuilt => Some("line_built"),
        State::PlanReplied => Some("reply_plan"),
        State::DesignReviewed => Some("design_review"),
        State::MidInspected => Some("mid_inspection"),
        State::CompletionInspected => Some("completion_inspection"),
        State::Energized => Some("energize"),
        _ => None,
    }
}

/// A workflow state as entered: when, by whom.
#[derive(Debug, Clone, PartialEq)]
struct Move {
    state: State,
    at: At,
}

/// 环节时限检查: a completed grid step measured against its limit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StepCheck {
    pub step: String,
    pub limit_working_days: u32,
    pub deadline: NaiveDate,
    /// The deadline was counted over a day of a year without an official calendar.
    pub deadline_provisional: bool,
    /// Those years (their State Council notices are not loaded yet).
    pub missing_calendar_years: MissingYears,
    pub done: NaiveDate,
    pub on_time: bool,
}

/// 进度记录: one line of the tracking view.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Entry {
    pub seq: u64,
    pub at: At,
    pub actor: String,
    pub note: Option<String>,
    /// What happened, in Chinese (已答复方案, 配套电网工程 start, 备注, …).
    pub label: String,
    /// The workflow state after this event.
    pub state: State,
    /// Whether this event moved the workflow.
    pub moved: bool,
    /// Working days since the previous move, on the grid's clock (0 unless `moved`).
    pub grid_working_days: u32,
    /// Working days since the previous move, on the customer's clock (0 unless `moved`).
    pub customer_working_days: u32,
    /// The grid step this move completed, measured against its limit.
    pub step: Option<StepCheck>,
}

/// 待办环节: the step the application waits on, with its deadline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Pending {
    pub step: String,
    pub limit_working_days: u32,
    /// The event the limit counts from.
    pub counted_from: String,
    pub deadline: NaiveDate,
    /// The deadline was counted over a day of a year without an official calendar.
    pub deadline_provisional: bool,
    /// Those years (their State Council notices are not loaded yet).
    pub missing_calendar_years: MissingYears,
    /// Working days left on the grid's clock as of the view date (negative when overdue).
    pub remaining_working_days: i64,
    pub overdue: bool,
}

/// 物流式查询: the whole view of one application as of a date.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Timeline {
    pub id: AppId,
    pub process: ProcessClass,
    pub status: State,
    pub as_of: NaiveDate,
    pub entries: Vec<Entry>,
    /// Whose clock runs now.
    pub clock: ClockOwner,
    /// Working days used so far on each clock (the open interval counted up to `as_of`).
    pub grid_working_days: u32,
    pub customer_working_days: u32,
    /// The grid's whole limit and what is left of it, if the decision sets one.
    pub grid_total_limit_working_days: Option<u32>,
    pub grid_total_remaining_working_days: Option<i64>,
    pub pending: Option<Pending>,
    /// Where the application may go next.
    pub next: Vec<State>,
}

/// The events of `app`, oldest first.
fn own_events<'a>(app: &Application, events: &'a [Event]) -> Vec<&'a Event> {
    let mut own: Vec<&Event> = events.iter().filter(|e| e.draft.app_id == app.id).collect();
    own.sort_by_key(|e| e.seq);
    own
}

/// The workflow moves of an application: the acceptance first.
fn moves<'a>(
    app: &Application,
    drafts: impl IntoIterator<Item = &'a EventDraft>,
) -> Result<Vec<Move>, TimelineError> {
    let mut out = Vec::new();
    for e in drafts {
        match &e.kind {
            EventKind::Accepted if out.is_empty() => out.push(Move {
                state: State::Accepted,
                at: e.at,
            }),
            EventKind::Advanced { to, .. } if !out.is_empty() => out.push(Move {
                state: *to,
                at: e.at,
            }),
            EventKind::Cancelled { .. } if !out.is_empty() => out.push(Move {
                state: State::Cancelled,
                at: e.at,
            }),
            _ => {}
        }
    }
    if out.is_empty() {
        return Err(TimelineError::NotAccepted(app.id.clone()));
    }
    Ok(out)
}

/// The deadline of `limit` for a step pending in the last of `moves` (the state entered last).
fn deadline_of(
    app: &Application,
    limit: &StepLimit,
    moves: &[Move],
    cal: &WorkingCalendar,
) -> Result<Counted<NaiveDate>, TimelineError> {
    let from_state = State::from_id(&limit.from).ok_or_else(|| TimelineError::UnknownFrom {
        app: app.id.clone(),
        step: limit.id.clone(),
        from: limit.from.clone(),
    })?;
    let from_idx = moves
        .iter()
        .rposition(|m| m.state == from_state)
        .ok_or_else(|| TimelineError::MissingFrom {
            app: app.id.clone(),
            step: limit.id.clone(),
            from: limit.from.clone(),
        })?;
    // Customer time between the `from` event and now does not count against the grid.
    let mut customer = 0;
    let mut missing = MissingYears::default();
    for pair in moves[from_idx..].windows(2) {
        if clock_owner(app.process, pair[0].state) == ClockOwner::Customer {
            let days = cal.working_days_between(china_date(pair[0].at), china_date(pair[1].at));
            customer += days.value;
            missing.merge(&days.missing);
        }
    }
    let mut deadline = cal.add_working_days(
        china_date(moves[from_idx].at),
        limit.limit_working_days + customer,
    );
    deadline.missing.merge(&missing);
    Ok(deadline)
}

fn pending_limit(
    decision: Option<&Decision>,
    process: ProcessClass,
    state: State,
) -> Option<&StepLimit> {
    decision?.step(pending_step(process, state)?)
}

/// When the current step's grid-side limit runs out; `None` while the grid's clock is stopped or
/// no limit applies. The service sets `Application.deadline` (and whether it is provisional) from
/// this after every move.
pub fn deadline_for(
    app: &Application,
    events: &[Event],
    calendar: &WorkingCalendar,
) -> Result<Option<Counted<NaiveDate>>, TimelineError> {
    if clock_owner(app.process, app.status) != ClockOwner::Grid {
        return Ok(None);
    }
    let Some(limit) = pending_limit(app.decision.as_ref(), app.process, app.status) else {
        return Ok(None);
    };
    let own = own_events(app, events);
    let moves = moves(app, own.iter().map(|e| &e.draft))?;
    Ok(Some(deadline_of(app, limit, &moves, calendar)?))
}

/// [`deadline_for`] over event drafts not yet chained (oldest first), e.g. an application's
/// stored events followed by the drafts of the command being committed.
pub fn deadline_for_drafts(
    app: &Application,
    drafts: &[EventDraft],
    calendar: &WorkingCalendar,
) -> Result<Option<Counted<NaiveDate>>, TimelineError> {
    if clock_owner(app.process, app.status) != ClockOwner::Grid {
        return Ok(None);
    }
    let Some(limit) = pending_limit(app.decision.as_ref(), app.process, app.status) else {
        return Ok(None);
    };
    let moves = moves(app, drafts.iter().filter(|d| d.app_id == app.id))?;
    Ok(Some(deadline_of(app, limit, &moves, calendar)?))
}

/// The tracking view of `app` as of `on`.
pub fn timeline(
    app: &Application,
    events: &[Event],
    calendar: &WorkingCalendar,
    on: NaiveDate,
) -> Result<Timeline, TimelineError> {
    let own = own_events(app, events);
    let all_moves = moves(app, own.iter().map(|e| &e.draft))?;
    let mut entries = Vec::with_capacity(own.len());
    let mut seen = 0usize; // moves up to and including the current event
    let (mut grid, mut customer) = (0u32, 0u32);
    for e in &own {
        let is_move = match &e.draft.kind {
            EventKind::Accepted => seen == 0,
            EventKind::Advanced { .. } | EventKind::Cancelled { .. } => seen > 0,
            _ => false,
        };
        let (mut g, mut c, mut step) = (0, 0, None);
        if is_move {
            seen += 1;
            if seen >= 2 {
                let prev = &all_moves[seen - 2];
                let here = &all_moves[seen - 1];
                let days = calendar
                    .working_days_between(china_date(prev.at), china_date(here.at))
                    .value;
                match clock_owner(app.process, prev.state) {
                    ClockOwner::Grid => g = days,
                    ClockOwner::Customer => c = days,
                    ClockOwner::Stopped => {}
                }
                step = check_step(app, &all_moves[..seen - 1], here, calendar)?;
            }
        }
        grid += g;
        customer += c;
        let state = if seen == 0 {
            State::Accepted
        } else {
            all_moves[seen - 1].state
        };
        entries.push(Entry {
            seq: e.seq,
            at: e.draft.at,
            actor: e.draft.actor.clone(),
            note: e.draft.note.clone(),
            label: label(&e.draft.kind),
            state,
            moved: is_move,
            grid_working_days: g,
            customer_working_days: c,
            step,
        });
    }

    // The open interval: the current state's owner uses the days up to `on`.
    let last = all_moves
        .last()
        .expect("moves() returns at least the acceptance");
    let clock = clock_owner(app.process, app.status);
    let open = calendar.working_days_between(china_date(last.at), on).value;
    match clock {
        ClockOwner::Grid => grid += open,
        ClockOwner::Customer => customer += open,
        ClockOwner::Stopped => {}
    }

    let pending = match (
        clock,
        pending_limit(app.decision.as_ref(), app.process, app.status),
    ) {
        (ClockOwner::Grid, Some(limit)) => {
            let Counted {
                value: deadline,
                missing,
            } = deadline_of(app, limit, &all_moves, calendar)?;
            let remaining = if on <= deadline {
                i64::from(calendar.working_days_between(on, deadline).value)
            } else {
                -i64::from(calendar.working_days_between(deadline, on).value)
            };
            Some(Pending {
                step: limit.id.clone(),
                limit_working_days: limit.limit_working_days,
                counted_from: limit.from.clone(),
                deadline,
                deadline_provisional: !missing.is_empty(),
                missing_calendar_years: missing,
                remaining_working_days: remaining,
                overdue: on > deadline,
            })
        }
        _ => None,
    };
    let total = app
        .decision
        .as_ref()
        .and_then(|d| d.grid_total_limit_working_days);
    Ok(Timeline {
        id: app.id.clone(),
        process: app.process,
        status: app.status,
        as_of: on,
        entries,
        clock,
        grid_working_days: grid,
        customer_working_days: customer,
        grid_total_limit_working_days: total,
        grid_total_remaining_working_days: total.map(|t| i64::from(t) - i64::from(grid)),
        pending,
        next: next_states(app.process, app.status),
    })
}

/// The step completed by entering `here` after `before`, measured against its limit.
fn check_step(
    app: &Application,
    before: &[Move],
    here: &Move,
    cal: &WorkingCalendar,
) -> Result<Option<StepCheck>, TimelineError> {
    let Some(id) = step_completed_by(here.state) else {
        return Ok(None);
    };
    let Some(limit) = app.decision.as_ref().and_then(|d| d.step(id)) else {
        return Ok(None);
    };
    let Counted {
        value: deadline,
        missing,
    } = deadline_of(app, limit, before, cal)?;
    let done = china_date(here.at);
    Ok(Some(StepCheck {
        step: id.to_string(),
        limit_working_days: limit.limit_working_days,
        deadline,
        deadline_provisional: !missing.is_empty(),
        missing_calendar_years: missing,
        done,
        on_time: done <= deadline,
    }))
}

/// The completed steps of an application, each against its limit (for metrics).
pub fn step_checks(
    app: &Application,
    events: &[Event],
    calendar: &WorkingCalendar,
) -> Result<Vec<StepCheck>, TimelineError> {
    let own = own_events(app, events);
    let all = moves(app, own.iter().map(|e| &e.draft))?;
    let mut out = Vec::new();
    for i in 1..all.len() {
        if let Some(check) = check_step(app, &all[..i], &all[i], calendar)? {
            out.push(check);
        }
    }
    Ok(out)
}

/// Working days on the grid's and the customer's clocks between acceptance and `until`
/// (the open interval counted up to `until`).
pub fn clocks(
    app: &Application,
    events: &[Event],
    calendar: &WorkingCalendar,
    until: NaiveDate,
) -> Result<(u32, u32), TimelineError> {
    let own = own_events(app, events);
    let all = moves(app, own.iter().map(|e| &e.draft))?;
    let (mut grid, mut customer) = (0, 0);
    for (i, m) in all.iter().enumerate() {
        let start = china_date(m.at);
        let end = all
            .get(i + 1)
            .map_or(until, |n| china_date(n.at))
            .min(until);
        let days = calendar.working_days_between(start, end).value;
        match clock_owner(app.process, m.state) {
            ClockOwner::Grid => grid += days,
            ClockOwner::Customer => customer += days,
            ClockOwner::Stopped => {}
        }
    }
    Ok((grid, customer))
}

fn label(kind: &EventKind) -> String {
    match kind {
        EventKind::Accepted => State::Accepted.label_zh().to_string(),
        EventKind::Advanced { to, .. } => to.label_zh().to_string(),
        EventKind::Cancelled { reason, .. } => format!("{}: {reason}", State::Cancelled.label_zh()),
        EventKind::SideFlow { flow, action } => {
            format!("{} {}", flow_label_zh(flow), action_label_zh(flow, action))
        }
        EventKind::Amended { reason, fields } => {
            format!("更正申请（{}）: {reason}", fields.join("、"))
        }
        EventKind::Noted => "备注".to_string(),
        EventKind::Sealed { reason } => format!("记录封存: {reason}"),
        EventKind::PolicyActivated {
            region, version, ..
        } => format!("启用规则包 {region} {version}"),
        EventKind::Service { key, action } => {
            crate::domain::office::record::describe_zh(key, action)
        }
    }
}

/// The Chinese name of a side flow id.
pub fn flow_label_zh(flow: &str) -> &str {
    match flow {
        "grid_project" => "配套电网工程",
        "filing" => "承诺备案",
        "cloud_acceptance" => "云验收",
        "joint" => "联合报装",
        "appointment" => "预约上门",
        "transfer" => "联合过户",
        "energizing" => "接电记录",
        other => other,
    }
}

/// The Chinese name of a side-flow action id.
pub fn action_label_zh<'a>(flow: &str, action: &'a str) -> &'a str {
    match (flow, action) {
        ("grid_project", "sign_contract") => "签订合同",
        ("grid_project", "start") | ("filing", "start_work") => "开工",
        ("grid_project", "complete") => "竣工",
        ("filing", "file") => "填报备案表",
        ("filing", "push_to_bureau") => "推送审批局",
        ("filing", "post_at_site") => "现场公示",
        ("cloud_acceptance", "add_evidence") => "上传资料",
        ("cloud_acceptance", "submit") => "提交验收",
        ("cloud_acceptance", "pre_accept") => "预验收通过",
        ("cloud_acceptance", "reject") => "退回补充",
        ("joint", "apply") => "联合申请",
        ("joint", "approve") => "联合审批",
        ("joint", "accept") => "联合验收",
        ("appointment", "book") => "预约",
        ("appointment", "done") => "已上门",
        ("appointment", "cancel") => "取消预约",
        ("transfer", "request") => "申请过户",
        ("transfer", "register_property") => "不动产登记",
        ("transfer", "complete") => "过户完成",
        ("energizing", "record") => "记录接电方式",
        (_, other) => other,
    }
}

//! 界面: drawing the console from its state. Nothing here does I/O or changes the state.

mod applications;
mod dashboard;
mod detail;
mod dialogs;
pub(crate) mod due;
mod help;
mod new_application;
mod palette;
mod policies;
pub(crate) mod services;

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;
use unicode_width::UnicodeWidthStr;

use super::app::{App, Overlay, Screen};
use super::i18n::Msg;
use super::keymap::Command;

/// The calm palette: one accent, one warning, one alarm.
pub(crate) mod theme {
    use ratatui::style::{Color, Modifier, Style};
    pub const ACCENT: Color = Color::Cyan;
    pub fn title() -> Style {
        Style::new().fg(ACCENT).add_modifier(Modifier::BOLD)
    }
    pub fn header() -> Style {
        Style::new().add_modifier(Modifier::BOLD | Modifier::UNDERLINED)
    }
    pub fn dim() -> Style {
        Style::new().fg(Color::DarkGray)
    }
    pub fn selected() -> Style {
        Style::new()
            .bg(Color::Rgb(40, 60, 80))
            .add_modifier(Modifier::BOLD)
    }
    pub fn warn() -> Style {
        Style::new().fg(Color::Yellow)
    }
    pub fn alarm() -> Style {
        Style::new().fg(Color::Red).add_modifier(Modifier::BOLD)
    }
    pub fn ok() -> Style {
        Style::new().fg(Color::Green)
    }
    pub fn key() -> Style {
        Style::new().fg(ACCENT)
    }
    pub fn dialog() -> Style {
        Style::new().bg(Color::Rgb(30, 34, 44)).fg(Color::White)
    }
}

/// Draw the whole console.
pub fn draw(app: &App, frame: &mut Frame) {
    let [tabs, body, status] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(1),
    ])
    .areas(frame.area());
    draw_tabs(app, frame, tabs);
    match app.screen {
        Screen::Applications => applications::draw(app, frame, body),
        Screen::NewApplication => new_application::draw(app, frame, body),
        Screen::Detail => detail::draw(app, frame, body),
        Screen::Dashboard => dashboard::draw(app, frame, body),
        Screen::Policies => policies::draw(app, frame, body),
        Screen::Services => services::draw(app, frame, body),
        Screen::Due => due::draw(app, frame, body),
    }
    draw_status(app, frame, status);
    match &app.overlay {
        None => {}
        Some(Overlay::Help { scroll }) => help::draw(app, frame, *scroll),
        Some(Overlay::Palette { input, selected }) => palette::draw(app, frame, input, *selected),
        Some(o) => dialogs::draw(app, frame, o),
    }
}

fn draw_tabs(app: &App, frame: &mut Frame, area: Rect) {
    let tabs = [
        (
            Screen::Applications,
            Command::GoApplications,
            Msg::ScreenApplications,
        ),
        (Screen::NewApplication, Command::GoNew, Msg::ScreenNew),
        (
            Screen::Dashboard,
            Command::GoDashboard,
            Msg::ScreenDashboard,
        ),
        (Screen::Policies, Command::GoPolicies, Msg::ScreenPolicies),
        (Screen::Due, Command::GoDue, Msg::ScreenDue),
        (Screen::Services, Command::GoServices, Msg::ScreenServices),
    ];
    let first = |c: Command| {
        app.keymap
            .keys(c)
            .first()
            .map(|k| k.to_string())
            .unwrap_or_default()
    };
    let help = format!(
        "{} {}  {} {} ",
        first(Command::Help),
        app.t(Msg::Help),
        first(Command::Palette),
        app.t(Msg::Palette)
    );
    // The widest layout that fits: roomy, then tight, then without the help hint, then only the
    // current screen named (the others by their keys).
    let width = area.width as usize;
    for (gap, with_help, all_named) in [
        ("   ", true, true),
        (" ", true, true),
        (" ", false, true),
        (" ", false, false),
    ] {
        let mut spans = vec![
            Span::styled(
                format!(" {} ", app.t(Msg::AppTitle)),
                theme::title().add_modifier(Modifier::REVERSED),
            ),
            Span::raw(" "),
        ];
        for (screen, cmd, label) in tabs {
            let current = app.screen == screen
                || (screen == Screen::Applications && app.screen == Screen::Detail);
            let style = if current {
                theme::title()
            } else {
                theme::dim()
            };
            if all_named || current {
                spans.push(Span::styled(format!("{} ", first(cmd)), theme::key()));
                spans.push(Span::styled(label.text(app.lang), style));
            } else {
                spans.push(Span::styled(first(cmd), theme::key()));
            }
            spans.push(Span::raw(gap));
        }
        let used: usize = spans.iter().map(|s| s.content.width()).sum();
        let needed = used + if with_help { help.width() } else { 0 };
        if needed > width && all_named {
            continue;
        }
        if with_help {
            spans.push(Span::raw(" ".repeat(width.saturating_sub(needed))));
            spans.push(Span::styled(help, theme::dim()));
        }
        frame.render_widget(Paragraph::new(Line::from(spans)), area);
        return;
    }
}

fn draw_status(app: &App, frame: &mut Frame, area: Rect) {
    let mut spans = Vec::new();
    if app.pending > 0 {
        let work = match &app.progress {
            Some((label, done, total)) if *total > 0 => {
                format!(" {label} {}% ", done * 100 / total)
            }
            Some((label, done, _)) => format!(" {label} {done} "),
            None => format!(" {} ", app.t(Msg::Working)),
        };
        spans.push(Span::styled(
            work,
            Style::new().bg(Color::Yellow).fg(Color::Black),
        ));
        spans.push(Span::raw(" "));
    }
    let style = if app.status_is_error {
        theme::alarm()
    } else {
        Style::new()
    };
    spans.push(Span::styled(
        super::text_input::truncate(&app.status, area.width as usize),
        style,
    ));
    frame.render_widget(
        Paragraph::new(Line::from(spans)).style(Style::new().bg(Color::Rgb(24, 24, 28))),
        area,
    );
}

/// A centred rectangle `w` x `h` inside `area`.
pub(crate) fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}

/// A section title line: `label` in bold, with a dim hint after it.
pub(crate) fn section(label: &str, hint: &str) -> Line<'static> {
    Line::from(vec![
        Span::styled(label.to_string(), theme::header()),
        Span::styled(format!("  {hint}"), theme::dim()),
    ])
}

/// Remaining working days as text and style: alarm when past, warning when 1 or less.
pub(crate) fn remaining_span(wd: Option<i64>, lang: super::i18n::Lang) -> Span<'static> {
    match wd {
        None => Span::styled("-", theme::dim()),
        Some(d) if d < 0 => Span::styled(
            match lang {
                super::i18n::Lang::Zh => format!("超{}", -d),
                super::i18n::Lang::En => format!("{d}"),
            },
            theme::alarm(),
        ),
        Some(d) if d <= 1 => Span::styled(d.to_string(), theme::warn()),
        Some(d) => Span::raw(d.to_string()),
    }
}

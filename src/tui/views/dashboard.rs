//! 指标看板: counts by state and class, on-time shares, durations, overdue list, programme
//! coverage, live-line rate and monthly charts. Figures come from the worker; this only draws.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Bar, BarChart, BarGroup, Paragraph, Sparkline};
use ratatui::Frame;

use super::{section, theme};
use crate::tui::app::App;
use crate::tui::i18n::Msg;
use crate::tui::text_input::{pad, truncate};

fn pct(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

pub fn draw(app: &App, frame: &mut Frame, area: Rect) {
    let Some(m) = &app.metrics else {
        frame.render_widget(
            Paragraph::new(Line::styled(app.t(Msg::Loading), theme::dim())),
            area,
        );
        return;
    };
    let [top, bottom] = Layout::vertical([
        Constraint::Min(8),
        Constraint::Length(area.height.min(9) / 1),
    ])
    .areas(area);
    let [c1, c2, c3] = Layout::horizontal([
        Constraint::Percentage(30),
        Constraint::Percentage(40),
        Constraint::Percentage(30),
    ])
    .spacing(1)
    .areas(top);

    // Column 1: by state and by class, coverage.
    let mut l = vec![section(
        app.t(Msg::ByState),
        &format!("{} {}", app.t(Msg::Total), m.total),
    )];
    for (s, n) in &m.by_state {
        l.push(Line::from(vec![
            Span::raw(pad(app.lang.state(*s), 14)),
            Span::styled(format!("{n:>8}"), theme::title()),
        ]));
    }
    l.push(section(app.t(Msg::ByClass), ""));
    for (p, n) in &m.by_process {
        l.push(Line::from(vec![
            Span::raw(pad(p, 14)),
            Span::styled(format!("{n:>8}"), theme::title()),
        ]));
    }
    l.push(section(app.t(Msg::Coverage), ""));
    l.push(Line::raw(format!(
        "三零 {}   三省 {}",
        pct(m.three_zero_share),
        pct(m.three_save_share)
    )));
    l.push(Line::from(vec![
        Span::styled(format!("{} ", app.t(Msg::LiveLine)), theme::dim()),
        Span::styled(
            pct(m.live_line_rate),
            if m.live_line_rate >= 0.999 {
                theme::ok()
            } else {
                theme::warn()
            },
        ),
    ]));
    frame.render_widget(Paragraph::new(l), c1);

    // Column 2: on time per class and step, durations.
    let mut l = vec![section(app.t(Msg::OnTime), "")];
    for (p, step, share, n) in &m.on_time {
        let style = if *share >= 0.95 {
            theme::ok()
        } else if *share >= 0.8 {
            theme::warn()
        } else {
            theme::alarm()
        };
        l.push(Line::from(vec![
            Span::raw(format!("{} {} ", pad(p, 11), pad(&app.lang.step(step), 13))),
            Span::styled(format!("{:>6}", pct(*share)), style),
            Span::styled(format!(" /{n}"), theme::dim()),
        ]));
    }
    l.push(section(
        app.t(Msg::Durations),
        if app.lang == crate::tui::i18n::Lang::Zh {
            "工作日 | 自然日"
        } else {
            "working | calendar"
        },
    ));
    for (p, mw, pw, mc, pc) in &m.durations {
        l.push(Line::raw(format!(
            "{} {mw:>5.1} {pw:>5.1} | {mc:>5.1} {pc:>5.1}",
            pad(p, 11)
        )));
    }
    frame.render_widget(Paragraph::new(l), c2);

    // Column 3: overdue list.
    let mut l = vec![section(
        app.t(Msg::OverdueList),
        &m.overdue_total.to_string(),
    )];
    for (id, name, days) in m.overdue.iter().take(c3.height.saturating_sub(1) as usize) {
        l.push(Line::from(vec![
            Span::raw(format!("{} ", id)),
            Span::raw(truncate(
                name,
                (c3.width as usize).saturating_sub(id.0.len() + 6),
            )),
            Span::styled(format!(" {days}"), theme::alarm()),
        ]));
    }
    frame.render_widget(Paragraph::new(l), c3);

    // Bottom: accepted by month as a bar chart and a sparkline.
    let [bars, spark] =
        Layout::horizontal([Constraint::Percentage(70), Constraint::Percentage(30)])
            .spacing(1)
            .areas(bottom);
    let [bt, bc] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(bars);
    frame.render_widget(Paragraph::new(section(app.t(Msg::ByMonth), "")), bt);
    let max_bars = (bc.width / 6).max(1) as usize;
    let recent = &m.by_month[m.by_month.len().saturating_sub(max_bars)..];
    let group: Vec<Bar> = recent
        .iter()
        .map(|(month, n)| {
            Bar::default()
                .value(*n)
                .label(Line::raw(month[2..].to_string()))
        })
        .collect();
    let chart = BarChart::default()
        .data(BarGroup::default().bars(&group))
        .bar_width(5)
        .bar_gap(1)
        .bar_style(Style::new().fg(theme::ACCENT));
    frame.render_widget(chart, bc);
    let [st, sc] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(spark);
    frame.render_widget(Paragraph::new(section(app.t(Msg::ByMonth), "")), st);
    let data: Vec<u64> = m.by_month.iter().map(|(_, n)| *n).collect();
    frame.render_widget(
        Sparkline::default()
            .data(&data)
            .style(Style::new().fg(theme::ACCENT)),
        sc,
    );
}

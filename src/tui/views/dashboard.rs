//! 指标看板: counts by state and class, on-time shares per class and step, median and p90
//! durations, the overdue list, 三零/三省 coverage, the live-line rate and monthly charts.
//! Figures come from `domain::metrics`, computed on the worker; this only draws.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Bar, BarChart, BarGroup, Paragraph, Sparkline};
use ratatui::Frame;

use super::{section, theme};
use crate::domain::{CustomerClass, ProcessClass, State};
use crate::tui::app::App;
use crate::tui::i18n::{Lang, Msg};
use crate::tui::text_input::{pad, truncate};

fn pct(x: Option<f64>) -> String {
    x.map(|x| format!("{:.1}%", x * 100.0))
        .unwrap_or_else(|| "-".into())
}

/// The `n` months up to `today`'s, each with its figures (zero where `months` has none).
fn continuous_months(
    months: &[crate::domain::metrics::Month],
    today: chrono::NaiveDate,
    n: usize,
) -> Vec<crate::domain::metrics::Month> {
    use chrono::Datelike;
    let mut out = Vec::with_capacity(n);
    let (mut y, mut m) = (today.year(), today.month());
    for _ in 0..n {
        let key = format!("{y}-{m:02}");
        out.push(months.iter().find(|x| x.month == key).cloned().unwrap_or(
            crate::domain::metrics::Month {
                month: key,
                accepted: 0,
                energized: 0,
            },
        ));
        (y, m) = if m == 1 { (y - 1, 12) } else { (y, m - 1) };
    }
    out.reverse();
    out
}

fn days(x: Option<u32>) -> String {
    x.map(|d| d.to_string()).unwrap_or_else(|| "-".into())
}

fn class_label(app: &App, id: &str) -> String {
    CustomerClass::from_id(id)
        .map(|c| app.lang.customer_class(c).to_string())
        .unwrap_or_else(|| id.to_string())
}

pub fn draw(app: &App, frame: &mut Frame, area: Rect) {
    let Some(m) = &app.metrics else {
        frame.render_widget(
            Paragraph::new(Line::styled(app.t(Msg::Loading), theme::dim())),
            area,
        );
        return;
    };
    let f = &m.figures;
    let chart_h = (area.height / 3).clamp(5, 9);
    let [top, bottom] =
        Layout::vertical([Constraint::Min(6), Constraint::Length(chart_h)]).areas(area);
    let [c1, c2, c3] = Layout::horizontal([
        Constraint::Percentage(28),
        Constraint::Percentage(44),
        Constraint::Percentage(28),
    ])
    .spacing(1)
    .areas(top);

    // Column 1: by state, by process class, coverage and live-line rate.
    let mut l = vec![section(
        app.t(Msg::ByState),
        &format!("{} {}", app.t(Msg::Total), f.applications),
    )];
    for (s, n) in &f.by_state {
        let label = State::from_id(s).map(|s| app.lang.state(s)).unwrap_or(s);
        l.push(Line::from(vec![
            Span::raw(pad(label, 14)),
            Span::styled(format!("{n:>8}"), theme::title()),
        ]));
    }
    l.push(section(app.t(Msg::ByClass), ""));
    for (p, n) in &f.by_process {
        let label = ProcessClass::from_id(p)
            .map(|p| app.lang.process(p))
            .unwrap_or(p);
        l.push(Line::from(vec![
            Span::raw(pad(label, 14)),
            Span::styled(format!("{n:>8}"), theme::title()),
        ]));
    }
    l.push(section(app.t(Msg::Coverage), ""));
    for c in &f.classes {
        l.push(Line::raw(format!(
            "{} 三零 {:>6} 三省 {:>6}",
            pad(&class_label(app, &c.class), 9),
            pct(c.three_zero_share),
            pct(c.three_save_share)
        )));
    }
    let live_style = match f.live_line_rate {
        Some(r) if r >= 0.999 => theme::ok(),
        Some(_) => theme::warn(),
        None => theme::dim(),
    };
    l.push(Line::from(vec![
        Span::styled(format!("{} ", app.t(Msg::LiveLine)), theme::dim()),
        Span::styled(pct(f.live_line_rate), live_style),
        Span::styled(format!(" /{}", f.live_line_energized), theme::dim()),
        Span::styled(
            match f.live_line_unknown {
                0 => String::new(),
                n => format!(" {} {n}", app.t(Msg::LiveLineUnknown)),
            },
            theme::warn(),
        ),
    ]));
    frame.render_widget(Paragraph::new(l), c1);

    // Column 2: on-time share per class and step; durations per class.
    let mut l = vec![section(app.t(Msg::OnTime), "")];
    for o in &f.on_time {
        let style = if o.share >= 0.95 {
            theme::ok()
        } else if o.share >= 0.8 {
            theme::warn()
        } else {
            theme::alarm()
        };
        l.push(Line::from(vec![
            Span::raw(format!(
                "{} {} ",
                pad(&class_label(app, &o.class), 9),
                pad(&app.lang.step(&o.step), 13)
            )),
            Span::styled(format!("{:>6}", pct(Some(o.share))), style),
            Span::styled(format!(" {}/{}", o.on_time, o.total), theme::dim()),
        ]));
    }
    // Durations as a small table: median and 90th percentile of each clock, in days.
    l.push(section(app.t(Msg::Durations), ""));
    let (w, g, c) = match app.lang {
        Lang::Zh => ("工作日", "电网侧", "自然日"),
        Lang::En => ("working", "grid", "calendar"),
    };
    l.push(Line::styled(
        format!("{} {} {} {}", pad("", 9), pad(w, 11), pad(g, 11), c),
        theme::dim(),
    ));
    let mp = match app.lang {
        Lang::Zh => "中位 P90",
        Lang::En => "med  p90",
    };
    l.push(Line::styled(
        format!("{} {}   {}   {}", pad("", 9), mp, mp, mp),
        theme::dim(),
    ));
    for c in &f.classes {
        l.push(Line::raw(format!(
            "{} {:>4} {:>3}   {:>4} {:>3}   {:>4} {:>3}",
            pad(&class_label(app, &c.class), 9),
            days(c.median_working_days),
            days(c.p90_working_days),
            days(c.median_grid_working_days),
            days(c.p90_grid_working_days),
            days(c.median_calendar_days),
            days(c.p90_calendar_days),
        )));
    }
    if m.skipped > 0 {
        l.push(Line::styled(
            format!(
                "{} {}: {}",
                m.skipped,
                app.t(Msg::Errors),
                m.first_skip.clone().unwrap_or_default()
            ),
            theme::warn(),
        ));
    }
    frame.render_widget(Paragraph::new(l), c2);

    // Column 3: the service records' figures, then the most overdue applications.
    let mut l = Vec::new();
    match (&m.services, &m.services_error) {
        (Some(services), _) => {
            l.push(section(app.t(Msg::ServicesFigures), ""));
            l.extend(super::services::dashboard_lines(app, services));
        }
        (None, Some(e)) => l.push(Line::styled(truncate(e, c3.width as usize), theme::alarm())),
        (None, None) => {}
    }
    let used = l.len() as u16;
    l.push(section(
        app.t(Msg::OverdueList),
        &m.overdue_total.to_string(),
    ));
    for (id, name, past) in m
        .overdue
        .iter()
        .take(c3.height.saturating_sub(1 + used) as usize)
    {
        let room = (c3.width as usize).saturating_sub(id.0.len() + 6);
        l.push(Line::from(vec![
            Span::raw(format!("{id} ")),
            Span::raw(pad(&truncate(name, room), room)),
            Span::styled(format!(" {past:>3}"), theme::alarm()),
        ]));
    }
    frame.render_widget(Paragraph::new(l), c3);

    // Bottom: accepted by month as a bar chart, energized as a sparkline.
    let [bars, spark] =
        Layout::horizontal([Constraint::Percentage(65), Constraint::Percentage(35)])
            .spacing(2)
            .areas(bottom);
    let [bt, bc] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(bars);
    let max_bars = (bc.width / 6).max(1) as usize;
    // Every month up to this one, none skipped (a month with nothing shows as nothing).
    let recent = &continuous_months(&f.months, app.today, max_bars);
    let zh = app.lang == Lang::Zh;
    // The range with its years above; each bar named by its month; the values are applications.
    let range = |months: &[crate::domain::metrics::Month]| match (months.first(), months.last()) {
        (Some(a), Some(b)) => format!(
            "{} – {}  ({})",
            crate::domain::report::month_label(&a.month, zh),
            crate::domain::report::month_label(&b.month, zh),
            if zh {
                "件/月"
            } else {
                "applications a month"
            }
        ),
        _ => String::new(),
    };
    frame.render_widget(
        Paragraph::new(section(app.t(Msg::ByMonth), &range(recent))),
        bt,
    );
    let group: Vec<Bar> = recent
        .iter()
        .map(|mo| {
            Bar::default()
                .value(mo.accepted)
                .label(Line::raw(crate::domain::report::month_short(&mo.month, zh)))
        })
        .collect();
    let chart = BarChart::default()
        .data(BarGroup::default().bars(&group))
        .bar_width(5)
        .bar_gap(1)
        .bar_style(Style::new().fg(theme::ACCENT));
    frame.render_widget(chart, bc);
    let [st, sc] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(spark);
    let label = match app.lang {
        Lang::Zh => "按月送电",
        Lang::En => "Energized by month",
    };
    let months = continuous_months(&f.months, app.today, sc.width as usize);
    let data: Vec<u64> = months.iter().map(|m| m.energized).collect();
    frame.render_widget(Paragraph::new(section(label, &range(&months))), st);
    frame.render_widget(
        Sparkline::default()
            .data(&data)
            .style(Style::new().fg(Color::Green)),
        sc,
    );
}

use ratatui::style::Color;

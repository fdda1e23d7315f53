//! 申请列表: the virtualised applications table (only the visible rows are built).

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table};
use ratatui::Frame;

use super::{remaining_span, theme};
use crate::domain::ports::SortBy;
use crate::tui::app::{list_viewport, App};
use crate::tui::i18n::Msg;
use crate::tui::keymap::Command;
use crate::tui::text_input::truncate;

pub fn draw(app: &App, frame: &mut Frame, area: Rect) {
    let [filters, table] =
        Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(area);
    draw_filters(app, frame, filters);
    draw_table(app, frame, table);
}

fn draw_filters(app: &App, frame: &mut Frame, area: Rect) {
    let l = &app.list;
    let all = app.t(Msg::All);
    let k = |c: Command| {
        app.keymap
            .keys(c)
            .first()
            .map(|k| k.to_string())
            .unwrap_or_default()
    };
    let mut spans = vec![];
    let mut item = |key: String, label: &str, value: String, active: bool| {
        spans.push(Span::styled(format!("{key} "), theme::key()));
        spans.push(Span::styled(format!("{label}:"), theme::dim()));
        spans.push(Span::styled(
            value,
            if active { theme::title() } else { Style::new() },
        ));
        spans.push(Span::raw("  "));
    };
    item(
        k(Command::FilterState),
        app.t(Msg::ColState),
        l.status
            .map(|s| app.lang.state(s).to_string())
            .unwrap_or(all.into()),
        l.status.is_some(),
    );
    item(
        k(Command::FilterProcess),
        app.t(Msg::ColProcess),
        l.process
            .map(|p| app.lang.process(p).to_string())
            .unwrap_or(all.into()),
        l.process.is_some(),
    );
    item(
        k(Command::FilterCounty),
        app.t(Msg::ColCounty),
        l.county.clone().unwrap_or(all.into()),
        l.county.is_some(),
    );
    item(
        k(Command::FilterOverdue),
        app.t(Msg::Overdue),
        if l.overdue {
            app.t(Msg::Yes)
        } else {
            app.t(Msg::No)
        }
        .into(),
        l.overdue,
    );
    let sort = match l.sort {
        SortBy::Id => app.t(Msg::SortId),
        SortBy::Deadline => app.t(Msg::SortDeadline),
    };
    item(
        k(Command::ToggleSort),
        "",
        sort.into(),
        l.sort == SortBy::Deadline,
    );
    item(
        k(Command::Search),
        app.t(Msg::Search),
        if l.fuzzy.is_empty() {
            "-".into()
        } else {
            l.fuzzy.clone()
        },
        !l.fuzzy.is_empty(),
    );
    let count = if l.loaded {
        format!("{} {}", app.t(Msg::Total), l.total)
    } else {
        app.t(Msg::Loading).to_string()
    };
    spans.push(Span::styled(count, theme::dim()));
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn draw_table(app: &App, frame: &mut Frame, area: Rect) {
    let l = &app.list;
    let vh = list_viewport(app.size.1).min(area.height.saturating_sub(1) as usize);
    if l.loaded && l.total == 0 {
        let msg = Paragraph::new(Line::styled(app.t(Msg::NoApplications), theme::dim()));
        frame.render_widget(
            msg,
            Rect {
                y: area.y + 1,
                height: 1,
                ..area
            },
        );
        return;
    }
    let wide = area.width >= 110;
    let mut widths = vec![
        Constraint::Length(15),
        Constraint::Fill(3),
        Constraint::Length(8),
        Constraint::Length(10),
        Constraint::Length(12),
        Constraint::Length(10),
        Constraint::Length(10),
        Constraint::Length(7),
    ];
    let mut header = vec![
        app.t(Msg::ColId),
        app.t(Msg::ColCustomer),
        app.t(Msg::ColClass),
        app.t(Msg::ColProcess),
        app.t(Msg::ColState),
        app.t(Msg::ColCounty),
        app.t(Msg::ColDeadline),
        app.t(Msg::ColRemaining),
    ];
    if wide {
        widths.insert(6, Constraint::Fill(2));
        header.insert(6, app.t(Msg::ColAddress));
    }
    let col_width = |i: usize| -> usize {
        // Fill columns truncate by the width they get; estimate it from the fixed ones.
        let fixed: u16 = widths
            .iter()
            .map(|c| {
                if let Constraint::Length(n) = c {
                    *n + 1
                } else {
                    1
                }
            })
            .sum();
        let fill = area.width.saturating_sub(fixed) as usize;
        match (wide, i) {
            (true, 1) => fill * 3 / 5,
            (true, 6) => fill * 2 / 5,
            (false, 1) => fill,
            _ => 99,
        }
    };
    let rows: Vec<Row> = (l.scroll..(l.scroll + vh).min(l.total.max(l.rows.len() as u64) as usize))
        .map(|i| {
            let Some(r) = l.row(i) else {
                return Row::new(vec![Cell::from(Span::styled(
                    format!("{i:>6} {}", app.t(Msg::Loading)),
                    theme::dim(),
                ))]);
            };
            let a = &r.app;
            let mut cells = vec![
                Cell::from(a.id.0.clone()),
                Cell::from(truncate(&a.form.customer.name, col_width(1))),
                Cell::from(app.lang.customer_class(a.form.customer.class)),
                Cell::from(app.lang.process(a.process)),
                Cell::from(app.lang.state(a.status)),
                Cell::from(truncate(&a.form.site.county, 10)),
                Cell::from(
                    a.deadline
                        .map(|d| d.format("%Y-%m-%d").to_string())
                        .unwrap_or_else(|| "-".into()),
                ),
                Cell::from(Line::from(remaining_span(r.remaining_wd, app.lang)).right_aligned()),
            ];
            if wide {
                cells.insert(6, Cell::from(truncate(&a.form.site.address, col_width(6))));
            }
            let row = Row::new(cells);
            if i == l.cursor {
                row.style(theme::selected())
            } else {
                row
            }
        })
        .collect();
    let table = Table::new(rows, widths)
        .header(Row::new(header).style(theme::header()))
        .column_spacing(1);
    frame.render_widget(table, area);
}

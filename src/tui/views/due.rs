//! 到期提醒: what is overdue, due today and due the next working day, per step and per operator,
//! then the applications, the most overdue first. Counted by `Desk::due` on the worker.

use chrono::{Datelike, NaiveDate};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table};
use ratatui::Frame;

use super::{remaining_span, section, theme};
use crate::domain::text::escape_for_terminal;
use crate::service::{Due, DueGroup};
use crate::tui::app::App;
use crate::tui::i18n::{Lang, Msg};
use crate::tui::text_input::{pad, truncate};

/// A date as the console shows it: the year only when it is not the current one.
pub(crate) fn short_date(day: NaiveDate, today: NaiveDate) -> String {
    if day.year() == today.year() {
        day.format("%m-%d").to_string()
    } else {
        day.format("%Y-%m-%d").to_string()
    }
}

pub fn draw(app: &App, frame: &mut Frame, area: Rect) {
    let Some(v) = &app.due else {
        frame.render_widget(
            Paragraph::new(Line::styled(app.t(Msg::Loading), theme::dim())),
            area,
        );
        return;
    };
    let t = &v.totals;
    let mut head = vec![
        Span::styled(format!("{} ", app.t(Msg::Overdue)), theme::dim()),
        Span::styled(t.overdue.to_string(), theme::alarm()),
        Span::styled(format!("   {} ", app.t(Msg::DueToday)), theme::dim()),
        Span::styled(t.today.to_string(), theme::warn()),
        Span::styled(
            format!(
                "   {} ({}) ",
                app.t(Msg::DueNext),
                short_date(v.next_working_day, v.as_of)
            ),
            theme::dim(),
        ),
        Span::styled(t.next_working_day.to_string(), theme::title()),
    ];
    if t.provisional > 0 {
        head.push(Span::styled(
            format!(
                "   {} {}",
                app.t(Msg::ProvisionalMark),
                match app.lang {
                    Lang::Zh => format!("暂定期限 {} 件", t.provisional),
                    Lang::En => format!("{} provisional deadlines", t.provisional),
                }
            ),
            theme::warn(),
        ));
    }
    if t.total() == 0 {
        frame.render_widget(
            Paragraph::new(vec![
                Line::from(head),
                Line::styled(app.t(Msg::DueNothing), theme::dim()),
            ]),
            area,
        );
        return;
    }
    let groups_h = (v.by_step.len().max(v.by_operator.len()).min(6) + 1) as u16;
    let [head_area, groups, list] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(groups_h.min(area.height / 3).max(2)),
        Constraint::Min(2),
    ])
    .spacing(1)
    .areas(area);
    frame.render_widget(Paragraph::new(Line::from(head)), head_area);
    let [left, right] =
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)])
            .spacing(2)
            .areas(groups);
    let group_lines = |title: Msg, gs: &[DueGroup], w: u16, label: &dyn Fn(&str) -> String| {
        let columns = format!(
            "{} / {} / {}",
            app.t(Msg::Overdue),
            app.t(Msg::TodayShort),
            app.t(Msg::NextShort)
        );
        let mut l = vec![section(app.t(title), &columns)];
        let name_w = (w as usize).saturating_sub(21).max(6);
        for g in gs {
            l.push(Line::from(vec![
                Span::raw(pad(&escape_for_terminal(&label(&g.key)), name_w)),
                Span::styled(format!("{:>7}", g.counts.overdue), theme::alarm()),
                Span::styled(format!("{:>7}", g.counts.today), theme::warn()),
                Span::raw(format!("{:>7}", g.counts.next_working_day)),
            ]));
        }
        l
    };
    frame.render_widget(
        Paragraph::new(group_lines(Msg::ByStep, &v.by_step, left.width, &|k| {
            app.lang.step(k)
        })),
        left,
    );
    frame.render_widget(
        Paragraph::new(group_lines(
            Msg::ByOperator,
            &v.by_operator,
            right.width,
            &|k| k.to_string(),
        )),
        right,
    );
    draw_items(app, frame, list);
}

fn draw_items(app: &App, frame: &mut Frame, area: Rect) {
    let Some(v) = &app.due else { return };
    let wide = area.width >= 100;
    let (id_w, due_w, date_w, step_w, op_w, county_w) = (14, 6, 12, 12, 8, 8);
    let fixed = id_w + due_w + date_w + step_w + op_w + if wide { county_w + 6 } else { 5 };
    let name_w = (area.width as usize).saturating_sub(fixed).max(6);
    let mut columns = vec![
        (app.t(Msg::ColId), id_w),
        (app.t(Msg::ColDue), due_w),
        (app.t(Msg::ColDeadline), date_w),
        (app.t(Msg::ColStep), step_w),
        (app.t(Msg::ColOperator), op_w),
        (app.t(Msg::ColCustomer), name_w),
    ];
    if wide {
        columns.push((app.t(Msg::ColCounty), county_w));
    }
    let widths: Vec<Constraint> = columns
        .iter()
        .map(|(_, w)| Constraint::Length(*w as u16))
        .collect();
    let header: Vec<String> = columns.iter().map(|(h, w)| truncate(h, *w)).collect();
    let rows_h = (area.height as usize).saturating_sub(1).max(1);
    let start = (app.due_selected + 1).saturating_sub(rows_h);
    let rows: Vec<Row> = v
        .items
        .iter()
        .enumerate()
        .skip(start)
        .take(rows_h)
        .map(|(i, item)| {
            let when = match item.due {
                Due::Overdue => remaining_span(Some(item.remaining_working_days), app.lang),
                Due::Today => Span::styled(app.t(Msg::TodayShort), theme::warn()),
                Due::NextWorkingDay => Span::raw(app.t(Msg::NextShort)),
            };
            let date = short_date(item.deadline, v.as_of);
            let date = if item.deadline_provisional {
                format!("{}{date}", app.t(Msg::ProvisionalMark))
            } else {
                date
            };
            let mut cells = vec![
                Cell::from(item.id.0.clone()),
                Cell::from(Line::from(Span::styled(
                    truncate(&when.content, due_w),
                    when.style,
                ))),
                Cell::from(date),
                Cell::from(truncate(&app.lang.step(&item.step), step_w)),
                Cell::from(truncate(&escape_for_terminal(&item.operator), op_w)),
                Cell::from(truncate(&escape_for_terminal(&item.customer), name_w)),
            ];
            if wide {
                cells.push(Cell::from(truncate(
                    &escape_for_terminal(&item.county),
                    county_w,
                )));
            }
            let row = Row::new(cells);
            if i == app.due_selected {
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

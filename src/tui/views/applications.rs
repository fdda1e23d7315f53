//! 申请列表: the virtualised applications table (only the visible rows are built).

use ratatui::layout::{Alignment, Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table};
use ratatui::Frame;
use unicode_width::UnicodeWidthStr;

use super::{remaining_span, theme};
use crate::domain::calendar::MissingYears;
use crate::domain::ports::SortBy;
use crate::tui::app::{list_viewport, App};
use crate::tui::i18n::Msg;
use crate::tui::keymap::Command;
use crate::tui::text_input::truncate;

pub fn draw(app: &App, frame: &mut Frame, area: Rect) {
    // Provisional deadlines among the visible rows get a one-line notice of what to load.
    let missing = visible_missing_years(app);
    let notice_h = u16::from(!missing.is_empty());
    let [filters, notice, table] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(notice_h),
        Constraint::Min(1),
    ])
    .areas(area);
    draw_filters(app, frame, filters);
    if !missing.is_empty() {
        frame.render_widget(
            Paragraph::new(Line::styled(
                truncate(
                    &app.lang.provisional_notice(&missing),
                    notice.width as usize,
                ),
                theme::warn(),
            )),
            notice,
        );
    }
    draw_table(app, frame, table, !missing.is_empty());
}

/// The years without an official calendar that the visible rows' deadlines were counted over.
fn visible_missing_years(app: &App) -> MissingYears {
    let l = &app.list;
    let vh = list_viewport(app.size.1);
    let mut years = MissingYears::default();
    for i in l.scroll..l.scroll + vh {
        if let Some(r) = l.row(i) {
            if r.app.deadline_provisional && !r.app.status.is_terminal() {
                years.merge(&r.app.missing_calendar_years);
            }
        }
    }
    years
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
        if !label.is_empty() {
            spans.push(Span::styled(format!("{label}:"), theme::dim()));
        }
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
    // Overdue only is listed by deadline (the store walks its deadline index), whatever `t` says.
    let by_deadline = l.sort == SortBy::Deadline || l.overdue;
    let sort = if by_deadline {
        app.t(Msg::SortDeadline)
    } else {
        app.t(Msg::SortId)
    };
    item(k(Command::ToggleSort), "", sort.into(), by_deadline);
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
        format!(
            "{} {}{}",
            app.t(Msg::Total),
            l.total,
            if l.more { "+" } else { "" }
        )
    } else {
        app.t(Msg::Loading).to_string()
    };
    // The count has its own place at the right: the filters are cut before a number is.
    let width = (count.width() as u16 + 1).min(area.width);
    let [filters, total] =
        Layout::horizontal([Constraint::Min(0), Constraint::Length(width)]).areas(area);
    frame.render_widget(Paragraph::new(Line::from(spans)), filters);
    frame.render_widget(
        Paragraph::new(Line::styled(count, theme::dim())).alignment(Alignment::Right),
        total,
    );
}

fn draw_table(app: &App, frame: &mut Frame, area: Rect, provisional: bool) {
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
    // Column widths in display columns; the customer (and on wide screens the class, county and
    // address) take what the fixed columns leave, and text is truncated to exactly that.
    let wide = area.width >= 100;
    // The deadline column widens by the provisional mark only while a marked date is in view.
    let mark_w = if provisional {
        app.t(Msg::ProvisionalMark).width()
    } else {
        0
    };
    let (id_w, class_w, proc_w, state_w, county_w, date_w, left_w) =
        (14, 8, 10, 12, 8, 10 + mark_w, 6);
    let fixed = if wide {
        id_w + class_w + proc_w + state_w + county_w + date_w + left_w + 8
    } else {
        id_w + proc_w + state_w + date_w + left_w + 5
    };
    let flexible = (area.width as usize).saturating_sub(fixed).max(8);
    let (name_w, addr_w) = if wide {
        (flexible * 3 / 5, flexible - flexible * 3 / 5)
    } else {
        (flexible, 0)
    };
    let mut columns: Vec<(&str, usize)> =
        vec![(app.t(Msg::ColId), id_w), (app.t(Msg::ColCustomer), name_w)];
    if wide {
        columns.push((app.t(Msg::ColClass), class_w));
    }
    columns.push((app.t(Msg::ColProcess), proc_w));
    columns.push((app.t(Msg::ColState), state_w));
    if wide {
        columns.push((app.t(Msg::ColCounty), county_w));
        columns.push((app.t(Msg::ColAddress), addr_w));
    }
    columns.push((app.t(Msg::ColDeadline), date_w));
    columns.push((app.t(Msg::ColRemaining), left_w));
    let widths: Vec<Constraint> = columns
        .iter()
        .map(|(_, w)| Constraint::Length(*w as u16))
        .collect();
    let header: Vec<String> = columns.iter().map(|(h, w)| truncate(h, *w)).collect();
    // The selected row stays in view when a notice line takes a row of the table.
    let start = l.scroll.max((l.cursor + 1).saturating_sub(vh));
    let end = (start + vh).min(l.total.max(l.rows.len() as u64) as usize);
    let rows: Vec<Row> = (start..end)
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
                Cell::from(truncate(&a.form.customer.name, name_w)),
            ];
            if wide {
                cells.push(Cell::from(truncate(
                    app.lang.customer_class(a.form.customer.class),
                    class_w,
                )));
            }
            cells.push(Cell::from(truncate(app.lang.process(a.process), proc_w)));
            cells.push(Cell::from(truncate(app.lang.state(a.status), state_w)));
            if wide {
                cells.push(Cell::from(truncate(&a.form.site.county, county_w)));
                cells.push(Cell::from(truncate(&a.form.site.address, addr_w)));
            }
            let provisional = a.deadline_provisional && !a.status.is_terminal();
            cells.push(Cell::from(app.lang.deadline(
                a.deadline,
                provisional,
                "%Y-%m-%d",
            )));
            cells.push(Cell::from(
                Line::from(remaining_span(r.remaining_wd, app.lang)).right_aligned(),
            ));
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

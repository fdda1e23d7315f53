//! 服务记录: one tab per kind of record (safety, efficiency, firms, disclosure, fees), the figures
//! on top, the selected row highlighted; hazards past their deadline in the alarm colour.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

use super::{section, theme};
use crate::domain::office::record::Stored;
use crate::domain::text::escape_for_terminal as esc;
use crate::tui::action::ServicesData;
use crate::tui::app::{App, ServicesTab};
use crate::tui::i18n::{Lang, Msg};
use crate::tui::keymap::Command;
use crate::tui::text_input::pad;

pub fn draw(app: &App, frame: &mut Frame, area: Rect) {
    let data = match &app.services {
        None => {
            frame.render_widget(
                Paragraph::new(Line::styled(app.t(Msg::Loading), theme::dim())),
                area,
            );
            return;
        }
        Some(Err(e)) => {
            frame.render_widget(
                Paragraph::new(Line::styled(esc(e).into_owned(), theme::alarm()))
                    .wrap(Wrap { trim: false }),
                area,
            );
            return;
        }
        Some(Ok(d)) => d,
    };
    let [tabs, figures, body, hint] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(2),
        Constraint::Min(1),
        Constraint::Length(1),
    ])
    .areas(area);

    let mut spans = Vec::new();
    for tab in ServicesTab::ALL {
        let style = if tab == app.services_tab {
            theme::selected()
        } else {
            theme::dim()
        };
        spans.push(Span::styled(format!(" {} ", app.t(tab.label())), style));
        spans.push(Span::raw(" "));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), tabs);
    frame.render_widget(
        Paragraph::new(figure_lines(app, &data.figures)).wrap(Wrap { trim: false }),
        figures,
    );

    let rows: Vec<Line> = match app.services_tab {
        ServicesTab::Safety => safety(app, data),
        ServicesTab::Efficiency => efficiency(data),
        ServicesTab::Firms => firms(app, data),
        ServicesTab::Disclosure => disclosure(app, data),
        ServicesTab::Fees => fees(data),
    };
    // Per county and month first, then the records.
    let mut lines = match app.services_tab {
        ServicesTab::Safety => {
            let mut l = vec![campaigns_line(app, data)];
            l.extend(safety_by_county(app, data));
            l
        }
        ServicesTab::Efficiency => efficiency_by_county(app, data),
        _ => Vec::new(),
    };
    if rows.is_empty() {
        lines.push(Line::styled(app.t(Msg::NoRecords), theme::dim()));
    }
    // Keep the selected row in view.
    let height = (body.height as usize).saturating_sub(lines.len() + 1);
    let skip = app.services_row.saturating_sub(height.saturating_sub(1));
    for (i, row) in rows.into_iter().enumerate().skip(skip) {
        if i == app.services_row {
            lines.push(row.patch_style(theme::selected()));
        } else {
            lines.push(row);
        }
    }
    frame.render_widget(Paragraph::new(lines), body);

    let keys: &[Command] = match app.services_tab {
        ServicesTab::Safety => &[
            Command::CampaignOpen,
            Command::ServiceVisit,
            Command::ServiceAdd,
            Command::HazardStep,
            Command::HazardRectify,
        ],
        ServicesTab::Efficiency => &[Command::ServiceAdd, Command::ServiceVisit],
        ServicesTab::Disclosure => &[Command::PublishDisclosure, Command::ServiceAdd],
        _ => &[Command::ServiceAdd],
    };
    let mut spans = Vec::new();
    for c in keys {
        let key = app
            .keymap
            .keys(*c)
            .first()
            .map(|k| k.to_string())
            .unwrap_or_default();
        spans.push(Span::styled(format!("{key} "), theme::key()));
        spans.push(Span::styled(
            format!("{}  ", c.binding().desc(app.lang)),
            theme::dim(),
        ));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), hint);
}

/// The figures of the service records, two lines (also on the dashboard).
pub fn figure_lines(app: &App, m: &crate::service::records::ServiceMetrics) -> Vec<Line<'static>> {
    let (customers, visited) = m
        .safety
        .iter()
        .fold((0, 0), |(c, v), s| (c + s.customers, v + s.visited));
    let (eligible, planned, delivered) = m.efficiency.iter().fold((0, 0, 0), |(e, p, d), x| {
        (e + x.eligible, p + x.planned, d + x.delivered)
    });
    let disclosure = match (m.disclosure_version, m.disclosure_last) {
        (Some(v), Some(on)) => match app.lang {
            Lang::Zh => format!("第 {v} 版 {on}"),
            Lang::En => format!("version {v} of {on}"),
        },
        _ => app.t(Msg::DisclosureNever).to_string(),
    };
    let overdue_style = if m.hazards_overdue > 0 {
        theme::alarm()
    } else {
        theme::ok()
    };
    let breach_style = if m.fee_breaches.is_empty() {
        theme::ok()
    } else {
        theme::alarm()
    };
    vec![
        Line::from(vec![
            Span::styled(format!("{} ", app.t(Msg::TabSafety)), theme::header()),
            Span::raw(format!(
                "{} {visited}/{customers}  {} {}  ",
                app.t(Msg::VisitedOf),
                app.t(Msg::HazardsOpen),
                m.hazards_open
            )),
            Span::styled(
                format!("{} {}", app.t(Msg::HazardsOverdue), m.hazards_overdue),
                overdue_style,
            ),
            Span::raw("   "),
            Span::styled(format!("{} ", app.t(Msg::TabEfficiency)), theme::header()),
            Span::raw(format!(
                "{} {eligible}  {} {planned}  {} {delivered}",
                app.t(Msg::EligibleEnterprises),
                app.t(Msg::Planned),
                app.t(Msg::Delivered)
            )),
        ]),
        Line::from(vec![
            Span::styled(format!("{} ", app.t(Msg::TabDisclosure)), theme::header()),
            Span::raw(disclosure),
            if m.disclosure_due {
                Span::styled(format!(" ({})", app.t(Msg::DisclosureDue)), theme::warn())
            } else {
                Span::raw("")
            },
            Span::raw("   "),
            Span::styled(format!("{} ", app.t(Msg::TabFees)), theme::header()),
            Span::raw(format!("{} {:.2}  ", m.fees_recorded, m.fee_yuan)),
            Span::styled(
                format!("{} {}", app.t(Msg::FeeBreaches), m.fee_breaches.len()),
                breach_style,
            ),
            Span::raw(format!("   {} {}", app.t(Msg::FirmsListed), m.firms_listed)),
        ]),
    ]
}

/// The service figures for the dashboard's narrow column: short lines, one subject each.
pub fn dashboard_lines(
    app: &App,
    m: &crate::service::records::ServiceMetrics,
) -> Vec<Line<'static>> {
    let (customers, visited) = m
        .safety
        .iter()
        .fold((0, 0), |(c, v), s| (c + s.customers, v + s.visited));
    let (eligible, planned, delivered) = m.efficiency.iter().fold((0, 0, 0), |(e, p, d), x| {
        (e + x.eligible, p + x.planned, d + x.delivered)
    });
    let zh = app.lang == Lang::Zh;
    let alarm_if = |bad: bool| if bad { theme::alarm() } else { theme::ok() };
    let disclosure = match (m.disclosure_version, m.disclosure_last) {
        (Some(v), Some(on)) if zh => format!("信息公开 第{v}版 {}", on.format("%m-%d")),
        (Some(v), Some(on)) => format!("disclosure v{v} {}", on.format("%m-%d")),
        _ if zh => "信息公开 尚未发布".to_string(),
        _ => "disclosure: never".to_string(),
    };
    vec![
        Line::raw(if zh {
            format!("安全走访 {visited}/{customers}")
        } else {
            format!("visited {visited}/{customers}")
        }),
        Line::from(vec![
            Span::raw(if zh {
                format!("隐患 {} ", m.hazards_open)
            } else {
                format!("hazards {} ", m.hazards_open)
            }),
            Span::styled(
                format!("{} {}", app.t(Msg::HazardsOverdue), m.hazards_overdue),
                alarm_if(m.hazards_overdue > 0),
            ),
        ]),
        Line::raw(if zh {
            format!("能效 计划{planned}/{eligible} 服务{delivered}")
        } else {
            format!("efficiency {planned}/{eligible}, {delivered} done")
        }),
        Line::styled(
            disclosure,
            if m.disclosure_due {
                theme::warn()
            } else {
                theme::dim()
            },
        ),
        Line::styled(
            format!("{} {}", app.t(Msg::FeeBreaches), m.fee_breaches.len()),
            alarm_if(!m.fee_breaches.is_empty()),
        ),
    ]
}

fn campaigns_line(app: &App, data: &ServicesData) -> Line<'static> {
    let parts: Vec<String> = data
        .campaigns
        .iter()
        .map(|c| {
            format!(
                "{} {} {}/{} ({:.0}%)",
                esc(&c.campaign.id),
                esc(&c.campaign.body.name),
                c.visited,
                c.customers,
                c.coverage() * 100.0
            )
        })
        .collect();
    section(app.t(Msg::TabSafety), &parts.join("  "))
}

/// Open campaigns' coverage and hazards per county, and hazards found and rectified per month.
fn safety_by_county(app: &App, data: &ServicesData) -> Vec<Line<'static>> {
    let zh = app.lang == Lang::Zh;
    let m = &data.figures;
    let mut out = Vec::new();
    for c in &m.safety {
        let share = if c.customers == 0 {
            100.0
        } else {
            c.visited as f64 * 100.0 / c.customers as f64
        };
        let style = if c.hazards_overdue > 0 {
            theme::warn()
        } else {
            theme::dim()
        };
        out.push(Line::styled(
            if zh {
                format!(
                    "  {}  走访 {}/{} ({share:.0}%)  未整改 {}  逾期 {}",
                    esc(&c.county),
                    c.visited,
                    c.customers,
                    c.hazards_open,
                    c.hazards_overdue
                )
            } else {
                format!(
                    "  {}  visited {}/{} ({share:.0}%)  open {}  overdue {}",
                    esc(&c.county),
                    c.visited,
                    c.customers,
                    c.hazards_open,
                    c.hazards_overdue
                )
            },
            style,
        ));
    }
    let months: Vec<String> = m
        .hazard_months
        .iter()
        .rev()
        .take(6)
        .rev()
        .map(|h| {
            if zh {
                format!("{} 发现{} 整改{}", h.month, h.found, h.rectified)
            } else {
                format!("{} found {} rectified {}", h.month, h.found, h.rectified)
            }
        })
        .collect();
    if !months.is_empty() {
        out.push(Line::styled(
            format!("  {}", months.join("  ")),
            theme::dim(),
        ));
    }
    out
}

/// Eligible enterprises, plans and services per county, services per month.
fn efficiency_by_county(app: &App, data: &ServicesData) -> Vec<Line<'static>> {
    let zh = app.lang == Lang::Zh;
    let m = &data.figures;
    let mut out = vec![section(app.t(Msg::TabEfficiency), "")];
    let cells: Vec<String> = m
        .efficiency
        .iter()
        .map(|e| {
            format!(
                "{} {}/{}/{}",
                esc(&e.county),
                e.planned,
                e.eligible,
                e.delivered
            )
        })
        .collect();
    let legend = if zh {
        "区县 计划/可享受/已服务次数"
    } else {
        "county planned/eligible/services"
    };
    out.push(Line::styled(format!("  {legend}"), theme::dim()));
    for chunk in cells.chunks(4) {
        out.push(Line::raw(format!("  {}", chunk.join("   "))));
    }
    let months: Vec<String> = m
        .efficiency_months
        .iter()
        .rev()
        .take(6)
        .rev()
        .map(|(month, n)| format!("{month} {n}"))
        .collect();
    if !months.is_empty() {
        out.push(Line::styled(
            format!("  {}", months.join("  ")),
            theme::dim(),
        ));
    }
    out
}

fn safety(app: &App, data: &ServicesData) -> Vec<Line<'static>> {
    data.hazards
        .iter()
        .map(|h| {
            let b = &h.body;
            let (state, style) = match b.rectified_on {
                Some(on) => (format!("{} {on}", app.t(Msg::Rectified)), theme::ok()),
                None if b.is_overdue(app.today) => (
                    format!("{} {}", app.t(Msg::HazardsOverdue), b.deadline),
                    theme::alarm(),
                ),
                None => (
                    format!("{} {}", app.t(Msg::ColDeadline), b.deadline),
                    theme::warn(),
                ),
            };
            let next = if b.rectified_on.is_some() {
                String::new()
            } else {
                format!(
                    "{}: {}",
                    app.t(Msg::NextHazardStep),
                    crate::tui::app::services_step_label(b.next_step())
                )
            };
            Line::from(vec![
                Span::raw(pad(&h.id, 13)),
                Span::raw(pad(&esc(&b.customer), 16)),
                Span::raw(pad(b.class.label_zh(), 9)),
                Span::raw(pad(&esc(&b.description), 24)),
                Span::styled(pad(&state, 18), style),
                Span::styled(next, theme::dim()),
            ])
        })
        .collect()
}

fn efficiency(data: &ServicesData) -> Vec<Line<'static>> {
    data.efficiency
        .iter()
        .map(|r| {
            let b = &r.body;
            let services: Vec<&str> = b.plan.services.iter().map(|s| s.label_zh()).collect();
            Line::raw(format!(
                "{}  {}  每{}天  {}  已服务{}次  下次 {}",
                pad(&r.id, 15),
                pad(&esc(&b.plan.person), 8),
                b.plan.interval_days,
                pad(&services.join("、"), 30),
                b.deliveries.len(),
                b.next_due
            ))
        })
        .collect()
}

fn firms(app: &App, data: &ServicesData) -> Vec<Line<'static>> {
    data.firms
        .iter()
        .map(|f| {
            let roles: Vec<&str> = f.body.roles.iter().map(|r| r.label_zh()).collect();
            let mut spans = vec![
                Span::raw(pad(&esc(&f.id), 8)),
                Span::raw(pad(&esc(&f.body.name), 28)),
                Span::raw(pad(&roles.join("、"), 24)),
                Span::raw(pad(&esc(&f.body.contact), 16)),
            ];
            if f.body.delisted {
                spans.push(Span::styled(app.t(Msg::Delisted).to_string(), theme::dim()));
            }
            Line::from(spans)
        })
        .collect()
}

fn disclosure(app: &App, data: &ServicesData) -> Vec<Line<'static>> {
    let mut out: Vec<Line> = data
        .disclosures
        .iter()
        .rev()
        .map(|v: &Stored<_>| {
            Line::raw(format!(
                "{} {:>3}  {}  {}  {}",
                app.t(Msg::Published),
                v.body.version,
                v.body.notice.published_on,
                esc(&v.body.notice.bundle.version),
                v.body.digest
            ))
        })
        .collect();
    if data.disclosure.due && !out.is_empty() {
        out.insert(
            0,
            Line::styled(app.t(Msg::DisclosureDue).to_string(), theme::warn()),
        );
    }
    out
}

fn fees(data: &ServicesData) -> Vec<Line<'static>> {
    let standards = data.fee_standards.iter().map(|f| {
        Line::from(vec![
            Span::styled(pad("收费标准", 10), theme::dim()),
            Span::raw(pad(&esc(&f.body.item), 30)),
            Span::raw(esc(&f.body.standard).into_owned()),
        ])
    });
    let charged = data.fees.iter().map(|f| {
        Line::raw(format!(
            "{}  {}  {:>10.2}  {}",
            pad(&f.id, 20),
            pad(&esc(&f.body.item), 20),
            f.body.amount_yuan,
            esc(&f.body.basis)
        ))
    });
    standards.chain(charged).collect()
}

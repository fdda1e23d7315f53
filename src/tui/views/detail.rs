//! 申请详情: customer, request, stored decision, the parcel-tracking timeline, side flows and
//! the actions valid in the current state.

use chrono::Datelike;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

use super::due::short_date;
use super::new_application::{boundary, payer};
use super::{remaining_span, section, theme};
use crate::domain::State;
use crate::tui::action::DetailData;
use crate::tui::app::App;
use crate::tui::i18n::{Lang, Msg};
use crate::tui::keymap::Command;
use crate::tui::text_input::{pad, truncate};

pub fn draw(app: &App, frame: &mut Frame, area: Rect) {
    let Some(d) = &app.detail else {
        frame.render_widget(
            Paragraph::new(Line::styled(app.t(Msg::Loading), theme::dim())),
            area,
        );
        return;
    };
    let header = title_line(d);
    let left = facts(app, d);
    let right = progress(
        app,
        d,
        if area.width >= 100 {
            area.width / 2
        } else {
            area.width
        },
    );
    // Long names, addresses and notes wrap; nothing is cut at the edge.
    let wrap = Wrap { trim: false };
    if area.width >= 100 {
        let [l, r] = Layout::horizontal([Constraint::Percentage(45), Constraint::Percentage(55)])
            .spacing(2)
            .areas(area);
        let left: Vec<Line> = std::iter::once(header).chain(left).collect();
        frame.render_widget(
            Paragraph::new(left)
                .wrap(wrap)
                .scroll((app.detail_scroll, 0)),
            l,
        );
        frame.render_widget(
            Paragraph::new(right)
                .wrap(wrap)
                .scroll((app.detail_scroll, 0)),
            r,
        );
    } else {
        // Narrow: the application number and customer stay on the first line, above the
        // progress and the facts, which scroll beneath it.
        let [top, rest] = Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(area);
        frame.render_widget(Paragraph::new(header), top);
        let mut all = right;
        all.push(Line::raw(""));
        all.extend(left);
        frame.render_widget(
            Paragraph::new(all)
                .wrap(wrap)
                .scroll((app.detail_scroll, 0)),
            rest,
        );
    }
}

fn kv(k: &str, v: impl Into<String>) -> Line<'static> {
    Line::from(vec![
        Span::styled(format!("{} ", pad(k, 14)), theme::dim()),
        Span::raw(v.into()),
    ])
}

/// The application number and customer: the first line of the facts, or of the whole screen
/// when it is narrow.
fn title_line(d: &DetailData) -> Line<'static> {
    Line::from(vec![
        Span::styled(format!("{}  ", d.app.id), theme::title()),
        Span::raw(d.app.form.customer.name.clone()),
    ])
}

/// The facts of the form, under [`title_line`].
fn facts(app: &App, d: &DetailData) -> Vec<Line<'static>> {
    let a = &d.app;
    let f = &a.form;
    let lang = app.lang;
    let yes_no = |b: bool| if b { app.t(Msg::Yes) } else { app.t(Msg::No) }.to_string();
    let mut l = vec![
        section(app.t(Msg::Customer), ""),
        kv(
            app.t(Msg::ColClass),
            format!(
                "{} ({})",
                lang.customer_class(f.customer.class),
                f.customer.star_rating
            ),
        ),
        kv(
            if lang == Lang::Zh {
                "证件号码"
            } else {
                "ID number"
            },
            f.customer.id_number.clone(),
        ),
        kv(
            if lang == Lang::Zh {
                "联系电话"
            } else {
                "Phone"
            },
            f.customer.phone.clone(),
        ),
        section(app.t(Msg::Site), ""),
        kv(
            app.t(Msg::ColCounty),
            format!(
                "{}{}",
                f.site.county,
                if f.site.rural {
                    if lang == Lang::Zh {
                        " (农村)"
                    } else {
                        " (rural)"
                    }
                } else {
                    ""
                }
            ),
        ),
        kv(app.t(Msg::ColAddress), f.site.address.clone()),
    ];
    if let Some(p) = &f.site.park_name {
        l.push(kv(
            if lang == Lang::Zh { "园区" } else { "Park" },
            format!("{p} {}", f.site.park_level.map(|p| p.id()).unwrap_or("")),
        ));
    }
    l.push(section(app.t(Msg::Request), ""));
    // A capacity increase (增容) shows what is connected already: existing + requested.
    let r = &f.request;
    let cap = match (r.capacity_kw, r.capacity_kva) {
        (Some(kw), _) => match r.existing_capacity_kw {
            Some(old) => format!("{old}+{kw} kW"),
            None => format!("{kw} kW"),
        },
        (_, Some(kva)) => match r.existing_capacity_kva {
            Some(old) => format!("{old}+{kva} kVA"),
            None => format!("{kva} kVA"),
        },
        _ => "-".into(),
    };
    l.push(kv(
        if lang == Lang::Zh {
            "电压/容量"
        } else {
            "Voltage/capacity"
        },
        format!("{} {cap}", f.request.voltage.id()),
    ));
    l.push(kv(
        if lang == Lang::Zh {
            "永久/直装/简线"
        } else {
            "Perm/direct/line"
        },
        format!(
            "{} / {} / {}",
            yes_no(f.request.permanent),
            yes_no(f.request.direct_meter),
            yes_no(f.request.simple_line)
        ),
    ));
    if r.important || r.dual_supply {
        l.push(kv(
            if lang == Lang::Zh {
                "重要用户/双电源"
            } else {
                "Important/dual"
            },
            format!("{} / {}", yes_no(r.important), yes_no(r.dual_supply)),
        ));
    }
    l.push(kv(
        if lang == Lang::Zh {
            "受理时间"
        } else {
            "Received"
        },
        f.received_at.format("%Y-%m-%d %H:%M").to_string(),
    ));
    l.push(section(app.t(Msg::DecisionTitle), ""));
    match &a.decision {
        None => l.push(Line::styled(app.t(Msg::None), theme::dim())),
        Some(dec) => {
            l.push(kv(
                app.t(Msg::ColProcess),
                format!("{} ({})", lang.process(a.process), dec.access.voltage.id()),
            ));
            let programs = dec
                .programs
                .iter()
                .map(|p| p.label_zh())
                .collect::<Vec<_>>()
                .join(" ");
            l.push(kv(
                app.t(Msg::Programs),
                if programs.is_empty() {
                    app.t(Msg::None).into()
                } else {
                    programs
                },
            ));
            l.push(kv(
                app.t(Msg::Boundary),
                boundary(lang, dec.investment_boundary.id()),
            ));
            l.push(kv(
                app.t(Msg::LinePayer),
                payer(lang, dec.external_line_payer.id()),
            ));
            for s in &dec.steps {
                l.push(kv(
                    &lang.step(&s.id),
                    format!(
                        "{} {} ({})",
                        s.limit_working_days,
                        app.t(Msg::WorkingDays),
                        s.from
                    ),
                ));
            }
            l.push(kv(
                app.t(Msg::TariffCut),
                format!("{:.3} yuan/kWh", dec.tariff_cut_yuan_per_kwh),
            ));
            l.push(kv(app.t(Msg::Rules), dec.rules.join(" ")));
            l.push(kv(
                app.t(Msg::Bundle),
                format!("{} {}", dec.bundle.region, dec.bundle.version),
            ));
            l.push(kv(app.t(Msg::Digest), truncate(&dec.bundle.digest, 30)));
        }
    }
    l
}

fn progress(app: &App, d: &DetailData, width: u16) -> Vec<Line<'static>> {
    let lang = app.lang;
    let a = &d.app;
    let mut l = vec![Line::from(vec![
        Span::styled(format!("{} ", app.t(Msg::ColState)), theme::dim()),
        Span::styled(lang.state(a.status).to_string(), theme::title()),
        Span::styled(format!("   {} ", app.t(Msg::ColDeadline)), theme::dim()),
        Span::raw(lang.deadline(a.deadline, a.deadline_provisional, "%Y-%m-%d")),
        Span::styled(format!("   {} ", app.t(Msg::ColRemaining)), theme::dim()),
        remaining_span(d.remaining_wd, lang),
    ])];
    if a.deadline_provisional && !a.status.is_terminal() {
        // The notices to load, each on a line of its own so that none is broken.
        let (head, notices, why) = lang.provisional_notice_parts(&a.missing_calendar_years);
        l.push(Line::styled(head, theme::warn()));
        for notice in notices {
            l.push(Line::styled(format!("  {notice}"), theme::warn()));
        }
        for part in textwrap::wrap(&why, (width as usize).max(10)) {
            l.push(Line::styled(part.to_string(), theme::warn()));
        }
    }
    l.push(Line::from(vec![
        Span::styled(
            format!("{} {} ", app.t(Msg::WorkingDays), app.t(Msg::GridDays)),
            theme::dim(),
        ),
        Span::raw(
            d.grid_wd_used
                .map(|n| n.to_string())
                .unwrap_or_else(|| "-".into()),
        ),
        Span::styled(format!("   {} ", app.t(Msg::CustomerDays)), theme::dim()),
        Span::raw(
            d.customer_wd_used
                .map(|n| n.to_string())
                .unwrap_or_else(|| "-".into()),
        ),
    ]));
    let next = match &d.pending {
        Some(p) => format!(
            "{} {} {}  ({} {}{})",
            lang.step(&p.step),
            match lang {
                Lang::Zh => "截止",
                Lang::En => "due",
            },
            lang.deadline(Some(p.deadline), p.deadline_provisional, "%Y-%m-%d"),
            p.limit_working_days,
            app.t(Msg::WorkingDays),
            match lang {
                Lang::Zh => format!(", 自 {} 起算", p.counted_from),
                Lang::En => format!(" from {}", p.counted_from),
            }
        ),
        None if d.next_states.is_empty() => app.t(Msg::None).to_string(),
        None => d
            .next_states
            .iter()
            .map(|s| lang.state(*s))
            .collect::<Vec<_>>()
            .join(" / "),
    };
    l.push(Line::from(vec![
        Span::styled(format!("{} ", app.t(Msg::NextStep)), theme::dim()),
        Span::styled(next, theme::warn()),
    ]));
    if let Some((limit, left)) = d.grid_total {
        l.push(Line::from(vec![
            Span::styled(format!("{} ", app.t(Msg::GridTotal)), theme::dim()),
            Span::raw(format!("{limit} {}, ", app.t(Msg::WorkingDays))),
            remaining_span(Some(left), lang),
        ]));
    }
    if let Some(e) = &d.timeline_error {
        l.push(Line::styled(e.clone(), theme::alarm()));
    }
    l.push(section(app.t(Msg::Timeline), ""));
    let w = width as usize;
    for (i, t) in d.timeline.iter().enumerate().rev() {
        let marker = if i + 1 == d.timeline.len() {
            "* "
        } else {
            "| "
        };
        let mut spans = vec![
            Span::styled(marker, theme::key()),
            Span::raw(format!(
                "{} {} ",
                short_date(t.at.date_naive(), app.today),
                t.at.format("%H:%M")
            )),
            Span::styled(
                match (lang, t.moved_to) {
                    (Lang::En, Some(s)) => lang.state(s).to_string(),
                    _ => t.what.clone(),
                },
                if t.late {
                    theme::alarm()
                } else if i + 1 == d.timeline.len() {
                    theme::title()
                } else {
                    ratatui::style::Style::new()
                },
            ),
        ];
        // The deadline (and whether it was missed) before who did it and the days it took: on a
        // narrow panel those are what gets cut.
        if let Some(deadline) = t.deadline {
            let format = if deadline.year() == app.today.year() {
                "%m-%d"
            } else {
                "%Y-%m-%d"
            };
            let text = format!(
                "  {} {}",
                app.t(Msg::ColDeadline),
                lang.deadline(t.deadline, t.deadline_provisional, format)
            );
            // A step done after its deadline stands out; one done in time stays quiet.
            if t.late {
                spans.push(Span::styled(
                    format!("{text} {}", app.t(Msg::Late)),
                    theme::alarm(),
                ));
            } else {
                spans.push(Span::styled(text, theme::dim()));
            }
        }
        spans.push(Span::styled(format!("  {}", t.actor), theme::dim()));
        if let (Some(g), c) = (t.grid_wd, t.customer_wd) {
            spans.push(Span::styled(
                format!(
                    "  {}{g}{}",
                    app.t(Msg::GridDays),
                    c.map(|c| format!(" {}{c}", app.t(Msg::CustomerDays)))
                        .unwrap_or_default()
                ),
                theme::dim(),
            ));
        }
        l.push(Line::from(spans));
        if let Some(n) = &t.note {
            let n = readable_note(app.lang, n);
            for part in textwrap::wrap(&n, w.saturating_sub(4).max(10)) {
                l.push(Line::from(vec![
                    Span::styled("|   ", theme::key()),
                    Span::styled(part.to_string(), theme::dim()),
                ]));
            }
        }
    }
    l.push(section(app.t(Msg::SideFlows), ""));
    if d.side_flows.is_empty() {
        l.push(Line::styled(app.t(Msg::None), theme::dim()));
    }
    for s in &d.side_flows {
        l.push(Line::from(vec![
            Span::raw(format!("  {} ", pad(&flow_label(lang, &s.flow), 16))),
            Span::styled(s.state.clone(), theme::title()),
            Span::styled(
                if s.actions.is_empty() {
                    String::new()
                } else {
                    format!("  [{}]", s.actions.join(", "))
                },
                theme::dim(),
            ),
        ]));
    }
    l.push(section(app.t(Msg::Actions), ""));
    let mut acts: Vec<Span> = Vec::new();
    let forward: Vec<State> = d
        .next_states
        .iter()
        .copied()
        .filter(|s| *s != State::Cancelled)
        .collect();
    let mut push = |cmd: Command, extra: String| {
        acts.push(Span::styled(
            format!("{} ", app.keymap.keys_label(cmd)),
            theme::key(),
        ));
        acts.push(Span::raw(format!("{}{extra}   ", cmd.binding().desc(lang))));
    };
    if !forward.is_empty() {
        push(
            Command::Advance,
            format!(
                " ({})",
                forward
                    .iter()
                    .map(|s| lang.state(*s))
                    .collect::<Vec<_>>()
                    .join("/")
            ),
        );
    }
    if forward.contains(&State::CompletionReported) {
        push(Command::CompletionReported, String::new());
    }
    push(Command::DetailServices, String::new());
    for (flow, cmd) in [
        ("cloud_acceptance", Command::CloudAcceptance),
        ("appointment", Command::Appointment),
        ("filing", Command::Filing),
        ("joint", Command::JointApplication),
        ("transfer", Command::TransferFlow),
        ("grid_project", Command::GridProject),
    ] {
        if d.side_flows
            .iter()
            .any(|s| s.flow == flow && !s.actions.is_empty())
        {
            push(cmd, String::new());
        }
    }
    if d.next_states.contains(&State::Cancelled) {
        push(Command::Cancel, String::new());
    }
    push(Command::AddNote, String::new());
    push(Command::Back, String::new());
    // Wrap the action hints by display width.
    let mut line: Vec<Span> = Vec::new();
    let mut used = 0;
    for pair in acts.chunks(2) {
        let wpair: usize = pair
            .iter()
            .map(|s| unicode_width::UnicodeWidthStr::width(s.content.as_ref()))
            .sum();
        if used + wpair > w && !line.is_empty() {
            l.push(Line::from(std::mem::take(&mut line)));
            used = 0;
        }
        used += wpair;
        line.extend(pair.iter().cloned());
    }
    if !line.is_empty() {
        l.push(Line::from(line));
    }
    // The service records last: the actions stay in view on a small terminal.
    service_lines(app, d, &mut l);
    l
}

pub(crate) fn flow_label(lang: Lang, flow: &str) -> String {
    let zh = match flow {
        "grid_project" => "配套电网工程",
        "filing" => "承诺备案",
        "cloud_acceptance" => "云验收",
        "joint" => "联合报装",
        "appointment" => "预约上门",
        "transfer" => "联合过户",
        "zero_certificate" => "零证办电",
        other => other,
    };
    match lang {
        Lang::Zh => zh.to_string(),
        Lang::En => flow.replace('_', " "),
    }
}

/// A side-flow event's details are stored as JSON; show them as `field: value` pairs in the
/// operator's language (yes/no for flags, nested values flattened), never as raw JSON.
fn readable_note(lang: Lang, note: &str) -> String {
    match serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(note) {
        Ok(map) => map
            .iter()
            .filter(|(k, _)| k.as_str() != "action")
            .map(|(k, v)| format!("{}: {}", lang.side_flow_field(k), readable_value(lang, v)))
            .collect::<Vec<_>>()
            .join(", "),
        Err(_) => note.to_string(),
    }
}

fn readable_value(lang: Lang, v: &serde_json::Value) -> String {
    use serde_json::Value;
    match v {
        Value::String(s) => s.clone(),
        Value::Bool(b) => match (lang, b) {
            (Lang::Zh, true) => "是".into(),
            (Lang::Zh, false) => "否".into(),
            (Lang::En, true) => "yes".into(),
            (Lang::En, false) => "no".into(),
        },
        Value::Null => "-".into(),
        Value::Number(n) => n.to_string(),
        Value::Array(items) => items
            .iter()
            .map(|i| readable_value(lang, i))
            .collect::<Vec<_>>()
            .join(if lang == Lang::Zh { "、" } else { ", " }),
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| format!("{} {}", lang.side_flow_field(k), readable_value(lang, v)))
            .collect::<Vec<_>>()
            .join(if lang == Lang::Zh { "，" } else { "; " }),
    }
}

/// The application's service records: its team or visit, efficiency, choices of firm and fees.
fn service_lines(app: &App, d: &crate::tui::action::DetailData, l: &mut Vec<Line<'static>>) {
    use crate::domain::office::teams::ServiceOffer;
    use crate::domain::text::escape_for_terminal as esc;
    let zh = app.lang == crate::tui::i18n::Lang::Zh;
    l.push(section(app.t(Msg::ScreenServices), ""));
    let Some(s) = &d.services else {
        return;
    };
    let row = |label: &str, text: String| {
        Line::from(vec![
            Span::raw(format!("  {} ", pad(label, 16))),
            Span::raw(text),
        ])
    };
    match (&s.team, &s.visit, d.offer) {
        (Some(t), _, _) => {
            let n: Vec<String> = t
                .body
                .specialists
                .iter()
                .map(|p| format!("{}({})", esc(&p.name), p.specialty.label_zh()))
                .collect();
            l.push(row(
                "1+N",
                format!("{} + {}", esc(&t.body.manager), n.join("、")),
            ));
        }
        (None, Some(v), _) => {
            let state = match (v.body.done, zh) {
                (true, true) => "已上门",
                (true, false) => "done",
                (false, true) => "待上门",
                (false, false) => "booked",
            };
            l.push(row(
                ServiceOffer::AppointmentVisit.label_zh(),
                format!("{} {} {state}", esc(&v.body.visitor), v.body.visit_on),
            ));
        }
        (None, None, Some(offer)) if offer != ServiceOffer::None && !d.app.status.is_terminal() => {
            l.push(Line::styled(
                if zh {
                    format!("  提供{}（尚未安排）", offer.label_zh())
                } else {
                    format!("  offered: {} (not yet arranged)", offer.label_zh())
                },
                theme::dim(),
            ))
        }
        _ => {}
    }
    if let Some(e) = &s.efficiency {
        let b = &e.body;
        l.push(row(
            crate::domain::office::record::RecordKind::Efficiency.label_zh(),
            if zh {
                format!(
                    "{} 每{}天 已服务{}次 下次 {}",
                    esc(&b.plan.person),
                    b.plan.interval_days,
                    b.deliveries.len(),
                    b.next_due
                )
            } else {
                format!(
                    "{} every {} days, {} delivered, next {}",
                    esc(&b.plan.person),
                    b.plan.interval_days,
                    b.deliveries.len(),
                    b.next_due
                )
            },
        ));
    }
    for c in &s.firm_choices {
        l.push(row(
            c.body.role.label_zh(),
            format!(
                "{} ({})",
                esc(&c.body.firm_id),
                if zh {
                    "客户自选"
                } else {
                    "customer's choice"
                }
            ),
        ));
    }
    for f in &s.fees {
        l.push(row(
            crate::domain::office::record::RecordKind::Fee.label_zh(),
            format!("{} {:.2}", esc(&f.body.item), f.body.amount_yuan),
        ));
    }
}

#[cfg(test)]
mod readable_tests {
    use super::*;

    #[test]
    fn side_flow_details_read_in_the_operators_language() {
        let note = r#"{"action":"record","live_line":true}"#;
        assert_eq!(readable_note(Lang::Zh, note), "带电作业: 是");
        assert_eq!(readable_note(Lang::En, note), "live-line work: yes");
        let visit = r#"{"slot":{"date":"2026-12-03","period":"am"},"team":"任城一班"}"#;
        assert_eq!(
            readable_note(Lang::Zh, visit),
            "预约时段: 日期 2026-12-03，时段 am, 上门班组: 任城一班"
        );
        assert_eq!(readable_note(Lang::Zh, "plain text"), "plain text");
    }
}

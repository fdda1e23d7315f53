//! 新建申请: the application form with validation as you type and a live decision preview.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;
use unicode_width::UnicodeWidthStr;

use super::{section, theme};
use crate::tui::app::App;
use crate::tui::form::{FieldKind, FIELDS};
use crate::tui::i18n::{Lang, Msg};
use crate::tui::keymap::Command;
use crate::tui::text_input::pad;

const LABEL_COLS: usize = 20;

pub fn draw(app: &App, frame: &mut Frame, area: Rect) {
    let [area, messages] =
        Layout::vertical([Constraint::Min(3), Constraint::Length(3)]).areas(area);
    draw_messages(app, frame, messages);
    let [form_area, preview_area] =
        Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)])
            .spacing(1)
            .areas(area);
    draw_form(app, frame, form_area);
    draw_preview(app, frame, preview_area);
}

fn draw_form(app: &App, frame: &mut Frame, area: Rect) {
    let f = &app.form;
    let hint = format!(
        "{} {}  {} {}  Space/{}",
        app.keymap.keys_label(Command::NextField),
        Command::NextField.binding().desc(app.lang),
        app.keymap.keys_label(Command::Submit),
        Command::Submit.binding().desc(app.lang),
        match app.lang {
            Lang::Zh => "左右切换选项",
            Lang::En => "Left/Right cycle choices",
        }
    );
    let [title, fields] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(area);
    frame.render_widget(Paragraph::new(section(app.t(Msg::ScreenNew), &hint)), title);
    let visible = fields.height as usize;
    let first = f
        .focus
        .saturating_sub(visible.saturating_sub(1) / 2)
        .min(FIELDS.len().saturating_sub(visible));
    for (row, i) in (first..FIELDS.len()).take(visible).enumerate() {
        let spec = &FIELDS[i];
        let y = fields.y + row as u16;
        let focused = i == f.focus;
        let has_error = f.error_for(spec.path).is_some();
        let label_style = if has_error {
            theme::alarm()
        } else if focused {
            theme::title()
        } else {
            theme::dim()
        };
        let marker = if focused { "> " } else { "  " };
        let label = format!("{marker}{}", pad(spec.label(app.lang), LABEL_COLS - 2));
        frame.render_widget(
            Span::styled(label, label_style),
            Rect::new(fields.x, y, LABEL_COLS as u16, 1),
        );
        let input_area = Rect::new(
            fields.x + LABEL_COLS as u16 + 1,
            y,
            fields.width.saturating_sub(LABEL_COLS as u16 + 1),
            1,
        );
        let input = &f.inputs[i];
        let input_style = if focused {
            theme::selected()
        } else {
            Style::new()
        };
        match spec.kind {
            FieldKind::Bool => {
                let v = if input.text() == "true" {
                    app.t(Msg::Yes)
                } else {
                    app.t(Msg::No)
                };
                frame.render_widget(Span::styled(format!("[{v}]"), input_style), input_area);
            }
            FieldKind::Choice(_) => {
                let v = if input.text().is_empty() {
                    app.t(Msg::None).to_string()
                } else {
                    choice_label(app.lang, input.text())
                };
                frame.render_widget(Span::styled(format!("< {v} >"), input_style), input_area);
            }
            _ => input.render(
                frame,
                input_area,
                input_style,
                focused && app.overlay.is_none(),
            ),
        }
    }
}

/// The field messages, the focused field's first, across the whole width.
fn draw_messages(app: &App, frame: &mut Frame, messages: Rect) {
    let f = &app.form;
    let mut lines: Vec<Line> = Vec::new();
    if f.errors.is_empty() {
        lines.push(Line::styled(app.t(Msg::Valid), theme::ok()));
    } else {
        let focused_path = f.spec().path;
        let mut errs: Vec<_> = f.errors.iter().collect();
        errs.sort_by_key(|e| e.field != focused_path);
        for e in errs.iter().take(3) {
            let label = FIELDS
                .iter()
                .find(|s| s.path == e.field)
                .map(|s| s.label(app.lang))
                .unwrap_or(&e.field);
            lines.push(Line::from(vec![
                Span::styled(format!("{label} ({}): ", e.field), theme::alarm()),
                Span::raw(e.message.clone()),
            ]));
        }
    }
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), messages);
}

fn choice_label(lang: Lang, id: &str) -> String {
    let zh = match id {
        "resident" => "居民",
        "small_micro" => "小微企业",
        "enterprise" => "企业",
        "national" => "国家级",
        "provincial" => "省级",
        "municipal" => "市级",
        "new" => "新装",
        "capacity_increase" => "增容",
        "transfer" => "过户",
        "temporary" => "临时用电",
        other => other,
    };
    match lang {
        Lang::Zh if zh != id => format!("{zh} {id}"),
        _ => id.to_string(),
    }
}

fn draw_preview(app: &App, frame: &mut Frame, area: Rect) {
    let mut lines = vec![section(app.t(Msg::Preview), "")];
    let kv = |k: &str, v: String| {
        Line::from(vec![
            Span::styled(format!("{} ", pad(k, 14)), theme::dim()),
            Span::raw(v),
        ])
    };
    match &app.preview {
        None if app.form.parsed.is_none() => lines.push(Line::styled(
            match app.lang {
                Lang::Zh => "表单校验通过后显示当前政策包的决策",
                Lang::En => "The active bundle's decision shows once the form is valid",
            },
            theme::dim(),
        )),
        None => lines.push(Line::styled(app.t(Msg::Loading), theme::dim())),
        Some(Err(e)) => lines.push(Line::styled(e.clone(), theme::alarm())),
        Some(Ok(p)) => {
            let deadline =
                app.lang
                    .deadline(p.deadline, !p.deadline_missing.is_empty(), "%Y-%m-%d");
            if !p.deadline_missing.is_empty() {
                lines.push(Line::styled(
                    app.lang.provisional_notice(&p.deadline_missing),
                    theme::warn(),
                ));
            }
            let Some(d) = &p.decision else {
                lines.push(kv(
                    app.t(Msg::ColProcess),
                    app.lang.process(p.process).into(),
                ));
                lines.push(kv(app.t(Msg::ColDeadline), deadline));
                lines.push(Line::styled(
                    match app.lang {
                        Lang::Zh => "未启用政策包: 流程类别按电压判断, 时限取默认值",
                        Lang::En => {
                            "No active policy bundle: process class by voltage, default limits"
                        }
                    },
                    theme::warn(),
                ));
                frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), area);
                return;
            };
            lines.push(kv(app.t(Msg::ColDeadline), deadline));
            lines.push(kv(
                app.t(Msg::ColProcess),
                format!(
                    "{} ({})",
                    app.lang.process(d.access.class.into()),
                    d.access.voltage.id()
                ),
            ));
            let programs = if d.programs.is_empty() {
                app.t(Msg::None).to_string()
            } else {
                d.programs
                    .iter()
                    .map(|p| p.label_zh())
                    .collect::<Vec<_>>()
                    .join(" ")
            };
            lines.push(kv(app.t(Msg::Programs), programs));
            lines.push(kv(
                app.t(Msg::Boundary),
                boundary(app.lang, d.investment_boundary.id()),
            ));
            lines.push(kv(
                app.t(Msg::LinePayer),
                payer(app.lang, d.external_line_payer.id()),
            ));
            lines.push(kv(
                app.t(Msg::GridTotal),
                d.grid_total_limit_working_days
                    .map(|n| format!("{n} {}", app.t(Msg::WorkingDays)))
                    .unwrap_or_else(|| "-".into()),
            ));
            lines.push(kv(
                app.t(Msg::TariffCut),
                format!("{:.3} yuan/kWh", d.tariff_cut_yuan_per_kwh),
            ));
            lines.push(kv(
                app.t(Msg::Efficiency),
                if d.free_efficiency_service {
                    app.t(Msg::Yes)
                } else {
                    app.t(Msg::No)
                }
                .into(),
            ));
            lines.push(Line::styled(app.t(Msg::StepLimits), theme::header()));
            for s in &d.steps {
                let date = p
                    .step_dates
                    .iter()
                    .find(|(id, _)| *id == s.id)
                    .and_then(|(_, d)| d.as_ref());
                lines.push(Line::from(vec![
                    Span::raw(format!("  {} ", pad(&app.lang.step(&s.id), 14))),
                    Span::raw(format!(
                        "{} {} ({})",
                        s.limit_working_days,
                        app.t(Msg::WorkingDays),
                        s.from
                    )),
                    Span::styled(
                        date.map(|d| {
                            format!(
                                "  {}",
                                app.lang
                                    .deadline(Some(d.value), d.is_provisional(), "%Y-%m-%d")
                            )
                        })
                        .unwrap_or_default(),
                        theme::title(),
                    ),
                ]));
            }
            lines.push(Line::styled(
                format!("{} ({})", app.t(Msg::Rules), d.bundle.version),
                theme::header(),
            ));
            let width = area.width.saturating_sub(2) as usize;
            for id in &d.rules {
                let text = p
                    .rule_texts
                    .iter()
                    .find(|(r, _)| r == id)
                    .map(|(_, t)| t.as_str())
                    .unwrap_or("");
                let head = format!("  {id} ");
                let wrapped = textwrap::wrap(
                    text,
                    textwrap::Options::new(width.saturating_sub(head.width()).max(10)),
                );
                for (i, w) in wrapped.iter().enumerate() {
                    let lead = if i == 0 {
                        Span::styled(head.clone(), theme::key())
                    } else {
                        Span::raw(" ".repeat(head.width()))
                    };
                    lines.push(Line::from(vec![lead, Span::raw(w.to_string())]));
                }
                if wrapped.is_empty() {
                    lines.push(Line::styled(head, theme::key()));
                }
            }
        }
    }
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), area);
}

pub(crate) fn boundary(lang: Lang, id: &str) -> String {
    let zh = match id {
        "meter" => "投资至电能表",
        "planning_red_line" => "延伸至规划红线",
        "property_boundary" => "产权分界点",
        _ => id,
    };
    match lang {
        Lang::Zh => zh.into(),
        Lang::En => id.replace('_', " "),
    }
}

pub(crate) fn payer(lang: Lang, id: &str) -> String {
    let zh = match id {
        "utility" => "供电公司",
        "county_government" => "县级政府",
        "customer" => "客户",
        _ => id,
    };
    match lang {
        Lang::Zh => zh.into(),
        Lang::En => id.replace('_', " "),
    }
}

//! 确认与输入: confirmation before anything that cannot be undone, one-line prompts, choices.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};
use ratatui::Frame;
use unicode_width::UnicodeWidthStr;

use super::{centered, theme};
use crate::tui::app::{App, Overlay};
use crate::tui::i18n::{Lang, Msg};

pub fn draw(app: &App, frame: &mut Frame, overlay: &Overlay) {
    let full = frame.area();
    let w = full.width.saturating_sub(8).min(76);
    match overlay {
        Overlay::RecordForm(form) => draw_form(app, frame, form, w),
        Overlay::Confirm { prompt, .. } => {
            let inner = w.saturating_sub(4) as usize;
            let lines_needed = textwrap::wrap(prompt, inner.max(10)).len() as u16;
            let area = centered(full, w, lines_needed + 4);
            frame.render_widget(Clear, area);
            let keys = match app.lang {
                Lang::Zh => "y/Enter 确认    n/Esc 放弃",
                Lang::En => "y/Enter confirm    n/Esc keep as is",
            };
            let lines = vec![
                Line::styled(format!(" {}", app.t(Msg::Confirm)), theme::title()),
                Line::raw(format!(" {prompt}")),
                Line::raw(""),
                Line::styled(format!(" {keys}"), theme::key()),
            ];
            frame.render_widget(
                Paragraph::new(lines)
                    .wrap(Wrap { trim: false })
                    .style(theme::dialog()),
                area,
            );
        }
        Overlay::Prompt { title, input, .. } => {
            let area = centered(full, w, 4);
            frame.render_widget(Clear, area);
            frame.render_widget(
                Paragraph::new(vec![
                    Line::styled(format!(" {title}"), theme::title()),
                    Line::raw(""),
                    Line::styled(
                        match app.lang {
                            Lang::Zh => " Enter 确定   Esc 放弃",
                            Lang::En => " Enter accept   Esc cancel",
                        },
                        theme::dim(),
                    ),
                ])
                .style(theme::dialog()),
                area,
            );
            let field = Rect::new(area.x + 2, area.y + 1, area.width.saturating_sub(4), 1);
            input.render(frame, field, theme::selected(), true);
        }
        Overlay::Choose {
            title,
            options,
            selected,
        } => {
            let area = centered(full, w, options.len() as u16 + 2);
            frame.render_widget(Clear, area);
            let mut lines = vec![Line::styled(format!(" {title}"), theme::title())];
            for (i, (label, _)) in options.iter().enumerate() {
                let text = crate::tui::text_input::truncate(
                    &format!(" {} {label}", i + 1),
                    area.width as usize,
                );
                let pad = (area.width as usize).saturating_sub(text.width());
                let line = Line::from(vec![Span::raw(text), Span::raw(" ".repeat(pad))]);
                lines.push(if i == *selected {
                    line.style(theme::selected())
                } else {
                    line
                });
            }
            frame.render_widget(Paragraph::new(lines).style(theme::dialog()), area);
        }
        Overlay::Help { .. } | Overlay::Palette { .. } => {}
    }
}

/// A service record's form: its title, one field per line (label, input, what it takes), the
/// error of the last try, and the keys.
fn draw_form(app: &App, frame: &mut Frame, form: &crate::tui::record_form::RecordForm, w: u16) {
    let full = frame.area();
    let w = (w + 20).min(full.width.saturating_sub(2));
    let rows = form.fields.len() as u16 * 2;
    let area = centered(full, w, rows + 5);
    frame.render_widget(Clear, area);
    let label_w = form
        .fields
        .iter()
        .map(|f| match app.lang {
            Lang::Zh => f.zh.width(),
            Lang::En => f.en.width(),
        })
        .max()
        .unwrap_or(8)
        .min(w as usize / 3) as u16
        + 2;
    let mut lines = vec![Line::styled(
        format!(" {}", form.kind.title(app.lang)),
        theme::title(),
    )];
    for f in &form.fields {
        let label = match app.lang {
            Lang::Zh => f.zh,
            Lang::En => f.en,
        };
        lines.push(Line::styled(format!(" {label}"), theme::dim()));
        lines.push(Line::styled(
            format!("{}{}", " ".repeat(label_w as usize + 1), ""),
            theme::dim(),
        ));
    }
    let error = form.error.as_ref().map(|(zh, en)| match app.lang {
        Lang::Zh => zh.clone(),
        Lang::En => en.clone(),
    });
    lines.push(match &error {
        Some(e) => Line::styled(format!(" {e}"), theme::alarm()),
        None => Line::raw(""),
    });
    lines.push(Line::styled(
        match app.lang {
            Lang::Zh => " Tab/↑↓ 切换字段   Enter 下一项/提交   Ctrl-S 提交   Esc 放弃",
            Lang::En => " Tab/↑↓ fields   Enter next/send   Ctrl-S send   Esc cancel",
        },
        theme::key(),
    ));
    frame.render_widget(Paragraph::new(lines).style(theme::dialog()), area);
    // Each field's input on its label's line, its hint on the line below.
    for (i, f) in form.fields.iter().enumerate() {
        let y = area.y + 1 + i as u16 * 2;
        if y + 1 >= area.y + area.height {
            break;
        }
        let x = area.x + label_w + 1;
        let width = area.width.saturating_sub(label_w + 3);
        let focused = i == form.focus;
        let style = if focused {
            theme::selected()
        } else {
            theme::dialog()
        };
        f.input
            .render(frame, Rect::new(x, y, width, 1), style, focused);
        if !f.hint.is_empty() {
            frame.render_widget(
                Paragraph::new(Line::styled(f.hint.to_string(), theme::dim())),
                Rect::new(x, y + 1, width, 1),
            );
        }
    }
}

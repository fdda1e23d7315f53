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

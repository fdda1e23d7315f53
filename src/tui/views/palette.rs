//! 命令面板: type to filter the keymap's commands, Enter runs the selected one.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};
use ratatui::Frame;

use super::theme;
use crate::tui::app::App;
use crate::tui::i18n::Msg;
use crate::tui::text_input::{pad, TextInput};

pub fn draw(app: &App, frame: &mut Frame, input: &TextInput, selected: usize) {
    let full = frame.area();
    let w = full.width.min(72);
    let matches = app.palette_matches(input.text());
    let h = (matches.len() as u16 + 2)
        .min(full.height.saturating_sub(4))
        .max(3);
    let area = Rect::new(full.x + (full.width - w) / 2, full.y + 2, w, h);
    frame.render_widget(Clear, area);
    frame.render_widget(Paragraph::new("").style(theme::dialog()), area);
    let prefix = format!(" {} > ", app.t(Msg::Palette));
    let pw = unicode_width::UnicodeWidthStr::width(prefix.as_str()) as u16;
    frame.render_widget(
        Span::styled(prefix, theme::title()),
        Rect::new(area.x, area.y, pw, 1),
    );
    input.render(
        frame,
        Rect::new(area.x + pw, area.y, area.width.saturating_sub(pw + 1), 1),
        theme::dialog(),
        true,
    );
    let sel = selected.min(matches.len().saturating_sub(1));
    let lines: Vec<Line> = matches
        .iter()
        .enumerate()
        .take(area.height.saturating_sub(1) as usize)
        .map(|(i, c)| {
            let b = c.binding();
            let line = Line::from(vec![
                Span::raw(format!(" {} ", pad(b.desc(app.lang), 34))),
                Span::styled(
                    format!("{} ", pad(&app.keymap.keys_label(*c), 16)),
                    theme::key(),
                ),
                Span::styled(b.id, theme::dim()),
            ]);
            if i == sel {
                line.style(theme::selected())
            } else {
                line
            }
        })
        .collect();
    frame.render_widget(
        Paragraph::new(lines).style(theme::dialog()),
        Rect::new(area.x, area.y + 1, area.width, area.height - 1),
    );
}

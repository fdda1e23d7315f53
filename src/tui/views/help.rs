//! 快捷键帮助: the `?` overlay, generated from the keymap table.

use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};
use ratatui::Frame;

use super::{centered, theme};
use crate::tui::app::App;
use crate::tui::i18n::Msg;
use crate::tui::keymap::{Scope, TABLE};
use crate::tui::text_input::pad;

pub fn draw(app: &App, frame: &mut Frame, scroll: u16) {
    let area = centered(frame.area(), 84, frame.area().height.saturating_sub(2));
    let mut lines = vec![Line::styled(
        format!(" {} ", app.t(Msg::Help)),
        theme::title(),
    )];
    let scopes = [Scope::Global, app.screen.scope()];
    let mut order = vec![
        Scope::Global,
        Scope::Applications,
        Scope::NewApplication,
        Scope::Detail,
        Scope::Dashboard,
        Scope::Policies,
        Scope::Due,
    ];
    // The current screen's keys first after the global ones.
    order.sort_by_key(|s| !scopes.contains(s));
    for scope in order {
        lines.push(Line::styled(
            format!(" {}", scope.label(app.lang)),
            theme::header(),
        ));
        for b in TABLE.iter().filter(|b| b.scope == scope) {
            lines.push(Line::from(vec![
                Span::styled(
                    format!("   {} ", pad(&app.keymap.keys_label(b.command), 22)),
                    theme::key(),
                ),
                Span::raw(format!("{} ", pad(b.desc(app.lang), 36))),
                Span::styled(b.id, theme::dim()),
            ]));
        }
    }
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(lines)
            .style(theme::dialog())
            .scroll((scroll, 0)),
        area,
    );
}

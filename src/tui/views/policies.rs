//! 政策包: the active bundle (region, version, digest, modules, rules with their text), the
//! other bundles under policies/, and the diff before switching.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

use super::{section, theme};
use crate::tui::app::App;
use crate::tui::i18n::Msg;
use crate::tui::keymap::Command;

pub fn draw(app: &App, frame: &mut Frame, area: Rect) {
    if app.policies.is_empty() {
        let text = if !app.policies_loaded {
            Line::styled(app.t(Msg::Loading), theme::dim())
        } else {
            Line::styled(
                match app.lang {
                    crate::tui::i18n::Lang::Zh => "未找到政策包: 在 policies/ 下放置含 bundle.toml 的目录, 或用 powerdesk policy new 创建",
                    crate::tui::i18n::Lang::En => "No policy bundles found: put a directory with bundle.toml under policies/, or create one with `powerdesk policy new`",
                },
                theme::warn(),
            )
        };
        frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: false }), area);
        return;
    }
    let [list, info] = Layout::horizontal([Constraint::Percentage(35), Constraint::Percentage(65)])
        .spacing(2)
        .areas(area);
    let hint = format!(
        "{} {}  {} {}",
        app.keymap.keys_label(Command::PolicyDiff),
        Command::PolicyDiff.binding().desc(app.lang),
        app.keymap.keys_label(Command::PolicyActivate),
        Command::PolicyActivate.binding().desc(app.lang)
    );
    let mut l = vec![section(app.t(Msg::ScreenPolicies), "")];
    for (i, b) in app.policies.iter().enumerate() {
        let mark = if b.active { "* " } else { "  " };
        let text = if let Some(e) = &b.error {
            format!(
                "{mark}{}  ({})",
                b.dir,
                crate::tui::text_input::truncate(e, 30)
            )
        } else {
            format!("{mark}{} {}  {}", b.region, b.version, b.dir)
        };
        let style = if i == app.policy_selected {
            theme::selected()
        } else if b.error.is_some() {
            theme::alarm()
        } else if b.active {
            theme::title()
        } else {
            ratatui::style::Style::new()
        };
        l.push(Line::styled(text, style));
    }
    l.push(Line::raw(""));
    l.push(Line::styled(hint, theme::dim()));
    frame.render_widget(Paragraph::new(l), list);

    let Some(b) = app.policies.get(app.policy_selected) else {
        return;
    };
    let title = if b.active {
        app.t(Msg::ActiveBundle)
    } else {
        app.t(Msg::OtherBundles)
    };
    let mut l = vec![section(title, &b.dir)];
    if let Some(e) = &b.error {
        l.push(Line::styled(e.clone(), theme::alarm()));
    }
    let kv = |k: &str, v: String| {
        Line::from(vec![
            Span::styled(format!("{k}: "), theme::dim()),
            Span::raw(v),
        ])
    };
    l.push(kv(app.t(Msg::Region), b.region.clone()));
    l.push(kv(app.t(Msg::Version), b.version.clone()));
    l.push(kv(app.t(Msg::Digest), b.digest.clone()));
    l.push(section(app.t(Msg::Modules), ""));
    for (name, status) in &b.modules {
        match status {
            Ok(()) => l.push(Line::from(vec![
                Span::raw(format!("  {name} ")),
                Span::styled("ok", theme::ok()),
            ])),
            Err(e) => l.push(Line::from(vec![
                Span::raw(format!("  {name} ")),
                Span::styled(e.clone(), theme::alarm()),
            ])),
        }
    }
    if let Some(diff) = &app.diff {
        l.push(section(app.t(Msg::Diff), ""));
        match diff {
            Err(e) => l.push(Line::styled(e.clone(), theme::alarm())),
            Ok(d) => {
                l.push(Line::raw(match app.lang {
                    crate::tui::i18n::Lang::Zh => format!(
                        "{} -> 检查 {} 件, 改变 {} 件",
                        d.to_dir, d.checked, d.changed
                    ),
                    crate::tui::i18n::Lang::En => format!(
                        "{}: {} checked, {} would change",
                        d.to_dir, d.checked, d.changed
                    ),
                }));
                for line in &d.lines {
                    l.push(Line::styled(format!("  {line}"), theme::warn()));
                }
            }
        }
    }
    l.push(section(app.t(Msg::Rules), ""));
    for (id, text) in &b.rules {
        l.push(Line::from(vec![
            Span::styled(format!("{id} "), theme::key()),
            Span::raw(text.clone()),
        ]));
    }
    frame.render_widget(Paragraph::new(l).wrap(Wrap { trim: false }), info);
}

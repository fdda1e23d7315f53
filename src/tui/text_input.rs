//! 文本输入框: a one-line text input that counts display width (CJK characters take two
//! columns) and reports where the caret is, so the terminal cursor (and an IME window) sits there.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::{Position, Rect};
use ratatui::style::Style;
use ratatui::text::Span;
use ratatui::Frame;
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// A line of text with a caret (a char index).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TextInput {
    text: String,
    /// Caret as a char index into `text`.
    caret: usize,
}

impl TextInput {
    pub fn new(text: &str) -> Self {
        TextInput {
            text: text.to_string(),
            caret: text.chars().count(),
        }
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn caret(&self) -> usize {
        self.caret
    }

    pub fn set(&mut self, text: &str) {
        self.text = text.to_string();
        self.caret = text.chars().count();
    }

    fn byte_at(&self, char_idx: usize) -> usize {
        self.text
            .char_indices()
            .nth(char_idx)
            .map(|(b, _)| b)
            .unwrap_or(self.text.len())
    }

    pub fn insert(&mut self, c: char) {
        let b = self.byte_at(self.caret);
        self.text.insert(b, c);
        self.caret += 1;
    }

    pub fn insert_str(&mut self, s: &str) {
        for c in s.chars().filter(|c| !c.is_control()) {
            self.insert(c);
        }
    }

    /// Apply an editing key; false when the key is not an editing key.
    pub fn handle_key(&mut self, key: &KeyEvent) -> bool {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match key.code {
            KeyCode::Char('a') if ctrl => self.caret = 0,
            KeyCode::Char('e') if ctrl => self.caret = self.text.chars().count(),
            KeyCode::Char('u') if ctrl => {
                let b = self.byte_at(self.caret);
                self.text.replace_range(..b, "");
                self.caret = 0;
            }
            KeyCode::Char('k') if ctrl => {
                let b = self.byte_at(self.caret);
                self.text.truncate(b);
            }
            KeyCode::Char(c) if !ctrl => self.insert(c),
            KeyCode::Backspace => {
                if self.caret > 0 {
                    self.caret -= 1;
                    let b = self.byte_at(self.caret);
                    self.text.remove(b);
                }
            }
            KeyCode::Delete => {
                if self.caret < self.text.chars().count() {
                    let b = self.byte_at(self.caret);
                    self.text.remove(b);
                }
            }
            KeyCode::Left => self.caret = self.caret.saturating_sub(1),
            KeyCode::Right => self.caret = (self.caret + 1).min(self.text.chars().count()),
            KeyCode::Home => self.caret = 0,
            KeyCode::End => self.caret = self.text.chars().count(),
            _ => return false,
        }
        true
    }

    /// Display columns before the caret.
    pub fn caret_column(&self) -> usize {
        self.text
            .chars()
            .take(self.caret)
            .map(|c| c.width().unwrap_or(0))
            .sum()
    }

    /// Draw into `area` (one line), scrolled so the caret is visible; when `focused`, put the
    /// terminal cursor at the caret.
    pub fn render(&self, frame: &mut Frame, area: Rect, style: Style, focused: bool) {
        if area.width == 0 || area.height == 0 {
            return;
        }
        let width = area.width as usize;
        let caret_col = self.caret_column();
        // Leave one column for the cursor after the last character.
        let skip_cols = caret_col.saturating_sub(width.saturating_sub(1));
        let mut shown = String::new();
        let mut col = 0;
        let mut used = 0;
        for c in self.text.chars() {
            let w = c.width().unwrap_or(0);
            if col < skip_cols {
                col += w;
                continue;
            }
            if used + w > width {
                break;
            }
            shown.push(c);
            used += w;
        }
        let lead = col.saturating_sub(skip_cols);
        let line = format!("{}{}", " ".repeat(lead), shown);
        frame.render_widget(Span::styled(line, style), area);
        if focused {
            let x = area.x + (caret_col - skip_cols) as u16;
            frame.set_cursor_position(Position::new(x.min(area.x + area.width - 1), area.y));
        }
    }
}

/// Truncate `s` to at most `width` display columns, ending with `~` when cut (no ambiguous-width ellipsis).
pub fn truncate(s: &str, width: usize) -> String {
    if s.width() <= width {
        return s.to_string();
    }
    if width == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > width - 1 {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('~');
    out
}

/// Pad `s` with spaces to `width` display columns (truncating when longer).
pub fn pad(s: &str, width: usize) -> String {
    let t = truncate(s, width);
    let w = t.width();
    format!("{t}{}", " ".repeat(width.saturating_sub(w)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossterm::event::KeyEvent;

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn chinese_text_edits_by_character_and_measures_two_columns() {
        let mut t = TextInput::default();
        t.insert_str("济宁市");
        assert_eq!(t.caret_column(), 6);
        t.handle_key(&key(KeyCode::Left));
        t.handle_key(&key(KeyCode::Backspace));
        assert_eq!(t.text(), "济市");
        assert_eq!(t.caret_column(), 2);
        t.handle_key(&key(KeyCode::Char('宁')));
        assert_eq!(t.text(), "济宁市");
        t.handle_key(&key(KeyCode::Delete));
        assert_eq!(t.text(), "济宁");
    }

    #[test]
    fn truncation_counts_display_width() {
        assert_eq!(truncate("济宁市任城区", 7), "济宁市~");
        assert_eq!(truncate("abc", 3), "abc");
        assert_eq!(pad("任城", 6), "任城  ");
    }
}

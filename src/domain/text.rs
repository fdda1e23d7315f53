//! 文本: what text a record may hold, and how text is made safe to print.
//!
//! A name, an address or a note reaches terminals, printed papers and other programs. Control
//! characters (C0 such as ESC, BEL, NUL, CR/LF; DEL; C1 such as CSI) can clear a screen, set a
//! window title or forge lines, and bidirectional overrides can make text read differently from
//! what is stored, so they are refused at input (naming the field) and escaped at output.
//! Every text field has a documented length limit (docs/contracts.md, "Text limits").

use std::borrow::Cow;

/// Longest customer name, park name or firm name, in characters.
pub const MAX_NAME_CHARS: usize = 200;
/// Longest address, in characters.
pub const MAX_ADDRESS_CHARS: usize = 500;
/// Longest county, phone number or id number field, in characters.
pub const MAX_SHORT_CHARS: usize = 50;
/// Longest note, cancellation reason or side-flow remark, in characters.
pub const MAX_NOTE_CHARS: usize = 2000;
/// Longest actor (operator or account name), in characters.
pub const MAX_ACTOR_CHARS: usize = 64;
/// Longest single import line, in bytes (an application with its history is a few KB).
pub const MAX_IMPORT_LINE_BYTES: usize = 1 << 20;

/// A character that must never reach a terminal as is: controls (C0, DEL, C1) and the
/// bidirectional embeddings, overrides and isolates.
pub fn is_unsafe(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// A character that shows nothing: white space, zero-width characters and marks, byte-order
/// mark, soft hyphen (a name made only of them is empty).
pub fn is_invisible(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '\u{00AD}' | '\u{180E}' | '\u{200B}'..='\u{200F}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}'
        )
        || is_unsafe(c)
}

/// True when `s` shows nothing at all.
pub fn is_blank(s: &str) -> bool {
    s.chars().all(is_invisible)
}

/// Why a one-line text is refused (the caller names the field): a control or bidi character,
/// or more than `max` characters. The message says what to do.
pub fn check_line(s: &str, max: usize) -> Result<(), String> {
    check(s, max, false)
}

/// The same for text that may span lines (notes, reasons): line feeds and tabs are allowed.
pub fn check_lines(s: &str, max: usize) -> Result<(), String> {
    check(s, max, true)
}

fn check(s: &str, max: usize, multi_line: bool) -> Result<(), String> {
    let n = s.chars().count();
    if n > max {
        return Err(format!(
            "has {n} characters, more than the {max} allowed; shorten it"
        ));
    }
    let bad = s
        .char_indices()
        .find(|(_, c)| is_unsafe(*c) && !(multi_line && matches!(c, '\n' | '\t')));
    match bad {
        Some((at, c)) => {
            let position = s[..at].chars().count() + 1;
            Err(format!(
                "holds the control character {} at character {position}; control and text-direction characters are not allowed{}: retype the text",
                escape_char(c),
                if multi_line { "" } else { " (nor line breaks)" }
            ))
        }
        None => Ok(()),
    }
}

/// `s` with every unsafe character written as an escape (`\u{1b}`), so it prints as what it is.
pub fn escape_for_terminal(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_unsafe) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if is_unsafe(c) {
            out.push_str(&escape_char(c));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// The same, keeping line feeds (text printed over several lines on purpose).
pub fn escape_keeping_lines(s: &str) -> String {
    s.split('\n')
        .map(|line| escape_for_terminal(line).into_owned())
        .collect::<Vec<_>>()
        .join("\n")
}

fn escape_char(c: char) -> String {
    format!("\\u{{{:x}}}", c as u32)
}

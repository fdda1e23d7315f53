//! A paper as one self-contained HTML page: A4 when printed, readable on a phone, every text
//! escaped (and stripped of control and bidi characters).

use crate::domain::papers::{Block, Paper};
use crate::domain::text;

/// Escape for HTML text and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if text::is_unsafe(c) => {}
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "\
@page { size: A4; margin: 20mm; }
body { font-family: 'Noto Sans CJK SC', 'Noto Sans SC', 'Source Han Sans SC', 'Microsoft YaHei', sans-serif; \
line-height: 1.55; max-width: 170mm; margin: 0 auto; padding: 1em; color: #111; \
word-break: normal; line-break: strict; overflow-wrap: anywhere; }
h1 { text-align: center; font-size: 1.5em; margin: 0.2em 0; }
.meta { color: #444; font-size: 0.85em; border-bottom: 1px solid #444; padding-bottom: 0.3em; }
h2 { font-size: 1.1em; margin: 1em 0 0.3em; }
table { border-collapse: collapse; width: 100%; margin: 0.4em 0; }
th, td { border: 1px solid #555; padding: 0.25em 0.4em; text-align: left; vertical-align: top; }
th { background: #f0f0f0; }
td.k { width: 28%; background: #fafafa; }
.sign { margin-top: 2em; }
@media print { body { padding: 0; } }";

/// The paper as an HTML document.
pub fn render(p: &Paper) -> String {
    let mut h = String::new();
    h.push_str("<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n");
    h.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    h.push_str(&format!("<title>{}</title>\n", escape(&p.title)));
    h.push_str(&format!("<style>\n{STYLE}\n</style>\n</head>\n<body>\n"));
    h.push_str(&format!("<h1>{}</h1>\n", escape(&p.title)));
    h.push_str(&format!(
        "<p class=\"meta\">{}　编号：<span class=\"ref\">{}</span>　日期：{}</p>\n",
        escape(&p.office),
        escape(&p.reference),
        p.issued_on
    ));
    for b in &p.blocks {
        match b {
            Block::Heading { text } => h.push_str(&format!("<h2>{}</h2>\n", escape(text))),
            Block::Text { text } => h.push_str(&format!("<p>{}</p>\n", escape(text))),
            Block::Fields { rows } => {
                h.push_str("<table class=\"fields\">\n");
                for (k, v) in rows {
                    h.push_str(&format!(
                        "<tr><td class=\"k\">{}</td><td>{}</td></tr>\n",
                        escape(k),
                        escape(v)
                    ));
                }
                h.push_str("</table>\n");
            }
            Block::Table { head, rows } => {
                h.push_str("<table>\n<thead><tr>");
                for c in head {
                    h.push_str(&format!("<th>{}</th>", escape(c)));
                }
                h.push_str("</tr></thead>\n<tbody>\n");
                for r in rows {
                    h.push_str("<tr>");
                    for c in r {
                        h.push_str(&format!("<td>{}</td>", escape(c)));
                    }
                    h.push_str("</tr>\n");
                }
                h.push_str("</tbody>\n</table>\n");
            }
            Block::Signatures { labels } => {
                h.push_str("<p class=\"sign\">");
                let parts: Vec<String> = labels
                    .iter()
                    .map(|l| format!("{}：＿＿＿＿＿＿", escape(l)))
                    .collect();
                h.push_str(&parts.join("　　"));
                h.push_str("<br>日期：＿＿＿＿年＿＿月＿＿日</p>\n");
            }
        }
    }
    h.push_str("</body>\n</html>\n");
    h
}

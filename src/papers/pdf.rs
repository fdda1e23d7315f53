//! A paper as an A4 PDF: our own small layout (wrapped paragraphs, forms, tables that break
//! across pages with their header repeated, page numbers) drawn with krilla, the font subset
//! and embedded, every string with its Unicode text so that the PDF can be searched and copied.

use std::sync::Arc;

use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point};
use krilla::metadata::Metadata;
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::text::{Font, TextDirection};
use krilla::Document;
use unicode_linebreak::{linebreaks, BreakOpportunity};

use super::font::{Measurer, PaperFont};
use crate::domain::papers::{Block, Paper};
use crate::domain::text;

/// A4 in points.
const PAGE_W: f32 = 595.28;
const PAGE_H: f32 = 841.89;
/// 20 mm margins.
const MARGIN: f32 = 56.7;
const BODY: f32 = 11.0;
const LEADING: f32 = 1.55;
const PAD: f32 = 4.0;

#[derive(Debug, Clone)]
enum Op {
    Text {
        x: f32,
        y: f32,
        size: f32,
        bold: bool,
        text: String,
    },
    Line {
        x1: f32,
        y1: f32,
        x2: f32,
        y2: f32,
    },
}

/// Break `s` into lines no wider than `width` at `size`: at the line-break opportunities of
/// UAX #14 (between CJK characters, never before 。，、 or after an opening bracket), and inside a
/// word only when the word alone is too wide. Mandatory breaks (line feeds) are kept.
pub fn wrap(m: &Measurer<'_>, s: &str, size: f32, width: f32) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut start = 0;
    for (at, kind) in linebreaks(s) {
        let segment = &s[start..at];
        start = at;
        let candidate = format!("{line}{segment}");
        if m.width(candidate.trim_end(), size) <= width {
            line = candidate;
        } else {
            if !line.trim_end().is_empty() {
                lines.push(line.trim_end().to_string());
            }
            line = String::new();
            // A segment wider than the line on its own: break it by characters.
            for c in segment.chars() {
                let next = format!("{line}{c}");
                if m.width(next.trim_end(), size) > width && !line.is_empty() {
                    lines.push(line.trim_end().to_string());
                    line = c.to_string();
                } else {
                    line = next;
                }
            }
        }
        if kind == BreakOpportunity::Mandatory {
            let l = line.trim_end_matches(['\n', '\r']).trim_end().to_string();
            if at < s.len() || !l.is_empty() {
                lines.push(l);
            }
            line = String::new();
        }
    }
    if !line.trim_end().is_empty() {
        lines.push(line.trim_end().to_string());
    }
    if lines.is_empty() {
        lines.push(String::new());
    }
    lines
}

struct Layout<'a> {
    regular: Measurer<'a>,
    bold: Measurer<'a>,
    pages: Vec<Vec<Op>>,
    y: f32,
}

impl Layout<'_> {
    fn bottom() -> f32 {
        PAGE_H - MARGIN - 14.0
    }

    fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = MARGIN;
    }

    /// Room for `h` more points on this page, else a new page.
    fn ensure(&mut self, h: f32) {
        if self.y + h > Self::bottom() {
            self.new_page();
        }
    }

    fn op(&mut self, op: Op) {
        self.pages.last_mut().expect("a page").push(op);
    }

    fn measurer(&self, bold: bool) -> &Measurer<'_> {
        if bold {
            &self.bold
        } else {
            &self.regular
        }
    }

    fn paragraph(&mut self, s: &str, size: f32, bold: bool, x: f32, width: f32) {
        let lines = wrap(self.measurer(bold), s, size, width);
        let lh = size * LEADING;
        for l in lines {
            self.ensure(lh);
            self.op(Op::Text {
                x,
                y: self.y + size,
                size,
                bold,
                text: l,
            });
            self.y += lh;
        }
    }

    fn centered(&mut self, s: &str, size: f32, bold: bool) {
        let w = self.measurer(bold).width(s, size);
        let x = ((PAGE_W - w) / 2.0).max(MARGIN);
        self.ensure(size * LEADING);
        self.op(Op::Text {
            x,
            y: self.y + size,
            size,
            bold,
            text: s.to_string(),
        });
        self.y += size * LEADING;
    }

    fn rule(&mut self) {
        let y = self.y;
        self.op(Op::Line {
            x1: MARGIN,
            y1: y,
            x2: PAGE_W - MARGIN,
            y2: y,
        });
        self.y += 6.0;
    }

    /// A bordered table: `widths` sum to the text width; `head` repeats on every page.
    fn table(&mut self, head: Option<&[String]>, rows: &[Vec<String>], widths: &[f32]) {
        let size = BODY - 0.5;
        let lh = size * LEADING;
        let wrap_row = |me: &Self, row: &[String], bold: bool| -> Vec<Vec<String>> {
            row.iter()
                .zip(widths)
                .map(|(cell, w)| wrap(me.measurer(bold), cell, size, w - 2.0 * PAD))
                .collect()
        };
        let head_cells = head.map(|h| wrap_row(self, h, true));
        let height = |cells: &[Vec<String>]| {
            cells.iter().map(Vec::len).max().unwrap_or(1) as f32 * lh + 2.0 * PAD
        };
        let mut first = true;
        for row in rows {
            let cells = wrap_row(self, row, false);
            let h = height(&cells);
            let head_h = head_cells.as_deref().map_or(0.0, height);
            // The header goes above the first row and above the first row of every new page.
            let new_page = if first {
                self.ensure(head_h + h);
                true
            } else if self.y + h > Self::bottom() {
                self.new_page();
                true
            } else {
                false
            };
            if new_page {
                if let Some(hc) = &head_cells {
                    self.row(hc, widths, true, size);
                }
            }
            first = false;
            self.row(&cells, widths, false, size);
        }
        if rows.is_empty() {
            if let Some(hc) = &head_cells {
                self.ensure(height(hc));
                self.row(hc, widths, true, size);
            }
        }
        self.y += 6.0;
    }

    fn row(&mut self, cells: &[Vec<String>], widths: &[f32], bold: bool, size: f32) {
        let lh = size * LEADING;
        let h = cells.iter().map(Vec::len).max().unwrap_or(1) as f32 * lh + 2.0 * PAD;
        let top = self.y;
        let mut x = MARGIN;
        for (lines, w) in cells.iter().zip(widths) {
            for (i, l) in lines.iter().enumerate() {
                self.op(Op::Text {
                    x: x + PAD,
                    y: top + PAD + i as f32 * lh + size,
                    size,
                    bold,
                    text: l.clone(),
                });
            }
            self.op(Op::Line {
                x1: x,
                y1: top,
                x2: x,
                y2: top + h,
            });
            x += w;
        }
        self.op(Op::Line {
            x1: x,
            y1: top,
            x2: x,
            y2: top + h,
        });
        for y in [top, top + h] {
            self.op(Op::Line {
                x1: MARGIN,
                y1: y,
                x2: x,
                y2: y,
            });
        }
        self.y = top + h;
    }

    /// Column widths from the cells' natural widths, fitted to the text width.
    fn widths(&self, head: &[String], rows: &[Vec<String>]) -> Vec<f32> {
        let avail = PAGE_W - 2.0 * MARGIN;
        let n = head
            .len()
            .max(rows.iter().map(Vec::len).max().unwrap_or(0))
            .max(1);
        let mut natural = vec![30.0_f32; n];
        for (i, c) in head.iter().enumerate() {
            natural[i] = natural[i].max(self.bold.width(c, BODY) + 2.0 * PAD);
        }
        for r in rows {
            for (i, c) in r.iter().enumerate().take(n) {
                natural[i] = natural[i].max(self.regular.width(c, BODY) + 2.0 * PAD);
            }
        }
        let total: f32 = natural.iter().sum();
        if total <= avail {
            // Give the spare width to the widest column.
            let widest = (0..n)
                .max_by(|a, b| natural[*a].total_cmp(&natural[*b]))
                .unwrap_or(0);
            natural[widest] += avail - total;
            natural
        } else {
            // Shrink the columns wider than their share, keeping narrow ones whole.
            let share = avail / n as f32;
            let narrow: f32 = natural.iter().filter(|w| **w <= share).sum();
            let wide: f32 = natural.iter().filter(|w| **w > share).sum();
            let scale = (avail - narrow) / wide;
            natural
                .iter()
                .map(|w| if *w <= share { *w } else { w * scale })
                .collect()
        }
    }
}

/// Text fit for the page: no control or bidi characters, and characters the font lacks shown
/// as □ (so nothing is drawn as an invisible .notdef).
fn clean(s: &str, has: &dyn Fn(char) -> bool) -> String {
    s.chars()
        .filter(|c| !text::is_unsafe(*c) || *c == '\n')
        .map(|c| {
            if c == '\n' || c == ' ' || has(c) {
                c
            } else {
                '□'
            }
        })
        .collect()
}

fn clean_paper(p: &Paper, font: &PaperFont) -> Paper {
    let m = font.measurer();
    let has = |ch: char| m.has(ch);
    let c = |s: &String| clean(s, &has);
    let blocks = p
        .blocks
        .iter()
        .map(|b| match b {
            Block::Heading { text } => Block::Heading { text: c(text) },
            Block::Text { text } => Block::Text { text: c(text) },
            Block::Fields { rows } => Block::Fields {
                rows: rows.iter().map(|(k, v)| (c(k), c(v))).collect(),
            },
            Block::Table { head, rows } => Block::Table {
                head: head.iter().map(c).collect(),
                rows: rows.iter().map(|r| r.iter().map(c).collect()).collect(),
            },
            Block::Signatures { labels } => Block::Signatures {
                labels: labels.iter().map(c).collect(),
            },
        })
        .collect();
    Paper {
        kind: p.kind,
        title: c(&p.title),
        reference: c(&p.reference),
        office: c(&p.office),
        issued_on: p.issued_on,
        blocks,
    }
}

/// Lay the paper out into pages of drawing operations.
fn layout(paper: &Paper, regular: &PaperFont, bold: &PaperFont) -> Vec<Vec<Op>> {
    let mut l = Layout {
        regular: regular.measurer(),
        bold: bold.measurer(),
        pages: Vec::new(),
        y: MARGIN,
    };
    l.new_page();
    let width = PAGE_W - 2.0 * MARGIN;
    l.centered(&paper.title, 18.0, true);
    l.y += 4.0;
    l.paragraph(
        &format!(
            "{}　　编号：{}　　日期：{}",
            paper.office, paper.reference, paper.issued_on
        ),
        9.5,
        false,
        MARGIN,
        width,
    );
    l.rule();
    for b in &paper.blocks {
        match b {
            Block::Heading { text } => {
                l.y += 6.0;
                l.ensure(BODY * 1.2 * LEADING * 2.0);
                l.paragraph(text, BODY + 1.5, true, MARGIN, width);
            }
            Block::Text { text } => l.paragraph(text, BODY, false, MARGIN, width),
            Block::Fields { rows } => {
                let label_w = rows
                    .iter()
                    .map(|(k, _)| l.bold.width(k, BODY - 0.5) + 2.0 * PAD)
                    .fold(60.0_f32, f32::max)
                    .min(width / 3.0);
                let rows: Vec<Vec<String>> = rows
                    .iter()
                    .map(|(k, v)| vec![k.clone(), v.clone()])
                    .collect();
                l.table(None, &rows, &[label_w, width - label_w]);
            }
            Block::Table { head, rows } => {
                let widths = l.widths(head, rows);
                l.table(Some(head), rows, &widths);
            }
            Block::Signatures { labels } => {
                l.y += 12.0;
                let line = labels
                    .iter()
                    .map(|s| format!("{s}：＿＿＿＿＿＿"))
                    .collect::<Vec<_>>()
                    .join("　　");
                l.paragraph(&line, BODY, false, MARGIN, width);
                l.paragraph("日期：＿＿＿＿年＿＿月＿＿日", BODY, false, MARGIN, width);
            }
        }
    }
    l.pages
}

/// Errors of the PDF writer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the PDF could not be written: {0}")]
pub struct PdfError(pub String);

/// The paper as PDF bytes.
pub fn render(paper: &Paper, regular: &PaperFont, bold: &PaperFont) -> Result<Vec<u8>, PdfError> {
    let paper = clean_paper(paper, regular);
    let pages = layout(&paper, regular, bold);
    let krilla_font = |f: &PaperFont| {
        let data: Arc<dyn AsRef<[u8]> + Send + Sync> = f.data.clone();
        Font::new(data.into(), f.index)
            .ok_or_else(|| PdfError(format!("font {f:?} could not be read")))
    };
    let (reg, bld) = (krilla_font(regular)?, krilla_font(bold)?);
    let mut doc = Document::new();
    doc.set_metadata(
        Metadata::new()
            .title(paper.title.clone())
            .language("zh-CN".into())
            .creator("powerdesk".into()),
    );
    let n = pages.len();
    let settings = PageSettings::from_wh(PAGE_W, PAGE_H).expect("A4 is a page size");
    for (i, ops) in pages.into_iter().enumerate() {
        let mut page = doc.start_page_with(settings.clone());
        let mut s = page.surface();
        s.set_stroke(Some(Stroke {
            paint: rgb::Color::new(60, 60, 60).into(),
            width: 0.6,
            ..Default::default()
        }));
        for op in &ops {
            if let Op::Line { x1, y1, x2, y2 } = op {
                let mut pb = PathBuilder::new();
                pb.move_to(*x1, *y1);
                pb.line_to(*x2, *y2);
                if let Some(path) = pb.finish() {
                    s.set_fill(None);
                    s.draw_path(&path);
                }
            }
        }
        s.set_stroke(None);
        s.set_fill(Some(Fill::default()));
        for op in &ops {
            if let Op::Text {
                x,
                y,
                size,
                bold,
                text,
            } = op
            {
                let f = if *bold { bld.clone() } else { reg.clone() };
                s.draw_text(
                    Point::from_xy(*x, *y),
                    f,
                    *size,
                    text,
                    false,
                    TextDirection::Auto,
                );
            }
        }
        let footer = format!("第 {} 页　共 {n} 页", i + 1);
        let w = regular.measurer().width(&footer, 9.0);
        s.draw_text(
            Point::from_xy((PAGE_W - w) / 2.0, PAGE_H - MARGIN + 6.0),
            reg.clone(),
            9.0,
            &footer,
            false,
            TextDirection::Auto,
        );
        s.finish();
        page.finish();
    }
    doc.finish().map_err(|e| PdfError(format!("{e:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_wraps_between_characters_and_never_before_closing_punctuation() {
        let font =
            PaperFont::find().expect("a CJK font (Debian's fonts-noto-cjk; .ci/run installs it)");
        let m = font.measurer();
        let s = "供电公司投资至电能表，享受“三零”服务。全市范围内，不分城市、农村，居民和小微企业低压接入容量全部提升至160千瓦。";
        let width = m.width("供电公司投资至电能", 11.0) + 0.5;
        let lines = wrap(&m, s, 11.0, width);
        assert!(lines.len() > 3, "{lines:?}");
        assert_eq!(lines.concat(), s, "nothing lost or added");
        for l in &lines {
            assert!(m.width(l, 11.0) <= width + 0.01, "{l} is too wide");
            let first = l.chars().next().unwrap();
            assert!(
                !"，。、；：”）".contains(first),
                "a line starts with {first}: {lines:?}"
            );
        }
        // "160千瓦" keeps the number whole.
        assert!(lines.iter().any(|l| l.contains("160")), "{lines:?}");
        // A token wider than the line is broken by characters.
        let digest = "sha256:".to_string() + &"ab".repeat(40);
        let lines = wrap(&m, &digest, 11.0, 100.0);
        assert!(lines.len() > 1);
        assert_eq!(lines.concat(), digest);
    }
}

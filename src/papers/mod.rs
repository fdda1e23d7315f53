//! 打印: the papers of [`crate::domain::papers`] rendered for a printer or a phone, as PDF (A4,
//! the CJK font embedded and subset) or HTML.

pub mod font;
pub mod html;
pub mod pdf;

use std::path::Path;

use crate::domain::papers::Paper;

pub use font::{FontError, PaperFont};

/// The output format, from a file's extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Pdf,
    Html,
}

impl Format {
    /// `.pdf` or `.html`/`.htm`; None for anything else.
    pub fn of(path: &Path) -> Option<Format> {
        match path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("pdf") => Some(Format::Pdf),
            Some("html") | Some("htm") => Some(Format::Html),
            _ => None,
        }
    }
}

/// Why a paper could not be rendered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RenderError {
    #[error(transparent)]
    Font(#[from] FontError),
    #[error(transparent)]
    Pdf(#[from] pdf::PdfError),
}

/// Render `paper` in `format`.
pub fn render(paper: &Paper, format: Format) -> Result<Vec<u8>, RenderError> {
    match format {
        Format::Html => Ok(html::render(paper).into_bytes()),
        Format::Pdf => {
            let regular = PaperFont::find()?;
            let bold = PaperFont::bold_of(&regular);
            Ok(pdf::render(paper, &regular, &bold)?)
        }
    }
}

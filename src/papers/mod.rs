//! 打印: the papers of [`crate::domain::papers`] rendered for a printer or a phone, as PDF (A4,
//! the CJK font embedded and subset) or HTML.

pub mod font;
pub mod html;
pub mod pdf;
pub mod report;

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

/// Why a paper could not be rendered or written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RenderError {
    #[error(transparent)]
    Font(#[from] FontError),
    #[error(transparent)]
    Pdf(#[from] pdf::PdfError),
    #[error("{path}: {why}; nothing was written there")]
    Write { path: String, why: String },
}

/// Render `paper` and write it to `to` whole or not at all (beside it first, synced, then moved
/// over it); returns the bytes written.
pub fn write(paper: &Paper, format: Format, to: &Path) -> Result<usize, RenderError> {
    let bytes = render(paper, format)?;
    write_whole(&bytes, to)?;
    Ok(bytes.len())
}

/// Write `bytes` to `to` whole or not at all: beside it first, synced, then moved over it.
pub fn write_whole(bytes: &[u8], to: &Path) -> Result<(), RenderError> {
    let mut name = to.file_name().unwrap_or_default().to_os_string();
    name.push(".partial");
    let tmp = to.with_file_name(name);
    let fail = |e: std::io::Error| RenderError::Write {
        path: to.display().to_string(),
        why: e.to_string(),
    };
    let written = std::fs::File::create(&tmp)
        .and_then(|mut f| {
            std::io::Write::write_all(&mut f, bytes)?;
            f.sync_all()
        })
        .and_then(|()| std::fs::rename(&tmp, to));
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(fail(e));
    }
    Ok(())
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

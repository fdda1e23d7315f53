//! The CJK font a PDF paper embeds: found on the machine (Debian's fonts-noto-cjk first) or named
//! by `POWERDESK_FONT` (`PATH` or `PATH#INDEX` for a face of a collection).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use skrifa::instance::{LocationRef, Size};
use skrifa::string::StringId;
use skrifa::{FontRef, MetadataProvider};

/// Where fonts with Chinese glyphs usually are on Debian, in order of preference.
const CANDIDATES: [&str; 8] = [
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
];

/// Characters every paper uses: a face without them is not a Chinese font.
const PROBE: &str = "受理回执申请编号供电方案";

/// Largest font file read, in bytes (Noto Serif CJK is 26 MB).
const MAX_FONT_BYTES: u64 = 64 << 20;

/// A face of a font file, with what the layout needs to measure text.
#[derive(Clone)]
pub struct PaperFont {
    pub data: Arc<Vec<u8>>,
    pub index: u32,
    pub path: PathBuf,
    units_per_em: f32,
}

impl std::fmt::Debug for PaperFont {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}#{}", self.path.display(), self.index)
    }
}

/// No usable font, and what to do about it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FontError {
    #[error("no font with Chinese characters was found (looked in {looked}); install Debian's fonts-noto-cjk (apt-get install fonts-noto-cjk) or set POWERDESK_FONT to a .ttf/.otf/.ttc file (PATH or PATH#INDEX); HTML papers work without one")]
    NotFound { looked: String },
    #[error("font {path}: {why}; set POWERDESK_FONT to another font (PATH or PATH#INDEX)")]
    Unusable { path: String, why: String },
}

impl PaperFont {
    /// The regular face: `POWERDESK_FONT` if set, else the first candidate with Chinese glyphs.
    pub fn find() -> Result<PaperFont, FontError> {
        if let Some(spec) = std::env::var_os("POWERDESK_FONT") {
            let spec = spec.to_string_lossy().into_owned();
            let (path, index) = match spec.rsplit_once('#') {
                Some((p, i)) if i.parse::<u32>().is_ok() => (p.to_string(), i.parse().ok()),
                _ => (spec.clone(), None),
            };
            return Self::load(Path::new(&path), index);
        }
        for c in CANDIDATES {
            if Path::new(c).is_file() {
                if let Ok(f) = Self::load(Path::new(c), None) {
                    return Ok(f);
                }
            }
        }
        Err(FontError::NotFound {
            looked: CANDIDATES.join(", "),
        })
    }

    /// The bold face beside the regular one (Noto's `-Bold` file), else the regular one.
    pub fn bold_of(regular: &PaperFont) -> PaperFont {
        let name = regular.path.to_string_lossy();
        if name.contains("-Regular.") {
            let bold = PathBuf::from(name.replace("-Regular.", "-Bold."));
            if let Ok(f) = Self::load(&bold, Some(regular.index)) {
                return f;
            }
        }
        regular.clone()
    }

    /// Load `path`; with no index, the face of a collection whose name says Simplified Chinese
    /// (`SC`), else the first with Chinese glyphs.
    pub fn load(path: &Path, index: Option<u32>) -> Result<PaperFont, FontError> {
        let unusable = |why: String| FontError::Unusable {
            path: path.display().to_string(),
            why,
        };
        let meta = std::fs::metadata(path).map_err(|e| unusable(e.to_string()))?;
        if !meta.is_file() {
            return Err(unusable("not a regular file".into()));
        }
        if meta.len() > MAX_FONT_BYTES {
            return Err(unusable(format!(
                "{} bytes is larger than the limit of {MAX_FONT_BYTES}",
                meta.len()
            )));
        }
        let data = std::fs::read(path).map_err(|e| unusable(e.to_string()))?;
        let faces: Vec<u32> = match index {
            Some(i) => vec![i],
            None => (0..32)
                .take_while(|i| FontRef::from_index(&data, *i).is_ok())
                .collect(),
        };
        let mut best: Option<(u32, bool)> = None;
        for i in faces {
            let Ok(font) = FontRef::from_index(&data, i) else {
                return Err(unusable(format!("no face {i} in the file")));
            };
            let charmap = font.charmap();
            if !PROBE.chars().all(|c| charmap.map(c).is_some()) {
                continue;
            }
            let family = font
                .localized_strings(StringId::FAMILY_NAME)
                .english_or_first()
                .map(|s| s.to_string())
                .unwrap_or_default();
            let sc = family.contains(" SC") || family.contains("GB");
            if best.is_none() || (sc && !best.is_some_and(|(_, s)| s)) {
                best = Some((i, sc));
            }
        }
        let Some((index, _)) = best else {
            return Err(unusable("it has no Chinese characters (受理回执…)".into()));
        };
        let font = FontRef::from_index(&data, index).map_err(|e| unusable(e.to_string()))?;
        let units_per_em = font
            .metrics(Size::unscaled(), LocationRef::default())
            .units_per_em as f32;
        Ok(PaperFont {
            data: Arc::new(data),
            index,
            path: path.to_path_buf(),
            units_per_em,
        })
    }

    fn face(&self) -> FontRef<'_> {
        FontRef::from_index(&self.data, self.index).expect("checked at load")
    }

    /// A measurer of text widths at `size` points.
    pub fn measurer(&self) -> Measurer<'_> {
        let face = self.face();
        Measurer {
            charmap: face.charmap(),
            metrics: face.glyph_metrics(Size::unscaled(), LocationRef::default()),
            scale: 1.0 / self.units_per_em,
        }
    }
}

/// Widths of text in one face.
pub struct Measurer<'a> {
    charmap: skrifa::charmap::Charmap<'a>,
    metrics: skrifa::metrics::GlyphMetrics<'a>,
    scale: f32,
}

impl Measurer<'_> {
    /// Whether the face draws `c` (others are replaced before drawing).
    pub fn has(&self, c: char) -> bool {
        self.charmap.map(c).is_some()
    }

    /// Width of `text` at `size` points.
    pub fn width(&self, text: &str, size: f32) -> f32 {
        text.chars()
            .map(|c| {
                let gid = self.charmap.map(c).unwrap_or_default();
                self.metrics.advance_width(gid).unwrap_or(0.0)
            })
            .sum::<f32>()
            * self.scale
            * size
    }
}

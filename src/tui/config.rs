//! 控制台配置: the console's TOML config file (default `~/.config/powerdesk/config.toml`).
//!
//! ```toml
//! lang = "zh"                 # zh | en; default from LC_ALL / LANG
//! policies = "policies"       # where the Policies screen looks for bundles
//! [keys]                      # command id = [keys]; see the `?` overlay for the ids
//! quit = ["q", "ctrl-q"]
//! palette = [":"]
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::i18n::Lang;
use super::keymap::{Keymap, KeymapError};

/// The config file as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    pub lang: Option<String>,
    /// Where the Policies screen looks for bundles (default `policies`).
    pub policies: Option<PathBuf>,
    /// Where printed papers are written (default `~/Documents/powerdesk`, else `~/powerdesk`).
    pub papers: Option<PathBuf>,
    #[serde(default)]
    pub keys: BTreeMap<String, Vec<String>>,
}

/// The console's settings after the file, the environment and the command line.
#[derive(Debug, Clone)]
pub struct Config {
    pub lang: Lang,
    pub keymap: Keymap,
    /// The directory of policy bundles the Policies screen lists.
    pub policies: PathBuf,
    /// Where the detail screen's print key writes papers.
    pub papers: PathBuf,
}

/// The default directory for printed papers.
pub fn default_papers_dir() -> PathBuf {
    dirs::document_dir()
        .or_else(dirs::home_dir)
        .unwrap_or_else(|| PathBuf::from("."))
        .join("powerdesk")
}

/// A config file that could not be used; names the file and what to fix.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("config {path}: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("config {path}: lang: {message}")]
    Lang { path: PathBuf, message: String },
    #[error("config {path}: {source}")]
    Keys { path: PathBuf, source: KeymapError },
    #[error("--lang: {0}")]
    LangFlag(String),
}

/// The default config path (`$XDG_CONFIG_HOME/powerdesk/config.toml`).
pub fn default_path() -> Option<PathBuf> {
    dirs::config_dir().map(|d| d.join("powerdesk").join("config.toml"))
}

impl Config {
    /// Read `explicit` (must exist) or the default path (may be absent); `lang_flag` wins over
    /// the file, the file over LC_ALL/LANG.
    pub fn load(explicit: Option<&Path>, lang_flag: Option<&str>) -> Result<Config, ConfigError> {
        let (path, required) = match explicit {
            Some(p) => (Some(p.to_path_buf()), true),
            None => (default_path(), false),
        };
        let file = match &path {
            Some(p) if required || p.exists() => {
                let text = std::fs::read_to_string(p).map_err(|source| ConfigError::Read {
                    path: p.clone(),
                    source,
                })?;
                Some((
                    p.clone(),
                    Self::parse_file(&text).map_err(|message| ConfigError::Parse {
                        path: p.clone(),
                        message,
                    })?,
                ))
            }
            _ => None,
        };
        let env_lang = Lang::from_env();
        Self::resolve(file, lang_flag, env_lang)
    }

    pub fn parse_file(text: &str) -> Result<ConfigFile, String> {
        toml::from_str(text).map_err(|e| e.to_string().trim().replace('\n', " "))
    }

    fn resolve(
        file: Option<(PathBuf, ConfigFile)>,
        lang_flag: Option<&str>,
        env_lang: Lang,
    ) -> Result<Config, ConfigError> {
        let mut lang = env_lang;
        let mut keymap = Keymap::default();
        let mut policies = PathBuf::from("policies");
        let mut papers = default_papers_dir();
        if let Some((path, f)) = file {
            if let Some(p) = &f.policies {
                policies = p.clone();
            }
            if let Some(p) = &f.papers {
                papers = p.clone();
            }
            if let Some(l) = &f.lang {
                lang = Lang::parse(l).map_err(|message| ConfigError::Lang {
                    path: path.clone(),
                    message,
                })?;
            }
            keymap = Keymap::with_overrides(&f.keys)
                .map_err(|source| ConfigError::Keys { path, source })?;
        }
        if let Some(l) = lang_flag {
            lang = Lang::parse(l).map_err(ConfigError::LangFlag)?;
        }
        Ok(Config {
            lang,
            keymap,
            policies,
            papers,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::keymap::{Command, Key, Scope};

    #[test]
    fn file_sets_language_and_keys_and_flag_wins() {
        let f = Config::parse_file("lang = \"en\"\n[keys]\nquit = [\"ctrl-q\"]\n").unwrap();
        let c = Config::resolve(Some(("c.toml".into(), f.clone())), None, Lang::Zh).unwrap();
        assert_eq!(c.lang, Lang::En);
        assert_eq!(
            c.keymap
                .lookup(Scope::Global, Key::parse("ctrl-q").unwrap()),
            Some(Command::Quit)
        );
        let c = Config::resolve(Some(("c.toml".into(), f)), Some("zh"), Lang::En).unwrap();
        assert_eq!(c.lang, Lang::Zh);
    }

    #[test]
    fn bad_files_name_the_problem() {
        assert!(Config::parse_file("colour = 1")
            .unwrap_err()
            .contains("colour"));
        let f = Config::parse_file("lang = \"fr\"").unwrap();
        let e = Config::resolve(Some(("c.toml".into(), f)), None, Lang::Zh)
            .unwrap_err()
            .to_string();
        assert!(e.contains("c.toml") && e.contains("fr"), "{e}");
    }
}

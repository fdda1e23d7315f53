//! `powerdesk schema`: the JSON Schemas of the Application JSON and the Decision JSON, generated
//! from the domain types (docs/contracts.md; the committed copies are docs/schema/*.schema.json).
//!
//! The Application schema describes what `app new --json` and `evaluate --json` accept (serde's
//! deserialize side: defaulted fields are optional, `request.permanent` may be left out); the
//! Decision schema what powerdesk writes (the serialize side: every field is present).
//! Value checks beyond a field's type and allowed values (check digits, phone numbers, capacity
//! ranges, combinations) are validation's, listed in docs/contracts.md.

use std::path::Path;

use anyhow::{Context, Result};
use clap::{Args, ValueEnum};
use schemars::generate::SchemaSettings;

use crate::domain::{ApplicationForm, Decision};

/// Which document's schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SchemaKind {
    /// The Application JSON (input of `app new --json` and `evaluate --json`).
    Application,
    /// The Decision JSON (output of `evaluate`, stored with each application).
    Decision,
}

impl SchemaKind {
    pub const ALL: [SchemaKind; 2] = [Self::Application, Self::Decision];

    /// The committed file's name under docs/schema/.
    pub fn file_name(self) -> &'static str {
        match self {
            Self::Application => "application.schema.json",
            Self::Decision => "decision.schema.json",
        }
    }
}

/// `powerdesk schema application|decision` or `powerdesk schema --write DIR`
#[derive(Debug, Clone, Args)]
pub struct SchemaArgs {
    /// The schema to print.
    #[arg(required_unless_present = "write")]
    pub kind: Option<SchemaKind>,
    /// Write every schema into DIR (e.g. docs/schema) instead of printing one.
    #[arg(long, value_name = "DIR", conflicts_with = "kind")]
    pub write: Option<std::path::PathBuf>,
}

/// The schema of `kind` as a JSON value.
pub fn schema(kind: SchemaKind) -> serde_json::Value {
    let schema = match kind {
        SchemaKind::Application => SchemaSettings::draft2020_12()
            .for_deserialize()
            .into_generator()
            .into_root_schema_for::<ApplicationForm>(),
        SchemaKind::Decision => SchemaSettings::draft2020_12()
            .for_serialize()
            .into_generator()
            .into_root_schema_for::<Decision>(),
    };
    schema.to_value()
}

/// The schema of `kind` as the command prints it and docs/schema/ holds it: pretty JSON and a
/// final newline.
pub fn schema_text(kind: SchemaKind) -> String {
    let mut text =
        serde_json::to_string_pretty(&schema(kind)).expect("a JSON value always serializes");
    text.push('\n');
    text
}

/// Run `powerdesk schema`.
pub fn run_schema(args: &SchemaArgs) -> Result<()> {
    match (&args.write, args.kind) {
        (Some(dir), _) => write_all(dir),
        (None, Some(kind)) => {
            print!("{}", schema_text(kind));
            Ok(())
        }
        (None, None) => unreachable!("clap requires a kind unless --write is given"),
    }
}

fn write_all(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    for kind in SchemaKind::ALL {
        let path = dir.join(kind.file_name());
        std::fs::write(&path, schema_text(kind))
            .with_context(|| format!("writing {}", path.display()))?;
        println!("wrote {}", path.display());
    }
    Ok(())
}

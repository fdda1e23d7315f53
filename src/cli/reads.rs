//! The read commands (`app list`, `app show`, `due`, `export`, `backup`, `audit verify`,
//! `calendar check`), each rendered by one function over a [`Desk`]: on the store opened directly, or in
//! the process holding the store when another one asks through its endpoint (`endpoint`), so both
//! print the same bytes.

use std::io::Write;
use std::sync::Arc;

use anyhow::{bail, Result};
use serde::{Deserialize, Serialize};

use super::{list_query, store_calendar_source, table, CalendarSource, ListArgs};
use crate::domain::ports::{BackupSummary, Clock, Query, Repository};
use crate::domain::AppId;
use crate::service::Desk;

/// A read command, as the endpoint carries it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Read {
    List(ListArgs),
    Show {
        id: String,
        json: bool,
    },
    /// The export's JSON lines are the output.
    Export,
    /// The backup's lines are the output.
    Backup,
    AuditVerify {
        json: bool,
    },
    /// `calendar check` on the store's own calendar (not `--policy`).
    CalendarCheck {
        json: bool,
    },
    Search {
        query: String,
        json: bool,
        limit: usize,
    },
    /// What is due: overdue, today, the next working day (`limit` listed, 0: all).
    Due {
        limit: usize,
        json: bool,
    },
}

/// What a read yields besides its output.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Printed,
    Exported(usize),
    BackedUp(BackupSummary),
}

impl Read {
    /// The command's name, as the lock file and errors give it.
    pub fn name(&self) -> &'static str {
        match self {
            Read::List(_) => "app list",
            Read::Show { .. } => "app show",
            Read::Export => "export",
            Read::Backup => "backup",
            Read::AuditVerify { .. } => "audit verify",
            Read::CalendarCheck { .. } => "calendar check",
            Read::Search { .. } => "search",
            Read::Due { .. } => "due",
        }
    }
}

/// A desk over `store` counting on the store's calendar (the active bundle's year files, else
/// the shipped one), on `clock`; nothing is written.
pub(super) fn desk_for(
    store: Arc<dyn Repository>,
    clock: Arc<dyn Clock>,
) -> Result<(Desk, CalendarSource)> {
    let (calendar, source) = store_calendar_source(store.as_ref())?;
    Ok((Desk::new(store, calendar).with_clock(clock), source))
}

/// Run `read` on `desk` (whose calendar came from `source`), writing what it prints (or, for
/// export and backup, the file's content) to `out`.
pub(super) fn answer(
    desk: &Desk,
    source: &CalendarSource,
    read: &Read,
    out: &mut dyn Write,
) -> Result<Outcome> {
    match read {
        Read::List(args) => {
            let query = list_query(args, desk.today())?;
            let page = desk.list(&query)?;
            if args.json {
                super::write_json(out, &page.items)?;
            } else {
                super::write_text(
                    out,
                    &table::applications(&page.items, page.total, args.offset),
                )?;
            }
        }
        Read::Show { id, json } => {
            let dossier = desk.show(&AppId(id.clone()))?;
            if *json {
                super::write_json(out, &dossier)?;
            } else {
                super::write_text(out, &table::dossier(&dossier))?;
            }
        }
        Read::Export => return Ok(Outcome::Exported(desk.export(out)?)),
        Read::Backup => return Ok(Outcome::BackedUp(desk.backup(out)?)),
        Read::AuditVerify { json } => {
            let report = desk.verify_audit()?;
            if *json {
                super::write_json(out, &report)?;
            } else if report.first_broken.is_none() {
                writeln!(
                    out,
                    "audit chain intact: {} events and {} records verified",
                    report.events_checked, report.records_checked
                )?;
            }
            if let Some((seq, what)) = report.first_broken {
                bail!("audit chain broken at event {seq}: {what}");
            }
        }
        Read::Search { query, json, limit } => {
            let found = desk.search(query, &Query::default(), *limit)?;
            if *json {
                super::write_json(out, &found)?;
            } else {
                let apps: Vec<_> = found.hits.into_iter().map(|h| h.application).collect();
                super::write_text(out, &table::applications(&apps, apps.len() as u64, 0))?;
                if !found.complete {
                    writeln!(
                        out,
                        "more applications may match: type more of the name, number or address, or raise --limit"
                    )?;
                }
            }
        }
        Read::CalendarCheck { json } => {
            let report = super::calendar::store_report(desk, source)?;
            if *json {
                super::write_json(out, &report)?;
            } else {
                out.write_all(super::calendar::text(&report).as_bytes())?;
            }
        }
        Read::Due { limit, json } => {
            let view = desk.due(*limit)?;
            if *json {
                super::write_json(out, &view)?;
            } else {
                super::write_text(out, &table::due(&view))?;
            }
        }
    }
    Ok(Outcome::Printed)
}

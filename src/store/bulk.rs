//! Bulk writes: all-or-nothing `commit_all`, crash recovery of an interrupted one, backup and
//! restore.
//!
//! How `commit_all` stays all-or-nothing when the changes are too many for one transaction:
//! 1. the previous value of every application it touches (empty: new) goes to the `bulk_undo`
//!    tree; 2. a marker with the chain head before the load is written to meta and flushed;
//! 3. the changes are applied in batches of [`BATCH`] transactions; 4. the marker is removed in
//! one transaction and flushed. If a batch fails, or the process dies before step 4, the undo
//! runs (at once, or when the store is next opened): touched applications get their previous
//! value back (indexes and counters follow), events after the recorded head are removed and the
//! head is restored. Undo is idempotent, so a crash during undo is undone again on the next open.

use std::collections::HashMap;
use std::io::{BufRead, Write};

use serde::{Deserialize, Serialize};
use sled::Transactional;

use super::keys::*;
use super::{
    abort, delete_app, io, put_app, tx_error, SledStore, APPS, APP_EVENTS, EVENTS, META, SETTINGS,
};
use crate::domain::event::Event;
use crate::domain::ports::{Change, StoreError};
use crate::domain::Application;

/// Changes per transaction in a bulk load.
pub const BATCH: usize = 2_000;

const UNDO_TREE: &str = "bulk_undo";

/// One line of a backup file.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum BackupLine {
    Header { format: String, schema: u32 },
    Counter { key: String, value: u64 },
    Setting { key: String, value: String },
    Application(Box<Application>),
    Event(Box<Event>),
    End(BackupSummary),
}

/// What a backup holds; its last line, so a truncated file is refused.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackupSummary {
    pub applications: u64,
    pub events: u64,
    pub chain_head: String,
}

const BACKUP_FORMAT: &str = "powerdesk-backup";

impl SledStore {
    pub(super) fn commit_all_locked(&self, changes: Vec<Change>) -> Result<(), StoreError> {
        if changes.len() <= BATCH {
            self.apply(&changes)?;
            return self.flush();
        }
        let undo = self
            .db
            .open_tree(UNDO_TREE)
            .map_err(|e| io("opening the undo tree", e))?;
        undo.clear().map_err(|e| io("clearing the undo tree", e))?;
        for change in &changes {
            for app in &change.applications {
                let old = self.trees[APPS]
                    .get(app.id.0.as_bytes())
                    .map_err(|e| io("reading", e))?;
                if !undo
                    .contains_key(app.id.0.as_bytes())
                    .map_err(|e| io("reading", e))?
                {
                    undo.insert(
                        app.id.0.as_bytes(),
                        old.map(|v| v.to_vec()).unwrap_or_default(),
                    )
                    .map_err(|e| io("writing the undo tree", e))?;
                }
            }
        }
        let head = self.trees[META]
            .get(META_CHAIN_HEAD)
            .map_err(|e| io("reading meta", e))?
            .ok_or_else(|| StoreError::Corrupt("meta has no chain head".into()))?;
        self.trees[META]
            .insert(META_IMPORT_PENDING, head)
            .map_err(|e| io("writing meta", e))?;
        self.flush()?;
        for batch in changes.chunks(BATCH) {
            if let Err(e) = self.apply(batch) {
                self.recover_import()?;
                return Err(e);
            }
        }
        self.flush()?;
        self.trees[META]
            .remove(META_IMPORT_PENDING)
            .map_err(|e| io("writing meta", e))?;
        self.flush()?;
        undo.clear().map_err(|e| io("clearing the undo tree", e))?;
        Ok(())
    }

    /// Undo an interrupted bulk load, if meta records one.
    pub(super) fn recover_import(&self) -> Result<(), StoreError> {
        let Some(head) = self.trees[META]
            .get(META_IMPORT_PENDING)
            .map_err(|e| io("reading meta", e))?
        else {
            return Ok(());
        };
        let (head_seq, _) = decode_head(&head)?;
        let undo = self
            .db
            .open_tree(UNDO_TREE)
            .map_err(|e| io("opening the undo tree", e))?;
        let refs = self.tree_refs();
        let entries: Vec<(sled::IVec, sled::IVec)> = undo
            .iter()
            .collect::<Result<_, _>>()
            .map_err(|e| io("reading the undo tree", e))?;
        for batch in entries.chunks(BATCH) {
            refs[..]
                .transaction(|t| {
                    let mut counts = HashMap::new();
                    for (id, old) in batch {
                        if let Some(bytes) = t[APPS].get(id)? {
                            let current: Application =
                                decode("application", &bytes).map_err(abort)?;
                            delete_app(t, &current, &mut counts)?;
                        }
                        if !old.is_empty() {
                            let previous: Application =
                                decode("application", old).map_err(abort)?;
                            put_app(t, None, &previous, &mut counts)?;
                        }
                    }
                    super::add_counts(&t[META], &counts)?;
                    Ok(())
                })
                .map_err(tx_error)?;
        }
        let start = (head_seq + 1).to_be_bytes();
        let later: Vec<(sled::IVec, sled::IVec)> = self.trees[EVENTS]
            .range(start..)
            .collect::<Result<_, _>>()
            .map_err(|e| io("reading events", e))?;
        for batch in later.chunks(BATCH) {
            refs[..]
                .transaction(|t| {
                    for (key, bytes) in batch {
                        t[EVENTS].remove(key)?;
                        if let Ok(event) = decode::<Event>("event", bytes) {
                            t[APP_EVENTS]
                                .remove(app_event_key(&event.draft.app_id, u64_be(key)))?;
                        }
                    }
                    Ok(())
                })
                .map_err(tx_error)?;
        }
        (&self.trees[META],)
            .transaction(|(meta,)| {
                meta.insert(META_CHAIN_HEAD, head.clone())?;
                meta.remove(META_IMPORT_PENDING)?;
                Ok::<_, sled::transaction::ConflictableTransactionError<StoreError>>(())
            })
            .map_err(tx_error)?;
        self.flush()?;
        undo.clear().map_err(|e| io("clearing the undo tree", e))?;
        Ok(())
    }

    /// Write the whole store (counters, settings, applications, events with their hashes) as
    /// JSON lines, ending with a summary line.
    pub fn backup(&self, out: &mut dyn Write) -> Result<BackupSummary, StoreError> {
        let _w = self.writer();
        let w = |out: &mut dyn Write, line: &BackupLine| -> Result<(), StoreError> {
            serde_json::to_writer(&mut *out, line).map_err(|e| io("writing the backup", e))?;
            out.write_all(b"\n")
                .map_err(|e| io("writing the backup", e))
        };
        w(
            out,
            &BackupLine::Header {
                format: BACKUP_FORMAT.into(),
                schema: SCHEMA_VERSION,
            },
        )?;
        for entry in self.trees[META].scan_prefix(b"next_id/") {
            let (key, value) = entry.map_err(|e| io("reading meta", e))?;
            w(
                out,
                &BackupLine::Counter {
                    key: String::from_utf8_lossy(&key).into_owned(),
                    value: u64_be(&value),
                },
            )?;
        }
        for entry in self.trees[SETTINGS].iter() {
            let (key, value) = entry.map_err(|e| io("reading settings", e))?;
            w(
                out,
                &BackupLine::Setting {
                    key: String::from_utf8_lossy(&key).into_owned(),
                    value: String::from_utf8_lossy(&value).into_owned(),
                },
            )?;
        }
        let mut summary = BackupSummary::default();
        for entry in self.trees[APPS].iter() {
            let (_, bytes) = entry.map_err(|e| io("reading applications", e))?;
            w(
                out,
                &BackupLine::Application(Box::new(decode("application", &bytes)?)),
            )?;
            summary.applications += 1;
        }
        for entry in self.trees[EVENTS].iter() {
            let (_, bytes) = entry.map_err(|e| io("reading events", e))?;
            let event: Event = decode("event", &bytes)?;
            summary.chain_head = event.hash.clone();
            w(out, &BackupLine::Event(Box::new(event)))?;
            summary.events += 1;
        }
        w(out, &BackupLine::End(summary.clone()))?;
        out.flush().map_err(|e| io("writing the backup", e))?;
        Ok(summary)
    }

    /// Restore a backup into this store, which must be empty; then verify the chain and the
    /// consistency. On any failure the store is emptied again and the error says which line.
    pub fn restore(&self, input: &mut dyn BufRead) -> Result<BackupSummary, StoreError> {
        let _w = self.writer();
        if !self.trees[APPS].is_empty() || !self.trees[EVENTS].is_empty() {
            return Err(StoreError::Io(format!(
                "restore needs an empty store, but {} holds applications; restore into a new --store directory",
                self.dir.display()
            )));
        }
        match self.restore_lines(input) {
            Ok(summary) => Ok(summary),
            Err(e) => {
                self.wipe()?;
                Err(e)
            }
        }
    }

    fn restore_lines(&self, input: &mut dyn BufRead) -> Result<BackupSummary, StoreError> {
        let refs = self.tree_refs();
        let mut apps = Vec::new();
        let mut events = Vec::new();
        let mut counters = Vec::new();
        let mut settings = Vec::new();
        let mut end = None;
        let mut header = false;
        let mut written = BackupSummary::default();
        let flush_batch =
            |apps: &mut Vec<Application>, events: &mut Vec<Event>| -> Result<(), StoreError> {
                refs[..]
                    .transaction(|t| {
                        let mut counts = HashMap::new();
                        for app in apps.iter() {
                            put_app(t, None, app, &mut counts)?;
                        }
                        for event in events.iter() {
                            t[EVENTS].insert(&event.seq.to_be_bytes(), encode(event))?;
                            if !event.draft.app_id.0.is_empty() {
                                t[APP_EVENTS]
                                    .insert(app_event_key(&event.draft.app_id, event.seq), &[])?;
                            }
                        }
                        if let Some(last) = events.last() {
                            t[META].insert(META_CHAIN_HEAD, encode_head(last.seq, &last.hash))?;
                        }
                        super::add_counts(&t[META], &counts)?;
                        Ok(())
                    })
                    .map_err(tx_error)?;
                apps.clear();
                events.clear();
                Ok(())
            };
        for (index, line) in input.lines().enumerate() {
            let number = index + 1;
            let line = line.map_err(|e| io(&format!("reading the backup at line {number}"), e))?;
            if line.trim().is_empty() {
                continue;
            }
            let parsed: BackupLine = serde_json::from_str(&line).map_err(|e| {
                StoreError::Corrupt(format!("backup line {number} is not a backup record: {e}"))
            })?;
            if end.is_some() {
                return Err(StoreError::Corrupt(format!(
                    "backup line {number} follows the end line"
                )));
            }
            match parsed {
                BackupLine::Header { format, schema } => {
                    if format != BACKUP_FORMAT {
                        return Err(StoreError::Corrupt(format!(
                            "line {number}: not a powerdesk backup ({format})"
                        )));
                    }
                    if schema > SCHEMA_VERSION {
                        return Err(StoreError::NewerSchema {
                            dir: "the backup".into(),
                            found: schema,
                            supported: SCHEMA_VERSION,
                        });
                    }
                    header = true;
                }
                _ if !header => {
                    return Err(StoreError::Corrupt(
                        "the backup does not start with its header line".into(),
                    ));
                }
                BackupLine::Counter { key, value } => counters.push((key, value)),
                BackupLine::Setting { key, value } => settings.push((key, value)),
                BackupLine::Application(app) => {
                    apps.push(*app);
                    written.applications += 1;
                }
                BackupLine::Event(event) => {
                    written.chain_head = event.hash.clone();
                    events.push(*event);
                    written.events += 1;
                }
                BackupLine::End(summary) => end = Some(summary),
            }
            if apps.len() + events.len() >= BATCH {
                flush_batch(&mut apps, &mut events)?;
            }
        }
        flush_batch(&mut apps, &mut events)?;
        for (key, value) in counters {
            self.trees[META]
                .insert(key.as_bytes(), &value.to_be_bytes())
                .map_err(|e| io("writing meta", e))?;
        }
        for (key, value) in settings {
            self.trees[SETTINGS]
                .insert(key.as_bytes(), value.as_bytes())
                .map_err(|e| io("writing settings", e))?;
        }
        let Some(end) = end else {
            return Err(StoreError::Corrupt(
                "the backup has no end line: it was truncated".into(),
            ));
        };
        if end != written {
            return Err(StoreError::Corrupt(format!(
                "the backup's end line promises {} applications and {} events, the file holds {} and {}",
                end.applications, end.events, written.applications, written.events
            )));
        }
        self.flush()?;
        let audit = self.walk_chain()?;
        if let Some((seq, what)) = audit.first_broken {
            return Err(StoreError::Corrupt(format!(
                "the restored audit chain is broken at event {seq}: {what}"
            )));
        }
        let report = self.check_consistency()?;
        if let Some(problem) = report.problems.first() {
            return Err(StoreError::Corrupt(format!(
                "the restored store is inconsistent: {problem}"
            )));
        }
        Ok(written)
    }

    /// Empty every tree (a failed restore) and start a fresh chain.
    fn wipe(&self) -> Result<(), StoreError> {
        for tree in &self.trees {
            tree.clear().map_err(|e| io("emptying the store", e))?;
        }
        self.trees[META]
            .insert(META_SCHEMA, &u64::from(SCHEMA_VERSION).to_be_bytes())
            .map_err(|e| io("writing meta", e))?;
        self.trees[META]
            .insert(
                META_CHAIN_HEAD,
                encode_head(0, crate::domain::event::GENESIS_HASH),
            )
            .map_err(|e| io("writing meta", e))?;
        self.flush()
    }
}

//! Migration of a schema ≤ 3 store (trees `apps`, `events`, `app_events`, `ix_*`: about 16 sled
//! keys per application) to the schema-4 layout (see `keys`).
//!
//! Crash-safe: the new layout is written under new tree names beside the old trees (emptied
//! first, so an interrupted migration starts over), flushed, then the counters and the schema
//! version are written in one atomic batch; only then are the old trees dropped (again on the
//! next open if that was interrupted).

use std::collections::{BTreeMap, HashMap, HashSet};

use super::bulk::{write_each, BucketEdits, BATCH};
use super::keys::*;
use super::{io, SledStore, FIRST_INDEX, GROUPS, META, RECORDS};
use crate::domain::event::{record_hash_of_json, Event, EventDraft, EventKind};
use crate::domain::ports::{Change, StoreError};
use crate::domain::{AppId, Application};

/// The undo journal of a schema ≤ 3 import (id → old application JSON, empty: new).
const OLD_UNDO_TREE: &str = "bulk_undo";

fn old_tree_names() -> Vec<&'static str> {
    let mut names = vec![OLD_APPS_TREE, OLD_EVENTS_TREE, OLD_APP_EVENTS_TREE];
    names.extend(Index::ALL.iter().map(|ix| ix.tree_name()));
    names
}

/// Applications sealed per transaction by the schema-7 migration.
const SEAL_BATCH: usize = 1_000;

impl SledStore {
    /// Schema 7: give every application whose last event seals no record (or another one) a
    /// `sealed` event (actor `migration`, dated at its last change) that seals its record as it
    /// stands, so `audit verify` covers it from now on; then clear the mark. Each batch is one
    /// transaction and sealed records are skipped, so an interrupted migration goes on where it
    /// stopped.
    pub(super) fn seal_records(&self) -> Result<(), StoreError> {
        let _w = self.writer();
        self.seal_records_locked()
    }

    /// [`SledStore::seal_records`] under the writer lock the caller holds.
    pub(super) fn seal_records_locked(&self) -> Result<(), StoreError> {
        let mut unsealed: Vec<Change> = Vec::new();
        for entry in self.trees[RECORDS].iter() {
            let (_, bytes) = entry.map_err(|e| io("scanning applications", e))?;
            let (app, groups) = decode_record(&bytes)?;
            let mut last = None;
            if let Some(&first) = groups.last() {
                let group = self.read_group(first)?.ok_or_else(|| {
                    StoreError::Corrupt(format!(
                        "event group {first} of {} is missing; the store cannot be migrated",
                        app.id
                    ))
                })?;
                last = group.into_iter().rev().find(|e| e.draft.app_id == app.id);
            }
            let hash = record_hash_of_json(&record_json(&bytes)?);
            if last.and_then(|e| e.draft.record) == Some(hash) {
                continue;
            }
            unsealed.push(Change {
                applications: vec![],
                events: vec![EventDraft {
                    app_id: app.id.clone(),
                    at: app.updated_at,
                    actor: "migration".into(),
                    kind: EventKind::Sealed {
                        reason: format!(
                            "store schema {SEALS_SCHEMA}: the record as it stood was sealed"
                        ),
                    },
                    note: None,
                    record: None,
                }],
                settings: vec![],
            });
        }
        for batch in unsealed.chunks(SEAL_BATCH) {
            self.apply(batch)?;
        }
        self.trees[META]
            .remove(META_SEAL_PENDING)
            .map_err(|e| io("writing meta", e))?;
        self.flush()
    }

    /// Whether the store still holds trees of the schema ≤ 3 layout.
    pub(super) fn has_old_layout(&self) -> bool {
        self.db
            .tree_names()
            .iter()
            .any(|n| &n[..] == OLD_APPS_TREE.as_bytes())
    }

    /// Drop the trees of the schema ≤ 3 layout that are left.
    pub(super) fn drop_old_layout(&self) -> Result<(), StoreError> {
        let names = self.db.tree_names();
        let mut dropped = false;
        for old in old_tree_names() {
            if names.iter().any(|n| &n[..] == old.as_bytes()) {
                self.db
                    .drop_tree(old)
                    .map_err(|e| io("dropping an old tree", e))?;
                dropped = true;
            }
        }
        if dropped {
            self.flush()?;
        }
        Ok(())
    }

    /// Rebuild the store in the schema-4 layout from the old trees, then drop them.
    pub(super) fn migrate(&self) -> Result<(), StoreError> {
        let open = |name: &str| {
            self.db
                .open_tree(name)
                .map_err(|e| io("opening an old tree", e))
        };
        let old_apps = open(OLD_APPS_TREE)?;
        let old_events = open(OLD_EVENTS_TREE)?;
        self.recover_old_import(&old_apps, &old_events)?;
        for i in [RECORDS, GROUPS]
            .into_iter()
            .chain(FIRST_INDEX..FIRST_INDEX + Index::ALL.len())
        {
            self.trees[i]
                .clear()
                .map_err(|e| io("emptying a new tree", e))?;
        }

        // Events: each run of consecutive events of one application becomes one group.
        let mut groups_of: HashMap<AppId, Vec<u64>> = HashMap::new();
        let mut batch = sled::Batch::default();
        let mut in_batch = 0usize;
        let mut group: Vec<Event> = Vec::new();
        let mut first = 0u64;
        let mut put = |first: u64,
                       group: &mut Vec<Event>,
                       batch: &mut sled::Batch,
                       in_batch: &mut usize|
         -> Result<(), StoreError> {
            if group.is_empty() {
                return Ok(());
            }
            let id = group[0].draft.app_id.clone();
            batch.insert(&first.to_be_bytes(), encode_group(group));
            group.clear();
            if !id.0.is_empty() {
                groups_of.entry(id).or_default().push(first);
            }
            *in_batch += 1;
            if *in_batch >= BATCH {
                self.trees[GROUPS]
                    .apply_batch(std::mem::take(batch))
                    .map_err(|e| io("writing events", e))?;
                *in_batch = 0;
            }
            Ok(())
        };
        for entry in old_events.iter() {
            let (key, bytes) = entry.map_err(|e| io("reading events", e))?;
            let seq = u64_be(&key);
            let event: Event = decode("event", &bytes).map_err(|e| {
                StoreError::Corrupt(format!(
                    "event {seq} is unreadable ({e}); the store cannot be migrated"
                ))
            })?;
            let continues = group.last().is_some_and(|last| {
                last.draft.app_id == event.draft.app_id
                    && seq == first + group.len() as u64
                    && event.seq == seq
            });
            if !continues {
                put(first, &mut group, &mut batch, &mut in_batch)?;
                first = seq;
            }
            group.push(event);
        }
        put(first, &mut group, &mut batch, &mut in_batch)?;
        drop(put);
        self.trees[GROUPS]
            .apply_batch(batch)
            .map_err(|e| io("writing events", e))?;

        // Records (with their groups), index buckets and counters, in id order.
        let mut counts: HashMap<Vec<u8>, u64> = HashMap::new();
        let mut records = sled::Batch::default();
        let mut edits: Vec<BucketEdits> = vec![BTreeMap::new(); Index::ALL.len()];
        let mut pending = 0usize;
        let write = |records: &mut sled::Batch, edits: &mut Vec<BucketEdits>| {
            self.trees[RECORDS]
                .apply_batch(std::mem::take(records))
                .map_err(|e| io("writing applications", e))?;
            for (i, e) in edits.iter_mut().enumerate() {
                let writes = self.bucket_batch(i, e, &HashSet::new(), |_| &[])?;
                write_each(&self.trees[FIRST_INDEX + i], writes, "writing an index")?;
                e.clear();
            }
            Ok::<_, StoreError>(())
        };
        for entry in old_apps.iter() {
            let (_, bytes) = entry.map_err(|e| io("reading applications", e))?;
            let app: Application = decode("application", &bytes)?;
            let groups = groups_of.remove(&app.id).unwrap_or_default();
            let tail = split_id(&app.id).1;
            for (i, ix) in Index::ALL.iter().enumerate() {
                if let Some(v) = ix.value(&app) {
                    edits[i]
                        .entry(bucket_key(&v, &app.id))
                        .or_default()
                        .push((tail.to_vec(), true));
                }
            }
            for key in counter_keys(&app) {
                *counts.entry(key).or_default() += 1;
            }
            records.insert(app.id.0.as_bytes(), encode_record(&app, &groups));
            pending += 1;
            if pending >= BATCH {
                write(&mut records, &mut edits)?;
                pending = 0;
            }
        }
        write(&mut records, &mut edits)?;
        self.flush()?;
        // The step that makes the migration count: counters and the schema version together.
        self.write_counts_and_schema(counts)?;
        self.drop_old_layout()?;
        self.db
            .drop_tree(OLD_UNDO_TREE)
            .map_err(|e| io("dropping an old tree", e))?;
        self.flush()
    }

    /// Undo an import the old layout left interrupted: old records back, later events removed.
    fn recover_old_import(
        &self,
        old_apps: &sled::Tree,
        old_events: &sled::Tree,
    ) -> Result<(), StoreError> {
        let meta = &self.trees[META];
        let Some(head) = meta
            .get(META_IMPORT_PENDING)
            .map_err(|e| io("reading meta", e))?
        else {
            return Ok(());
        };
        let (head_seq, _) = decode_head(&head)?;
        let undo = self
            .db
            .open_tree(OLD_UNDO_TREE)
            .map_err(|e| io("opening the undo tree", e))?;
        let mut apps = sled::Batch::default();
        for entry in undo.iter() {
            let (id, old) = entry.map_err(|e| io("reading the undo tree", e))?;
            if old.is_empty() {
                apps.remove(id);
            } else {
                apps.insert(id, old);
            }
        }
        old_apps
            .apply_batch(apps)
            .map_err(|e| io("undoing an import", e))?;
        let mut later = sled::Batch::default();
        for key in old_events.range((head_seq + 1).to_be_bytes()..).keys() {
            later.remove(key.map_err(|e| io("reading events", e))?);
        }
        old_events
            .apply_batch(later)
            .map_err(|e| io("undoing an import", e))?;
        let mut m = sled::Batch::default();
        m.insert(META_CHAIN_HEAD, head);
        m.remove(META_IMPORT_PENDING);
        meta.apply_batch(m).map_err(|e| io("writing meta", e))?;
        self.flush()?;
        undo.clear().map_err(|e| io("clearing the undo tree", e))
    }
}

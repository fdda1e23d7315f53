//! 审计: the event chain walk and the consistency check of records, events and indexes.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::keys::*;
use super::{io, SledStore, APPS, APP_EVENTS, EVENTS, FIRST_INDEX, META};
use crate::domain::event::{Event, GENESIS_HASH};
use crate::domain::ports::{AuditReport, Repository, StoreError};
use crate::domain::Application;

/// What `check_consistency` found: every disagreement between records, events and indexes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsistencyReport {
    pub applications: u64,
    pub events: u64,
    pub problems: Vec<String>,
}

impl ConsistencyReport {
    pub fn is_consistent(&self) -> bool {
        self.problems.is_empty()
    }
}

impl SledStore {
    /// Walk the chain in sequence order; the first broken link is named: an edited event (its
    /// hash no longer matches), a removed one (a gap in the sequence or a dangling `prev_hash`),
    /// reordered ones (the `prev_hash` does not name the event before), or a missing tail.
    pub(super) fn walk_chain(&self) -> Result<AuditReport, StoreError> {
        let mut expected_seq = 1u64;
        let mut prev_hash = GENESIS_HASH.to_string();
        let mut checked = 0u64;
        let broken = |seq: u64, what: String, checked: u64| {
            Ok(AuditReport {
                events_checked: checked,
                first_broken: Some((seq, what)),
            })
        };
        for entry in self.trees[EVENTS].iter() {
            let (key, bytes) = entry.map_err(|e| io("reading events", e))?;
            let seq = u64_be(&key);
            let event: Event = match decode("event", &bytes) {
                Ok(e) => e,
                Err(e) => {
                    return broken(
                        seq,
                        format!("event {seq} is unreadable ({e}): it was edited"),
                        checked,
                    )
                }
            };
            checked += 1;
            if seq != expected_seq {
                return broken(
                    expected_seq,
                    format!(
                        "event {expected_seq} is missing (next stored is {seq}): it was removed"
                    ),
                    checked,
                );
            }
            if event.seq != seq {
                return broken(
                    seq,
                    format!(
                        "event stored at {seq} says it is {}: events were reordered",
                        event.seq
                    ),
                    checked,
                );
            }
            if !event.is_intact() {
                return broken(
                    seq,
                    format!(
                        "event {seq} of {} does not match its hash: it was edited",
                        event.draft.app_id
                    ),
                    checked,
                );
            }
            if event.prev_hash != prev_hash {
                return broken(
                    seq,
                    format!(
                        "event {seq} does not link to event {}: events were removed or reordered",
                        seq - 1
                    ),
                    checked,
                );
            }
            prev_hash = event.hash;
            expected_seq += 1;
        }
        let head = self.trees[META]
            .get(META_CHAIN_HEAD)
            .map_err(|e| io("reading meta", e))?;
        let (head_seq, head_hash) = match head {
            Some(h) => decode_head(&h)?,
            None => return Err(StoreError::Corrupt("meta has no chain head".into())),
        };
        if head_seq != expected_seq - 1 || head_hash != prev_hash {
            return broken(
                expected_seq,
                format!("the chain head names event {head_seq} but the chain ends at {}: the last events were removed", expected_seq - 1),
                checked,
            );
        }
        Ok(AuditReport {
            events_checked: checked,
            first_broken: None,
        })
    }

    /// Check that records, events, indexes and counters agree (the crash test runs it).
    pub fn check_consistency(&self) -> Result<ConsistencyReport, StoreError> {
        let mut report = ConsistencyReport::default();
        let mut expected: HashMap<Vec<u8>, u64> = HashMap::new();
        let mut index_entries: Vec<std::collections::HashSet<Vec<u8>>> =
            vec![Default::default(); Index::ALL.len()];
        for entry in self.trees[APPS].iter() {
            let (key, bytes) = entry.map_err(|e| io("scanning applications", e))?;
            report.applications += 1;
            let app: Application = match decode("application", &bytes) {
                Ok(a) => a,
                Err(e) => {
                    report
                        .problems
                        .push(format!("{}: {e}", String::from_utf8_lossy(&key)));
                    continue;
                }
            };
            if app.id.0.as_bytes() != &key[..] {
                report.problems.push(format!(
                    "record under {} holds {}",
                    String::from_utf8_lossy(&key),
                    app.id
                ));
            }
            for key in counter_keys(&app) {
                *expected.entry(key).or_default() += 1;
            }
            for (i, ix) in Index::ALL.iter().enumerate() {
                if let Some(v) = ix.value(&app) {
                    index_entries[i].insert(index_key(&v, &app.id));
                }
            }
            if self.events(&app.id)?.is_empty() {
                report.problems.push(format!("{} has no events", app.id));
            }
        }
        for (i, ix) in Index::ALL.iter().enumerate() {
            let tree = &self.trees[FIRST_INDEX + i];
            let mut stored = 0usize;
            for entry in tree.iter() {
                let (key, _) = entry.map_err(|e| io("reading an index", e))?;
                stored += 1;
                if !index_entries[i].contains(&key[..]) {
                    report.problems.push(format!(
                        "{} has a stale entry for {}",
                        ix.tree_name(),
                        id_of_index_key(&key)?
                    ));
                }
            }
            if stored != index_entries[i].len() {
                report.problems.push(format!(
                    "{} has {stored} entries, expected {}",
                    ix.tree_name(),
                    index_entries[i].len()
                ));
            }
        }
        for entry in self.trees[META].scan_prefix(b"n/") {
            let (key, value) = entry.map_err(|e| io("reading meta", e))?;
            let want = expected.remove(&key[..]).unwrap_or(0);
            if u64_be(&value) != want {
                report.problems.push(format!(
                    "counter {} is {}, expected {want}",
                    String::from_utf8_lossy(&key),
                    u64_be(&value)
                ));
            }
        }
        for (key, want) in expected {
            report.problems.push(format!(
                "counter {} is missing, expected {want}",
                String::from_utf8_lossy(&key)
            ));
        }
        let mut per_app_events = 0u64;
        for entry in self.trees[EVENTS].iter() {
            let (key, bytes) = entry.map_err(|e| io("reading events", e))?;
            report.events += 1;
            let event: Event = match decode("event", &bytes) {
                Ok(e) => e,
                Err(e) => {
                    report.problems.push(format!("event {}: {e}", u64_be(&key)));
                    continue;
                }
            };
            let id = &event.draft.app_id;
            if !id.0.is_empty() {
                per_app_events += 1;
                if !self.trees[APPS]
                    .contains_key(id.0.as_bytes())
                    .map_err(|e| io("reading", e))?
                {
                    report.problems.push(format!(
                        "event {} names {id}, which is missing",
                        u64_be(&key)
                    ));
                }
                if !self.trees[APP_EVENTS]
                    .contains_key(app_event_key(id, u64_be(&key)))
                    .map_err(|e| io("reading", e))?
                {
                    report.problems.push(format!(
                        "event {} is missing from {id}'s event list",
                        u64_be(&key)
                    ));
                }
            }
        }
        let app_event_entries = self.trees[APP_EVENTS].len() as u64;
        if app_event_entries != per_app_events {
            report.problems.push(format!(
                "app_events has {app_event_entries} entries, events name {per_app_events}"
            ));
        }
        let audit = self.walk_chain()?;
        if let Some((seq, what)) = audit.first_broken {
            report
                .problems
                .push(format!("audit chain broken at {seq}: {what}"));
        }
        Ok(report)
    }
}

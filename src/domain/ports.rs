//! The ports the application services use: a repository for records and a decider for rules.
//! The store (sled) and the policy host (wasmtime) implement them; nothing here knows either.

use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::{Deserialize, Serialize};

use std::sync::Arc;

use super::application::{AppId, Application, ApplicationForm, CustomerClass, StoredForm};
use super::calendar::WorkingCalendar;
use super::decision::{BundleRef, Decision};
use super::event::{Event, EventDraft};
use super::workflow::{ProcessClass, State};

/// 时钟: where the desk reads the time. Nothing in powerdesk reads the wall clock's date but
/// through this port, so tests and training stores pin it.
pub trait Clock: Send + Sync {
    /// Now, in China Standard Time (UTC+8).
    fn now(&self) -> DateTime<FixedOffset>;
}

/// 决策器: decides an application under a policy bundle.
pub trait Decider: Send + Sync {
    /// Decide `form` as of `on` (the evaluation date is an input, so decisions replay).
    fn decide(&self, form: &ApplicationForm, on: NaiveDate) -> Result<Decision, DecideError>;
    /// Decide many applications, each as of its own date; one result per item, in order. A
    /// decider that can amortise work over a batch (a policy bundle) overrides this.
    fn decide_batch(
        &self,
        items: &[(&ApplicationForm, NaiveDate)],
    ) -> Vec<Result<Decision, DecideError>> {
        items.iter().map(|(f, on)| self.decide(f, *on)).collect()
    }
    /// The bundle that decides.
    fn bundle(&self) -> BundleRef;
    /// The first day of receipt the decider decides (a bundle's `effective` date): an application
    /// received earlier is refused. None: no such bound.
    fn effective(&self) -> Option<NaiveDate> {
        None
    }
    /// The working-day calendar that comes with the rules, if any: deadlines are counted on it.
    fn calendar(&self) -> Option<Arc<WorkingCalendar>> {
        None
    }
    /// A list-of-texts parameter of the rules (`abolished_fees`), for what the office publishes;
    /// None where the decider has no such parameter.
    fn texts_parameter(&self, _name: &str) -> Option<Vec<String>> {
        None
    }
}

/// A decision could not be taken: which module, which version, what happened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("policy module {module} {version}: {cause}")]
pub struct DecideError {
    pub module: String,
    pub version: String,
    pub cause: String,
}

/// One command's writes: applied all together or not at all, durable once `commit` returns.
#[derive(Debug, Clone, Default)]
pub struct Change {
    /// Applications to insert or replace (indexes follow).
    pub applications: Vec<Application>,
    /// Events to append to the chain, in order.
    pub events: Vec<EventDraft>,
    /// Settings to set (`Some`) or remove (`None`).
    pub settings: Vec<(String, Option<String>)>,
}

/// Sort order of a listing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SortBy {
    /// By id (acceptance order).
    #[default]
    Id,
    /// Nearest grid deadline first; applications without a deadline last.
    Deadline,
}

/// A filtered, paged listing; every filter is served from an index.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Query {
    pub status: Option<State>,
    pub process: Option<ProcessClass>,
    pub class: Option<CustomerClass>,
    pub county: Option<String>,
    /// Only applications whose grid deadline is before this date and still open.
    pub overdue_on: Option<NaiveDate>,
    /// Customer-name prefix.
    pub name_prefix: Option<String>,
    pub sort: SortBy,
    pub offset: usize,
    pub limit: usize,
}

/// What a search matched an application on, best first: the order of its hits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SearchMatch {
    /// Exactly its application number, ID number or phone.
    Exact,
    /// The start of its customer's name.
    NamePrefix,
    /// The start of the name's pinyin initials (`zw`) or full pinyin (`zhangwei`).
    Pinyin,
    /// The start of its ID number, phone or application number.
    Identifier,
    /// Two characters or more within the name.
    NameContains,
    /// Two characters or more within the address.
    AddressContains,
}

/// The applications a search found, best first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchHits {
    pub hits: Vec<(AppId, SearchMatch)>,
    /// False when the search stopped at its limit or after looking at as many candidates as it
    /// may: more applications may match (type more to narrow it).
    pub complete: bool,
}

/// A page of a listing.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Page {
    pub items: Vec<Application>,
    /// How many applications match in all.
    pub total: u64,
}

/// What `audit verify` found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditReport {
    pub events_checked: u64,
    /// Records compared with the record hash their last event sealed.
    #[serde(default)]
    pub records_checked: u64,
    /// The first broken link, if any: its sequence number and what is wrong.
    pub first_broken: Option<(u64, String)>,
}

/// What a backup holds; its last line, so a truncated file is refused.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BackupSummary {
    pub applications: u64,
    pub events: u64,
    pub chain_head: String,
    /// sha256 (hex) of every line before the end line, newlines included: a backup damaged
    /// anywhere is refused. Absent in backups of powerdesk before store schema 7.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
}

/// Store failures, in the terms the user acts on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    #[error("store {dir} is in use by another powerdesk process{}; wait for it with --wait SECONDS (or POWERDESK_WAIT), close it, or use another --store", holder_note(.holder))]
    Locked {
        dir: String,
        /// Who holds it, as its lock file says (`pid 4242: console`).
        holder: Option<String>,
    },
    #[error("store {dir} was written by a newer powerdesk (schema {found}, this one reads up to {supported}); upgrade powerdesk")]
    NewerSchema {
        dir: String,
        found: u32,
        supported: u32,
    },
    #[error("application {0} not found")]
    NotFound(AppId),
    #[error("application {0} already exists")]
    Duplicate(AppId),
    #[error("store is corrupt: {0}")]
    Corrupt(String),
    /// The disk holding the store is full: the command that writes was refused.
    #[error("the disk holding store {dir} is full: nothing was written; free space on that disk and run the command again (list, show, export, backup and audit verify still work and can copy the data to another disk)")]
    DiskFull { dir: String },
    /// A backup that cannot be restored (what is wrong with it, by line); the store is unchanged.
    #[error(
        "not a restorable backup: {0}; the store was left as it was: restore an intact backup"
    )]
    BadBackup(String),
    #[error("store i/o failed: {0}")]
    Io(String),
}

fn holder_note(holder: &Option<String>) -> String {
    holder
        .as_ref()
        .map(|h| format!(" ({h})"))
        .unwrap_or_default()
}

/// 存储库: where applications, events and settings are kept.
pub trait Repository: Send + Sync {
    /// A fresh application id (never reused).
    fn allocate_id(&self, year: i32) -> Result<AppId, StoreError>;
    /// `n` fresh consecutive ids of `year` at once (bulk loads number many applications without
    /// a store write each).
    fn allocate_ids(&self, year: i32, n: usize) -> Result<Vec<AppId>, StoreError>;
    /// Give back the unused tail of the last `allocate_ids` block of `year`, so the next id
    /// follows the last one used; kept unused if an id was allocated after the block.
    fn release_ids(&self, year: i32, unused: &[AppId]) -> Result<(), StoreError>;
    /// Apply a change atomically and durably; returns the chained events.
    fn commit(&self, change: Change) -> Result<Vec<Event>, StoreError>;
    /// Apply many changes all-or-nothing (import, bulk load), even when they are too many for one
    /// transaction; durable once it returns.
    fn commit_all(&self, changes: Vec<Change>) -> Result<(), StoreError>;
    /// Many `commit_all` loads follow (a demo): a store may leave derived indexes behind
    /// meanwhile and build them once at [`Repository::end_bulk`] (or at its next open, if the
    /// loads are cut short). Searches are refused as not in step until then; other reads
    /// see each load as it commits.
    fn begin_bulk(&self) -> Result<(), StoreError> {
        Ok(())
    }
    /// The bulk loads are over (see [`Repository::begin_bulk`]).
    fn end_bulk(&self) -> Result<(), StoreError> {
        Ok(())
    }
    fn get(&self, id: &AppId) -> Result<Option<Application>, StoreError>;
    /// The events of one application, oldest first.
    fn events(&self, id: &AppId) -> Result<Vec<Event>, StoreError>;
    fn query(&self, query: &Query) -> Result<Page, StoreError>;
    /// Applications matching `text` (name, pinyin, ID number, phone, address, application
    /// number), best first, that pass `filter`'s filters (its paging and sort are ignored); at
    /// most `limit` (0: as many as the search looks at).
    fn search(&self, text: &str, filter: &Query, limit: usize) -> Result<SearchHits, StoreError>;
    fn setting(&self, key: &str) -> Result<Option<String>, StoreError>;
    /// Every setting whose key starts with `prefix`, in key order; the visitor returns false to
    /// stop.
    fn settings_under(
        &self,
        prefix: &str,
        visit: &mut dyn FnMut(&str, &str) -> bool,
    ) -> Result<(), StoreError>;
    /// Visit every application in id order; the visitor returns false to stop.
    fn scan(&self, visit: &mut dyn FnMut(Application) -> bool) -> Result<(), StoreError>;
    /// Visit every application's id and form in id order (re-deciding needs no more); a store
    /// may read them faster than whole applications.
    fn scan_forms(&self, visit: &mut dyn FnMut(StoredForm) -> bool) -> Result<(), StoreError> {
        self.scan(&mut |app| {
            visit(StoredForm {
                id: app.id,
                form: app.form,
            })
        })
    }
    /// Walk the whole event chain.
    fn verify_audit(&self) -> Result<AuditReport, StoreError>;
    /// Write a consistent backup of the whole store to `out` (no commit lands while it is
    /// written), ending with its summary.
    fn backup(&self, out: &mut dyn std::io::Write) -> Result<BackupSummary, StoreError>;
}

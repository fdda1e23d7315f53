//! Key and value layout of the sled trees (schema 4).
//!
//! Index entries are kept in buckets: key `value 0x00 bucket`, where the bucket is the id without
//! its last [`BUCKET_TAIL`] characters, and the value lists the tails of the bucket's ids with that
//! value, sorted. So one index value's entries are a contiguous, id-ordered run of keys, and an
//! application costs a fraction of a sled key per index instead of one. Values start with a
//! format-version byte.

use crate::domain::application::StoredForm;
use crate::domain::ports::StoreError;
use crate::domain::{AppId, Application};

/// Format version of every stored value.
pub const VALUE_FORMAT: u8 = 1;
/// Format version of an application record: the event groups it owns, then its JSON.
pub const RECORD_FORMAT: u8 = 2;
/// The schema this build writes and reads. 2: pair counters; 3: open applications per deadline
/// day; 4: bucketed indexes, events grouped per commit and application, each record listing its
/// groups. Older stores are migrated on open.
pub const SCHEMA_VERSION: u32 = 4;

/// Characters cut from an id to name its index bucket: ≤ 100 ids of `JN-YYYY-NNNNNN` per bucket.
pub const BUCKET_TAIL: usize = 2;

/// Trees of the schema-4 layout (the tree names are new, so a migration can write them beside
/// the old ones).
pub const RECORDS_TREE: &str = "applications";
pub const GROUPS_TREE: &str = "event_groups";
/// Trees of the schema ≤ 3 layout, dropped once a store is migrated.
pub const OLD_APPS_TREE: &str = "apps";
pub const OLD_EVENTS_TREE: &str = "events";
pub const OLD_APP_EVENTS_TREE: &str = "app_events";

pub const SEP: u8 = 0;

/// Deadline index value of applications without a running deadline: after every date.
pub const NO_DEADLINE: &str = "~";

pub const META_SCHEMA: &[u8] = b"schema_version";
pub const META_CHAIN_HEAD: &[u8] = b"chain_head";
pub const META_IMPORT_PENDING: &[u8] = b"import_pending";

/// The indexes kept for every application.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Index {
    Status,
    Process,
    Class,
    County,
    /// Every application by grid deadline, key `YYYY-MM-DD 0x00 id`; closed applications and
    /// those without a running grid clock sort last under [`NO_DEADLINE`].
    Deadline,
    /// Customer name, for prefix search.
    Name,
}

impl Index {
    pub const ALL: [Index; 6] = [
        Self::Status,
        Self::Process,
        Self::Class,
        Self::County,
        Self::Deadline,
        Self::Name,
    ];

    /// The bucketed index tree (schema 4).
    pub fn bucket_tree(self) -> &'static str {
        match self {
            Self::Status => "by_status",
            Self::Process => "by_process",
            Self::Class => "by_class",
            Self::County => "by_county",
            Self::Deadline => "by_deadline",
            Self::Name => "by_name",
        }
    }

    /// The name of the index in counter keys (and of its tree in schema ≤ 3).
    pub fn tree_name(self) -> &'static str {
        match self {
            Self::Status => "ix_status",
            Self::Process => "ix_process",
            Self::Class => "ix_class",
            Self::County => "ix_county",
            Self::Deadline => "ix_deadline",
            Self::Name => "ix_name",
        }
    }

    /// Whether a per-value counter is kept in meta (the total of a listing filtered by it).
    pub fn counted(self) -> bool {
        matches!(
            self,
            Self::Status | Self::Process | Self::Class | Self::County
        )
    }

    /// The value an application is indexed under, if any.
    pub fn value(self, app: &Application) -> Option<String> {
        match self {
            Self::Status => Some(app.status.id().to_string()),
            Self::Process => Some(app.process.id().to_string()),
            Self::Class => Some(app.form.customer.class.id().to_string()),
            Self::County => Some(app.form.site.county.clone()),
            Self::Deadline => Some(
                app.deadline
                    .filter(|_| !app.status.is_terminal())
                    .map(|d| d.to_string())
                    .unwrap_or_else(|| NO_DEADLINE.to_string()),
            ),
            Self::Name => Some(app.form.customer.name.clone()),
        }
    }
}

/// An id cut into its bucket (the key part) and its tail (the part listed in the bucket).
pub fn split_id(id: &AppId) -> (&[u8], &[u8]) {
    let b = id.0.as_bytes();
    let at = b.len().saturating_sub(BUCKET_TAIL);
    (&b[..at], &b[at..])
}

/// Bucket key of `id` under an index value: `value 0x00 bucket`.
pub fn bucket_key(value: &str, id: &AppId) -> Vec<u8> {
    let (bucket, _) = split_id(id);
    let mut k = Vec::with_capacity(value.len() + 1 + bucket.len());
    k.extend_from_slice(value.as_bytes());
    k.push(SEP);
    k.extend_from_slice(bucket);
    k
}

/// Every bucket key of one index value starts with this.
pub fn index_prefix(value: &str) -> Vec<u8> {
    let mut k = value.as_bytes().to_vec();
    k.push(SEP);
    k
}

/// The sorted id tails of one bucket.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Bucket(pub Vec<Vec<u8>>);

impl Bucket {
    pub fn decode(bytes: &[u8]) -> Result<Bucket, StoreError> {
        let corrupt = || StoreError::Corrupt("index bucket: unreadable value".into());
        let (&format, mut rest) = bytes.split_first().ok_or_else(corrupt)?;
        if format != VALUE_FORMAT {
            return Err(StoreError::Corrupt(format!(
                "index bucket: value format {format} is not known to this powerdesk"
            )));
        }
        let mut tails = Vec::with_capacity(rest.len() / 3);
        while let Some((&n, after)) = rest.split_first() {
            let n = n as usize;
            if after.len() < n {
                return Err(corrupt());
            }
            tails.push(after[..n].to_vec());
            rest = &after[n..];
        }
        Ok(Bucket(tails))
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(1 + self.0.len() * (1 + BUCKET_TAIL));
        out.push(VALUE_FORMAT);
        for t in &self.0 {
            out.push(t.len() as u8);
            out.extend_from_slice(t);
        }
        out
    }

    pub fn contains(&self, tail: &[u8]) -> bool {
        self.0.binary_search_by(|t| t.as_slice().cmp(tail)).is_ok()
    }

    pub fn insert(&mut self, tail: &[u8]) {
        if let Err(at) = self.0.binary_search_by(|t| t.as_slice().cmp(tail)) {
            self.0.insert(at, tail.to_vec());
        }
    }

    pub fn remove(&mut self, tail: &[u8]) {
        if let Ok(at) = self.0.binary_search_by(|t| t.as_slice().cmp(tail)) {
            self.0.remove(at);
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// The ids listed by a bucket stored under `key`, in id order.
pub fn bucket_ids(key: &[u8], value: &[u8]) -> Result<Vec<AppId>, StoreError> {
    let at = key
        .iter()
        .rposition(|b| *b == SEP)
        .ok_or_else(|| StoreError::Corrupt("index key without separator".into()))?;
    let bucket = &key[at + 1..];
    Bucket::decode(value)?
        .0
        .into_iter()
        .map(|tail| {
            let mut id = bucket.to_vec();
            id.extend_from_slice(&tail);
            String::from_utf8(id)
                .map(AppId)
                .map_err(|_| StoreError::Corrupt("index entry id is not UTF-8".into()))
        })
        .collect()
}

/// An application record: `RECORD_FORMAT`, the number of its event groups (u32), their keys
/// (first seq, u64, big-endian), then the application as JSON.
pub fn encode_record(app: &Application, groups: &[u64]) -> Vec<u8> {
    let mut out = Vec::with_capacity(1 + 4 + 8 * groups.len() + 1024);
    out.push(RECORD_FORMAT);
    out.extend_from_slice(&(groups.len() as u32).to_be_bytes());
    for g in groups {
        out.extend_from_slice(&g.to_be_bytes());
    }
    serde_json::to_writer(&mut out, app).expect("stored types always serialize");
    out
}

pub fn decode_record(bytes: &[u8]) -> Result<(Application, Vec<u64>), StoreError> {
    let (groups, json) = split_record(bytes)?;
    let app = serde_json::from_slice(json)
        .map_err(|e| StoreError::Corrupt(format!("application: unreadable value: {e}")))?;
    Ok((app, groups.chunks_exact(8).map(u64_be).collect()))
}

/// Only the id and form of a record (what re-deciding needs), skipping the rest of its JSON.
pub fn decode_record_form(bytes: &[u8]) -> Result<StoredForm, StoreError> {
    let (_, json) = split_record(bytes)?;
    serde_json::from_slice(json)
        .map_err(|e| StoreError::Corrupt(format!("application: unreadable value: {e}")))
}

/// A record's event group keys (8 bytes each) and its application JSON.
fn split_record(bytes: &[u8]) -> Result<(&[u8], &[u8]), StoreError> {
    let corrupt = |what: &str| StoreError::Corrupt(format!("application: {what}"));
    match bytes.split_first() {
        Some((&RECORD_FORMAT, rest)) => {
            if rest.len() < 4 {
                return Err(corrupt("truncated record"));
            }
            let n = u32::from_be_bytes(rest[..4].try_into().expect("4 bytes")) as usize;
            let rest = &rest[4..];
            if rest.len() < 8 * n {
                return Err(corrupt("truncated event group list"));
            }
            Ok(rest.split_at(8 * n))
        }
        Some((v, _)) => Err(StoreError::Corrupt(format!(
            "application: record format {v} is not known to this powerdesk (reads {RECORD_FORMAT})"
        ))),
        None => Err(corrupt("empty value")),
    }
}

/// Counter key in meta: `n/<index>/<value>`; `n/all` counts every application.
pub fn counter_key(index: Option<Index>, value: &str) -> Vec<u8> {
    match index {
        None => b"n/all".to_vec(),
        Some(ix) => format!("n/{}/{}", ix.tree_name(), value).into_bytes(),
    }
}

/// Counter key of a pair of counted index values (`n/pair/ix_a=va/ix_b=vb`, in `Index::ALL`
/// order), so a listing filtered by two of them knows its total without walking it.
pub fn pair_counter_key(a: (Index, &str), b: (Index, &str)) -> Vec<u8> {
    let pos = |ix: Index| {
        Index::ALL
            .iter()
            .position(|x| *x == ix)
            .unwrap_or(usize::MAX)
    };
    let (a, b) = if pos(a.0) <= pos(b.0) { (a, b) } else { (b, a) };
    format!(
        "n/pair/{}={}/{}={}",
        a.0.tree_name(),
        a.1,
        b.0.tree_name(),
        b.1
    )
    .into_bytes()
}

/// Every pair counter an application counts in.
pub fn pair_counter_keys(app: &Application) -> Vec<Vec<u8>> {
    let values: Vec<(Index, String)> = Index::ALL
        .iter()
        .filter(|ix| ix.counted())
        .filter_map(|ix| ix.value(app).map(|v| (*ix, v)))
        .collect();
    let mut keys = Vec::with_capacity(6);
    for (i, a) in values.iter().enumerate() {
        for b in &values[i + 1..] {
            keys.push(pair_counter_key((a.0, &a.1), (b.0, &b.1)));
        }
    }
    keys
}

/// Counter key of open applications whose grid deadline is `day` (`n/day/YYYY-MM-DD`): an
/// overdue listing's total is the sum over the days before its date.
pub fn deadline_day_key(day: &str) -> Vec<u8> {
    format!("{DEADLINE_DAY_PREFIX}{day}").into_bytes()
}

pub const DEADLINE_DAY_PREFIX: &str = "n/day/";

/// Every counter an application counts in: all, per counted index value, pairs, and its deadline
/// day while it is open with a running grid clock.
pub fn counter_keys(app: &Application) -> Vec<Vec<u8>> {
    let mut keys = vec![counter_key(None, "")];
    for ix in Index::ALL.iter().filter(|ix| ix.counted()) {
        if let Some(v) = ix.value(app) {
            keys.push(counter_key(Some(*ix), &v));
        }
    }
    keys.extend(pair_counter_keys(app));
    if let Some(day) = Index::Deadline.value(app).filter(|d| d != NO_DEADLINE) {
        keys.push(deadline_day_key(&day));
    }
    keys
}

pub fn id_counter_key(year: i32) -> Vec<u8> {
    format!("next_id/{year}").into_bytes()
}

pub fn encode<T: serde::Serialize + ?Sized>(value: &T) -> Vec<u8> {
    let mut out = vec![VALUE_FORMAT];
    serde_json::to_writer(&mut out, value).expect("stored types always serialize");
    out
}

pub fn decode<T: serde::de::DeserializeOwned>(what: &str, bytes: &[u8]) -> Result<T, StoreError> {
    match bytes.split_first() {
        Some((&VALUE_FORMAT, rest)) => serde_json::from_slice(rest)
            .map_err(|e| StoreError::Corrupt(format!("{what}: unreadable value: {e}"))),
        Some((v, _)) => Err(StoreError::Corrupt(format!(
            "{what}: value format {v} is not known to this powerdesk (reads {VALUE_FORMAT})"
        ))),
        None => Err(StoreError::Corrupt(format!("{what}: empty value"))),
    }
}

pub fn u64_be(bytes: &[u8]) -> u64 {
    let mut b = [0u8; 8];
    let n = bytes.len().min(8);
    b[8 - n..].copy_from_slice(&bytes[bytes.len() - n..]);
    u64::from_be_bytes(b)
}

/// The chain head in meta: last seq (0 when empty) and its hash.
pub fn encode_head(seq: u64, hash: &str) -> Vec<u8> {
    let mut v = seq.to_be_bytes().to_vec();
    v.extend_from_slice(hash.as_bytes());
    v
}

pub fn decode_head(bytes: &[u8]) -> Result<(u64, String), StoreError> {
    if bytes.len() != 8 + 64 {
        return Err(StoreError::Corrupt(
            "chain head in meta has the wrong length".into(),
        ));
    }
    let hash = String::from_utf8(bytes[8..].to_vec())
        .map_err(|_| StoreError::Corrupt("chain head hash".into()))?;
    Ok((u64_be(&bytes[..8]), hash))
}

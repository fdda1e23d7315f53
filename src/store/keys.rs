//! Key and value layout of the sled trees.
//!
//! Index keys are `value 0x00 id`, so one index value's entries are a contiguous, id-ordered
//! prefix. Values start with a format-version byte.

use crate::domain::ports::StoreError;
use crate::domain::{AppId, Application};

/// Format version of every stored value.
pub const VALUE_FORMAT: u8 = 1;
/// The schema this build writes and reads. 2: pair counters; 3: open applications per deadline
/// day. Older stores are migrated on open by recounting.
pub const SCHEMA_VERSION: u32 = 3;

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

pub fn index_key(value: &str, id: &AppId) -> Vec<u8> {
    let mut k = Vec::with_capacity(value.len() + 1 + id.0.len());
    k.extend_from_slice(value.as_bytes());
    k.push(SEP);
    k.extend_from_slice(id.0.as_bytes());
    k
}

pub fn index_prefix(value: &str) -> Vec<u8> {
    let mut k = value.as_bytes().to_vec();
    k.push(SEP);
    k
}

/// The id part of an index key.
pub fn id_of_index_key(key: &[u8]) -> Result<AppId, StoreError> {
    let at = key
        .iter()
        .rposition(|b| *b == SEP)
        .ok_or_else(|| StoreError::Corrupt("index key without separator".into()))?;
    String::from_utf8(key[at + 1..].to_vec())
        .map(AppId)
        .map_err(|_| StoreError::Corrupt("index key id is not UTF-8".into()))
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

/// Per-application event index key: `id 0x00 seq(be)`.
pub fn app_event_key(id: &AppId, seq: u64) -> Vec<u8> {
    let mut k = id.0.as_bytes().to_vec();
    k.push(SEP);
    k.extend_from_slice(&seq.to_be_bytes());
    k
}

pub fn encode<T: serde::Serialize>(value: &T) -> Vec<u8> {
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

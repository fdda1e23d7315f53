//! 事件: every action on an application is an append-only event, hash-chained for audit.

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::application::AppId;
use super::workflow::State;

/// What happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventKind {
    /// 受理: the application was accepted (and decided).
    Accepted,
    /// A workflow move.
    Advanced { from: State, to: State },
    /// 撤销, with the reason.
    Cancelled { from: State, reason: String },
    /// A side-flow action (`flow`: grid_project, filing, cloud_acceptance, joint, appointment, transfer).
    SideFlow { flow: String, action: String },
    /// A free note on the timeline.
    Noted,
    /// A policy bundle was activated for the store (app_id is empty).
    PolicyActivated {
        region: String,
        version: String,
        digest: String,
    },
}

/// An event before the store gives it its place in the chain.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventDraft {
    pub app_id: AppId,
    pub at: DateTime<FixedOffset>,
    pub actor: String,
    pub kind: EventKind,
    #[serde(default)]
    pub note: Option<String>,
}

/// A stored event: its global sequence number and its link in the hash chain.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub seq: u64,
    #[serde(flatten)]
    pub draft: EventDraft,
    /// `hash` of the previous event (all zeros for the first).
    pub prev_hash: String,
    /// sha256 over `seq`, the draft and `prev_hash`.
    pub hash: String,
}

pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

impl Event {
    /// Place a draft in the chain after `prev_hash`.
    pub fn chain(seq: u64, draft: EventDraft, prev_hash: &str) -> Event {
        let hash = link_hash(seq, &draft, prev_hash);
        Event {
            seq,
            draft,
            prev_hash: prev_hash.to_string(),
            hash,
        }
    }

    /// Recompute the hash; false when the event was edited.
    pub fn is_intact(&self) -> bool {
        link_hash(self.seq, &self.draft, &self.prev_hash) == self.hash
    }
}

fn link_hash(seq: u64, draft: &EventDraft, prev_hash: &str) -> String {
    let mut h = Sha256::new();
    h.update(seq.to_be_bytes());
    h.update(serde_json::to_vec(draft).expect("event drafts always serialize"));
    h.update(prev_hash.as_bytes());
    hex::encode(h.finalize())
}

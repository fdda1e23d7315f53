//! 事件: every action on an application is an append-only event, hash-chained for audit.

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::application::{AppId, Application};
use super::workflow::{self, State};

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
    /// 更正: the form was amended (a mistyped field), with the reason and the fields changed; the
    /// decision was taken again for the amended form.
    Amended { reason: String, fields: Vec<String> },
    /// A side-flow action (`flow`: grid_project, filing, cloud_acceptance, joint, appointment, transfer).
    SideFlow { flow: String, action: String },
    /// A free note on the timeline.
    Noted,
    /// 封存: the record as it stands was sealed without a change of state: by the schema-7
    /// migration (actor `migration`, for histories from before record hashes) or after a
    /// deadline recount (actor `calendar`).
    Sealed { reason: String },
    /// A policy bundle was activated for the store (app_id is empty).
    PolicyActivated {
        region: String,
        version: String,
        digest: String,
    },
    /// 服务记录: a service record (`key`, e.g. `service/hazard/YH-2026-0001`) was written by
    /// `action`; app_id is empty and the draft's `record` seals the record as stored.
    Service { key: String, action: String },
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
    /// sha256 (hex) of the application's canonical JSON after this event ([`record_hash`]): the
    /// store sets it on an application's last event of every commit, so the chain covers the
    /// record. Absent on earlier events of a commit and in histories from before schema 7.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record: Option<String>,
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

/// sha256 (hex) of an application's canonical JSON (`serde_json::to_vec`, fields in declaration
/// order, the form flattened): what an event's `record` seals.
pub fn record_hash(app: &Application) -> String {
    record_hash_of_json(&serde_json::to_vec(app).expect("applications always serialize"))
}

/// [`record_hash`] of an application's canonical JSON as it is stored.
pub fn record_hash_of_json(json: &[u8]) -> String {
    hex::encode(Sha256::digest(json))
}

/// Check an application's history against its record: the first event is its acceptance, every
/// event names it, times are in order (none before acceptance), every move is legal for its
/// process class from the state before it, the state the moves end in is the record's, and the
/// last event seals this very record. The error says which event and what is wrong.
pub fn check_history<'a>(
    app: &Application,
    drafts: impl IntoIterator<Item = &'a EventDraft>,
) -> Result<(), String> {
    let mut state = None;
    let mut last_at = None;
    let mut last_record = None;
    for (i, e) in drafts.into_iter().enumerate() {
        let n = i + 1;
        if e.app_id != app.id {
            return Err(format!("event {n} names {}, not {}", e.app_id, app.id));
        }
        if let Some(last) = last_at {
            if e.at < last {
                return Err(format!(
                    "event {n} is dated {} before the event before it ({last})",
                    e.at
                ));
            }
        }
        last_at = Some(e.at);
        state = Some(match (&e.kind, state) {
            (EventKind::Accepted, None) => State::Accepted,
            (_, None) => return Err("the first event is not the `accepted` event".into()),
            (EventKind::Accepted, Some(_)) => {
                return Err(format!("event {n} accepts the application a second time"))
            }
            (EventKind::Advanced { from, to }, Some(now)) => {
                if *from != now {
                    return Err(format!(
                        "event {n} moves from {} but the application was {}",
                        from.id(),
                        now.id()
                    ));
                }
                workflow::check_transition(app.process, now, *to)
                    .map_err(|e| format!("event {n}: {e}"))?;
                *to
            }
            (EventKind::Cancelled { from, .. }, Some(now)) => {
                if *from != now {
                    return Err(format!(
                        "event {n} cancels from {} but the application was {}",
                        from.id(),
                        now.id()
                    ));
                }
                workflow::check_transition(app.process, now, State::Cancelled)
                    .map_err(|e| format!("event {n}: {e}"))?;
                State::Cancelled
            }
            (EventKind::PolicyActivated { .. }, Some(_)) => {
                return Err(format!(
                    "event {n} is a policy activation inside an application's history"
                ))
            }
            (EventKind::Service { .. }, Some(_)) => {
                return Err(format!(
                    "event {n} is a service record's event inside an application's history"
                ))
            }
            (_, Some(now)) => now,
        });
        last_record = e.record.as_deref();
    }
    let Some(state) = state else {
        return Err("it has no events; the first must be the `accepted` event".into());
    };
    if state != app.status {
        return Err(format!(
            "status: the record says {} but its events end in {}",
            app.status.id(),
            state.id()
        ));
    }
    match last_record {
        None => Err("events: the last event carries no record hash (`record`), so nothing vouches for the record; export it again from a powerdesk of store schema 7 or later".into()),
        Some(sealed) if sealed != record_hash(app) => Err(
            "the record differs from the one its last event sealed (`record`): it was changed after it was written".into(),
        ),
        Some(_) => Ok(()),
    }
}

//! The errors of the desk's commands, in the terms the operator acts on.

use chrono::{DateTime, FixedOffset};

use crate::domain::ports::{DecideError, StoreError};
use crate::domain::sideflow::SideFlowError;
use crate::domain::timeline::TimelineError;
use crate::domain::validation::FieldError;
use crate::domain::workflow::IllegalTransition;
use crate::domain::AppId;

/// Why a command was refused; nothing was written.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DeskError {
    /// Field-level problems of an application form, all of them.
    #[error("invalid application: {}", join_fields(.0))]
    Invalid(Vec<FieldError>),
    #[error(transparent)]
    Illegal(#[from] IllegalTransition),
    #[error("at: {at} is before application {id} was accepted ({accepted}); give a time on or after acceptance")]
    BeforeAcceptance {
        id: AppId,
        at: DateTime<FixedOffset>,
        accepted: DateTime<FixedOffset>,
    },
    #[error("at: {at} is before the last event of application {id} ({last}); events are recorded in order")]
    BeforeLastEvent {
        id: AppId,
        at: DateTime<FixedOffset>,
        last: DateTime<FixedOffset>,
    },
    #[error("application {0} not found; check the id with `powerdesk app list`")]
    NotFound(AppId),
    #[error("reason: a cancellation needs a reason; give one with --reason")]
    MissingReason,
    #[error("note: the note is empty")]
    EmptyNote,
    /// A text given with a command (note, reason, actor, a side flow's field) that may not be
    /// stored: a control character, or too long.
    #[error("{0}")]
    Text(FieldError),
    #[error(transparent)]
    Decide(#[from] DecideError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Timeline(#[from] TimelineError),
    #[error("application {id}: {source}")]
    SideFlowRefused { id: AppId, source: SideFlowError },
    /// A paper that cannot be made for this application (a plan reply for low voltage …).
    #[error(transparent)]
    Paper(#[from] crate::domain::papers::PaperError),
    /// A service record refused: the field, and what to do (both languages; Display is English).
    #[error(transparent)]
    Record(#[from] crate::domain::office::RecordError),
    /// Import refused: every bad line with its number (1-based); nothing was written.
    #[error("import refused, nothing written: {}", join_lines(.0))]
    Import(Vec<(usize, String)>),
}

fn join_fields(errors: &[FieldError]) -> String {
    errors
        .iter()
        .map(|e| e.to_string())
        .collect::<Vec<_>>()
        .join("; ")
}

fn join_lines(lines: &[(usize, String)]) -> String {
    lines
        .iter()
        .map(|(n, m)| format!("line {n}: {m}"))
        .collect::<Vec<_>>()
        .join("; ")
}

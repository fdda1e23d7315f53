//! The domain of getting electricity (获得电力): pure types and rules, no I/O.

pub mod application;
pub mod calendar;
pub mod decision;
pub mod event;
pub mod metrics;
pub mod office;
pub mod papers;
pub mod ports;
pub mod report;
pub mod sideflow;
pub mod text;
pub mod timeline;
pub mod validation;
pub mod workflow;

pub use application::*;
pub use decision::*;
pub use workflow::{ProcessClass, State};

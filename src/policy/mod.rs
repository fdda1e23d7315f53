//! 政策: the wasmtime host for rule modules and regional policy bundles (implements `domain::ports::Decider`).

pub mod build;
pub mod manifest;
pub mod template;
pub mod cache;
pub mod convert;
pub mod host;
pub mod sample;
pub mod active;
pub mod bundle;
pub mod diff;
pub mod fixtures;

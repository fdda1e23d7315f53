//! 政策: the wasmtime host for rule modules and regional policy bundles (implements `domain::ports::Decider`).

pub mod active;
pub mod build;
pub mod bundle;
pub mod cache;
pub mod convert;
pub mod diff;
pub mod fixtures;
pub mod host;
pub mod manifest;
pub mod probe;
pub mod sample;
pub mod template;

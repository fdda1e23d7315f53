//! powerdesk: a terminal console for an electricity utility's connection service (业扩报装).
//!
//! Layers, with dependencies pointing one way:
//! - [`domain`]: applications, workflows, calendar, validation, decisions. Pure: no I/O.
//! - [`service`]: the application services that the console and the command line call.
//! - [`store`] (sled) and [`policy`] (wasmtime) implement the ports that the services use.
//! - [`cli`] and [`tui`]: the two front ends.

pub mod cli;
pub mod domain;
pub mod papers;
pub mod policy;
pub mod service;
pub mod store;
pub mod tui;

pub mod allocator;

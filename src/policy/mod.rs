//! 政策: the wasmtime host for rule modules and regional policy bundles (implements `domain::ports::Decider`).

pub mod active;
pub mod build;
pub mod bundle;
pub mod cache;
pub mod convert;
pub mod declare;
pub mod diff;
pub mod fixtures;
pub mod host;
pub mod manifest;
pub mod probe;
pub mod sample;
pub mod template;
pub mod verify;

/// The working-day calendar files shipped with powerdesk: the Jining bundle's year files
/// (policies/jining/calendar/, one State Council notice each), compiled in. The calendar of a
/// desk without an active bundle, and the files `policy new` starts a bundle with.
pub const SHIPPED_CALENDAR: [(i32, &str); 6] = [
    (
        2021,
        include_str!("../../policies/jining/calendar/2021.toml"),
    ),
    (
        2022,
        include_str!("../../policies/jining/calendar/2022.toml"),
    ),
    (
        2023,
        include_str!("../../policies/jining/calendar/2023.toml"),
    ),
    (
        2024,
        include_str!("../../policies/jining/calendar/2024.toml"),
    ),
    (
        2025,
        include_str!("../../policies/jining/calendar/2025.toml"),
    ),
    (
        2026,
        include_str!("../../policies/jining/calendar/2026.toml"),
    ),
];

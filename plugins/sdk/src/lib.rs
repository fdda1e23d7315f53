//! powerdesk policy SDK: write a rule module (政策规则模块) as plain Rust.
//!
//! The types mirror the contract `plugins/wit/powerdesk-policy.wit` (package
//! `powerdesk:policy@5.0.0`). A module implements [`RuleModule`] and calls
//! [`export_rule_module!`]; built for `wasm32-unknown-unknown` the macro generates the component
//! glue, built natively it expands to nothing, so the same rules are unit-tested with `cargo test`.
//!
//! ```
//! use powerdesk_policy_sdk::*;
//!
//! struct Example;
//! impl RuleModule for Example {
//!     fn describe() -> ModuleInfo {
//!         ModuleInfo::new("example", "0.1.0")
//!             .rule("EX-1", "Everyone gets a free efficiency service.")
//!             .param(ParamInfo::flag("efficiency_for_all"))
//!             .decides(&[Aspect::FreeEfficiencyService])
//!     }
//!     fn decide(e: &Evaluation) -> Result<Decision, RuleError> {
//!         let mut d = e.draft.clone();
//!         d.free_efficiency_service = Some(e.params.flag("efficiency_for_all")?);
//!         d.apply("EX-1");
//!         Ok(d)
//!     }
//! }
//! export_rule_module!(Example);
//! ```

mod blocks;
mod declare;
mod params;
mod part;
mod types;
pub mod wire;

pub use blocks::{
    connection, connection_params, cost_params, decide_cost, fee_notice, fee_notice_params,
    hv_ordinary_params, std_params, tariff_cut_parameter, Connection, CostFindings,
};
pub use declare::{
    rule_ids, with_declarations, Aspect, ParamInfo, ParamKind, MAX_LIMIT_WORKING_DAYS,
};
pub use params::{ContractId, IdSet, ParamValue, Params};
pub use types::*;

/// The contract version this SDK implements (the WIT package version).
pub const CONTRACT_VERSION: &str = "5.0.0";

/// A rule module: says what it implements and decides its part of an evaluation.
pub trait RuleModule {
    /// Name, version, the rules (id and text) this module implements, the parameters it reads and
    /// the aspects of the decision it decides and reads.
    fn describe() -> ModuleInfo;
    /// Return `e.draft` with this module's part of the decision filled in (built for
    /// WebAssembly, only what differs from `e.draft` goes back to powerdesk).
    fn decide(e: &Evaluation) -> Result<Decision, RuleError>;
}

#[cfg(target_arch = "wasm32")]
#[doc(hidden)]
pub mod __wit;

#[cfg(all(target_arch = "wasm32", feature = "arena"))]
mod arena;

/// A rule module's allocator: a bump arena (see `arena.rs`; disable the default feature `arena`
/// to bring your own).
#[cfg(all(target_arch = "wasm32", feature = "arena"))]
#[global_allocator]
static ALLOCATOR: arena::BumpArena = arena::BumpArena;

/// Export a [`RuleModule`] as the component's `rules` interface (only when built for wasm32).
#[macro_export]
macro_rules! export_rule_module {
    ($module:ty) => {
        #[cfg(target_arch = "wasm32")]
        const _: () = {
            struct __PowerdeskRuleModule;
            impl $crate::__wit::Guest for __PowerdeskRuleModule {
                fn describe() -> $crate::__wit::WitModuleInfo {
                    $crate::__wit::describe::<$module>()
                }
                fn decide(
                    params: ::std::vec::Vec<u8>,
                    texts: ::std::vec::Vec<::std::string::String>,
                    batch: ::std::vec::Vec<$crate::__wit::WitEvaluation>,
                ) -> ::std::vec::Vec<
                    ::core::result::Result<$crate::__wit::WitPart, $crate::__wit::WitRuleError>,
                > {
                    $crate::__wit::decide::<$module>(params, texts, batch)
                }
            }
            $crate::__wit::bindings::__export_wit!(__PowerdeskRuleModule with_types_in $crate::__wit::bindings);
        };
    };
}

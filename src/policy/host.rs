//! 沙箱: the wasmtime host that runs rule modules, deny by default.
//!
//! A rule module is a WebAssembly component of the world `rule-module`
//! (plugins/wit/powerdesk-policy.wit). The host links nothing into it (no WASI: no files, network,
//! environment, clock or randomness) and runs every call (a batch of evaluations) in a fresh
//! instance made from a prepared `InstancePre`, with a fuel budget, an epoch deadline as the
//! wall-clock backstop and a memory cap. Every failure is a [`PolicyError`] naming the module,
//! its version and the cause, detected from wasmtime's typed errors, never from error text.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use sha2::{Digest, Sha256};
use wasmtime::component::{Component, ComponentExportIndex, InstancePre, Linker, TypedFunc};
use wasmtime::{Config, Engine, ResourceLimiter, Store, Trap};

pub use super::bounds::CompileBounds;
use super::bounds::{check_structure, with_deadline};
use super::cache::ModuleCache;
use super::files::read_regular;
use crate::domain::text::{check_line, escape_for_terminal, is_blank};

/// Bindings generated from the contract (world `rule-module`).
mod bindings {
    wasmtime::component::bindgen!({
        path: "plugins/wit/powerdesk-policy.wit",
        world: "rule-module",
    });
}

/// The contract's types (`powerdesk:policy/rules`), as the host sees them.
pub use bindings::exports::powerdesk::policy::rules as wit;

/// The contract package whose interface every rule module exports.
pub const CONTRACT_INTERFACE: &str = "powerdesk:policy/rules";
/// The major versions of the contract this powerdesk runs.
pub const SUPPORTED_CONTRACT_MAJORS: &[u64] = &[5];
/// How the supported versions are written in messages.
pub const SUPPORTED_CONTRACTS: &str = "5.x (powerdesk:policy/rules@5.*)";

/// Longest module name, version or rule id a module may describe.
pub const MAX_DESCRIBED_CHARS: usize = 64;
/// Longest rule text a module may describe.
pub const MAX_RULE_TEXT_CHARS: usize = 1_000;
/// Longest refusal message kept from a module (longer ones are cut, marked with …).
pub const MAX_REFUSAL_CHARS: usize = 500;

/// Module text made safe for a terminal: every control or text-direction character escaped,
/// cut at `max` characters.
pub fn module_text(s: &str, max: usize) -> String {
    let escaped = escape_for_terminal(s);
    if escaped.chars().count() <= max {
        return escaped.into_owned();
    }
    let mut cut: String = escaped.chars().take(max).collect();
    cut.push('…');
    cut
}

/// The `kind` of a [`PolicyError::Refused`] for a parameter the module cannot read.
pub const REFUSED_BAD_PARAMETER: &str = "bad parameter";

/// The default largest module file accepted ([`SandboxLimits::max_module_bytes`]).
pub const MAX_MODULE_BYTES: u64 = 8 << 20;

/// How often the epoch ticker thread advances the engine's epoch.
const EPOCH_TICK: Duration = Duration::from_millis(5);

/// A failure of a rule module, or of loading one: which module, which version, what happened; or
/// an application the bundle cannot decide because it was not yet in force.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PolicyError {
    #[error("policy module {module} {version}: ran out of fuel (budget {budget} units); the rule loops or does far too much work: fix the module (plugins/README.md, Limits)")]
    OutOfFuel {
        module: String,
        version: String,
        budget: u64,
    },
    #[error("policy module {module} {version}: exceeded the wall-clock deadline of {deadline_ms} ms and was stopped")]
    Deadline {
        module: String,
        version: String,
        deadline_ms: u64,
    },
    #[error("policy module {module} {version}: tried to use more than {limit_bytes} bytes of memory and was stopped")]
    MemoryLimit {
        module: String,
        version: String,
        limit_bytes: usize,
    },
    #[error("policy module {module} {version}: trapped: {message}")]
    Trap {
        module: String,
        version: String,
        message: String,
    },
    #[error("policy module {module} {version}: returned a bad decision: {reason}")]
    BadOutput {
        module: String,
        version: String,
        reason: String,
    },
    #[error("policy module {module} {version}: refused the application ({kind}): {message}")]
    Refused {
        module: String,
        version: String,
        kind: String,
        message: String,
    },
    #[error("policy module {module} {version}: quarantined: it faulted on an earlier batch ({fault}) and is not run again by this powerdesk process; fix the module and load the bundle again")]
    Quarantined {
        module: String,
        version: String,
        fault: String,
    },
    #[error("policy module {module} {version}: built for contract {found}, but this powerdesk supports {SUPPORTED_CONTRACTS}; {}", contract_advice(found))]
    ContractMismatch {
        module: String,
        version: String,
        found: String,
    },
    #[error("policy module {module} {version}: imports `{import}`, but rule modules may import nothing (no files, network, clock, environment or randomness); remove the import")]
    ForbiddenImport {
        module: String,
        version: String,
        import: String,
    },
    #[error("policy module file {file}: digest mismatch: bundle.toml expects {expected}, the file has {actual}; the file was changed after the bundle was built: rebuild with `powerdesk policy build`")]
    DigestMismatch {
        file: String,
        expected: String,
        actual: String,
    },
    #[error("policy module file {file}: {size} bytes is larger than the limit of {limit} bytes")]
    TooLarge { file: String, size: u64, limit: u64 },
    #[error("policy module {module} {version}: not a valid rule component: {message}")]
    Compile {
        module: String,
        version: String,
        message: String,
    },
    #[error("policy module file {file}: cannot read: {message}")]
    Io { file: String, message: String },
    #[error("policy bundle {region} {version}: the application was received on {received}, before the bundle took effect on {effective}; this bundle cannot decide it: decide it under the bundle in force on {received}")]
    NotInForce {
        region: String,
        version: String,
        effective: chrono::NaiveDate,
        received: chrono::NaiveDate,
    },
}

impl PolicyError {
    /// The module the error is about (file name for errors before the module could be described;
    /// the bundle's region for an application it cannot decide).
    pub fn module(&self) -> &str {
        match self {
            Self::OutOfFuel { module, .. }
            | Self::Deadline { module, .. }
            | Self::MemoryLimit { module, .. }
            | Self::Trap { module, .. }
            | Self::BadOutput { module, .. }
            | Self::Refused { module, .. }
            | Self::Quarantined { module, .. }
            | Self::ContractMismatch { module, .. }
            | Self::ForbiddenImport { module, .. }
            | Self::Compile { module, .. } => module,
            Self::DigestMismatch { file, .. }
            | Self::TooLarge { file, .. }
            | Self::Io { file, .. } => file,
            Self::NotInForce { region, .. } => region,
        }
    }

    /// The module's version, where known.
    pub fn version(&self) -> &str {
        match self {
            Self::OutOfFuel { version, .. }
            | Self::Deadline { version, .. }
            | Self::MemoryLimit { version, .. }
            | Self::Trap { version, .. }
            | Self::BadOutput { version, .. }
            | Self::Refused { version, .. }
            | Self::Quarantined { version, .. }
            | Self::ContractMismatch { version, .. }
            | Self::ForbiddenImport { version, .. }
            | Self::Compile { version, .. }
            | Self::NotInForce { version, .. } => version,
            Self::DigestMismatch { .. } | Self::TooLarge { .. } | Self::Io { .. } => "-",
        }
    }

    /// The message without its `policy module NAME VERSION: ` lead (for a caller that writes the
    /// module and version itself, as [`crate::domain::ports::DecideError`] does).
    pub fn cause(&self) -> String {
        let text = self.to_string();
        let (m, v) = (self.module(), self.version());
        let leads = [
            format!("policy module {m} {v}: "),
            format!("policy bundle {m} {v}: "),
        ];
        leads
            .iter()
            .find_map(|lead| text.strip_prefix(lead.as_str()))
            .map_or_else(|| text.clone(), str::to_string)
    }

    /// A fault of the sandbox (fuel, deadline, memory, trap, unreadable output) or quarantine:
    /// the module, not the application, is at fault.
    pub fn is_fault(&self) -> bool {
        matches!(
            self,
            Self::OutOfFuel { .. }
                | Self::Deadline { .. }
                | Self::MemoryLimit { .. }
                | Self::Trap { .. }
                | Self::Quarantined { .. }
        )
    }
}

/// The limits every module call runs under. Fuel is the limit that stops a module: it counts
/// work, so a decision passes or fails the same way on an idle and on a loaded machine. The
/// wall-clock deadline is only a safety net, set well above the time the fuel takes to burn.
/// A batch does not multiply them: a call deciding n evaluations gets the budget of
/// `min(n, batch_cap)` evaluations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SandboxLimits {
    /// Fuel units of one evaluation (roughly one per WebAssembly instruction).
    pub fuel: u64,
    /// Wall-clock safety net of one evaluation.
    pub deadline: Duration,
    /// The most evaluations' worth of fuel and deadline one call gets, whatever its batch size.
    pub batch_cap: u64,
    /// Linear memory per memory of an instance, in bytes.
    pub memory_bytes: usize,
    /// Largest module file accepted, checked before compiling.
    pub max_module_bytes: u64,
    /// What a module may be made of, and how long compiling it may take.
    pub compile: CompileBounds,
}

impl Default for SandboxLimits {
    fn default() -> Self {
        SandboxLimits {
            fuel: DEFAULT_FUEL,
            deadline: DEFAULT_DEADLINE,
            batch_cap: DEFAULT_BATCH_CAP,
            memory_bytes: 32 << 20,
            max_module_bytes: MAX_MODULE_BYTES,
            compile: CompileBounds::default(),
        }
    }
}

impl SandboxLimits {
    /// The fuel of one call deciding `evaluations`.
    pub fn call_fuel(&self, evaluations: usize) -> u64 {
        self.fuel.saturating_mul(self.call_scale(evaluations))
    }

    /// The wall-clock safety net of one call deciding `evaluations`: its evaluations' deadlines,
    /// at most [`MAX_CALL_DEADLINE`] (or one evaluation's, if that is longer).
    pub fn call_deadline(&self, evaluations: usize) -> Duration {
        self.deadline
            .saturating_mul(u32::try_from(self.call_scale(evaluations)).unwrap_or(u32::MAX))
            .min(MAX_CALL_DEADLINE.max(self.deadline))
    }

    fn call_scale(&self, evaluations: usize) -> u64 {
        (evaluations.max(1) as u64).min(self.batch_cap.max(1))
    }
}

/// Fuel of one evaluation: the shipped modules use under 1 % of it (policy check reports it).
pub const DEFAULT_FUEL: u64 = 20_000_000;
/// The safety net of one evaluation: about ten times what [`DEFAULT_FUEL`] takes to burn.
pub const DEFAULT_DEADLINE: Duration = Duration::from_millis(250);
/// A batch call gets at most this many evaluations' fuel: a hostile module in a batch of 256
/// costs 48 evaluations' fuel (960 M units, under a second of CPU), not 256. 48 leaves room for
/// interpreted rules: a Rego module (plugins/rego) uses ~590 M units for a batch of 256.
pub const DEFAULT_BATCH_CAP: u64 = 48;
/// The wall-clock safety net of any one call, however large its batch (at least one evaluation's).
/// Fuel is the limit (the cap's fuel burns in under 1 s of CPU); this only catches what fuel does
/// not count, so it is generous: at 2 s a loaded machine (over ~2 runnable threads a core) could
/// hit it before the fuel ran out, and a decision would then fail with the load.
pub const MAX_CALL_DEADLINE: Duration = Duration::from_secs(8);

/// Per-store state: the memory limiter and whether it refused a growth.
pub struct Sandbox {
    memory_bytes: usize,
    memory_refused: bool,
    /// The module calls this store has hosted: each may add instances, memories and tables of
    /// its own (a store hosts one bundle evaluation's calls, one per module).
    calls: usize,
}

/// What one module call may add to its store: component model core instances, memories and
/// tables. Per call, so a bundle of many modules gets as much per module as a bundle of one.
pub const INSTANCES_PER_CALL: usize = 64;
pub const MEMORIES_PER_CALL: usize = 4;
pub const TABLES_PER_CALL: usize = 64;

/// The marker error the limiter raises when a module outgrows its memory cap.
#[derive(Debug)]
struct MemoryCapExceeded;

impl std::fmt::Display for MemoryCapExceeded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("memory cap exceeded")
    }
}

impl std::error::Error for MemoryCapExceeded {}

impl ResourceLimiter for Sandbox {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired > self.memory_bytes {
            self.memory_refused = true;
            return Err(wasmtime::Error::new(MemoryCapExceeded));
        }
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= 100_000)
    }

    fn instances(&self) -> usize {
        INSTANCES_PER_CALL * self.calls.max(1)
    }
    fn tables(&self) -> usize {
        TABLES_PER_CALL * self.calls.max(1)
    }
    fn memories(&self) -> usize {
        MEMORIES_PER_CALL * self.calls.max(1)
    }
}

/// The process-wide engine: one configuration, so the compiled-module cache stays valid, and one
/// epoch ticker thread.
pub fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let engine = build_engine(true)
            .or_else(|_| build_engine(false))
            .expect("wasmtime engine config is valid");
        let ticker = engine.clone();
        std::thread::Builder::new()
            .name("policy-epoch".into())
            .spawn(move || loop {
                std::thread::sleep(EPOCH_TICK);
                ticker.increment_epoch();
            })
            .expect("spawn the epoch ticker thread");
        engine
    })
}

fn build_engine(pooling: bool) -> wasmtime::Result<Engine> {
    let mut config = Config::new();
    config.consume_fuel(true);
    config.epoch_interruption(true);
    config.max_wasm_stack(512 << 10);
    // Determinism: the same decision on every machine and every run. NaNs are canonical (no
    // NaN payload can leak from the hardware into a tariff) and relaxed SIMD gives the same
    // results whatever the CPU.
    config.cranelift_nan_canonicalization(true);
    config.relaxed_simd_deterministic(true);
    if std::env::var_os("POWERDESK_PERFMAP").is_some() {
        // For module authors profiling with `perf`: names the modules' functions.
        config.profiler(wasmtime::ProfilingStrategy::PerfMap);
    }
    if pooling {
        // Fast, isolated instantiation: pre-reserved slots, memory reset by copy-on-write.
        let mut pool = wasmtime::PoolingAllocationConfig::default();
        pool.total_component_instances(256)
            .total_core_instances(1024)
            .total_memories(512)
            .total_tables(512)
            .max_memory_size(256 << 20)
            .max_memories_per_component(4)
            .max_core_instances_per_component(16)
            .max_tables_per_component(16);
        if wasmtime::PoolingAllocationConfig::is_pagemap_scan_available() {
            // Linux ≥ 6.7: a slot is reset by finding its dirty pages (PAGEMAP_SCAN) and
            // restoring just those, which stay mapped: no page faults and no madvise on the next
            // instance. (Without the scan, keeping memory resident would memset all of it.)
            pool.pagemap_scan(wasmtime::Enabled::Yes)
                .linear_memory_keep_resident(4 << 20)
                .table_keep_resident(64 << 10);
        }
        config.allocation_strategy(wasmtime::InstanceAllocationStrategy::Pooling(pool));
        // Memory reservation and guard stay at wasmtime's defaults (4 GiB + guard per slot, only
        // address space): a 32-bit module's loads and stores then need no bounds checks. With
        // a 256 MiB reservation every access was checked, and a batch cost 14% more.
    }
    Engine::new(&config)
}

/// 规则模块: a loaded, checked rule module, ready to evaluate.
pub struct RuleModule {
    /// The module's name in the bundle (bundle.toml): the name every error uses.
    pub name: String,
    /// The name the module gives itself in describe().
    pub described_name: String,
    pub version: String,
    /// The contract version the module says it was built for (describe().contract).
    pub contract: String,
    /// The rules it declares, with their text.
    pub rules: Vec<wit::RuleInfo>,
    /// The parameters it declares it reads.
    pub params: Vec<wit::ParamInfo>,
    /// The aspects its part may set, and those it reads from the modules before it.
    pub decides: Vec<wit::Aspect>,
    pub reads: Vec<wit::Aspect>,
    /// `sha256:<hex>` of the module file.
    pub digest: String,
    pub file: PathBuf,
    /// Where a single evaluation is decided.
    single: Entry,
    /// Where a batch of several is decided: the same module loaded a second time (from the
    /// first's compiled code), so that batches get pool slots of their own. A slot keeps the
    /// pages its instances wrote resident and resets all of them after every instance; a batch
    /// writes many more than one decision, and once it had used a slot every later single
    /// decision there paid for resetting them (~24 instead of ~18 us).
    batch: Entry,
}

/// An instantiable module and its `decide` export, found and type-checked against the contract
/// once at load.
struct Entry {
    pre: InstancePre<Sandbox>,
    decide: ComponentExportIndex,
}

/// The store of one bundle evaluation's module calls (see [`PolicyHost::sandboxes`]).
pub struct Sandboxes(Store<Sandbox>);

/// `decide`'s signature in the contract: (parameters, texts, batch) -> one result per evaluation.
type DecideParams<'a> = (&'a [u8], &'a [String], &'a [wit::Evaluation]);
type DecideResults = (Vec<Result<wit::Part, wit::RuleError>>,);

impl std::fmt::Debug for RuleModule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RuleModule")
            .field("name", &self.name)
            .field("version", &self.version)
            .field("contract", &self.contract)
            .field("digest", &self.digest)
            .finish()
    }
}

/// How a module file is expected to be, from the bundle manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleSpec {
    /// The name the manifest gives the module (used in errors until the module describes itself).
    pub name: String,
    pub version: String,
    pub file: PathBuf,
    /// `sha256:<hex>` or bare hex; None skips the check (only for `evaluate` on a loose module).
    pub expected_digest: Option<String>,
}

/// The host: the engine, the limits and the compiled-module cache.
#[derive(Clone)]
pub struct PolicyHost {
    engine: Engine,
    limits: SandboxLimits,
    cache: Option<Arc<ModuleCache>>,
}

impl std::fmt::Debug for PolicyHost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PolicyHost")
            .field("limits", &self.limits)
            .finish()
    }
}

/// `sha256:<hex>` of some bytes.
pub fn sha256_digest(bytes: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(bytes)))
}

fn normalize_digest(d: &str) -> String {
    let d = d.trim().to_ascii_lowercase();
    if d.starts_with("sha256:") {
        d
    } else {
        format!("sha256:{d}")
    }
}

impl PolicyHost {
    /// A host with the given limits and the default compiled-module cache (if one can be opened).
    pub fn new(limits: SandboxLimits) -> Self {
        PolicyHost {
            engine: engine().clone(),
            limits,
            cache: ModuleCache::open_default().map(Arc::new),
        }
    }

    /// A host that compiles every module afresh (no cache).
    pub fn without_cache(limits: SandboxLimits) -> Self {
        PolicyHost {
            engine: engine().clone(),
            limits,
            cache: None,
        }
    }

    /// A host using the cache at `dir`.
    pub fn with_cache_dir(limits: SandboxLimits, dir: &Path) -> Self {
        PolicyHost {
            engine: engine().clone(),
            limits,
            cache: Some(Arc::new(ModuleCache::at(dir.to_path_buf()))),
        }
    }

    pub fn limits(&self) -> SandboxLimits {
        self.limits
    }

    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Read, verify, compile, check and describe a module file.
    pub fn load(&self, spec: &ModuleSpec) -> Result<RuleModule, PolicyError> {
        let file = spec.file.display().to_string();
        let io = |e: std::io::Error| PolicyError::Io {
            file: file.clone(),
            message: e.to_string(),
        };
        let limit = self.limits.max_module_bytes;
        let bytes = match read_regular(&spec.file, limit) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::FileTooLarge => {
                let size = std::fs::metadata(&spec.file).map_or(limit + 1, |m| m.len());
                return Err(PolicyError::TooLarge { file, size, limit });
            }
            Err(e) => return Err(io(e)),
        };
        let actual = sha256_digest(&bytes);
        if let Some(expected) = &spec.expected_digest {
            let expected = normalize_digest(expected);
            if expected != actual {
                return Err(PolicyError::DigestMismatch {
                    file,
                    expected,
                    actual,
                });
            }
        }
        self.load_bytes(spec, &bytes, actual)
    }

    /// Compile and check module bytes whose digest was already verified.
    fn load_bytes(
        &self,
        spec: &ModuleSpec,
        bytes: &[u8],
        digest: String,
    ) -> Result<RuleModule, PolicyError> {
        let compile_err = |message: String| PolicyError::Compile {
            module: spec.name.clone(),
            version: spec.version.clone(),
            message,
        };
        if bytes.len() as u64 > self.limits.max_module_bytes {
            return Err(PolicyError::TooLarge {
                file: spec.file.display().to_string(),
                size: bytes.len() as u64,
                limit: self.limits.max_module_bytes,
            });
        }
        if !is_component(bytes) {
            return Err(compile_err(
                "the file is not a WebAssembly component (a core module? build it with `powerdesk policy build`)".into(),
            ));
        }
        check_structure(bytes, &self.limits.compile)
            .map_err(|reason| compile_err(format!("refused before compiling: {reason}")))?;
        let compile = || {
            let (engine, bytes) = (self.engine.clone(), bytes.to_vec());
            with_deadline(self.limits.compile.deadline, move || {
                Component::new(&engine, &bytes).map_err(|e| format!("{e:#}"))
            })
        };
        let component = match &self.cache {
            Some(cache) => cache
                .compile_with(&self.engine, &digest, compile)
                .map(|(c, _)| c),
            None => compile(),
        }
        .map_err(compile_err)?;
        let interface = self.check_contract(spec, &component)?;

        let linker: Linker<Sandbox> = Linker::new(&self.engine);
        let pre = linker
            .instantiate_pre(&component)
            .map_err(|e| compile_err(format!("{e:#}")))?;
        let single = self.entry(spec, pre, &interface)?;
        let twin = component
            .serialize()
            // SAFETY: the bytes are this engine's own serialization of a component it compiled.
            .and_then(|bytes| unsafe { Component::deserialize(&self.engine, bytes) })
            .and_then(|twin| linker.instantiate_pre(&twin))
            .map_err(|e| compile_err(format!("{e:#}")))?;
        let batch = self.entry(spec, twin, &interface)?;
        let info = self.check_and_describe(spec, &single)?;
        // What describe() says is module text: checked before it is shown or stored. Errors
        // name the module as the bundle does, never as the module calls itself.
        let version = module_text(&info.version, MAX_DESCRIBED_CHARS);
        let bad = |reason: String| PolicyError::BadOutput {
            module: spec.name.clone(),
            version: version.clone(),
            reason,
        };
        let found_major = major_of(&info.contract);
        if !found_major.is_some_and(|m| SUPPORTED_CONTRACT_MAJORS.contains(&m)) {
            return Err(PolicyError::ContractMismatch {
                module: spec.name.clone(),
                version,
                found: format!(
                    "{} (from describe().contract)",
                    module_text(&info.contract, MAX_DESCRIBED_CHARS)
                ),
            });
        }
        for (field, value) in [("name", &info.name), ("version", &info.version)] {
            check_line(value, MAX_DESCRIBED_CHARS)
                .map_err(|problem| bad(format!("describe().{field} {problem}")))?;
        }
        let mut seen = std::collections::HashSet::new();
        for rule in &info.rules {
            let id = module_text(&rule.id, MAX_DESCRIBED_CHARS);
            if is_blank(&rule.id) || !seen.insert(rule.id.as_str()) {
                return Err(bad(format!(
                    "describe() lists rule id `{id}` twice or empty"
                )));
            }
            check_line(&rule.id, MAX_DESCRIBED_CHARS)
                .map_err(|problem| bad(format!("describe(): rule id `{id}` {problem}")))?;
            check_line(&rule.text, MAX_RULE_TEXT_CHARS)
                .map_err(|problem| bad(format!("describe(): the text of rule `{id}` {problem}")))?;
        }
        if let Err(reason) = super::declare::check_module_info(&info) {
            return Err(PolicyError::BadOutput {
                module: info.name.clone(),
                version: info.version.clone(),
                reason,
            });
        }
        Ok(RuleModule {
            name: spec.name.clone(),
            described_name: info.name,
            version: info.version,
            contract: info.contract,
            rules: info.rules,
            params: info.params,
            decides: info.decides,
            reads: info.reads,
            digest,
            file: spec.file.clone(),
            single,
            batch,
        })
    }

    /// Imports: none allowed. Exports: the rules interface of a supported major version, whose
    /// full name (`powerdesk:policy/rules@4.0.0`) it returns.
    fn check_contract(
        &self,
        spec: &ModuleSpec,
        component: &Component,
    ) -> Result<String, PolicyError> {
        let ty = component.component_type();
        if let Some((name, _)) = ty.imports(&self.engine).next() {
            return Err(PolicyError::ForbiddenImport {
                module: spec.name.clone(),
                version: spec.version.clone(),
                import: name.to_string(),
            });
        }
        let exports: Vec<String> = ty
            .exports(&self.engine)
            .map(|(n, _)| n.to_string())
            .collect();
        let prefix = format!("{CONTRACT_INTERFACE}@");
        let Some(found) = exports.iter().find_map(|n| n.strip_prefix(&prefix)) else {
            return Err(PolicyError::ContractMismatch {
                module: spec.name.clone(),
                version: spec.version.clone(),
                found: format!(
                    "none: the component exports [{}], not {CONTRACT_INTERFACE}",
                    exports.join(", ")
                ),
            });
        };
        if !major_of(found).is_some_and(|m| SUPPORTED_CONTRACT_MAJORS.contains(&m)) {
            return Err(PolicyError::ContractMismatch {
                module: spec.name.clone(),
                version: spec.version.clone(),
                found: format!("{found} (exports {CONTRACT_INTERFACE}@{found})"),
            });
        }
        Ok(format!("{prefix}{found}"))
    }

    /// `pre` with the `decide` export of `interface` (checked against the contract's signature
    /// once, by [`PolicyHost::check_and_describe`]).
    fn entry(
        &self,
        spec: &ModuleSpec,
        pre: InstancePre<Sandbox>,
        interface: &str,
    ) -> Result<Entry, PolicyError> {
        let component = pre.component();
        let decide = component
            .get_export_index(None, interface)
            .and_then(|i| component.get_export_index(Some(&i), "decide"))
            .ok_or_else(|| PolicyError::ContractMismatch {
                module: spec.name.clone(),
                version: spec.version.clone(),
                found: format!("{interface} exports no `decide`"),
            })?;
        Ok(Entry { pre, decide })
    }

    /// In one instance of `single`: check its `decide` export against the contract's signature,
    /// once per module, so that calls need not (that check was a tenth of a fresh sandbox's
    /// time; the batch copy is the same compiled code), and call describe().
    fn check_and_describe(
        &self,
        spec: &ModuleSpec,
        single: &Entry,
    ) -> Result<wit::ModuleInfo, PolicyError> {
        let mut store = self.store();
        self.limit(&mut store, 1);
        let fault =
            |store: &Store<Sandbox>, e| self.classify(&spec.name, &spec.version, store, e, 1);
        let instance = single
            .pre
            .instantiate(&mut store)
            .map_err(|e| fault(&store, e))?;
        instance
            .get_typed_func::<DecideParams, DecideResults>(&mut store, &single.decide)
            .map_err(|e| PolicyError::ContractMismatch {
                module: spec.name.clone(),
                version: spec.version.clone(),
                found: format!("`decide` does not have the contract's signature: {e:#}"),
            })?;
        bindings::RuleModule::new(&mut store, &instance)
            .and_then(|m| m.powerdesk_policy_rules().call_describe(&mut store))
            .map_err(|e| fault(&store, e))
    }

    /// A fresh store; every call in it is limited by [`PolicyHost::limit`] first.
    fn store(&self) -> Store<Sandbox> {
        let mut store = Store::new(
            &self.engine,
            Sandbox {
                memory_bytes: self.limits.memory_bytes,
                memory_refused: false,
                calls: 0,
            },
        );
        store.epoch_deadline_trap();
        store
    }

    /// Give `store` the limits of one call deciding `evaluations`, afresh: fuel, the epoch
    /// deadline from now, the memory cap's flag, and room for one more instance.
    fn limit(&self, store: &mut Store<Sandbox>, evaluations: usize) {
        store
            .set_fuel(self.limits.call_fuel(evaluations))
            .expect("fuel is enabled in the engine config");
        let deadline = self.limits.call_deadline(evaluations);
        let ticks = (deadline.as_millis() / EPOCH_TICK.as_millis()).max(1) as u64;
        store.set_epoch_deadline(ticks.saturating_add(1));
        let sandbox = store.data_mut();
        sandbox.memory_refused = false;
        sandbox.calls += 1;
        // wasmtime reads the store-wide counts (instances, memories, tables) when the limiter is
        // set: set it again so that they grow with the calls.
        store.limiter(|s| s as &mut dyn ResourceLimiter);
    }

    /// A store for the calls of one bundle evaluation ([`PolicyHost::decide_in`]): each call
    /// still runs in a fresh instance of its own, with its own limits; the modules share only
    /// the store's bookkeeping, which would otherwise be built and torn down once per module
    /// (~4 % of one decision). After a fault the next call gets a new store.
    pub fn sandboxes(&self) -> Sandboxes {
        Sandboxes(self.store())
    }

    /// Call decide() over `batch` in one fresh, limited instance: one part per evaluation, in
    /// order; `texts` are the strings the evaluations name by index. The outer error is a fault of the sandbox (trap, fuel, deadline, memory, unreadable
    /// output), which spoils the whole batch; a refusal is the result of its own evaluation.
    pub fn decide(
        &self,
        module: &RuleModule,
        params: &[u8],
        texts: &[String],
        batch: &[wit::Evaluation],
    ) -> Result<Vec<Result<wit::Part, PolicyError>>, PolicyError> {
        self.decide_in(&mut self.sandboxes(), module, params, texts, batch)
    }

    /// [`PolicyHost::decide`] in `sandboxes`.
    pub fn decide_in(
        &self,
        sandboxes: &mut Sandboxes,
        module: &RuleModule,
        params: &[u8],
        texts: &[String],
        batch: &[wit::Evaluation],
    ) -> Result<Vec<Result<wit::Part, PolicyError>>, PolicyError> {
        let store = &mut sandboxes.0;
        self.limit(store, batch.len());
        let entry = if batch.len() == 1 {
            &module.single
        } else {
            &module.batch
        };
        let result = entry.pre.instantiate(&mut *store).and_then(|instance| {
            let func = instance
                .get_func(&mut *store, entry.decide)
                .expect("the export found at load");
            // SAFETY: `entry` checked this export against this signature at load.
            let decide: TypedFunc<DecideParams, DecideResults> =
                unsafe { TypedFunc::new_unchecked(func) };
            decide.call(&mut *store, (params, texts, batch))
        });
        let (results,) = match result {
            Ok(results) => results,
            Err(e) => {
                let fault = self.classify(&module.name, &module.version, store, e, batch.len());
                // A store a call faulted in is not entered again (wasmtime refuses to, after a
                // trap): the next call gets a new one.
                *sandboxes = self.sandboxes();
                return Err(fault);
            }
        };
        if results.len() != batch.len() {
            return Err(PolicyError::BadOutput {
                module: module.name.clone(),
                version: module.version.clone(),
                reason: format!(
                    "returned {} results for a batch of {} evaluations",
                    results.len(),
                    batch.len()
                ),
            });
        }
        Ok(results
            .into_iter()
            .map(|r| {
                r.map_err(|refusal| {
                    let (kind, message) = match refusal {
                        wit::RuleError::BadParameter(m) => (REFUSED_BAD_PARAMETER, m),
                        wit::RuleError::Unsupported(m) => ("unsupported", m),
                        wit::RuleError::Internal(m) => ("internal error", m),
                    };
                    PolicyError::Refused {
                        module: module.name.clone(),
                        version: module.version.clone(),
                        kind: kind.into(),
                        message: module_text(&message, MAX_REFUSAL_CHARS),
                    }
                })
            })
            .collect())
    }

    /// Turn a wasmtime error into the variant that names its cause (typed, never by text).
    fn classify(
        &self,
        module: &str,
        version: &str,
        store: &Store<Sandbox>,
        e: wasmtime::Error,
        evaluations: usize,
    ) -> PolicyError {
        let (m, v) = (module.to_string(), version.to_string());
        if store.data().memory_refused || e.downcast_ref::<MemoryCapExceeded>().is_some() {
            return PolicyError::MemoryLimit {
                module: m,
                version: v,
                limit_bytes: self.limits.memory_bytes,
            };
        }
        match e.downcast_ref::<Trap>() {
            Some(Trap::OutOfFuel) => PolicyError::OutOfFuel {
                module: m,
                version: v,
                budget: self.limits.call_fuel(evaluations),
            },
            Some(Trap::Interrupt) => PolicyError::Deadline {
                module: m,
                version: v,
                deadline_ms: self.limits.call_deadline(evaluations).as_millis() as u64,
            },
            Some(trap) => PolicyError::Trap {
                module: m,
                version: v,
                message: module_text(&format!("{trap} ({e:#})"), MAX_REFUSAL_CHARS),
            },
            // Not a trap: the canonical ABI could not read what the module returned
            // (bad discriminant, string out of bounds, invalid UTF-8, ...).
            None => PolicyError::BadOutput {
                module: m,
                version: v,
                reason: module_text(&format!("{e:#}"), MAX_REFUSAL_CHARS),
            },
        }
    }
}

/// A component binary: the wasm magic followed by a version whose layer field is 1 (a core
/// module has layer 0).
fn is_component(bytes: &[u8]) -> bool {
    bytes.len() >= 8 && bytes[..4] == *b"\0asm" && bytes[6..8] == [1, 0]
}

/// The major version of `X.Y.Z`.
fn major_of(version: &str) -> Option<u64> {
    version.trim().split('.').next()?.parse().ok()
}

/// What to do about a module built for contract `found` (as [`PolicyError::ContractMismatch`]
/// writes it: the version first).
fn contract_advice(found: &str) -> &'static str {
    let newest = SUPPORTED_CONTRACT_MAJORS.iter().max().copied().unwrap_or(0);
    match major_of(found) {
        Some(m) if m < newest => "rebuild the module against SDK 5 (plugins/sdk, contract powerdesk:policy@5.0.0) with `powerdesk policy build <bundle>`: 5.0.0 has describe() declare the parameters a module reads and the aspects it decides and reads (plugins/README.md, \"Upgrading a module\")",
        Some(_) => "this module needs a newer powerdesk, or rebuild it against SDK 5 (plugins/sdk) with `powerdesk policy build <bundle>`",
        None => "rebuild the module against SDK 5 (plugins/sdk) with `powerdesk policy build <bundle>`",
    }
}

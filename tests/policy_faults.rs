//! Faulty rule modules are contained, each with its own error, and the host keeps working: the
//! last good bundle still decides after every fault.

#[path = "fixtures/rule_modules.rs"]
mod rule_modules;

use std::path::Path;
use std::time::Duration;

use powerdesk::domain::application::{
    ApplicationForm, ChosenFirms, Customer, CustomerClass, Request, RequestKind, Site, Voltage,
};
use powerdesk::policy::host::{ModuleSpec, PolicyError, PolicyHost, RuleModule, SandboxLimits};
use rule_modules::{Behaviour, Draft, Spec};

fn form(voltage: Voltage) -> ApplicationForm {
    let low = voltage.is_low();
    ApplicationForm {
        customer: Customer {
            name: "济宁市任城区惠民商贸有限公司".into(),
            class: CustomerClass::SmallMicro,
            id_number: "91370811MA3C5XXXXX".into(),
            phone: "13800000000".into(),
            star_rating: 0,
        },
        site: Site {
            county: "任城区".into(),
            address: "济宁市任城区某某路 18 号".into(),
            rural: true,
            park_name: None,
            park_level: None,
            kinetic_library: false,
        },
        request: Request {
            kind: RequestKind::New,
            voltage,
            capacity_kw: low.then_some(150.0),
            capacity_kva: (!low).then_some(1000.0),
            permanent: true,
            direct_meter: true,
            simple_line: false,
            grid_project_need_date: None,
            important: false,
            dual_supply: false,
            existing_capacity_kw: None,
            existing_capacity_kva: None,
        },
        received_at: "2026-03-02T09:00:00+08:00".parse().unwrap(),
        attachments: vec![],
        chosen_firms: ChosenFirms::default(),
    }
}

fn load(host: &PolicyHost, dir: &Path, spec: &Spec) -> Result<RuleModule, PolicyError> {
    let file = format!("{}.wasm", spec.name);
    let sha = rule_modules::write(dir, &file, spec);
    host.load(&ModuleSpec {
        name: spec.name.clone(),
        version: spec.version.clone(),
        file: dir.join(file),
        expected_digest: Some(sha),
    })
}

fn evaluation(voltage: Voltage) -> powerdesk::policy::host::wit::Evaluation {
    let f = form(voltage);
    let mut texts = powerdesk::policy::convert::Texts::default();
    powerdesk::policy::host::wit::Evaluation {
        application: powerdesk::policy::convert::to_wit_application(&f, &mut texts),
        evaluation_date: powerdesk::policy::convert::to_wit_date(f.received_at.date_naive()),
        draft: powerdesk::policy::convert::empty_draft(),
    }
}

/// The texts every evaluation here names: the county (the test modules read no input).
const TEXTS: [String; 1] = [String::new()];

/// One evaluation (a batch of one) of `module`.
fn decide_one(
    host: &PolicyHost,
    module: &RuleModule,
    voltage: Voltage,
) -> Result<powerdesk::policy::host::wit::Part, PolicyError> {
    let mut results = host.decide(module, &[], &TEXTS, &[evaluation(voltage)])?;
    assert_eq!(results.len(), 1);
    results.pop().unwrap()
}

/// A good module decides, then the host is used again to prove it still works.
struct Harness {
    host: PolicyHost,
    good: RuleModule,
    _dir: tempfile::TempDir,
}

impl Harness {
    fn new() -> Harness {
        Self::with_limits(SandboxLimits::default())
    }

    fn with_limits(limits: SandboxLimits) -> Harness {
        let dir = tempfile::tempdir().unwrap();
        let host = PolicyHost::without_cache(limits);
        let good = load(
            &host,
            dir.path(),
            &Spec::new("good", Behaviour::Returns(Draft::low_voltage_three_zero())),
        )
        .expect("the good module loads");
        Harness {
            host,
            good,
            _dir: dir,
        }
    }

    fn still_works(&self) {
        let d = decide_one(&self.host, &self.good, Voltage::V380)
            .expect("the good module still decides");
        assert_eq!(d.rules, vec![0], "T-LV, the first rule describe() declares");
    }

    fn decide_with(&self, behaviour: Behaviour) -> PolicyError {
        let dir = tempfile::tempdir().unwrap();
        let module = load(&self.host, dir.path(), &Spec::new("faulty", behaviour))
            .expect("the faulty module loads");
        let err =
            decide_one(&self.host, &module, Voltage::V380).expect_err("the fault is reported");
        self.still_works();
        err
    }
}

#[test]
fn a_module_that_loops_forever_runs_out_of_fuel() {
    let h = Harness::new();
    let err = h.decide_with(Behaviour::LoopsForever);
    assert!(
        matches!(err, PolicyError::OutOfFuel { ref module, ref version, budget } if module == "faulty" && version == "0.1.0" && budget == SandboxLimits::default().fuel),
        "{err:?}"
    );
}

#[test]
fn a_module_that_loops_with_ample_fuel_is_stopped_by_the_deadline() {
    let h = Harness::with_limits(SandboxLimits {
        fuel: u64::MAX / 2,
        deadline: Duration::from_millis(50),
        ..SandboxLimits::default()
    });
    let err = h.decide_with(Behaviour::LoopsForever);
    assert!(
        matches!(
            err,
            PolicyError::Deadline {
                deadline_ms: 50,
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn a_module_that_exhausts_memory_hits_the_memory_cap() {
    let h = Harness::with_limits(SandboxLimits {
        memory_bytes: 4 << 20,
        ..SandboxLimits::default()
    });
    let err = h.decide_with(Behaviour::ExhaustsMemory);
    assert!(
        matches!(err, PolicyError::MemoryLimit { limit_bytes, .. } if limit_bytes == 4 << 20),
        "{err:?}"
    );
}

#[test]
fn a_module_whose_memory_starts_over_the_cap_is_refused_at_load_naming_the_cap() {
    // The fixture's memory starts at one 64 KiB page.
    let host = PolicyHost::without_cache(SandboxLimits {
        memory_bytes: 32 << 10,
        ..SandboxLimits::default()
    });
    let dir = tempfile::tempdir().unwrap();
    let spec = Spec::new("roomy", Behaviour::Returns(Draft::low_voltage_three_zero()));
    let err = load(&host, dir.path(), &spec).expect_err("refused at load");
    assert!(
        matches!(err, PolicyError::MemoryLimit { limit_bytes, .. } if limit_bytes == 32 << 10),
        "{err:?}"
    );
    assert!(err.to_string().contains("roomy"), "{err}");
}

#[test]
fn a_module_that_traps_is_reported_as_a_trap() {
    let h = Harness::new();
    let err = h.decide_with(Behaviour::Traps);
    assert!(matches!(err, PolicyError::Trap { .. }), "{err:?}");
    assert!(err.to_string().contains("faulty 0.1.0"), "{err}");
}

#[test]
fn a_module_returning_malformed_data_is_bad_output() {
    let h = Harness::new();
    for behaviour in [Behaviour::BadDiscriminant, Behaviour::InvalidUtf8] {
        let err = h.decide_with(behaviour);
        assert!(matches!(err, PolicyError::BadOutput { .. }), "{err:?}");
    }
}

#[test]
fn a_module_refusing_an_application_says_why() {
    let h = Harness::new();
    let err = h.decide_with(Behaviour::RefusesUnsupported(
        "35kV 以上不在本模块范围".into(),
    ));
    match err {
        PolicyError::Refused { kind, message, .. } => {
            assert_eq!(kind, "unsupported");
            assert_eq!(message, "35kV 以上不在本模块范围");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_module_built_for_another_contract_major_is_refused_naming_the_supported_versions() {
    let h = Harness::new();
    // 1.0.0, 2.0.0 and 3.0.0: older contracts (one evaluation per call; whole drafts with string
    // ids; parameters as a list of records; requests without important, dual supply or existing
    // capacity); 4.0.0: describe() without declared parameters and aspects; 6.0.0: a future one.
    for contract in ["1.0.0", "2.0.0", "3.0.0", "4.0.0", "6.0.0"] {
        let dir = tempfile::tempdir().unwrap();
        let spec = Spec {
            contract: contract.into(),
            ..Spec::new("other", Behaviour::Returns(Draft::low_voltage_three_zero()))
        };
        let err = load(&h.host, dir.path(), &spec).expect_err("another major is refused");
        assert!(
            matches!(err, PolicyError::ContractMismatch { ref found, .. } if found.starts_with(contract)),
            "{err:?}"
        );
        assert!(err.to_string().contains("supports 5.x"), "{err}");
    }
    h.still_works();
}

#[test]
fn a_3x_module_is_refused_with_the_way_to_rebuild_it() {
    let h = Harness::new();
    let dir = tempfile::tempdir().unwrap();
    let spec = Spec {
        contract: "3.0.0".into(),
        ..Spec::new(
            "jn-old",
            Behaviour::Returns(Draft::low_voltage_three_zero()),
        )
    };
    let err = load(&h.host, dir.path(), &spec).expect_err("a 3.x module is refused");
    let msg = err.to_string();
    assert!(
        msg.starts_with("policy module jn-old 0.1.0: built for contract 3.0.0"),
        "{msg}"
    );
    assert!(
        msg.contains("rebuild the module against SDK 5")
            && msg.contains("with `powerdesk policy build"),
        "{msg}"
    );
}

#[test]
fn a_batch_gets_one_result_per_evaluation_in_order() {
    let h = Harness::new();
    let batch: Vec<_> = [Voltage::V380, Voltage::V220, Voltage::V380]
        .into_iter()
        .map(evaluation)
        .collect();
    let results = h.host.decide(&h.good, &[], &TEXTS, &batch).unwrap();
    assert_eq!(results.len(), 3);
    for r in results {
        assert_eq!(r.unwrap().rules, vec![0]);
    }
    let refuser = {
        let dir = tempfile::tempdir().unwrap();
        let m = load(
            &h.host,
            dir.path(),
            &Spec::new("refuser", Behaviour::RefusesUnsupported("不支持".into())),
        )
        .unwrap();
        (dir, m)
    };
    let results = h.host.decide(&refuser.1, &[], &TEXTS, &batch).unwrap();
    assert_eq!(
        results.len(),
        3,
        "a refusal is the result of its own evaluation"
    );
    assert!(results
        .iter()
        .all(|r| matches!(r, Err(PolicyError::Refused { kind, .. }) if kind == "unsupported")));
}

#[test]
fn a_module_answering_a_batch_with_the_wrong_number_of_results_is_bad_output() {
    let h = Harness::new();
    let err = h.decide_with(Behaviour::DropsOne);
    assert!(
        matches!(err, PolicyError::BadOutput { ref reason, .. } if reason.contains("0 results for a batch of 1")),
        "{err:?}"
    );
}

#[test]
fn a_module_describing_another_contract_is_refused() {
    let h = Harness::new();
    let dir = tempfile::tempdir().unwrap();
    // Exports the 5.0.0 interface but says describe().contract = "3.1.0".
    let mut spec = Spec::new("liar", Behaviour::Returns(Draft::low_voltage_three_zero()));
    spec.contract = "5.0.0".into();
    let bytes = rule_modules::build(&spec);
    let patched = replace_bytes(&bytes, b"5.0.0", b"3.1.0");
    std::fs::write(dir.path().join("liar.wasm"), &patched).unwrap();
    let err = h
        .host
        .load(&ModuleSpec {
            name: "liar".into(),
            version: "0.1.0".into(),
            file: dir.path().join("liar.wasm"),
            expected_digest: None,
        })
        .expect_err("describe().contract 3.1.0 is refused");
    assert!(
        matches!(err, PolicyError::ContractMismatch { ref found, .. } if found.contains("describe")),
        "{err:?}"
    );
    h.still_works();
}

/// Replace describe()'s contract, which follows the version in the module's data segment.
fn replace_bytes(bytes: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let needle = [b"0.1.0".as_slice(), from].concat();
    let at = bytes
        .windows(needle.len())
        .position(|w| w == needle)
        .expect("describe data in the module");
    let mut out = bytes.to_vec();
    out[at + 5..at + 5 + to.len()].copy_from_slice(to);
    out
}

#[test]
fn a_module_whose_decide_differs_from_the_contract_is_refused_at_load() {
    let h = Harness::new();
    let dir = tempfile::tempdir().unwrap();
    // Says 5.0.0, but cites rules as u32 (the contract: u16): the same core signature, another
    // component type. The host checks `decide` once at load and calls it unchecked afterwards.
    let spec = Spec {
        wit_edit: Some(("rules: list<u16>,", "rules: list<u32>,")),
        ..Spec::new("wide", Behaviour::Returns(Draft::low_voltage_three_zero()))
    };
    let err = load(&h.host, dir.path(), &spec).expect_err("another decide is refused");
    assert!(
        matches!(err, PolicyError::ContractMismatch { ref found, .. } if found.contains("`decide` does not have the contract's signature")),
        "{err:?}"
    );
    assert!(err.to_string().contains("wide"), "{err}");
    h.still_works();
}

#[test]
fn a_module_that_imports_anything_is_refused_naming_the_import() {
    let h = Harness::new();
    let dir = tempfile::tempdir().unwrap();
    let spec = Spec {
        imports_clock: true,
        ..Spec::new(
            "clocky",
            Behaviour::Returns(Draft::low_voltage_three_zero()),
        )
    };
    let err = load(&h.host, dir.path(), &spec).expect_err("imports are refused");
    assert!(
        matches!(err, PolicyError::ForbiddenImport { ref import, .. } if import == "now"),
        "{err:?}"
    );
    h.still_works();
}

#[test]
fn a_tampered_module_file_fails_its_digest() {
    let h = Harness::new();
    let dir = tempfile::tempdir().unwrap();
    let spec = Spec::new(
        "tampered",
        Behaviour::Returns(Draft::low_voltage_three_zero()),
    );
    let sha = rule_modules::write(dir.path(), "tampered.wasm", &spec);
    let path = dir.path().join("tampered.wasm");
    let mut bytes = std::fs::read(&path).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0x01;
    std::fs::write(&path, &bytes).unwrap();
    let err = h
        .host
        .load(&ModuleSpec {
            name: "tampered".into(),
            version: "0.1.0".into(),
            file: path,
            expected_digest: Some(sha.clone()),
        })
        .expect_err("tampering is detected");
    match &err {
        PolicyError::DigestMismatch {
            expected, actual, ..
        } => {
            assert_eq!(expected, &format!("sha256:{sha}"));
            assert_ne!(actual, expected);
        }
        other => panic!("{other:?}"),
    }
    h.still_works();
}

#[test]
fn an_oversized_module_file_is_refused_before_compiling() {
    let h = Harness::with_limits(SandboxLimits {
        max_module_bytes: 64 << 10,
        ..SandboxLimits::default()
    });
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge.wasm");
    // Not even a valid module: the size check comes first.
    std::fs::write(&path, vec![0u8; 65 << 10]).unwrap();
    let err = h
        .host
        .load(&ModuleSpec {
            name: "huge".into(),
            version: "0.1.0".into(),
            file: path,
            expected_digest: None,
        })
        .expect_err("too large");
    assert!(
        matches!(err, PolicyError::TooLarge { size, limit, .. } if size == 65 << 10 && limit == 64 << 10),
        "{err:?}"
    );
    h.still_works();
}

#[test]
fn a_deeply_nested_module_is_refused_before_compiling_naming_the_bound() {
    let h = Harness::new();
    let bound = SandboxLimits::default().compile.max_nesting as usize;
    let dir = tempfile::tempdir().unwrap();
    // Just within the bound: compiles and loads.
    load(
        &h.host,
        dir.path(),
        &Spec::new("deep", Behaviour::NestsBlocks(bound)),
    )
    .expect("nesting at the bound loads");
    let err = load(
        &h.host,
        dir.path(),
        &Spec::new("deeper", Behaviour::NestsBlocks(bound + 1)),
    )
    .expect_err("nesting past the bound is refused");
    match &err {
        PolicyError::Compile {
            module, message, ..
        } => {
            assert_eq!(module, "deeper");
            assert!(
                message.starts_with("refused before compiling")
                    && message.contains(&format!("more than {bound} deep")),
                "{message}"
            );
        }
        other => panic!("{other:?}"),
    }
    h.still_works();
}

#[test]
fn a_core_module_or_garbage_is_a_compile_error() {
    let h = Harness::new();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("core.wasm");
    std::fs::write(&path, wat::parse_str("(module)").unwrap()).unwrap();
    let err = h
        .host
        .load(&ModuleSpec {
            name: "core".into(),
            version: "0.1.0".into(),
            file: path,
            expected_digest: None,
        })
        .expect_err("a core module is not a rule component");
    assert!(matches!(err, PolicyError::Compile { .. }), "{err:?}");
    h.still_works();
}

#[test]
fn a_sandbox_has_no_state_across_evaluations() {
    // Two evaluations of the same module give the same answer: each runs in a fresh instance.
    let h = Harness::new();
    let a = decide_one(&h.host, &h.good, Voltage::V380).unwrap();
    let b = decide_one(&h.host, &h.good, Voltage::V380).unwrap();
    assert_eq!(format!("{a:?}"), format!("{b:?}"));
    // A module that traps when it finds the marks an earlier call left in its memory (in the
    // data image and past it) or in a global: every call, single or batch, finds none, however
    // the host recycles instance slots.
    let dir = tempfile::tempdir().unwrap();
    let spec = Spec::new(
        "remembers",
        Behaviour::RemembersCalls(Draft::low_voltage_three_zero()),
    );
    let m = load(&h.host, dir.path(), &spec).unwrap();
    for round in 0..20 {
        decide_one(&h.host, &m, Voltage::V380)
            .unwrap_or_else(|e| panic!("call {round} saw an earlier call's state: {e}"));
    }
    let batch: Vec<_> = [Voltage::V380, Voltage::V220]
        .into_iter()
        .map(evaluation)
        .collect();
    for _ in 0..3 {
        let results = h.host.decide(&m, &[], &TEXTS, &batch).unwrap();
        assert!(results.iter().all(Result::is_ok));
    }
}

#[test]
fn the_host_keeps_deciding_after_every_fault_in_a_row() {
    let h = Harness::with_limits(SandboxLimits {
        memory_bytes: 4 << 20,
        ..SandboxLimits::default()
    });
    for behaviour in [
        Behaviour::LoopsForever,
        Behaviour::ExhaustsMemory,
        Behaviour::Traps,
        Behaviour::BadDiscriminant,
        Behaviour::InvalidUtf8,
        Behaviour::DropsOne,
    ] {
        h.decide_with(behaviour);
    }
    h.still_works();
    let _ = form(Voltage::Kv10);
}

/// The modules of one bundle evaluation share a store (`PolicyHost::sandboxes`): each call gets
/// a fresh instance and its own fuel, deadline and memory cap, so a fault leaves nothing behind
/// for the next module's call.
#[test]
fn a_fault_in_shared_sandboxes_leaves_the_next_call_its_own_limits() {
    let h = Harness::with_limits(SandboxLimits {
        memory_bytes: 4 << 20,
        ..SandboxLimits::default()
    });
    let dir = tempfile::tempdir().unwrap();
    let mut sandboxes = h.host.sandboxes();
    let one = [evaluation(Voltage::V380)];
    for (n, behaviour) in [
        Behaviour::LoopsForever,
        Behaviour::ExhaustsMemory,
        Behaviour::Traps,
    ]
    .into_iter()
    .enumerate()
    {
        let file = format!("faulty{n}");
        let faulty = load(
            &h.host,
            &dir.path().join(file),
            &Spec::new("faulty", behaviour),
        )
        .expect("the faulty module loads");
        let err = h
            .host
            .decide_in(&mut sandboxes, &faulty, &[], &TEXTS, &one)
            .expect_err("the fault is reported");
        assert!(
            matches!(
                err,
                PolicyError::OutOfFuel { .. }
                    | PolicyError::MemoryLimit { .. }
                    | PolicyError::Trap { .. }
            ),
            "{err:?}"
        );
        let part = h
            .host
            .decide_in(&mut sandboxes, &h.good, &[], &TEXTS, &one)
            .expect("the next call in the same sandboxes decides")
            .pop()
            .unwrap()
            .expect("decided");
        assert_eq!(part.rules, vec![0]);
    }
}

mod bundles {
    //! Faults that only a whole bundle can see: contradictions with the request, parts no module
    //! decided, rule ids a module never declared; and a bad bundle never replaces a good one.

    use super::*;
    use powerdesk::policy::bundle::{Bundle, BundleError};

    /// Write a bundle of one module to `dir`.
    fn write_bundle(dir: &Path, draft: Draft) {
        write_bundle_with(dir, Behaviour::Returns(draft))
    }

    fn write_bundle_with(dir: &Path, behaviour: Behaviour) {
        let spec = Spec::new("t-module", behaviour);
        let sha = rule_modules::write(dir, "modules/t-module.wasm", &spec);
        std::fs::create_dir_all(dir.join("calendar")).unwrap();
        std::fs::copy(
            "policies/jining/calendar/2026.toml",
            dir.join("calendar/2026.toml"),
        )
        .unwrap();
        std::fs::write(
            dir.join("bundle.toml"),
            format!(
                r#"[bundle]
region = "test"
name = "测试政策包"
version = "1"
effective = 2026-01-01
contract = "5"
calendar = ["calendar/2026.toml"]

[parameters]
lv_max_kw = 160

[[modules]]
name = "t-module"
file = "modules/t-module.wasm"
sha256 = "{sha}"
"#
            ),
        )
        .unwrap();
    }

    fn bundle_of(draft: Draft) -> (tempfile::TempDir, Bundle) {
        bundle_with(Behaviour::Returns(draft))
    }

    fn bundle_with(behaviour: Behaviour) -> (tempfile::TempDir, Bundle) {
        let dir = tempfile::tempdir().unwrap();
        write_bundle_with(dir.path(), behaviour);
        let bundle = Bundle::load(
            &PolicyHost::without_cache(SandboxLimits::default()),
            dir.path(),
        )
        .expect("the bundle loads");
        (dir, bundle)
    }

    fn bad_output(bundle: &Bundle, voltage: Voltage) -> (String, String) {
        let f = form(voltage);
        match bundle.evaluate(&f, f.received_at.date_naive()) {
            Err(PolicyError::BadOutput { module, reason, .. }) => (module, reason),
            other => panic!("expected BadOutput, got {other:?}"),
        }
    }

    #[test]
    fn low_voltage_access_for_a_10kv_request_is_contradictory() {
        let (_d, bundle) = bundle_of(Draft::low_voltage_three_zero());
        assert!(bundle
            .evaluate(
                &form(Voltage::V380),
                form(Voltage::V380).received_at.date_naive()
            )
            .is_ok());
        let (module, reason) = bad_output(&bundle, Voltage::Kv10);
        assert_eq!(module, "t-module");
        assert!(
            reason.contains("low_voltage access for a 10kV request"),
            "{reason}"
        );
    }

    #[test]
    fn three_zero_with_the_customer_paying_is_contradictory() {
        let (_d, bundle) = bundle_of(Draft {
            payer: Some(2),
            ..Draft::low_voltage_three_zero()
        });
        let (_, reason) = bad_output(&bundle, Voltage::V380);
        assert!(reason.contains("three_zero"), "{reason}");
    }

    #[test]
    fn a_part_no_module_decided_is_bad_output_of_the_bundle() {
        let (_d, bundle) = bundle_of(Draft {
            boundary: None,
            ..Draft::low_voltage_three_zero()
        });
        let (module, reason) = bad_output(&bundle, Voltage::V380);
        assert_eq!(module, "bundle test");
        assert!(reason.contains("investment_boundary"), "{reason}");
    }

    #[test]
    fn a_rule_id_the_module_did_not_declare_is_bad_output() {
        let (_d, bundle) = bundle_of(Draft {
            rules: vec![0, 7],
            ..Draft::low_voltage_three_zero()
        });
        let (module, reason) = bad_output(&bundle, Voltage::V380);
        assert_eq!(module, "t-module");
        assert!(
            reason.contains("rule #7") && reason.contains("declares 1 rules (T-LV)"),
            "{reason}"
        );
    }

    #[test]
    fn a_rule_cited_twice_in_one_part_is_bad_output() {
        let (_d, bundle) = bundle_of(Draft {
            rules: vec![0, 0],
            ..Draft::low_voltage_three_zero()
        });
        let (_, reason) = bad_output(&bundle, Voltage::V380);
        assert!(reason.contains("cites rule `T-LV` twice"), "{reason}");
    }

    #[test]
    fn a_part_listing_a_step_twice_is_bad_output() {
        let (_d, bundle) = bundle_of(Draft {
            steps: vec![(5, 0, 0), (5, 1, 0)],
            ..Draft::low_voltage_three_zero()
        });
        let (_, reason) = bad_output(&bundle, Voltage::V380);
        assert!(reason.contains("step `energize` listed twice"), "{reason}");
    }

    #[test]
    fn a_step_longer_than_the_grid_total_is_contradictory() {
        let (_d, bundle) = bundle_of(Draft {
            steps: vec![(5, 5, 0)],
            total: Some(2),
            ..Draft::low_voltage_three_zero()
        });
        let (_, reason) = bad_output(&bundle, Voltage::V380);
        assert!(reason.contains("energize"), "{reason}");
    }

    fn batch_of(voltages: &[Voltage]) -> Vec<ApplicationForm> {
        voltages.iter().map(|v| form(*v)).collect()
    }

    fn evaluate_all(bundle: &Bundle, forms: &[ApplicationForm]) -> Vec<Result<(), PolicyError>> {
        let items: Vec<_> = forms
            .iter()
            .map(|f| (f, f.received_at.date_naive()))
            .collect();
        bundle
            .evaluate_batch(&items)
            .into_iter()
            .map(|r| r.map(|_| ()))
            .collect()
    }

    #[test]
    fn in_a_batch_a_bad_decision_is_charged_to_its_own_application_only() {
        let (_d, bundle) = bundle_of(Draft::low_voltage_three_zero());
        let results = evaluate_all(
            &bundle,
            &batch_of(&[Voltage::V380, Voltage::Kv10, Voltage::V220]),
        );
        assert!(results[0].is_ok(), "{:?}", results[0]);
        assert!(
            matches!(&results[1], Err(PolicyError::BadOutput { reason, .. }) if reason.contains("10kV")),
            "{:?}",
            results[1]
        );
        assert!(results[2].is_ok(), "{:?}", results[2]);
    }

    #[test]
    fn a_module_faulting_on_a_batch_is_quarantined_not_rerun_one_application_at_a_time() {
        // Traps on any batch of more than one, would decide a batch of one: the batch's faults
        // are its own, and the module is not run again (no re-run one by one).
        let (_d, bundle) = bundle_with(Behaviour::TrapsOnBatches(Draft::low_voltage_three_zero()));
        let results = evaluate_all(&bundle, &batch_of(&[Voltage::V380; 5]));
        assert_eq!(results.len(), 5);
        assert!(
            results.iter().all(
                |r| matches!(r, Err(PolicyError::Trap { module, .. }) if module == "t-module")
            ),
            "{results:?}"
        );
        assert!(matches!(
            bundle.quarantined(),
            Some(PolicyError::Trap { .. })
        ));
        // A single decision afterwards is refused at once, naming the earlier fault.
        let f = form(Voltage::V380);
        let err = bundle.evaluate(&f, f.received_at.date_naive()).unwrap_err();
        assert!(
            matches!(&err, PolicyError::Quarantined { module, fault, .. } if module == "t-module" && fault.contains("trapped")),
            "{err:?}"
        );
        assert!(err.to_string().contains("quarantined"), "{err}");
    }

    #[test]
    fn a_looping_module_over_256_applications_costs_one_capped_budget_then_is_quarantined() {
        let limits = SandboxLimits::default();
        let (_d, bundle) = bundle_with(Behaviour::LoopsForever);
        let forms = batch_of(&[Voltage::V380; 256]);
        let results = evaluate_all(&bundle, &forms);
        assert_eq!(results.len(), 256);
        // One call for the whole batch, with the capped budget (not 256 × the fuel of one).
        let capped = limits.fuel * limits.batch_cap;
        assert_eq!(limits.call_fuel(256), capped);
        assert!(limits.batch_cap < 256);
        for r in &results {
            assert!(
                matches!(r, Err(PolicyError::OutOfFuel { budget, .. }) if *budget == capped),
                "{r:?}"
            );
        }
        assert!(bundle.quarantined().is_some());
        // The next batch does not run the module at all.
        let results = evaluate_all(&bundle, &forms);
        assert!(
            results
                .iter()
                .all(|r| matches!(r, Err(PolicyError::Quarantined { .. }))),
            "{:?}",
            results[0]
        );
    }

    #[test]
    fn a_decide_error_names_the_module_once() {
        use powerdesk::domain::ports::Decider;
        let (_d, bundle) = bundle_with(Behaviour::Traps);
        let f = form(Voltage::V380);
        let msg = Decider::decide(&bundle, &f, f.received_at.date_naive())
            .unwrap_err()
            .to_string();
        assert!(
            msg.starts_with("policy module t-module 0.1.0: trapped"),
            "{msg}"
        );
        assert_eq!(msg.matches("policy module").count(), 1, "{msg}");
    }

    #[test]
    fn a_demo_load_under_a_looping_module_stops_with_the_fault_after_one_call() {
        use powerdesk::service::{demo, Desk, DeskError};
        use std::sync::Arc;
        let (_d, bundle) = bundle_with(Behaviour::LoopsForever);
        let bundle = Arc::new(bundle);
        let store_dir = tempfile::tempdir().unwrap();
        let store = Arc::new(powerdesk::store::SledStore::open(store_dir.path()).unwrap());
        let desk = Desk::new(store, Arc::new(powerdesk::cli::bundled_calendar().unwrap()))
            .with_decider(bundle.clone());
        let err = demo::generate(&desk, 600, 1).expect_err("the demo stops");
        let limits = SandboxLimits::default();
        match &err {
            DeskError::Decide(e) => {
                assert_eq!(e.module, "t-module");
                assert!(
                    e.cause.contains("ran out of fuel")
                        && e.cause
                            .contains(&format!("budget {} units", limits.call_fuel(256))),
                    "{e}"
                );
            }
            other => panic!("{other:?}"),
        }
        // Stopped on its first batch: the module ran once and is quarantined.
        assert!(matches!(
            bundle.quarantined(),
            Some(PolicyError::OutOfFuel { .. })
        ));
    }

    #[test]
    fn a_fault_on_a_single_decision_does_not_quarantine() {
        let (_d, bundle) = bundle_with(Behaviour::Traps);
        let f = form(Voltage::V380);
        for _ in 0..2 {
            let err = bundle.evaluate(&f, f.received_at.date_naive()).unwrap_err();
            assert!(matches!(err, PolicyError::Trap { .. }), "{err:?}");
        }
        assert!(bundle.quarantined().is_none());
    }

    /// Write a bundle of `n` fixture modules, each deciding everything under a rule id of its own.
    fn write_bundle_of_modules(dir: &Path, n: usize) {
        std::fs::create_dir_all(dir.join("calendar")).unwrap();
        std::fs::copy(
            "policies/jining/calendar/2026.toml",
            dir.join("calendar/2026.toml"),
        )
        .unwrap();
        let mut toml = String::from(
            "[bundle]\nregion = \"test\"\nname = \"测试政策包\"\nversion = \"1\"\neffective = 2026-01-01\ncontract = \"5\"\ncalendar = [\"calendar/2026.toml\"]\n\n[parameters]\nlv_max_kw = 160\n",
        );
        for i in 0..n {
            let name = format!("m{i}");
            let spec = Spec {
                rules: vec![(format!("T{i}-LV"), format!("测试规则 {i}"))],
                ..Spec::new(&name, Behaviour::Returns(Draft::low_voltage_three_zero()))
            };
            let file = format!("modules/{name}.wasm");
            let sha = rule_modules::write(dir, &file, &spec);
            toml.push_str(&format!(
                "\n[[modules]]\nname = \"{name}\"\nfile = \"{file}\"\nsha256 = \"{sha}\"\n"
            ));
        }
        std::fs::write(dir.join("bundle.toml"), toml).unwrap();
    }

    /// Write a bundle of `modules` (name in bundle.toml, spec) with extra `[parameters]` lines.
    fn write_bundle_from(dir: &Path, modules: &[(&str, Spec)], parameters: &str) {
        std::fs::create_dir_all(dir.join("calendar")).unwrap();
        std::fs::copy(
            "policies/jining/calendar/2026.toml",
            dir.join("calendar/2026.toml"),
        )
        .unwrap();
        let mut toml = format!(
            "[bundle]\nregion = \"test\"\nname = \"测试政策包\"\nversion = \"1\"\neffective = 2026-01-01\ncontract = \"5\"\ncalendar = [\"calendar/2026.toml\"]\n\n[parameters]\nlv_max_kw = 160\n{parameters}\n"
        );
        for (name, spec) in modules {
            let file = format!("modules/{name}.wasm");
            let sha = rule_modules::write(dir, &file, spec);
            toml.push_str(&format!(
                "\n[[modules]]\nname = \"{name}\"\nfile = \"{file}\"\nsha256 = \"{sha}\"\n"
            ));
        }
        std::fs::write(dir.join("bundle.toml"), toml).unwrap();
    }

    fn load_dir(dir: &Path) -> Result<Bundle, BundleError> {
        Bundle::load(&PolicyHost::without_cache(SandboxLimits::default()), dir)
    }

    #[test]
    fn errors_name_the_module_as_the_bundle_does_not_as_it_calls_itself() {
        let dir = tempfile::tempdir().unwrap();
        let impostor = Spec::new("jn-access", Behaviour::Traps);
        write_bundle_from(dir.path(), &[("t-module", impostor)], "");
        let bundle = load_dir(dir.path()).unwrap();
        assert_eq!(bundle.modules()[0].name, "t-module");
        assert_eq!(bundle.modules()[0].described_name, "jn-access");
        let f = form(Voltage::V380);
        let err = bundle.evaluate(&f, f.received_at.date_naive()).unwrap_err();
        assert!(
            matches!(&err, PolicyError::Trap { module, .. } if module == "t-module"),
            "{err:?}"
        );
        assert!(!err.to_string().contains("jn-access"), "{err}");
    }

    #[test]
    fn a_module_may_not_declare_another_modules_rule_id() {
        let dir = tempfile::tempdir().unwrap();
        let first = Spec::new("a", Behaviour::Returns(Draft::low_voltage_three_zero()));
        let second = Spec::new("b", Behaviour::Returns(Draft::low_voltage_three_zero()));
        write_bundle_from(dir.path(), &[("first", first), ("second", second)], "");
        let err = load_dir(dir.path()).unwrap_err().to_string();
        assert!(
            err.starts_with("policy module second 0.1.0:")
                && err.contains("rule id `T-LV`, which module first declares too"),
            "{err}"
        );
    }

    #[test]
    fn oversized_parameters_are_the_bundles_error_not_a_module_fault() {
        let dir = tempfile::tempdir().unwrap();
        let spec = Spec::new(
            "t-module",
            Behaviour::Returns(Draft::low_voltage_three_zero()),
        );
        let huge = format!(
            "huge = \"{}\"",
            "x".repeat(powerdesk::policy::bundle::MAX_PARAMS_BYTES)
        );
        write_bundle_from(dir.path(), &[("t-module", spec)], &huge);
        let err = load_dir(dir.path()).unwrap_err();
        assert!(matches!(err, BundleError::Manifest(_)), "{err:?}");
        let msg = err.to_string();
        assert!(
            msg.contains("bundle.toml: parameters:") && msg.contains("more than the limit"),
            "{msg}"
        );
    }

    #[test]
    fn module_text_is_checked_at_load_and_refusals_are_escaped_and_bounded() {
        let dir = tempfile::tempdir().unwrap();
        let spec = Spec {
            rules: vec![("T-LV".into(), "清屏\u{1b}[2J规则".into())],
            ..Spec::new(
                "t-module",
                Behaviour::Returns(Draft::low_voltage_three_zero()),
            )
        };
        write_bundle_from(dir.path(), &[("t-module", spec)], "");
        let err = load_dir(dir.path()).unwrap_err().to_string();
        assert!(
            err.contains("the text of rule `T-LV`")
                && err.contains("\\u{1b}")
                && !err.contains('\u{1b}'),
            "{err}"
        );
        let dir = tempfile::tempdir().unwrap();
        let message = format!("\u{1b}]0;owned\u{7}{}", "长".repeat(2_000));
        let spec = Spec::new("t-module", Behaviour::RefusesUnsupported(message));
        write_bundle_from(dir.path(), &[("t-module", spec)], "");
        let bundle = load_dir(dir.path()).unwrap();
        let f = form(Voltage::V380);
        match bundle.evaluate(&f, f.received_at.date_naive()).unwrap_err() {
            PolicyError::Refused { message, .. } => {
                assert!(!message.chars().any(char::is_control), "{message:?}");
                assert!(message.starts_with("\\u{1b}]0;owned\\u{7}"), "{message}");
                assert!(message.chars().count() <= powerdesk::policy::host::MAX_REFUSAL_CHARS + 1);
                assert!(message.ends_with('…'));
            }
            other => panic!("{other:?}"),
        }
    }

    /// A 10 kV decision of `draft`'s kind: no programs, property boundary, the customer pays.
    fn hv_draft() -> Draft {
        Draft {
            access_class: Some(1),
            access_voltage: Some(2),
            programs: vec![],
            boundary: Some(2),
            payer: Some(2),
            steps: vec![(0, 2, 0)],
            total: Some(7),
            tariff: Some(0.011),
            efficiency: Some(false),
            rules: vec![0],
        }
    }

    #[test]
    fn absurd_parts_are_refused_naming_the_maximum() {
        let cases: [(Voltage, Draft, &str); 5] = [
            (
                Voltage::V380,
                Draft {
                    steps: vec![(5, 400, 0)],
                    total: None,
                    ..Draft::low_voltage_three_zero()
                },
                "limit of 400 working days is above the maximum of 365",
            ),
            (
                Voltage::V380,
                Draft {
                    total: Some(1000),
                    ..Draft::low_voltage_three_zero()
                },
                "grid total of 1000 working days is above the maximum of 365",
            ),
            (
                Voltage::V380,
                Draft {
                    tariff: Some(0.5),
                    ..Draft::low_voltage_three_zero()
                },
                "tariff cut 0.5 yuan/kWh is outside 0..=0.1",
            ),
            (
                Voltage::Kv10,
                Draft {
                    access_class: Some(2),
                    access_voltage: Some(4),
                    ..hv_draft()
                },
                "access at 110kV for a 10kV request",
            ),
            (
                Voltage::Kv10,
                Draft {
                    access_voltage: Some(1),
                    access_class: Some(0),
                    ..hv_draft()
                },
                "low_voltage access for a 10kV request",
            ),
        ];
        for (voltage, draft, expected) in cases {
            let (_d, bundle) = bundle_of(draft);
            let (module, reason) = bad_output(&bundle, voltage);
            assert_eq!(module, "t-module");
            assert!(reason.contains(expected), "{reason}");
        }
        let (_d, bundle) = bundle_of(hv_draft());
        let f = form(Voltage::Kv10);
        bundle
            .evaluate(&f, f.received_at.date_naive())
            .expect("a sound 10 kV decision passes");
    }

    #[test]
    fn a_tariff_cut_above_the_bundles_own_largest_cut_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let spec = Spec::new(
            "t-module",
            Behaviour::Returns(Draft {
                tariff: Some(0.05),
                ..hv_draft()
            }),
        );
        write_bundle_from(
            dir.path(),
            &[("t-module", spec)],
            "tariff_cut_10kV = 0.011\ntariff_cut_35kV = 0.015",
        );
        let bundle = load_dir(dir.path()).unwrap();
        let (_, reason) = bad_output(&bundle, Voltage::Kv10);
        assert!(reason.contains("outside 0..=0.015"), "{reason}");
    }

    #[test]
    fn merge_invariants_hold_and_the_module_that_broke_one_is_named() {
        for (draft, expected) in [
            (
                Draft {
                    programs: vec![1],
                    boundary: Some(0),
                    payer: Some(0),
                    ..hv_draft()
                },
                "three_save extends the utility's investment to the planning red line",
            ),
            (
                Draft {
                    boundary: Some(2),
                    ..Draft::low_voltage_three_zero()
                },
                "three_zero (zero investment) puts the boundary at the meter",
            ),
            (
                Draft {
                    payer: Some(0),
                    ..hv_draft()
                },
                "boundary property_boundary with the external line paid by utility",
            ),
        ] {
            let voltage = if draft.access_class == Some(0) {
                Voltage::V380
            } else {
                Voltage::Kv10
            };
            let (_d, bundle) = bundle_of(draft);
            let (_, reason) = bad_output(&bundle, voltage);
            assert!(reason.contains(expected), "{reason}");
        }
        // The first module decides a sound 10 kV decision; the second adds 三省 only, which
        // contradicts the first's boundary: the second is named.
        let dir = tempfile::tempdir().unwrap();
        let access = Spec {
            rules: vec![("T-ACCESS".into(), "接入".into())],
            ..Spec::new("access", Behaviour::Returns(hv_draft()))
        };
        let cost = Spec {
            rules: vec![("T-3SAVE".into(), "三省".into())],
            ..Spec::new(
                "cost",
                Behaviour::Returns(Draft {
                    programs: vec![1],
                    rules: vec![0],
                    ..Draft::default()
                }),
            )
        };
        write_bundle_from(dir.path(), &[("access", access), ("cost", cost)], "");
        let bundle = load_dir(dir.path()).unwrap();
        let (module, reason) = bad_output(&bundle, Voltage::Kv10);
        assert_eq!(module, "cost");
        assert!(reason.contains("three_save"), "{reason}");
    }

    #[test]
    fn a_bundle_of_six_modules_decides_singly_in_batches_and_in_the_probe() {
        let dir = tempfile::tempdir().unwrap();
        write_bundle_of_modules(dir.path(), 6);
        let bundle = Bundle::load(
            &PolicyHost::without_cache(SandboxLimits::default()),
            dir.path(),
        )
        .expect("six modules load");
        let f = form(Voltage::V380);
        let d = bundle
            .evaluate(&f, f.received_at.date_naive())
            .expect("six modules decide one application");
        assert_eq!(d.rules.len(), 6, "{:?}", d.rules);
        let results = evaluate_all(&bundle, &batch_of(&[Voltage::V380; 40]));
        assert!(results.iter().all(Result::is_ok), "{:?}", results[0]);
        // policy check's probe decides its sample as decisions are made (all modules, batched
        // and alone).
        powerdesk::policy::probe::probe_parameters(&bundle).expect("the probe passes");
    }

    #[test]
    fn the_probe_fails_on_a_module_that_faults() {
        let (_d, bundle) = bundle_with(Behaviour::LoopsForever);
        let err = powerdesk::policy::probe::probe_parameters(&bundle).unwrap_err();
        assert!(matches!(err, PolicyError::OutOfFuel { .. }), "{err:?}");
    }

    #[test]
    fn batches_larger_than_one_call_are_split_and_answered_in_order() {
        let (_d, bundle) = bundle_of(Draft::low_voltage_three_zero());
        let n = powerdesk::policy::bundle::MAX_BATCH * 2 + 3;
        let mut voltages = vec![Voltage::V380; n];
        voltages[n - 2] = Voltage::Kv10; // in the last, partial call
        let results = evaluate_all(&bundle, &batch_of(&voltages));
        assert_eq!(results.len(), n);
        for (i, r) in results.iter().enumerate() {
            assert_eq!(r.is_ok(), i != n - 2, "item {i}: {r:?}");
        }
    }

    #[test]
    fn a_good_bundle_decides_with_its_bundle_ref() {
        let (_d, bundle) = bundle_of(Draft::low_voltage_three_zero());
        let f = form(Voltage::V380);
        let d = bundle.evaluate(&f, f.received_at.date_naive()).unwrap();
        assert_eq!(d.bundle.region, "test");
        assert!(d.bundle.digest.starts_with("sha256:"));
        assert_eq!(d.rules, vec!["T-LV".to_string()]);
        assert_eq!(bundle.module_table()[0].rules[0].text, "测试规则：低压三零");
    }

    #[test]
    fn a_tampered_bundle_is_refused_and_the_good_one_keeps_deciding() {
        let (_d, good) = bundle_of(Draft::low_voltage_three_zero());
        let bad = tempfile::tempdir().unwrap();
        write_bundle(bad.path(), Draft::low_voltage_three_zero());
        let wasm = bad.path().join("modules/t-module.wasm");
        let mut bytes = std::fs::read(&wasm).unwrap();
        bytes.push(0);
        std::fs::write(&wasm, bytes).unwrap();
        let err = Bundle::load(
            &PolicyHost::without_cache(SandboxLimits::default()),
            bad.path(),
        )
        .unwrap_err();
        assert!(
            matches!(err, BundleError::Module(PolicyError::DigestMismatch { .. })),
            "{err:?}"
        );
        let f = form(Voltage::V380);
        assert!(good.evaluate(&f, f.received_at.date_naive()).is_ok());
    }
}

mod special_files {
    //! A bundle's files are read only if regular, and only up to a bound: a FIFO would block
    //! forever, /dev/zero would fill memory. Both are refused at once, naming the file.

    use super::*;
    use powerdesk::policy::bundle::{Bundle, BundleError};

    fn mkfifo(path: &Path) {
        let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0, "mkfifo");
    }

    fn good_bundle(dir: &Path) {
        let spec = Spec::new(
            "t-module",
            Behaviour::Returns(Draft::low_voltage_three_zero()),
        );
        let sha = rule_modules::write(dir, "modules/t-module.wasm", &spec);
        std::fs::create_dir_all(dir.join("calendar")).unwrap();
        std::fs::copy(
            "policies/jining/calendar/2026.toml",
            dir.join("calendar/2026.toml"),
        )
        .unwrap();
        std::fs::write(
            dir.join("bundle.toml"),
            format!(
                "[bundle]\nregion = \"test\"\nname = \"测试\"\nversion = \"1\"\neffective = 2026-01-01\ncontract = \"5\"\ncalendar = [\"calendar/2026.toml\"]\n\n[[modules]]\nname = \"t-module\"\nfile = \"modules/t-module.wasm\"\nsha256 = \"{sha}\"\n"
            ),
        )
        .unwrap();
    }

    fn load(dir: &Path) -> Result<Bundle, BundleError> {
        Bundle::load(&PolicyHost::without_cache(SandboxLimits::default()), dir)
    }

    #[test]
    fn a_fifo_as_a_module_is_refused_at_once() {
        let h = Harness::new();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("fifo.wasm");
        mkfifo(&path);
        let err = h
            .host
            .load(&ModuleSpec {
                name: "fifo".into(),
                version: "0.1.0".into(),
                file: path,
                expected_digest: None,
            })
            .expect_err("a FIFO is not a module");
        assert!(
            matches!(&err, PolicyError::Io { file, message } if file.ends_with("fifo.wasm") && message.contains("a FIFO")),
            "{err:?}"
        );
        h.still_works();
    }

    #[test]
    fn dev_zero_behind_a_symlink_is_refused_as_a_module_and_as_a_calendar() {
        let h = Harness::new();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("zero.wasm");
        std::os::unix::fs::symlink("/dev/zero", &path).unwrap();
        let err = h
            .host
            .load(&ModuleSpec {
                name: "zero".into(),
                version: "0.1.0".into(),
                file: path,
                expected_digest: None,
            })
            .expect_err("/dev/zero is not a module");
        assert!(
            err.to_string()
                .contains("a character device, not a regular file"),
            "{err}"
        );

        let bundle = tempfile::tempdir().unwrap();
        good_bundle(bundle.path());
        load(bundle.path()).expect("the good bundle loads");
        let calendar = bundle.path().join("calendar/2026.toml");
        std::fs::remove_file(&calendar).unwrap();
        std::os::unix::fs::symlink("/dev/zero", &calendar).unwrap();
        let err = load(bundle.path()).expect_err("/dev/zero is not a calendar");
        let msg = err.to_string();
        assert!(
            msg.contains("2026.toml") && msg.contains("a character device"),
            "{msg}"
        );
    }

    #[test]
    fn a_fifo_as_bundle_toml_or_module_file_of_a_bundle_is_refused_at_once() {
        let bundle = tempfile::tempdir().unwrap();
        good_bundle(bundle.path());
        let wasm = bundle.path().join("modules/t-module.wasm");
        std::fs::remove_file(&wasm).unwrap();
        mkfifo(&wasm);
        let err = load(bundle.path()).expect_err("a FIFO module");
        assert!(err.to_string().contains("a FIFO"), "{err}");
        let manifest = bundle.path().join("bundle.toml");
        std::fs::remove_file(&manifest).unwrap();
        mkfifo(&manifest);
        let err = load(bundle.path()).expect_err("a FIFO manifest");
        let msg = err.to_string();
        assert!(
            msg.contains("bundle.toml") && msg.contains("a FIFO"),
            "{msg}"
        );
    }
}

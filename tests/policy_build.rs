//! `policy build` turns module sources into components, records their digests in bundle.toml and
//! the bundle digest follows every edit; a module file that does not match its digest is refused.

use std::path::{Path, PathBuf};

use powerdesk::policy::build::{build_bundle, BuildError, BuildOptions};
use powerdesk::policy::manifest::{sha256_hex, Manifest, ManifestError};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Copy the committed bundle of `region` into `tmp/policies/<region>` with stand-in calendar
/// files and absolute module sources; returns the copy's directory.
fn copy_bundle(region: &str, tmp: &Path) -> PathBuf {
    let src = repo().join("policies").join(region);
    let dst = tmp.join("policies").join(region);
    std::fs::create_dir_all(dst.join("modules")).unwrap();
    let plugins = repo().join("plugins").join("modules");
    let text = std::fs::read_to_string(src.join("bundle.toml"))
        .unwrap()
        .replace(
            "source = \"../../plugins/modules",
            &format!("source = \"{}", plugins.display()),
        );
    std::fs::write(dst.join("bundle.toml"), text).unwrap();
    for e in std::fs::read_dir(src.join("modules")).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), dst.join("modules").join(e.file_name())).unwrap();
    }
    let cal = dst.join("calendar");
    std::fs::create_dir_all(&cal).unwrap();
    for year in 2021..=2026 {
        std::fs::write(
            cal.join(format!("{year}.toml")),
            format!("# stand-in calendar {year}\nyear = {year}\n"),
        )
        .unwrap();
    }
    dst
}

fn options() -> BuildOptions {
    // Share the test build's target dir so the module builds reuse compiled dependencies.
    BuildOptions {
        target_dir: std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from),
        offline: false,
    }
}

#[test]
fn building_from_source_writes_components_and_their_digests() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = copy_bundle("jining", tmp.path());
    // Start from nothing: no components, no digests.
    std::fs::remove_dir_all(dir.join("modules")).unwrap();
    let text = std::fs::read_to_string(dir.join("bundle.toml")).unwrap();
    let blank: String = text
        .lines()
        .map(|l| {
            if l.starts_with("sha256 = ") {
                "sha256 = \"\""
            } else {
                l
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(dir.join("bundle.toml"), blank + "\n").unwrap();

    let report = build_bundle(&dir, &options()).unwrap();

    let m = Manifest::load(&dir).unwrap();
    assert_eq!(report.modules.len(), 2);
    for (built, entry) in report.modules.iter().zip(&m.modules) {
        assert_eq!(built.name, entry.name);
        assert_eq!(
            built.sha256, entry.sha256,
            "bundle.toml records the built digest"
        );
        let bytes = std::fs::read(dir.join(&entry.file)).unwrap();
        assert_eq!(sha256_hex(&bytes), entry.sha256);
        assert!(bytes.starts_with(b"\0asm"), "a WebAssembly file");
        assert!(
            built.size < 200_000,
            "{} is {} bytes",
            built.name,
            built.size
        );
    }
    m.verify_modules().unwrap();
    assert_eq!(report.digest, m.digest().unwrap());
    // Comments survive the rewrite.
    let after = std::fs::read_to_string(dir.join("bundle.toml")).unwrap();
    assert!(after.contains("# JN-LV-160: 低压接入容量 160 kW"));

    // The committed components are what the sources build to (reproducible build).
    let shipped = Manifest::load(&repo().join("policies").join("jining")).unwrap();
    for (a, b) in shipped.modules.iter().zip(&m.modules) {
        assert_eq!(a.sha256, b.sha256, "policies/jining/{} is not what its source builds to; run `powerdesk policy build policies/jining`", a.file);
    }
}

#[test]
fn the_built_component_runs_in_wasmtime_and_describes_itself() {
    use wasmtime::component::{Component, Linker, Val};
    let bytes = std::fs::read(repo().join("policies/jining/modules/jn-access.wasm")).unwrap();
    let engine = wasmtime::Engine::default();
    let component = Component::new(&engine, &bytes).unwrap();
    let mut store = wasmtime::Store::new(&engine, ());
    // The module imports nothing: an empty linker instantiates it.
    let instance = Linker::new(&engine)
        .instantiate(&mut store, &component)
        .unwrap();
    let rules = instance
        .get_export_index(&mut store, None, "powerdesk:policy/rules@5.0.0")
        .expect("exports the rules interface");
    let describe = instance
        .get_export_index(&mut store, Some(&rules), "describe")
        .unwrap();
    let describe = instance.get_func(&mut store, describe).unwrap();
    let mut out = [Val::Bool(false)];
    describe.call(&mut store, &[], &mut out).unwrap();
    let Val::Record(fields) = &out[0] else {
        panic!("describe returned {:?}", out[0])
    };
    let field = |name: &str| {
        fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .unwrap()
    };
    assert_eq!(field("name"), Val::String("jn-access".into()));
    assert_eq!(field("contract"), Val::String("5.0.0".into()));
    let Val::List(rules) = field("rules") else {
        panic!()
    };
    assert_eq!(rules.len(), 7);
}

#[test]
fn a_tampered_module_is_refused_naming_the_file_and_both_digests() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = copy_bundle("jining", tmp.path());
    let m = Manifest::load(&dir).unwrap();
    m.verify_modules().unwrap();
    let path = dir.join("modules/jn-cost.wasm");
    let mut bytes = std::fs::read(&path).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0xff;
    std::fs::write(&path, &bytes).unwrap();

    let err = m.verify_modules().unwrap_err();
    let recorded = m
        .modules
        .iter()
        .find(|e| e.name == "jn-cost")
        .unwrap()
        .sha256
        .clone();
    let actual = sha256_hex(&bytes);
    match &err {
        ManifestError::ModuleDigest {
            path: p,
            module,
            expected,
            actual: a,
        } => {
            assert_eq!(p, &path);
            assert_eq!(module, "jn-cost");
            assert_eq!(expected, &recorded);
            assert_eq!(a, &actual);
        }
        other => panic!("expected a digest mismatch, got {other}"),
    }
    let msg = err.to_string();
    assert!(
        msg.contains("jn-cost.wasm") && msg.contains(&recorded) && msg.contains(&actual),
        "{msg}"
    );
}

#[test]
fn editing_a_parameter_changes_the_bundle_digest_but_a_comment_does_not() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = copy_bundle("jining", tmp.path());
    let before = Manifest::load(&dir).unwrap().digest().unwrap();
    let path = dir.join("bundle.toml");
    let text = std::fs::read_to_string(&path).unwrap();

    std::fs::write(
        &path,
        text.replace(
            "# Every number of the policy",
            "# Each number of the policy",
        ),
    )
    .unwrap();
    assert_eq!(Manifest::load(&dir).unwrap().digest().unwrap(), before);

    std::fs::write(&path, text.replace("lv_max_kw = 160", "lv_max_kw = 150")).unwrap();
    let edited = Manifest::load(&dir).unwrap().digest().unwrap();
    assert_ne!(edited, before);

    // A calendar edit changes it too.
    std::fs::write(&path, &text).unwrap();
    std::fs::write(
        dir.join("calendar/2026.toml"),
        "# stand-in calendar 2026, amended\n",
    )
    .unwrap();
    assert_ne!(Manifest::load(&dir).unwrap().digest().unwrap(), before);
}

#[test]
fn a_failed_build_changes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = copy_bundle("jining", tmp.path());
    let path = dir.join("bundle.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let broken = text.replacen(
        "plugins/modules/jn-cost\"",
        "plugins/modules/no-such-module\"",
        1,
    );
    std::fs::write(&path, &broken).unwrap();
    let module_before = std::fs::read(dir.join("modules/jn-access.wasm")).unwrap();

    let err = build_bundle(&dir, &options()).unwrap_err();
    assert!(
        matches!(&err, BuildError::BadCrate { module, .. } if module == "jn-cost"),
        "{err}"
    );
    assert!(err.to_string().contains("no-such-module"), "{err}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), broken);
    assert_eq!(
        std::fs::read(dir.join("modules/jn-access.wasm")).unwrap(),
        module_before
    );
}

#[test]
fn a_missing_calendar_is_named_before_anything_is_built() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = copy_bundle("jining", tmp.path());
    std::fs::remove_file(dir.join("calendar/2024.toml")).unwrap();
    let err = build_bundle(&dir, &options()).unwrap_err();
    assert!(err.to_string().contains("2024.toml"), "{err}");
}

#[test]
fn a_scaffolded_module_passes_its_own_tests_and_builds_into_its_bundle() {
    let tmp = tempfile::tempdir().unwrap();
    let root = powerdesk::policy::template::scaffold(
        "fee-rules",
        tmp.path(),
        powerdesk::policy::template::Lang::Rust,
    )
    .unwrap();
    let target = options()
        .target_dir
        .unwrap_or_else(|| std::env::temp_dir().join("powerdesk-policy-build"));
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let out = std::process::Command::new(cargo)
        .args(["test", "--quiet", "--manifest-path"])
        .arg(root.join("Cargo.toml"))
        .arg("--target-dir")
        .arg(&target)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "cargo test of the scaffold failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("2 passed"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );

    // The bundle carries its own copy of the shipped calendar files, listed relative to it.
    let bundle = root.join("bundle");
    let text = std::fs::read_to_string(bundle.join("bundle.toml")).unwrap();
    for year in 2021..=2026 {
        assert!(
            text.contains(&format!("\"calendar/{year}.toml\"")),
            "{text}"
        );
        assert_eq!(
            std::fs::read(bundle.join(format!("calendar/{year}.toml"))).unwrap(),
            std::fs::read(repo().join(format!("policies/jining/calendar/{year}.toml"))).unwrap()
        );
    }
    let opts = BuildOptions {
        target_dir: Some(target),
        offline: false,
    };
    let report = build_bundle(&bundle, &opts).unwrap();
    assert_eq!(report.modules[0].name, "fee-rules");
    assert!(report.pinned.is_empty());
    Manifest::load(&bundle).unwrap().verify_modules().unwrap();

    // An entry without `source` is pinned: a build leaves its file and digest as they are and
    // builds only the entries with one.
    let pinned = repo().join("policies/jining/modules/jn-cost.wasm");
    std::fs::copy(&pinned, bundle.join("modules/pinned.wasm")).unwrap();
    let sha = powerdesk::policy::manifest::sha256_hex(&std::fs::read(&pinned).unwrap());
    let with_pinned = format!(
        "{}\n[[modules]]\nname = \"pinned\"\nfile = \"modules/pinned.wasm\"\nsha256 = \"{sha}\"\n",
        std::fs::read_to_string(bundle.join("bundle.toml")).unwrap()
    );
    std::fs::write(bundle.join("bundle.toml"), &with_pinned).unwrap();
    let report = build_bundle(&bundle, &opts).unwrap();
    let built: Vec<&str> = report.modules.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(built, ["fee-rules"]);
    assert_eq!(report.pinned, ["pinned"]);
    let m = Manifest::load(&bundle).unwrap();
    m.verify_modules().unwrap();
    assert_eq!(m.modules[1].sha256, sha);

    // No entry with a source: nothing to build, said so.
    let none = with_pinned.replace("source = \"..\"\n", "");
    std::fs::write(bundle.join("bundle.toml"), none).unwrap();
    let err = build_bundle(&bundle, &opts).unwrap_err().to_string();
    assert!(err.contains("no [[modules]] entry has a `source`"), "{err}");
}

/// `policy new NAME --lang rego`: a module crate whose rules are a `.rego` file passes its own
/// tests, builds with `policy build`, and its bundle passes `policy check` and its fixture (what
/// `policy activate` requires); the policy's declarations reach `policy check`.
#[test]
fn a_scaffolded_rego_module_passes_its_tests_builds_and_proves_its_bundle() {
    use powerdesk::policy::bundle::Bundle;
    use powerdesk::policy::host::{PolicyHost, SandboxLimits};
    use powerdesk::policy::template::{scaffold, Lang};

    let tmp = tempfile::tempdir().unwrap();
    let root = scaffold("zone-rules", tmp.path(), Lang::Rego).unwrap();
    let policy = std::fs::read_to_string(root.join("policy/zone-rules.rego")).unwrap();
    assert!(policy.contains("package powerdesk.zone_rules"), "{policy}");
    let lib = std::fs::read_to_string(root.join("src/lib.rs")).unwrap();
    assert!(lib.contains("export_rego_module!(ZoneRules, \"policy/zone-rules.rego\");"));

    let target = options()
        .target_dir
        .unwrap_or_else(|| std::env::temp_dir().join("powerdesk-policy-build"));
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let out = std::process::Command::new(cargo)
        .args(["test", "--quiet", "--manifest-path"])
        .arg(root.join("Cargo.toml"))
        .arg("--target-dir")
        .arg(&target)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("3 passed"),
        "cargo test of the Rego scaffold failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let bundle_dir = root.join("bundle");
    let opts = BuildOptions {
        target_dir: Some(target),
        offline: false,
    };
    let report = build_bundle(&bundle_dir, &opts).unwrap();
    assert_eq!(report.modules[0].name, "zone-rules");
    let host = PolicyHost::without_cache(SandboxLimits::default());
    let bundle = Bundle::load(&host, &bundle_dir).unwrap();
    let (_, cases) = powerdesk::policy::verify::prove(&bundle).unwrap();
    assert_eq!(cases.len(), 1);
    assert!(cases.iter().all(|c| c.passed), "{cases:?}");

    // The policy's `parameters` are what `policy check` holds bundle.toml to.
    let toml = std::fs::read_to_string(bundle_dir.join("bundle.toml")).unwrap();
    std::fs::write(
        bundle_dir.join("bundle.toml"),
        toml.replace("lv_max_kw = 160", "lv_max_kw = \"160\""),
    )
    .unwrap();
    let bundle = Bundle::load(&host, &bundle_dir).unwrap();
    let err = powerdesk::policy::verify::check(&bundle)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("lv_max_kw") && err.contains("zone-rules"),
        "{err}"
    );
}

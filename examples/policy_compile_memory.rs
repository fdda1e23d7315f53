//! Peak memory and time of compiling a rule module shaped at the compile bounds
//! (`policy::bounds`): what a hostile module that passes the structure check can cost a cold load.
//!
//!     cargo run --release --example policy_compile_memory [nested|locals|empty]
//!
//! One shape per run (VmHWM is the process's peak): `nested` is a 2 MiB `decide` nested 4,096
//! blocks deep with straight-line arithmetic inside, `locals` a 2 MiB `decide` juggling 50,000
//! locals, `empty` a trivial module (the baseline). Prints the function body's size, the compile
//! time and the peak resident memory before and after.

#[path = "../tests/fixtures/rule_modules.rs"]
mod rule_modules;

use powerdesk::allocator::resident_mb;
use powerdesk::policy::bounds::{check_structure, CompileBounds};
use powerdesk::policy::host::{ModuleSpec, PolicyHost, SandboxLimits};
use rule_modules::{Behaviour, Spec};

/// `decide`'s body: the shape's code, then a trap.
fn body(shape: &str, bounds: &CompileBounds) -> String {
    let budget = bounds.max_function_bytes as usize - 64 * 1024;
    match shape {
        "nested" => {
            let depth = bounds.max_nesting as usize - 1;
            // 7 bytes each: local.get, i32.const, i32.add, local.set.
            let step = "(local.set $x (i32.add (local.get $x) (i32.const 1)))";
            let n = (budget - 2 * depth) / 7;
            format!(
                "(local $x i32) {}{}{} unreachable",
                "(block ".repeat(depth),
                step.repeat(n),
                ")".repeat(depth)
            )
        }
        "locals" => {
            let locals = bounds.max_locals as usize - 16;
            // ~10-12 bytes each: two local.get (3 bytes each), i32.add, local.set (3 bytes).
            let n = budget / 12;
            let mut s = format!("(local {})", " i32".repeat(locals));
            for k in 0..n {
                let (a, b, c) = (k % locals, (k * 7 + 3) % locals, (k * 13 + 5) % locals);
                s.push_str(&format!(
                    "(local.set {c} (i32.add (local.get {a}) (local.get {b})))"
                ));
            }
            s.push_str(" unreachable");
            s
        }
        _ => "unreachable".into(),
    }
}

fn main() {
    let shape = std::env::args().nth(1).unwrap_or_else(|| "nested".into());
    let limits = SandboxLimits::default();
    let bounds = limits.compile;
    let bytes = rule_modules::build(&Spec::new("shaped", Behaviour::Body(body(&shape, &bounds))));
    check_structure(&bytes, &bounds).expect("the shape is within the compile bounds");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("shaped.wasm");
    std::fs::write(&file, &bytes).unwrap();
    let host = PolicyHost::without_cache(limits);
    let (rss, hwm) = resident_mb();
    println!(
        "{shape}: component {} bytes; before: VmRSS {rss:.1} MB, VmHWM {hwm:.1} MB",
        bytes.len()
    );
    let t = std::time::Instant::now();
    let loaded = host.load(&ModuleSpec {
        name: "shaped".into(),
        version: "0.1.0".into(),
        file,
        expected_digest: None,
    });
    let took = t.elapsed();
    let (rss, hwm) = resident_mb();
    println!(
        "{shape}: compiled in {:.2} s ({}); after: VmRSS {rss:.1} MB, VmHWM {hwm:.1} MB",
        took.as_secs_f64(),
        match &loaded {
            Ok(_) => "loaded".to_string(),
            Err(e) => format!("refused: {e}"),
        }
    );
}

//! N demo application forms as JSON lines: an import file for measuring `powerdesk import`.
//!
//!     cargo run --release --example demo_forms -- 1000000 > forms.jsonl
//!     powerdesk --store DIR import forms.jsonl

use std::io::Write;

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .map(|a| a.parse().expect("N is a number"))
        .unwrap_or(1_000);
    let mut generator = powerdesk::service::demo::DemoGenerator::new(7);
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for _ in 0..n {
        serde_json::to_writer(&mut out, &generator.form()).expect("a form serializes");
        out.write_all(b"\n").expect("stdout is writable");
    }
    out.flush().expect("stdout is writable");
}

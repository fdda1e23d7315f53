//! `powerdesk policy …` and `powerdesk evaluate`: bundles on the command line.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use chrono::NaiveDate;
use clap::{Args, Subcommand};

use crate::domain::ports::Repository;
use crate::domain::text::escape_for_terminal;
use crate::domain::validation;
use crate::policy::active;
use crate::policy::bundle::{Bundle, MAX_BATCH};
use crate::policy::diff::{self, DiffReport, ASPECTS};
use crate::policy::fixtures;
use crate::policy::host::{PolicyHost, SandboxLimits};
use crate::policy::probe;
use crate::policy::sample::Sampler;

/// `powerdesk policy …`
#[derive(Debug, Clone, Subcommand)]
pub enum PolicyCommand {
    /// Load a bundle, verify its digests, instantiate every module, have every module read its
    /// parameters on sample applications; print modules and rule ids.
    Check {
        dir: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// Run the bundle's fixture cases (DIR/fixtures/*.json) through its real modules.
    Test {
        dir: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// Decisions per second and latency percentiles of a bundle.
    Bench {
        dir: PathBuf,
        /// How many decisions to time.
        #[arg(long, default_value_t = 20_000)]
        decisions: usize,
        #[arg(long)]
        json: bool,
    },
    /// Start a new bundle with one rule module from the template.
    New {
        name: String,
        /// Where to create the crate (default: the current directory).
        #[arg(long, default_value = ".")]
        dir: PathBuf,
    },
    /// Build the bundle's rule modules from source and write their digests into bundle.toml.
    Build { dir: PathBuf },
    /// Re-decide every stored application under two bundles; count what changes.
    Diff {
        old: PathBuf,
        new: PathBuf,
        /// Worker threads.
        #[arg(long, default_value_t = 2)]
        workers: usize,
        #[arg(long)]
        json: bool,
    },
    /// Make a bundle the store's active one (after loading and verifying it).
    Activate {
        dir: PathBuf,
        /// Who activates it (recorded in the event log).
        #[arg(long, default_value = "supervisor")]
        actor: String,
        #[arg(long)]
        json: bool,
    },
}

/// `powerdesk evaluate --policy DIR --json FILE|-`
#[derive(Debug, Clone, Args)]
pub struct EvaluateArgs {
    /// The bundle directory.
    #[arg(long)]
    pub policy: PathBuf,
    /// The Application JSON (docs/contracts.md), a file or `-` for stdin.
    #[arg(long, value_name = "FILE|-")]
    pub json: String,
    /// Decide as of this date (default: the received date).
    #[arg(long)]
    pub on: Option<NaiveDate>,
    /// Add `explanation`: each cited rule with its module, its text with the bundle's values and
    /// the parameters the text uses.
    #[arg(long)]
    pub explain: bool,
}

fn host() -> PolicyHost {
    PolicyHost::new(SandboxLimits::default())
}

fn load(dir: &Path) -> anyhow::Result<Bundle> {
    Bundle::load(&host(), dir).with_context(|| format!("policy bundle {}", dir.display()))
}

/// `evaluate`: validate the form, decide it, print the Decision JSON.
pub fn run_evaluate(args: &EvaluateArgs) -> anyhow::Result<()> {
    let text = if args.json == "-" {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .context("reading the application from stdin")?;
        s
    } else {
        std::fs::read_to_string(&args.json).with_context(|| format!("reading {}", args.json))?
    };
    let form = validation::parse_form(&text).map_err(field_errors)?;
    validation::validate(&form).map_err(field_errors)?;
    let bundle = load(&args.policy)?;
    let on = args
        .on
        .unwrap_or_else(|| crate::domain::calendar::china_date(form.received_at));
    let decision = bundle.evaluate(&form, on)?;
    if !args.explain {
        println!("{}", serde_json::to_string_pretty(&decision)?);
        return Ok(());
    }
    // The Decision JSON's fields in their order, then the explanation.
    #[derive(serde::Serialize)]
    struct Explained<'a> {
        #[serde(flatten)]
        decision: &'a crate::domain::decision::Decision,
        explanation: Vec<crate::policy::declare::ExplainedRule>,
    }
    let explanation = crate::policy::declare::explain_rules(
        bundle.modules(),
        bundle.parameters(),
        &decision.rules,
    );
    let out = Explained {
        decision: &decision,
        explanation,
    };
    println!("{}", serde_json::to_string_pretty(&out)?);
    Ok(())
}

fn field_errors(errors: Vec<validation::FieldError>) -> anyhow::Error {
    let list: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
    anyhow::anyhow!("application refused: {}", list.join("; "))
}

/// Run a `policy` subcommand; `open_store` opens the global `--store` (for diff and activate).
pub fn run_policy(
    cmd: &PolicyCommand,
    open_store: &dyn Fn() -> anyhow::Result<Arc<dyn Repository>>,
) -> anyhow::Result<()> {
    match cmd {
        PolicyCommand::Check { dir, json } => check(dir, *json),
        PolicyCommand::Test { dir, json } => test(dir, *json),
        PolicyCommand::Bench {
            dir,
            decisions,
            json,
        } => bench(dir, *decisions, *json),
        PolicyCommand::New { name, dir } => {
            let created = crate::policy::template::scaffold(name, dir)?;
            println!("created {}", created.display());
            Ok(())
        }
        PolicyCommand::Build { dir } => {
            let report = crate::policy::build::build_bundle(dir, &Default::default())?;
            for m in &report.modules {
                println!("built {}", m.name);
            }
            println!("bundle {} digest {}", dir.display(), report.digest);
            Ok(())
        }
        PolicyCommand::Diff {
            old,
            new,
            workers,
            json,
        } => {
            let old = load(old)?;
            let new = load(new)?;
            let repo = open_store()?;
            let report = diff::diff(repo.as_ref(), &old, &new, *workers)?;
            if *json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                print_diff(&report);
            }
            Ok(())
        }
        PolicyCommand::Activate { dir, actor, json } => {
            let repo = open_store()?;
            let now = super::clock()?.now();
            let bundle = Arc::new(active::activate(repo.as_ref(), &host(), dir, actor, now)?);
            // Open deadlines follow the new bundle's calendar (e.g. a year file it adds).
            let desk = super::desk_over(repo, Arc::new(super::bundled_calendar()?))?
                .with_decider(bundle.clone());
            let sync = desk.sync_calendar()?;
            if *json {
                let mut out = serde_json::to_value(bundle.bundle_ref())?;
                out["calendar"] = serde_json::to_value(&sync)?;
                println!("{}", serde_json::to_string_pretty(&out)?);
            } else {
                println!(
                    "activated {} {} ({}) from {} by {actor}",
                    bundle.region(),
                    bundle.version(),
                    bundle.digest(),
                    bundle.dir().display()
                );
                if sync.changed {
                    println!(
                        "working-day calendar changed: {} open deadlines recounted, {} updated, {} still provisional",
                        sync.recounted, sync.updated, sync.still_provisional
                    );
                }
            }
            Ok(())
        }
    }
}

fn check(dir: &Path, json: bool) -> anyhow::Result<()> {
    let bundle = load(dir)?;
    let table = bundle.module_table();
    let probed = crate::policy::verify::check(&bundle)
        .with_context(|| format!("policy bundle {}", dir.display()))?
        .probed;
    if json {
        let params: serde_json::Map<String, serde_json::Value> = bundle
            .parameters()
            .iter()
            .map(|(k, v)| (k.clone(), serde_json::Value::String(v.to_string())))
            .collect();
        let out = serde_json::json!({
            "bundle": bundle.bundle_ref(),
            "effective": bundle.manifest().bundle.effective,
            "modules": table,
            "parameters": params,
            "probe": { "applications": probe::PROBE_APPLICATIONS, "decided": probed },
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(());
    }
    println!(
        "bundle {} {} (in force from {})  {}",
        bundle.region(),
        bundle.version(),
        bundle.manifest().bundle.effective,
        bundle.digest()
    );
    for m in &table {
        println!(
            "  {} {} (contract {})",
            escape_for_terminal(&m.name),
            escape_for_terminal(&m.version),
            escape_for_terminal(&m.contract)
        );
        for r in &m.rules {
            println!(
                "    {:<16} {}",
                escape_for_terminal(&r.id),
                escape_for_terminal(&r.text)
            );
        }
    }
    println!(
        "ok: {} modules verified and instantiated; parameters fit the modules' declarations and were read on {} sample applications ({probed} decided)",
        table.len(),
        probe::PROBE_APPLICATIONS
    );
    Ok(())
}

fn test(dir: &Path, json: bool) -> anyhow::Result<()> {
    let bundle = load(dir)?;
    let results = fixtures::run_all(&bundle)?;
    let failed: Vec<_> = results.iter().filter(|r| !r.passed).collect();
    if json {
        println!("{}", serde_json::to_string_pretty(&results)?);
    } else {
        for r in &results {
            if r.passed {
                println!("ok    {}", r.name);
                continue;
            }
            println!("FAIL  {}  ({})", r.name, r.file);
            if let Some(e) = &r.error {
                println!("      {e}");
            }
            for m in &r.mismatches {
                println!(
                    "      {}: expected {}, got {}",
                    m.field, m.expected, m.actual
                );
            }
        }
        println!(
            "{} passed, {} failed",
            results.len() - failed.len(),
            failed.len()
        );
    }
    if !failed.is_empty() {
        bail!(
            "{} of {} fixture cases failed in {}",
            failed.len(),
            results.len(),
            dir.display()
        );
    }
    Ok(())
}

/// Single decisions (a fresh sandbox each: latency percentiles), then the same number decided in
/// batches (throughput), all on one thread.
fn bench(dir: &Path, decisions: usize, json: bool) -> anyhow::Result<()> {
    let bundle = load(dir)?;
    let forms = Sampler::new(7).forms(1024);
    let decisions = decisions.max(1);
    let items: Vec<_> = (0..decisions)
        .map(|i| {
            let f = &forms[i % forms.len()];
            (f, crate::domain::calendar::china_date(f.received_at))
        })
        .collect();
    let mut latencies = Vec::with_capacity(decisions);
    let mut failures = 0usize;
    let start = Instant::now();
    for (form, on) in &items {
        let t = Instant::now();
        failures += usize::from(bundle.evaluate(form, *on).is_err());
        latencies.push(t.elapsed());
    }
    let total = start.elapsed();
    let start = Instant::now();
    let batch_failures = bundle
        .evaluate_batch(&items)
        .iter()
        .filter(|r| r.is_err())
        .count();
    let batch_total = start.elapsed();
    latencies.sort_unstable();
    let pct = |p: f64| latencies[((latencies.len() - 1) as f64 * p).round() as usize];
    let per_second = decisions as f64 / total.as_secs_f64();
    let batch_per_second = decisions as f64 / batch_total.as_secs_f64();
    let micros = |d: Duration| d.as_secs_f64() * 1e6;
    if json {
        println!(
            "{}",
            serde_json::json!({
                "decisions": decisions, "refused": failures, "per_second": per_second,
                "p50_us": micros(pct(0.5)), "p90_us": micros(pct(0.9)), "p99_us": micros(pct(0.99)),
                "batch_size": MAX_BATCH, "batch_per_second": batch_per_second,
                "batch_refused": batch_failures,
            })
        );
    } else {
        println!(
            "{} {}: {decisions} decisions on one thread ({failures} refused)",
            bundle.region(),
            bundle.version()
        );
        println!("  one at a time (a fresh sandbox each): {per_second:.0} decisions/s");
        println!(
            "    p50 {:.1} µs  p90 {:.1} µs  p99 {:.1} µs",
            micros(pct(0.5)),
            micros(pct(0.9)),
            micros(pct(0.99))
        );
        println!("  in batches of {MAX_BATCH} (a fresh sandbox per batch): {batch_per_second:.0} decisions/s");
    }
    Ok(())
}

fn print_diff(r: &DiffReport) {
    println!("old: {}\nnew: {}", r.old_bundle, r.new_bundle);
    println!(
        "{} applications re-decided, {} would change",
        r.applications, r.changed
    );
    for name in ASPECTS {
        let Some(a) = r.aspects.get(name) else {
            println!("  {name:<20} 0");
            continue;
        };
        println!("  {name:<20} {}", a.count);
        for e in &a.examples {
            println!("      {}: {} -> {}", e.id, e.old, e.new);
        }
    }
    if r.new_not_in_force + r.old_not_in_force > 0 {
        println!(
            "  not decidable (received before the bundle took effect): {} by new, {} by old",
            r.new_not_in_force, r.old_not_in_force
        );
    }
    if r.old_errors + r.new_errors > 0 {
        println!(
            "  refused: {} under old, {} under new",
            r.old_errors, r.new_errors
        );
        for (id, e) in &r.error_examples {
            println!("      {id}: {e}");
        }
    }
}

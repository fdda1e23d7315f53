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
        /// Show each failing case's differences, then rewrite its expectation with what the bundle
        /// decides now (review them: the new expectations are what `policy test` then holds).
        #[arg(long)]
        bless: bool,
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
    /// Start a new rule-module crate with a one-module bundle from the template; or, with
    /// `--from BUNDLE`, a bundle for region NAME made from a working one (calendars and modules
    /// copied, modules pinned by digest, fixtures rewritten for the new region).
    New {
        name: String,
        /// Where to create it (default: the current directory).
        #[arg(long, default_value = ".")]
        dir: PathBuf,
        /// The bundle to start from (e.g. policies/jining).
        #[arg(long, value_name = "BUNDLE")]
        from: Option<PathBuf>,
        /// With --from: the new region's city in the fixtures' names and addresses (菏泽;
        /// default NAME).
        #[arg(long, requires = "from")]
        city: Option<String>,
        /// With --from: the county (区县) of the fixtures' applications (牡丹区; default
        /// `<city>示例区`).
        #[arg(long, requires = "from")]
        county: Option<String>,
        /// The module template's language: rust (the SDK) or rego (a `.rego` file run by the
        /// regorus interpreter inside the module).
        #[arg(long, value_enum, default_value = "rust", conflicts_with = "from")]
        lang: crate::policy::template::Lang,
    },
    /// Build the bundle's rule modules from source and write their digests into bundle.toml.
    Build { dir: PathBuf },
    /// Re-decide every stored application under two bundles; count what changes per aspect and
    /// per rule.
    Diff {
        old: PathBuf,
        new: PathBuf,
        /// Worker threads.
        #[arg(long, default_value_t = 2)]
        workers: usize,
        #[arg(long)]
        json: bool,
        /// Write every change (id, aspect, old, new) to FILE: CSV for .csv, JSON lines for .jsonl.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// The store's active bundle and the bundles activated before (name, version, digest, when,
    /// by whom).
    List {
        #[arg(long)]
        json: bool,
    },
    /// Make a bundle the store's active one (after proving it: `policy check` and its fixtures);
    /// the store keeps a copy of it by content.
    Activate {
        dir: PathBuf,
        /// Who activates it (recorded in the event log).
        #[arg(long, default_value = "supervisor")]
        actor: String,
        #[arg(long)]
        json: bool,
    },
}

/// `powerdesk evaluate --policy DIR --json FILE|-`, or `powerdesk evaluate --app ID --explain`
#[derive(Debug, Clone, Args)]
#[command(group(clap::ArgGroup::new("input").required(true).args(["json", "app"])))]
pub struct EvaluateArgs {
    /// The bundle directory (with --app: default the store's active bundle).
    #[arg(long, required_unless_present = "app")]
    pub policy: Option<PathBuf>,
    /// The Application JSON (docs/contracts.md), a file or `-` for stdin.
    #[arg(long, value_name = "FILE|-")]
    pub json: Option<String>,
    /// A stored application (JN-YYYY-NNNNNN): print its stored decision, not a new one; with
    /// --explain, each cited rule with the texts and values of the store's active bundle (or
    /// --policy DIR).
    #[arg(long, value_name = "ID", conflicts_with = "on")]
    pub app: Option<String>,
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

/// `evaluate`: validate the form, decide it, print the Decision JSON; or, with `--app`, print a
/// stored application's decision. `open_store` opens the global `--store` (for `--app`).
pub fn run_evaluate(
    args: &EvaluateArgs,
    open_store: &dyn Fn() -> anyhow::Result<Arc<dyn Repository>>,
) -> anyhow::Result<()> {
    if let Some(id) = &args.app {
        return explain_stored(args, id, open_store()?.as_ref());
    }
    let (Some(json), Some(policy)) = (&args.json, &args.policy) else {
        bail!(
            "evaluate needs --policy DIR and --json FILE|- (or --app ID for a stored application)"
        );
    };
    let text = if json == "-" {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .context("reading the application from stdin")?;
        s
    } else {
        std::fs::read_to_string(json).with_context(|| format!("reading {json}"))?
    };
    let form = validation::parse_form(&text).map_err(field_errors)?;
    validation::validate(&form).map_err(field_errors)?;
    let bundle = load(policy)?;
    let on = args
        .on
        .unwrap_or_else(|| crate::domain::calendar::china_date(form.received_at));
    let decision = bundle.evaluate(&form, on)?;
    print_decision(&decision, &bundle, args.explain)
}

/// `evaluate --app ID`: the stored decision of a stored application, explained (with --explain)
/// with the rule texts and parameter values of the store's active bundle, or of `--policy DIR`.
fn explain_stored(args: &EvaluateArgs, id: &str, repo: &dyn Repository) -> anyhow::Result<()> {
    let app_id = crate::domain::application::AppId(id.to_string());
    app_id.parse().map_err(anyhow::Error::msg)?;
    let Some(app) = repo.get(&app_id)? else {
        bail!("application {id} is not in this store; `powerdesk app list` shows the ids");
    };
    let Some(decision) = app.decision else {
        bail!("application {id} has no stored decision (it was stored without one: an old or imported record); decide it again with `powerdesk evaluate --policy DIR --json FILE`");
    };
    if !args.explain {
        println!("{}", serde_json::to_string_pretty(&decision)?);
        return Ok(());
    }
    let bundle = match &args.policy {
        Some(dir) => Arc::new(load(dir)?),
        None => active::load_active(repo, &host())?.context(
            "this store has no active bundle to explain the decision with; pass --policy DIR, or activate one with `powerdesk policy activate DIR`",
        )?,
    };
    if decision.bundle.digest != bundle.digest() {
        eprintln!(
            "note: {id} was decided by bundle {} {} ({}); its rules are explained with the texts and values of {} {} ({}), which may differ",
            escape_for_terminal(&decision.bundle.region),
            escape_for_terminal(&decision.bundle.version),
            escape_for_terminal(&decision.bundle.digest),
            bundle.region(),
            bundle.version(),
            bundle.digest()
        );
    }
    print_decision(&decision, &bundle, true)
}

/// Print a decision as JSON; with `explain`, each cited rule's text and values from `bundle`.
fn print_decision(
    decision: &crate::domain::decision::Decision,
    bundle: &Bundle,
    explain: bool,
) -> anyhow::Result<()> {
    if !explain {
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
        decision,
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
        PolicyCommand::Test { dir, json, bless } if *bless => bless_fixtures(dir, *json),
        PolicyCommand::Test { dir, json, .. } => test(dir, *json),
        PolicyCommand::Bench {
            dir,
            decisions,
            json,
        } => bench(dir, *decisions, *json),
        PolicyCommand::New {
            name,
            dir,
            from: None,
            lang,
            ..
        } => {
            let created = crate::policy::template::scaffold(name, dir, *lang)?;
            println!("created {}", created.display());
            Ok(())
        }
        PolicyCommand::New {
            name,
            dir,
            from: Some(from),
            city,
            county,
            ..
        } => {
            let places = crate::policy::derive::Places {
                city: city.clone(),
                county: county.clone(),
            };
            let created = crate::policy::derive::derive(from, name, dir, &places)?;
            println!(
                "created {} from {}: edit its [parameters], then `powerdesk policy check {}` and `powerdesk policy test {}`",
                created.display(),
                from.display(),
                created.display(),
                created.display()
            );
            Ok(())
        }
        PolicyCommand::Build { dir } => {
            let report = crate::policy::build::build_bundle(dir, &Default::default())?;
            for m in &report.modules {
                println!("built {}", m.name);
            }
            for name in &report.pinned {
                println!("kept {name} (no source: pinned by its digest)");
            }
            println!("bundle {} digest {}", dir.display(), report.digest);
            Ok(())
        }
        PolicyCommand::Diff {
            old,
            new,
            workers,
            json,
            out,
        } => {
            let old = load(old)?;
            let new = load(new)?;
            let repo = open_store()?;
            let opts = diff::DiffOptions {
                workers: *workers,
                rows: out.is_some(),
                progress: None,
            };
            let (report, rows) =
                diff::diff_against(repo.as_ref(), diff::Baseline::Bundle(&old), &new, &opts)?;
            // A module that faulted on a batch was quarantined: every later application got its
            // fault at once instead of grinding through it, and the comparison means nothing.
            for bundle in [&old, &new] {
                if let Some(fault) = bundle.quarantined() {
                    bail!(
                        "policy diff stopped: bundle {} {} ({}): {fault}",
                        bundle.region(),
                        bundle.version(),
                        bundle.dir().display()
                    );
                }
            }
            if let Some(path) = out {
                diff::write_rows(path, &rows).map_err(anyhow::Error::msg)?;
                if !*json {
                    println!("wrote {} changes to {}", rows.len(), path.display());
                }
            }
            if *json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                print_diff(&report);
            }
            Ok(())
        }
        PolicyCommand::List { json } => {
            let repo = open_store()?;
            let (history, active) = active::history(repo.as_ref())?;
            let legacy = repo.setting(active::SETTING_DIR)?;
            list(&history, active.as_deref(), legacy.as_deref(), *json)
        }
        PolicyCommand::Activate { dir, actor, json } => {
            let repo = open_store()?;
            let now = super::clock()?.now();
            let bundle = Arc::new(active::activate(repo.as_ref(), &host(), dir, actor, now)?);
            // Open deadlines follow the new bundle's calendar (e.g. a year file it adds).
            let desk = super::desk_over(repo, Arc::new(super::bundled_calendar()?))?
                .with_decider(bundle.clone());
            let sync = desk.sync_calendar()?;
            // An office that publishes its disclosure gets the new bundle's version published.
            let disclosure = if desk.disclosures()?.is_empty() {
                None
            } else {
                desk.disclosure_refresh(actor)?
            };
            if *json {
                let mut out = serde_json::to_value(bundle.bundle_ref())?;
                out["calendar"] = serde_json::to_value(&sync)?;
                if let Some(d) = &disclosure {
                    out["disclosure"] = serde_json::json!({
                        "version": d.body.version,
                        "digest": d.body.digest,
                    });
                }
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
                if let Some(d) = &disclosure {
                    println!(
                        "disclosure republished for the new bundle: version {} ({})",
                        d.body.version, d.body.digest
                    );
                }
            }
            Ok(())
        }
    }
}

/// `policy list`: the activations, newest first, the active one marked.
fn list(
    history: &[active::Activation],
    active: Option<&str>,
    folder: Option<&str>,
    json: bool,
) -> anyhow::Result<()> {
    // The active bundle is the last activation with its digest (a store activated before history
    // was kept has none: its folder and digest are shown).
    let current = history
        .iter()
        .rposition(|a| Some(a.digest.as_str()) == active);
    if json {
        let rows: Vec<serde_json::Value> = history
            .iter()
            .enumerate()
            .rev()
            .map(|(i, a)| {
                let mut v = serde_json::to_value(a).expect("activations serialize");
                v["active"] = (Some(i) == current).into();
                v
            })
            .collect();
        let out = serde_json::json!({
            "active": active,
            "active_dir": folder,
            "activations": rows,
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(());
    }
    if history.is_empty() {
        match (active, folder) {
            (Some(d), Some(f)) => println!(
                "* {d} from {} (activated before this store kept its history)",
                escape_for_terminal(f)
            ),
            _ => println!("no bundle has been activated in this store"),
        }
        return Ok(());
    }
    for (i, a) in history.iter().enumerate().rev() {
        println!(
            "{} {} {} {}  {}  {} by {}  from {}",
            if Some(i) == current { "*" } else { " " },
            escape_for_terminal(&a.region),
            escape_for_terminal(&a.version),
            escape_for_terminal(&a.name),
            a.digest,
            a.at,
            escape_for_terminal(&a.actor),
            escape_for_terminal(&a.dir)
        );
    }
    Ok(())
}

fn check(dir: &Path, json: bool) -> anyhow::Result<()> {
    let bundle = load(dir)?;
    // A cache others could write is not used (modules compiled afresh each time): say why.
    if let Some(Err(reason)) =
        crate::policy::cache::ModuleCache::open_default().map(|c| c.check_dir())
    {
        eprintln!(
            "note: the compiled-module cache is not used: {}",
            crate::domain::text::escape_for_terminal(&reason)
        );
    }
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

/// `policy test --bless`: print each failing case's differences, then rewrite its expectation.
fn bless_fixtures(dir: &Path, json: bool) -> anyhow::Result<()> {
    let bundle = load(dir)?;
    let blessed = fixtures::bless(&bundle)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&blessed)?);
        return Ok(());
    }
    for b in &blessed {
        println!(
            "blessed {}  ({})",
            escape_for_terminal(&b.name),
            escape_for_terminal(&b.file)
        );
        if let Some(e) = &b.error {
            println!("      was: {}", escape_for_terminal(e));
        }
        for m in &b.mismatches {
            println!(
                "      {}: expected {}, now {}",
                m.field,
                escape_for_terminal(&m.expected.to_string()),
                escape_for_terminal(&m.actual.to_string())
            );
        }
        if !b.stale_wording.is_empty() {
            println!(
                "      reword: its name or note still mentions {}, which the old expectation held",
                escape_for_terminal(&b.stale_wording.join(", "))
            );
        }
    }
    println!(
        "{} case{} rewritten with what the bundle decides now; review the differences above (and `git diff`)",
        blessed.len(),
        if blessed.len() == 1 { "" } else { "s" }
    );
    let stale = blessed
        .iter()
        .filter(|b| !b.stale_wording.is_empty())
        .count();
    if stale > 0 {
        println!(
            "{stale} of them have a name or note citing an old value (`reword` above): a case's name and note are not rewritten; reword them, and add a case on each side of any threshold you changed"
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
    println!(
        "old: {}\nnew: {}",
        escape_for_terminal(&r.old_bundle),
        escape_for_terminal(&r.new_bundle)
    );
    // The summary first: how many change, per aspect and per rule; examples after.
    println!(
        "{} applications re-decided, {} would change",
        r.applications, r.changed
    );
    for name in ASPECTS {
        println!(
            "  {name:<24} {}",
            r.aspects.get(name).map_or(0, |a| a.count)
        );
    }
    if !r.rules.is_empty() {
        println!("  rules cited (dropped / added):");
        for (id, c) in &r.rules {
            println!(
                "    {:<22} -{} +{}",
                escape_for_terminal(id),
                c.dropped,
                c.added
            );
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
    }
    let examples: Vec<_> = ASPECTS
        .iter()
        .filter_map(|name| r.aspects.get(*name).map(|a| (name, a)))
        .collect();
    if !examples.is_empty() || !r.error_examples.is_empty() {
        println!("examples:");
    }
    for (name, a) in examples {
        for e in &a.examples {
            println!(
                "  {name}  {}: {} -> {}",
                e.id,
                escape_for_terminal(&e.old),
                escape_for_terminal(&e.new)
            );
        }
    }
    for (id, e) in &r.error_examples {
        println!("  refused  {id}: {}", escape_for_terminal(e));
    }
}

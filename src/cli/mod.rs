//! 命令行: the `powerdesk` commands of docs/contracts.md.
//!
//! `run` parses nothing itself: main parses [`Cli`] and calls it. Errors come back as one
//! `anyhow` chain that main prints on one line. New command groups (the policy helper's
//! `policy …` and `evaluate`) are added as variants of [`Command`].

mod calendar;
mod crash;
pub mod endpoint;
pub mod policy;
pub mod reads;
mod records;
pub mod schema;
mod table;

use std::io::{BufReader, Read as _, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
use chrono::{DateTime, FixedOffset};
use clap::{Args, Parser, Subcommand};

use crate::domain::calendar::WorkingCalendar;
use crate::domain::ports::{Clock, Query, Repository};
use crate::domain::workflow::{ProcessClass, State};
use crate::domain::{AppId, CustomerClass};
use crate::service::{demo, Desk, FixedClock, SystemClock, DEFAULT_ACTOR};
use crate::store::{SledStore, StoreLock, StoreOptions};
use reads::{Outcome, Read};

/// Terminal console and command line for the connection service (业扩报装).
#[derive(Debug, Parser)]
#[command(name = "powerdesk", version, about, long_about = None)]
pub struct Cli {
    /// The store directory (default: the platform data directory, e.g. ~/.local/share/powerdesk).
    #[arg(long, global = true, env = "POWERDESK_STORE", value_name = "DIR")]
    pub store: Option<PathBuf>,
    /// Wait up to SECONDS for a store another powerdesk process holds (default 0: refuse at once,
    /// naming the holder). Reads, export and backup are answered by a console holding the store.
    #[arg(long, global = true, env = "POWERDESK_WAIT", value_name = "SECONDS", value_parser = parse_wait)]
    pub wait: Option<Duration>,
    /// The console's config file (default ~/.config/powerdesk/config.toml).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// The console's language: zh or en (default from the config, then LC_ALL / LANG).
    #[arg(long, value_name = "zh|en")]
    pub lang: Option<String>,
    /// Without a command, the console opens.
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Applications: new, list, show, advance, cancel.
    #[command(subcommand)]
    App(AppCommand),
    /// Import applications from JSON lines, all or nothing (bad lines are reported by number).
    Import {
        file: PathBuf,
        #[arg(long, default_value = DEFAULT_ACTOR)]
        actor: String,
        #[arg(long)]
        json: bool,
    },
    /// Export every application with its events as JSON lines.
    Export {
        #[arg(long, value_name = "FILE")]
        to: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// Fill the store with realistic, reproducible demo applications.
    Demo {
        #[arg(long, default_value_t = 1000)]
        count: usize,
        /// Seed of the generator: the same seed gives the same applications.
        #[arg(long, default_value_t = 20210825)]
        seed: u64,
        /// The policy bundle that decides the demo applications, activated when the store has
        /// none active (default: the Jining bundle shipped with powerdesk).
        #[arg(long, value_name = "DIR")]
        policy: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// Papers for the customer and the office, as PDF (A4, Chinese font embedded) or HTML, by
    /// FILE's extension: `receipt ID` (受理回执), `notice ID` (一次性告知书), `plan ID` (供电方案答复单,
    /// 10 kV and above), `filing ID` (承诺备案表, prefilled), `disclosure` (信息公开).
    Doc {
        /// receipt, notice, plan, filing or disclosure.
        kind: String,
        /// The application (every paper but the disclosure).
        id: Option<String>,
        #[arg(long, value_name = "FILE")]
        to: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// 施工企业名录 (三指定): the public list of firms, and the firm a customer chose itself.
    #[command(subcommand)]
    Firm(records::FirmCommand),
    /// 配电网接入能力及容量受限情况 per county (office data for the disclosure).
    #[command(subcommand)]
    Capacity(records::CapacityCommand),
    /// 信息主动公开: publish the disclosure notice; every version kept with its digest.
    #[command(subcommand)]
    Disclosure(records::DisclosureCommand),
    /// 用电安全服务: campaigns over every customer, visits, hazards and their 四到位.
    #[command(subcommand)]
    Safety(records::SafetyCommand),
    /// 供电+能效: plans and services for three-star enterprises and above.
    #[command(subcommand)]
    Efficiency(records::EfficiencyCommand),
    /// 1+N teams for large/medium enterprises, appointment visits for small/micro customers.
    #[command(subcommand)]
    Team(records::TeamCommand),
    /// Fees charged to a customer (abolished items and 三零 connection fees are refused).
    #[command(subcommand)]
    Fee(records::FeeCommand),
    /// The service records of one application, or the office's figures (coverage, hazards,
    /// efficiency, disclosure, fees).
    Services {
        id: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// 获得电力报表: the applications accepted in a period, by county, class, process, operator or
    /// month, as XLSX or CSV: `report --from 2026-01-01 --to 2026-11-30 --by county --to r.xlsx`
    /// (`--to` takes the period's last day and the file; `--out FILE` names the file too).
    Report {
        /// The period's first day (YYYY-MM-DD; default: a year before its last).
        #[arg(long)]
        from: Option<String>,
        /// The period's last day (YYYY-MM-DD; default today) and/or the file to write
        /// (.xlsx or .csv); give it twice for both.
        #[arg(long = "to", value_name = "DATE|FILE")]
        to: Vec<String>,
        /// The file to write (.xlsx or .csv).
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// county, class, process, operator or month.
        #[arg(long, default_value = "county")]
        by: String,
        #[arg(long)]
        json: bool,
    },
    /// The office as papers print it: its name, service line and tracking address.
    Office {
        /// 供电单位 name (国网济宁供电公司 by default).
        #[arg(long)]
        name: Option<String>,
        /// The service line printed for tracking (95598 by default).
        #[arg(long)]
        phone: Option<String>,
        /// Where customers track their application online (none by default).
        #[arg(long)]
        tracking_url: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Write a backup of the whole store (events with their hashes) to FILE.
    Backup {
        #[arg(long, value_name = "FILE")]
        to: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// Restore a backup into an empty store, then verify it.
    Restore {
        file: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// The audit chain of events.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// What is due: open applications past their grid deadline, due today or the next working
    /// day, per step and per operator (deadlines marked 暂 when provisional).
    Due {
        /// How many applications to list, most overdue first (0: all).
        #[arg(long, default_value_t = 50)]
        limit: usize,
        #[arg(long)]
        json: bool,
    },
    /// Print the JSON Schema of the Application JSON or the Decision JSON (docs/schema/).
    Schema(schema::SchemaArgs),
    /// Policy bundles: check, test, bench, new, build, diff, activate.
    #[command(subcommand)]
    Policy(policy::PolicyCommand),
    /// Decide one application under a bundle and print the decision JSON.
    Evaluate(policy::EvaluateArgs),
    /// The working-day calendar: which years are loaded, which are provisional, what to load.
    #[command(subcommand)]
    Calendar(calendar::CalendarCommand),
    /// Find applications by name, pinyin (zw, zhangwei), ID number, phone, address or number,
    /// best first (the console's `/` search).
    Search {
        query: String,
        #[arg(long)]
        json: bool,
        /// At most this many (0: as many as the search looks at).
        #[arg(long, default_value_t = 20)]
        limit: usize,
    },
    /// Test helper: submit applications in a loop, printing each acknowledged id.
    #[command(name = "__crash-writer", hide = true)]
    CrashWriter {
        #[arg(long, default_value_t = u64::MAX)]
        count: u64,
    },
}

#[derive(Debug, Subcommand)]
pub enum AppCommand {
    /// Accept a new application from its JSON (docs/contracts.md); `-` reads stdin.
    New {
        #[arg(long = "json", value_name = "FILE|-")]
        file: String,
        #[arg(long, default_value = DEFAULT_ACTOR)]
        actor: String,
    },
    /// List applications, filtered through the store's indexes.
    List(ListArgs),
    /// One application with its decision and its events (timeline).
    Show {
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// Move an application to its next workflow state.
    Advance {
        id: String,
        #[arg(long, value_name = "STATE")]
        to: String,
        /// When it happened (RFC 3339, e.g. 2026-03-03T10:00:00+08:00); default now.
        #[arg(long, value_name = "RFC3339")]
        at: Option<String>,
        #[arg(long)]
        note: Option<String>,
        #[arg(long, default_value = DEFAULT_ACTOR)]
        actor: String,
        /// With `--to energized`: whether it was connected live-line (不停电接火).
        #[arg(long, value_name = "true|false")]
        live_line: Option<bool>,
        #[arg(long)]
        json: bool,
    },
    /// Cancel an open application.
    Cancel {
        id: String,
        #[arg(long)]
        reason: String,
        #[arg(long, default_value = DEFAULT_ACTOR)]
        actor: String,
        #[arg(long)]
        json: bool,
    },
    /// 更正: amend a mistyped form (the whole amended Application JSON; `-` reads stdin), with a
    /// reason; the decision is taken again and shown beside the old one.
    Amend {
        id: String,
        #[arg(long = "json", value_name = "FILE|-")]
        file: String,
        #[arg(long)]
        reason: String,
        #[arg(long, default_value = DEFAULT_ACTOR)]
        actor: String,
    },
}

#[derive(Debug, Clone, Args, serde::Serialize, serde::Deserialize)]
pub struct ListArgs {
    /// A workflow state id (accepted, plan_replied, …).
    #[arg(long)]
    pub status: Option<String>,
    /// A customer class (resident, small_micro, enterprise) or process class (low_voltage, hv_ordinary, hv_standard).
    #[arg(long)]
    pub class: Option<String>,
    /// A county (区县), e.g. 任城区.
    #[arg(long)]
    pub county: Option<String>,
    /// Only open applications past their grid deadline today.
    #[arg(long)]
    pub overdue: bool,
    /// Customer-name prefix.
    #[arg(long)]
    pub name: Option<String>,
    #[arg(long, default_value_t = 0)]
    pub offset: usize,
    #[arg(long, default_value_t = 50)]
    pub limit: usize,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Walk the hash chain of events and name the first broken link.
    Verify {
        #[arg(long)]
        json: bool,
    },
}

/// `--wait SECONDS` (a decimal number such as 30 or 0.5).
fn parse_wait(text: &str) -> Result<Duration, String> {
    text.trim()
        .parse::<f64>()
        .ok()
        .and_then(|s| Duration::try_from_secs_f64(s).ok())
        .ok_or_else(|| format!("{text:?} is not a number of seconds; write e.g. 30 or 0.5"))
}

/// How a command takes its store: the directory, how long it waits for another holder, and what
/// it tells whoever finds the store locked meanwhile ("app new", "console", …).
#[derive(Debug, Clone)]
pub struct Locking {
    pub dir: PathBuf,
    pub wait: Duration,
    pub what: &'static str,
}

impl Locking {
    /// Take the store in `dir` at once, or be refused.
    pub fn at_once(dir: &Path) -> Locking {
        Locking {
            dir: dir.to_path_buf(),
            wait: Duration::ZERO,
            what: "powerdesk",
        }
    }

    fn lock(&self) -> Result<StoreLock> {
        Ok(StoreLock::acquire_as(&self.dir, self.what, self.wait)?)
    }

    fn open_store(&self) -> Result<SledStore> {
        let store = SledStore::open_locked(self.lock()?, StoreOptions::default())?;
        print_open_notices(&store);
        Ok(store)
    }

    /// Open the store `lock` holds (taken as `self` says) for a command that only reads: on a
    /// full disk, again read-only, said on stderr, so the owner can still copy the data away.
    /// Returns the store and whether it is read-only.
    fn open_to_read(&self, lock: StoreLock) -> Result<(SledStore, bool)> {
        match SledStore::open_locked(lock, StoreOptions::default()) {
            Err(crate::domain::ports::StoreError::DiskFull { .. }) => {
                let options = StoreOptions {
                    read_only: true,
                    ..Default::default()
                };
                let store = SledStore::open_locked(self.lock()?, options)?;
                eprintln!(
                    "powerdesk: the disk holding store {} is full: opened read-only, nothing is written (open deadlines are not recounted); free space on it to write again",
                    crate::domain::text::escape_keeping_lines(&self.dir.display().to_string())
                );
                Ok((store, true))
            }
            Err(e) => Err(e.into()),
            Ok(store) => {
                print_open_notices(&store);
                Ok((store, false))
            }
        }
    }
}

/// What opening the store repaired (a corrupt snapshot set aside, …), on stderr.
fn print_open_notices(store: &SledStore) {
    for notice in store.open_notices() {
        eprintln!(
            "powerdesk: {}",
            crate::domain::text::escape_keeping_lines(notice)
        );
    }
}

/// The store directory: `--store` or the platform data directory.
pub fn store_dir(cli_store: Option<&Path>) -> Result<PathBuf> {
    match cli_store {
        Some(dir) => Ok(dir.to_path_buf()),
        None => dirs::data_dir()
            .map(|d| d.join("powerdesk"))
            .ok_or_else(|| anyhow!("no platform data directory; give the store with --store DIR")),
    }
}

/// The working-day calendar bundled with powerdesk (the Jining bundle's calendar/ files, State
/// Council notices; [`crate::policy::SHIPPED_CALENDAR`]).
pub fn bundled_calendar() -> Result<WorkingCalendar> {
    let years: Vec<&str> = crate::policy::SHIPPED_CALENDAR
        .iter()
        .map(|(_, text)| *text)
        .collect();
    WorkingCalendar::parse_years(&years)
        .map_err(|e| anyhow!("the bundled working-day calendar: {e}"))
}

/// The desk's clock for this process: the wall clock, or the instant `POWERDESK_NOW` pins
/// (RFC 3339 or a date; tests, training stores and demos set it).
pub fn clock() -> Result<Arc<dyn Clock>> {
    match std::env::var("POWERDESK_NOW") {
        Ok(text) if !text.trim().is_empty() => {
            let at = crate::service::parse_pinned(&text)
                .map_err(|e| anyhow!("POWERDESK_NOW: {e}; unset it to use the system clock"))?;
            Ok(Arc::new(FixedClock(at)))
        }
        _ => Ok(Arc::new(SystemClock)),
    }
}

/// A desk over `store` on this process's clock and the given calendar.
fn desk_over(store: Arc<dyn Repository>, calendar: Arc<WorkingCalendar>) -> Result<Desk> {
    Ok(Desk::new(store, calendar).with_clock(clock()?))
}

/// Where a store's calendar comes from.
enum CalendarSource {
    /// The year files of the active bundle in this directory.
    ActiveBundle(String),
    /// No bundle is active: the calendar powerdesk ships.
    Shipped,
    /// The active bundle cannot be read (why): the shipped calendar stands in.
    StandIn(String),
}

/// The calendar a store's deadlines are counted on: the active bundle's year files (no module
/// loaded), else the one powerdesk ships; when the active bundle cannot be read the shipped
/// calendar stands in, and nothing is recounted on it.
fn store_calendar_source(store: &dyn Repository) -> Result<(Arc<WorkingCalendar>, CalendarSource)> {
    use crate::policy::active::{active_calendar, ActiveError, SETTING_DIR};
    match active_calendar(store) {
        Ok(Some(calendar)) => {
            let dir = store.setting(SETTING_DIR)?.unwrap_or_default();
            Ok((Arc::new(calendar), CalendarSource::ActiveBundle(dir)))
        }
        Ok(None) => Ok((Arc::new(bundled_calendar()?), CalendarSource::Shipped)),
        Err(ActiveError::Store(e)) => Err(e.into()),
        Err(e) => Ok((
            Arc::new(bundled_calendar()?),
            CalendarSource::StandIn(e.to_string()),
        )),
    }
}

/// Open the store in `dir` and the desk over it, counting on the store's calendar; open
/// deadlines are recounted if that calendar changed since they were counted.
pub fn open_desk(dir: &Path) -> Result<Arc<Desk>> {
    open_desk_on_store_calendar(&Locking::at_once(dir)).map(|(desk, _)| desk)
}

/// [`open_desk`] as `at` says, and where the desk's calendar comes from.
fn open_desk_on_store_calendar(at: &Locking) -> Result<(Arc<Desk>, CalendarSource)> {
    let store = at.open_store()?;
    let (desk, source) = desk_on_store(store, false)?;
    Ok((Arc::new(desk), source))
}

/// The desk over `store`, counting on the store's calendar; open deadlines are recounted if that
/// calendar changed since they were counted (unless the store is open `read_only`).
fn desk_on_store(store: SledStore, read_only: bool) -> Result<(Desk, CalendarSource)> {
    let store: Arc<dyn Repository> = Arc::new(store);
    let (desk, source) = reads::desk_for(store, clock()?)?;
    if !read_only && !matches!(source, CalendarSource::StandIn(_)) {
        desk.sync_calendar()?;
    }
    Ok((desk, source))
}

/// Run a read command on the store `at` names: directly when its lock is free, else through the
/// endpoint of the process holding it (the console), else waiting for the lock as `at` says.
/// The output (what is printed, or the exported or backed-up file) goes to `out`.
fn run_read(at: &Locking, read: &Read, out: &mut dyn Write) -> Result<Outcome> {
    let deadline = Instant::now() + at.wait;
    let mut pause = Duration::from_millis(10);
    loop {
        let holder = match StoreLock::try_acquire_as(&at.dir, at.what)? {
            Ok(lock) => {
                let (store, read_only) = at.open_to_read(lock)?;
                let (desk, source) = desk_on_store(store, read_only)?;
                return reads::answer(&desk, &source, read, out);
            }
            Err(holder) => holder,
        };
        if let Some(outcome) = endpoint::ask(&at.dir, read, clock()?.now(), out)? {
            return Ok(outcome);
        }
        let now = Instant::now();
        if now >= deadline {
            return Err(crate::domain::ports::StoreError::Locked {
                dir: at.dir.display().to_string(),
                holder,
            }
            .into());
        }
        std::thread::sleep(pause.min(deadline - now));
        pause = (pause * 2).min(Duration::from_millis(250));
    }
}

/// Run a read command whose output is printed: everything it printed, then its error if any.
fn run_printing_read(at: &Locking, read: &Read) -> Result<()> {
    let mut printed = Vec::new();
    let result = run_read(at, read, &mut printed);
    std::io::stdout().lock().write_all(&printed)?;
    result.map(|_| ())
}

/// Run a read command whose output is a file (export, backup): written beside `to`, moved over
/// it once complete.
fn run_file_read(at: &Locking, read: &Read, to: &Path) -> Result<Outcome> {
    let (file, tmp) = create_beside(to)?;
    let mut out = std::io::BufWriter::new(file);
    let outcome = run_read(at, read, &mut out)?;
    finish_file(out, &tmp, to)?;
    Ok(outcome)
}

/// Open the desk for accepting applications: it decides with the store's active policy bundle
/// (none activated: the voltage fallback; activated but broken: a clear error, nothing written).
pub fn open_intake_desk(dir: &Path) -> Result<Arc<Desk>> {
    open_intake_desk_as(&Locking::at_once(dir))
}

fn open_intake_desk_as(at: &Locking) -> Result<Arc<Desk>> {
    let store = Arc::new(at.open_store()?);
    let host = crate::policy::host::PolicyHost::new(Default::default());
    let active = crate::policy::active::load_active(store.as_ref(), &host)?;
    let mut desk = desk_over(store, Arc::new(bundled_calendar()?))?;
    if let Some(bundle) = active {
        desk = desk.with_decider(bundle);
    }
    desk.sync_calendar()?;
    Ok(Arc::new(desk))
}

/// The desk for `demo`: demo applications are decided like real ones, by the store's active bundle,
/// or by `policy` (default: the shipped Jining bundle), which is then activated. The store is opened
/// and the bundle loaded once.
fn open_demo_desk(at: &Locking, policy: Option<PathBuf>) -> Result<Arc<Desk>> {
    let store = Arc::new(at.open_store()?);
    let host = crate::policy::host::PolicyHost::new(Default::default());
    let active = match policy {
        None => crate::policy::active::load_active(store.as_ref(), &host)?,
        Some(_) => None,
    };
    let bundle = match active {
        Some(bundle) => bundle,
        None => {
            let dir = policy.unwrap_or_else(|| {
                let here = PathBuf::from("policies/jining");
                if here.join("bundle.toml").exists() {
                    here
                } else {
                    Path::new(env!("CARGO_MANIFEST_DIR")).join("policies/jining")
                }
            });
            let now = clock()?.now();
            Arc::new(crate::policy::active::activate(
                store.as_ref(),
                &host,
                &dir,
                "demo",
                now,
            )?)
        }
    };
    let desk = desk_over(store, Arc::new(bundled_calendar()?))?.with_decider(bundle);
    desk.sync_calendar()?;
    Ok(Arc::new(desk))
}

/// What the console's worker runs first: open the store (with the console's smaller cache), the
/// calendar and the active policy bundle. A broken active bundle does not keep the console shut:
/// it says so on the status line. A failure is also left in `failure`, to be returned as is.
pub fn console_opener(
    dir: PathBuf,
    policies: PathBuf,
    failure: Arc<std::sync::Mutex<Option<anyhow::Error>>>,
) -> crate::tui::worker::Opener {
    console_opener_waiting(dir, policies, failure, Duration::ZERO)
}

/// [`console_opener`] waiting up to `wait` for a store another process holds. Once open, the
/// console serves reads of its store to other processes (`endpoint`) until it closes.
pub fn console_opener_waiting(
    dir: PathBuf,
    policies: PathBuf,
    failure: Arc<std::sync::Mutex<Option<anyhow::Error>>>,
    wait: Duration,
) -> crate::tui::worker::Opener {
    Box::new(move |early: &dyn Fn(crate::tui::Action)| {
        let open = || -> Result<crate::tui::worker::Opened> {
            // Locked first: the stored first page is shown only if the store is unchanged, and
            // nothing can change it once we hold the lock.
            let lock = StoreLock::acquire_as(&dir, "console", wait)?;
            let calendar = Arc::new(bundled_calendar()?);
            let clock = clock()?;
            let today = crate::domain::calendar::china_date(clock.now());
            if let Some(page) = crate::tui::first_page::load(&lock, &calendar, today) {
                early(page);
            }
            let store = Arc::new(SledStore::open_locked(lock, crate::tui::STORE_OPTIONS)?);
            // What the open recovered from (a corrupt snapshot set aside) goes first.
            let recovered = store.open_notices().join("; ");
            let desk = Arc::new(Desk::new(store.clone(), calendar).with_clock(clock));
            let host = crate::policy::host::PolicyHost::new(Default::default());
            let notice = match crate::policy::active::load_active(desk.repository().as_ref(), &host)
            {
                Ok(active) => {
                    if let Some(bundle) = active {
                        desk.set_decider(Some(bundle));
                    }
                    // Deadlines follow the calendar in effect (a year file loaded since).
                    match desk.sync_calendar() {
                        // The opener has no language: the operator reads both.
                        Ok(sync) if sync.updated > 0 => Some(format!(
                            "工作日历已变更：已重算 {n} 个未结时限（{p} 个仍为暂定）/ working-day calendar changed: {n} open deadlines recounted ({p} still provisional)",
                            n = sync.updated,
                            p = sync.still_provisional
                        )),
                        Ok(_) => None,
                        Err(e) => Some(e.to_string()),
                    }
                }
                Err(e) => Some(e.to_string()),
            };
            let notice = match notice {
                _ if recovered.is_empty() => notice,
                Some(n) => Some(format!("{recovered}; {n}")),
                None => Some(recovered),
            };
            let catalog = crate::tui::catalog::BundleCatalog::new(&policies, host, desk.clone());
            // Other processes read, export and back up this store through the console.
            let (endpoint, notice) = match endpoint::serve(&dir, desk.clone()) {
                Ok(endpoint) => (Some(endpoint), notice),
                Err(e) => {
                    let why = format!(
                        "other commands cannot read this store while the console is open ({}: {e})",
                        endpoint::ENDPOINT_SOCKET
                    );
                    let notice = Some(match notice {
                        Some(n) => format!("{n}; {why}"),
                        None => why,
                    });
                    (None, notice)
                }
            };
            let close_store = crate::tui::first_page::closer(store);
            Ok(crate::tui::worker::Opened {
                desk,
                catalog: Some(Arc::new(catalog)),
                notice,
                // The endpoint stops (its socket removed) before the store closes.
                close: Some(Box::new(move |page| {
                    drop(endpoint);
                    close_store(page)
                })),
            })
        };
        open().map_err(|e| {
            let message = e.to_string();
            *failure.lock().unwrap_or_else(|e| e.into_inner()) = Some(e);
            message
        })
    })
}

/// Run one parsed command line.
pub fn run(cli: Cli) -> Result<()> {
    let Some(command) = cli.command else {
        let config = crate::tui::config::Config::load(cli.config.as_deref(), cli.lang.as_deref())?;
        let dir = store_dir(cli.store.as_deref())?;
        // The store is opened on the console's worker: the first frame does not wait for it.
        let failure: Arc<std::sync::Mutex<Option<anyhow::Error>>> = Default::default();
        let wait = cli.wait.unwrap_or_default();
        // The unsubmitted form is kept beside the store (`tui::draft`).
        let draft_dir = dir.clone();
        let open = console_opener_waiting(dir, config.policies.clone(), failure.clone(), wait);
        let result = crate::tui::run_console(open, config, clock()?.now(), Some(&draft_dir));
        if let Some(e) = failure.lock().unwrap_or_else(|e| e.into_inner()).take() {
            return Err(e);
        }
        return result.context("the console");
    };
    // A command runs and exits: memory it frees is kept for reuse rather than given back.
    crate::allocator::prefer_throughput();
    let dir = store_dir(cli.store.as_deref())?;
    let at = |what: &'static str| Locking {
        dir: dir.clone(),
        wait: cli.wait.unwrap_or_default(),
        what,
    };
    match command {
        Command::Schema(args) => schema::run_schema(&args),
        Command::App(app) => run_app(&at(app.name()), app),
        Command::Policy(cmd) => policy::run_policy(&cmd, &|| {
            let store: Arc<dyn crate::domain::ports::Repository> =
                Arc::new(at("policy").open_store()?);
            Ok(store)
        }),
        Command::Evaluate(args) => policy::run_evaluate(&args, &|| {
            let store: Arc<dyn crate::domain::ports::Repository> =
                Arc::new(at("evaluate").open_store()?);
            Ok(store)
        }),
        Command::Calendar(cmd) => calendar::run(&cmd, &at("calendar check"), cli.store.is_some()),
        Command::Import { file, actor, json } => {
            let text = read_input(&file.to_string_lossy())?;
            // New applications are decided by the active bundle, as `app new` decides them.
            let desk = open_intake_desk_as(&at("import"))?;
            let report = desk.import(&text, &actor)?;
            if json {
                print_json(&report)
            } else {
                println!(
                    "imported {} applications ({} new, {} restored from an export)",
                    report.ids.len(),
                    report.accepted,
                    report.restored
                );
                Ok(())
            }
        }
        Command::Export { to, json } => {
            let count = match run_file_read(&at("export"), &Read::Export, &to)? {
                Outcome::Exported(count) => count,
                other => bail!("export: the store's holder answered {other:?}; use the same powerdesk for both"),
            };
            report_count(json, "exported", count, &to)
        }
        Command::Demo {
            count,
            seed,
            policy,
            json,
        } => {
            let desk = open_demo_desk(&at("demo"), policy)?;
            let summary = demo::generate(&desk, count, seed)?;
            // Beside the applications, the office's service records (bounded in number).
            let services = crate::service::demo_services::fill(&desk, seed)?;
            if json {
                let mut value = serde_json::to_value(&summary)?;
                value["services"] = serde_json::to_value(&services)?;
                print_json(&value)
            } else {
                println!("{summary}");
                println!("{services}");
                Ok(())
            }
        }
        Command::Doc { kind, id, to, json } => run_doc(&at("doc"), &kind, id, &to, json),
        Command::Report {
            from,
            to,
            out,
            by,
            json,
        } => run_report(
            &at("report"),
            from,
            to,
            out,
            &by,
            json,
            &lang(cli.config.as_deref(), cli.lang.as_deref())?,
        ),
        Command::Firm(cmd) => records::run_firm(
            &*record_desk(&at("firm"))?,
            cmd,
            &lang(cli.config.as_deref(), cli.lang.as_deref())?,
        ),
        Command::Capacity(cmd) => records::run_capacity(
            &*record_desk(&at("capacity"))?,
            cmd,
            &lang(cli.config.as_deref(), cli.lang.as_deref())?,
        ),
        Command::Disclosure(cmd) => records::run_disclosure(
            &*record_desk(&at("disclosure"))?,
            cmd,
            &lang(cli.config.as_deref(), cli.lang.as_deref())?,
        ),
        Command::Safety(cmd) => records::run_safety(
            &*record_desk(&at("safety"))?,
            cmd,
            &lang(cli.config.as_deref(), cli.lang.as_deref())?,
        ),
        Command::Efficiency(cmd) => records::run_efficiency(
            &*record_desk(&at("efficiency"))?,
            cmd,
            &lang(cli.config.as_deref(), cli.lang.as_deref())?,
        ),
        Command::Team(cmd) => records::run_team(
            &*record_desk(&at("team"))?,
            cmd,
            &lang(cli.config.as_deref(), cli.lang.as_deref())?,
        ),
        Command::Fee(cmd) => records::run_fee(
            &*record_desk(&at("fee"))?,
            cmd,
            &lang(cli.config.as_deref(), cli.lang.as_deref())?,
        ),
        Command::Services { id, json } => records::run_services(
            &*record_desk(&at("services"))?,
            id,
            json,
            &lang(cli.config.as_deref(), cli.lang.as_deref())?,
        ),
        Command::Office {
            name,
            phone,
            tracking_url,
            json,
        } => run_office(&at("office"), name, phone, tracking_url, json),
        Command::Backup { to, json } => {
            let summary = match run_file_read(&at("backup"), &Read::Backup, &to)? {
                Outcome::BackedUp(summary) => summary,
                other => bail!("backup: the store's holder answered {other:?}; use the same powerdesk for both"),
            };
            if json {
                print_json(&summary)
            } else {
                println!(
                    "backed up {} applications and {} events to {}",
                    summary.applications,
                    summary.events,
                    to.display()
                );
                Ok(())
            }
        }
        Command::Restore { file, json } => {
            let input = std::fs::File::open(&file)
                .with_context(|| format!("opening backup {}", file.display()))?;
            let store = at("restore").open_store()?;
            let summary = store
                .restore(&mut BufReader::new(input))
                .map_err(|e| match e {
                    // Name the file that is wrong.
                    crate::domain::ports::StoreError::BadBackup(_) => {
                        anyhow!("backup {}: {e}", file.display())
                    }
                    e => e.into(),
                })?;
            if json {
                print_json(&summary)
            } else {
                println!(
                    "restored {} applications and {} events into {}; audit chain and indexes verified",
                    summary.applications,
                    summary.events,
                    dir.display()
                );
                Ok(())
            }
        }
        Command::Audit(AuditCommand::Verify { json }) => {
            run_printing_read(&at("audit verify"), &Read::AuditVerify { json })
        }
        Command::Search { query, json, limit } => {
            run_printing_read(&at("search"), &Read::Search { query, json, limit })
        }
        Command::Due { limit, json } => run_printing_read(&at("due"), &Read::Due { limit, json }),
        Command::CrashWriter { count } => crash::run(&at("__crash-writer"), count),
    }
}

impl AppCommand {
    /// The command's name, as the lock file gives it.
    fn name(&self) -> &'static str {
        match self {
            AppCommand::New { .. } => "app new",
            AppCommand::List(_) => "app list",
            AppCommand::Show { .. } => "app show",
            AppCommand::Advance { .. } => "app advance",
            AppCommand::Cancel { .. } => "app cancel",
            AppCommand::Amend { .. } => "app amend",
        }
    }
}

fn run_app(at: &Locking, command: AppCommand) -> Result<()> {
    match command {
        AppCommand::New { file, actor } => {
            let text = read_input(&file)?;
            let desk = open_intake_desk_as(at)?;
            let app = desk.submit_json(&text, &actor)?;
            print_json(&app)
        }
        AppCommand::Amend {
            id,
            file,
            reason,
            actor,
        } => {
            let text = read_input(&file)?;
            let form = crate::domain::validation::parse_form(&text)
                .map_err(crate::service::DeskError::Invalid)?;
            let desk = open_intake_desk_as(at)?;
            let amendment = desk.amend(&AppId(id), form, &reason, &actor)?;
            print_json(&amendment)
        }
        AppCommand::List(args) => run_printing_read(at, &Read::List(args)),
        AppCommand::Show { id, json } => run_printing_read(at, &Read::Show { id, json }),
        AppCommand::Advance {
            id,
            to,
            at: at_time,
            note,
            actor,
            live_line,
            json,
        } => {
            let to = parse_state(&to, "--to")?;
            let when = at_time.as_deref().map(parse_at).transpose()?;
            let (desk, _) = open_desk_on_store_calendar(at)?;
            let app = match live_line {
                Some(live_line) if to == State::Energized => {
                    desk.energize(&AppId(id), when, note, live_line, &actor)?
                }
                Some(_) => {
                    bail!("--live-line: only a move to energized records how it was connected")
                }
                None => desk.advance(&AppId(id), to, when, note, &actor)?,
            };
            if json {
                print_json(&app)
            } else {
                println!(
                    "{} is now {} ({})",
                    app.id,
                    app.status.id(),
                    app.status.label_zh()
                );
                Ok(())
            }
        }
        AppCommand::Cancel {
            id,
            reason,
            actor,
            json,
        } => {
            let (desk, _) = open_desk_on_store_calendar(at)?;
            let app = desk.cancel(&AppId(id), &reason, &actor)?;
            if json {
                print_json(&app)
            } else {
                println!("{} is cancelled ({})", app.id, app.status.label_zh());
                Ok(())
            }
        }
    }
}

fn list_query(args: &ListArgs, today: chrono::NaiveDate) -> Result<Query> {
    let mut query = Query {
        offset: args.offset,
        limit: args.limit,
        ..Query::default()
    };
    if let Some(s) = &args.status {
        query.status = Some(parse_state(s, "--status")?);
    }
    if let Some(c) = &args.class {
        if let Some(class) = CustomerClass::from_id(c) {
            query.class = Some(class);
        } else if let Some(process) = ProcessClass::from_id(c) {
            query.process = Some(process);
        } else {
            bail!(
                "--class: unknown class {c:?}; use a customer class (resident, small_micro, enterprise) or a process class (low_voltage, hv_ordinary, hv_standard)"
            );
        }
    }
    query.county = args.county.clone();
    query.name_prefix = args.name.clone();
    if args.overdue {
        query.overdue_on = Some(today);
    }
    Ok(query)
}

fn parse_state(s: &str, flag: &str) -> Result<State> {
    State::from_id(s).ok_or_else(|| {
        let all: Vec<_> = State::ALL.iter().map(|s| s.id()).collect();
        anyhow!("{flag}: unknown state {s:?}; use one of {}", all.join(", "))
    })
}

fn parse_at(s: &str) -> Result<DateTime<FixedOffset>> {
    DateTime::parse_from_rfc3339(s).map_err(|e| {
        anyhow!("--at: {s:?} is not an RFC 3339 time ({e}); write e.g. 2026-03-03T10:00:00+08:00")
    })
}

/// A file's text, or stdin for `-`.
/// Read a file (or stdin for `-`) of JSON lines, each at most `MAX_IMPORT_LINE_BYTES`: a longer
/// line stops the read at once, named by its number, before it fills memory.
fn read_input(path: &str) -> Result<String> {
    use std::io::BufRead;
    let source: Box<dyn std::io::Read> = if path == "-" {
        Box::new(std::io::stdin())
    } else {
        Box::new(std::fs::File::open(path).with_context(|| format!("reading {path}"))?)
    };
    let limit = crate::domain::text::MAX_IMPORT_LINE_BYTES;
    let mut reader = BufReader::new(source);
    let mut text = Vec::new();
    let mut line = Vec::new();
    for number in 1.. {
        line.clear();
        let read = (&mut reader)
            .take(limit as u64 + 1)
            .read_until(b'\n', &mut line)
            .with_context(|| format!("reading {path}"))?;
        if read == 0 {
            break;
        }
        let body = line.strip_suffix(b"\n").unwrap_or(&line);
        if body.len() > limit {
            bail!(
                "{path}: line {number} is longer than {} MiB, more than any application with its history; nothing was read further and nothing written: check the file",
                limit >> 20
            );
        }
        text.extend_from_slice(&line);
    }
    String::from_utf8(text).map_err(|e| {
        anyhow!(
            "{path}: not UTF-8 text (byte {}); save it as UTF-8",
            e.utf8_error().valid_up_to()
        )
    })
}

/// A temporary file next to `to`, renamed over it when complete (no half-written output).
/// `powerdesk office [--name N] [--phone P] [--tracking-url U]`: set what is given, print all.
fn run_office(
    at: &Locking,
    name: Option<String>,
    phone: Option<String>,
    tracking_url: Option<String>,
    json: bool,
) -> Result<()> {
    use crate::domain::text::escape_for_terminal as esc;
    use crate::service::{DeskError, OfficeChange};
    let (desk, _) = open_desk_on_store_calendar(at)?;
    let office = desk
        .set_office(OfficeChange {
            name,
            phone,
            tracking_url,
        })
        .map_err(|e| match e {
            // Name the flag the operator typed.
            DeskError::Text(f) => anyhow!("--{}: {}", f.field.replace('_', "-"), f.message),
            other => other.into(),
        })?;
    if json {
        print_json(&office)
    } else {
        let url = office.tracking_url.as_deref().map_or("(none)".into(), esc);
        println!(
            "{}\nservice line: {}\ntracking: {url}",
            esc(&office.name),
            esc(&office.phone)
        );
        Ok(())
    }
}

/// `powerdesk report`: the period from `--from` and `--to` (a date), the file from `--to` (not
/// a date) or `--out`.
fn run_report(
    at: &Locking,
    from: Option<String>,
    to: Vec<String>,
    out: Option<PathBuf>,
    by: &str,
    json: bool,
    lang: &str,
) -> Result<()> {
    use crate::domain::report::{GroupBy, Period};
    use crate::papers::report::{write, ReportFormat};
    let date = |flag: &str, v: &str| -> Result<chrono::NaiveDate> {
        v.trim()
            .parse()
            .map_err(|_| anyhow!("--{flag}: “{v}” is not a date; give YYYY-MM-DD"))
    };
    let by = GroupBy::from_id(by.trim()).ok_or_else(|| {
        anyhow!(
            "--by: “{by}” is not one of {}",
            GroupBy::ALL.map(|g| g.id()).join(", ")
        )
    })?;
    let (mut last, mut file) = (None, out);
    for v in &to {
        if v.trim().parse::<chrono::NaiveDate>().is_ok() {
            if last.replace(date("to", v)?).is_some() {
                bail!("--to: two dates given; give the period's last day once");
            }
        } else if v.len() == 10 && v.chars().filter(|c| *c == '-').count() == 2 {
            // Looks like a date but is not one (2026-13-01): say so rather than write a file.
            date("to", v)?;
        } else if file.replace(PathBuf::from(v)).is_some() {
            bail!("--to: two files given; give the file once (or with --out)");
        }
    }
    let file = file.ok_or_else(|| {
        anyhow!("--to: give the file to write (.xlsx or .csv), e.g. --to report.xlsx")
    })?;
    let format = ReportFormat::of(&file).ok_or_else(|| {
        anyhow!(
            "--to: {} must end in .xlsx or .csv (the format follows the extension)",
            file.display()
        )
    })?;
    let desk = open_intake_desk_as(at)?;
    let last = last.unwrap_or_else(|| desk.today());
    let first = match from {
        Some(f) => date("from", &f)?,
        None => last
            .checked_sub_months(chrono::Months::new(12))
            .and_then(|d| d.succ_opt())
            .unwrap_or(last),
    };
    let period = Period::new(first, last)
        .map_err(|(zh, en)| anyhow!("--from/--to: {}", if lang == "zh" { zh } else { en }))?;
    let (report, skipped, first_skip) = desk.report(period, by)?;
    let bytes = write(&report, format, lang == "zh", &file)?;
    if json {
        let mut value = serde_json::to_value(&report)?;
        value["file"] = serde_json::json!(file.display().to_string());
        value["bytes"] = serde_json::json!(bytes);
        value["skipped"] = serde_json::json!(skipped);
        return print_json(&value);
    }
    println!(
        "report of {} applications accepted {} to {} by {}, {} rows: {} ({bytes} bytes)",
        report.total.applications,
        period.from,
        period.to,
        by.id(),
        report.rows.len(),
        file.display()
    );
    if let Some(why) = first_skip {
        println!(
            "{skipped} applications left out, their figures could not be computed; the first: {}",
            crate::domain::text::escape_for_terminal(&why)
        );
    }
    Ok(())
}

/// The desk for service records: the store's calendar and its active bundle (fees, efficiency
/// and the disclosure read the bundle).
fn record_desk(at: &Locking) -> Result<Arc<Desk>> {
    open_intake_desk_as(at)
}

/// The operator's language for refusals: `--lang`, else the config's, else LC_ALL / LANG.
fn lang(config: Option<&Path>, flag: Option<&str>) -> Result<String> {
    let config = crate::tui::config::Config::load(config, flag)?;
    Ok(match config.lang {
        crate::tui::i18n::Lang::Zh => "zh",
        crate::tui::i18n::Lang::En => "en",
    }
    .to_string())
}

/// `powerdesk doc KIND [ID] --to FILE`.
fn run_doc(at: &Locking, kind: &str, id: Option<String>, to: &Path, json: bool) -> Result<()> {
    use crate::domain::papers::PaperKind;
    use crate::papers::{write, Format};
    let kinds = || {
        PaperKind::ALL
            .iter()
            .map(|k| k.id())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let kind = PaperKind::from_id(kind)
        .ok_or_else(|| anyhow!("doc: “{kind}” is not a paper; give one of {}", kinds()))?;
    let format = Format::of(to).ok_or_else(|| {
        anyhow!(
            "--to: {} must end in .pdf or .html (the format follows the extension)",
            to.display()
        )
    })?;
    let id = match (kind, id) {
        (PaperKind::Disclosure, Some(id)) => {
            bail!("doc disclosure: the disclosure is the office's, not {id}'s; leave the id out")
        }
        (PaperKind::Disclosure, None) => None,
        (_, None) => bail!(
            "doc {}: give the application's id (powerdesk doc {} JN-2026-000001 --to FILE)",
            kind.id(),
            kind.id()
        ),
        (_, Some(id)) => Some(AppId(id)),
    };
    let desk = open_intake_desk_as(at)?;
    let paper = desk.paper(kind, id.as_ref())?;
    let bytes = write(&paper, format, to)?;
    if json {
        print_json(&serde_json::json!({
            "paper": kind.id(),
            "reference": paper.reference,
            "file": to.display().to_string(),
            "bytes": bytes,
        }))
    } else {
        println!(
            "wrote {} ({}) of {} to {} ({} bytes)",
            kind.id(),
            paper.title,
            paper.reference,
            to.display(),
            bytes
        );
        Ok(())
    }
}

fn create_beside(to: &Path) -> Result<(std::fs::File, PathBuf)> {
    let mut name = to
        .file_name()
        .ok_or_else(|| anyhow!("--to: {} is not a file name", to.display()))?
        .to_os_string();
    name.push(".partial");
    let tmp = to.with_file_name(name);
    let file =
        std::fs::File::create(&tmp).with_context(|| format!("creating {}", tmp.display()))?;
    Ok((file, tmp))
}

fn finish_file(out: std::io::BufWriter<std::fs::File>, tmp: &Path, to: &Path) -> Result<()> {
    let file = out
        .into_inner()
        .map_err(|e| anyhow!("writing {}: {}", tmp.display(), e.error()))?;
    file.sync_all()
        .with_context(|| format!("syncing {}", tmp.display()))?;
    std::fs::rename(tmp, to)
        .with_context(|| format!("moving {} to {}", tmp.display(), to.display()))
}

fn report_count(json: bool, verb: &str, count: usize, to: &Path) -> Result<()> {
    if json {
        print_json(&serde_json::json!({ verb: count, "file": to.display().to_string() }))
    } else {
        println!("{verb} {count} applications to {}", to.display());
        Ok(())
    }
}

/// Print `value` as pretty JSON. serde_json escapes C0 controls; C1 controls and text-direction
/// characters (which only occur inside strings) are escaped too, so no stored text acts on a
/// terminal the JSON is shown in.
fn print_json<T: serde::Serialize + ?Sized>(value: &T) -> Result<()> {
    write_json(&mut std::io::stdout().lock(), value)
}

/// [`print_json`] to `out`.
fn write_json<T: serde::Serialize + ?Sized>(out: &mut dyn Write, value: &T) -> Result<()> {
    let json = serde_json::to_string_pretty(value)?;
    let mut safe = String::with_capacity(json.len() + 1);
    for c in json.chars() {
        if c != '\n' && crate::domain::text::is_unsafe(c) {
            safe.push_str(&format!("\\u{:04x}", c as u32));
        } else {
            safe.push(c);
        }
    }
    safe.push('\n');
    out.write_all(safe.as_bytes())?;
    Ok(())
}

/// Write text for a person: every stored text in it is escaped for the terminal.
fn write_text(out: &mut dyn Write, text: &str) -> Result<()> {
    let safe = crate::domain::text::escape_keeping_lines(text);
    out.write_all(safe.as_bytes())?;
    Ok(())
}

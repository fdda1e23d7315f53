//! The service records' commands (`firm`, `capacity`, `disclosure`, `safety`, `efficiency`,
//! `team`, `fee`, `services`): each a Desk call, `--json` for scripts, refusals naming the field
//! in the operator's language.

use anyhow::{anyhow, Result};
use chrono::NaiveDate;
use clap::Subcommand;
use serde::de::DeserializeOwned;

use super::{print_json, DEFAULT_ACTOR};
use crate::domain::office::disclosure::CountyCapacity;
use crate::domain::office::firms::{ChosenBy, Firm, FirmRole};
use crate::domain::office::record::Stored;
use crate::domain::office::teams::Specialist;
use crate::domain::text::escape_for_terminal as esc;
use crate::domain::AppId;
use crate::service::records::CampaignOpening;
use crate::service::{Desk, DeskError};

#[derive(Debug, Subcommand)]
pub enum FirmCommand {
    /// List a firm on the public list of design/construction/equipment firms (or update it).
    Add {
        /// The firm's id on the list (letters, digits, - and _).
        id: String,
        #[arg(long)]
        name: String,
        /// design, construction, equipment_supplier (comma-separated).
        #[arg(long, value_delimiter = ',', required = true)]
        role: Vec<String>,
        #[arg(long, default_value = "")]
        qualification: String,
        #[arg(long, default_value = "")]
        contact: String,
        #[arg(long, default_value = DEFAULT_ACTOR)]
        actor: String,
        #[arg(long)]
        json: bool,
    },
    /// Take a firm off the list (kept, marked: earlier choices still name it).
    Delist {
        id: String,
        #[arg(long, default_value = DEFAULT_ACTOR)]
        actor: String,
        #[arg(long)]
        json: bool,
    },
    /// The public list.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Record the firm a customer chose itself (三指定: the office never designates one).
    Choose {
        /// The application.
        app: String,
        #[arg(long)]
        role: String,
        #[arg(long)]
        firm: String,
        #[arg(long, default_value = "")]
        note: String,
        #[arg(long, default_value = DEFAULT_ACTOR)]
        actor: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum CapacityCommand {
    /// Set a county's open capacity and constrained areas (配电网接入能力及容量受限情况).
    Set {
        county: String,
        /// Capacity still open to new connections, in MVA.
        #[arg(long)]
        mva: f64,
        /// The date the figures are as of (YYYY-MM-DD).
        #[arg(long = "as-of")]
        as_of: String,
        /// A constrained area (repeat for each).
        #[arg(long = "area")]
        areas: Vec<String>,
        #[arg(long, default_value = DEFAULT_ACTOR)]
        actor: String,
        #[arg(long)]
        json: bool,
    },
    List {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum DisclosureCommand {
    /// Publish the notice as a new version (refused when nothing changed, unless --force).
    Publish {
        #[arg(long)]
        force: bool,
        #[arg(long, default_value = DEFAULT_ACTOR)]
        actor: String,
        #[arg(long)]
        json: bool,
    },
    /// Every published version with its digest, and whether a new one is due.
    List {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum SafetyCommand {
    /// Open a campaign over every customer in scope (全覆盖: every energized application).
    Open {
        #[arg(long)]
        name: String,
        /// The county it covers (default: the whole office).
        #[arg(long)]
        county: Option<String>,
        #[arg(long)]
        from: String,
        #[arg(long)]
        to: String,
        /// Working days to rectify a major hazard.
        #[arg(long = "major-days", default_value_t = 5)]
        major_days: u32,
        /// Working days to rectify a general hazard.
        #[arg(long = "general-days", default_value_t = 20)]
        general_days: u32,
        #[arg(long, default_value = DEFAULT_ACTOR)]
        actor: String,
        #[arg(long)]
        json: bool,
    },
    /// Campaigns with their coverage and hazards.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Record a customer visited (走访).
    Visit {
        campaign: String,
        customer: String,
        /// Default today.
        #[arg(long)]
        on: Option<String>,
        #[arg(long, default_value = "")]
        note: String,
        #[arg(long, default_value = DEFAULT_ACTOR)]
        actor: String,
        #[arg(long)]
        json: bool,
    },
    /// Close a campaign (every customer visited, every hazard rectified).
    Close {
        campaign: String,
        #[arg(long, default_value = DEFAULT_ACTOR)]
        actor: String,
        #[arg(long)]
        json: bool,
    },
    /// Record a hazard found at a customer (its deadline follows from its class).
    Hazard {
        campaign: String,
        customer: String,
        /// major or general.
        #[arg(long)]
        class: String,
        #[arg(long)]
        what: String,
        #[arg(long)]
        on: Option<String>,
        #[arg(long, default_value = DEFAULT_ACTOR)]
        actor: String,
        #[arg(long)]
        json: bool,
    },
    /// Record a hazard's next step of 四到位: service, notice, report, supervision.
    Step {
        hazard: String,
        step: String,
        #[arg(long)]
        on: Option<String>,
        #[arg(long, default_value = DEFAULT_ACTOR)]
        actor: String,
        #[arg(long)]
        json: bool,
    },
    /// Record a hazard rectified (重整改).
    Rectify {
        hazard: String,
        #[arg(long)]
        on: Option<String>,
        #[arg(long, default_value = DEFAULT_ACTOR)]
        actor: String,
        #[arg(long)]
        json: bool,
    },
    /// Hazards (all, or only those not rectified).
    Hazards {
        #[arg(long)]
        open: bool,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum EfficiencyCommand {
    /// Set an eligible enterprise's plan (定人、定期、定制).
    Plan {
        app: String,
        #[arg(long)]
        person: String,
        /// Days between services.
        #[arg(long)]
        every: u32,
        /// energy_saving_consulting, efficiency_analysis, preventive_test,
        /// demand_response_agency (comma-separated).
        #[arg(long, value_delimiter = ',', required = true)]
        service: Vec<String>,
        #[arg(long)]
        from: Option<String>,
        #[arg(long, default_value = DEFAULT_ACTOR)]
        actor: String,
        #[arg(long)]
        json: bool,
    },
    /// Record a service delivered and the advice given.
    Deliver {
        app: String,
        #[arg(long)]
        service: String,
        /// basic_charge_method, peak_valley, power_factor (comma-separated).
        #[arg(long, value_delimiter = ',')]
        advice: Vec<String>,
        #[arg(long, default_value = "")]
        summary: String,
        #[arg(long)]
        on: Option<String>,
        #[arg(long, default_value = DEFAULT_ACTOR)]
        actor: String,
        #[arg(long)]
        json: bool,
    },
    List {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum TeamCommand {
    /// Form a large/medium enterprise's 1+N team.
    Form {
        app: String,
        #[arg(long)]
        manager: String,
        /// NAME:SPECIALTY (marketing, operations, dispatch, planning, design); repeat.
        #[arg(long = "specialist")]
        specialists: Vec<String>,
        #[arg(long)]
        on: Option<String>,
        #[arg(long, default_value = DEFAULT_ACTOR)]
        actor: String,
        #[arg(long)]
        json: bool,
    },
    /// Book a small/micro customer's appointment visit (预约上门).
    Visit {
        app: String,
        #[arg(long)]
        visitor: String,
        #[arg(long)]
        on: String,
        #[arg(long, default_value = "")]
        note: String,
        #[arg(long, default_value = DEFAULT_ACTOR)]
        actor: String,
        #[arg(long)]
        json: bool,
    },
    /// Record the booked visit made.
    Done {
        app: String,
        #[arg(long, default_value = DEFAULT_ACTOR)]
        actor: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum FeeCommand {
    /// Record a fee charged (abolished items and 三零 connection fees are refused).
    Charge {
        app: String,
        #[arg(long)]
        item: String,
        #[arg(long)]
        yuan: f64,
        /// The fee is for the connection itself.
        #[arg(long)]
        connection: bool,
        /// The standard or document it rests on.
        #[arg(long, default_value = "")]
        basis: String,
        #[arg(long, default_value = DEFAULT_ACTOR)]
        actor: String,
        #[arg(long)]
        json: bool,
    },
    List {
        #[arg(long)]
        json: bool,
    },
    /// Set a fee item the office charges and its standard (收费项目及标准, in the disclosure).
    Standard {
        item: String,
        /// The standard in words: price, unit, the document it rests on.
        #[arg(long)]
        standard: String,
        #[arg(long, default_value = DEFAULT_ACTOR)]
        actor: String,
        #[arg(long)]
        json: bool,
    },
    /// The fee items and standards.
    Standards {
        #[arg(long)]
        json: bool,
    },
}

/// A record command's refusal in the operator's language, naming the field.
fn refusal(e: DeskError, lang: &str) -> anyhow::Error {
    match e {
        DeskError::Record(r) => anyhow!("{}: {}", r.field, r.message(lang)),
        other => other.into(),
    }
}

/// A value of one of the domain's snake_case enums, or an error naming the flag and the values.
fn pick<T: DeserializeOwned>(flag: &str, value: &str, allowed: &[&str]) -> Result<T> {
    serde_json::from_value(serde_json::Value::String(value.trim().to_string())).map_err(|_| {
        anyhow!(
            "--{flag}: “{}” is not one of {}",
            esc(value),
            allowed.join(", ")
        )
    })
}

fn date(flag: &str, value: Option<&str>, desk: &Desk) -> Result<NaiveDate> {
    match value {
        None => Ok(desk.today()),
        Some(v) => v
            .trim()
            .parse()
            .map_err(|_| anyhow!("--{flag}: “{}” is not a date; give YYYY-MM-DD", esc(v))),
    }
}

fn show<T: serde::Serialize>(json: bool, record: &Stored<T>) -> Result<()> {
    if json {
        return print_json(record);
    }
    let last = record.history.last();
    println!(
        "{} {}: {}",
        record.kind.label_zh(),
        esc(&record.id),
        last.map_or(String::new(), |e| esc(&e.summary).into_owned()),
    );
    Ok(())
}

const ROLES: [&str; 3] = ["design", "construction", "equipment_supplier"];
const SERVICES: [&str; 4] = [
    "energy_saving_consulting",
    "efficiency_analysis",
    "preventive_test",
    "demand_response_agency",
];
const ADVICE: [&str; 3] = ["basic_charge_method", "peak_valley", "power_factor"];
const SPECIALTIES: [&str; 5] = ["marketing", "operations", "dispatch", "planning", "design"];

pub fn run_firm(desk: &Desk, cmd: FirmCommand, lang: &str) -> Result<()> {
    let no = |e| refusal(e, lang);
    match cmd {
        FirmCommand::Add {
            id,
            name,
            role,
            qualification,
            contact,
            actor,
            json,
        } => {
            let roles = role
                .iter()
                .map(|r| pick::<FirmRole>("role", r, &ROLES))
                .collect::<Result<Vec<_>>>()?;
            let firm = Firm {
                id,
                name,
                roles,
                qualification,
                contact,
                delisted: false,
            };
            show(json, &desk.firm_list(firm, &actor).map_err(no)?)
        }
        FirmCommand::Delist { id, actor, json } => {
            show(json, &desk.firm_delist(&id, &actor).map_err(no)?)
        }
        FirmCommand::List { json } => {
            let firms = desk.firms().map_err(no)?;
            if json {
                return print_json(&firms);
            }
            for f in &firms {
                let roles: Vec<&str> = f.body.roles.iter().map(|r| r.label_zh()).collect();
                println!(
                    "{}  {}  {}{}  {}",
                    esc(&f.id),
                    esc(&f.body.name),
                    roles.join("、"),
                    if f.body.delisted {
                        "  (已移出名录)"
                    } else {
                        ""
                    },
                    esc(&f.body.contact)
                );
            }
            if firms.is_empty() {
                println!("no firms listed; add one with `powerdesk firm add ID --name … --role …`");
            }
            Ok(())
        }
        FirmCommand::Choose {
            app,
            role,
            firm,
            note,
            actor,
            json,
        } => {
            let role = pick::<FirmRole>("role", &role, &ROLES)?;
            let choice = desk
                .firm_choose(&app, role, &firm, ChosenBy::Customer, &note, &actor)
                .map_err(no)?;
            show(json, &choice)
        }
    }
}

pub fn run_capacity(desk: &Desk, cmd: CapacityCommand, lang: &str) -> Result<()> {
    let no = |e| refusal(e, lang);
    match cmd {
        CapacityCommand::Set {
            county,
            mva,
            as_of,
            areas,
            actor,
            json,
        } => {
            let capacity = CountyCapacity {
                county,
                available_mva: mva,
                constrained_areas: areas,
                as_of: date("as-of", Some(&as_of), desk)?,
            };
            show(json, &desk.capacity_set(capacity, &actor).map_err(no)?)
        }
        CapacityCommand::List { json } => {
            let all = desk.capacities().map_err(no)?;
            if json {
                return print_json(&all);
            }
            for c in &all {
                println!(
                    "{}  {} MVA  ({})  {}",
                    esc(&c.id),
                    c.body.available_mva,
                    c.body.as_of,
                    esc(&c.body.constrained_areas.join("、"))
                );
            }
            Ok(())
        }
    }
}

pub fn run_disclosure(desk: &Desk, cmd: DisclosureCommand, lang: &str) -> Result<()> {
    let no = |e| refusal(e, lang);
    match cmd {
        DisclosureCommand::Publish { force, actor, json } => {
            show(json, &desk.disclosure_publish(&actor, force).map_err(no)?)
        }
        DisclosureCommand::List { json } => {
            let versions = desk.disclosures().map_err(no)?;
            let status = desk.disclosure_status().map_err(no)?;
            if json {
                return print_json(&serde_json::json!({
                    "versions": versions,
                    "due": status.due,
                }));
            }
            for v in &versions {
                println!(
                    "第 {} 版  {}  {}  {}",
                    v.body.version,
                    v.body.notice.published_on,
                    esc(&v.body.notice.bundle.version),
                    v.body.digest
                );
            }
            if status.due {
                println!("a new version is due (the bundle or the office data changed): powerdesk disclosure publish");
            }
            Ok(())
        }
    }
}

pub fn run_safety(desk: &Desk, cmd: SafetyCommand, lang: &str) -> Result<()> {
    let no = |e| refusal(e, lang);
    match cmd {
        SafetyCommand::Open {
            name,
            county,
            from,
            to,
            major_days,
            general_days,
            actor,
            json,
        } => {
            let opening = CampaignOpening {
                name,
                county,
                starts_on: date("from", Some(&from), desk)?,
                ends_on: date("to", Some(&to), desk)?,
                major_rectify_working_days: major_days,
                general_rectify_working_days: general_days,
                customers: None,
            };
            show(json, &desk.campaign_open(opening, &actor).map_err(no)?)
        }
        SafetyCommand::List { json } => {
            let all = desk.campaigns().map_err(no)?;
            if json {
                return print_json(&all);
            }
            for c in &all {
                println!(
                    "{}  {}  {}  走访 {}/{} ({:.0}%)  隐患 {}，未整改 {}，逾期 {}{}",
                    esc(&c.campaign.id),
                    esc(&c.campaign.body.name),
                    esc(c.campaign.body.county.as_deref().unwrap_or("全市")),
                    c.visited,
                    c.customers,
                    c.coverage() * 100.0,
                    c.hazards,
                    c.hazards_open,
                    c.hazards_overdue,
                    if c.campaign.body.closed {
                        "  已结束"
                    } else {
                        ""
                    }
                );
            }
            Ok(())
        }
        SafetyCommand::Visit {
            campaign,
            customer,
            on,
            note,
            actor,
            json,
        } => {
            let on = date("on", on.as_deref(), desk)?;
            show(
                json,
                &desk
                    .campaign_visit(&campaign, &customer, on, &note, &actor)
                    .map_err(no)?,
            )
        }
        SafetyCommand::Close {
            campaign,
            actor,
            json,
        } => show(json, &desk.campaign_close(&campaign, &actor).map_err(no)?),
        SafetyCommand::Hazard {
            campaign,
            customer,
            class,
            what,
            on,
            actor,
            json,
        } => {
            let class = pick("class", &class, &["major", "general"])?;
            let on = date("on", on.as_deref(), desk)?;
            show(
                json,
                &desk
                    .hazard_open(&campaign, &customer, class, &what, on, &actor)
                    .map_err(no)?,
            )
        }
        SafetyCommand::Step {
            hazard,
            step,
            on,
            actor,
            json,
        } => {
            let step = pick(
                "step",
                &step,
                &["service", "notice", "report", "supervision"],
            )?;
            let on = date("on", on.as_deref(), desk)?;
            show(
                json,
                &desk.hazard_step(&hazard, step, on, &actor).map_err(no)?,
            )
        }
        SafetyCommand::Rectify {
            hazard,
            on,
            actor,
            json,
        } => {
            let on = date("on", on.as_deref(), desk)?;
            show(json, &desk.hazard_rectify(&hazard, on, &actor).map_err(no)?)
        }
        SafetyCommand::Hazards { open, json } => {
            let today = desk.today();
            let all: Vec<_> = desk
                .hazards()
                .map_err(no)?
                .into_iter()
                .filter(|h| !open || h.body.rectified_on.is_none())
                .collect();
            if json {
                return print_json(&all);
            }
            for h in &all {
                let b = &h.body;
                let state = match b.rectified_on {
                    Some(on) => format!("整改完毕 {on}"),
                    None if b.is_overdue(today) => format!("逾期（期限 {}）", b.deadline),
                    None => format!("期限 {}", b.deadline),
                };
                let next = b.next_step().map_or("四到位已完成", |s| s.label_zh());
                println!(
                    "{}  {}  {}  {}  {}  下一步：{}",
                    esc(&h.id),
                    esc(&b.customer),
                    b.class.label_zh(),
                    esc(&b.description),
                    state,
                    next
                );
            }
            Ok(())
        }
    }
}

pub fn run_efficiency(desk: &Desk, cmd: EfficiencyCommand, lang: &str) -> Result<()> {
    let no = |e| refusal(e, lang);
    match cmd {
        EfficiencyCommand::Plan {
            app,
            person,
            every,
            service,
            from,
            actor,
            json,
        } => {
            let services = service
                .iter()
                .map(|s| pick("service", s, &SERVICES))
                .collect::<Result<Vec<_>>>()?;
            let from = date("from", from.as_deref(), desk)?;
            show(
                json,
                &desk
                    .efficiency_plan(&app, &person, every, services, from, &actor)
                    .map_err(no)?,
            )
        }
        EfficiencyCommand::Deliver {
            app,
            service,
            advice,
            summary,
            on,
            actor,
            json,
        } => {
            let service = pick("service", &service, &SERVICES)?;
            let advice = advice
                .iter()
                .map(|a| pick("advice", a, &ADVICE))
                .collect::<Result<Vec<_>>>()?;
            let on = date("on", on.as_deref(), desk)?;
            show(
                json,
                &desk
                    .efficiency_deliver(&app, service, on, advice, &summary, &actor)
                    .map_err(no)?,
            )
        }
        EfficiencyCommand::List { json } => {
            let all = desk.efficiency_records().map_err(no)?;
            if json {
                return print_json(&all);
            }
            for r in &all {
                println!(
                    "{}  {}  每 {} 天  已服务 {} 次  下次 {}",
                    esc(&r.id),
                    esc(&r.body.plan.person),
                    r.body.plan.interval_days,
                    r.body.deliveries.len(),
                    r.body.next_due
                );
            }
            Ok(())
        }
    }
}

pub fn run_team(desk: &Desk, cmd: TeamCommand, lang: &str) -> Result<()> {
    let no = |e| refusal(e, lang);
    match cmd {
        TeamCommand::Form {
            app,
            manager,
            specialists,
            on,
            actor,
            json,
        } => {
            let specialists = specialists
                .iter()
                .map(|s| {
                    let (name, specialty) = s.split_once(':').ok_or_else(|| {
                        anyhow!(
                            "--specialist: “{}” is not NAME:SPECIALTY (e.g. 陈刚:operations)",
                            esc(s)
                        )
                    })?;
                    Ok(Specialist {
                        name: name.trim().to_string(),
                        specialty: pick("specialist", specialty, &SPECIALTIES)?,
                    })
                })
                .collect::<Result<Vec<_>>>()?;
            let on = date("on", on.as_deref(), desk)?;
            show(
                json,
                &desk
                    .team_form(&app, &manager, specialists, on, &actor)
                    .map_err(no)?,
            )
        }
        TeamCommand::Visit {
            app,
            visitor,
            on,
            note,
            actor,
            json,
        } => {
            let on = date("on", Some(&on), desk)?;
            show(
                json,
                &desk
                    .visit_book(&app, &visitor, on, &note, &actor)
                    .map_err(no)?,
            )
        }
        TeamCommand::Done { app, actor, json } => {
            show(json, &desk.visit_done(&app, &actor).map_err(no)?)
        }
    }
}

pub fn run_fee(desk: &Desk, cmd: FeeCommand, lang: &str) -> Result<()> {
    let no = |e| refusal(e, lang);
    match cmd {
        FeeCommand::Charge {
            app,
            item,
            yuan,
            connection,
            basis,
            actor,
            json,
        } => show(
            json,
            &desk
                .fee_charge(&app, &item, yuan, connection, &basis, &actor)
                .map_err(no)?,
        ),
        FeeCommand::Standard {
            item,
            standard,
            actor,
            json,
        } => show(
            json,
            &desk
                .fee_standard_set(
                    crate::domain::office::disclosure::FeeStandard { item, standard },
                    &actor,
                )
                .map_err(no)?,
        ),
        FeeCommand::Standards { json } => {
            let all = desk.fee_standards().map_err(no)?;
            if json {
                return print_json(&all);
            }
            for f in &all {
                println!("{}  {}", esc(&f.body.item), esc(&f.body.standard));
            }
            Ok(())
        }
        FeeCommand::List { json } => {
            let all = desk.fees().map_err(no)?;
            if json {
                return print_json(&all);
            }
            for f in &all {
                println!(
                    "{}  {}  {} 元{}  {}",
                    esc(&f.id),
                    esc(&f.body.item),
                    f.body.amount_yuan,
                    if f.body.for_connection {
                        "（接电）"
                    } else {
                        ""
                    },
                    esc(&f.body.basis)
                );
            }
            Ok(())
        }
    }
}

/// `powerdesk services [ID]`: one application's records, or the office's figures.
pub fn run_services(desk: &Desk, id: Option<String>, json: bool, lang: &str) -> Result<()> {
    let no = |e| refusal(e, lang);
    if let Some(id) = id {
        let records = desk.app_services(&AppId(id.clone())).map_err(no)?;
        let offer = desk.service_offer(&id).map_err(no)?;
        if json {
            return print_json(&serde_json::json!({
                "offer": offer,
                "records": records,
            }));
        }
        println!("{}  {}", esc(&id), offer.label_zh());
        let lines = records
            .team
            .iter()
            .flat_map(|r| &r.history)
            .chain(records.visit.iter().flat_map(|r| &r.history))
            .chain(records.efficiency.iter().flat_map(|r| &r.history))
            .chain(records.firm_choices.iter().flat_map(|r| &r.history))
            .chain(records.fees.iter().flat_map(|r| &r.history));
        let mut lines: Vec<_> = lines.collect();
        lines.sort_by_key(|e| e.at);
        for e in lines {
            println!(
                "{}  {}  {}  {}",
                e.at.format("%Y-%m-%d %H:%M"),
                crate::domain::office::record::action_label_zh(&e.action),
                esc(&e.summary),
                esc(&e.actor)
            );
        }
        return Ok(());
    }
    let m = desk.service_metrics().map_err(no)?;
    if json {
        return print_json(&m);
    }
    println!(
        "用电安全  未整改隐患 {}  逾期 {}",
        m.hazards_open, m.hazards_overdue
    );
    for s in &m.safety {
        let share = if s.customers == 0 {
            100.0
        } else {
            s.visited as f64 * 100.0 / s.customers as f64
        };
        println!(
            "  {}  走访 {}/{} ({share:.0}%)  未整改 {}  逾期 {}",
            esc(&s.county),
            s.visited,
            s.customers,
            s.hazards_open,
            s.hazards_overdue
        );
    }
    println!("能效服务");
    for e in &m.efficiency {
        println!(
            "  {}  可享受 {}  已制定计划 {}  已服务 {} 次",
            esc(&e.county),
            e.eligible,
            e.planned,
            e.delivered
        );
    }
    match (m.disclosure_version, m.disclosure_last) {
        (Some(v), Some(on)) => println!(
            "信息公开  第 {v} 版 {on}{}",
            if m.disclosure_due {
                "  需重新发布"
            } else {
                ""
            }
        ),
        _ => println!("信息公开  尚未发布：powerdesk disclosure publish"),
    }
    println!(
        "收费  {} 笔  {:.2} 元  违规 {}",
        m.fees_recorded,
        m.fee_yuan,
        m.fee_breaches.len()
    );
    println!("施工企业名录  {} 家", m.firms_listed);
    Ok(())
}

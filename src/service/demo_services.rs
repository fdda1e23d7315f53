//! 演示服务记录: after the demo applications, what an office would have recorded beside them — the
//! public list of firms, each county's access capacity, a safety campaign of one service station
//! with its visits and hazards at every stage, efficiency plans of eligible enterprises, 1+N teams,
//! appointment visits, customers' choices of firm, fees, and the published disclosure. Bounded
//! (a few hundred records), whatever the number of applications.

use std::fmt;

use chrono::{Days, NaiveDate};
use serde::Serialize;

use super::demo::{Prng, COUNTIES};
use super::records::CampaignOpening;
use super::{Desk, DeskError};
use crate::domain::application::CustomerClass;
use crate::domain::decision::Program;
use crate::domain::office::disclosure::CountyCapacity;
use crate::domain::office::efficiency::{Advice, EfficiencyService};
use crate::domain::office::firms::{ChosenBy, Firm, FirmRole};
use crate::domain::office::safety::{HazardClass, HazardStep};
use crate::domain::office::teams::{Specialist, Specialty};
use crate::domain::ports::Query;
use crate::domain::workflow::State;

/// Customers of the demo campaign's service station, at most.
const CAMPAIGN_CUSTOMERS: usize = 240;
/// Enterprises given an efficiency plan, teams formed, visits booked, at most each.
const PER_KIND: usize = 40;

/// What was recorded.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ServicesSummary {
    pub firms: usize,
    pub capacities: usize,
    pub campaign_customers: usize,
    pub visits: usize,
    pub hazards: usize,
    pub efficiency_plans: usize,
    pub efficiency_deliveries: usize,
    pub teams: usize,
    pub appointment_visits: usize,
    pub firm_choices: usize,
    pub fees: usize,
}

impl fmt::Display for ServicesSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "service records: {} firms, {} counties' capacity, a safety campaign over {} customers ({} visited, {} hazards), {} efficiency plans ({} services), {} 1+N teams, {} appointment visits, {} choices of firm, {} fees, the disclosure published",
            self.firms,
            self.capacities,
            self.campaign_customers,
            self.visits,
            self.hazards,
            self.efficiency_plans,
            self.efficiency_deliveries,
            self.teams,
            self.appointment_visits,
            self.firm_choices,
            self.fees
        )
    }
}

const FIRMS: [(&str, &str, &[FirmRole], &str); 8] = [
    (
        "JNDL01",
        "济宁鲁能电力工程有限公司",
        &[FirmRole::Design, FirmRole::Construction],
        "承装（修、试）电力设施许可证二级",
    ),
    (
        "JNDL02",
        "济宁圣地电力安装有限公司",
        &[FirmRole::Construction],
        "承装（修、试）电力设施许可证三级",
    ),
    (
        "JNDL03",
        "曲阜孔源电气设计院有限公司",
        &[FirmRole::Design],
        "电力行业（送电、变电）专业乙级",
    ),
    (
        "JNDL04",
        "邹城峄山输变电工程有限公司",
        &[FirmRole::Construction],
        "承装（修、试）电力设施许可证三级",
    ),
    (
        "JNDL05",
        "济宁华宇电气设备有限公司",
        &[FirmRole::EquipmentSupplier],
        "ISO 9001",
    ),
    (
        "JNDL06",
        "兖州泰和电力设备制造有限公司",
        &[FirmRole::EquipmentSupplier],
        "ISO 9001",
    ),
    (
        "JNDL07",
        "嘉祥恒通电力建设有限公司",
        &[FirmRole::Construction, FirmRole::EquipmentSupplier],
        "承装（修、试）电力设施许可证四级",
    ),
    (
        "JNDL08",
        "梁山水泊电力工程设计有限公司",
        &[FirmRole::Design],
        "电力行业（变电）专业丙级",
    ),
];

const HAZARDS: [(HazardClass, &str); 8] = [
    (HazardClass::Major, "配电箱无漏电保护装置"),
    (
        HazardClass::Major,
        "自备发电机未装设双投闸刀，可能向电网反送电",
    ),
    (HazardClass::General, "进户线绝缘层老化破损"),
    (HazardClass::General, "配电室无防小动物措施"),
    (HazardClass::General, "接地电阻超标"),
    (HazardClass::Major, "私拉乱接临时用电线路"),
    (HazardClass::General, "电缆沟积水未排"),
    (HazardClass::General, "安全工器具超期未试验"),
];

/// The listed firms that build (a customer's choice of construction firm).
const BUILDERS: [&str; 4] = ["JNDL01", "JNDL02", "JNDL04", "JNDL07"];

const STAFF: [&str; 8] = [
    "张伟", "王静", "李娜", "刘洋", "陈刚", "赵强", "孙丽", "周杰",
];

fn days_before(d: NaiveDate, n: u64) -> NaiveDate {
    d.checked_sub_days(Days::new(n)).unwrap_or(d)
}

/// Record the demo's service records as of the desk's today; `seed` as for the applications.
pub fn fill(desk: &Desk, seed: u64) -> Result<ServicesSummary, DeskError> {
    let mut rng = Prng::new(seed ^ 0x5345_5256_4943_4553);
    let today = desk.today();
    let mut s = ServicesSummary::default();
    let staff = |rng: &mut Prng| *rng.pick(&STAFF);

    for (id, name, roles, qualification) in FIRMS {
        desk.firm_list(
            Firm {
                id: id.into(),
                name: name.into(),
                roles: roles.to_vec(),
                qualification: qualification.into(),
                contact: format!("0537-{}", 2_000_000 + rng.below(8_000_000)),
                delisted: false,
            },
            "李娜",
        )?;
        s.firms += 1;
    }
    for (county, _) in COUNTIES {
        let areas = match rng.below(3) {
            0 => vec![],
            1 => vec![format!("{county}城区老旧小区")],
            _ => vec![format!("{county}经济开发区"), format!("{county}城区商业街")],
        };
        desk.capacity_set(
            CountyCapacity {
                county: county.into(),
                available_mva: (20 + rng.below(180)) as f64 / 2.0,
                constrained_areas: areas,
                as_of: days_before(today, 1 + rng.below(20)),
            },
            "李娜",
        )?;
        s.capacities += 1;
    }

    for (item, standard) in [
        (
            "高压计量装置校验费",
            "300 元/次，客户申请校验且校验合格时收取（鲁发改价格〔2019〕号）",
        ),
        ("电能表校验费（客户申请复校）", "120 元/只，复校合格时收取"),
        ("临时用电计量装置押金", "500 元/户，拆表时全额退还"),
    ] {
        desk.fee_standard_set(
            crate::domain::office::disclosure::FeeStandard {
                item: item.into(),
                standard: standard.into(),
            },
            "李娜",
        )?;
    }

    // A safety campaign of one service station: its energized customers, most visited.
    let county = COUNTIES[rng.below(COUNTIES.len() as u64) as usize].0;
    let mut customers = Vec::new();
    for status in [State::Energized, State::Archived] {
        let page = desk.list(&Query {
            status: Some(status),
            county: Some(county.to_string()),
            limit: CAMPAIGN_CUSTOMERS,
            ..Query::default()
        })?;
        customers.extend(page.items.into_iter().map(|a| a.id.0));
    }
    customers.truncate(CAMPAIGN_CUSTOMERS);
    if !customers.is_empty() {
        let starts_on = days_before(today, 40);
        let campaign = desk.campaign_open(
            CampaignOpening {
                name: format!("冬季用电安全隐患大排查（{county}城区供电所）"),
                county: Some(county.into()),
                starts_on,
                ends_on: today.checked_add_days(Days::new(30)).unwrap_or(today),
                major_rectify_working_days: 5,
                general_rectify_working_days: 20,
                customers: Some(customers.clone()),
            },
            "李娜",
        )?;
        s.campaign_customers = customers.len();
        for customer in &customers {
            if !rng.chance(85) {
                continue;
            }
            let on = days_before(today, rng.below(40));
            desk.campaign_visit(&campaign.id, customer, on, "", staff(&mut rng))?;
            s.visits += 1;
            if !rng.chance(10) {
                continue;
            }
            let (class, what) = *rng.pick(&HAZARDS);
            let hazard =
                desk.hazard_open(&campaign.id, customer, class, what, on, staff(&mut rng))?;
            s.hazards += 1;
            // Older hazards are further along: most of those found over ten days ago are done.
            let age = (today - on).num_days();
            let steps = if age > 10 && rng.chance(80) {
                4
            } else {
                rng.below(5) as usize
            };
            let mut at = on;
            for step in HazardStep::ALL.into_iter().take(steps) {
                at = at
                    .checked_add_days(Days::new(rng.below(3)))
                    .unwrap_or(at)
                    .min(today);
                desk.hazard_step(&hazard.id, step, at, staff(&mut rng))?;
            }
            if steps == 4 && rng.chance(85) {
                let done = at
                    .checked_add_days(Days::new(rng.below(4)))
                    .unwrap_or(at)
                    .min(today);
                desk.hazard_rectify(&hazard.id, done, staff(&mut rng))?;
            }
        }
    }

    // Efficiency plans for eligible enterprises, 1+N teams, choices of firm and fees.
    let enterprises = desk.list(&Query {
        class: Some(CustomerClass::Enterprise),
        limit: 400,
        ..Query::default()
    })?;
    for app in &enterprises.items {
        let eligible = app
            .decision
            .as_ref()
            .is_some_and(|d| d.free_efficiency_service);
        if eligible && s.efficiency_plans < PER_KIND {
            let services = match rng.below(3) {
                0 => vec![
                    EfficiencyService::EfficiencyAnalysis,
                    EfficiencyService::PreventiveTest,
                ],
                1 => vec![
                    EfficiencyService::EnergySavingConsulting,
                    EfficiencyService::DemandResponseAgency,
                ],
                _ => vec![EfficiencyService::EfficiencyAnalysis],
            };
            let starts_on = days_before(today, 30 + rng.below(300));
            let person = staff(&mut rng);
            desk.efficiency_plan(&app.id.0, person, 90, services.clone(), starts_on, "李娜")?;
            s.efficiency_plans += 1;
            let mut on = starts_on;
            for _ in 0..rng.below(4) {
                on = on
                    .checked_add_days(Days::new(60 + rng.below(40)))
                    .unwrap_or(on);
                if on > today {
                    break;
                }
                let advice = vec![*rng.pick(&[
                    Advice::BasicChargeMethod,
                    Advice::PeakValley,
                    Advice::PowerFactor,
                ])];
                let service = *rng.pick(&services);
                desk.efficiency_deliver(
                    &app.id.0,
                    service,
                    on,
                    advice,
                    "已出具能效诊断报告",
                    person,
                )?;
                s.efficiency_deliveries += 1;
            }
        }
        if s.teams < PER_KIND && app.status != State::Cancelled {
            let manager = staff(&mut rng);
            let n = 1 + rng.below(3) as usize;
            let specialists = (0..n)
                .map(|i| Specialist {
                    name: format!(
                        "{}{}",
                        STAFF[(i + 3) % STAFF.len()],
                        ["工", "师", "员"][i % 3]
                    ),
                    specialty: [
                        Specialty::Operations,
                        Specialty::Marketing,
                        Specialty::Dispatch,
                    ][i % 3],
                })
                .collect();
            desk.team_form(
                &app.id.0,
                manager,
                specialists,
                app.form.received_at.date_naive(),
                "李娜",
            )?;
            s.teams += 1;
        }
        if s.firm_choices < PER_KIND && rng.chance(40) {
            desk.firm_choose(
                &app.id.0,
                FirmRole::Construction,
                rng.pick::<&str>(&BUILDERS),
                ChosenBy::Customer,
                "客户自主比选",
                "王静",
            )?;
            s.firm_choices += 1;
        }
        let three_zero = app
            .decision
            .as_ref()
            .is_some_and(|d| d.programs.contains(&Program::ThreeZero));
        if s.fees < PER_KIND && !three_zero && rng.chance(30) {
            let (item, yuan) = *rng.pick(&[
                ("高压计量装置校验费", 300.0),
                ("电能表校验费（客户申请复校）", 120.0),
                ("临时用电计量装置押金", 500.0),
            ]);
            if yuan > 0.0 {
                desk.fee_charge(
                    &app.id.0,
                    item,
                    yuan,
                    false,
                    "山东省发展改革委收费标准",
                    "王静",
                )?;
                s.fees += 1;
            }
        }
    }

    // Appointment visits for small and micro customers still in progress.
    let small = desk.list(&Query {
        class: Some(CustomerClass::SmallMicro),
        status: Some(State::Accepted),
        limit: PER_KIND,
        ..Query::default()
    })?;
    for app in &small.items {
        let visit_on = today
            .checked_add_days(Days::new(1 + rng.below(5)))
            .unwrap_or(today);
        desk.visit_book(
            &app.id.0,
            staff(&mut rng),
            visit_on,
            "上午 9:00-11:00",
            "王静",
        )?;
        s.appointment_visits += 1;
    }

    desk.disclosure_refresh("李娜")?;
    Ok(s)
}

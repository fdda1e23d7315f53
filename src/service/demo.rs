//! 演示数据: realistic, reproducible demo applications for Jining's eleven counties.
//!
//! A seeded generator (SplitMix64, no external crate) makes forms with valid ID numbers and
//! credit codes; each application then goes through the desk's own validation, decision and
//! workflow code (an event for every step) and is written in bulk batches.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDate, NaiveTime, TimeZone};
use serde::{Deserialize, Serialize};

use super::{plan_side_flow, Desk, DeskError};
use crate::domain::ports::Change;
use crate::domain::sideflow::{JointService, SideFlowAction, Slot, Team};
use crate::domain::validation::{credit_code_with_check, id_card_with_check};
use crate::domain::workflow::{self, State};
use crate::domain::{
    AppId, ApplicationForm, ChosenFirms, Customer, CustomerClass, ParkLevel, Request, RequestKind,
    Site, Voltage,
};

/// 济宁市's counties and districts with their administrative division codes.
pub const COUNTIES: [(&str, &str); 11] = [
    ("任城区", "370811"),
    ("兖州区", "370812"),
    ("曲阜市", "370881"),
    ("邹城市", "370883"),
    ("微山县", "370826"),
    ("鱼台县", "370827"),
    ("金乡县", "370828"),
    ("嘉祥县", "370829"),
    ("汶上县", "370830"),
    ("泗水县", "370831"),
    ("梁山县", "370832"),
];

const SURNAMES: &str = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎孔颜孟";
const GIVEN: &str = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国玉兰志强海燕春梅文博子涵浩然雨轩欣怡鹏飞";
const FIRM_WORDS: &str = "鲁兴泰和信达宏远恒通瑞丰金源圣德运河儒乡华腾利民正阳鼎盛";
const TRADES: [&str; 12] = [
    "商贸",
    "食品",
    "机械",
    "纺织",
    "建材",
    "物流",
    "农业科技",
    "电子",
    "印刷",
    "餐饮管理",
    "煤化",
    "新材料",
];
const STREETS: [&str; 10] = [
    "建设路",
    "太白湖路",
    "红星路",
    "共青团路",
    "琵琶山路",
    "洸河路",
    "任城大道",
    "崇文大道",
    "孔子大道",
    "车站路",
];
const PARKS: [(&str, ParkLevel); 4] = [
    ("济宁高新技术产业开发区", ParkLevel::National),
    ("济宁经济技术开发区", ParkLevel::National),
    ("邹城经济开发区", ParkLevel::Provincial),
    ("梁山经济开发区", ParkLevel::Provincial),
];

/// The default end of the demo period for forms made alone (received dates run from 2021-01-01 to
/// it), fixed so the same seed gives the same forms. [`generate`] ends the period on the desk's
/// clock instead (see [`DemoGenerator::received_until`]).
pub fn demo_end() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 20).expect("a valid date")
}

/// SplitMix64: small, fast, good enough for demo data, and stable across versions.
#[derive(Debug, Clone)]
pub struct Prng(u64);

impl Prng {
    pub fn new(seed: u64) -> Self {
        Prng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    /// True with probability `percent`/100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    fn pick_char(&mut self, s: &str) -> char {
        let chars: Vec<char> = s.chars().collect();
        *self.pick(&chars)
    }
}

/// Makes demo application forms.
pub struct DemoGenerator {
    rng: Prng,
    cst: FixedOffset,
    /// The first day a form may be received.
    start: NaiveDate,
    /// The last day a form may be received.
    end: NaiveDate,
}

impl DemoGenerator {
    pub fn new(seed: u64) -> Self {
        DemoGenerator {
            rng: Prng::new(seed),
            cst: FixedOffset::east_opt(8 * 3600).expect("UTC+8"),
            start: NaiveDate::from_ymd_opt(2021, 1, 1).expect("valid"),
            end: demo_end(),
        }
    }

    /// Forms received no earlier than `day` (a policy bundle decides only what was received once
    /// it took effect).
    pub fn received_from(mut self, day: NaiveDate) -> Self {
        self.start = self.start.max(day).min(self.end);
        self
    }

    /// Forms received no later than `day` (a demo store ends the day before the desk's today, so
    /// its history is in the past).
    pub fn received_until(mut self, day: NaiveDate) -> Self {
        self.end = day;
        self.start = self.start.min(day);
        self
    }

    pub fn rng(&mut self) -> &mut Prng {
        &mut self.rng
    }

    fn person_name(&mut self) -> String {
        let mut name = String::new();
        name.push(self.rng.pick_char(SURNAMES));
        name.push(self.rng.pick_char(GIVEN));
        if self.rng.chance(70) {
            name.push(self.rng.pick_char(GIVEN));
        }
        name
    }

    fn firm_name(&mut self, county: &str, small: bool) -> String {
        let a = self.rng.pick_char(FIRM_WORDS);
        let b = self.rng.pick_char(FIRM_WORDS);
        let trade = *self.rng.pick(&TRADES);
        let place = county.trim_end_matches(['区', '市', '县']);
        if small && self.rng.chance(40) {
            format!("{place}{a}{b}{trade}店")
        } else {
            format!("济宁{place}{a}{b}{trade}有限公司")
        }
    }

    fn digits(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| char::from(b'0' + self.rng.below(10) as u8))
            .collect()
    }

    fn id_card(&mut self, area: &str) -> String {
        let year = 1950 + self.rng.below(55);
        let birth = NaiveDate::from_ymd_opt(year as i32, 1, 1).expect("valid")
            + Duration::days(self.rng.below(365) as i64);
        let first17 = format!("{area}{}{}", birth.format("%Y%m%d"), self.digits(3));
        id_card_with_check(&first17)
    }

    fn credit_code(&mut self, area: &str) -> String {
        const CHARS: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
        let org: String = (0..9).map(|_| char::from(*self.rng.pick(CHARS))).collect();
        credit_code_with_check(&format!("91{area}{org}"))
    }

    fn phone(&mut self) -> String {
        let prefix = *self.rng.pick(&[
            "130", "133", "135", "138", "139", "150", "152", "158", "177", "186", "187", "189",
        ]);
        format!("{prefix}{}", self.digits(8))
    }

    /// A received time on a working hour of a day from 2021-01-01 (or the day set by
    /// [`DemoGenerator::received_from`]) to [`demo_end`] (or [`DemoGenerator::received_until`]).
    fn received_at(&mut self) -> DateTime<FixedOffset> {
        let start = self.start;
        let days = (self.end - start).num_days() as u64;
        let date = start + Duration::days(self.rng.below(days + 1) as i64);
        let time = date
            .and_hms_opt(8 + self.rng.below(9) as u32, self.rng.below(60) as u32, 0)
            .expect("valid");
        self.cst
            .from_local_datetime(&time)
            .single()
            .expect("fixed offsets are unambiguous")
    }

    /// One valid application form.
    pub fn form(&mut self) -> ApplicationForm {
        let (county, area) = *self.rng.pick(&COUNTIES);
        let roll = self.rng.below(100);
        let class = match roll {
            0..=49 => CustomerClass::Resident,
            50..=79 => CustomerClass::SmallMicro,
            _ => CustomerClass::Enterprise,
        };
        let (name, id_number) = match class {
            CustomerClass::Resident => (self.person_name(), self.id_card(area)),
            CustomerClass::SmallMicro => (self.firm_name(county, true), self.credit_code(area)),
            CustomerClass::Enterprise => (self.firm_name(county, false), self.credit_code(area)),
        };
        let (voltage, kw, kva) = match class {
            CustomerClass::Resident if self.rng.chance(70) => {
                (Voltage::V220, Some((4 + self.rng.below(13)) as f64), None)
            }
            CustomerClass::Resident => {
                (Voltage::V380, Some((10 + self.rng.below(151)) as f64), None)
            }
            CustomerClass::SmallMicro => {
                (Voltage::V380, Some((20 + self.rng.below(141)) as f64), None)
            }
            CustomerClass::Enterprise => match self.rng.below(10) {
                0..=5 => (
                    Voltage::Kv10,
                    None,
                    Some(
                        *self
                            .rng
                            .pick(&[250.0, 315.0, 400.0, 630.0, 800.0, 1000.0, 1250.0]),
                    ),
                ),
                6..=7 => (
                    Voltage::Kv10,
                    None,
                    Some(*self.rng.pick(&[1600.0, 2000.0, 2500.0, 3150.0])),
                ),
                8 => (
                    Voltage::Kv35,
                    None,
                    Some(*self.rng.pick(&[6300.0, 8000.0, 10000.0])),
                ),
                _ => (
                    Voltage::V380,
                    Some((100 + self.rng.below(400)) as f64),
                    None,
                ),
            },
        };
        let in_park = class == CustomerClass::Enterprise && self.rng.chance(30);
        let park = in_park.then(|| *self.rng.pick(&PARKS));
        let rural = self.rng.chance(35);
        let street = *self.rng.pick(&STREETS);
        let address = if rural {
            format!(
                "济宁市{county}{}{}村{}号",
                self.rng.pick_char("东西南北前后"),
                self.rng.pick_char("王李张刘陈杨"),
                1 + self.rng.below(200)
            )
        } else {
            format!("济宁市{county}{street}{}号", 1 + self.rng.below(300))
        };
        let low = voltage.is_low();
        let direct_meter = low && self.rng.chance(60);
        let simple_line = low && !direct_meter && self.rng.chance(70);
        let permanent = !self.rng.chance(8);
        let received_at = self.received_at();
        let kind = if permanent {
            *self.rng.pick(&[
                RequestKind::New,
                RequestKind::New,
                RequestKind::New,
                RequestKind::CapacityIncrease,
                RequestKind::Transfer,
            ])
        } else {
            RequestKind::Temporary
        };
        // A capacity increase (增容) doubles what is connected: half of the request is there.
        let existing = |capacity: Option<f64>| {
            capacity
                .filter(|_| kind == RequestKind::CapacityIncrease)
                .map(|c| (c / 2.0).round().max(1.0))
        };
        ApplicationForm {
            customer: Customer {
                name,
                class,
                id_number,
                phone: self.phone(),
                star_rating: if class == CustomerClass::Enterprise {
                    self.rng.below(6) as u8
                } else {
                    0
                },
            },
            site: Site {
                county: county.to_string(),
                address,
                rural,
                park_name: park.map(|p| p.0.to_string()),
                park_level: park.map(|p| p.1),
                kinetic_library: class == CustomerClass::Enterprise && self.rng.chance(10),
            },
            request: Request {
                kind,
                voltage,
                capacity_kw: kw,
                capacity_kva: kva,
                permanent,
                direct_meter,
                simple_line,
                grid_project_need_date: None,
                important: false,
                dual_supply: false,
                existing_capacity_kw: existing(kw),
                existing_capacity_kva: existing(kva),
            },
            received_at,
            attachments: vec![],
            chosen_firms: ChosenFirms::default(),
        }
    }
}

/// What a demo run wrote.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DemoSummary {
    pub applications: usize,
    pub events: usize,
    pub by_status: BTreeMap<String, usize>,
    pub seconds: f64,
}

impl fmt::Display for DemoSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "wrote {} demo applications with {} events in {:.1} s:",
            self.applications, self.events, self.seconds
        )?;
        for (status, n) in &self.by_status {
            write!(f, " {status} {n}")?;
        }
        Ok(())
    }
}

/// Demo forms decided together (the policy bundle runs each module once over them).
const DECIDE_BATCH: usize = 256;

/// Applications written per bulk transaction by `demo`.
const DEMO_BATCH: usize = 2_000;

/// Generate and write `count` demo applications, received from 2021 (or the bundle's effective
/// date) to yesterday on the desk's clock, each with a history lived up to now on that clock: the
/// old ones finished, the recent ones open, a few late. The same seed and the same clock
/// (`POWERDESK_NOW`) give the same store. Generation and writing overlap: this thread makes batches, a second one commits them.
pub fn generate(desk: &Desk, count: usize, seed: u64) -> Result<DemoSummary, DeskError> {
    let started = std::time::Instant::now();
    let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<Change>>(2);
    // The search index is built once at the end, not batch by batch.
    desk.repo.begin_bulk()?;
    let summary = std::thread::scope(|scope| {
        let writer = scope.spawn(move || -> Result<(), DeskError> {
            for batch in rx {
                desk.repo.commit_all(batch)?;
            }
            Ok(())
        });
        let made = make_batches(desk, count, seed, &tx);
        drop(tx);
        let written = writer
            .join()
            .expect("the demo writer thread does not panic");
        // A write failure stops the generator (its channel closes); report the write error first.
        written.and(made)
    });
    let ended = desk.repo.end_bulk();
    let mut summary = summary?;
    ended?;
    summary.seconds = started.elapsed().as_secs_f64();
    Ok(summary)
}

fn make_batches(
    desk: &Desk,
    count: usize,
    seed: u64,
    tx: &std::sync::mpsc::SyncSender<Vec<Change>>,
) -> Result<DemoSummary, DeskError> {
    // The history ends now on the desk's clock; forms are received up to the day before.
    let yesterday = desk.today() - Duration::days(1);
    let mut generator = DemoGenerator::new(seed).received_until(yesterday);
    if let Some(day) = desk.decider().and_then(|d| d.effective()) {
        generator = generator.received_from(day);
    }
    let mut summary = DemoSummary::default();
    let mut batch = Vec::with_capacity(DEMO_BATCH);
    let mut ids = IdBlocks::default();
    let made = make_into(
        desk,
        count,
        seed,
        &mut generator,
        &mut summary,
        &mut batch,
        &mut ids,
        tx,
    );
    // Give back what the last blocks did not use, so the next id follows the last demo one.
    for (year, unused) in ids.blocks {
        desk.repo.release_ids(year, &unused)?;
    }
    made?;
    if !batch.is_empty() {
        let _ = tx.send(batch);
    }
    Ok(summary)
}

/// Ids taken from the store in blocks, one store write per block instead of per application
/// (a store call from the generator would also wait for the writer's transaction).
#[derive(Default)]
struct IdBlocks {
    /// Per year, the ids of its current block not yet handed out, last first.
    blocks: BTreeMap<i32, Vec<AppId>>,
}

const ID_BLOCK: usize = 4_096;

impl IdBlocks {
    fn next(&mut self, desk: &Desk, year: i32) -> Result<AppId, DeskError> {
        let block = self.blocks.entry(year).or_default();
        if block.is_empty() {
            *block = desk.repo.allocate_ids(year, ID_BLOCK)?;
            block.reverse();
        }
        Ok(block.pop().expect("a fresh block is not empty"))
    }
}

#[allow(clippy::too_many_arguments)]
fn make_into(
    desk: &Desk,
    count: usize,
    seed: u64,
    generator: &mut DemoGenerator,
    summary: &mut DemoSummary,
    batch: &mut Vec<Change>,
    ids: &mut IdBlocks,
    tx: &std::sync::mpsc::SyncSender<Vec<Change>>,
) -> Result<(), DeskError> {
    // Histories draw from their own stream, so the forms of a seed do not depend on them.
    let mut history = Prng::new(seed ^ HISTORY_STREAM);
    let now = desk.now();
    let mut left = count;
    let mut prepared = Vec::new().into_iter();
    while left > 0 {
        // Forms are made and decided a batch at a time (one sandbox per policy module).
        let Some(next) = prepared.next() else {
            let n = left.min(DECIDE_BATCH);
            let forms = (0..n).map(|_| generator.form()).collect();
            prepared = desk.prepare_unnumbered_batch(forms).into_iter();
            continue;
        };
        left -= 1;
        let (mut app, mut events) = next?;
        app.id = ids.next(desk, app.form.received_at.year())?;
        let operator = operator_of(&mut history, &app.form.site.county);
        for e in &mut events {
            e.app_id = app.id.clone();
            e.actor = operator.to_string();
        }
        live(desk, &mut history, &mut app, &mut events, operator, now)?;
        summary.applications += 1;
        summary.events += events.len();
        *summary
            .by_status
            .entry(app.status.id().to_string())
            .or_default() += 1;
        batch.push(Change {
            applications: vec![app],
            events,
            settings: vec![],
        });
        if batch.len() == DEMO_BATCH && tx.send(std::mem::take(batch)).is_err() {
            return Ok(());
        }
    }
    Ok(())
}

/// Seeds the history stream from the form stream's seed.
const HISTORY_STREAM: u64 = 0x4849_5354_4f52_5921;

/// The office's operators (受理员/客户经理), two per county in [`COUNTIES`] order.
const OPERATORS: [[&str; 2]; 11] = [
    ["王静", "李强"],
    ["张敏", "刘洋"],
    ["孔丽", "陈杰"],
    ["孟涛", "杨娟"],
    ["赵磊", "黄艳"],
    ["周勇", "吴霞"],
    ["徐超", "孙芳"],
    ["胡明", "朱玉兰"],
    ["高建国", "林海燕"],
    ["何春梅", "郭鹏飞"],
    ["马文博", "罗秀英"],
];

/// Who handles an application of `county` (its events are recorded under that operator).
fn operator_of(rng: &mut Prng, county: &str) -> &'static str {
    let i = COUNTIES
        .iter()
        .position(|(name, _)| *name == county)
        .unwrap_or(0);
    OPERATORS[i][rng.below(2) as usize]
}

/// In percent: a grid step finished after its deadline (the rest finish on time).
const LATE_PERCENT: u64 = 8;
/// In percent: the customer withdraws at a step (申请撤销).
const WITHDRAW_PERCENT: u64 = 1;

/// Live an application's history from its acceptance up to `now`: side flows right after
/// acceptance, then each step in turn, the grid's mostly before their deadlines (a few late),
/// the customer's in weeks (now and then months), until it is archived, withdrawn, or the next
/// step would fall after `now` (it then waits there: the open applications are the recent ones).
fn live(
    desk: &Desk,
    rng: &mut Prng,
    app: &mut crate::domain::Application,
    events: &mut Vec<crate::domain::event::EventDraft>,
    operator: &str,
    now: DateTime<FixedOffset>,
) -> Result<(), DeskError> {
    let mut at = app.form.received_at;
    for action in side_flows(rng, app) {
        let next = at + Duration::minutes(30);
        if next > now {
            return Ok(());
        }
        at = next;
        let (acted, draft) = plan_side_flow(app.clone(), events, action, at, operator)?;
        *app = acted;
        events.push(draft);
    }
    while !app.status.is_terminal() {
        let owner = workflow::clock_owner(app.process, app.status);
        let withdraw = app.status != State::Energized && rng.chance(WITHDRAW_PERCENT);
        let next = if withdraw {
            at + Duration::hours(24 * (1 + rng.below(20) as i64))
        } else {
            step_done(rng, app, at, owner)
        };
        if next > now {
            return Ok(());
        }
        at = next;
        let to = if withdraw {
            State::Cancelled
        } else {
            // Low voltage may skip the pre-meter line: take it only when the form needs one.
            let needs_line = app.form.request.simple_line;
            let forward: Vec<State> = workflow::next_states(app.process, app.status)
                .into_iter()
                .filter(|s| *s != State::Cancelled && (*s != State::LineBuilt || needs_line))
                .collect();
            forward[0]
        };
        let note = withdraw.then(|| "客户申请撤销".to_string());
        let (moved, draft) =
            desk.plan_advance(app.clone(), events, to, Some(at), note, operator)?;
        *app = moved;
        events.push(draft);
        if to == State::Energized {
            let live_line = rng.chance(95);
            let action = SideFlowAction::RecordEnergizing { live_line };
            let (recorded, draft) = plan_side_flow(app.clone(), events, action, at, operator)?;
            *app = recorded;
            events.push(draft);
        }
    }
    Ok(())
}

/// When the step an application waits on in its state is done, from `at` (the last event).
fn step_done(
    rng: &mut Prng,
    app: &crate::domain::Application,
    at: DateTime<FixedOffset>,
    owner: workflow::ClockOwner,
) -> DateTime<FixedOffset> {
    match (owner, app.deadline) {
        // The customer designs and builds: weeks, and now and then months.
        (workflow::ClockOwner::Customer, _) => {
            let days = if rng.chance(3) {
                60 + rng.below(120)
            } else {
                5 + rng.below(40)
            };
            at + Duration::hours(24 * days as i64 + rng.below(8) as i64)
        }
        (workflow::ClockOwner::Grid, Some(deadline)) => {
            let last_hour = at
                .timezone()
                .from_local_datetime(&deadline.and_hms_opt(17, 0, 0).expect("valid"))
                .single()
                .expect("fixed offsets are unambiguous");
            if rng.chance(LATE_PERCENT) {
                // Late: a morning one to eight days after the deadline.
                let day = deadline + Duration::days(1 + rng.below(8) as i64);
                let late = at
                    .timezone()
                    .from_local_datetime(&day.and_hms_opt(10, 0, 0).expect("valid"))
                    .single()
                    .expect("fixed offsets are unambiguous");
                late.max(at + Duration::hours(1))
            } else {
                let hours = (last_hour - at).num_hours().max(2) as u64;
                at + Duration::hours(1 + rng.below(hours) as i64)
            }
        }
        // Archiving after energizing, or a step without a limit: within days.
        _ => at + Duration::hours(2 + rng.below(24 * 7) as i64),
    }
}

/// Side flows started right after acceptance: joint applications, "1+N" visits for enterprises,
/// supporting grid projects for high voltage.
fn side_flows(rng: &mut Prng, app: &crate::domain::Application) -> Vec<SideFlowAction> {
    let mut actions = Vec::new();
    let day = crate::domain::calendar::china_date(app.form.received_at);
    if rng.chance(10) {
        actions.push(SideFlowAction::ApplyJoint {
            services: vec![
                JointService::Water,
                JointService::Electricity,
                JointService::Gas,
            ],
        });
        if rng.chance(50) {
            actions.push(SideFlowAction::ApproveJoint {
                service: JointService::Electricity,
            });
        }
    }
    if app.form.customer.class == CustomerClass::Enterprise && rng.chance(40) {
        let nine = NaiveTime::from_hms_opt(9, 0, 0).expect("valid");
        let eleven = NaiveTime::from_hms_opt(11, 0, 0).expect("valid");
        let manager = format!(
            "客户经理{}",
            rng.pick(&["张伟", "王静", "李强", "刘洋", "陈敏"])
        );
        let specialists = (0..1 + rng.below(3))
            .map(|i| format!("专业人员{}", i + 1))
            .collect();
        actions.push(SideFlowAction::BookVisit {
            slot: Slot {
                date: day + Duration::days(1),
                from: nine,
                to: eleven,
            },
            team: Team {
                manager,
                specialists,
            },
        });
    }
    if !app.form.request.voltage.is_low() && rng.chance(30) {
        actions.push(SideFlowAction::SignGridContract {
            need_date: Some(day + Duration::days(60 + rng.below(120) as i64)),
        });
        if rng.chance(60) {
            actions.push(SideFlowAction::StartGridWorks);
        }
    }
    actions
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use chrono::DateTime;

    use super::*;
    use crate::domain::calendar::china_date;
    use crate::domain::ports::Repository;
    use crate::domain::timeline;
    use crate::service::FixedClock;
    use crate::store::SledStore;

    /// A demo of `count` applications on a desk whose clock says `now`; every application with
    /// its events.
    fn demo_at(
        now: &str,
        count: usize,
    ) -> Vec<(crate::domain::Application, Vec<crate::domain::event::Event>)> {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(SledStore::open(dir.path()).unwrap());
        let calendar = Arc::new(crate::cli::bundled_calendar().unwrap());
        let now = DateTime::parse_from_rfc3339(now).unwrap();
        let desk = Desk::new(store.clone(), calendar).with_clock(Arc::new(FixedClock(now)));
        generate(&desk, count, 20210825).unwrap();
        let mut all = Vec::new();
        desk.scan(&mut |app| {
            let events = store.events(&app.id).unwrap();
            all.push((app, events));
            true
        })
        .unwrap();
        all
    }

    #[test]
    fn old_applications_are_finished_and_a_realistic_share_is_overdue_now() {
        let now = "2026-11-20T10:00:00+08:00";
        let today = NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
        let all = demo_at(now, 4_000);
        assert_eq!(all.len(), 4_000);
        let age = |app: &crate::domain::Application| {
            (today - china_date(app.form.received_at)).num_days()
        };
        let open: Vec<_> = all
            .iter()
            .filter(|(a, _)| !a.status.is_terminal())
            .collect();
        // Nothing received more than a year ago is still open; of those older than six months,
        // hardly any (a customer building for months).
        assert!(
            open.iter().all(|(a, _)| age(a) <= 365),
            "open for over a year: {:?}",
            open.iter()
                .filter(|(a, _)| age(a) > 365)
                .map(|(a, _)| (&a.id, a.status, age(a)))
                .collect::<Vec<_>>()
        );
        let old = all.iter().filter(|(a, _)| age(a) > 182).count();
        let old_open = open.iter().filter(|(a, _)| age(a) > 182).count();
        assert!(
            old_open * 200 <= old,
            "{old_open} of {old} older than six months still open"
        );
        // Recent applications are open in every kind of state; some, not most, past their deadline.
        assert!(open.len() >= 10, "only {} open", open.len());
        let overdue = open
            .iter()
            .filter(|(a, _)| a.deadline.is_some_and(|d| d < today))
            .count();
        let share = overdue as f64 / open.len() as f64;
        assert!(
            (0.02..=0.4).contains(&share),
            "{overdue} of {} open overdue",
            open.len()
        );
        let finished = all
            .iter()
            .filter(|(a, _)| a.status == State::Archived)
            .count();
        assert!(
            finished * 100 >= all.len() * 85,
            "{finished} archived of {}",
            all.len()
        );
        let cancelled = all
            .iter()
            .filter(|(a, _)| a.status == State::Cancelled)
            .count();
        assert!(
            (1..=all.len() / 10).contains(&cancelled),
            "{cancelled} cancelled"
        );
        // The operators of the office, not "demo".
        assert!(all
            .iter()
            .all(|(_, e)| e.iter().all(|e| e.draft.actor != "demo")));
    }

    #[test]
    fn every_history_is_legal_and_in_the_past() {
        let now = "2026-11-20T10:00:00+08:00";
        let at_now = DateTime::parse_from_rfc3339(now).unwrap();
        let calendar = crate::cli::bundled_calendar().unwrap();
        for (app, events) in demo_at(now, 1_500) {
            let mut state = None;
            let mut last = app.form.received_at;
            for e in &events {
                assert!(
                    e.draft.at >= last && e.draft.at <= at_now,
                    "{}: {:?} out of order or in the future",
                    app.id,
                    e.draft.at
                );
                last = e.draft.at;
                match &e.draft.kind {
                    EventKindRef::Accepted => state = Some(State::Accepted),
                    EventKindRef::Advanced { from, to } => {
                        assert_eq!(state, Some(*from), "{}", app.id);
                        workflow::check_transition(app.process, *from, *to).unwrap();
                        state = Some(*to);
                    }
                    EventKindRef::Cancelled { from, .. } => {
                        assert_eq!(state, Some(*from), "{}", app.id);
                        state = Some(State::Cancelled);
                    }
                    _ => {}
                }
            }
            assert_eq!(state, Some(app.status), "{}", app.id);
            let view = timeline::timeline(&app, &events, &calendar, china_date(at_now))
                .unwrap_or_else(|e| panic!("{}: {e}", app.id));
            assert_eq!(view.status, app.status);
        }
    }

    use crate::domain::event::EventKind as EventKindRef;
}

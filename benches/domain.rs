//! Domain speed: working-day arithmetic, deadlines, validation, and metrics over many applications.
//! Run: CARGO_TARGET_DIR=... cargo bench --bench domain

use chrono::{DateTime, Days, FixedOffset, NaiveDate};
use criterion::{black_box, criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use powerdesk::domain::calendar::WorkingCalendar;
use powerdesk::domain::event::{Event, EventDraft, EventKind, GENESIS_HASH};
use powerdesk::domain::metrics::MetricsBuilder;
use powerdesk::domain::timeline::{deadline_for, timeline};
use powerdesk::domain::validation::{credit_code_with_check, parse_form, validate};
use powerdesk::domain::*;

fn calendar() -> WorkingCalendar {
    let texts: Vec<String> = (2021..=2026)
        .map(|y| {
            std::fs::read_to_string(format!(
                "{}/policies/jining/calendar/{y}.toml",
                env!("CARGO_MANIFEST_DIR")
            ))
            .unwrap()
        })
        .collect();
    WorkingCalendar::parse_years(&texts.iter().map(String::as_str).collect::<Vec<_>>()).unwrap()
}

fn form_json(i: u32) -> String {
    serde_json::json!({
        "customer": { "name": "济宁市任城区惠民商贸有限公司", "class": CustomerClass::ALL[i as usize % 3].id(),
                      "id_number": credit_code_with_check(&format!("91370811MA3C{:05}", i % 100_000)), "phone": "13800000000" },
        "site": { "county": "任城区", "address": "济宁市任城区某某路 18 号" },
        "request": { "kind": "new", "voltage": "10kV", "capacity_kva": 1000 },
        "received_at": "2026-03-02T09:00:00+08:00"
    })
    .to_string()
}

fn decision() -> Decision {
    Decision {
        bundle: BundleRef {
            region: "jining".into(),
            version: "2021.1".into(),
            digest: "sha256:00".into(),
        },
        access: Access {
            class: AccessClass::HvOrdinary,
            voltage: Voltage::Kv10,
        },
        programs: vec![Program::ThreeSave],
        investment_boundary: InvestmentBoundary::PlanningRedLine,
        external_line_payer: LinePayer::CountyGovernment,
        steps: vec![
            StepLimit {
                id: "reply_plan".into(),
                limit_working_days: 2,
                from: "accepted".into(),
            },
            StepLimit {
                id: "energize".into(),
                limit_working_days: 5,
                from: "completion_reported".into(),
            },
        ],
        grid_total_limit_working_days: Some(7),
        tariff_cut_yuan_per_kwh: 0.011,
        free_efficiency_service: false,
        rules: vec!["JN-10KV-STEPS".into()],
    }
}

/// A 10 kV application accepted on day `i` of 2024–2026 and its four moves.
fn sample(i: u32, template: &ApplicationForm) -> (Application, Vec<Event>) {
    let start = NaiveDate::from_ymd_opt(2024, 1, 2).unwrap() + Days::new(u64::from(i % 900));
    let at = |d: NaiveDate| -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(&format!("{d}T10:00:00+08:00")).unwrap()
    };
    let id = AppId(format!("JN-2026-{i:06}"));
    let plan = start + Days::new(u64::from(1 + i % 3));
    let done = plan + Days::new(u64::from(10 + i % 20));
    let energized = done + Days::new(u64::from(2 + i % 6));
    let steps = [
        (start, EventKind::Accepted),
        (
            plan,
            EventKind::Advanced {
                from: State::Accepted,
                to: State::PlanReplied,
            },
        ),
        (
            done,
            EventKind::Advanced {
                from: State::PlanReplied,
                to: State::CompletionReported,
            },
        ),
        (
            energized,
            EventKind::Advanced {
                from: State::CompletionReported,
                to: State::Energized,
            },
        ),
    ];
    let mut events: Vec<Event> = Vec::new();
    for (n, (d, kind)) in steps.into_iter().enumerate() {
        let prev = events
            .last()
            .map_or(GENESIS_HASH.to_string(), |e| e.hash.clone());
        let draft = EventDraft {
            app_id: id.clone(),
            at: at(d),
            actor: "王经理".into(),
            kind,
            note: None,
            record: None,
        };
        events.push(Event::chain(n as u64 + 1, draft, &prev));
    }
    let mut form = template.clone();
    form.customer.class = CustomerClass::ALL[i as usize % 3];
    let app = Application {
        id,
        form,
        status: State::Energized,
        process: ProcessClass::HvOrdinary,
        decision: Some(decision()),
        deadline: None,
        deadline_provisional: false,
        missing_calendar_years: Default::default(),
        side_flows: Default::default(),
        updated_at: at(energized),
    };
    (app, events)
}

fn bench_calendar(c: &mut Criterion) {
    let cal = calendar();
    let from = NaiveDate::from_ymd_opt(2024, 2, 8).unwrap();
    c.bench_function("calendar/add_working_days 5 across Spring Festival", |b| {
        b.iter(|| cal.add_working_days(black_box(from), black_box(5)))
    });
    // Into a year without an official calendar: counted on the provisional one (built once).
    let late = NaiveDate::from_ymd_opt(2026, 12, 28).unwrap();
    c.bench_function("calendar/add_working_days 5 into provisional 2027", |b| {
        b.iter(|| cal.add_working_days(black_box(late), black_box(5)))
    });
    let to = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
    c.bench_function("calendar/working_days_between 2021-2026", |b| {
        b.iter(|| {
            cal.working_days_between(
                black_box(NaiveDate::from_ymd_opt(2021, 1, 4).unwrap()),
                black_box(to),
            )
        })
    });
    let texts: Vec<String> = (2021..=2026)
        .map(|y| {
            std::fs::read_to_string(format!(
                "{}/policies/jining/calendar/{y}.toml",
                env!("CARGO_MANIFEST_DIR")
            ))
            .unwrap()
        })
        .collect();
    c.bench_function("calendar/parse six year files", |b| {
        b.iter(|| {
            WorkingCalendar::parse_years(&texts.iter().map(String::as_str).collect::<Vec<_>>())
                .unwrap()
        })
    });
}

fn bench_validation(c: &mut Criterion) {
    let json = form_json(7);
    c.bench_function("validation/parse_form + validate", |b| {
        b.iter(|| {
            let form = parse_form(black_box(&json)).unwrap();
            validate(&form).unwrap();
        })
    });
}

fn bench_timeline(c: &mut Criterion) {
    let cal = calendar();
    let template = parse_form(&form_json(1)).unwrap();
    let (mut app, events) = sample(11, &template);
    let on = NaiveDate::from_ymd_opt(2026, 6, 1).unwrap();
    c.bench_function("timeline/tracking view of a 10 kV application", |b| {
        b.iter(|| timeline(black_box(&app), &events, &cal, on).unwrap())
    });
    app.status = State::CompletionReported;
    let events = &events[..3];
    c.bench_function("timeline/deadline_for", |b| {
        b.iter(|| deadline_for(black_box(&app), events, &cal).unwrap())
    });
}

fn bench_metrics(c: &mut Criterion) {
    let cal = calendar();
    let template = parse_form(&form_json(1)).unwrap();
    const N: u32 = 100_000;
    let samples: Vec<(Application, Vec<Event>)> = (0..N).map(|i| sample(i, &template)).collect();
    let mut group = c.benchmark_group("metrics");
    group.sample_size(10);
    group.throughput(Throughput::Elements(u64::from(N)));
    group.bench_function("one pass over 100k energized 10 kV applications", |b| {
        b.iter_batched(
            MetricsBuilder::new,
            |mut m| {
                for (app, events) in &samples {
                    m.add(app, events, &cal).unwrap();
                }
                m.finish()
            },
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

criterion_group!(
    benches,
    bench_calendar,
    bench_validation,
    bench_timeline,
    bench_metrics
);
criterion_main!(benches);

//! Every refused application field names the field, says what is wrong and what to do.

use chrono::DateTime;
use powerdesk::domain::validation::{
    check_id_number, credit_code_with_check, id_card_with_check, is_valid_credit_code,
    is_valid_id_card, parse_form, validate, validate_completion, validate_event_at, FieldError,
    IdKind,
};
use serde_json::{json, Value};

const ID_CARD: &str = "11010519491231002X"; // GB 11643-1999's own example
const CREDIT_CODE: &str = "91350100M000100Y43"; // GB 32100-2015's own example

fn good() -> Value {
    json!({
        "customer": {
            "name": "济宁市任城区惠民商贸有限公司",
            "class": "small_micro",
            "id_number": CREDIT_CODE,
            "phone": "13800000000",
            "star_rating": 0
        },
        "site": {
            "county": "任城区",
            "address": "济宁市任城区某某路 18 号",
            "rural": false,
            "park_name": null,
            "park_level": null,
            "kinetic_library": false
        },
        "request": {
            "kind": "new",
            "voltage": "380V",
            "capacity_kw": 150,
            "capacity_kva": null,
            "permanent": true,
            "direct_meter": true,
            "simple_line": false,
            "grid_project_need_date": null
        },
        "received_at": "2026-03-02T09:00:00+08:00"
    })
}

/// Apply `edit` to the good form, parse and validate it; the errors found.
fn errors_of(edit: impl FnOnce(&mut Value)) -> Vec<FieldError> {
    let mut v = good();
    edit(&mut v);
    let form = parse_form(&v.to_string()).expect("parses");
    validate(&form).err().unwrap_or_default()
}

/// Exactly one error, on `field`, whose message contains every piece of `words`.
fn refused(edit: impl FnOnce(&mut Value), field: &str, words: &[&str]) {
    let errors = errors_of(edit);
    assert_eq!(
        errors.len(),
        1,
        "expected one error on {field}, got {errors:?}"
    );
    assert_eq!(errors[0].field, field, "{errors:?}");
    for w in words {
        assert!(
            errors[0].message.contains(w),
            "{:?} should contain {w:?}",
            errors[0].message
        );
    }
}

#[test]
fn the_contract_example_with_real_numbers_is_accepted() {
    assert!(errors_of(|_| {}).is_empty());
    assert!(errors_of(|v| {
        v["customer"]["class"] = json!("resident");
        v["customer"]["id_number"] = json!(ID_CARD);
        v["request"]["voltage"] = json!("220V");
        v["request"]["capacity_kw"] = json!(8);
        v["customer"]["phone"] = json!("0537-2345678");
    })
    .is_empty());
}

#[test]
fn a_wrong_type_names_the_field_path() {
    let mut v = good();
    v["request"]["capacity_kw"] = json!("abc");
    let errors = parse_form(&v.to_string()).unwrap_err();
    assert_eq!(errors.len(), 1);
    assert_eq!(
        errors[0].to_string(),
        "request.capacity_kw: invalid type: string \"abc\", expected f64"
    );
}

#[test]
fn an_unknown_id_lists_the_allowed_ids() {
    let mut v = good();
    v["customer"]["class"] = json!("household");
    let e = &parse_form(&v.to_string()).unwrap_err()[0];
    assert_eq!(e.field, "customer.class");
    assert_eq!(
        e.message,
        "unknown value `household`; allowed values: `resident`, `small_micro`, `enterprise`"
    );

    let mut v = good();
    v["request"]["voltage"] = json!("400V");
    let e = &parse_form(&v.to_string()).unwrap_err()[0];
    assert_eq!(e.field, "request.voltage");
    for id in ["220V", "380V", "10kV", "35kV", "110kV", "220kV"] {
        assert!(e.message.contains(id), "{e}");
    }
}

#[test]
fn a_missing_field_is_named_with_its_full_path() {
    let mut v = good();
    v["customer"].as_object_mut().unwrap().remove("phone");
    let e = &parse_form(&v.to_string()).unwrap_err()[0];
    assert_eq!(e.field, "customer.phone");
    assert!(e.message.contains("missing"), "{e}");
}

#[test]
fn broken_json_says_where() {
    let e = &parse_form("{\"customer\": ").unwrap_err()[0];
    assert!(
        e.message.contains("not valid JSON") && e.message.contains("line 1"),
        "{e}"
    );
    let e = &parse_form(&format!("{} {{}}", good())).unwrap_err()[0];
    assert_eq!(e.field, "application");
    assert!(e.message.contains("unexpected text after"), "{e}");
}

#[test]
fn customer_fields() {
    refused(
        |v| v["customer"]["name"] = json!("  "),
        "customer.name",
        &["empty", "enter the customer's name"],
    );
    refused(
        |v| v["customer"]["star_rating"] = json!(6),
        "customer.star_rating",
        &["is 6", "0..=5"],
    );
    refused(
        |v| v["customer"]["phone"] = json!("12345"),
        "customer.phone",
        &["11-digit mobile", "area code"],
    );
    refused(
        |v| v["customer"]["phone"] = json!("1380000000a"),
        "customer.phone",
        &["not a phone number"],
    );
    refused(
        |v| v["customer"]["phone"] = json!("0537-12345"),
        "customer.phone",
        &["not a phone number"],
    );
}

#[test]
fn id_numbers() {
    refused(
        |v| v["customer"]["id_number"] = json!("1234"),
        "customer.id_number",
        &["has 4 characters", "18-character"],
    );
    refused(
        |v| v["customer"]["id_number"] = json!("110105194912310021"),
        "customer.id_number",
        &["check digit is 1, expected X", "GB 11643"],
    );
    refused(
        |v| v["customer"]["id_number"] = json!(id_card_with_check("11010519491331002")),
        "customer.id_number",
        &["birth date 19491331", "not a real date"],
    );
    refused(
        |v| v["customer"]["id_number"] = json!("91350100M000100Y44"),
        "customer.id_number",
        &["check character is 4, expected 3", "GB 32100-2015"],
    );
    refused(
        |v| v["customer"]["id_number"] = json!("91350100M00010OY43"),
        "customer.id_number",
        &["without I, O, S, V, Z", "neither"],
    );
    refused(
        |v| {
            v["customer"]["class"] = json!("enterprise");
            v["customer"]["id_number"] = json!(ID_CARD);
        },
        "customer.id_number",
        &["unified social credit code"],
    );
}

#[test]
fn a_number_is_checked_as_the_customer_class_has_it() {
    // A resident's number with a wrong check digit that happens to be a valid credit code was
    // accepted: a resident is checked as a resident ID card only.
    let credit_looking = (0..1000u32)
        .map(|i| format!("37081119900101{i:03}"))
        .map(|first17| credit_code_with_check(&first17))
        .find(|code| code.as_bytes()[17].is_ascii_digit() && !is_valid_id_card(code))
        .expect("some 17 digits have a digit as their credit-code check character");
    assert!(is_valid_credit_code(&credit_looking));
    refused(
        |v| {
            v["customer"]["class"] = json!("resident");
            v["customer"]["id_number"] = json!(credit_looking);
        },
        "customer.id_number",
        &["check digit", "resident ID card"],
    );
    // The same number is a small/micro business's credit code.
    assert!(errors_of(|v| v["customer"]["id_number"] = json!(credit_looking)).is_empty());
    // An enterprise gives its credit code, never a resident ID.
    refused(
        |v| {
            v["customer"]["class"] = json!("enterprise");
            v["customer"]["id_number"] = json!(ID_CARD);
        },
        "customer.id_number",
        &["resident ID card number", "统一社会信用代码"],
    );
    // All-same numbers pass a check-digit test (17 zeros check to 0) but are no number.
    for class in ["resident", "small_micro", "enterprise"] {
        for same in ["000000000000000000", "111111111111111111"] {
            refused(
                |v| {
                    v["customer"]["class"] = json!(class);
                    v["customer"]["id_number"] = json!(same);
                },
                "customer.id_number",
                &["the same character 18 times"],
            );
        }
    }
}

#[test]
fn temporary_is_never_permanent() {
    // docs/domain.md: "A request of kind `temporary` is never permanent; a form that says both is
    // refused as contradictory." docs/contracts.md: "`permanent` left out is derived from `kind`".
    let parsed = |edit: &dyn Fn(&mut Value)| {
        let mut v = good();
        edit(&mut v);
        parse_form(&v.to_string()).unwrap()
    };
    let temporary = parsed(&|v| {
        v["request"]["kind"] = json!("temporary");
        v["request"].as_object_mut().unwrap().remove("permanent");
    });
    assert!(!temporary.request.permanent);
    assert!(validate(&temporary).is_ok());
    let new = parsed(&|v| {
        v["request"].as_object_mut().unwrap().remove("permanent");
    });
    assert!(
        new.request.permanent,
        "a new connection left unsaid is permanent"
    );
    refused(
        |v| v["request"]["kind"] = json!("temporary"),
        "request.permanent",
        &["temporary", "never permanent"],
    );
}

#[test]
fn a_capacity_increase_gives_the_capacity_already_connected() {
    // docs/domain.md: "capacity increase (增容): thresholds (160 kW, 1250 kVA) apply to the total
    // after the increase." docs/contracts.md: "required when `kind` is `capacity_increase`".
    refused(
        |v| v["request"]["kind"] = json!("capacity_increase"),
        "request.existing_capacity_kw",
        &["is missing", "existing + requested"],
    );
    let mut v = good();
    v["request"]["kind"] = json!("capacity_increase");
    v["request"]["existing_capacity_kw"] = json!(100);
    let form = parse_form(&v.to_string()).unwrap();
    assert!(validate(&form).is_ok());
    assert_eq!(form.request.total_kw(), Some(250.0));
    refused(
        |v| {
            v["request"]["kind"] = json!("capacity_increase");
            v["request"]["existing_capacity_kw"] = json!(-5);
        },
        "request.existing_capacity_kw",
        &["is -5", "0 < kW"],
    );
    refused(
        |v| {
            v["request"]["kind"] = json!("capacity_increase");
            v["request"]["voltage"] = json!("10kV");
            v["request"]["capacity_kw"] = Value::Null;
            v["request"]["capacity_kva"] = json!(400);
        },
        "request.existing_capacity_kva",
        &["is missing", "kVA"],
    );
    refused(
        |v| v["request"]["existing_capacity_kw"] = json!(100),
        "request.existing_capacity_kw",
        &["kind is new", "capacity_increase"],
    );
}

#[test]
fn check_digits_are_computed_and_checked() {
    assert!(is_valid_id_card(ID_CARD));
    assert!(is_valid_id_card("440524188001010014"));
    assert!(!is_valid_id_card("440524188001010015"));
    assert_eq!(id_card_with_check("11010519491231002"), ID_CARD);
    assert!(is_valid_credit_code(CREDIT_CODE));
    assert_eq!(credit_code_with_check("91350100M000100Y4"), CREDIT_CODE);
    assert!(!is_valid_credit_code("91350100M000100Y42"));
    // Every generated number is valid, and a single changed character is caught.
    for i in 0..200u32 {
        let id = id_card_with_check(&format!(
            "370811198{}0{}1{}{:03}",
            i % 10,
            1 + i % 9,
            i % 3,
            i
        ));
        assert!(is_valid_id_card(&id), "{id}");
        assert_eq!(check_id_number(&id), Ok(IdKind::IdCard));
        let code = credit_code_with_check(&format!("91370811MA3C{:05}", i * 37));
        assert!(is_valid_credit_code(&code), "{code}");
        let mut bad = code.clone().into_bytes();
        bad[10] = if bad[10] == b'3' { b'4' } else { b'3' };
        assert!(!is_valid_credit_code(std::str::from_utf8(&bad).unwrap()));
    }
}

#[test]
fn site_fields() {
    refused(
        |v| v["site"]["county"] = json!(""),
        "site.county",
        &["empty", "区县"],
    );
    refused(
        |v| v["site"]["address"] = json!(" "),
        "site.address",
        &["empty", "address"],
    );
    refused(
        |v| v["site"]["park_level"] = json!("provincial"),
        "site.park_name",
        &["park_level is provincial"],
    );
    refused(
        |v| v["site"]["park_name"] = json!("济宁高新区"),
        "site.park_level",
        &["national, provincial or municipal"],
    );
}

#[test]
fn capacities_have_limits() {
    refused(
        |v| v["request"]["capacity_kw"] = json!(0),
        "request.capacity_kw",
        &["0 < kW ≤ 10,000"],
    );
    refused(
        |v| v["request"]["capacity_kw"] = json!(-5),
        "request.capacity_kw",
        &["is -5", "0 < kW ≤ 10,000"],
    );
    refused(
        |v| v["request"]["capacity_kw"] = json!(20000),
        "request.capacity_kw",
        &["0 < kW ≤ 10,000"],
    );
    let hv = |v: &mut Value| {
        v["request"]["voltage"] = json!("10kV");
        v["request"]["capacity_kw"] = json!(null);
        v["request"]["direct_meter"] = json!(false);
    };
    refused(
        |v| {
            hv(v);
            v["request"]["capacity_kva"] = json!(2_000_000);
        },
        "request.capacity_kva",
        &["0 < kVA ≤ 1,000,000"],
    );
    // NaN cannot come in JSON but can come from a form on screen.
    let mut form = parse_form(&good().to_string()).unwrap();
    form.request.capacity_kw = Some(f64::NAN);
    let errors = validate(&form).unwrap_err();
    assert_eq!(errors[0].field, "request.capacity_kw");
    assert!(errors[0].message.contains("NaN"), "{errors:?}");
}

#[test]
fn voltage_and_unit_must_agree() {
    let errors = errors_of(|v| {
        v["request"]["voltage"] = json!("10kV");
        v["request"]["direct_meter"] = json!(false);
    });
    let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(
        fields,
        ["request.capacity_kva", "request.capacity_kw"],
        "{errors:?}"
    );
    assert!(errors[0]
        .message
        .contains("10kV request needs the transformer capacity in kVA"));
    refused(
        |v| v["request"]["capacity_kw"] = json!(null),
        "request.capacity_kw",
        &["missing", "380V request needs its capacity in kW"],
    );
    refused(
        |v| v["request"]["capacity_kva"] = json!(200),
        "request.capacity_kva",
        &["low-voltage", "remove capacity_kva"],
    );
    refused(
        |v| {
            v["request"]["voltage"] = json!("220V");
            v["request"]["capacity_kw"] = json!(20);
        },
        "request.capacity_kw",
        &["220V", "16 kW", "380V"],
    );
}

#[test]
fn contradictions_and_dates() {
    refused(
        |v| v["request"]["simple_line"] = json!(true),
        "request.simple_line",
        &["contradicts direct_meter"],
    );
    refused(
        |v| v["request"]["grid_project_need_date"] = json!("2026-03-01"),
        "request.grid_project_need_date",
        &[
            "2026-03-01",
            "before the application was received (2026-03-02)",
        ],
    );
    assert!(errors_of(|v| v["request"]["grid_project_need_date"] = json!("2026-03-02")).is_empty());
}

#[test]
fn attachments_need_a_sha256_and_a_reference() {
    let sha = "a".repeat(64);
    assert!(errors_of(
        |v| v["attachments"] = json!([{"kind": "id_card", "reference": "SD-GOV-1", "sha256": sha}])
    )
    .is_empty());
    refused(
        |v| {
            v["attachments"] =
                json!([{"kind": "id_card", "reference": "SD-GOV-1", "sha256": "abc"}])
        },
        "attachments[0].sha256",
        &["64 hexadecimal"],
    );
    refused(
        |v| {
            v["attachments"] = json!([{"kind": "business_licence", "reference": "", "sha256": sha}])
        },
        "attachments[0].reference",
        &["is empty"],
    );
    refused(
        |v| v["attachments"] = json!([{"kind": "id_card", "reference": "r", "sha256": sha}, {"kind": "id_card", "reference": "r", "sha256": "g".repeat(64)}]),
        "attachments[1].sha256",
        &["64 hexadecimal"],
    );
}

#[test]
fn all_problems_are_reported_at_once() {
    let errors = errors_of(|v| {
        v["customer"]["name"] = json!("");
        v["customer"]["phone"] = json!("x");
        v["site"]["county"] = json!("");
        v["request"]["simple_line"] = json!(true);
        v["request"]["capacity_kw"] = json!(0);
    });
    let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(
        fields,
        [
            "customer.name",
            "customer.phone",
            "site.county",
            "request.capacity_kw",
            "request.simple_line"
        ]
    );
}

#[test]
fn events_before_acceptance_are_refused_on_field_at() {
    let accepted = DateTime::parse_from_rfc3339("2026-03-02T09:00:00+08:00").unwrap();
    let before = DateTime::parse_from_rfc3339("2026-03-01T17:00:00+08:00").unwrap();
    let after = DateTime::parse_from_rfc3339("2026-03-05T10:00:00+08:00").unwrap();
    assert!(validate_event_at(accepted, after).is_ok());
    assert!(validate_completion(accepted, accepted).is_ok());
    let e = validate_event_at(accepted, before).unwrap_err();
    assert_eq!(e.field, "at");
    assert!(
        e.message.contains("before the application was accepted"),
        "{e}"
    );
    let e = validate_completion(accepted, before).unwrap_err();
    assert_eq!(e.field, "at");
    assert!(
        e.message
            .contains("completion on 2026-03-01T17:00:00+08:00"),
        "{e}"
    );
}

#[test]
fn control_and_text_direction_characters_are_refused_naming_the_field() {
    for (field, bad) in [
        ("customer.name", "张伟\u{1b}[2J"),
        ("customer.name", "张伟\u{7}"),
        ("site.address", "任城区\u{0}某路"),
        ("site.address", "任城区\r\n某路"),
        ("site.county", "任城区\u{9b}31m"),
        ("customer.name", "\u{202e}司公限有"),
    ] {
        let path: Vec<&str> = field.split('.').collect();
        refused(
            |v| v[path[0]][path[1]] = json!(bad),
            field,
            &["control character", "retype"],
        );
    }
}

#[test]
fn every_text_field_has_a_limit() {
    refused(
        |v| v["customer"]["name"] = json!("张".repeat(201)),
        "customer.name",
        &["201 characters", "200 allowed"],
    );
    refused(
        |v| v["site"]["address"] = json!("路".repeat(501)),
        "site.address",
        &["501 characters", "500 allowed"],
    );
    refused(
        |v| v["site"]["county"] = json!("区".repeat(51)),
        "site.county",
        &["51 characters"],
    );
    assert!(errors_of(|v| v["customer"]["name"] = json!("张".repeat(200))).is_empty());
}

#[test]
fn a_name_of_invisible_characters_is_empty() {
    refused(
        |v| v["customer"]["name"] = json!("\u{200b}\u{200d}\u{feff} "),
        "customer.name",
        &["is empty"],
    );
}

#[test]
fn an_unknown_field_is_refused_with_the_allowed_ones() {
    let mut v = good();
    v["request"]["capacty_kw"] = json!(150);
    let err = parse_form(&v.to_string()).unwrap_err();
    assert_eq!(err[0].field, "request.capacty_kw", "{err:?}");
    assert!(err[0].message.contains("capacity_kw"), "{err:?}");
    let mut v = good();
    v["priority"] = json!("high");
    let err = parse_form(&v.to_string()).unwrap_err();
    assert_eq!(err[0].field, "priority", "{err:?}");
}

// The JSON Schemas of docs/schema/ (`powerdesk schema application|decision`): generated from the
// domain types, committed as generated, and agreeing with what powerdesk accepts and writes.

mod schemas {
    use std::path::{Path, PathBuf};

    use chrono::NaiveDate;
    use jsonschema::Validator;
    use powerdesk::cli::schema::{schema, schema_text, SchemaKind};
    use powerdesk::domain::validation::{parse_form, validate};
    use powerdesk::policy::bundle::Bundle;
    use powerdesk::policy::host::{PolicyHost, SandboxLimits};
    use serde_json::{json, Value};

    fn repo() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
    }

    /// A validator of `kind`'s schema that also checks formats (date, date-time).
    fn validator(kind: SchemaKind) -> Validator {
        let schema = schema(kind);
        if let Err(e) = jsonschema::meta::validate(&schema) {
            panic!("the {kind:?} schema is not a valid JSON Schema: {e}");
        }
        jsonschema::options()
            .should_validate_formats(true)
            .build(&schema)
            .unwrap_or_else(|e| panic!("the {kind:?} schema does not compile: {e}"))
    }

    /// Every way `doc` does not fit, one per line (empty when it fits).
    fn misfits(v: &Validator, doc: &Value) -> Vec<String> {
        v.iter_errors(doc)
            .map(|e| format!("{}: {e}", e.instance_path()))
            .collect()
    }

    fn assert_fits(v: &Validator, doc: &Value, what: &str) {
        let errors = misfits(v, doc);
        assert!(
            errors.is_empty(),
            "{what} does not fit its schema:\n{}",
            errors.join("\n")
        );
    }

    fn read_json(path: &Path) -> Value {
        let text = std::fs::read_to_string(path)
            .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    fn json_files(dir: &Path) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
            .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        files.sort();
        files
    }

    fn bundle(region: &str) -> Bundle {
        let host = PolicyHost::without_cache(SandboxLimits::default());
        Bundle::load(&host, &repo().join("policies").join(region))
            .unwrap_or_else(|e| panic!("policies/{region}: {e}"))
    }

    /// The decision `bundle` takes for an application JSON, as JSON.
    fn decide(bundle: &Bundle, application: &Value, on: Option<NaiveDate>, what: &str) -> Value {
        let form = parse_form(&application.to_string())
            .unwrap_or_else(|e| panic!("{what}: the application does not parse: {e:?}"));
        let on = on.unwrap_or_else(|| form.received_at.date_naive());
        let decision = bundle
            .evaluate(&form, on)
            .unwrap_or_else(|e| panic!("{what}: {e}"));
        serde_json::to_value(decision).unwrap()
    }

    #[test]
    fn the_committed_schemas_are_what_the_types_generate() {
        for kind in SchemaKind::ALL {
            let path = repo().join("docs/schema").join(kind.file_name());
            let committed = std::fs::read_to_string(&path).unwrap_or_default();
            let generated = schema_text(kind);
            let first_difference = committed
                .lines()
                .zip(generated.lines())
                .position(|(a, b)| a != b)
                .map_or_else(|| "its length".to_string(), |i| format!("line {}", i + 1));
            assert!(
                committed == generated,
                "docs/schema/{} differs from what the domain types generate (first at {first_difference}); \
                 regenerate both schemas with `cargo run -- schema --write docs/schema` \
                 (or one: `cargo run -q -- schema {} > docs/schema/{}`) and commit them",
                kind.file_name(),
                match kind {
                    SchemaKind::Application => "application",
                    SchemaKind::Decision => "decision",
                },
                kind.file_name(),
            );
        }
    }

    #[test]
    fn every_fixture_and_its_decision_fit_the_schemas() {
        let applications = validator(SchemaKind::Application);
        let decisions = validator(SchemaKind::Decision);
        let mut checked = 0;
        for region in ["jining", "example-rural-100kw"] {
            let bundle = bundle(region);
            let dir = repo().join("policies").join(region).join("fixtures");
            for file in json_files(&dir) {
                let cases = match read_json(&file) {
                    Value::Array(cases) => cases,
                    one => vec![one],
                };
                for (i, case) in cases.iter().enumerate() {
                    let what = format!("{} case {i}", file.display());
                    assert_fits(&applications, &case["application"], &what);
                    let expect = case.get("expected").or_else(|| case.get("expect"));
                    if expect.is_some_and(|e| e.get("error").is_some()) {
                        continue; // the bundle is expected to refuse: no decision to check
                    }
                    let on = case["evaluation_date"]
                        .as_str()
                        .map(|d| d.parse::<NaiveDate>().expect("evaluation_date is a date"));
                    let decision = decide(&bundle, &case["application"], on, &what);
                    assert_fits(&decisions, &decision, &format!("the decision for {what}"));
                    checked += 1;
                }
            }
        }
        assert!(checked >= 40, "only {checked} fixture decisions checked");
    }

    #[test]
    fn every_example_of_docs_contracts_fits_its_schema_and_is_accepted() {
        let applications = validator(SchemaKind::Application);
        let decisions = validator(SchemaKind::Decision);
        let jining = bundle("jining");
        let files = json_files(&repo().join("docs/examples"));
        let contracts = std::fs::read_to_string(repo().join("docs/contracts.md")).unwrap();
        let (mut apps, mut decided) = (0, 0);
        for file in &files {
            let name = file.file_name().unwrap().to_string_lossy().into_owned();
            assert!(
                contracts.contains(&format!("examples/{name}")),
                "docs/examples/{name} is not referenced from docs/contracts.md"
            );
            let doc = read_json(file);
            if name.starts_with("application-") {
                assert_fits(&applications, &doc, &name);
                // An example is one a user can run: it passes validation too.
                let form = parse_form(&doc.to_string()).unwrap();
                if let Err(errors) = validate(&form) {
                    panic!("{name} is refused: {errors:?}");
                }
                let decision = decide(&jining, &doc, None, &name);
                assert_fits(&decisions, &decision, &format!("the decision for {name}"));
                apps += 1;
            } else if name.starts_with("decision-") {
                assert_fits(&decisions, &doc, &name);
                decided += 1;
            } else {
                panic!("docs/examples/{name}: name examples application-*.json or decision-*.json");
            }
        }
        assert!(
            apps >= 3 && decided >= 1,
            "{apps} applications, {decided} decisions"
        );
    }

    /// Each leaf of a form (`customer.phone`, `attachments[0].kind`, …) with a pointer to it.
    fn leaves(value: &Value, pointer: String, out: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                for (k, v) in map {
                    let p = format!("{pointer}/{k}");
                    out.push(p.clone());
                    leaves(v, p, out);
                }
            }
            Value::Array(items) => {
                for (i, v) in items.iter().enumerate() {
                    let p = format!("{pointer}/{i}");
                    out.push(p.clone());
                    leaves(v, p, out);
                }
            }
            _ => {}
        }
    }

    /// A form with every field of the contract, optional ones included.
    fn full_form() -> Value {
        let mut v = super::good();
        let r = v["request"].as_object_mut().unwrap();
        r.insert("important".into(), json!(false));
        r.insert("dual_supply".into(), json!(false));
        r.insert("existing_capacity_kw".into(), json!(null));
        r.insert("existing_capacity_kva".into(), json!(null));
        r.insert("grid_project_need_date".into(), json!("2026-06-30"));
        v["attachments"] = json!([{
            "kind": "business_licence",
            "reference": "SD-GOV-DATA-0001",
            "sha256": "0".repeat(64)
        }]);
        v["chosen_firms"] = json!({ "design": "济宁某某设计院", "construction": null });
        v
    }

    #[test]
    fn the_application_schema_accepts_exactly_what_the_parser_accepts() {
        let v = validator(SchemaKind::Application);
        let form = full_form();
        assert_fits(&v, &form, "the full form");
        assert!(parse_form(&form.to_string()).is_ok());

        let mut paths = Vec::new();
        leaves(&form, String::new(), &mut paths);
        let wrong = [
            None,
            Some(json!(null)),
            Some(json!(true)),
            Some(json!("x")),
            Some(json!(-1)),
            Some(json!(1.5)),
            Some(json!(300)),
            Some(json!({})),
            Some(json!([])),
        ];
        let mut compared = 0;
        for path in &paths {
            for value in &wrong {
                // serde also reads a struct from an array of its fields in order; the contract
                // (and the schema) does not offer that.
                if form.pointer(path).is_some_and(Value::is_object)
                    && value.as_ref().is_some_and(Value::is_array)
                {
                    continue;
                }
                let mut doc = form.clone();
                let (parent, key) = path.rsplit_once('/').unwrap();
                match (doc.pointer_mut(parent).unwrap(), value) {
                    (Value::Object(map), None) => {
                        map.remove(key);
                    }
                    (Value::Object(map), Some(value)) => {
                        map.insert(key.to_string(), value.clone());
                    }
                    (Value::Array(items), Some(value)) => {
                        items[key.parse::<usize>().unwrap()] = value.clone();
                    }
                    (Value::Array(_), None) => continue,
                    _ => unreachable!(),
                }
                let by_schema = v.is_valid(&doc);
                let by_parser = parse_form(&doc.to_string());
                assert_eq!(
                    by_schema,
                    by_parser.is_ok(),
                    "{path} {}: the schema says {}, the parser {by_parser:?}",
                    value
                        .as_ref()
                        .map_or("left out".to_string(), |v| format!("set to {v}")),
                    if by_schema { "valid" } else { "invalid" },
                );
                compared += 1;
            }
        }
        assert!(compared > 300, "{compared}");
    }

    #[test]
    fn a_missing_field_or_an_unknown_value_fails_the_schemas() {
        let v = validator(SchemaKind::Application);
        assert_fits(&v, &super::good(), "the contract's example");

        let mut missing = super::good();
        missing["customer"].as_object_mut().unwrap().remove("class");
        assert!(!misfits(&v, &missing).is_empty());
        let mut unknown = super::good();
        unknown["request"]["voltage"] = json!("400V");
        assert!(!misfits(&v, &unknown).is_empty());
        let mut stars = super::good();
        stars["customer"]["star_rating"] = json!(6);
        assert!(!misfits(&v, &stars).is_empty());
        let mut when = super::good();
        when["received_at"] = json!("2026-03-02");
        assert!(!misfits(&v, &when).is_empty());

        // `permanent` may be left out (derived from `kind`), so may every defaulted field.
        let mut lean = super::good();
        for key in ["permanent", "capacity_kva", "direct_meter", "simple_line"] {
            lean["request"].as_object_mut().unwrap().remove(key);
        }
        lean["customer"]
            .as_object_mut()
            .unwrap()
            .remove("star_rating");
        assert_fits(&v, &lean, "a form without its defaulted fields");

        let d = validator(SchemaKind::Decision);
        let decision = read_json(&repo().join("docs/examples/decision-small-micro-380v.json"));
        assert_fits(&d, &decision, "the example decision");
        let mut no_rules = decision.clone();
        no_rules.as_object_mut().unwrap().remove("rules");
        assert!(!misfits(&d, &no_rules).is_empty());
        let mut no_total = decision.clone();
        no_total
            .as_object_mut()
            .unwrap()
            .remove("grid_total_limit_working_days");
        assert!(
            !misfits(&d, &no_total).is_empty(),
            "a decision always says its total, null where none applies"
        );
        let mut unknown_class = decision;
        unknown_class["access"]["class"] = json!("medium_voltage");
        assert!(!misfits(&d, &unknown_class).is_empty());
    }
}

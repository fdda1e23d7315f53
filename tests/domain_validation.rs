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
    // DOMAIN.md: "A request of kind `temporary` is never permanent; a form that says both is
    // refused as contradictory." CONTRACTS.md: "`permanent` left out is derived from `kind`".
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
    // DOMAIN.md: "capacity increase (增容): thresholds (160 kW, 1250 kVA) apply to the total
    // after the increase." CONTRACTS.md: "required when `kind` is `capacity_increase`".
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

//! 校验: every field of an application form, with messages naming the field.
//!
//! `parse_form` refuses JSON that does not fit the contract (wrong type, unknown id, missing
//! field), naming the field's path; `validate` then checks values and their combinations and
//! returns every problem at once, each saying what is wrong and what to do.

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate};

use super::application::{ApplicationForm, CustomerClass, RequestKind, Voltage};
use super::text;

/// One refused field: its JSON path (`request.capacity_kva`) and what is wrong, with what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        FieldError {
            field: field.into(),
            message: message.into(),
        }
    }
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

impl std::error::Error for FieldError {}

/// Largest low-voltage request accepted, in kW.
pub const MAX_CAPACITY_KW: f64 = 10_000.0;
/// Largest high-voltage request accepted (transformer capacity), in kVA.
pub const MAX_CAPACITY_KVA: f64 = 1_000_000.0;
/// Largest single-phase 220 V residential request, in kW.
pub const MAX_220V_KW: f64 = 16.0;

/// Parse the Application JSON of docs/contracts.md; type errors name the field.
pub fn parse_form(json: &str) -> Result<ApplicationForm, Vec<FieldError>> {
    let de = &mut serde_json::Deserializer::from_str(json);
    let form: ApplicationForm =
        serde_path_to_error::deserialize(&mut *de).map_err(|e| vec![field_error_of(e)])?;
    de.end().map_err(|e| {
        vec![FieldError::new(
            "application",
            format!("unexpected text after the application's JSON object: {e}; send one object per document"),
        )]
    })?;
    Ok(form)
}

fn field_error_of(e: serde_path_to_error::Error<serde_json::Error>) -> FieldError {
    let path = e.path().to_string();
    let inner = e.inner();
    let mut field = if path == "." { String::new() } else { path };
    let raw = inner.to_string();
    let message = match inner.classify() {
        // Syntax errors keep their position: that is where to look.
        serde_json::error::Category::Syntax
        | serde_json::error::Category::Eof
        | serde_json::error::Category::Io => {
            format!("the application is not valid JSON: {raw}")
        }
        serde_json::error::Category::Data => {
            let text = match raw.rfind(" at line ") {
                Some(i) => raw[..i].to_string(),
                None => raw,
            };
            if let Some(name) = text
                .strip_prefix("missing field `")
                .and_then(|r| r.strip_suffix('`'))
            {
                field = join(&field, name);
                "is missing; add it (see the Application JSON in docs/contracts.md)".to_string()
            } else if let Some(rest) = text.strip_prefix("unknown field `") {
                // serde: "unknown field `x`, expected one of `a`, `b`" (or "expected `a`")
                let (name, allowed) = rest.split_once('`').unwrap_or((rest, ""));
                if field.rsplit('.').next() != Some(name) {
                    field = join(&field, name);
                }
                let allowed = allowed
                    .trim_start_matches(", expected ")
                    .trim_start_matches("one of ");
                format!("is not a field of the application; allowed here: {allowed}; remove it or correct its spelling (see docs/contracts.md)")
            } else if let Some(rest) = text.strip_prefix("unknown variant ") {
                // serde: "unknown variant `x`, expected one of `a`, `b`"
                match rest.split_once(", expected ") {
                    Some((value, allowed)) => {
                        let allowed = allowed.trim_start_matches("one of ");
                        format!("unknown value {value}; allowed values: {allowed}")
                    }
                    None => format!("unknown value {rest}"),
                }
            } else {
                text
            }
        }
    };
    FieldError {
        field: if field.is_empty() {
            "application".into()
        } else {
            field
        },
        message,
    }
}

fn join(parent: &str, name: &str) -> String {
    if parent.is_empty() {
        name.to_string()
    } else {
        format!("{parent}.{name}")
    }
}

/// The text fields of a form with their length limits (docs/contracts.md, "Text limits").
fn text_fields(form: &ApplicationForm) -> Vec<(String, &str, usize)> {
    let c = &form.customer;
    let s = &form.site;
    let f = &form.chosen_firms;
    let mut fields = vec![
        (
            "customer.name".to_string(),
            c.name.as_str(),
            text::MAX_NAME_CHARS,
        ),
        (
            "customer.id_number".into(),
            c.id_number.as_str(),
            text::MAX_SHORT_CHARS,
        ),
        (
            "customer.phone".into(),
            c.phone.as_str(),
            text::MAX_SHORT_CHARS,
        ),
        (
            "site.county".into(),
            s.county.as_str(),
            text::MAX_SHORT_CHARS,
        ),
        (
            "site.address".into(),
            s.address.as_str(),
            text::MAX_ADDRESS_CHARS,
        ),
    ];
    let optional = [
        ("site.park_name", &s.park_name),
        ("chosen_firms.design", &f.design),
        ("chosen_firms.construction", &f.construction),
        ("chosen_firms.equipment_supplier", &f.equipment_supplier),
    ];
    for (path, value) in optional {
        if let Some(v) = value {
            fields.push((path.to_string(), v.as_str(), text::MAX_NAME_CHARS));
        }
    }
    for (i, a) in form.attachments.iter().enumerate() {
        fields.push((
            format!("attachments[{i}].reference"),
            a.reference.as_str(),
            text::MAX_ADDRESS_CHARS,
        ));
    }
    fields
}

/// Check every field and their combinations; all problems at once, one per field (the first
/// found: a field holding a control character is not also checked for its format).
pub fn validate(form: &ApplicationForm) -> Result<(), Vec<FieldError>> {
    let mut errors: Vec<FieldError> = Vec::new();
    for (field, value, max) in text_fields(form) {
        if let Err(message) = text::check_line(value, max) {
            errors.push(FieldError::new(field, message));
        }
    }
    let mut refuse = |field: &str, message: String| {
        if !errors.iter().any(|e| e.field == field) {
            errors.push(FieldError::new(field, message));
        }
    };

    // 客户
    let c = &form.customer;
    if text::is_blank(&c.name) {
        refuse(
            "customer.name",
            "is empty; enter the customer's name as on the ID card or business licence".into(),
        );
    }
    if c.star_rating > 5 {
        refuse(
            "customer.star_rating",
            format!(
                "is {}, outside 0..=5; enter the service star rating from 0 to 5 (0 when unrated)",
                c.star_rating
            ),
        );
    }
    if let Err(message) = check_id_number_for(c.class, &c.id_number) {
        refuse("customer.id_number", message);
    }
    if let Err(message) = check_phone(&c.phone) {
        refuse("customer.phone", message);
    }

    // 用电地址
    let s = &form.site;
    if text::is_blank(&s.county) {
        refuse(
            "site.county",
            "is empty; enter the county or district (区县), e.g. 任城区".into(),
        );
    }
    if text::is_blank(&s.address) {
        refuse(
            "site.address",
            "is empty; enter the full address where the connection is wanted".into(),
        );
    }
    let has_park_name = s.park_name.as_deref().is_some_and(|n| !text::is_blank(n));
    match (has_park_name, s.park_level) {
        (false, Some(level)) => refuse(
            "site.park_name",
            format!("is missing but park_level is {}; enter the park's name, or set park_level to null", level.id()),
        ),
        (true, None) => refuse(
            "site.park_level",
            "is missing but park_name is set; choose national, provincial or municipal, or clear park_name".into(),
        ),
        _ => {}
    }

    // 用电需求
    let r = &form.request;
    let v = r.voltage.id();
    if let Some(kw) = r.capacity_kw {
        if !kw.is_finite() || kw <= 0.0 || kw > MAX_CAPACITY_KW {
            refuse(
                "request.capacity_kw",
                format!("is {kw}; a low-voltage capacity must be a number with 0 < kW ≤ 10,000; enter the requested capacity in kW"),
            );
        }
    }
    if let Some(kva) = r.capacity_kva {
        if !kva.is_finite() || kva <= 0.0 || kva > MAX_CAPACITY_KVA {
            refuse(
                "request.capacity_kva",
                format!("is {kva}; a transformer capacity must be a number with 0 < kVA ≤ 1,000,000; enter the requested capacity in kVA"),
            );
        }
    }
    if r.voltage.is_low() {
        if r.capacity_kw.is_none() {
            refuse(
                "request.capacity_kw",
                format!("is missing; a {v} request needs its capacity in kW"),
            );
        }
        if r.capacity_kva.is_some() {
            refuse(
                "request.capacity_kva",
                format!("is set, but a {v} (low-voltage) request is sized in kW; remove capacity_kva and give capacity_kw"),
            );
        }
        if r.voltage == Voltage::V220 {
            if let Some(kw) = r
                .capacity_kw
                .filter(|kw| *kw > MAX_220V_KW && *kw <= MAX_CAPACITY_KW)
            {
                refuse(
                    "request.capacity_kw",
                    format!("is {kw} kW at 220V, but single-phase residential supply ends at 16 kW; request 380V or reduce the capacity"),
                );
            }
        }
    } else {
        if r.capacity_kva.is_none() {
            refuse(
                "request.capacity_kva",
                format!("is missing; a {v} request needs the transformer capacity in kVA"),
            );
        }
        if r.capacity_kw.is_some() {
            refuse(
                "request.capacity_kw",
                format!("is set, but a {v} (high-voltage) request is sized in kVA; remove capacity_kw and give capacity_kva"),
            );
        }
    }
    // 临时用电 is never permanent (the county-funded line is for 永久用电 only).
    if r.kind == RequestKind::Temporary && r.permanent {
        refuse(
            "request.permanent",
            "is true, but the request's kind is temporary (临时用电), which is never permanent; leave permanent out or set it to false, or change kind".into(),
        );
    }
    // 增容: the capacity already connected, in the request's unit.
    let (existing_field, existing, wrong_field, wrong, unit, max) = if r.voltage.is_low() {
        (
            "request.existing_capacity_kw",
            r.existing_capacity_kw,
            "request.existing_capacity_kva",
            r.existing_capacity_kva,
            "kW",
            MAX_CAPACITY_KW,
        )
    } else {
        (
            "request.existing_capacity_kva",
            r.existing_capacity_kva,
            "request.existing_capacity_kw",
            r.existing_capacity_kw,
            "kVA",
            MAX_CAPACITY_KVA,
        )
    };
    if r.kind == RequestKind::CapacityIncrease {
        match existing {
            None => refuse(
                existing_field,
                format!("is missing; a capacity increase (增容) at {v} needs the capacity already connected, in {unit}, because every threshold applies to existing + requested"),
            ),
            Some(x) if !x.is_finite() || x <= 0.0 || x > max => refuse(
                existing_field,
                format!("is {x}; the capacity already connected must be a number with 0 < {unit} ≤ {max}; enter it from the customer's account"),
            ),
            Some(_) => {}
        }
        if wrong.is_some() {
            refuse(
                wrong_field,
                format!(
                    "is set, but a {v} request is sized in {unit}; give {existing_field} instead"
                ),
            );
        }
    } else {
        for (field, value) in [
            ("request.existing_capacity_kw", r.existing_capacity_kw),
            ("request.existing_capacity_kva", r.existing_capacity_kva),
        ] {
            if value.is_some() {
                refuse(
                    field,
                    format!("is set, but the request's kind is {}; an existing capacity belongs to a capacity increase (capacity_increase): remove it or change kind", kind_id(r.kind)),
                );
            }
        }
    }
    if r.direct_meter && r.simple_line {
        refuse(
            "request.simple_line",
            "contradicts direct_meter: a site either takes a meter directly or needs a simple pre-meter line; set one of them to false".into(),
        );
    }
    let received: NaiveDate = crate::domain::calendar::china_date(form.received_at);
    if let Some(need) = r.grid_project_need_date {
        if need < received {
            refuse(
                "request.grid_project_need_date",
                format!("is {need}, before the application was received ({received}); enter a date on or after {received}"),
            );
        }
    }

    // 电子证照
    for (i, a) in form.attachments.iter().enumerate() {
        if text::is_blank(&a.reference) {
            refuse(
                &format!("attachments[{i}].reference"),
                "is empty; enter where the certificate was fetched from (the data-sharing platform's reference)".into(),
            );
        }
        if !is_sha256_hex(&a.sha256) {
            refuse(
                &format!("attachments[{i}].sha256"),
                format!(
                    "is {:?} ({} characters); a sha256 digest is 64 hexadecimal characters (0-9, a-f); recompute it from the fetched document",
                    a.sha256,
                    a.sha256.chars().count()
                ),
            );
        }
    }

    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// Refuse an event dated before the application's acceptance (field `at`).
pub fn validate_event_at(
    accepted_at: DateTime<FixedOffset>,
    at: DateTime<FixedOffset>,
) -> Result<(), FieldError> {
    if at < accepted_at {
        return Err(FieldError::new(
            "at",
            format!("{} is before the application was accepted ({}); enter a time on or after acceptance", at.to_rfc3339(), accepted_at.to_rfc3339()),
        ));
    }
    Ok(())
}

/// Refuse a completion (竣工报验) dated before acceptance (field `at`).
pub fn validate_completion(
    accepted_at: DateTime<FixedOffset>,
    completion_at: DateTime<FixedOffset>,
) -> Result<(), FieldError> {
    if completion_at < accepted_at {
        return Err(FieldError::new(
            "at",
            format!(
                "completion on {} is before the application was accepted ({}); a customer cannot complete works before acceptance, check the date",
                completion_at.to_rfc3339(),
                accepted_at.to_rfc3339()
            ),
        ));
    }
    Ok(())
}

/// `true` for 64 hexadecimal characters.
pub fn is_sha256_hex(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Which kind of 18-character number an id_number is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdKind {
    /// 居民身份证 (GB 11643-1999).
    IdCard,
    /// 统一社会信用代码 (GB 32100-2015).
    CreditCode,
}

const ID_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK: &[u8; 11] = b"10X98765432";
/// The 31 characters of GB 32100-2015 (no I, O, Z, S, V).
const CREDIT_CHARS: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const CREDIT_WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// The GB 11643 check digit of the first 17 characters of an ID card number, if they are digits.
pub fn id_card_check_digit(first17: &str) -> Option<char> {
    let b = first17.as_bytes();
    if b.len() != 17 || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let sum: u32 = b
        .iter()
        .zip(ID_WEIGHTS)
        .map(|(c, w)| u32::from(c - b'0') * w)
        .sum();
    Some(ID_CHECK[(sum % 11) as usize] as char)
}

/// The GB 32100-2015 check character of the first 17 characters of a credit code.
pub fn credit_code_check_char(first17: &str) -> Option<char> {
    let b = first17.as_bytes();
    if b.len() != 17 {
        return None;
    }
    let mut sum = 0u32;
    for (c, w) in b.iter().zip(CREDIT_WEIGHTS) {
        let v = CREDIT_CHARS.iter().position(|x| x == c)? as u32;
        sum += v * w;
    }
    let check = (31 - sum % 31) % 31;
    Some(CREDIT_CHARS[check as usize] as char)
}

/// A full ID card number: `first17` and its check digit.
///
/// # Panics
/// When `first17` is not 17 digits (a programming error in the caller).
pub fn id_card_with_check(first17: &str) -> String {
    let check = id_card_check_digit(first17)
        .unwrap_or_else(|| panic!("id_card_with_check needs 17 digits, got {first17:?}"));
    format!("{first17}{check}")
}

/// A full unified social credit code: `first17` and its check character.
///
/// # Panics
/// When `first17` is not 17 characters of the GB 32100 set (a programming error in the caller).
pub fn credit_code_with_check(first17: &str) -> String {
    let check = credit_code_check_char(first17).unwrap_or_else(|| {
        panic!("credit_code_with_check needs 17 characters of 0-9 and A-Y without I, O, S, V, Z, got {first17:?}")
    });
    format!("{first17}{check}")
}

/// A valid resident ID card number: 17 digits with a real birth date, and the right check digit.
pub fn is_valid_id_card(s: &str) -> bool {
    check_id_card(s).is_ok()
}

/// A valid unified social credit code with the right check character.
pub fn is_valid_credit_code(s: &str) -> bool {
    check_credit_code(s).is_ok()
}

fn check_id_card(s: &str) -> Result<(), String> {
    let b = s.as_bytes();
    if b.len() != 18 || !b[..17].iter().all(u8::is_ascii_digit) {
        return Err("is not 17 digits followed by a check digit".into());
    }
    let birth = &s[6..14];
    let date = NaiveDate::parse_from_str(birth, "%Y%m%d")
        .ok()
        .filter(|d| d.year() >= 1800);
    if date.is_none() {
        return Err(format!(
            "looks like a resident ID card number but its birth date {birth} (characters 7-14) is not a real date; check the number"
        ));
    }
    let expected = id_card_check_digit(&s[..17]).expect("17 digits");
    let last = (b[17] as char).to_ascii_uppercase();
    if last != expected {
        return Err(format!(
            "looks like a resident ID card number but its check digit is {last}, expected {expected} (GB 11643); check for a mistyped digit"
        ));
    }
    Ok(())
}

fn check_credit_code(s: &str) -> Result<(), String> {
    let b = s.as_bytes();
    if b.len() != 18 || !b.iter().all(|c| CREDIT_CHARS.contains(c)) {
        return Err("is not 18 characters of 0-9 and A-Y (without I, O, S, V, Z)".into());
    }
    let expected = credit_code_check_char(&s[..17]).expect("17 valid characters");
    if b[17] as char != expected {
        return Err(format!(
            "looks like a unified social credit code but its check character is {}, expected {expected} (GB 32100-2015); check for a mistyped character",
            b[17] as char
        ));
    }
    Ok(())
}

fn kind_id(kind: RequestKind) -> &'static str {
    match kind {
        RequestKind::New => "new",
        RequestKind::CapacityIncrease => "capacity_increase",
        RequestKind::Transfer => "transfer",
        RequestKind::Temporary => "temporary",
    }
}

/// Check an id_number as the customer's class has it: a resident's is a resident ID card number
/// (居民身份证) only, an enterprise's a unified social credit code (统一社会信用代码) only, a
/// small/micro business may give either (个体工商户 apply with the owner's ID card).
pub fn check_id_number_for(class: CustomerClass, s: &str) -> Result<IdKind, String> {
    let n = s.chars().count();
    if n == 18 && s.chars().all(|c| s.starts_with(c)) {
        return Err(format!(
            "is {s:?}, the same character 18 times, which is no real number; enter the number as printed on the certificate"
        ));
    }
    match class {
        CustomerClass::Resident => {
            if n != 18 {
                return Err(format!(
                    "has {n} characters; a resident's number is the 18-character resident ID card number (身份证号)"
                ));
            }
            check_id_card(s).map(|()| IdKind::IdCard).map_err(|reason| {
                format!("{reason}; a resident (居民) is identified by the resident ID card number (身份证号)")
            })
        }
        CustomerClass::Enterprise => {
            if n != 18 {
                return Err(format!(
                    "has {n} characters; an enterprise's number is the 18-character unified social credit code (统一社会信用代码)"
                ));
            }
            match check_credit_code(s) {
                Ok(()) => Ok(IdKind::CreditCode),
                Err(_) if check_id_card(s).is_ok() => Err(
                    "is a resident ID card number, but the customer class is enterprise; enter the enterprise's unified social credit code (统一社会信用代码)".into(),
                ),
                Err(reason) => Err(format!(
                    "{reason}; an enterprise (企业) is identified by its unified social credit code (统一社会信用代码)"
                )),
            }
        }
        CustomerClass::SmallMicro => check_id_number(s),
    }
}

/// Which kind a valid id_number is, or why it is refused.
pub fn check_id_number(s: &str) -> Result<IdKind, String> {
    let n = s.chars().count();
    if n != 18 {
        return Err(format!(
            "has {n} characters; enter the 18-character resident ID card number (身份证号) or unified social credit code (统一社会信用代码)"
        ));
    }
    let b = s.as_bytes();
    let looks_like_id_card =
        b[..17].iter().all(u8::is_ascii_digit) && matches!(b[17], b'0'..=b'9' | b'X' | b'x');
    if looks_like_id_card {
        match check_id_card(s) {
            Ok(()) => return Ok(IdKind::IdCard),
            // 17 digits could still be a credit code; only report the ID card reason if not.
            Err(id_reason) => {
                return if check_credit_code(s).is_ok() {
                    Ok(IdKind::CreditCode)
                } else {
                    Err(id_reason)
                };
            }
        }
    }
    match check_credit_code(s) {
        Ok(()) => Ok(IdKind::CreditCode),
        Err(reason) => Err(format!(
            "{reason}; it is neither a resident ID card number nor a unified social credit code, check it against the certificate"
        )),
    }
}

fn check_phone(phone: &str) -> Result<(), String> {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let p = phone.trim();
    let ok = if p.starts_with('1') {
        p.len() == 11 && digits(p) && matches!(p.as_bytes()[1], b'3'..=b'9')
    } else if p.starts_with('0') {
        let (area, number) = match p.split_once('-') {
            Some((a, n)) => (a, n),
            // Without a hyphen: a 3-4 digit area code then 7-8 digits.
            None if digits(p) && (10..=12).contains(&p.len()) => {
                let cut = if p.starts_with("01") || p.starts_with("02") {
                    3
                } else {
                    4
                };
                (&p[..cut], &p[cut..])
            }
            None => ("", ""),
        };
        digits(area)
            && (3..=4).contains(&area.len())
            && digits(number)
            && (7..=8).contains(&number.len())
    } else {
        false
    };
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{phone:?} is not a phone number; enter an 11-digit mobile number starting with 1 (13800000000) or a landline with its area code (0537-2345678)"
        ))
    }
}

//! 校验: every field of an application form, with messages naming the field.
//!
//! `parse_form` refuses JSON that does not fit the contract (wrong type, unknown id, missing
//! field), naming the field's path; `validate` then checks values and their combinations and
//! returns every problem at once, each saying what is wrong and what to do.

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate};

use super::application::{ApplicationForm, CustomerClass, Voltage};

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

/// Parse the Application JSON of CONTRACTS.md; type errors name the field.
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
                "is missing; add it (see the Application JSON in CONTRACTS.md)".to_string()
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

/// Check every field and their combinations; all problems at once.
pub fn validate(form: &ApplicationForm) -> Result<(), Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut refuse = |field: &str, message: String| errors.push(FieldError::new(field, message));

    // 客户
    let c = &form.customer;
    if c.name.trim().is_empty() {
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
    match check_id_number(&c.id_number) {
        Err(message) => refuse("customer.id_number", message),
        Ok(IdKind::IdCard) if c.class == CustomerClass::Enterprise => refuse(
            "customer.id_number",
            "is a resident ID card number, but the customer class is enterprise; enter the enterprise's unified social credit code (统一社会信用代码)".into(),
        ),
        Ok(_) => {}
    }
    if let Err(message) = check_phone(&c.phone) {
        refuse("customer.phone", message);
    }

    // 用电地址
    let s = &form.site;
    if s.county.trim().is_empty() {
        refuse(
            "site.county",
            "is empty; enter the county or district (区县), e.g. 任城区".into(),
        );
    }
    if s.address.trim().is_empty() {
        refuse(
            "site.address",
            "is empty; enter the full address where the connection is wanted".into(),
        );
    }
    let has_park_name = s.park_name.as_deref().is_some_and(|n| !n.trim().is_empty());
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
        if a.reference.trim().is_empty() {
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

//! 打印: the papers of one application (receipt, notice, plan reply, filing form) and the
//! office's disclosure notice, composed from the store, the active bundle and office settings.

use sha2::{Digest, Sha256};

use super::{Desk, DeskError};
use crate::domain::calendar::china_date;
use crate::domain::decision::BundleRef;
use crate::domain::office::disclosure::{
    self, DisclosureInputs, ProcessDisclosure, StepDisclosure,
};
use crate::domain::office::fees::AbolishedFee;
use crate::domain::papers::{self, Paper, PaperKind, Tracking};
use crate::domain::validation;
use crate::domain::AppId;

/// Store settings of the office (`powerdesk office --name … --phone … --tracking-url …`).
pub const SETTING_OFFICE_NAME: &str = "office.name";
pub const SETTING_OFFICE_PHONE: &str = "office.phone";
pub const SETTING_TRACKING_URL: &str = "office.tracking_url";
/// The secret the query codes are derived from (made on first use, never printed).
pub const SETTING_QUERY_SECRET: &str = "office.query_secret";

const DEFAULT_OFFICE: &str = "国网济宁供电公司";
const DEFAULT_PHONE: &str = "95598";
/// Longest office name, phone or tracking address, in characters.
const OFFICE_MAX_CHARS: usize = 200;

/// The three kinds of customer a disclosure describes, as forms the active bundle decides.
const REPRESENTATIVE: [(&str, &str, &str); 3] = [
    (
        "低压居民和小微企业，160千瓦及以下",
        "small_micro",
        r#""voltage":"380V","capacity_kw":100,"capacity_kva":null,"direct_meter":true"#,
    ),
    (
        "10千伏普通客户",
        "enterprise",
        r#""voltage":"10kV","capacity_kw":null,"capacity_kva":800,"direct_meter":false"#,
    ),
    (
        "35千伏及以上客户和重要客户",
        "enterprise",
        r#""voltage":"35kV","capacity_kw":null,"capacity_kva":8000,"direct_meter":false"#,
    ),
];

/// The office as papers print it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Office {
    pub name: String,
    pub phone: String,
    pub tracking_url: Option<String>,
}

/// What `set_office` changes (None: kept).
#[derive(Debug, Clone, Default)]
pub struct OfficeChange {
    pub name: Option<String>,
    pub phone: Option<String>,
    pub tracking_url: Option<String>,
}

impl Desk {
    /// The office as papers print it, defaults filled in.
    pub fn office(&self) -> Result<Office, DeskError> {
        Ok(Office {
            name: self.office_name()?,
            phone: self
                .setting(SETTING_OFFICE_PHONE)?
                .unwrap_or_else(|| DEFAULT_PHONE.to_string()),
            tracking_url: self.setting(SETTING_TRACKING_URL)?,
        })
    }

    /// Set what is given, all checked first and written in one commit; the field of an error is
    /// `name`, `phone` or `tracking_url`.
    pub fn set_office(&self, change: OfficeChange) -> Result<Office, DeskError> {
        let mut settings = Vec::new();
        for (field, key, value) in [
            ("name", SETTING_OFFICE_NAME, change.name),
            ("phone", SETTING_OFFICE_PHONE, change.phone),
            ("tracking_url", SETTING_TRACKING_URL, change.tracking_url),
        ] {
            let Some(v) = value else { continue };
            let bad = |why: String| DeskError::Text(validation::FieldError::new(field, why));
            if crate::domain::text::is_blank(&v) {
                return Err(bad("the value is empty; give the text to print".into()));
            }
            crate::domain::text::check_line(&v, OFFICE_MAX_CHARS).map_err(bad)?;
            settings.push((key.to_string(), Some(v.trim().to_string())));
        }
        if !settings.is_empty() {
            self.repository().commit(crate::domain::ports::Change {
                settings,
                ..Default::default()
            })?;
        }
        self.office()
    }

    /// The office's name as printed on papers.
    pub fn office_name(&self) -> Result<String, DeskError> {
        Ok(self
            .setting(SETTING_OFFICE_NAME)?
            .unwrap_or_else(|| DEFAULT_OFFICE.to_string()))
    }

    /// The query code printed on `id`'s receipt, with which the customer tracks it: six digits
    /// derived from the office's secret, so that one customer's code tells nothing of another's.
    pub fn query_code(&self, id: &AppId) -> Result<String, DeskError> {
        let secret = match self.setting(SETTING_QUERY_SECRET)? {
            Some(s) => s,
            None => {
                let s = fresh_secret();
                self.set_setting(SETTING_QUERY_SECRET, Some(s.clone()))?;
                s
            }
        };
        let digest = Sha256::digest(format!("{secret}:{}", id.0).as_bytes());
        let n = u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]]) % 1_000_000;
        Ok(format!("{n:06}"))
    }

    /// One paper: `id` is required for every kind but the disclosure.
    pub fn paper(&self, kind: PaperKind, id: Option<&AppId>) -> Result<Paper, DeskError> {
        let office = self.office_name()?;
        let on = self.today();
        if kind == PaperKind::Disclosure {
            // The published version while it is current; else what would be published today
            // (with the office's firms and capacities).
            let status = self.disclosure_status()?;
            let notice = match status.last {
                Some(last) if !status.due => last.body.notice,
                _ => disclosure::compose(&self.disclosure_inputs_now()?, on)
                    .map_err(|e| DeskError::Text(validation::FieldError::new(e.field, e.en)))?,
            };
            return Ok(papers::disclosure(&notice));
        }
        let id = id.ok_or_else(|| {
            DeskError::Text(validation::FieldError::new(
                "id",
                format!(
                    "the {} paper is for one application: give its id",
                    kind.id()
                ),
            ))
        })?;
        let dossier = self.show(id)?;
        let app = &dossier.application;
        Ok(match kind {
            PaperKind::Receipt => {
                let timeline = dossier.timeline.ok_or_else(|| {
                    DeskError::Text(validation::FieldError::new(
                        "timeline",
                        dossier.timeline_error.unwrap_or_default(),
                    ))
                })?;
                let o = self.office()?;
                let tracking = Tracking {
                    phone: o.phone,
                    url: o.tracking_url,
                    query_code: self.query_code(id)?,
                };
                papers::receipt(app, &timeline, &tracking, &office, on)
            }
            PaperKind::Notice => papers::notice(app, &office, on),
            PaperKind::Plan => papers::plan_reply(app, &office, on)?,
            PaperKind::Filing => papers::filing_form(app, &office, on),
            PaperKind::Disclosure => unreachable!("handled above"),
        })
    }

    /// What the disclosure notice is made of: the active bundle's steps and limits for each
    /// kind of customer, its abolished fees, and the office's data.
    pub(super) fn disclosure_inputs(&self, office: &str) -> Result<DisclosureInputs, DeskError> {
        let decider = self.decider();
        let received = self.now();
        let mut processes = Vec::new();
        if let Some(d) = &decider {
            for (for_whom, class, request) in REPRESENTATIVE {
                let json = format!(
                    r#"{{"customer":{{"name":"示例","class":"{class}","id_number":"91370800MA3C5R2K1X","phone":"13800000000"}},
                    "site":{{"county":"任城区","address":"示例"}},
                    "request":{{"kind":"new",{request}}},"received_at":"{}"}}"#,
                    received.to_rfc3339()
                );
                let form = validation::parse_form(&json).map_err(DeskError::Invalid)?;
                let decision = d.decide(&form, china_date(received))?;
                processes.push(ProcessDisclosure {
                    class: decision.access.class.into(),
                    for_whom_zh: for_whom.into(),
                    steps: decision
                        .steps
                        .iter()
                        .map(|s| StepDisclosure {
                            id: s.id.clone(),
                            label_zh: papers::step_label_zh(&s.id).into(),
                            limit_working_days: s.limit_working_days,
                        })
                        .collect(),
                    total_working_days: decision.grid_total_limit_working_days,
                });
            }
        }
        let abolished = decider
            .as_ref()
            .and_then(|d| d.texts_parameter("abolished_fees"))
            .map(|entries| AbolishedFee::parse_list(&entries))
            .unwrap_or_default();
        Ok(DisclosureInputs {
            office: office.to_string(),
            bundle: decider
                .as_ref()
                .map(|d| d.bundle())
                .unwrap_or_else(|| BundleRef {
                    region: "none".into(),
                    version: "未启用政策包".into(),
                    digest: String::new(),
                }),
            processes,
            fee_standards: Vec::new(),
            abolished,
            firms: Vec::new(),
            capacities: Vec::new(),
        })
    }
}

/// 32 random bytes, hex (the kernel's randomness; the clock and the process id if it fails).
fn fresh_secret() -> String {
    let mut bytes = [0u8; 32];
    let ok = std::fs::File::open("/dev/urandom")
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut bytes))
        .is_ok();
    if !ok {
        let seed = format!("{:?}{}", std::time::Instant::now(), std::process::id());
        bytes.copy_from_slice(&Sha256::digest(seed.as_bytes()));
    }
    hex::encode(bytes)
}

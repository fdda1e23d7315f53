//! 申请资料: the documents an application needs, by customer class and process (the one-time
//! notice lists those still missing; the disclosure publishes them all).

use serde::{Deserialize, Serialize};

use crate::domain::application::{AttachmentKind, CustomerClass};
use crate::domain::workflow::ProcessClass;

/// The documents an application may need (申请资料).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequiredDocument {
    /// 有效身份证明
    IdProof,
    /// 营业执照
    BusinessLicence,
    /// 用电地址产权证明
    PropertyProof,
    /// 用电设备清单及负荷情况 (high voltage)
    LoadList,
}

impl RequiredDocument {
    pub fn label_zh(self) -> &'static str {
        match self {
            Self::IdProof => "用电人（法定代表人或经办人）有效身份证明",
            Self::BusinessLicence => "营业执照（统一社会信用代码）",
            Self::PropertyProof => "用电地址产权证明（不动产权证等）",
            Self::LoadList => "用电设备清单及负荷情况",
        }
    }

    /// The electronic certificate that stands in for it (零证办电), if any.
    pub fn fetched_as(self) -> Option<AttachmentKind> {
        match self {
            Self::IdProof => Some(AttachmentKind::IdCard),
            Self::BusinessLicence => Some(AttachmentKind::BusinessLicence),
            Self::PropertyProof => Some(AttachmentKind::PropertyCertificate),
            Self::LoadList => None,
        }
    }
}

/// What a customer of `class` on `process` brings.
pub fn required_documents(class: CustomerClass, process: ProcessClass) -> Vec<RequiredDocument> {
    let mut docs = vec![RequiredDocument::IdProof];
    if class != CustomerClass::Resident {
        docs.push(RequiredDocument::BusinessLicence);
    }
    docs.push(RequiredDocument::PropertyProof);
    if process != ProcessClass::LowVoltage {
        docs.push(RequiredDocument::LoadList);
    }
    docs
}

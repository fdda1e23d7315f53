//! 辅助流程: side flows linked to an application, each a small state machine.
//!
//! Supporting grid project (配套电网工程), commitment filing (承诺备案), cloud acceptance (云验收),
//! joint application (水电气暖讯联合报装), appointments (预约上门), transfer with the property
//! (房产+用电联合过户).

use serde::{Deserialize, Serialize};

/// The side flows of one application; each is absent until started.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SideFlows {}

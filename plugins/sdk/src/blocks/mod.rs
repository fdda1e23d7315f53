//! Building blocks that regions share: how a request is connected and through which steps
//! (`access`), and who pays for what (`cost`). They read the bundle parameters they name, so
//! regions keep one vocabulary for the same rules, and return what they found, so each region's
//! module cites its own rule ids for it.

mod access;
mod cost;

pub use access::{connection, connection_params, hv_ordinary_params, std_params, Connection};
pub use cost::{
    cost_params, decide_cost, fee_notice, fee_notice_params, tariff_cut_parameter, CostFindings,
};

//! Cost: the programs (三零, 三省), the investment boundary and who pays the external line, the
//! energy price cut, the free efficiency service and the fee notice, as regions share them.

use crate::{
    AccessClass, Decision, Evaluation, InvestmentBoundary, LinePayer, ParamInfo, Params, Program,
    RuleError, Voltage,
};

/// The parameters [`decide_cost`] reads (declare them in describe(): `.params(cost_params())`).
pub fn cost_params() -> Vec<ParamInfo> {
    if crate::declare::rules_only() {
        return Vec::new();
    }
    let mut v = vec![
        ParamInfo::classes("three_zero_classes"),
        ParamInfo::park_levels("three_save_park_levels"),
        ParamInfo::flag("three_save_kinetic_library"),
        ParamInfo::voltages("three_save_voltages"),
        ParamInfo::classes("three_save_classes"),
        ParamInfo::flag("county_line_enabled"),
        ParamInfo::number("power_factor")
            .range(0.5, 1.0)
            .doc("kVA = kW / power_factor"),
        ParamInfo::classes("county_line_classes").optional(),
        ParamInfo::voltages("county_line_voltages").optional(),
        ParamInfo::flag("county_line_permanent_only").optional(),
        ParamInfo::number("county_line_max_kva")
            .range(1.0, 1_000_000.0)
            .optional(),
        ParamInfo::date("tariff_cut_from"),
        ParamInfo::int("efficiency_min_stars").range(0.0, 5.0),
        ParamInfo::classes("efficiency_classes"),
    ];
    v.extend(
        [
            Voltage::V220,
            Voltage::V380,
            Voltage::Kv10,
            Voltage::Kv35,
            Voltage::Kv110,
            Voltage::Kv220,
        ]
        .into_iter()
        .map(|volt| {
            ParamInfo::number(tariff_cut_parameter(volt))
                .range(0.0, 0.999)
                .doc("yuan/kWh")
        }),
    );
    v
}

/// The parameters [`fee_notice`] reads.
pub fn fee_notice_params() -> Vec<ParamInfo> {
    if crate::declare::rules_only() {
        return Vec::new();
    }
    vec![
        ParamInfo::texts("abolished_fees").doc("\"fee|the document that abolished it\""),
        ParamInfo::texts("undesignated_parties").one_of(&PARTIES),
    ]
}

/// What [`decide_cost`] found for one application: a region's module cites its own rule for each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CostFindings {
    /// 三零: a low-voltage customer of `three_zero_classes`; the utility invests to the meter.
    pub three_zero: bool,
    /// 三省: a high-voltage customer of `three_save_classes` on `three_save_voltages`, in a park
    /// of `three_save_park_levels` or (with `three_save_kinetic_library`) in the provincial
    /// kinetic-energy project library; the boundary moves to the planning red line.
    pub three_save: bool,
    /// The county government pays the external line (`county_line_*`).
    pub county_line: bool,
    /// A positive energy price cut applies (`tariff_cut_from`, `tariff_cut_<voltage>`).
    pub tariff_cut: bool,
    /// Free energy-efficiency service (`efficiency_classes`, `efficiency_min_stars`).
    pub efficiency: bool,
}

/// The parties the utility must not designate (三指定), as `undesignated_parties` names them.
const PARTIES: [&str; 3] = ["design", "construction", "equipment_supplier"];

/// The fee notice given at every acceptance: the abolished fee items, each with the document that
/// abolished it (`abolished_fees`, entries `"item|document"`, see [`Params::documented`]), and the
/// parties the utility does not designate (`undesignated_parties`: a non-empty list of `design`,
/// `construction`, `equipment_supplier`). Refuses a list it cannot read, naming the entry.
pub fn fee_notice(p: &Params) -> Result<(), RuleError> {
    // (Validated on reading: the items themselves are the notice's, not the decision's.)
    let _ = p.documented("abolished_fees")?;
    let parties = p.texts("undesignated_parties")?;
    if parties.is_empty() {
        return Err(RuleError::BadParameter(format!(
            "undesignated_parties: empty; list the parties the utility does not designate: {}",
            PARTIES.join(", ")
        )));
    }
    if let Some((i, s)) = parties
        .iter()
        .enumerate()
        .find(|(_, s)| !PARTIES.contains(&s.as_str()))
    {
        return Err(RuleError::BadParameter(format!(
            "undesignated_parties[{i}]: unknown value {s:?}; expected one of {}",
            PARTIES.join(", ")
        )));
    }
    Ok(())
}

/// 费用: fill in `d`'s programs, investment boundary, external-line payer, tariff cut and free
/// efficiency service for `e` (an access module must have decided the access first), and say
/// what applied. Every threshold, class list, price cut and date is a parameter:
/// - 三零 and 三省 as [`CostFindings`] says; otherwise the boundary is the property line and the
///   customer pays the external line, unless
/// - the county pays it (`county_line_enabled`): a customer of `county_line_classes` connected at
///   one of `county_line_voltages`, permanent (永久用电: never a temporary request) where
///   `county_line_permanent_only`, of at most `county_line_max_kva` (existing + requested);
/// - the energy price is cut by `tariff_cut_<voltage id>` yuan/kWh from `tariff_cut_from`
///   (evaluation date);
/// - enterprises of `efficiency_classes` with `efficiency_min_stars` or more get free
///   efficiency services.
pub fn decide_cost(e: &Evaluation, d: &mut Decision) -> Result<CostFindings, RuleError> {
    let p = &e.params;
    let app = &e.application;
    let class = app.customer.class;
    let (access, voltage) = d.require_access()?;

    // Programs and the investment boundary.
    let three_zero =
        access == AccessClass::LowVoltage && p.classes("three_zero_classes")?.contains(&class);
    let park_levels = p.park_levels("three_save_park_levels")?;
    let in_park = app
        .site
        .park_level
        .is_some_and(|l| park_levels.contains(&l));
    let in_library = app.site.kinetic_library && p.flag("three_save_kinetic_library")?;
    let three_save = access != AccessClass::LowVoltage
        && p.voltages("three_save_voltages")?.contains(&voltage)
        && p.classes("three_save_classes")?.contains(&class)
        && (in_park || in_library);
    let (boundary, mut payer) = if three_zero {
        d.add_program(Program::ThreeZero);
        (InvestmentBoundary::Meter, LinePayer::Utility)
    } else if three_save {
        d.add_program(Program::ThreeSave);
        (InvestmentBoundary::PlanningRedLine, LinePayer::Utility)
    } else {
        (InvestmentBoundary::PropertyBoundary, LinePayer::Customer)
    };

    // County-funded external line for permanent enterprises up to a capacity.
    let mut county_line = false;
    if payer == LinePayer::Customer && p.flag("county_line_enabled")? {
        let kva = app.request.total_kva(p.positive("power_factor")?)?;
        county_line = p.classes("county_line_classes")?.contains(&class)
            && p.voltages("county_line_voltages")?.contains(&voltage)
            && (app.request.is_permanent() || !p.flag("county_line_permanent_only")?)
            && kva <= p.positive("county_line_max_kva")?;
        if county_line {
            payer = LinePayer::CountyGovernment;
        }
    }
    d.investment_boundary = Some(boundary);
    d.external_line_payer = Some(payer);

    // Energy price cut by the voltage of connection, from its effective date.
    let cut = if e.evaluation_date >= p.date("tariff_cut_from")? {
        p.number(tariff_cut_parameter(voltage))?
    } else {
        0.0
    };
    if !(0.0..1.0).contains(&cut) {
        return Err(RuleError::BadParameter(format!(
            "{}: expected yuan/kWh in 0..1, found {cut}",
            tariff_cut_parameter(voltage)
        )));
    }
    d.tariff_cut_yuan_per_kwh = Some(cut);

    // Free energy-efficiency service for well-rated enterprises.
    let min_stars = p.int("efficiency_min_stars")?;
    let efficiency = p.classes("efficiency_classes")?.contains(&class)
        && i64::from(app.customer.star_rating) >= min_stars;
    d.free_efficiency_service = Some(efficiency);
    Ok(CostFindings {
        three_zero,
        three_save,
        county_line,
        tariff_cut: cut > 0.0,
        efficiency,
    })
}

/// The parameter holding the tariff cut for a voltage of connection (`tariff_cut_<voltage id>`).
pub fn tariff_cut_parameter(v: Voltage) -> &'static str {
    match v {
        Voltage::V220 => "tariff_cut_220V",
        Voltage::V380 => "tariff_cut_380V",
        Voltage::Kv10 => "tariff_cut_10kV",
        Voltage::Kv35 => "tariff_cut_35kV",
        Voltage::Kv110 => "tariff_cut_110kV",
        Voltage::Kv220 => "tariff_cut_220kV",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ParamValue;

    #[test]
    fn the_tariff_cut_parameter_of_each_voltage_is_named_after_its_id() {
        for v in Voltage::ALL {
            assert_eq!(tariff_cut_parameter(v), format!("tariff_cut_{}", v.id()));
        }
    }

    #[test]
    fn the_fee_notice_needs_a_document_per_fee_and_known_parties() {
        let texts = |v: &[&str]| ParamValue::Texts(v.iter().map(|s| s.to_string()).collect());
        let good = Params::new([
            (
                "abolished_fees",
                texts(&["临时接电费|发改价格〔2017〕1895号"]),
            ),
            ("undesignated_parties", texts(&["design", "construction"])),
        ]);
        assert_eq!(fee_notice(&good), Ok(()));
        let mut p = good.clone();
        p.set("abolished_fees", texts(&["临时接电费"]));
        assert!(
            matches!(fee_notice(&p), Err(RuleError::BadParameter(m)) if m.starts_with("abolished_fees[0]: \"临时接电费\" names no document"))
        );
        let mut p = good.clone();
        p.set("undesignated_parties", texts(&["design", "meter_reader"]));
        assert!(
            matches!(fee_notice(&p), Err(RuleError::BadParameter(m)) if m.starts_with("undesignated_parties[1]: unknown value \"meter_reader\""))
        );
        let mut p = good;
        p.set("undesignated_parties", texts(&[]));
        assert!(
            matches!(fee_notice(&p), Err(RuleError::BadParameter(m)) if m.starts_with("undesignated_parties: empty"))
        );
    }
}

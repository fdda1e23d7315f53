//! jn-cost: who pays for what (Jining, 2021).
//!
//! Rules JN-3ZERO, JN-3SAVE, JN-COUNTY-LINE, JN-TARIFF-2021, JN-FEES and JN-EFFICIENCY of
//! DOMAIN.md. Runs after an access module (it needs the access class and voltage). Every
//! threshold, class list, price cut and date is a bundle parameter, so other regions reuse it
//! with their own values (e.g. `county_line_enabled = false`).

use powerdesk_policy_sdk::*;

/// The Jining cost module.
pub struct JnCost;

export_rule_module!(JnCost);

impl RuleModule for JnCost {
    fn describe() -> ModuleInfo {
        ModuleInfo::new("jn-cost", env!("CARGO_PKG_VERSION"))
            .rule("JN-3ZERO", "低压居民和小微企业“三零”：零上门、零审批、零投资，供电公司投资至电能表")
            .rule("JN-3SAVE", "省级及以上园区或纳入省级新旧动能转换项目库的10千伏企业“三省”：投资界面延伸至客户规划红线")
            .rule("JN-COUNTY-LINE", "县区政府全额承担1250千伏安及以下永久用电企业的电力外线工程费用")
            .rule("JN-TARIFF-2021", "自2021年1月1日起降低电度电价：1-10千伏0.011元，35千伏至110千伏以下0.015元，110千伏至220千伏以下0.016元，220千伏及以上0.03元")
            .rule("JN-FEES", "国家和公司明令取消的收费项目一律不得收取；不指定设计、施工、设备供应单位")
            .rule("JN-EFFICIENCY", "为三星级及以上企业免费提供能效服务")
    }

    fn decide(e: &Evaluation) -> Result<Decision, RuleError> {
        let p = &e.params;
        let app = &e.application;
        let class = app.customer.class;
        let mut d = e.draft.clone();
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
            d.apply("JN-3ZERO");
            (InvestmentBoundary::Meter, LinePayer::Utility)
        } else if three_save {
            d.add_program(Program::ThreeSave);
            d.apply("JN-3SAVE");
            (InvestmentBoundary::PlanningRedLine, LinePayer::Utility)
        } else {
            (InvestmentBoundary::PropertyBoundary, LinePayer::Customer)
        };

        // County-funded external line for permanent enterprises up to a capacity.
        if payer == LinePayer::Customer && p.flag("county_line_enabled")? {
            let kva = app.request.kva(p.positive("power_factor")?)?;
            let eligible = p.classes("county_line_classes")?.contains(&class)
                && p.voltages("county_line_voltages")?.contains(&voltage)
                && (app.request.permanent || !p.flag("county_line_permanent_only")?)
                && kva <= p.positive("county_line_max_kva")?;
            if eligible {
                payer = LinePayer::CountyGovernment;
                d.apply("JN-COUNTY-LINE");
            }
        }
        d.investment_boundary = Some(boundary);
        d.external_line_payer = Some(payer);

        // Where the customer still pays part of the connection, abolished fees and designated
        // firms are ruled out.
        if boundary != InvestmentBoundary::Meter || payer == LinePayer::Customer {
            let fees = p.texts("abolished_fees")?;
            let undesignated = p.texts("undesignated_parties")?;
            if !fees.is_empty() || !undesignated.is_empty() {
                d.apply("JN-FEES");
            }
        }

        // Energy price cut by the voltage of connection, from its effective date.
        let cut = if e.evaluation_date >= p.date("tariff_cut_from")? {
            p.number(&format!("tariff_cut_{}", voltage.id()))?
        } else {
            0.0
        };
        if !(0.0..1.0).contains(&cut) {
            return Err(RuleError::BadParameter(format!(
                "tariff_cut_{}: expected yuan/kWh in 0..1, found {cut}",
                voltage.id()
            )));
        }
        if cut > 0.0 {
            d.apply("JN-TARIFF-2021");
        }
        d.tariff_cut_yuan_per_kwh = Some(cut);

        // Free energy-efficiency service for well-rated enterprises.
        let min_stars = p.int("efficiency_min_stars")?;
        let efficiency = p.classes("efficiency_classes")?.contains(&class)
            && i64::from(app.customer.star_rating) >= min_stars;
        if efficiency {
            d.apply("JN-EFFICIENCY");
        }
        d.free_efficiency_service = Some(efficiency);
        Ok(d)
    }
}

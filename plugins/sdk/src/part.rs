//! A module's part of a decision: what the decision it returns adds to or changes in the draft
//! it was given. Built for WebAssembly, only the part goes back to powerdesk (since contract 3.0.0).

use crate::Decision;

/// `d` as a part over `draft`: the decided fields that differ from the draft, the programs and
/// step limits the draft does not have yet, and the rules it does not cite yet. A module cannot
/// undo an earlier module's part: clearing a decided field is an error.
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
pub(crate) fn part(draft: &Decision, d: Decision) -> Result<Decision, String> {
    fn changed<T: PartialEq + Copy>(
        field: &str,
        before: Option<T>,
        after: Option<T>,
    ) -> Result<Option<T>, String> {
        match (before, after) {
            (Some(_), None) => Err(format!(
                "clears `{field}`, which an earlier module decided; a module can only add its part"
            )),
            (b, a) if b == a => Ok(None),
            (_, a) => Ok(a),
        }
    }
    // A tariff cut compares by its bits: the part says whether the module set another number.
    let bits = |t: Option<f64>| t.map(f64::to_bits);
    let tariff = changed(
        "tariff_cut_yuan_per_kwh",
        bits(draft.tariff_cut_yuan_per_kwh),
        bits(d.tariff_cut_yuan_per_kwh),
    )?
    .map(f64::from_bits);
    Ok(Decision {
        access_class: changed("access_class", draft.access_class, d.access_class)?,
        access_voltage: changed("access_voltage", draft.access_voltage, d.access_voltage)?,
        programs: d
            .programs
            .into_iter()
            .filter(|p| !draft.programs.contains(p))
            .collect(),
        investment_boundary: changed(
            "investment_boundary",
            draft.investment_boundary,
            d.investment_boundary,
        )?,
        external_line_payer: changed(
            "external_line_payer",
            draft.external_line_payer,
            d.external_line_payer,
        )?,
        steps: d
            .steps
            .into_iter()
            .filter(|s| !draft.steps.contains(s))
            .collect(),
        grid_total_limit_working_days: changed(
            "grid_total_limit_working_days",
            draft.grid_total_limit_working_days,
            d.grid_total_limit_working_days,
        )?,
        tariff_cut_yuan_per_kwh: tariff,
        free_efficiency_service: changed(
            "free_efficiency_service",
            draft.free_efficiency_service,
            d.free_efficiency_service,
        )?,
        rules: d
            .rules
            .into_iter()
            .filter(|r| !draft.rules.contains(r))
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{AccessClass, Event, Program, Step, Voltage};

    fn access_draft() -> Decision {
        let mut d = Decision {
            access_class: Some(AccessClass::LowVoltage),
            access_voltage: Some(Voltage::V380),
            grid_total_limit_working_days: Some(2),
            ..Decision::default()
        };
        d.set_step(Step::Energize, 0, Event::Accepted);
        d.apply("JN-LV-160");
        d
    }

    #[test]
    fn a_part_holds_only_what_the_module_added_or_changed() {
        let draft = access_draft();
        let mut d = draft.clone();
        d.add_program(Program::ThreeZero);
        d.set_step(Step::LineBuilt, 1, Event::Accepted);
        d.set_step(Step::Energize, 1, Event::Accepted);
        d.tariff_cut_yuan_per_kwh = Some(0.0);
        d.apply("JN-LV-160");
        d.apply("JN-3ZERO");
        let p = part(&draft, d).unwrap();
        assert_eq!(p.access_class, None, "unchanged: not part of the part");
        assert_eq!(p.grid_total_limit_working_days, None);
        assert_eq!(p.programs, [Program::ThreeZero]);
        let steps: Vec<(Step, u32)> = p
            .steps
            .iter()
            .map(|s| (s.step, s.limit_working_days))
            .collect();
        assert_eq!(steps, [(Step::Energize, 1), (Step::LineBuilt, 1)]);
        assert_eq!(p.tariff_cut_yuan_per_kwh, Some(0.0));
        assert_eq!(p.rules, ["JN-3ZERO"]);

        // The first module's part is its whole decision.
        let p = part(&Decision::default(), draft.clone()).unwrap();
        assert_eq!(p, draft);
    }

    #[test]
    fn clearing_an_earlier_modules_field_is_refused_by_name() {
        let draft = access_draft();
        let mut d = draft.clone();
        d.grid_total_limit_working_days = None;
        assert_eq!(
            part(&draft, d),
            Err("clears `grid_total_limit_working_days`, which an earlier module decided; a module can only add its part".into())
        );
    }
}

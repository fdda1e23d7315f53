//! 参数探查: `policy check` has every module read the parameters it uses, by deciding a fixed
//! sample of applications (after the bundle took effect); a parameter a module cannot read (a
//! missing one, one of the wrong type, an abolished fee without its document, …) fails the check,
//! naming the module and the parameter, before any application is decided with the bundle.
//! The sample is decided as one batch, as a diff or a demo load decides, with every module
//! instantiated as decisions are: a fault (fuel, deadline, memory, trap) fails the check too. Every [`AGREEMENT_STRIDE`]th application is then decided again on its
//! own: a single decision that differs from the batched one fails the check.

use chrono::{FixedOffset, TimeZone};

use super::bundle::{received_day, Bundle};
use super::host::{PolicyError, REFUSED_BAD_PARAMETER};
use super::sample::Sampler;

/// How many sample applications the probe decides.
pub const PROBE_APPLICATIONS: usize = 256;

/// Of the sample decided in a batch, every this many is decided again alone and compared.
pub const AGREEMENT_STRIDE: usize = 8;

/// Decide the sample under `bundle`; the first refusal for a bad parameter or fault is the
/// error, and so is a single decision that differs from the batched one.
/// Returns how many applications were decided (the others were refused for reasons of their
/// own, e.g. a voltage a module does not cover).
pub fn probe_parameters(bundle: &Bundle) -> Result<usize, PolicyError> {
    let effective = bundle.manifest().bundle.effective;
    let cst = FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset");
    let mut forms = Sampler::new(20210825).forms(PROBE_APPLICATIONS);
    for form in &mut forms {
        if received_day(form) < effective {
            form.received_at = cst
                .from_local_datetime(&effective.and_hms_opt(9, 0, 0).expect("09:00 exists"))
                .single()
                .expect("UTC+8 has no gaps");
        }
    }
    let items: Vec<_> = forms.iter().map(|f| (f, received_day(f))).collect();
    let batched = bundle.evaluate_batch(&items);
    let mut decided = 0;
    for result in &batched {
        match result {
            Ok(_) => decided += 1,
            Err(e @ PolicyError::Refused { .. }) if is_bad_parameter(e) => return Err(e.clone()),
            Err(e) if e.is_fault() => return Err(e.clone()),
            // Refused for a reason of its own (e.g. a voltage no module covers), or a part no
            // module decides for it.
            Err(_) => {}
        }
    }
    for (i, ((form, on), in_batch)) in items.iter().zip(&batched).enumerate() {
        if i % AGREEMENT_STRIDE != 0 {
            continue;
        }
        let alone = bundle.evaluate(form, *on);
        if &alone != in_batch {
            return Err(PolicyError::BadOutput {
                module: format!("bundle {}", bundle.region()),
                version: bundle.version().to_string(),
                reason: format!(
                    "sample application #{i} is decided differently alone ({}) than in a batch ({}); a decision must not depend on the other applications of its batch",
                    summary(&alone),
                    summary(in_batch)
                ),
            });
        }
    }
    Ok(decided)
}

fn summary(r: &Result<crate::domain::decision::Decision, PolicyError>) -> String {
    match r {
        Ok(d) => serde_json::to_string(d).unwrap_or_else(|e| e.to_string()),
        Err(e) => e.to_string(),
    }
}

fn is_bad_parameter(e: &PolicyError) -> bool {
    matches!(e, PolicyError::Refused { kind, .. } if kind == REFUSED_BAD_PARAMETER)
}

//! 参数探查: `policy check` has every module read the parameters it uses, by deciding a fixed
//! sample of applications (after the bundle took effect); a parameter a module cannot read (a
//! missing one, one of the wrong type, an abolished fee without its document, …) fails the check,
//! naming the module and the parameter, before any application is decided with the bundle.

use chrono::{FixedOffset, TimeZone};

use super::bundle::{received_day, Bundle};
use super::host::{PolicyError, REFUSED_BAD_PARAMETER};
use super::sample::Sampler;

/// How many sample applications the probe decides.
pub const PROBE_APPLICATIONS: usize = 256;

/// Decide the sample under `bundle`; the first refusal for a bad parameter is the error. Returns
/// how many applications were decided (the others were refused for reasons of their own, e.g. a
/// voltage a module does not cover).
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
    let mut decided = 0;
    for result in bundle.evaluate_batch(&items) {
        match result {
            Ok(_) => decided += 1,
            Err(e @ PolicyError::Refused { .. }) if is_bad_parameter(&e) => return Err(e),
            Err(_) => {}
        }
    }
    Ok(decided)
}

fn is_bad_parameter(e: &PolicyError) -> bool {
    matches!(e, PolicyError::Refused { kind, .. } if kind == REFUSED_BAD_PARAMETER)
}

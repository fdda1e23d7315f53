//! 政策包: a loaded regional policy bundle: its checked rule modules, parameters and working-day
//! calendar, deciding applications (implements `domain::ports::Decider`).
//!
//! Loading verifies every module's digest, checks its contract, instantiates it once and calls
//! describe. Deciding runs the modules in the manifest's order, each on the draft of the ones
//! before it; each returns its part, which is checked, merged into the draft, and the merged draft
//! checked again; the final draft becomes a [`Decision`] once every part is decided.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{FixedOffset, NaiveDate};

use super::convert::{
    check_draft, empty_draft, event_state, from_wit_access, from_wit_boundary, from_wit_payer,
    from_wit_program, from_wit_voltage, merge, step_id, to_wit_application, to_wit_date, Texts,
};
use super::host::{wit, ModuleSpec, PolicyError, PolicyHost, RuleModule, Sandboxes};
use super::manifest::{Manifest, ManifestError, ParamValue};
use crate::domain::application::ApplicationForm;
use crate::domain::calendar::WorkingCalendar;
use crate::domain::decision::{Access, BundleRef, Decision, StepLimit};
use crate::domain::ports::{DecideError, Decider};

/// The most evaluations sent to a module in one call (bounds the sandbox's memory per call).
pub const MAX_BATCH: usize = 256;

/// A bundle that could not be loaded: which file or module, what is wrong.
#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    #[error(transparent)]
    Manifest(#[from] ManifestError),
    #[error(transparent)]
    Module(#[from] PolicyError),
    #[error("calendar {file}: {message}")]
    Calendar { file: PathBuf, message: String },
    /// The modules' declarations do not fit together (one reads what a later one decides).
    #[error("bundle {dir}: {message}")]
    Declarations { dir: PathBuf, message: String },
}

/// The working-day calendar of a bundle: its year files, parsed (no module is loaded).
pub fn load_calendar(manifest: &Manifest) -> Result<WorkingCalendar, BundleError> {
    let mut years = Vec::new();
    for file in manifest.calendar_paths() {
        let text = std::fs::read_to_string(&file).map_err(|e| BundleError::Calendar {
            file: file.clone(),
            message: format!("cannot read: {e}"),
        })?;
        let year = WorkingCalendar::parse_year(&text).map_err(|message| BundleError::Calendar {
            file: file.clone(),
            message,
        })?;
        years.push(year);
    }
    Ok(WorkingCalendar::new(years))
}

/// A row of the Policies screen's module table.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ModuleRow {
    pub name: String,
    pub version: String,
    pub contract: String,
    pub file: String,
    pub digest: String,
    pub rules: Vec<RuleRow>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RuleRow {
    pub id: String,
    pub text: String,
}

/// 政策包: a verified bundle, ready to decide.
pub struct Bundle {
    manifest: Manifest,
    digest: String,
    calendar: Arc<WorkingCalendar>,
    modules: Vec<RuleModule>,
    /// The parameters in their wire form, encoded once.
    params: Vec<u8>,
    host: PolicyHost,
}

impl std::fmt::Debug for Bundle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bundle")
            .field("dir", &self.manifest.dir)
            .field("digest", &self.digest)
            .field("modules", &self.modules)
            .finish()
    }
}

impl Bundle {
    /// Load and verify the bundle in `dir`.
    pub fn load(host: &PolicyHost, dir: &Path) -> Result<Bundle, BundleError> {
        let manifest = Manifest::load(dir)?;
        let digest = manifest.digest()?;
        let calendar = Arc::new(load_calendar(&manifest)?);
        let mut modules = Vec::with_capacity(manifest.modules.len());
        for entry in &manifest.modules {
            let spec = ModuleSpec {
                name: entry.name.clone(),
                version: "(not yet described)".into(),
                file: manifest.module_path(entry),
                expected_digest: Some(entry.sha256.clone()),
            };
            modules.push(host.load(&spec)?);
        }
        super::declare::check_order(&modules).map_err(|message| BundleError::Declarations {
            dir: manifest.dir.clone(),
            message,
        })?;
        let params = wire_params(&manifest.parameters);
        Ok(Bundle {
            manifest,
            digest,
            calendar,
            modules,
            params,
            host: host.clone(),
        })
    }

    pub fn dir(&self) -> &Path {
        &self.manifest.dir
    }

    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    pub fn region(&self) -> &str {
        &self.manifest.bundle.region
    }

    pub fn version(&self) -> &str {
        &self.manifest.bundle.version
    }

    /// `sha256:<hex>` over the bundle's parameters, calendar and modules.
    pub fn digest(&self) -> &str {
        &self.digest
    }

    /// The bundle's working-day calendar.
    pub fn calendar(&self) -> &WorkingCalendar {
        &self.calendar
    }

    /// Parameters, sorted by name.
    pub fn parameters(&self) -> &[(String, ParamValue)] {
        &self.manifest.parameters
    }

    pub fn modules(&self) -> &[RuleModule] {
        &self.modules
    }

    /// The module table: name, version, rule ids and their text (with the bundle's values of the
    /// parameters it names).
    pub fn module_table(&self) -> Vec<ModuleRow> {
        self.modules
            .iter()
            .map(|m| ModuleRow {
                name: m.name.clone(),
                version: m.version.clone(),
                contract: m.contract.clone(),
                file: m.file.display().to_string(),
                digest: m.digest.clone(),
                rules: m
                    .rules
                    .iter()
                    .map(|r| RuleRow {
                        id: r.id.clone(),
                        text: super::declare::render_rule_text(&r.text, self.parameters()),
                    })
                    .collect(),
            })
            .collect()
    }

    pub fn bundle_ref(&self) -> BundleRef {
        BundleRef {
            region: self.region().to_string(),
            version: self.version().to_string(),
            digest: self.digest.clone(),
        }
    }

    /// The WIT input for `form` as of `on`, with an empty draft; its strings go to `texts`.
    pub fn evaluation(
        &self,
        form: &ApplicationForm,
        on: NaiveDate,
        texts: &mut Texts,
    ) -> wit::Evaluation {
        wit::Evaluation {
            application: to_wit_application(form, texts),
            evaluation_date: to_wit_date(on),
            draft: empty_draft(),
        }
    }

    /// The parameters every module receives, in their wire form.
    pub fn params(&self) -> &[u8] {
        &self.params
    }

    /// Refuse an application received before the bundle took effect (`[bundle] effective`).
    pub fn check_in_force(&self, form: &ApplicationForm) -> Result<(), PolicyError> {
        check_in_force(&self.manifest, form)
    }

    /// Run every module in order and turn the final draft into a checked decision; an
    /// application received before the bundle took effect is refused ([`PolicyError::NotInForce`]).
    pub fn evaluate(&self, form: &ApplicationForm, on: NaiveDate) -> Result<Decision, PolicyError> {
        let mut results = self.evaluate_batch(&[(form, on)]);
        results.pop().expect("one result per evaluation")
    }

    /// Decide many applications, each as of its own date: every module runs once over the whole
    /// batch in one sandbox (the parameters cross into it once). If a module faults on the batch,
    /// its evaluations are re-run one by one, so the fault is charged to the application that
    /// caused it and the others are still decided. An application received before the bundle took
    /// effect gets [`PolicyError::NotInForce`] and is not sent to the modules. One result per
    /// item, in order.
    pub fn evaluate_batch(
        &self,
        items: &[(&ApplicationForm, NaiveDate)],
    ) -> Vec<Result<Decision, PolicyError>> {
        let mut results = Vec::with_capacity(items.len());
        let mut inputs: Vec<wit::Evaluation> = Vec::with_capacity(items.len().min(MAX_BATCH));
        let mut state: Vec<Progress> = Vec::with_capacity(items.len().min(MAX_BATCH));
        let mut texts = Texts::default();
        for items in items.chunks(MAX_BATCH) {
            texts.clear();
            inputs.clear();
            inputs.extend(
                items
                    .iter()
                    .map(|(form, on)| self.evaluation(form, *on, &mut texts)),
            );
            state.clear();
            state.extend(items.iter().map(|(form, _)| Progress {
                cited: Vec::new(),
                fault: self.check_in_force(form).err(),
            }));
            self.run_batch(texts.as_slice(), &mut inputs, &mut state);
            results.extend(
                inputs
                    .iter_mut()
                    .zip(state.iter_mut())
                    .map(|(input, progress)| match progress.fault.take() {
                        Some(e) => Err(e),
                        None => self.finish(
                            std::mem::replace(&mut input.draft, empty_draft()),
                            &progress.cited,
                        ),
                    }),
            );
        }
        results
    }

    /// Run the modules over `inputs`, merging each module's part into the evaluation's draft (the
    /// next module's input); an evaluation a module refused or faulted on gets its error and is
    /// not sent further.
    fn run_batch(&self, texts: &[String], inputs: &mut [wit::Evaluation], state: &mut [Progress]) {
        let mut sandboxes = self.host.sandboxes();
        for (m, module) in self.modules.iter().enumerate() {
            let live: Vec<usize> = (0..inputs.len())
                .filter(|&i| state[i].fault.is_none())
                .collect();
            if live.is_empty() {
                return;
            }
            let outputs = if live.len() == inputs.len() {
                self.decide_attributed(&mut sandboxes, module, texts, inputs)
            } else {
                let batch: Vec<wit::Evaluation> = live.iter().map(|&i| inputs[i].clone()).collect();
                self.decide_attributed(&mut sandboxes, module, texts, &batch)
            };
            for (i, out) in live.into_iter().zip(outputs) {
                let merged = out.and_then(|part| {
                    self.merge_part(m, module, &mut inputs[i], &mut state[i].cited, part)
                });
                if let Err(e) = merged {
                    state[i].fault = Some(e);
                }
            }
        }
    }

    /// One module over a batch; if the sandbox faults, each evaluation again on its own (in
    /// stores of their own).
    fn decide_attributed(
        &self,
        sandboxes: &mut Sandboxes,
        module: &RuleModule,
        texts: &[String],
        batch: &[wit::Evaluation],
    ) -> Vec<Result<wit::Part, PolicyError>> {
        match self
            .host
            .decide_in(sandboxes, module, &self.params, texts, batch)
        {
            Ok(results) => results,
            Err(fault) if batch.len() == 1 => vec![Err(fault)],
            Err(_) => batch
                .iter()
                .map(|one| {
                    self.host
                        .decide(module, &self.params, texts, std::slice::from_ref(one))
                        .and_then(|mut r| r.pop().expect("one result for a batch of one"))
                })
                .collect(),
        }
    }

    /// Accept module `m`'s part if it cites only rules the module declares, each once, and merges
    /// into a draft that does not contradict the request or itself.
    fn merge_part(
        &self,
        m: usize,
        module: &RuleModule,
        input: &mut wit::Evaluation,
        cited: &mut Vec<(u16, u16)>,
        part: wit::Part,
    ) -> Result<(), PolicyError> {
        let bad = |reason: String| PolicyError::BadOutput {
            module: module.name.clone(),
            version: module.version.clone(),
            reason,
        };
        let before = cited.len();
        cited.reserve(part.rules.len());
        for (k, &r) in part.rules.iter().enumerate() {
            let Some(rule) = module.rules.get(usize::from(r)) else {
                let declared: Vec<&str> = module.rules.iter().map(|r| r.id.as_str()).collect();
                return Err(bad(format!(
                    "cites rule #{r}, but describe() declares {} rules ({})",
                    declared.len(),
                    declared.join(", ")
                )));
            };
            if part.rules[..k].contains(&r) {
                return Err(bad(format!("cites rule `{}` twice", rule.id)));
            }
            // Two modules may declare the same rule id: the decision cites it once.
            let known = cited[..before].iter().any(|&(cm, cr)| {
                self.modules[usize::from(cm)].rules[usize::from(cr)].id == rule.id
            });
            if !known {
                cited.push((m as u16, r));
            }
        }
        if let Some(a) = super::declare::undeclared_aspect(&module.decides, &part.decision) {
            return Err(bad(format!(
                "sets `{}`, which its describe() does not declare in `decides`",
                super::declare::aspect_id(a)
            )));
        }
        merge(&mut input.draft, part.decision).map_err(&bad)?;
        let requested = from_wit_voltage(input.application.request.voltage);
        check_draft(&input.draft, requested).map_err(bad)
    }

    /// The final draft as a [`Decision`], citing the rules (module, index) in order; a missing
    /// part is the bundle's fault.
    pub fn finish(
        &self,
        draft: wit::Decision,
        cited: &[(u16, u16)],
    ) -> Result<Decision, PolicyError> {
        let bad = |reason: String| PolicyError::BadOutput {
            module: format!("bundle {}", self.region()),
            version: self.version().to_string(),
            reason,
        };
        // Every part was checked as it was merged (`merge_part`); what is left is whether every
        // part was decided.
        let missing = |part: &str| bad(format!("no module decided `{part}` after all modules ran"));
        Ok(Decision {
            bundle: self.bundle_ref(),
            access: Access {
                class: from_wit_access(draft.access_class.ok_or_else(|| missing("access.class"))?),
                voltage: from_wit_voltage(
                    draft
                        .access_voltage
                        .ok_or_else(|| missing("access.voltage"))?,
                ),
            },
            programs: draft
                .programs
                .iter()
                .map(|p| from_wit_program(*p))
                .collect(),
            investment_boundary: from_wit_boundary(
                draft
                    .investment_boundary
                    .ok_or_else(|| missing("investment_boundary"))?,
            ),
            external_line_payer: from_wit_payer(
                draft
                    .external_line_payer
                    .ok_or_else(|| missing("external_line_payer"))?,
            ),
            steps: draft
                .steps
                .iter()
                .map(|s| StepLimit {
                    id: step_id(s.step).to_string(),
                    limit_working_days: s.limit_working_days,
                    from: event_state(s.from).id().to_string(),
                })
                .collect(),
            grid_total_limit_working_days: draft.grid_total_limit_working_days,
            // No tariff rule for the voltage means no cut; no efficiency rule means no free service.
            tariff_cut_yuan_per_kwh: draft.tariff_cut_yuan_per_kwh.unwrap_or(0.0),
            free_efficiency_service: draft.free_efficiency_service.unwrap_or(false),
            rules: cited
                .iter()
                .map(|&(m, r)| {
                    self.modules[usize::from(m)].rules[usize::from(r)]
                        .id
                        .clone()
                })
                .collect(),
        })
    }
}

/// The day an application was received, in China time (UTC+8), whatever offset its timestamp was
/// written in: the day a bundle's `effective` date is compared with.
pub fn received_day(form: &ApplicationForm) -> NaiveDate {
    let cst = FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset");
    form.received_at.with_timezone(&cst).date_naive()
}

/// Refuse an application received before the bundle of `manifest` took effect, naming both dates.
pub fn check_in_force(manifest: &Manifest, form: &ApplicationForm) -> Result<(), PolicyError> {
    let received = received_day(form);
    let effective = manifest.bundle.effective;
    if received < effective {
        return Err(PolicyError::NotInForce {
            region: manifest.bundle.region.clone(),
            version: manifest.bundle.version.clone(),
            effective,
            received,
        });
    }
    Ok(())
}

/// Where one evaluation of a batch stands: the rules cited so far, as (module, index in its
/// describe() table), or the error that stopped it.
#[derive(Default)]
struct Progress {
    cited: Vec<(u16, u16)>,
    fault: Option<PolicyError>,
}

fn decide_error(e: PolicyError) -> DecideError {
    DecideError {
        module: e.module().to_string(),
        version: e.version().to_string(),
        cause: e.to_string(),
    }
}

impl Decider for Bundle {
    fn decide(&self, form: &ApplicationForm, on: NaiveDate) -> Result<Decision, DecideError> {
        self.evaluate(form, on).map_err(decide_error)
    }

    fn decide_batch(
        &self,
        items: &[(&ApplicationForm, NaiveDate)],
    ) -> Vec<Result<Decision, DecideError>> {
        self.evaluate_batch(items)
            .into_iter()
            .map(|r| r.map_err(decide_error))
            .collect()
    }

    fn bundle(&self) -> BundleRef {
        self.bundle_ref()
    }

    fn effective(&self) -> Option<NaiveDate> {
        Some(self.manifest.bundle.effective)
    }

    fn calendar(&self) -> Option<Arc<WorkingCalendar>> {
        Some(self.calendar.clone())
    }
}

/// Bundle parameters in the contract's wire form (`powerdesk_policy_sdk::wire`), sorted by name.
pub fn wire_params(parameters: &[(String, ParamValue)]) -> Vec<u8> {
    use powerdesk_policy_sdk::ParamValue as P;
    let mut values: Vec<(&str, P)> = parameters
        .iter()
        .map(|(name, v)| {
            let v = match v {
                ParamValue::Integer(i) => P::Integer(*i),
                ParamValue::Number(x) => P::Number(*x),
                ParamValue::Text(s) => P::Text(s.clone()),
                ParamValue::Flag(b) => P::Flag(*b),
                ParamValue::Texts(v) => P::Texts(v.clone()),
            };
            (name.as_str(), v)
        })
        .collect();
    values.sort_by(|a, b| a.0.cmp(b.0));
    powerdesk_policy_sdk::wire::encode(values.iter().map(|(n, v)| (*n, v)))
}

//! 校验: every field of an application form, with messages naming the field.

use super::application::ApplicationForm;

/// One refused field: its JSON path (`request.capacity_kva`) and what is wrong, with what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

/// Parse the Application JSON of CONTRACTS.md; type errors name the field.
pub fn parse_form(_json: &str) -> Result<ApplicationForm, Vec<FieldError>> {
    todo!("domain: validation")
}

/// Check every field and their combinations; all problems at once.
pub fn validate(_form: &ApplicationForm) -> Result<(), Vec<FieldError>> {
    todo!("domain: validation")
}

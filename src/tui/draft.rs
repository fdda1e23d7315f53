//! 草稿: the new-application form as it was left when the console quit, kept beside the store
//! (outside sled's `db/`) and offered on the next start; removed once submitted or cleared.

use std::path::Path;

/// The file in the store's directory.
pub const FILE: &str = "console-draft.json";

/// The draft's fields (path, text), if one was kept and can be read.
pub fn load(dir: &Path) -> Option<Vec<(String, String)>> {
    let text = std::fs::read_to_string(dir.join(FILE)).ok()?;
    serde_json::from_str(&text).ok()
}

/// Keep `values` as the draft (whole or not at all), or remove the draft when `values` is None.
pub fn store(dir: &Path, values: Option<&[(String, String)]>) -> std::io::Result<()> {
    let path = dir.join(FILE);
    let Some(values) = values else {
        return match std::fs::remove_file(&path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        };
    };
    let json = serde_json::to_vec_pretty(values).expect("strings serialize");
    let tmp = dir.join(format!("{FILE}.partial"));
    std::fs::write(&tmp, json)?;
    std::fs::rename(&tmp, &path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_draft_is_kept_read_back_and_removed() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(load(dir.path()), None);
        let values = vec![("customer.name".to_string(), "济宁市任城区张伟".to_string())];
        store(dir.path(), Some(&values)).unwrap();
        assert_eq!(load(dir.path()), Some(values));
        store(dir.path(), None).unwrap();
        assert_eq!(load(dir.path()), None);
        store(dir.path(), None).unwrap();
    }
}

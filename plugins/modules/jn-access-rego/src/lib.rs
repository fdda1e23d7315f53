//! jn-access-rego: the Jining access rules of jn-access, written in Rego (`policy/access.rego`)
//! and evaluated by the regorus interpreter inside the module. It decides what jn-access decides
//! (tests/policy_rules_wasm.rs compares them on the fixtures and on sampled applications) and
//! reads the same bundle parameters.

powerdesk_policy_rego::export_rego_module!(JnAccessRego, "policy/access.rego");

#[cfg(test)]
mod tests {
    use super::*;
    use powerdesk_policy_rego::sdk::*;

    #[test]
    fn describes_the_rule_table_of_the_policy() {
        let info = JnAccessRego::describe();
        assert_eq!(info.name, "jn-access-rego");
        let ids: Vec<&str> = info.rules.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "JN-LV-160",
                "JN-10KV-STEPS",
                "JN-10KV-TIME",
                "JN-LV-TIME",
                "JN-ONE-VISIT",
                "JN-GRID-PROJECT",
                "JN-FILING"
            ]
        );
        // The declarations jn-access makes: the same parameters (kinds and ranges included) and
        // the same aspects.
        let rust = jn_access::JnAccess::describe();
        let mut ours = info.params.clone();
        let mut theirs = rust.params.clone();
        for p in ours.iter_mut().chain(theirs.iter_mut()) {
            p.doc.clear();
        }
        ours.sort_by(|a, b| a.name.cmp(&b.name));
        theirs.sort_by(|a, b| a.name.cmp(&b.name));
        assert_eq!(ours, theirs);
        assert_eq!((info.decides, info.reads), (rust.decides, rust.reads));
        assert!(info
            .rules
            .iter()
            .zip(&rust.rules)
            .all(|(a, b)| a.text == b.text));
    }

    /// The SDK's decide glue asks for the rule ids alone (without the declarations); the policy
    /// is parsed then, and what it caches must still be the whole describe().
    #[test]
    fn the_rule_ids_alone_first_leave_describe_whole() {
        assert_eq!(rule_ids::<JnAccessRego>().len(), 7);
        let info = JnAccessRego::describe();
        assert_eq!(
            info.params.len(),
            jn_access::JnAccess::describe().params.len()
        );
        assert!(info.rules.iter().all(|r| !r.text.is_empty()));
    }
}

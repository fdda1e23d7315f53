//! 辅助流程输入: turns a side-flow action label (`book`, `approve water`, …) and the operator's
//! one-line input into a [`SideFlowAction`], with a message naming the part that is wrong.

use chrono::{NaiveDate, NaiveTime};

use crate::domain::sideflow::{
    Evidence, EvidenceKind, FilingForm, JointService, SideFlowAction, Slot, Team,
};

use super::i18n::Lang;

/// What the operator must type for an action, or None when it needs no input.
pub fn input_hint(flow: &str, action: &str, lang: Lang) -> Option<&'static str> {
    let (zh, en) = match (flow, action) {
        ("grid_project", "sign_contract") => (
            "需求日期 YYYY-MM-DD (配套工程早于此日竣工；留空取申请中的需求日期)",
            "need date YYYY-MM-DD (works finish before it; empty: the application's)",
        ),
        ("filing", "file") => (
            "建设单位; 工程名称; 施工地点; 线路长度(米); 计划开工 YYYY-MM-DD",
            "builder; project; location; line length (m); planned start YYYY-MM-DD",
        ),
        ("cloud_acceptance", "add_evidence") => {
            ("photo|video 文件名 sha256", "photo|video file-name sha256")
        }
        ("cloud_acceptance", "reject") => ("退回原因", "why the evidence is rejected"),
        ("cloud_acceptance", "pre_accept") => ("备注 (可空)", "remark (optional)"),
        ("joint", "apply") => (
            "联合报装的服务: water gas heating telecom (电 自动包含)",
            "services: water gas heating telecom (electricity is included)",
        ),
        ("appointment", "book") => (
            "YYYY-MM-DD HH:MM-HH:MM 客户经理 专业人员1,专业人员2",
            "YYYY-MM-DD HH:MM-HH:MM manager specialist1,specialist2",
        ),
        ("appointment", "cancel") => ("取消原因", "why the visit is cancelled"),
        ("transfer", "request") => (
            "新户主; 新户主证件号; 不动产权证号",
            "new owner; new owner's ID; property certificate",
        ),
        _ => return None,
    };
    Some(match lang {
        Lang::Zh => zh,
        Lang::En => en,
    })
}

fn date(s: &str, what: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| format!("{what}: `{}` is not a date; write YYYY-MM-DD", s.trim()))
}

fn service(s: &str) -> Result<JointService, String> {
    JointService::ALL
        .into_iter()
        .find(|j| j.id() == s.trim())
        .ok_or_else(|| {
            format!(
                "service: `{}` is not one of water, electricity, gas, heating, telecom",
                s.trim()
            )
        })
}

/// Build the action `label` of `flow` from `input`.
pub fn parse_action(flow: &str, label: &str, input: &str) -> Result<SideFlowAction, String> {
    let input = input.trim();
    let mut words = label.split_whitespace();
    let action = words.next().unwrap_or("");
    let arg = words.next();
    let parts = |n: usize| -> Result<Vec<&str>, String> {
        let p: Vec<&str> = input.split([';', '；']).map(str::trim).collect();
        if p.len() == n && p.iter().all(|x| !x.is_empty()) {
            Ok(p)
        } else {
            Err(format!(
                "{flow}/{action}: give {n} parts separated by `;`, got {}",
                p.iter().filter(|x| !x.is_empty()).count()
            ))
        }
    };
    let required = |what: &str| -> Result<String, String> {
        if input.is_empty() {
            Err(format!("{flow}/{action}: {what} is required"))
        } else {
            Ok(input.to_string())
        }
    };
    use SideFlowAction::*;
    Ok(match (flow, action) {
        // Left empty: the application's need date.
        ("grid_project", "sign_contract") => SignGridContract {
            need_date: match input {
                "" => None,
                text => Some(date(text, "need date")?),
            },
        },
        ("grid_project", "start") => StartGridWorks,
        ("grid_project", "complete") => CompleteGridWorks,
        ("filing", "file") => {
            let p = parts(5)?;
            let line_length_m = p[3]
                .parse::<f64>()
                .map_err(|_| format!("line length: `{}` is not a number of metres", p[3]))?;
            FileCommitment {
                form: FilingForm {
                    builder: p[0].into(),
                    project: p[1].into(),
                    location: p[2].into(),
                    line_length_m,
                    planned_start: date(p[4], "planned start")?,
                },
            }
        }
        ("filing", "push_to_bureau") => PushFilingToBureau,
        ("filing", "post_at_site") => PostFilingAtSite,
        ("filing", "start_work") => StartFiledWork,
        ("cloud_acceptance", "add_evidence") => {
            let w: Vec<&str> = input.split_whitespace().collect();
            let [kind, name, sha] = w[..] else {
                return Err("evidence: give kind (photo|video), file name and sha256".into());
            };
            let kind = match kind {
                "photo" => EvidenceKind::Photo,
                "video" => EvidenceKind::Video,
                other => return Err(format!("evidence kind: `{other}`; use photo or video")),
            };
            AddEvidence {
                evidence: Evidence {
                    kind,
                    name: name.into(),
                    sha256: sha.to_ascii_lowercase(),
                },
            }
        }
        ("cloud_acceptance", "submit") => SubmitEvidence,
        ("cloud_acceptance", "pre_accept") => PreAccept {
            remark: Some(input.to_string()).filter(|s| !s.is_empty()),
        },
        ("cloud_acceptance", "reject") => RejectEvidence {
            remark: required("the reason")?,
        },
        ("joint", "apply") => {
            let mut services = vec![JointService::Electricity];
            for w in input.split([' ', ',', '，']).filter(|w| !w.is_empty()) {
                let s = service(w)?;
                if !services.contains(&s) {
                    services.push(s);
                }
            }
            if services.len() < 2 {
                return Err("joint/apply: name at least one service besides electricity (water, gas, heating, telecom)".into());
            }
            ApplyJoint { services }
        }
        ("joint", "approve") => ApproveJoint {
            service: service(arg.unwrap_or(""))?,
        },
        ("joint", "accept") => AcceptJoint {
            service: service(arg.unwrap_or(""))?,
        },
        ("appointment", "book") => {
            let w: Vec<&str> = input.split_whitespace().collect();
            if w.len() < 3 {
                return Err("appointment: give date, time window and manager".into());
            }
            let (from, to) = w[1]
                .split_once('-')
                .ok_or_else(|| format!("time window: `{}`; write HH:MM-HH:MM", w[1]))?;
            let time = |t: &str| {
                NaiveTime::parse_from_str(t, "%H:%M")
                    .map_err(|_| format!("time: `{t}` is not HH:MM"))
            };
            BookVisit {
                slot: Slot {
                    date: date(w[0], "visit date")?,
                    from: time(from)?,
                    to: time(to)?,
                },
                team: Team {
                    manager: w[2].into(),
                    specialists: w
                        .get(3)
                        .map(|s| {
                            s.split([',', '，'])
                                .filter(|x| !x.is_empty())
                                .map(String::from)
                                .collect()
                        })
                        .unwrap_or_default(),
                },
            }
        }
        ("appointment", "done") => CompleteVisit,
        ("appointment", "cancel") => CancelVisit {
            reason: required("the reason")?,
        },
        ("transfer", "request") => {
            let p = parts(3)?;
            RequestTransfer {
                new_owner: p[0].into(),
                new_owner_id: p[1].into(),
                property_certificate: p[2].into(),
            }
        }
        ("transfer", "register_property") => RegisterProperty,
        ("transfer", "complete") => CompleteTransfer,
        _ => return Err(format!("{flow}/{label}: not an action the console knows")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_with_details_parse_and_bad_parts_are_named() {
        let a = parse_action(
            "appointment",
            "book",
            "2026-11-23 09:00-11:00 王经理 李工,赵工",
        )
        .unwrap();
        match a {
            SideFlowAction::BookVisit { slot, team } => {
                assert_eq!(slot.date, NaiveDate::from_ymd_opt(2026, 11, 23).unwrap());
                assert_eq!(team.specialists, vec!["李工", "赵工"]);
            }
            other => panic!("{other:?}"),
        }
        let e = parse_action("appointment", "book", "2026-11-23 9-11 王经理").unwrap_err();
        assert!(e.contains("9"), "{e}");
        let f = parse_action(
            "filing",
            "file",
            "济宁电力安装公司；任城区惠民商贸外线；任城区某某路；120；2026-12-01",
        )
        .unwrap();
        assert_eq!(f.action_id(), "file");
        assert!(parse_action("filing", "file", "a; b; c; long; 2026-12-01")
            .unwrap_err()
            .contains("line length"));
        assert_eq!(
            parse_action("joint", "approve water", "").unwrap(),
            SideFlowAction::ApproveJoint {
                service: JointService::Water
            }
        );
        assert!(parse_action("appointment", "cancel", " ").is_err());
    }

    #[test]
    fn every_action_needing_input_has_a_hint() {
        // Empty, a grid contract takes the application's need date.
        assert_eq!(
            parse_action("grid_project", "sign_contract", "").unwrap(),
            SideFlowAction::SignGridContract { need_date: None }
        );
        assert!(input_hint("grid_project", "sign_contract", Lang::Zh).is_some());
        for (flow, action) in [
            ("filing", "file"),
            ("cloud_acceptance", "add_evidence"),
            ("joint", "apply"),
            ("appointment", "book"),
            ("transfer", "request"),
        ] {
            assert!(input_hint(flow, action, Lang::Zh).is_some());
            assert!(parse_action(flow, action, "").is_err(), "{flow}/{action}");
        }
        assert!(input_hint("filing", "push_to_bureau", Lang::Zh).is_none());
    }
}

//! Actions on the application detail screen: advancing, the customer's completion, side flows.

use super::*;

impl App {
    /// The papers of this application, to pick one to print as PDF.
    pub(super) fn detail_print(&mut self) -> Vec<Effect> {
        use crate::domain::papers::PaperKind;
        let Some(d) = &self.detail else {
            return Vec::new();
        };
        let id = d.app.id.clone();
        let mut kinds = vec![PaperKind::Receipt, PaperKind::Notice];
        if d.app.process != crate::domain::workflow::ProcessClass::LowVoltage {
            kinds.push(PaperKind::Plan);
        }
        kinds.push(PaperKind::Filing);
        let options = kinds
            .into_iter()
            .map(|kind| {
                let label = match self.lang {
                    Lang::Zh => kind.title_zh().to_string(),
                    Lang::En => match kind {
                        PaperKind::Receipt => "Acceptance receipt (受理回执)".into(),
                        PaperKind::Notice => "One-time notice of documents (一次性告知书)".into(),
                        PaperKind::Plan => "Supply-plan reply (供电方案答复单)".into(),
                        PaperKind::Filing => "Commitment filing form (承诺备案表)".into(),
                        PaperKind::Disclosure => "Disclosure notice (信息公开)".into(),
                    },
                };
                (
                    label,
                    PendingOp::Print {
                        id: id.clone(),
                        kind,
                    },
                )
            })
            .collect();
        self.overlay = Some(Overlay::Choose {
            title: Command::Print.binding().desc(self.lang).into(),
            options,
            selected: 0,
        });
        Vec::new()
    }

    pub(super) fn detail_advance(&mut self, completion: bool) -> Vec<Effect> {
        let Some(d) = &self.detail else {
            return Vec::new();
        };
        let id = d.app.id.clone();
        let targets: Vec<State> = d
            .next_states
            .iter()
            .copied()
            .filter(|s| *s != State::Cancelled)
            .filter(|s| !completion || *s == State::CompletionReported)
            .collect();
        let label = |to: State| match self.lang {
            Lang::Zh => format!(
                "{id}: {} -> {}? 该操作写入事件, 不可撤回。",
                self.lang.state(d.app.status),
                self.lang.state(to)
            ),
            Lang::En => format!(
                "{id}: {} -> {}? This writes an event and cannot be undone.",
                self.lang.state(d.app.status),
                self.lang.state(to)
            ),
        };
        // Side flows energizing would leave open: said before asking, never a block.
        let open = crate::domain::sideflow::open_at_energizing(&d.app.side_flows);
        let warning = if open.is_empty() {
            String::new()
        } else {
            let parts: Vec<&str> = open
                .iter()
                .map(|(zh, en)| match self.lang {
                    Lang::Zh => zh.as_str(),
                    Lang::En => en.as_str(),
                })
                .collect();
            match self.lang {
                Lang::Zh => format!(" 注意：{}。", parts.join("；")),
                Lang::En => format!(" Note: {}.", parts.join("; ")),
            }
        };
        let energize = |live_line: bool| {
            let how = match (self.lang, live_line) {
                (Lang::Zh, true) => "不停电接火",
                (Lang::Zh, false) => "停电接火",
                (Lang::En, true) => "Live-line, no outage",
                (Lang::En, false) => "With an outage",
            };
            (
                format!("{how}: {}{warning}", label(State::Energized)),
                PendingOp::Energize {
                    id: id.clone(),
                    live_line,
                },
            )
        };
        // One option per next state; energizing comes in two, with and without an outage, each
        // saying how first so the two read differently however narrow the list is cut.
        let mut options: Vec<(String, PendingOp)> = targets
            .iter()
            .filter(|s| **s != State::Energized)
            .map(|to| {
                (
                    label(*to),
                    PendingOp::Advance {
                        id: id.clone(),
                        to: *to,
                    },
                )
            })
            .collect();
        if targets.contains(&State::Energized) {
            options.push(energize(true));
            options.push(energize(false));
        }
        match options.len() {
            0 => {
                let m = self.not_now();
                self.error(m);
            }
            1 => {
                let (prompt, op) = options.pop().expect("one option");
                self.overlay = Some(Overlay::Confirm { prompt, op });
            }
            _ => {
                self.overlay = Some(Overlay::Choose {
                    title: Command::Advance.binding().desc(self.lang).into(),
                    options,
                    selected: 0,
                });
            }
        }
        Vec::new()
    }

    pub(super) fn side_flow(&mut self, flow: &str) {
        let Some(d) = &self.detail else { return };
        let id = d.app.id.clone();
        let actions = d
            .side_flows
            .iter()
            .find(|f| f.flow == flow)
            .map(|f| f.actions.clone())
            .unwrap_or_default();
        if actions.is_empty() {
            let m = self.not_now();
            self.error(m);
            return;
        }
        let options: Vec<(String, PendingOp)> = actions
            .into_iter()
            .map(|action| {
                let prompt = match self.lang {
                    Lang::Zh => format!("{id}: {flow}/{action}? 写入事件, 不可撤回。"),
                    Lang::En => format!("{id}: {flow}/{action}? This writes an event."),
                };
                let op = if input_hint(flow, &action, self.lang).is_some() {
                    PendingOp::AskInput {
                        id: id.clone(),
                        flow: flow.to_string(),
                        action,
                    }
                } else {
                    match parse_action(flow, &action, "") {
                        Ok(a) => PendingOp::SideFlow {
                            id: id.clone(),
                            action: Box::new(a),
                        },
                        Err(_) => PendingOp::AskInput {
                            id: id.clone(),
                            flow: flow.to_string(),
                            action,
                        },
                    }
                };
                (prompt, op)
            })
            .collect();
        if options.len() == 1 {
            let (prompt, op) = options.into_iter().next().expect("one option");
            self.pick(prompt, op);
        } else {
            self.overlay = Some(Overlay::Choose {
                title: crate::domain::timeline::flow_label_zh(flow).to_string(),
                options,
                selected: 0,
            });
        }
    }
}

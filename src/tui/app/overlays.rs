//! Keys while an overlay is open: help, palette, prompts, pick lists and confirmations.

use super::*;

impl App {
    pub(super) fn on_overlay_key(&mut self, k: KeyEvent) -> Vec<Effect> {
        let Some(overlay) = self.overlay.as_mut() else {
            return Vec::new();
        };
        let ctrl = k.modifiers.contains(KeyModifiers::CONTROL);
        if matches!(overlay, Overlay::RecordForm(_)) {
            return self.on_record_form_key(k);
        }
        match overlay {
            // Handled above.
            Overlay::RecordForm(_) => {}
            Overlay::Help { scroll } => match k.code {
                KeyCode::Down | KeyCode::Char('j') => *scroll += 1,
                KeyCode::Up | KeyCode::Char('k') => *scroll = scroll.saturating_sub(1),
                KeyCode::PageDown | KeyCode::Char(' ') => *scroll += 10,
                KeyCode::PageUp => *scroll = scroll.saturating_sub(10),
                _ => self.overlay = None,
            },
            Overlay::Palette { input, selected } => match k.code {
                KeyCode::Esc => self.overlay = None,
                KeyCode::Down => *selected += 1,
                KeyCode::Char('n') if ctrl => *selected += 1,
                KeyCode::Up => *selected = selected.saturating_sub(1),
                KeyCode::Char('p') if ctrl => *selected = selected.saturating_sub(1),
                KeyCode::Enter => {
                    let q = input.text().to_string();
                    let sel = *selected;
                    let matches = self.palette_matches(&q);
                    self.overlay = None;
                    if let Some(c) = matches.get(sel.min(matches.len().saturating_sub(1))) {
                        return self.run(*c);
                    }
                }
                _ => {
                    if input.handle_key(&k) {
                        *selected = 0;
                    }
                }
            },
            Overlay::Confirm { op, .. } => match k.code {
                KeyCode::Char('y') | KeyCode::Char('Y') | KeyCode::Enter => {
                    let op = op.clone();
                    self.overlay = None;
                    return self.execute(op);
                }
                KeyCode::Char('n') | KeyCode::Char('N') | KeyCode::Esc => {
                    self.overlay = None;
                    self.info(match self.lang {
                        Lang::Zh => "已取消, 未做任何更改",
                        Lang::En => "Cancelled; nothing changed",
                    });
                }
                _ => {}
            },
            Overlay::Choose {
                options, selected, ..
            } => match k.code {
                KeyCode::Esc => self.overlay = None,
                KeyCode::Down | KeyCode::Char('j') => {
                    *selected = (*selected + 1).min(options.len().saturating_sub(1))
                }
                KeyCode::Up | KeyCode::Char('k') => *selected = selected.saturating_sub(1),
                KeyCode::Char(c @ '1'..='9') => {
                    let i = c as usize - '1' as usize;
                    if i < options.len() {
                        *selected = i;
                        let (label, op) = options[i].clone();
                        return self.pick(label, op);
                    }
                }
                KeyCode::Enter => {
                    if let Some((label, op)) = options.get(*selected).cloned() {
                        return self.pick(label, op);
                    }
                }
                _ => {}
            },
            Overlay::Prompt { input, purpose, .. } => match k.code {
                KeyCode::Esc => {
                    let purpose = purpose.clone();
                    self.overlay = None;
                    if purpose == PromptPurpose::Search {
                        self.list.fuzzy.clear();
                        return self.reload_list();
                    }
                }
                KeyCode::Enter => {
                    let text = input.text().trim().to_string();
                    let purpose = purpose.clone();
                    return self.finish_prompt(purpose, text);
                }
                _ => {
                    if input.handle_key(&k) {
                        return self.after_overlay_edit();
                    }
                }
            },
        }
        Vec::new()
    }

    /// Live effects of typing in an overlay (the search prompt filters as you type).
    pub(super) fn after_overlay_edit(&mut self) -> Vec<Effect> {
        if let Some(Overlay::Prompt {
            input,
            purpose: PromptPurpose::Search,
            ..
        }) = &self.overlay
        {
            self.list.fuzzy = input.text().trim().to_string();
            return self.reload_list();
        }
        if let Some(Overlay::Palette { selected, .. }) = &mut self.overlay {
            *selected = 0;
        }
        Vec::new()
    }

    pub(super) fn finish_prompt(&mut self, purpose: PromptPurpose, text: String) -> Vec<Effect> {
        match purpose {
            PromptPurpose::Search => {
                self.overlay = None;
                self.list.fuzzy = text;
                self.reload_list()
            }
            PromptPurpose::County => {
                self.overlay = None;
                self.list.county = Some(text).filter(|t| !t.is_empty());
                self.reload_list()
            }
            PromptPurpose::CancelReason(id) => {
                if text.is_empty() {
                    self.error(match self.lang {
                        Lang::Zh => "撤销必须填写原因",
                        Lang::En => {
                            "A cancellation needs a reason; type it, or Esc to keep the application"
                        }
                    });
                    return Vec::new();
                }
                let prompt = match self.lang {
                    Lang::Zh => format!("撤销 {id}? 原因: {text}. 撤销后不可恢复。"),
                    Lang::En => format!("Cancel {id} because \"{text}\"? This cannot be undone."),
                };
                self.overlay = Some(Overlay::Confirm {
                    prompt,
                    op: PendingOp::Cancel { id, reason: text },
                });
                Vec::new()
            }
            PromptPurpose::SideFlowInput { id, flow, action } => {
                match parse_action(&flow, &action, &text) {
                    Ok(a) => {
                        let prompt = match self.lang {
                            Lang::Zh => format!("{id}: {flow}/{action} {text}? 写入事件, 不可撤回。"),
                            Lang::En => format!(
                                "{id}: {flow}/{action} {text}? This writes an event and cannot be undone."
                            ),
                        };
                        self.overlay = Some(Overlay::Confirm {
                            prompt,
                            op: PendingOp::SideFlow {
                                id,
                                action: Box::new(a),
                            },
                        });
                    }
                    // Keep the prompt open with what was typed; say what is wrong.
                    Err(e) => self.error(e),
                }
                Vec::new()
            }
            PromptPurpose::Note(id) => {
                self.overlay = None;
                if text.is_empty() {
                    return Vec::new();
                }
                vec![self.send(Request::Note { id, note: text })]
            }
        }
    }

    /// An option was chosen: ask for details first, or confirm (a paper is printed at once:
    /// it records no event).
    pub(super) fn pick(&mut self, label: String, op: PendingOp) -> Vec<Effect> {
        if let PendingOp::Print { .. } = op {
            self.overlay = None;
            return self.execute(op);
        }
        if let PendingOp::OpenForm(kind) = op {
            self.open_form(kind);
            return Vec::new();
        }
        self.overlay = Some(match op {
            PendingOp::AskInput { id, flow, action } => {
                let hint = input_hint(&flow, &action, self.lang).unwrap_or("");
                Overlay::Prompt {
                    title: format!("{id} {flow}/{action}: {hint}"),
                    input: TextInput::default(),
                    purpose: PromptPurpose::SideFlowInput { id, flow, action },
                }
            }
            op => Overlay::Confirm { prompt: label, op },
        });
        Vec::new()
    }

    pub(super) fn execute(&mut self, op: PendingOp) -> Vec<Effect> {
        self.info(self.t(Msg::Working));
        let r = match op {
            PendingOp::Advance { id, to } => Request::Advance { id, to, note: None },
            PendingOp::Energize { id, live_line } => Request::Energize { id, live_line },
            PendingOp::Cancel { id, reason } => Request::Cancel { id, reason },
            PendingOp::SideFlow { id, action } => Request::SideFlow { id, action },
            PendingOp::AskInput { .. } | PendingOp::OpenForm(_) => return Vec::new(),
            PendingOp::Activate { dir } => Request::PolicyActivate { dir },
            PendingOp::Print { id, kind } => Request::Print {
                id,
                kind,
                dir: self.papers_dir.clone(),
            },
        };
        vec![self.send(r)]
    }
}

//! The Services screen (服务记录): safety campaigns and hazards, efficiency services, the list of
//! firms, the disclosure and fees; the hazard's 四到位 steps and the disclosure are written here.

use super::{App, Effect, Overlay, PendingOp, Screen};
use crate::domain::office::safety::HazardStep;
use crate::tui::action::{Request, ServiceAct};
use crate::tui::i18n::Msg;
use crate::tui::keymap::Command;
use crate::tui::record_form::{Defaults, FormKind, RecordForm};

/// The kind of record the Services screen shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServicesTab {
    Safety,
    Efficiency,
    Firms,
    Disclosure,
    Fees,
}

impl ServicesTab {
    pub const ALL: [ServicesTab; 5] = [
        Self::Safety,
        Self::Efficiency,
        Self::Firms,
        Self::Disclosure,
        Self::Fees,
    ];

    pub fn label(self) -> Msg {
        match self {
            Self::Safety => Msg::TabSafety,
            Self::Efficiency => Msg::TabEfficiency,
            Self::Firms => Msg::TabFirms,
            Self::Disclosure => Msg::TabDisclosure,
            Self::Fees => Msg::TabFees,
        }
    }

    fn step(self, by: isize) -> Self {
        let i = Self::ALL.iter().position(|t| *t == self).unwrap_or(0) as isize;
        Self::ALL[(i + by).rem_euclid(Self::ALL.len() as isize) as usize]
    }
}

impl App {
    /// Rows of the tab shown (hazards on the safety tab).
    pub fn services_rows(&self) -> usize {
        let Some(Ok(d)) = &self.services else {
            return 0;
        };
        match self.services_tab {
            ServicesTab::Safety => d.hazards.len(),
            ServicesTab::Efficiency => d.efficiency.len(),
            ServicesTab::Firms => d.firms.len(),
            ServicesTab::Disclosure => d.disclosures.len(),
            ServicesTab::Fees => d.fee_standards.len() + d.fees.len(),
        }
    }

    pub(super) fn clamp_services_row(&mut self) {
        self.services_row = self
            .services_row
            .min(self.services_rows().saturating_sub(1));
    }

    pub(super) fn run_services(&mut self, c: Command) -> Vec<Effect> {
        match c {
            Command::GoServices => {
                self.screen = Screen::Services;
                return vec![self.send(Request::Services)];
            }
            Command::ServicesTab | Command::ServicesTabBack => {
                let by = if c == Command::ServicesTab { 1 } else { -1 };
                self.services_tab = self.services_tab.step(by);
                self.services_row = 0;
            }
            Command::ServicesUp => self.services_row = self.services_row.saturating_sub(1),
            Command::ServicesDown => {
                self.services_row += 1;
                self.clamp_services_row();
            }
            Command::HazardStep | Command::HazardRectify => {
                let Some(hazard) = self.selected_hazard() else {
                    return Vec::new();
                };
                let id = hazard.id.clone();
                let act = if c == Command::HazardRectify {
                    ServiceAct::HazardRectify { id }
                } else {
                    match hazard.body.next_step() {
                        Some(step) => ServiceAct::HazardStep { id, step },
                        None => {
                            let done = match self.lang {
                                crate::tui::i18n::Lang::Zh => "四到位已全部完成：按 R 记录整改完毕",
                                crate::tui::i18n::Lang::En => {
                                    "all four steps are done: press R to record it rectified"
                                }
                            };
                            self.info(done);
                            return Vec::new();
                        }
                    }
                };
                return vec![self.send(Request::ServiceAct(act))];
            }
            Command::PublishDisclosure if self.services_tab == ServicesTab::Disclosure => {
                return vec![self.send(Request::ServiceAct(ServiceAct::PublishDisclosure))];
            }
            Command::ServiceAdd if self.services_tab == ServicesTab::Fees => {
                let options = [FormKind::FeeCharge, FormKind::FeeStandard]
                    .into_iter()
                    .map(|k| (k.title(self.lang).to_string(), PendingOp::OpenForm(k)))
                    .collect();
                self.overlay = Some(Overlay::Choose {
                    title: Command::ServiceAdd.binding().desc(self.lang).into(),
                    options,
                    selected: 0,
                });
            }
            Command::ServiceAdd => {
                let kind = match self.services_tab {
                    ServicesTab::Safety => FormKind::HazardOpen,
                    ServicesTab::Efficiency => FormKind::EfficiencyPlan,
                    ServicesTab::Firms => FormKind::FirmAdd,
                    ServicesTab::Disclosure => FormKind::CapacitySet,
                    ServicesTab::Fees => FormKind::FeeCharge,
                };
                self.open_form(kind);
            }
            Command::ServiceVisit => match self.services_tab {
                ServicesTab::Safety => self.open_form(FormKind::SiteVisit),
                ServicesTab::Efficiency => self.open_form(FormKind::EfficiencyDeliver),
                _ => {}
            },
            Command::CampaignOpen if self.services_tab == ServicesTab::Safety => {
                self.open_form(FormKind::CampaignOpen);
            }
            Command::DetailServices => {
                let Some(d) = &self.detail else {
                    return Vec::new();
                };
                use crate::domain::office::teams::ServiceOffer;
                let offer = ServiceOffer::for_class(d.app.form.customer.class);
                let mut kinds = match offer {
                    ServiceOffer::Team => vec![FormKind::TeamForm],
                    ServiceOffer::AppointmentVisit => vec![FormKind::VisitBook],
                    ServiceOffer::None => vec![],
                };
                if d.app
                    .decision
                    .as_ref()
                    .is_some_and(|x| x.free_efficiency_service)
                {
                    let planned = d.services.as_ref().is_some_and(|s| s.efficiency.is_some());
                    kinds.push(if planned {
                        FormKind::EfficiencyDeliver
                    } else {
                        FormKind::EfficiencyPlan
                    });
                }
                kinds.extend([FormKind::FirmChoose, FormKind::FeeCharge]);
                let options = kinds
                    .into_iter()
                    .map(|k| (k.title(self.lang).to_string(), PendingOp::OpenForm(k)))
                    .collect();
                self.overlay = Some(Overlay::Choose {
                    title: Command::DetailServices.binding().desc(self.lang).into(),
                    options,
                    selected: 0,
                });
            }
            _ => {}
        }
        Vec::new()
    }

    /// Open a record form with today, the application in view and the newest open campaign.
    pub(super) fn open_form(&mut self, kind: FormKind) {
        let app = match (&self.detail, self.screen) {
            (Some(d), Screen::Detail) => d.app.id.0.clone(),
            _ => String::new(),
        };
        let campaign = match &self.services {
            Some(Ok(d)) => d
                .campaigns
                .iter()
                .rev()
                .find(|c| !c.campaign.body.closed)
                .map(|c| c.campaign.id.clone())
                .unwrap_or_default(),
            _ => String::new(),
        };
        let defaults = Defaults {
            today: self.today,
            app,
            campaign,
        };
        self.overlay = Some(Overlay::RecordForm(Box::new(RecordForm::new(
            kind, &defaults,
        ))));
    }

    /// Keys in a record form: fields by Tab/↑/↓, Enter to the next field or to send from the
    /// last, Ctrl-S to send, Esc to leave it (nothing written).
    pub(super) fn on_record_form_key(&mut self, k: crossterm::event::KeyEvent) -> Vec<Effect> {
        use crossterm::event::{KeyCode, KeyModifiers};
        let Some(Overlay::RecordForm(form)) = self.overlay.as_mut() else {
            return Vec::new();
        };
        if form.sent {
            return Vec::new();
        }
        let last = form.fields.len() - 1;
        let ctrl = k.modifiers.contains(KeyModifiers::CONTROL);
        let send = match k.code {
            KeyCode::Esc => {
                self.overlay = None;
                self.info(match self.lang {
                    crate::tui::i18n::Lang::Zh => "已取消, 未做任何更改",
                    crate::tui::i18n::Lang::En => "Cancelled; nothing changed",
                });
                return Vec::new();
            }
            KeyCode::Tab | KeyCode::Down => {
                form.focus = (form.focus + 1).min(last);
                false
            }
            KeyCode::BackTab | KeyCode::Up => {
                form.focus = form.focus.saturating_sub(1);
                false
            }
            KeyCode::Char('s') if ctrl => true,
            KeyCode::Enter if form.focus < last => {
                form.focus += 1;
                false
            }
            KeyCode::Enter => true,
            _ => {
                let i = form.focus;
                if form.fields[i].input.handle_key(&k) {
                    form.error = None;
                }
                false
            }
        };
        if !send {
            return Vec::new();
        }
        match form.build() {
            Err((i, zh, en)) => {
                form.focus = i;
                form.error = Some((zh, en));
                Vec::new()
            }
            Ok(act) => {
                form.sent = true;
                form.error = None;
                vec![self.send(Request::ServiceAct(act))]
            }
        }
    }

    fn selected_hazard(
        &self,
    ) -> Option<&crate::domain::office::record::Stored<crate::domain::office::safety::Hazard>> {
        match (&self.services, self.services_tab) {
            (Some(Ok(d)), ServicesTab::Safety) => d.hazards.get(self.services_row),
            _ => None,
        }
    }
}

/// The hazard's next step in the operator's words (for the view).
pub fn services_step_label(step: Option<HazardStep>) -> &'static str {
    step.map_or("—", |s| s.label_zh())
}

//! The Services screen (服务记录): safety campaigns and hazards, efficiency services, the list of
//! firms, the disclosure and fees; the hazard's 四到位 steps and the disclosure are written here.

use super::{App, Effect, Screen};
use crate::domain::office::safety::HazardStep;
use crate::tui::action::{Request, ServiceAct};
use crate::tui::i18n::Msg;
use crate::tui::keymap::Command;

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
            ServicesTab::Fees => d.fees.len(),
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
            Command::PublishDisclosure => {
                if self.services_tab == ServicesTab::Disclosure {
                    return vec![self.send(Request::ServiceAct(ServiceAct::PublishDisclosure))];
                }
            }
            _ => {}
        }
        Vec::new()
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

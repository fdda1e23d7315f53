//! 服务记录: the Jining measures beyond the connection workflow, kept as records of their own.
//! Each write checks the record with the pure rules of `domain::office`, stores it under
//! `service/<kind>/<id>` with its history, and appends one event to the audit chain that seals
//! it, in one commit.

use chrono::{Datelike, NaiveDate};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{Desk, DeskError};
use crate::domain::application::CustomerClass;
use crate::domain::event::{EventDraft, EventKind};
use crate::domain::office::disclosure::{self, CountyCapacity, DisclosureNotice, FeeStandard};
use crate::domain::office::efficiency::{
    self, Advice, Delivery, EfficiencyPlan, EfficiencyService,
};
use crate::domain::office::fees::{self, AbolishedFee, FeeCharge};
use crate::domain::office::firms::{self, ChosenBy, Firm, FirmChoice, FirmRole};
use crate::domain::office::record::{Entry, RecordKind, Stored};
use crate::domain::office::safety::{self, Campaign, Hazard, HazardClass, HazardStep, SiteVisit};
use crate::domain::office::teams::{self, Specialist, Team, Visit};
use crate::domain::office::RecordError;
use crate::domain::ports::Change;
use crate::domain::workflow::State;
use crate::domain::{AppId, Application};

/// An enterprise's energy-efficiency plan and the services delivered under it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EfficiencyRecord {
    pub plan: EfficiencyPlan,
    #[serde(default)]
    pub deliveries: Vec<Delivery>,
    /// When the next service is due (定期).
    pub next_due: NaiveDate,
}

/// A campaign with its coverage and hazards, as the console and `safety list` show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CampaignView {
    pub campaign: Stored<Campaign>,
    pub visited: usize,
    pub customers: usize,
    pub hazards: usize,
    pub hazards_open: usize,
    pub hazards_overdue: usize,
}

impl CampaignView {
    /// Visited share, 0..=1.
    pub fn coverage(&self) -> f64 {
        if self.customers == 0 {
            1.0
        } else {
            self.visited as f64 / self.customers as f64
        }
    }
}

/// What a campaign is opened with; its customers come from the store (全量客户: every energized
/// application in scope) unless given.
#[derive(Debug, Clone, PartialEq)]
pub struct CampaignOpening {
    pub name: String,
    pub county: Option<String>,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub major_rectify_working_days: u32,
    pub general_rectify_working_days: u32,
    pub customers: Option<Vec<String>>,
}

/// An application's service records, for its detail screen.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct AppServices {
    pub team: Option<Stored<Team>>,
    pub visit: Option<Stored<Visit>>,
    pub efficiency: Option<Stored<EfficiencyRecord>>,
    pub firm_choices: Vec<Stored<FirmChoice>>,
    pub fees: Vec<Stored<FeeCharge>>,
}

/// The published disclosure notices and whether a new one is due.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DisclosureStatus {
    /// The last published version (None: never published).
    pub last: Option<Stored<PublishedDisclosure>>,
    pub versions: usize,
    /// The bundle or the office data changed since the last publication.
    pub due: bool,
}

/// A published notice and its digest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishedDisclosure {
    pub version: u32,
    pub digest: String,
    pub notice: DisclosureNotice,
}

/// One fee found against the rules as they stand now (should be none).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeeBreach {
    pub key: String,
    pub app_id: String,
    pub item: String,
    pub amount_yuan: f64,
    pub why_zh: String,
    pub why_en: String,
}

/// The dashboard's service figures.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ServiceMetrics {
    /// Per county (`全市` for an office-wide campaign): customers in open campaigns' scope and
    /// how many were visited.
    pub safety: Vec<CountySafety>,
    pub hazards_open: usize,
    pub hazards_overdue: usize,
    /// Per month (`YYYY-MM`): hazards found and rectified.
    pub hazard_months: Vec<HazardMonth>,
    /// Per county: enterprises eligible for free efficiency services (the decision's flag), with
    /// a plan, and services delivered.
    pub efficiency: Vec<CountyEfficiency>,
    /// Per month: efficiency services delivered.
    pub efficiency_months: Vec<(String, usize)>,
    pub disclosure_last: Option<NaiveDate>,
    pub disclosure_version: Option<u32>,
    pub disclosure_due: bool,
    pub fees_recorded: usize,
    pub fee_yuan: f64,
    pub fee_breaches: Vec<FeeBreach>,
    pub firms_listed: usize,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct CountySafety {
    pub county: String,
    pub customers: usize,
    pub visited: usize,
    pub hazards_open: usize,
    pub hazards_overdue: usize,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct HazardMonth {
    pub month: String,
    pub found: usize,
    pub rectified: usize,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct CountyEfficiency {
    pub county: String,
    pub eligible: usize,
    pub planned: usize,
    pub delivered: usize,
}

/// What the service figures need from the pass over every application: the enterprises eligible
/// for free efficiency services (the decision's flag), per county.
#[derive(Debug, Clone, Default)]
pub struct ServiceScan {
    eligible: std::collections::BTreeMap<String, usize>,
}

impl ServiceScan {
    pub fn add(&mut self, app: &Application) {
        if app
            .decision
            .as_ref()
            .is_some_and(|d| d.free_efficiency_service)
        {
            *self
                .eligible
                .entry(app.form.site.county.clone())
                .or_default() += 1;
        }
    }
}

/// The county of an office-wide campaign in the figures.
pub const ALL_COUNTIES_ZH: &str = "全市";

impl Desk {
    // ---- storage -------------------------------------------------------------------------

    /// One record, if stored.
    pub fn service_record<T: DeserializeOwned>(
        &self,
        kind: RecordKind,
        id: &str,
    ) -> Result<Option<Stored<T>>, DeskError> {
        let key = kind.key(id)?;
        match self.setting(&key)? {
            Some(json) => Ok(Some(decode(&key, &json)?)),
            None => Ok(None),
        }
    }

    /// Every record of `kind` whose id starts with `id_prefix`, in key order.
    pub fn service_records<T: DeserializeOwned>(
        &self,
        kind: RecordKind,
        id_prefix: &str,
    ) -> Result<Vec<Stored<T>>, DeskError> {
        let mut out = Vec::new();
        let mut failure = None;
        self.repository().settings_under(
            &format!("{}{id_prefix}", kind.prefix()),
            &mut |key, json| match decode(key, json) {
                Ok(r) => {
                    out.push(r);
                    true
                }
                Err(e) => {
                    failure = Some(e);
                    false
                }
            },
        )?;
        match failure {
            Some(e) => Err(e),
            None => Ok(out),
        }
    }

    /// Count the records of `kind` under `id_prefix` without decoding them.
    fn count_service_records(&self, kind: RecordKind, id_prefix: &str) -> Result<usize, DeskError> {
        let mut n = 0;
        self.repository().settings_under(
            &format!("{}{id_prefix}", kind.prefix()),
            &mut |_, _| {
                n += 1;
                true
            },
        )?;
        Ok(n)
    }

    /// Write `body` as record `kind`/`id` (after `previous`, whose history it continues) and its
    /// event, in one commit. The caller holds the writer lock.
    #[allow(clippy::too_many_arguments)]
    fn write_service_record<T: Serialize>(
        &self,
        kind: RecordKind,
        id: &str,
        body: T,
        previous: Vec<Entry>,
        action: &str,
        actor: &str,
        summary: String,
    ) -> Result<Stored<T>, DeskError> {
        super::check_actor(actor)?;
        let key = kind.key(id)?;
        let at = self.now();
        let mut history = previous;
        history.push(Entry {
            at,
            actor: actor.to_string(),
            action: action.to_string(),
            summary: summary.clone(),
        });
        let stored = Stored {
            kind,
            id: id.to_string(),
            body,
            history,
        };
        let json = serde_json::to_string(&stored).expect("service records serialize");
        let seal = hex::encode(Sha256::digest(json.as_bytes()));
        self.repository().commit(Change {
            applications: vec![],
            events: vec![EventDraft {
                app_id: AppId(String::new()),
                at,
                actor: actor.to_string(),
                kind: EventKind::Service {
                    key: key.clone(),
                    action: action.to_string(),
                },
                note: (!summary.is_empty()).then_some(summary),
                record: Some(seal),
            }],
            settings: vec![(key, Some(json))],
        })?;
        Ok(stored)
    }

    /// Write `body` as record `kind`/`id`, continuing the history of the one stored there (if
    /// any): `actions` is the event's action for a new record and for a replaced one. The
    /// caller holds the writer lock.
    fn put_service_record<T: Serialize + DeserializeOwned>(
        &self,
        kind: RecordKind,
        id: &str,
        body: T,
        (new, replaced): (&str, &str),
        actor: &str,
        summary: String,
    ) -> Result<Stored<T>, DeskError> {
        let (action, history) = match self.service_record::<T>(kind, id)? {
            Some(old) => (replaced, old.history),
            None => (new, Vec::new()),
        };
        self.write_service_record(kind, id, body, history, action, actor, summary)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, ()> {
        self.writer.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn application(&self, id: &str) -> Result<Application, DeskError> {
        let id = AppId(id.to_string());
        self.repository().get(&id)?.ok_or(DeskError::NotFound(id))
    }

    // ---- 施工企业名录 (三指定) ------------------------------------------------------------------

    /// List a firm on the public list, or update its entry.
    pub fn firm_list(&self, firm: Firm, actor: &str) -> Result<Stored<Firm>, DeskError> {
        firm.validate()?;
        let _w = self.lock();
        let summary = firm.name.clone();
        let id = firm.id.clone();
        self.put_service_record(
            RecordKind::Firm,
            &id,
            firm,
            ("listed", "updated"),
            actor,
            summary,
        )
    }

    /// Take a firm off the public list (kept, marked delisted: earlier choices still name it).
    pub fn firm_delist(&self, id: &str, actor: &str) -> Result<Stored<Firm>, DeskError> {
        let _w = self.lock();
        let old: Stored<Firm> = self
            .service_record(RecordKind::Firm, id)?
            .ok_or_else(|| not_found("firm.id", RecordKind::Firm, id))?;
        if old.body.delisted {
            return Err(RecordError::new(
                "firm.id",
                format!("{id} 已不在名录中"),
                format!("{id} is already off the list"),
            )
            .into());
        }
        let mut firm = old.body;
        firm.delisted = true;
        let summary = firm.name.clone();
        self.write_service_record(
            RecordKind::Firm,
            id,
            firm,
            old.history,
            "delisted",
            actor,
            summary,
        )
    }

    /// The public list (delisted firms included, marked).
    pub fn firms(&self) -> Result<Vec<Stored<Firm>>, DeskError> {
        self.service_records(RecordKind::Firm, "")
    }

    /// Record the firm the customer chose for `role`, checked against the public list; a note
    /// that the office designated it is refused (三指定 is a red line).
    pub fn firm_choose(
        &self,
        app_id: &str,
        role: FirmRole,
        firm_id: &str,
        chosen_by: ChosenBy,
        note: &str,
        actor: &str,
    ) -> Result<Stored<FirmChoice>, DeskError> {
        let app = self.application(app_id)?;
        let choice = FirmChoice {
            app_id: app.id.0.clone(),
            role,
            firm_id: firm_id.to_string(),
            chosen_by,
            note: note.to_string(),
        };
        let list: Vec<Firm> = self.firms()?.into_iter().map(|f| f.body).collect();
        firms::check_choice(&choice, &list)?;
        let _w = self.lock();
        let id = format!("{}/{}", app.id, role.id());
        let summary = format!("{} {}", role.label_zh(), firm_id);
        self.put_service_record(
            RecordKind::FirmChoice,
            &id,
            choice,
            ("chosen", "chosen"),
            actor,
            summary,
        )
    }

    // ---- 配电网接入能力 ---------------------------------------------------------------------

    /// Set a county's open capacity and constrained areas (dated).
    pub fn capacity_set(
        &self,
        capacity: CountyCapacity,
        actor: &str,
    ) -> Result<Stored<CountyCapacity>, DeskError> {
        capacity.validate()?;
        let _w = self.lock();
        let county = capacity.county.trim().to_string();
        let summary = format!("{} MVA ({})", capacity.available_mva, capacity.as_of);
        self.put_service_record(
            RecordKind::Capacity,
            &county,
            capacity,
            ("set", "set"),
            actor,
            summary,
        )
    }

    pub fn capacities(&self) -> Result<Vec<Stored<CountyCapacity>>, DeskError> {
        self.service_records(RecordKind::Capacity, "")
    }

    // ---- 信息主动公开 -------------------------------------------------------------------------

    /// The notice as it would be published today (nothing written).
    pub fn disclosure_draft(&self) -> Result<DisclosureNotice, DeskError> {
        let inputs = self.disclosure_inputs_now()?;
        Ok(disclosure::compose(&inputs, self.today())?)
    }

    pub(super) fn disclosure_inputs_now(&self) -> Result<disclosure::DisclosureInputs, DeskError> {
        let mut inputs = self.disclosure_inputs(&self.office_name()?)?;
        inputs.firms = self
            .firms()?
            .into_iter()
            .map(|f| f.body)
            .filter(|f| !f.delisted)
            .collect();
        inputs.capacities = self.capacities()?.into_iter().map(|c| c.body).collect();
        inputs.fee_standards = self.fee_standards()?.into_iter().map(|f| f.body).collect();
        Ok(inputs)
    }

    /// Publish the notice: a new version, kept with its digest. Refused when nothing changed
    /// since the last version (same inputs), unless `force`.
    pub fn disclosure_publish(
        &self,
        actor: &str,
        force: bool,
    ) -> Result<Stored<PublishedDisclosure>, DeskError> {
        let _w = self.lock();
        let inputs = self.disclosure_inputs_now()?;
        let notice = disclosure::compose(&inputs, self.today())?;
        let versions: Vec<Stored<PublishedDisclosure>> =
            self.service_records(RecordKind::Disclosure, "")?;
        let last = versions.iter().map(|v| v.body.version).max().unwrap_or(0);
        if !force {
            if let Some(prev) = versions.iter().find(|v| v.body.version == last) {
                if prev.body.notice.inputs_digest == notice.inputs_digest {
                    return Err(RecordError::new(
                        "disclosure",
                        format!("自第 {last} 版公开以来，规则包和公开数据都没有变化，无需重新发布（确需发布请加 --force）"),
                        format!("nothing changed since version {last} (same bundle and office data); give --force to publish it again"),
                    )
                    .into());
                }
            }
        }
        let version = last + 1;
        let digest = notice.digest();
        let summary = format!("第 {version} 版 {digest}");
        let published = PublishedDisclosure {
            version,
            digest,
            notice,
        };
        self.write_service_record(
            RecordKind::Disclosure,
            &format!("{version:06}"),
            published,
            Vec::new(),
            "published",
            actor,
            summary,
        )
    }

    /// Publish a new version if the bundle or the office data changed since the last one (or
    /// none was published); None when it is current.
    pub fn disclosure_refresh(
        &self,
        actor: &str,
    ) -> Result<Option<Stored<PublishedDisclosure>>, DeskError> {
        if !self.disclosure_status()?.due {
            return Ok(None);
        }
        self.disclosure_publish(actor, false).map(Some)
    }

    pub fn disclosures(&self) -> Result<Vec<Stored<PublishedDisclosure>>, DeskError> {
        self.service_records(RecordKind::Disclosure, "")
    }

    pub fn disclosure_status(&self) -> Result<DisclosureStatus, DeskError> {
        let versions = self.disclosures()?;
        let n = versions.len();
        let last = versions.into_iter().max_by_key(|v| v.body.version);
        let current = disclosure::inputs_digest(&self.disclosure_inputs_now()?);
        let due = last
            .as_ref()
            .is_none_or(|l| l.body.notice.inputs_digest != current);
        Ok(DisclosureStatus {
            last,
            versions: n,
            due,
        })
    }

    // ---- 用电安全服务 -------------------------------------------------------------------------

    /// The customers in a campaign's scope: every energized (or archived) application of the
    /// county, or of the office.
    pub fn customers_in_scope(&self, county: Option<&str>) -> Result<Vec<String>, DeskError> {
        let mut out = Vec::new();
        self.scan(&mut |app| {
            if matches!(app.status, State::Energized | State::Archived)
                && county.is_none_or(|c| c == app.form.site.county)
            {
                out.push(app.id.0);
            }
            true
        })?;
        Ok(out)
    }

    /// Open a campaign (全覆盖: over every customer in scope); its id is `SC-<year>-<nn>`.
    pub fn campaign_open(
        &self,
        opening: CampaignOpening,
        actor: &str,
    ) -> Result<Stored<Campaign>, DeskError> {
        let customers = match opening.customers {
            Some(c) => c,
            None => self.customers_in_scope(opening.county.as_deref())?,
        };
        let _w = self.lock();
        let year = opening.starts_on.year();
        let n = self.count_service_records(RecordKind::Campaign, &format!("SC-{year}-"))? + 1;
        let campaign = Campaign {
            id: format!("SC-{year}-{n:02}"),
            name: opening.name,
            county: opening.county,
            starts_on: opening.starts_on,
            ends_on: opening.ends_on,
            customers,
            major_rectify_working_days: opening.major_rectify_working_days,
            general_rectify_working_days: opening.general_rectify_working_days,
            closed: false,
        };
        campaign.validate()?;
        let id = campaign.id.clone();
        let summary = format!("{}（{} 户）", campaign.name, campaign.customers.len());
        self.write_service_record(
            RecordKind::Campaign,
            &id,
            campaign,
            Vec::new(),
            "opened",
            actor,
            summary,
        )
    }

    fn campaign(&self, id: &str) -> Result<Stored<Campaign>, DeskError> {
        self.service_record(RecordKind::Campaign, id)?
            .ok_or_else(|| not_found("campaign_id", RecordKind::Campaign, id))
    }

    /// Record a visit to one customer of a campaign (走访).
    pub fn campaign_visit(
        &self,
        campaign_id: &str,
        customer: &str,
        on: NaiveDate,
        note: &str,
        actor: &str,
    ) -> Result<Stored<SiteVisit>, DeskError> {
        let _w = self.lock();
        let campaign = self.campaign(campaign_id)?;
        let visit = SiteVisit {
            campaign_id: campaign_id.to_string(),
            customer: customer.to_string(),
            on,
            by: actor.to_string(),
            note: note.to_string(),
        };
        safety::check_visit(&visit, &campaign.body)?;
        let id = format!("{campaign_id}/{customer}");
        if self
            .service_record::<SiteVisit>(RecordKind::SiteVisit, &id)?
            .is_some()
        {
            return Err(RecordError::new(
                "visit.customer",
                format!("户号 {customer} 在专项行动 {campaign_id} 中已走访过"),
                format!("account {customer} was already visited in campaign {campaign_id}"),
            )
            .into());
        }
        let summary = format!("{customer} {on}");
        self.write_service_record(
            RecordKind::SiteVisit,
            &id,
            visit,
            Vec::new(),
            "visited",
            actor,
            summary,
        )
    }

    /// Close a campaign: only when every customer was visited and every hazard rectified.
    pub fn campaign_close(&self, id: &str, actor: &str) -> Result<Stored<Campaign>, DeskError> {
        let _w = self.lock();
        let campaign = self.campaign(id)?;
        if campaign.body.closed {
            return Err(RecordError::new(
                "campaign_id",
                format!("专项行动 {id} 已结束"),
                format!("campaign {id} is already closed"),
            )
            .into());
        }
        let visits: Vec<SiteVisit> = self
            .service_records::<SiteVisit>(RecordKind::SiteVisit, &format!("{id}/"))?
            .into_iter()
            .map(|v| v.body)
            .collect();
        let hazards: Vec<Hazard> = self.hazards()?.into_iter().map(|h| h.body).collect();
        campaign.body.check_close(&visits, &hazards)?;
        let mut body = campaign.body;
        body.closed = true;
        let summary = body.name.clone();
        self.write_service_record(
            RecordKind::Campaign,
            id,
            body,
            campaign.history,
            "closed",
            actor,
            summary,
        )
    }

    /// Every campaign with its coverage and hazards as of today.
    pub fn campaigns(&self) -> Result<Vec<CampaignView>, DeskError> {
        let today = self.today();
        let hazards = self.hazards()?;
        let mut out = Vec::new();
        for campaign in self.service_records::<Campaign>(RecordKind::Campaign, "")? {
            let visited =
                self.count_service_records(RecordKind::SiteVisit, &format!("{}/", campaign.id))?;
            let of = hazards.iter().filter(|h| h.body.campaign_id == campaign.id);
            let open: Vec<_> = of
                .clone()
                .filter(|h| h.body.rectified_on.is_none())
                .collect();
            out.push(CampaignView {
                visited,
                customers: campaign.body.customers.len(),
                hazards: of.count(),
                hazards_open: open.len(),
                hazards_overdue: open.iter().filter(|h| h.body.is_overdue(today)).count(),
                campaign,
            });
        }
        Ok(out)
    }

    /// Record a hazard found at a customer; its rectification deadline is counted in working
    /// days by class. Its id is `YH-<year>-<nnnn>`.
    pub fn hazard_open(
        &self,
        campaign_id: &str,
        customer: &str,
        class: HazardClass,
        description: &str,
        found_on: NaiveDate,
        actor: &str,
    ) -> Result<Stored<Hazard>, DeskError> {
        let _w = self.lock();
        let campaign = self.campaign(campaign_id)?;
        let year = found_on.year();
        let n = self.count_service_records(RecordKind::Hazard, &format!("YH-{year}-"))? + 1;
        let hazard = safety::open_hazard(
            format!("YH-{year}-{n:04}"),
            &campaign.body,
            customer,
            class,
            description,
            found_on,
            &self.calendar(),
        )?;
        let id = hazard.id.clone();
        let summary = format!(
            "{} {customer}：{}，整改期限 {}",
            class.label_zh(),
            description,
            hazard.deadline
        );
        self.write_service_record(
            RecordKind::Hazard,
            &id,
            hazard,
            Vec::new(),
            "found",
            actor,
            summary,
        )
    }

    fn hazard(&self, id: &str) -> Result<Stored<Hazard>, DeskError> {
        self.service_record(RecordKind::Hazard, id)?
            .ok_or_else(|| not_found("hazard_id", RecordKind::Hazard, id))
    }

    /// Record the hazard's next step of 四到位 (service, notice, report, supervision).
    pub fn hazard_step(
        &self,
        id: &str,
        step: HazardStep,
        on: NaiveDate,
        actor: &str,
    ) -> Result<Stored<Hazard>, DeskError> {
        let _w = self.lock();
        let stored = self.hazard(id)?;
        let mut hazard = stored.body;
        hazard.record_step(step, on, actor)?;
        let action = match step {
            HazardStep::Service => "service",
            HazardStep::Notice => "notice",
            HazardStep::Report => "report",
            HazardStep::Supervision => "supervision",
        };
        let summary = format!("{} {on}", step.label_zh());
        self.write_service_record(
            RecordKind::Hazard,
            id,
            hazard,
            stored.history,
            action,
            actor,
            summary,
        )
    }

    /// Record the hazard rectified (重整改).
    pub fn hazard_rectify(
        &self,
        id: &str,
        on: NaiveDate,
        actor: &str,
    ) -> Result<Stored<Hazard>, DeskError> {
        let _w = self.lock();
        let stored = self.hazard(id)?;
        let mut hazard = stored.body;
        hazard.rectify(on)?;
        let summary = format!("整改完毕 {on}");
        self.write_service_record(
            RecordKind::Hazard,
            id,
            hazard,
            stored.history,
            "rectified",
            actor,
            summary,
        )
    }

    pub fn hazards(&self) -> Result<Vec<Stored<Hazard>>, DeskError> {
        self.service_records(RecordKind::Hazard, "")
    }

    // ---- 供电+能效 ------------------------------------------------------------------------------

    /// Set an eligible enterprise's plan (定人、定期、定制); eligibility is the decision's flag.
    pub fn efficiency_plan(
        &self,
        app_id: &str,
        person: &str,
        interval_days: u32,
        services: Vec<EfficiencyService>,
        starts_on: NaiveDate,
        actor: &str,
    ) -> Result<Stored<EfficiencyRecord>, DeskError> {
        let app = self.application(app_id)?;
        let plan = EfficiencyPlan {
            app_id: app.id.0.clone(),
            person: person.to_string(),
            interval_days,
            services,
            starts_on,
        };
        efficiency::check_plan(&plan, app.decision.as_ref())?;
        let _w = self.lock();
        let old: Option<Stored<EfficiencyRecord>> =
            self.service_record(RecordKind::Efficiency, &app.id.0)?;
        let (deliveries, history) = match old {
            Some(o) => (o.body.deliveries, o.history),
            None => (Vec::new(), Vec::new()),
        };
        let next_due = efficiency::next_due(&plan, &deliveries);
        let summary = format!("{} 每 {interval_days} 天", plan.person);
        let record = EfficiencyRecord {
            plan,
            deliveries,
            next_due,
        };
        self.write_service_record(
            RecordKind::Efficiency,
            &app.id.0,
            record,
            history,
            "planned",
            actor,
            summary,
        )
    }

    /// Record one service delivered under the plan, with the advice given.
    pub fn efficiency_deliver(
        &self,
        app_id: &str,
        service: EfficiencyService,
        on: NaiveDate,
        advice: Vec<Advice>,
        summary_text: &str,
        actor: &str,
    ) -> Result<Stored<EfficiencyRecord>, DeskError> {
        let _w = self.lock();
        let stored: Stored<EfficiencyRecord> = self
            .service_record(RecordKind::Efficiency, app_id)?
            .ok_or_else(|| {
                RecordError::new(
                    "app_id",
                    format!("{app_id} 还没有能效服务计划：先用 efficiency plan 制定（定人、定期、定制）"),
                    format!("{app_id} has no efficiency plan: make one first with `efficiency plan`"),
                )
            })?;
        let delivery = Delivery {
            app_id: app_id.to_string(),
            service,
            on,
            by: actor.to_string(),
            advice,
            summary: summary_text.to_string(),
        };
        efficiency::check_delivery(&delivery, &stored.body.plan)?;
        let mut record = stored.body;
        record.deliveries.push(delivery);
        record.next_due = efficiency::next_due(&record.plan, &record.deliveries);
        let summary = format!("{} {on}", service.label_zh());
        self.write_service_record(
            RecordKind::Efficiency,
            app_id,
            record,
            stored.history,
            "delivered",
            actor,
            summary,
        )
    }

    pub fn efficiency_records(&self) -> Result<Vec<Stored<EfficiencyRecord>>, DeskError> {
        self.service_records(RecordKind::Efficiency, "")
    }

    // ---- 1+N 团队与预约上门 -----------------------------------------------------------------------

    /// Form a large or medium enterprise's 1+N team (N ≥ 1).
    pub fn team_form(
        &self,
        app_id: &str,
        manager: &str,
        specialists: Vec<Specialist>,
        formed_on: NaiveDate,
        actor: &str,
    ) -> Result<Stored<Team>, DeskError> {
        let app = self.application(app_id)?;
        let team = Team {
            app_id: app.id.0.clone(),
            manager: manager.to_string(),
            specialists,
            formed_on,
        };
        teams::check_team(&team, app.form.customer.class)?;
        let _w = self.lock();
        let summary = format!("1+{}：{}", team.specialists.len(), team.manager);
        self.put_service_record(
            RecordKind::Team,
            &app.id.0,
            team,
            ("formed", "updated"),
            actor,
            summary,
        )
    }

    /// Book an appointment visit for a small or micro customer (预约上门).
    pub fn visit_book(
        &self,
        app_id: &str,
        visitor: &str,
        visit_on: NaiveDate,
        note: &str,
        actor: &str,
    ) -> Result<Stored<Visit>, DeskError> {
        let app = self.application(app_id)?;
        let visit = Visit {
            app_id: app.id.0.clone(),
            visitor: visitor.to_string(),
            booked_on: self.today(),
            visit_on,
            done: false,
            note: note.to_string(),
        };
        teams::check_visit(&visit, app.form.customer.class)?;
        let _w = self.lock();
        let summary = format!("{visitor} {visit_on}");
        self.put_service_record(
            RecordKind::Visit,
            &app.id.0,
            visit,
            ("booked", "booked"),
            actor,
            summary,
        )
    }

    /// Record the booked visit made.
    pub fn visit_done(&self, app_id: &str, actor: &str) -> Result<Stored<Visit>, DeskError> {
        let _w = self.lock();
        let stored: Stored<Visit> = self
            .service_record(RecordKind::Visit, app_id)?
            .ok_or_else(|| not_found("app_id", RecordKind::Visit, app_id))?;
        if stored.body.done {
            return Err(RecordError::new(
                "app_id",
                format!("{app_id} 的预约上门已完成"),
                format!("{app_id}'s visit is already done"),
            )
            .into());
        }
        let mut visit = stored.body;
        visit.done = true;
        let summary = format!("{} {}", visit.visitor, self.today());
        self.write_service_record(
            RecordKind::Visit,
            app_id,
            visit,
            stored.history,
            "done",
            actor,
            summary,
        )
    }

    /// The service offered to an application's customer by its class (1+N team or visit).
    pub fn service_offer(&self, app_id: &str) -> Result<teams::ServiceOffer, DeskError> {
        let app = self.application(app_id)?;
        Ok(teams::ServiceOffer::for_class(app.form.customer.class))
    }

    // ---- 收费 -------------------------------------------------------------------------------

    /// The items the active bundle lists as abolished (`abolished_fees`), with their documents.
    pub fn abolished_fees(&self) -> Vec<AbolishedFee> {
        self.decider()
            .and_then(|d| d.texts_parameter("abolished_fees"))
            .map(|entries| AbolishedFee::parse_list(&entries))
            .unwrap_or_default()
    }

    /// Record a fee charged; an abolished item, or a connection fee to a 三零 customer, is
    /// refused with the document that abolished it.
    pub fn fee_charge(
        &self,
        app_id: &str,
        item: &str,
        amount_yuan: f64,
        for_connection: bool,
        basis: &str,
        actor: &str,
    ) -> Result<Stored<FeeCharge>, DeskError> {
        let app = self.application(app_id)?;
        let charge = FeeCharge {
            app_id: app.id.0.clone(),
            item: item.trim().to_string(),
            amount_yuan,
            for_connection,
            basis: basis.to_string(),
        };
        fees::check_charge(&charge, app.decision.as_ref(), &self.abolished_fees())?;
        let _w = self.lock();
        let n = self.count_service_records(RecordKind::Fee, &format!("{}/", app.id))? + 1;
        let summary = format!("{} {} 元", charge.item, charge.amount_yuan);
        self.write_service_record(
            RecordKind::Fee,
            &format!("{}/{n:03}", app.id),
            charge,
            Vec::new(),
            "charged",
            actor,
            summary,
        )
    }

    /// Set a fee item the office charges and its standard (published in the disclosure); an
    /// abolished item is refused with the document that abolished it.
    pub fn fee_standard_set(
        &self,
        standard: FeeStandard,
        actor: &str,
    ) -> Result<Stored<FeeStandard>, DeskError> {
        crate::domain::office::required_line("standard.item", &standard.item)?;
        crate::domain::office::required_line("standard.standard", &standard.standard)?;
        let probe = FeeCharge {
            app_id: String::new(),
            item: standard.item.clone(),
            amount_yuan: 1.0,
            for_connection: false,
            basis: String::new(),
        };
        fees::check_charge(&probe, None, &self.abolished_fees())
            .map_err(|e| RecordError::new("standard.item", e.zh, e.en))?;
        let _w = self.lock();
        let item = standard.item.trim().to_string();
        let summary = standard.standard.clone();
        self.put_service_record(
            RecordKind::FeeStandard,
            &item,
            standard,
            ("set", "set"),
            actor,
            summary,
        )
    }

    pub fn fee_standards(&self) -> Result<Vec<Stored<FeeStandard>>, DeskError> {
        self.service_records(RecordKind::FeeStandard, "")
    }

    /// Every fee recorded.
    pub fn fees(&self) -> Result<Vec<Stored<FeeCharge>>, DeskError> {
        self.service_records(RecordKind::Fee, "")
    }

    // ---- one application's records, and the figures ------------------------------------------

    /// Everything recorded for one application beyond its workflow.
    pub fn app_services(&self, app_id: &AppId) -> Result<AppServices, DeskError> {
        let id = &app_id.0;
        Ok(AppServices {
            team: self.service_record(RecordKind::Team, id)?,
            visit: self.service_record(RecordKind::Visit, id)?,
            efficiency: self.service_record(RecordKind::Efficiency, id)?,
            firm_choices: self.service_records(RecordKind::FirmChoice, &format!("{id}/"))?,
            fees: self.service_records(RecordKind::Fee, &format!("{id}/"))?,
        })
    }

    /// The dashboard's service figures, per county and month, as of today. Reads every
    /// application once (for the enterprises eligible for efficiency services); a caller that
    /// passes over them anyway (the dashboard) folds them into a [`ServiceScan`] and calls
    /// [`Desk::service_metrics_with`] instead.
    pub fn service_metrics(&self) -> Result<ServiceMetrics, DeskError> {
        let mut scan = ServiceScan::default();
        self.scan(&mut |app| {
            scan.add(&app);
            true
        })?;
        self.service_metrics_with(scan)
    }

    /// [`Desk::service_metrics`] with the pass over the applications done by the caller.
    pub fn service_metrics_with(&self, scan: ServiceScan) -> Result<ServiceMetrics, DeskError> {
        use std::collections::BTreeMap;
        let today = self.today();
        let month = |d: NaiveDate| format!("{:04}-{:02}", d.year(), d.month());
        let mut m = ServiceMetrics::default();

        // Safety: open campaigns' coverage by county, hazards by county and month.
        let mut safety: BTreeMap<String, CountySafety> = BTreeMap::new();
        let mut counties: BTreeMap<String, String> = BTreeMap::new();
        for view in self.campaigns()? {
            let county = view
                .campaign
                .body
                .county
                .clone()
                .unwrap_or_else(|| ALL_COUNTIES_ZH.to_string());
            counties.insert(view.campaign.id.clone(), county.clone());
            if view.campaign.body.closed {
                continue;
            }
            let s = safety
                .entry(county.clone())
                .or_insert_with(|| CountySafety {
                    county,
                    ..Default::default()
                });
            s.customers += view.customers;
            s.visited += view.visited;
        }
        let mut months: BTreeMap<String, HazardMonth> = BTreeMap::new();
        for h in self.hazards()? {
            let h = h.body;
            let found = months.entry(month(h.found_on)).or_default();
            found.found += 1;
            if let Some(on) = h.rectified_on {
                months.entry(month(on)).or_default().rectified += 1;
                continue;
            }
            let county = counties
                .get(&h.campaign_id)
                .cloned()
                .unwrap_or_else(|| ALL_COUNTIES_ZH.to_string());
            let s = safety
                .entry(county.clone())
                .or_insert_with(|| CountySafety {
                    county,
                    ..Default::default()
                });
            s.hazards_open += 1;
            m.hazards_open += 1;
            if h.is_overdue(today) {
                s.hazards_overdue += 1;
                m.hazards_overdue += 1;
            }
        }
        m.safety = safety.into_values().collect();
        m.hazard_months = months
            .into_iter()
            .map(|(k, mut v)| {
                v.month = k;
                v
            })
            .collect();

        // Efficiency: eligible enterprises (counted in the pass over the applications) against
        // plans and deliveries, each plan's county read from its application.
        let mut eff: BTreeMap<String, CountyEfficiency> = scan
            .eligible
            .into_iter()
            .map(|(county, eligible)| {
                let row = CountyEfficiency {
                    county: county.clone(),
                    eligible,
                    ..Default::default()
                };
                (county, row)
            })
            .collect();
        let county_of = |id: &str| -> Result<String, DeskError> {
            Ok(self
                .repository()
                .get(&AppId(id.to_string()))?
                .map_or_else(|| ALL_COUNTIES_ZH.to_string(), |a| a.form.site.county))
        };
        let mut eff_months: BTreeMap<String, usize> = BTreeMap::new();
        for r in self.efficiency_records()? {
            let county = county_of(&r.id)?;
            let e = eff
                .entry(county.clone())
                .or_insert_with(|| CountyEfficiency {
                    county,
                    ..Default::default()
                });
            e.planned += 1;
            e.delivered += r.body.deliveries.len();
            for d in &r.body.deliveries {
                *eff_months.entry(month(d.on)).or_default() += 1;
            }
        }
        m.efficiency = eff.into_values().collect();
        m.efficiency_months = eff_months.into_iter().collect();

        // Disclosure.
        let status = self.disclosure_status()?;
        m.disclosure_due = status.due;
        if let Some(last) = status.last {
            m.disclosure_last = Some(last.body.notice.published_on);
            m.disclosure_version = Some(last.body.version);
        }

        // Fees, re-checked against the rules as they stand (breaches should be none).
        let abolished = self.abolished_fees();
        for fee in self.fees()? {
            m.fees_recorded += 1;
            m.fee_yuan += fee.body.amount_yuan;
            let decision = self
                .repository()
                .get(&AppId(fee.body.app_id.clone()))?
                .and_then(|a| a.decision);
            if let Err(e) = fees::check_charge(&fee.body, decision.as_ref(), &abolished) {
                m.fee_breaches.push(FeeBreach {
                    key: format!("{}{}", RecordKind::Fee.prefix(), fee.id),
                    app_id: fee.body.app_id.clone(),
                    item: fee.body.item.clone(),
                    amount_yuan: fee.body.amount_yuan,
                    why_zh: e.zh,
                    why_en: e.en,
                });
            }
        }
        m.firms_listed = self.firms()?.iter().filter(|f| !f.body.delisted).count();
        Ok(m)
    }

    /// The class's customer for team/visit checks, by application.
    pub fn customer_class(&self, app_id: &str) -> Result<CustomerClass, DeskError> {
        Ok(self.application(app_id)?.form.customer.class)
    }
}

fn decode<T: DeserializeOwned>(key: &str, json: &str) -> Result<Stored<T>, DeskError> {
    serde_json::from_str(json).map_err(|e| {
        DeskError::Store(crate::domain::ports::StoreError::Corrupt(format!(
            "service record {key} is unreadable: {e}"
        )))
    })
}

fn not_found(field: &'static str, kind: RecordKind, id: &str) -> DeskError {
    RecordError::new(
        field,
        format!("没有编号为 {id} 的{}", kind.label_zh()),
        format!("no {} {id}", kind.label_en()),
    )
    .into()
}

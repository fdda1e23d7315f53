//! 样本申请: deterministic, varied application forms for `policy bench`, `policy check`'s parameter
//! probe, benchmarks and the agreement test (every class, voltage, park and capacity edge the
//! Jining rules look at, important and dual-supply customers, capacity increases).

use chrono::{DateTime, FixedOffset, NaiveDate, TimeZone};

use crate::domain::application::{
    ApplicationForm, ChosenFirms, Customer, CustomerClass, ParkLevel, Request, RequestKind, Site,
    Voltage,
};

const COUNTIES: [&str; 6] = ["任城区", "兖州区", "曲阜市", "邹城市", "微山县", "梁山县"];
const KW: [f64; 8] = [5.0, 20.0, 100.0, 150.0, 160.0, 160.5, 161.0, 300.0];
const KVA: [f64; 8] = [
    200.0, 630.0, 1000.0, 1250.0, 1250.5, 1600.0, 5000.0, 20000.0,
];

/// A small xorshift generator: the same seed gives the same forms on every machine.
#[derive(Debug, Clone)]
pub struct Sampler(u64);

impl Sampler {
    pub fn new(seed: u64) -> Self {
        Sampler(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[(self.next() % items.len() as u64) as usize]
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    /// One valid form.
    pub fn form(&mut self) -> ApplicationForm {
        let class = self.pick(&CustomerClass::ALL);
        let voltage = match class {
            CustomerClass::Resident => self.pick(&[Voltage::V220, Voltage::V380]),
            _ => self.pick(&Voltage::ALL),
        };
        let (capacity_kw, capacity_kva) = match voltage {
            // Single-phase supply ends at 16 kW.
            Voltage::V220 => (Some(self.pick(&[4.0, 8.0, 16.0])), None),
            Voltage::V380 => (Some(self.pick(&KW)), None),
            _ => (None, Some(self.pick(&KVA))),
        };
        let park_level = if self.chance(30) {
            Some(self.pick(&[
                ParkLevel::National,
                ParkLevel::Provincial,
                ParkLevel::Municipal,
            ]))
        } else {
            None
        };
        let kind = if self.chance(10) {
            RequestKind::Temporary
        } else {
            self.pick(&[RequestKind::New, RequestKind::CapacityIncrease])
        };
        let direct_meter = voltage.is_low() && self.chance(60);
        // 增容: what is already connected, in the request's unit (single-phase supply is not
        // increased: it ends at 16 kW).
        let kind = if voltage == Voltage::V220 && kind == RequestKind::CapacityIncrease {
            RequestKind::New
        } else {
            kind
        };
        let existing = (kind == RequestKind::CapacityIncrease)
            .then(|| self.pick(&[20.0, 100.0, 140.0, 250.0, 600.0, 1000.0]));
        let important = !voltage.is_low() && self.chance(10);
        let dual_supply = !voltage.is_low() && self.chance(10);
        let day = 1 + (self.next() % 28) as u32;
        let month = 1 + (self.next() % 12) as u32;
        let received: DateTime<FixedOffset> = FixedOffset::east_opt(8 * 3600)
            .expect("UTC+8")
            .with_ymd_and_hms(2026, month, day, 9, 30, 0)
            .single()
            .expect("a valid date");
        ApplicationForm {
            customer: Customer {
                name: format!("济宁样本客户{}", self.next() % 10_000),
                class,
                // A resident gives a resident ID card number, a business its credit code.
                id_number: if class == CustomerClass::Resident {
                    "370811198001011231".into()
                } else {
                    "91370811MA3C5XXXX5".into()
                },
                phone: "13800000000".into(),
                star_rating: if class == CustomerClass::Enterprise {
                    (self.next() % 6) as u8
                } else {
                    0
                },
            },
            site: Site {
                county: self.pick(&COUNTIES).to_string(),
                address: "济宁市任城区某某路 18 号".into(),
                rural: self.chance(40),
                park_name: park_level.map(|_| "济宁高新技术产业开发区".to_string()),
                park_level,
                kinetic_library: self.chance(15),
            },
            request: Request {
                kind,
                voltage,
                capacity_kw,
                capacity_kva,
                permanent: kind != RequestKind::Temporary,
                direct_meter,
                simple_line: !direct_meter && self.chance(60),
                grid_project_need_date: if self.chance(20) {
                    NaiveDate::from_ymd_opt(2026, 12, 31)
                } else {
                    None
                },
                important,
                dual_supply,
                existing_capacity_kw: existing.filter(|_| capacity_kw.is_some()),
                existing_capacity_kva: existing.filter(|_| capacity_kva.is_some()),
            },
            received_at: received,
            attachments: Vec::new(),
            chosen_firms: ChosenFirms::default(),
        }
    }

    pub fn forms(&mut self, n: usize) -> Vec<ApplicationForm> {
        (0..n).map(|_| self.form()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::validation;

    #[test]
    fn sample_forms_are_valid_and_repeatable() {
        let a = Sampler::new(3).forms(500);
        for f in &a {
            validation::validate(f).unwrap_or_else(|e| panic!("{f:?}: {e:?}"));
        }
        assert_eq!(a, Sampler::new(3).forms(500));
    }
}

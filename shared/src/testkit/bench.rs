//! What the benchmarks start from: a local data directory with a demo population of
//! `persons`, a clock at 2026-11-23 09:00 UTC, and a session of the first member of the
//! demo's first household.

use std::sync::Arc;

use chrono::{NaiveDate, TimeZone, Utc};

use super::demo::{generate, write_jsonl, DemoSpec, DEFAULT_SEED};
use super::ManualClock;
use crate::app::AppState;
use crate::config::Config;
use crate::domain::person::Persona;
use crate::services::import::{import, Record};
use crate::services::sessions::{self, Identity, Session};

pub struct BenchRig {
    pub app: AppState,
    pub clock: Arc<ManualClock>,
    pub rt: tokio::runtime::Runtime,
    pub today: NaiveDate,
    pub me: Persona,
    pub session: Session,
    _dir: tempfile::TempDir,
}

impl BenchRig {
    pub fn new(persons: usize) -> BenchRig {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let at = Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap();
        let clock = Arc::new(ManualClock::new(at));
        let config = Config::for_tests(dir.path().to_path_buf());
        let app = AppState::local(config, clock.clone()).expect("local adapters");
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        let today = crate::domain::italian_date(at);
        let spec = DemoSpec {
            persons,
            seed: DEFAULT_SEED,
            today,
            municipality: app.config.municipality.clone(),
        };
        let records = generate(&spec);
        let mut file = Vec::new();
        write_jsonl(&records, &mut file).expect("the export");
        rt.block_on(import(&app, file.as_slice()))
            .expect("the import");
        let me = records
            .into_iter()
            .find_map(|r| match r {
                Record::Persona(p)
                    if p.membership_at(today)
                        .is_some_and(|m| m.famiglia == "F000001") =>
                {
                    Some(*p)
                }
                _ => None,
            })
            .expect("a member of F000001");
        let identity = Identity {
            codice_fiscale: me.codice_fiscale.clone(),
            cognome: me.cognome.clone(),
            nome: me.nome.clone(),
            email: None,
            idp: "bench".into(),
            level: 2,
        };
        let (_, session) = rt
            .block_on(sessions::create(&app, identity, false))
            .expect("a session");
        BenchRig {
            app,
            clock,
            rt,
            today,
            me,
            session,
            _dir: dir,
        }
    }
}

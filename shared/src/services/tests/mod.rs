//! Use-case tests: each use case on a temporary local store (redb, files, software key)
//! seeded with a small demo population, with a clock the test moves.

mod applications;
mod certificates;
mod household;
mod import;
mod sessions;
mod verify;

use std::sync::Arc;

use chrono::{NaiveDate, TimeZone, Utc};

use super::import::{import, Record};
use super::sessions::{create, Identity, Session};
use crate::app::AppState;
use crate::config::Config;
use crate::domain::person::{Persona, PosizioneAnagrafica};
use crate::testkit::demo::{generate, write_jsonl, DemoSpec, DEFAULT_SEED};
use crate::testkit::ManualClock;

pub(super) struct Fixture {
    pub app: AppState,
    pub clock: Arc<ManualClock>,
    pub export: Vec<u8>,
    pub persons: Vec<Persona>,
    _dir: tempfile::TempDir,
}

pub(super) fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
}

/// A fresh data directory with the demo population imported.
pub(super) async fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap(),
    ));
    let config = Config::for_tests(dir.path().to_path_buf());
    let app = AppState::local(config, clock.clone()).unwrap();
    let records = generate(&DemoSpec {
        persons: 60,
        seed: DEFAULT_SEED,
        today: today(),
        municipality: app.config.municipality.clone(),
    });
    let mut export = Vec::new();
    write_jsonl(&records, &mut export).unwrap();
    let report = import(&app, export.as_slice()).await.unwrap();
    assert!(report.errors.is_empty(), "{report}");
    let persons = records
        .into_iter()
        .filter_map(|r| match r {
            Record::Persona(p) => Some(*p),
            Record::Famiglia(_) => None,
        })
        .collect();
    Fixture {
        app,
        clock,
        export,
        persons,
        _dir: dir,
    }
}

impl Fixture {
    /// A living resident whose household has at least one other living member, and that
    /// member.
    pub fn with_mate(&self) -> (&Persona, &Persona) {
        let living = |p: &&Persona| p.posizione_at(today()) == Some(PosizioneAnagrafica::Residente);
        self.persons
            .iter()
            .filter(living)
            .find_map(|p| {
                let id = &p.membership_at(today())?.famiglia;
                let mate = self.persons.iter().filter(living).find(|q| {
                    q.codice_fiscale != p.codice_fiscale
                        && q.membership_at(today()).is_some_and(|m| &m.famiglia == id)
                })?;
                Some((p, mate))
            })
            .expect("a household of two")
    }

    /// A living resident of another household than `p`'s.
    pub fn stranger_to(&self, p: &Persona) -> &Persona {
        let id = &p.membership_at(today()).unwrap().famiglia;
        self.persons
            .iter()
            .find(|q| {
                q.posizione_at(today()) == Some(PosizioneAnagrafica::Residente)
                    && q.membership_at(today()).is_some_and(|m| &m.famiglia != id)
            })
            .expect("another household")
    }

    /// A session for `p`, as the auth function opens it after a login.
    pub async fn session(&self, p: &Persona, operator: bool) -> (String, Session) {
        let identity = Identity {
            codice_fiscale: p.codice_fiscale.clone(),
            cognome: p.cognome.clone(),
            nome: p.nome.clone(),
            email: None,
            idp: "test".into(),
            level: 2,
        };
        create(&self.app, identity, operator).await.unwrap()
    }
}

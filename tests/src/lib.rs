//! Test harness: the whole local portal in-process on a loopback port, with its own data
//! directory and a clock the test moves.

use std::path::Path;
use std::sync::Arc;

use chrono::{NaiveDate, TimeZone, Utc};
use shared::adapters::clock::ManualClock;
use shared::config::Config;
use shared::domain::person::Persona;
use shared::services::import::Record;
use shared::services::sessions::{self, Identity};
use shared::web::AppState;

pub struct Portal {
    pub base: String,
    pub state: AppState,
    pub clock: Arc<ManualClock>,
    server: tokio::task::JoinHandle<()>,
}

/// The date the test portals live on (the demo is generated for it).
pub fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
}

impl Portal {
    /// Starts the portal on `data_dir` (seeding it with the demo when new).
    pub async fn start(data_dir: &Path) -> Portal {
        let clock = Arc::new(ManualClock::new(
            Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap(),
        ));
        let mut config = Config::for_tests(data_dir.to_path_buf());
        config.demo_population = 120;
        let (state, app) = anagrafe_local::build(config, clock.clone())
            .await
            .expect("portal starts");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let server = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Portal {
            base,
            state,
            clock,
            server,
        }
    }

    /// Stops serving and releases the store, as a process exit would.
    pub async fn stop(self) {
        self.server.abort();
        let _ = self.server.await;
    }

    /// The demo population as imported (the export written on first start).
    pub fn demo(&self) -> Vec<Persona> {
        let text =
            std::fs::read_to_string(self.state.config.data_dir.join("demo-export.jsonl")).unwrap();
        text.lines()
            .filter_map(|l| match serde_json::from_str::<Record>(l).unwrap() {
                Record::Persona(p) => Some(*p),
                Record::Famiglia(_) => None,
            })
            .collect()
    }

    /// Opens a session for a citizen through the service layer (what the auth function does
    /// after a SAML login) and returns the Cookie header value.
    pub async fn login(&self, p: &Persona) -> String {
        self.login_as(p, false).await
    }

    /// As `login`, for an operator (counter staff) when `operator` is true.
    pub async fn login_as(&self, p: &Persona, operator: bool) -> String {
        let identity = Identity {
            codice_fiscale: p.codice_fiscale.clone(),
            cognome: p.cognome.clone(),
            nome: p.nome.clone(),
            email: None,
            idp: "test".into(),
            level: 2,
        };
        let (token, _) = sessions::create(
            self.state.store.as_ref(),
            self.clock.as_ref(),
            identity,
            operator,
        )
        .await
        .unwrap();
        format!("{}={token}", sessions::COOKIE)
    }

    pub async fn get(&self, path: &str, cookie: Option<&str>) -> (u16, serde_json::Value) {
        let mut req = reqwest::Client::new().get(format!("{}{path}", self.base));
        if let Some(c) = cookie {
            req = req.header("Cookie", c);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        let body = resp.json().await.unwrap_or(serde_json::Value::Null);
        (status, body)
    }
}

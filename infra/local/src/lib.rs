//! The one-process local portal: every function's router, the static site, the local
//! adapters under `DATA_DIR`, and the demo population imported on first start.

pub mod backup;
pub mod cns_tls;
pub mod demo_idp;
mod demo_response;
mod dev_cert;
mod pagopa;
mod tsa;

use std::path::PathBuf;
use std::sync::Arc;

use axum::routing::any;
use axum::Router;
use tower_http::services::ServeDir;

use shared::adapters::local_pagopa::LocalPagoPa;
use shared::config::Config;
use shared::keys;
use shared::ports::{Clock, Condition, Item};
use shared::services::errors::NotFound;
use shared::services::import::{import, ImportReport};
use shared::testkit::demo::{generate, write_jsonl, DemoSpec, DEFAULT_SEED};
use shared::web::{ApiError, AppState};

/// Where the static site is: `WEB_DIR`, or `web/dist` of this checkout (built by
/// `npm run build` in `web/`, which the run and test commands do).
pub fn web_dir() -> PathBuf {
    std::env::var_os("WEB_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../web/dist")))
}

/// Imports the demo population through the real import path (an export file written to
/// `DATA_DIR/demo-export.jsonl`) unless this data directory was seeded before.
pub async fn seed_if_new(state: &AppState) -> anyhow::Result<Option<ImportReport>> {
    let store = state.store.as_ref();
    let seeded = keys::demo_seeded();
    if store.get(&seeded.pk, &seeded.sk).await?.is_some() {
        return Ok(None);
    }
    let spec = DemoSpec {
        persons: state.config.demo_population,
        seed: DEFAULT_SEED,
        today: state.clock.today(),
        municipality: state.config.municipality.clone(),
    };
    let path = state.config.data_dir.join("demo-export.jsonl");
    let mut buf = Vec::new();
    write_jsonl(&generate(&spec), &mut buf)?;
    tokio::fs::write(&path, &buf).await?;
    let report = import(state, buf.as_slice())
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let marker = Item::at(seeded, serde_json::to_vec(&report.persons)?);
    store.put(marker, Condition::None).await?;
    Ok(Some(report))
}

/// The site's "page not found", with its status.
async fn page_not_found() -> (axum::http::StatusCode, axum::response::Html<String>) {
    let page = std::fs::read_to_string(web_dir().join("404.html"))
        .unwrap_or_else(|_| "<!doctype html><html lang=\"it\"><title>Pagina non trovata</title><h1>Pagina non trovata</h1></html>".into());
    (
        axum::http::StatusCode::NOT_FOUND,
        axum::response::Html(page),
    )
}

async fn api_not_found() -> ApiError {
    NotFound::Route.into()
}

/// Every function's router nested in one, the demo IdP, the local TSA and the static site.
pub fn router(
    state: AppState,
    demo: Arc<demo_idp::DemoIdp>,
    tsa: Arc<shared::adapters::local_tsa::LocalTsa>,
    pagopa: Option<Arc<LocalPagoPa>>,
) -> Router {
    let mut all = Router::new()
        .merge(demo_idp::router(state.clone(), demo))
        .merge(tsa::router(tsa));
    if let Some(p) = pagopa {
        all = all.merge(pagopa::router(p));
    }
    let all = all
        .merge(auth::router(state.clone()))
        .merge(household::router(state.clone()))
        .merge(certificates::router(state.clone()))
        .merge(autocert::router(state.clone()))
        .merge(verify::router(state.clone()))
        .merge(applications::router(state.clone()))
        .merge(import::router(state))
        .route("/api/{*rest}", any(api_not_found))
        .fallback_service(
            ServeDir::new(web_dir())
                .append_index_html_on_directories(true)
                .not_found_service(any(page_not_found)),
        );
    // The static site and the demo IdP get the headers the functions already carry.
    shared::web::secure_headers(all)
}

/// Opens the local adapters, seeds a new data directory, and returns the portal.
pub async fn build(config: Config, clock: Arc<dyn Clock>) -> anyhow::Result<(AppState, Router)> {
    std::fs::create_dir_all(&config.data_dir)?;
    let state = AppState::local(config, clock)?;
    prepare(state).await
}

/// Seeds a new data directory through `state`'s adapters and returns the portal on them.
pub async fn prepare(state: AppState) -> anyhow::Result<(AppState, Router)> {
    let (state, demo) = demo_idp::install(state)?;
    if let Some(report) = seed_if_new(&state).await? {
        tracing::info!(
            persons = report.persons,
            households = report.households,
            rejected = report.errors.len(),
            "demo population imported"
        );
    }
    let name = format!("Comune di {}", state.config.municipality.name);
    let tsa = shared::adapters::local_tsa::LocalTsa::in_data_dir(
        &state.config.data_dir,
        &name,
        state.clock.clone(),
    )?;
    // The checkout page of the pagoPA stand-in, on the same store as the portal's adapter.
    let pagopa = match state.config.pagopa {
        Some(_) => None,
        None => Some(Arc::new(LocalPagoPa::open(
            &state.config.data_dir.join("pagopa"),
            state.store.clone(),
            state.clock.clone(),
            &state.config.public_base_url,
        )?)),
    };
    let router = router(state.clone(), demo, Arc::new(tsa), pagopa);
    Ok((state, router))
}

/// The local registry system: applies the registry changes of accepted declarations
/// (the outbox) every second, as the municipality's system would take them. Runs until
/// dropped, beside the server.
pub async fn apply_registry_changes(state: AppState) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(1));
    loop {
        tick.tick().await;
        match shared::services::applications::effect::apply_pending(&state).await {
            Ok(reports) => {
                for r in reports {
                    tracing::info!(
                        persons = r.persons,
                        written = r.written,
                        "registry change applied"
                    );
                }
            }
            Err(e) => tracing::warn!(error = %e, "registry changes not applied"),
        }
    }
}

/// The local runner's reconciliation of payments (EventBridge runs the certificates
/// function's `/internal/payments/reconcile` in the cloud): every few seconds, what was paid
/// is released and what is cancelled or past due is closed, also for citizens who never
/// came back from the checkout.
pub async fn reconcile_payments(state: AppState) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(2));
    loop {
        tick.tick().await;
        match shared::services::payments::reconcile(&state).await {
            Ok(r) if r.released + r.closed + r.failed > 0 => tracing::info!(
                checked = r.checked,
                released = r.released,
                closed = r.closed,
                failed = r.failed,
                "payments reconciled"
            ),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "payments not reconciled"),
        }
    }
}

/// The local runner's sweep of archived originals no record points at (a process killed
/// between archiving and recording leaves one; EventBridge runs the certificates function's
/// `/internal/archive/sweep` in the cloud): once before serving, then every 30 seconds.
pub async fn sweep_archive(state: AppState) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(30));
    loop {
        tick.tick().await;
        if let Err(e) = shared::services::certificates::intent::sweep(&state).await {
            tracing::warn!(error = %e, "archive not swept");
        }
    }
}

use std::sync::Arc;

/// A line for whoever started the portal: plain on a terminal, a log event otherwise (so
/// that a log file holds only JSON lines).
fn say(line: &str) {
    match shared::web::logging::format() {
        shared::web::logging::Format::Text { .. } => println!("{line}"),
        shared::web::logging::Format::Json => tracing::info!(message = line),
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    shared::web::init_tracing();
    let config = shared::config::Config::from_env()?;
    let port = config.port;
    let (state, app) =
        anagrafe_local::build(config, Arc::new(shared::adapters::clock::SystemClock)).await?;
    if let Some(cns) = anagrafe_local::cns_tls::start(&state, app.clone()).await {
        say(&format!(
            "Accesso con CNS: https://{cns}/cns/login (certificato di sviluppo)"
        ));
    }
    tokio::spawn(anagrafe_local::apply_registry_changes(state.clone()));
    tokio::spawn(anagrafe_local::reconcile_payments(state.clone()));
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    say(&format!(
        "Anagrafe online: http://127.0.0.1:{}/",
        listener.local_addr()?.port()
    ));
    say("Accesso: \"Accedi ai servizi\" e scegli l'IdP demo (/saml/login?idp=demo), poi un cittadino della popolazione demo.");
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await?;
    Ok(())
}

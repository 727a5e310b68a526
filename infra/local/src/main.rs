use std::sync::Arc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    shared::web::init_tracing();
    let config = shared::config::Config::from_env()?;
    let port = config.port;
    let (state, app) =
        anagrafe_local::build(config, Arc::new(shared::adapters::clock::SystemClock)).await?;
    if let Some(cns) = anagrafe_local::cns_tls::start(&state, app.clone()).await {
        println!("Accesso con CNS: https://{cns}/cns/login (certificato di sviluppo)");
    }
    tokio::spawn(anagrafe_local::apply_registry_changes(state.clone()));
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    println!(
        "Anagrafe online: http://127.0.0.1:{}/",
        listener.local_addr()?.port()
    );
    println!("Accesso: \"Accedi ai servizi\" e scegli l'IdP demo (/saml/login?idp=demo), poi un cittadino della popolazione demo.");
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

use std::sync::Arc;

/// A line for whoever started the portal: plain on a terminal, a log event otherwise (so
/// that a log file holds only JSON lines).
fn say(line: &str) {
    match shared::web::logging::format() {
        shared::web::logging::Format::Text { .. } => println!("{line}"),
        shared::web::logging::Format::Json => tracing::info!(message = line),
    }
}

/// `anagrafe-local backup <dir>` / `anagrafe-local restore <dir>`: the ops commands on
/// `DATA_DIR` (the portal stopped; README, "Backup and restore").
fn ops(command: &str, dir: &str, data_dir: &std::path::Path) -> anyhow::Result<()> {
    let dir = std::path::Path::new(dir);
    let (done, report) = match command {
        "backup" => (
            "backup written to",
            anagrafe_local::backup::backup(data_dir, dir)?,
        ),
        _ => (
            "restored into",
            anagrafe_local::backup::restore(dir, data_dir)?,
        ),
    };
    let shown = if command == "backup" { dir } else { data_dir };
    println!(
        "{done} {}: {} files, {} bytes",
        shown.display(),
        report.files,
        report.bytes
    );
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    shared::web::init_tracing();
    let config = shared::config::Config::from_env()?;
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [] => {}
        [c, dir] if c == "backup" || c == "restore" => return ops(c, dir, &config.data_dir),
        _ => anyhow::bail!("usage: anagrafe-local [backup <dir> | restore <dir>]"),
    }
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
    // What a crash left in the archive goes before anyone is served.
    shared::services::certificates::intent::sweep(&state).await?;
    tokio::spawn(anagrafe_local::sweep_archive(state.clone()));
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

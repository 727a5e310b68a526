//! The local portal as the crash test kills it: the runner's router and background tasks on
//! `DATA_DIR` and `PORT`, with the real clock, writing `sessions.json` beside the data
//! directory (a citizen's and an operator's session) so the test can drive it at once.

use std::sync::Arc;

use shared::services::sessions;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let dir = std::path::PathBuf::from(std::env::var("DATA_DIR")?);
    let port: u16 = std::env::var("PORT")?.parse()?;
    let mut config = shared::config::Config::for_tests(dir.clone());
    config.demo_population = 120;
    config.public_base_url = format!("http://127.0.0.1:{port}");
    let clock = Arc::new(shared::adapters::clock::SystemClock);
    let (state, app) = anagrafe_local::build(config, clock).await?;
    let demo = e2e::demo_of(&state);
    let mut logins = serde_json::Map::new();
    for (role, p, operator) in [
        (
            "citizen",
            e2e::members_of(&demo, "F000001").remove(0),
            false,
        ),
        ("operator", demo[10].clone(), true),
    ] {
        let (token, s) = e2e::open_session_on(&state, &p, operator).await;
        logins.insert(
            role.into(),
            serde_json::json!({"cookie": format!("{}={token}", sessions::COOKIE), "csrf": s.csrf_token, "cf": p.codice_fiscale}),
        );
    }
    let file = dir.with_extension("sessions.json");
    std::fs::write(&file, serde_json::to_vec(&logins)?)?;
    tokio::spawn(anagrafe_local::apply_registry_changes(state.clone()));
    // As the runner does: what the last crash left in the archive goes before serving.
    shared::services::certificates::intent::sweep(&state).await?;
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .await?;
    Ok(())
}

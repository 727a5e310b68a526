//! Issues a certificate for the first demo citizen in `DATA_DIR` (seeding it when new) and
//! prints its verification link: the input of the verification load run
//! (`infra/load/verify-wrk.sh`). Run it while the portal is stopped: the store is a file
//! one process opens at a time.

use std::sync::Arc;

use shared::domain::certificate::Channel;
use shared::services::{certificates, registry, sessions};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let config = shared::config::Config::from_env()?;
    let (state, _) =
        anagrafe_local::build(config, Arc::new(shared::adapters::clock::SystemClock)).await?;
    let today = shared::ports::Clock::today(state.clock.as_ref());
    let persons = registry::household_persons(state.store.as_ref(), "F000001").await?;
    let me = persons
        .iter()
        .find(|p| p.membership_at(today).is_some())
        .ok_or_else(|| anyhow::anyhow!("no demo citizen in household F000001"))?;
    let identity = sessions::Identity {
        codice_fiscale: me.codice_fiscale.clone(),
        cognome: me.cognome.clone(),
        nome: me.nome.clone(),
        email: None,
        idp: "cli".into(),
        level: 2,
    };
    let (_, session) = sessions::create(&state, identity, false).await?;
    let request = certificates::Request {
        person: me.codice_fiscale.clone(),
        type_id: "residenza".into(),
        uso: "pensioni".into(),
        ..Default::default()
    };
    let issued = certificates::issue(&state, &session, &request, &Channel::Citizen, None)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    println!("{}", issued.link.unwrap_or_default());
    Ok(())
}

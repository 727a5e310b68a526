//! Issues a certificate for the first demo citizen in `DATA_DIR` (seeding it when new) and
//! prints its verification link: the input of the verification load run
//! (`infra/load/verify-wrk.sh`) and of the sample pages in `docs/` (`infra/docs-samples.sh`).
//! Options: `--type` (default `residenza`), `--uso` (default `pensioni`), `--marca` (the
//! 14-digit ID of a marca da bollo dated yesterday, for a certificate in bollo) and `--pdf`
//! (also write the PDF there). Run it while the portal is stopped: the store is a file one
//! process opens at a time.

use std::sync::Arc;

use shared::domain::certificate::Channel;
use shared::services::certificates::{self, BolloInput};
use shared::services::{registry, sessions};

struct Options {
    type_id: String,
    uso: String,
    marca: Option<String>,
    pdf: Option<std::path::PathBuf>,
}

fn options() -> anyhow::Result<Options> {
    let mut o = Options {
        type_id: "residenza".into(),
        uso: "pensioni".into(),
        marca: None,
        pdf: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args
            .next()
            .ok_or_else(|| anyhow::anyhow!("{flag} needs a value"))?;
        match flag.as_str() {
            "--type" => o.type_id = value,
            "--uso" => o.uso = value,
            "--marca" => o.marca = Some(value),
            "--pdf" => o.pdf = Some(value.into()),
            _ => anyhow::bail!("unknown option {flag} (--type, --uso, --marca, --pdf)"),
        }
    }
    Ok(o)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let o = options()?;
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
    let yesterday = today - chrono::Duration::days(1);
    let request = certificates::Request {
        person: me.codice_fiscale.clone(),
        type_id: o.type_id,
        uso: o.uso,
        bollo: o.marca.map(|id| BolloInput {
            id,
            date: yesterday.to_string(),
            online: false,
        }),
        ..Default::default()
    };
    let issued = certificates::issue(&state, &session, &request, &Channel::Citizen, None)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    if let Some(path) = o.pdf {
        std::fs::write(path, &issued.pdf)?;
    }
    println!("{}", issued.link.unwrap_or_default());
    Ok(())
}

//! Command line of the import function.
//!
//! ```text
//! import FILE.jsonl                      load an export into DATA_DIR (default ./data), or
//!                                        into the table when the cloud settings are set
//! import audit-seal [AAAA-MM-GG]         seal a day's audit chains (default: yesterday, UTC)
//! import audit-verify DAL [AL]           check the audit chains of a day or a range
//! ```
//! Exit status: 0 all lines loaded / chains intact, 2 some lines rejected (see the report),
//! 3 a broken audit chain, 1 failure.
//! (The demo municipality's export is written by the local runner's `demo-export`.)

use std::io::BufReader;
use std::sync::Arc;

use chrono::{Duration, NaiveDate, Utc};
use shared::adapters::clock::SystemClock;
use shared::config::Config;
use shared::services::audit::seal;
use shared::web::AppState;

const USAGE: &str =
    "uso: import FILE.jsonl | import audit-seal [AAAA-MM-GG] | import audit-verify DAL [AL]";

fn day(raw: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .map_err(|_| format!("data non valida: {raw}\n{USAGE}"))
}

async fn state() -> Result<AppState, String> {
    let config = Config::from_env().map_err(|e| e.to_string())?;
    AppState::from_config(config, Arc::new(SystemClock))
        .await
        .map_err(|e| e.to_string())
}

async fn audit(args: &[String]) -> Result<i32, String> {
    let app = state().await?;
    match args {
        [cmd, rest @ ..] if cmd == "audit-seal" && rest.len() <= 1 => {
            let yesterday = (Utc::now() - Duration::days(1)).date_naive();
            let d = rest
                .first()
                .map(|r| day(r))
                .transpose()?
                .unwrap_or(yesterday);
            let sealed = seal::seal_day(&app, d).await.map_err(|e| e.to_string())?;
            println!("Giornata {d} sigillata: {}", sealed.manifest);
            Ok(0)
        }
        [cmd, from, rest @ ..] if cmd == "audit-verify" && rest.len() <= 1 => {
            let from = day(from)?;
            let to = rest.first().map(|r| day(r)).transpose()?.unwrap_or(from);
            let days = seal::verify_range(&app, from, to)
                .await
                .map_err(|e| e.to_string())?;
            for r in &days {
                let state = if r.sealed {
                    "sigillata"
                } else {
                    "non sigillata"
                };
                let verdict = r.broken.as_deref().unwrap_or("integra");
                println!(
                    "{}: record {}, catene {}, {state}: {verdict}",
                    r.day, r.records, r.chains
                );
            }
            Ok(if days.iter().any(|r| r.broken.is_some()) {
                3
            } else {
                0
            })
        }
        _ => Err(USAGE.into()),
    }
}

pub async fn run(args: Vec<String>) -> Result<i32, String> {
    if args.first().is_some_and(|a| a.starts_with("audit-")) {
        return audit(&args).await;
    }
    let [file] = args.as_slice() else {
        return Err(USAGE.into());
    };
    let reader = std::fs::File::open(file).map_err(|e| format!("{file}: {e}"))?;
    let state = state().await?;
    let report = shared::services::import::import(&state, BufReader::new(reader))
        .await
        .map_err(|e| e.to_string())?;
    println!("{report}");
    Ok(if report.errors.is_empty() { 0 } else { 2 })
}

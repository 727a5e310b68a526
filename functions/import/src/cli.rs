//! Command line of the import function.
//!
//! ```text
//! import FILE.jsonl                      load an export into DATA_DIR (default ./data)
//! import --demo N [--seed S] [--date YYYY-MM-DD] OUT.jsonl
//!                                        write the demo municipality's export
//! ```
//! Exit status: 0 all lines loaded, 2 some lines rejected (see the report), 1 failure.

use std::io::BufReader;
use std::sync::Arc;

use shared::adapters::clock::SystemClock;
use shared::config::Config;
use shared::demo::{generate, write_jsonl, DemoSpec, DEFAULT_SEED};
use shared::ports::Clock;
use shared::web::AppState;

const USAGE: &str =
    "uso: import FILE.jsonl | import --demo N [--seed S] [--date AAAA-MM-GG] OUT.jsonl";

fn value<T: std::str::FromStr>(args: &[String], flag: &str) -> Result<Option<T>, String> {
    match args.iter().position(|a| a == flag) {
        None => Ok(None),
        Some(i) => args
            .get(i + 1)
            .and_then(|v| v.parse().ok())
            .map(Some)
            .ok_or_else(|| format!("valore mancante o non valido per {flag}\n{USAGE}")),
    }
}

pub async fn run(args: Vec<String>) -> Result<i32, String> {
    let config = Config::from_env().map_err(|e| e.to_string())?;
    let clock = SystemClock;
    if let Some(n) = value::<usize>(&args, "--demo")? {
        let out = args.last().filter(|a| a.ends_with(".jsonl")).ok_or(USAGE)?;
        let spec = DemoSpec {
            persons: n,
            seed: value(&args, "--seed")?.unwrap_or(DEFAULT_SEED),
            today: value(&args, "--date")?.unwrap_or_else(|| clock.today()),
            municipality: config.municipality.clone(),
        };
        let records = generate(&spec);
        let file = std::fs::File::create(out).map_err(|e| format!("{out}: {e}"))?;
        write_jsonl(&records, std::io::BufWriter::new(file)).map_err(|e| format!("{out}: {e}"))?;
        eprintln!("Scritti {} record in {out}", records.len());
        return Ok(0);
    }
    let [file] = args.as_slice() else {
        return Err(USAGE.into());
    };
    let reader = std::fs::File::open(file).map_err(|e| format!("{file}: {e}"))?;
    let state = AppState::local(config, Arc::new(clock)).map_err(|e| e.to_string())?;
    let report = shared::services::import::import(state.store.as_ref(), BufReader::new(reader))
        .await
        .map_err(|e| e.to_string())?;
    println!("{report}");
    Ok(if report.errors.is_empty() { 0 } else { 2 })
}

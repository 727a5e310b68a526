//! Command line of the import function.
//!
//! ```text
//! import FILE.jsonl                      load an export into DATA_DIR (default ./data), or
//!                                        into the table when the cloud settings are set
//! ```
//! Exit status: 0 all lines loaded, 2 some lines rejected (see the report), 1 failure.
//! (The demo municipality's export is written by the local runner's `demo-export`.)

use std::io::BufReader;
use std::sync::Arc;

use shared::adapters::clock::SystemClock;
use shared::config::Config;
use shared::web::AppState;

const USAGE: &str = "uso: import FILE.jsonl";

pub async fn run(args: Vec<String>) -> Result<i32, String> {
    let config = Config::from_env().map_err(|e| e.to_string())?;
    let [file] = args.as_slice() else {
        return Err(USAGE.into());
    };
    let reader = std::fs::File::open(file).map_err(|e| format!("{file}: {e}"))?;
    let state = AppState::from_config(config, Arc::new(SystemClock))
        .await
        .map_err(|e| e.to_string())?;
    let report = shared::services::import::import(&state, BufReader::new(reader))
        .await
        .map_err(|e| e.to_string())?;
    println!("{report}");
    Ok(if report.errors.is_empty() { 0 } else { 2 })
}

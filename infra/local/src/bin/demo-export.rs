//! Writes the demo municipality's registry export (the import format, seeded and
//! deterministic): `cargo run -p anagrafe-local --bin demo-export -- N [--seed S]
//! [--date AAAA-MM-GG] OUT.jsonl`.

use shared::config::Config;
use std::io::Write;

use shared::testkit::demo::{generate_each, DemoSpec, DEFAULT_SEED};

const USAGE: &str = "uso: demo-export N [--seed S] [--date AAAA-MM-GG] OUT.jsonl";

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

fn run(args: &[String]) -> Result<(), String> {
    let config = Config::from_env().map_err(|e| e.to_string())?;
    let n: usize = args.first().and_then(|n| n.parse().ok()).ok_or(USAGE)?;
    let out = args.last().filter(|a| a.ends_with(".jsonl")).ok_or(USAGE)?;
    let spec = DemoSpec {
        persons: n,
        seed: value(args, "--seed")?.unwrap_or(DEFAULT_SEED),
        today: value(args, "--date")?
            .unwrap_or_else(|| shared::domain::italian_date(chrono::Utc::now())),
        municipality: config.municipality,
    };
    let file = std::fs::File::create(out).map_err(|e| format!("{out}: {e}"))?;
    let mut w = std::io::BufWriter::new(file);
    let (mut count, mut failed) = (0usize, None);
    // Streamed: a city-sized export never sits in memory.
    generate_each(&spec, |r| {
        if failed.is_none() {
            let line = serde_json::to_writer(&mut w, &r)
                .map_err(std::io::Error::from)
                .and_then(|()| w.write_all(b"\n"));
            match line {
                Ok(()) => count += 1,
                Err(e) => failed = Some(e),
            }
        }
    });
    if let Some(e) = failed.or_else(|| w.flush().err()) {
        return Err(format!("{out}: {e}"));
    }
    eprintln!("Scritti {count} record in {out}");
    Ok(())
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Err(message) = run(&args) {
        eprintln!("{message}");
        std::process::exit(1);
    }
}

//! Command line of the auth function, for ops.
//!
//! ```text
//! auth sp-keys    create the SP's SAML key and certificate (SPID profile) where the
//!                 configuration says (SAML_KEY_FILE / SAML_CERT_FILE, or DATA_DIR/saml),
//!                 keeping existing ones; prints their paths
//! auth cns-trust TSL-IT.xml trust.pem
//!                 write the CNS trust bundle: the CAs of AgID's trusted list whose
//!                 service type is IdV and whose status is current, not expired; prints
//!                 what went in and what was left out
//! ```
//! Run it with the deployment's settings (MUNICIPALITY_*, PUBLIC_BASE_URL): the certificate
//! names the entity ID, the comune and its codice IPA.

use shared::config::Config;

use crate::sp::Sp;

const USAGE: &str = "uso: auth sp-keys | auth cns-trust <TSL-IT.xml> <bundle.pem>";

pub async fn run(args: Vec<String>) -> Result<i32, String> {
    match args.as_slice() {
        [cmd] if cmd == "sp-keys" => sp_keys(),
        [cmd, tsl, out] if cmd == "cns-trust" => cns_trust(tsl, out),
        _ => Err(USAGE.into()),
    }
}

fn cns_trust(tsl: &str, out: &str) -> Result<i32, String> {
    let text = std::fs::read_to_string(tsl).map_err(|e| format!("{tsl}: {e}"))?;
    let (pem, report) = shared::cns::tsl::bundle(&text, chrono::Utc::now())?;
    for name in &report.included {
        println!("incluso: {name}");
    }
    for (name, why) in &report.skipped {
        println!("escluso: {name} ({why})");
    }
    if report.included.is_empty() {
        return Err("nessuna CA IdV in vigore nella lista: bundle non scritto".into());
    }
    std::fs::write(out, pem).map_err(|e| format!("{out}: {e}"))?;
    println!("{} CA in {out}", report.included.len());
    Ok(0)
}

fn sp_keys() -> Result<i32, String> {
    let mut config = Config::from_env().map_err(|e| e.to_string())?;
    // Created here, on the operator's machine, never by a cloud function.
    config.cloud = None;
    Sp::load(&config).map_err(|e| e.to_string())?;
    let (key, cert) = Sp::key_files(&config);
    println!("{}\n{}", key.display(), cert.display());
    Ok(0)
}

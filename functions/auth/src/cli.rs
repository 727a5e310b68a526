//! Command line of the auth function, for ops.
//!
//! ```text
//! auth sp-keys    create the SP's SAML key and certificate (SPID profile) where the
//!                 configuration says (SAML_KEY_FILE / SAML_CERT_FILE, or DATA_DIR/saml),
//!                 keeping existing ones; prints their paths
//! ```
//! Run it with the deployment's settings (MUNICIPALITY_*, PUBLIC_BASE_URL): the certificate
//! names the entity ID, the comune and its codice IPA.

use shared::config::Config;

use crate::sp::Sp;

const USAGE: &str = "uso: auth sp-keys";

pub async fn run(args: Vec<String>) -> Result<i32, String> {
    if args != ["sp-keys"] {
        return Err(USAGE.into());
    }
    let mut config = Config::from_env().map_err(|e| e.to_string())?;
    // Created here, on the operator's machine, never by a cloud function.
    config.cloud = None;
    Sp::load(&config).map_err(|e| e.to_string())?;
    let (key, cert) = Sp::key_files(&config);
    println!("{}\n{}", key.display(), cert.display());
    Ok(0)
}

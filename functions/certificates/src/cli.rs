//! Command line of the certificates function, for ops: the seal key's paperwork, signed by the
//! KMS key itself (`KMS_KEY_ID`, credentials and region from the usual AWS environment).
//!
//! ```text
//! certificates seal-csr                   print the PKCS#10 request for the seal certificate
//! certificates seal-self-signed [DAYS]    print a self-issued certificate (tests, first deploy)
//! ```
//! The subject is the seal's: "Comune di <MUNICIPALITY_NAME> - Servizi Demografici".

use shared::adapters::kms::KmsSigner;
use shared::config::Config;
use shared::seal;

const USAGE: &str = "uso: certificates seal-csr | certificates seal-self-signed [GIORNI]";

pub async fn run(args: Vec<String>) -> Result<i32, String> {
    let config = Config::from_env().map_err(|e| e.to_string())?;
    let municipality = format!("Comune di {}", config.municipality.name);
    let key_id = std::env::var("KMS_KEY_ID")
        .ok()
        .filter(|k| !k.is_empty())
        .ok_or("KMS_KEY_ID mancante: l'identificativo o l'alias della chiave KMS del sigillo")?;
    let pem = match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        ["seal-csr"] => {
            let signer = KmsSigner::connect(&key_id).await;
            let csr = seal::certificate_request(&signer, &municipality)
                .await
                .map_err(|e| e.to_string())?;
            seal::to_pem("CERTIFICATE REQUEST", &csr)
        }
        ["seal-self-signed", ref rest @ ..] if rest.len() <= 1 => {
            let days: u64 = match rest.first() {
                None => 365,
                Some(d) => d
                    .parse()
                    .ok()
                    .filter(|d| (1..=3650).contains(d))
                    .ok_or(format!("giorni non validi: {d} (da 1 a 3650)\n{USAGE}"))?,
            };
            let signer = KmsSigner::connect(&key_id).await;
            let cert = seal::self_issued_certificate(
                &signer,
                &municipality,
                std::time::Duration::from_secs(days * 86_400),
            )
            .await
            .map_err(|e| e.to_string())?;
            seal::to_pem("CERTIFICATE", &cert)
        }
        _ => return Err(USAGE.into()),
    }
    .map_err(|e| e.to_string())?;
    print!("{pem}");
    Ok(0)
}

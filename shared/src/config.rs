//! Settings, from the environment, with embedded defaults for the local portal.

use std::path::PathBuf;

#[derive(Debug, Clone)]
pub struct Municipality {
    /// "Valdemo": printed as "Comune di Valdemo".
    pub name: String,
    pub province: String,
    /// Cadastral (Belfiore) code of the comune.
    pub code: String,
    pub cap: String,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub data_dir: PathBuf,
    pub port: u16,
    /// Base of the links printed on certificates, without a trailing slash.
    pub public_base_url: String,
    pub municipality: Municipality,
    pub mail_from: String,
    pub welcome_message: String,
    /// Persons in the generated demo population (seeded on first local start).
    pub demo_population: usize,
    /// Codici fiscali of operators (counter staff).
    pub operators: Vec<String>,
    /// The catalogue of certificates and usi; the embedded one when absent.
    pub catalog_file: Option<PathBuf>,
}

fn var(name: &str, default: &str) -> String {
    std::env::var(name)
        .ok()
        .filter(|v| !v.trim().is_empty())
        .unwrap_or_else(|| default.to_string())
}

/// A setting that cannot be used, named so the operator can fix it.
#[derive(Debug, thiserror::Error)]
#[error("invalid setting {name}: {reason}")]
pub struct ConfigError {
    pub name: &'static str,
    pub reason: String,
}

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        let port = var("PORT", "8080").parse().map_err(|e| ConfigError {
            name: "PORT",
            reason: format!("{e}"),
        })?;
        let demo_population = var("DEMO_POPULATION", "200")
            .parse()
            .map_err(|e| ConfigError {
                name: "DEMO_POPULATION",
                reason: format!("{e}"),
            })?;
        let public_base_url = var("PUBLIC_BASE_URL", &format!("http://127.0.0.1:{port}"))
            .trim_end_matches('/')
            .to_string();
        Ok(Config {
            data_dir: PathBuf::from(var("DATA_DIR", "./data")),
            port,
            public_base_url,
            municipality: Municipality {
                name: var("MUNICIPALITY_NAME", "Valdemo"),
                province: var("MUNICIPALITY_PROVINCE", "SI"),
                code: var("MUNICIPALITY_CODE", "X000"),
                cap: var("MUNICIPALITY_CAP", "53100"),
            },
            mail_from: var("MAIL_FROM", "Servizi Demografici <anagrafe@comune.example>"),
            welcome_message: var(
                "WELCOME_MESSAGE",
                "Benvenuto nei Servizi Demografici online: consulta la tua scheda di famiglia, \
                 scarica certificati con timbro digitale e autocertificazioni precompilate.",
            ),
            demo_population,
            operators: var("OPERATORS", "")
                .split(',')
                .map(|s| s.trim().to_ascii_uppercase())
                .filter(|s| !s.is_empty())
                .collect(),
            catalog_file: std::env::var_os("CATALOG_FILE")
                .filter(|v| !v.is_empty())
                .map(PathBuf::from),
        })
    }

    /// A configuration for tests: everything under `data_dir`.
    pub fn for_tests(data_dir: PathBuf) -> Self {
        Config {
            data_dir,
            port: 0,
            public_base_url: "http://127.0.0.1:8080".into(),
            municipality: Municipality {
                name: "Valdemo".into(),
                province: "SI".into(),
                code: "X000".into(),
                cap: "53100".into(),
            },
            mail_from: "Servizi Demografici <anagrafe@comune.example>".into(),
            welcome_message: "Benvenuto".into(),
            demo_population: 60,
            operators: vec![],
            catalog_file: None,
        }
    }
}

//! Settings, from the environment, with embedded defaults for the local portal.

use std::path::PathBuf;

#[derive(Debug, Clone)]
pub struct Municipality {
    /// "Valdemo": printed as "Comune di Valdemo".
    pub name: String,
    /// The province's abbreviation ("SI").
    pub province: String,
    /// Cadastral (Belfiore) code of the comune.
    pub code: String,
    pub cap: String,
    /// How the header names the province ("Provincia di Siena", "Città metropolitana di
    /// Firenze"): `MUNICIPALITY_PROVINCE_LABEL`, else from the ISTAT list.
    pub province_label: String,
    /// The town hall's address, PEC, telephone, e-mail and codice fiscale / partita IVA,
    /// for the footer of the site and the privacy notices.
    pub address: String,
    pub pec: String,
    pub phone: String,
    pub email: String,
    pub fiscal_code: String,
}

impl Municipality {
    /// The demo's comune, or one from the environment.
    fn from_env() -> Self {
        let name = var("MUNICIPALITY_NAME", "Valdemo");
        let province = var("MUNICIPALITY_PROVINCE", "SI");
        let cap = var("MUNICIPALITY_CAP", "53100");
        let label = crate::domain::places::province_name(&province)
            .map(|p| format!("Provincia di {p}"))
            .unwrap_or_else(|| format!("Provincia di {province}"));
        Municipality {
            province_label: var("MUNICIPALITY_PROVINCE_LABEL", &label),
            address: var(
                "MUNICIPALITY_ADDRESS",
                &format!("Piazza del Municipio 1, {cap} {name} ({province})"),
            ),
            pec: var("MUNICIPALITY_PEC", "protocollo@pec.comune.example"),
            phone: var("MUNICIPALITY_PHONE", "+39 0577 000000"),
            email: var("MUNICIPALITY_EMAIL", "anagrafe@comune.example"),
            fiscal_code: var("MUNICIPALITY_FISCAL_CODE", "00000000000"),
            code: var("MUNICIPALITY_CODE", "X000"),
            name,
            province,
            cap,
        }
    }
}

/// The data-protection facts of the comune (GDPR art. 13), printed on declarations and
/// shown in the privacy notice of the site.
#[derive(Debug, Clone)]
pub struct Privacy {
    /// Who the data protection officer is and how to reach them.
    pub dpo: String,
    /// How long the comune keeps what it processes for the portal.
    pub retention: String,
}

impl Privacy {
    fn from_env() -> Self {
        Privacy {
            dpo: var("PRIVACY_DPO", "Responsabile della protezione dei dati del Comune, rpd@comune.example"),
            retention: var("PRIVACY_RETENTION", "i dati anagrafici restano nell'anagrafe come prevede la legge; quelli usati per precompilare la dichiarazione non sono conservati dal portale, che registra soltanto l'accesso (per il tempo indicato nell'informativa del sito)"),
        }
    }
}

/// An identity provider the portal trusts: SPID, CIE, a regional one (FedERa), or the demo.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
pub struct IdpEntry {
    /// Short key used in `/saml/login?idp=<key>`.
    pub key: String,
    /// Name shown on the access page.
    pub name: String,
    #[serde(default)]
    pub kind: IdpKind,
    /// Path of the IdP's SAML metadata file.
    pub metadata: std::path::PathBuf,
    /// Logo URL for the access page.
    #[serde(default)]
    pub logo: Option<String>,
}

/// The federation an identity provider belongs to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IdpKind {
    #[default]
    Spid,
    Cie,
    /// A regional federation (e.g. FedERa) speaking the SPID profile.
    Regional,
    /// The demo IdP of the local runner.
    Demo,
}

/// The SAML service provider's identity.
#[derive(Debug, Clone)]
pub struct SamlSettings {
    /// Codice IPA of the municipality (Avviso SPID 29 v3).
    pub ipa_code: String,
    pub contact_email: String,
    pub contact_phone: String,
    pub organization_url: String,
    /// The SPID level requested and required for registry data (2 or 3): a login may ask
    /// for more, never for less.
    pub level: u8,
    /// PEM files of the SP key and certificate; created under DATA_DIR/saml when absent.
    pub key_file: Option<PathBuf>,
    pub cert_file: Option<PathBuf>,
}

/// Where the cloud adapters find their resources (all from the SAM stack's outputs).
#[derive(Debug, Clone)]
pub struct CloudSettings {
    pub table: String,
    pub bucket: String,
    pub kms_key_id: String,
    /// PEM chain of the KMS key's certificate (seal certificate first).
    pub certificate_chain_pem: Option<String>,
    pub smtp: SmtpSettings,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub data_dir: PathBuf,
    pub port: u16,
    /// Base of the links printed on certificates, without a trailing slash.
    pub public_base_url: String,
    pub municipality: Municipality,
    pub privacy: Privacy,
    pub mail_from: String,
    pub welcome_message: String,
    /// The comune's accessibility statement (published through AgID's form), linked from
    /// every page's footer.
    pub accessibility_url: String,
    /// Persons in the generated demo population (seeded on first local start).
    pub demo_population: usize,
    /// The local store's page cache in MiB (`STORE_CACHE_MB`): its memory, whatever the
    /// registry's size.
    pub store_cache_mb: usize,
    /// The operators (counter staff): codice fiscale, name and office.
    pub operators: Vec<OperatorInfo>,
    /// Days audit records are kept (`AUDIT_RETENTION_DAYS`).
    pub audit_retention_days: i64,
    /// E-mails a citizen may send through the portal in a day.
    pub mail_daily_limit: u32,
    /// A PNG of the comune's coat of arms (`ARMS_FILE`); locally the demo's placeholder.
    pub arms_file: Option<PathBuf>,
    /// The time-stamping authority of the seals (`TSA_URL`); locally the runner's own.
    pub tsa: Option<TsaSettings>,
    /// The secret header value CloudFront adds to requests for the verify origin: with it,
    /// the viewer's address header is trusted (see the verify function).
    pub origin_secret: Option<String>,
    /// The catalogue of certificates and usi; the embedded one when absent.
    pub catalog_file: Option<PathBuf>,
    /// The catalogue of online services (istanze); the embedded one when absent.
    pub applications_file: Option<PathBuf>,
    /// The comune as a pagoPA creditor (`PAGOPA_*`; demo values locally).
    pub creditor: crate::domain::payments::Creditor,
    /// GPD and Checkout (`PAGOPA_GPD_URL`, `PAGOPA_CHECKOUT_URL`, `PAGOPA_SUBSCRIPTION_KEY`);
    /// without them the portal uses the local pagoPA stand-in.
    pub pagopa: Option<PagoPaEndpoints>,
    pub saml: SamlSettings,
    /// The CNS / TS-CNS login (smart card, TLS client certificate).
    pub cns: crate::cns::CnsSettings,
    /// Trusted identity providers (`IDP_REGISTRY`, a JSON file of `IdpEntry`).
    pub idps: Vec<IdpEntry>,
    /// Cloud adapters instead of the local ones (set when `TABLE_NAME` is).
    pub cloud: Option<CloudSettings>,
}

fn required(name: &'static str) -> Result<String, ConfigError> {
    std::env::var(name)
        .ok()
        .filter(|v| !v.trim().is_empty())
        .ok_or(ConfigError {
            name,
            reason: "required in the cloud".into(),
        })
}

/// pagoPA's GPD and Checkout services: their base URLs (without a trailing slash) and the
/// subscription key of the comune's station.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PagoPaEndpoints {
    pub gpd_url: String,
    pub checkout_url: String,
    pub subscription_key: String,
}

fn creditor_from_env() -> crate::domain::payments::Creditor {
    crate::domain::payments::Creditor {
        fiscal_code: var("PAGOPA_CREDITOR_FISCAL_CODE", "00000000000"),
        company_name: var(
            "PAGOPA_COMPANY_NAME",
            &format!("Comune di {}", var("MUNICIPALITY_NAME", "Valdemo")),
        ),
        segregation_code: var("PAGOPA_SEGREGATION_CODE", "47"),
        iban: var("PAGOPA_IBAN", "IT60X0542811101000000123456"),
        taxonomy: var("PAGOPA_TAXONOMY", "9/0101108TS/"),
    }
}

fn pagopa_from_env() -> Result<Option<PagoPaEndpoints>, ConfigError> {
    let Some(gpd_url) = optional("PAGOPA_GPD_URL") else {
        return Ok(None);
    };
    Ok(Some(PagoPaEndpoints {
        gpd_url: gpd_url.trim_end_matches('/').to_string(),
        checkout_url: required("PAGOPA_CHECKOUT_URL")?
            .trim_end_matches('/')
            .to_string(),
        subscription_key: required("PAGOPA_SUBSCRIPTION_KEY")?,
    }))
}

fn cloud_from_env() -> Result<Option<CloudSettings>, ConfigError> {
    let Ok(table) = std::env::var("TABLE_NAME") else {
        return Ok(None);
    };
    // Empty until the seal key's certificate is issued (see README, "Operations").
    let chain = match std::env::var("SIGNING_CERT_CHAIN")
        .ok()
        .filter(|v| !v.trim().is_empty())
    {
        Some(pem) => Some(pem),
        None => match std::env::var("SIGNING_CERT_CHAIN_FILE")
            .ok()
            .filter(|v| !v.is_empty())
        {
            Some(path) => Some(std::fs::read_to_string(&path).map_err(|e| ConfigError {
                name: "SIGNING_CERT_CHAIN_FILE",
                reason: format!("{path}: {e}"),
            })?),
            None => None,
        },
    };
    Ok(Some(CloudSettings {
        table,
        bucket: required("ARCHIVE_BUCKET")?,
        kms_key_id: required("KMS_KEY_ID")?,
        certificate_chain_pem: chain,
        smtp: SmtpSettings {
            host: required("SMTP_HOST")?,
            port: var("SMTP_PORT", "587").parse().map_err(|e| ConfigError {
                name: "SMTP_PORT",
                reason: format!("{e}"),
            })?,
            username: std::env::var("SMTP_USERNAME")
                .ok()
                .filter(|v| !v.is_empty()),
            password: std::env::var("SMTP_PASSWORD")
                .ok()
                .filter(|v| !v.is_empty()),
            starttls: var("SMTP_STARTTLS", "true") != "false",
        },
    }))
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

/// A setting parsed from its text, or the default.
fn parsed<T: std::str::FromStr>(name: &'static str, default: &str) -> Result<T, ConfigError>
where
    T::Err: std::fmt::Display,
{
    var(name, default).parse().map_err(|e| ConfigError {
        name,
        reason: format!("{e}"),
    })
}

/// An optional setting: unset or empty is `None`.
/// A setting from the environment, absent when unset or blank.
pub(crate) fn optional(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn path(name: &str) -> Option<PathBuf> {
    std::env::var_os(name)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

fn saml_from_env() -> Result<SamlSettings, ConfigError> {
    Ok(SamlSettings {
        ipa_code: var("MUNICIPALITY_IPA", "c_x000"),
        contact_email: var("CONTACT_EMAIL", "protocollo@comune.example"),
        contact_phone: var("CONTACT_PHONE", "+390000000000"),
        organization_url: var("ORGANIZATION_URL", "https://www.comune.example"),
        level: var("SPID_LEVEL", "2")
            .parse()
            .ok()
            .filter(|l| (2..=3).contains(l))
            .ok_or(ConfigError {
                name: "SPID_LEVEL",
                reason: "must be 2 or 3 (registry data need SpidL2 at least)".into(),
            })?,
        key_file: path("SAML_KEY_FILE"),
        cert_file: path("SAML_CERT_FILE"),
    })
}

fn idps_from_env() -> Result<Vec<IdpEntry>, ConfigError> {
    let Some(path) = path("IDP_REGISTRY") else {
        return Ok(Vec::new());
    };
    let bad = |reason: String| ConfigError {
        name: "IDP_REGISTRY",
        reason,
    };
    let text =
        std::fs::read_to_string(&path).map_err(|e| bad(format!("{}: {e}", path.display())))?;
    serde_json::from_str(&text).map_err(|e| bad(e.to_string()))
}

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        let port = parsed("PORT", "8080")?;
        let public_base_url = var("PUBLIC_BASE_URL", &format!("http://127.0.0.1:{port}"))
            .trim_end_matches('/')
            .to_string();
        let data_dir = PathBuf::from(var("DATA_DIR", "./data"));
        let cns = crate::cns::CnsSettings::from_env(&data_dir).map_err(|reason| ConfigError {
            name: "CNS_*",
            reason,
        })?;
        Ok(Config {
            data_dir,
            cns,
            port,
            public_base_url,
            municipality: Municipality::from_env(),
            privacy: Privacy::from_env(),
            mail_from: var("MAIL_FROM", "Servizi Demografici <anagrafe@comune.example>"),
            accessibility_url: var("ACCESSIBILITY_URL", "/accessibilita.html"),
            welcome_message: var(
                "WELCOME_MESSAGE",
                "Benvenuto nei Servizi Demografici online: consulta la tua scheda di famiglia, \
                 scarica certificati con timbro digitale e autocertificazioni precompilate.",
            ),
            demo_population: parsed("DEMO_POPULATION", "200")?,
            store_cache_mb: parsed("STORE_CACHE_MB", "256")?,
            origin_secret: optional("ORIGIN_SECRET"),
            arms_file: path("ARMS_FILE"),
            tsa: optional("TSA_URL").map(|url| TsaSettings {
                url,
                username: optional("TSA_USERNAME"),
                password: optional("TSA_PASSWORD"),
            }),
            mail_daily_limit: parsed("MAIL_DAILY_LIMIT", "10")?,
            operators: operators(&var("OPERATORS", "")),
            audit_retention_days: parsed("AUDIT_RETENTION_DAYS", "1825")?,
            catalog_file: path("CATALOG_FILE"),
            applications_file: path("APPLICATIONS_FILE"),
            creditor: creditor_from_env(),
            pagopa: pagopa_from_env()?,
            saml: saml_from_env()?,
            cloud: cloud_from_env()?,
            idps: idps_from_env()?,
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
                province_label: "Provincia di Siena".into(),
                address: "Piazza del Municipio 1, 53100 Valdemo (SI)".into(),
                pec: "protocollo@pec.comune.example".into(),
                phone: "+39 0577 000000".into(),
                email: "anagrafe@comune.example".into(),
                fiscal_code: "00000000000".into(),
            },
            privacy: Privacy {
                dpo: "Responsabile della protezione dei dati del Comune, rpd@comune.example".into(),
                retention:
                    "i dati usati per precompilare la dichiarazione non sono conservati dal portale"
                        .into(),
            },
            mail_from: "Servizi Demografici <anagrafe@comune.example>".into(),
            welcome_message: "Benvenuto".into(),
            accessibility_url: "/accessibilita.html".into(),
            demo_population: 60,
            store_cache_mb: 64,
            operators: vec![],
            audit_retention_days: 1825,
            mail_daily_limit: 10,
            origin_secret: None,
            arms_file: None,
            tsa: None,
            catalog_file: None,
            applications_file: None,
            creditor: creditor_from_env(),
            pagopa: None,
            saml: SamlSettings {
                ipa_code: "c_x000".into(),
                contact_email: "protocollo@comune.example".into(),
                contact_phone: "+390000000000".into(),
                organization_url: "https://www.comune.example".into(),
                level: 2,
                key_file: None,
                cert_file: None,
            },
            cns: crate::cns::CnsSettings::off(),
            idps: vec![],
            cloud: None,
        }
    }
}

/// An operator of the registry office, as the access logs name them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperatorInfo {
    pub codice_fiscale: String,
    pub name: Option<String>,
    pub office: Option<String>,
}

/// `OPERATORS`: comma-separated entries `CODICEFISCALE[:Nome Cognome[:Ufficio]]`.
pub fn operators(raw: &str) -> Vec<OperatorInfo> {
    raw.split(',')
        .filter_map(|entry| {
            let mut parts = entry.split(':').map(str::trim);
            let cf = parts.next()?.to_ascii_uppercase();
            let text = |p: Option<&str>| p.filter(|s| !s.is_empty()).map(str::to_string);
            (!cf.is_empty()).then(|| OperatorInfo {
                codice_fiscale: cf,
                name: text(parts.next()),
                office: text(parts.next()),
            })
        })
        .collect()
}

impl Config {
    /// The operator with this codice fiscale, if any.
    pub fn operator(&self, cf: &str) -> Option<&OperatorInfo> {
        self.operators.iter().find(|o| o.codice_fiscale == cf)
    }
}

/// The SMTP server of the cloud (SES): `SMTP_HOST` and the rest.
#[derive(Debug, Clone)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub username: Option<String>,
    pub password: Option<String>,
    /// STARTTLS (true, the default) or plain SMTP (only for a local test server).
    pub starttls: bool,
}

/// A time-stamping authority over HTTP (`TSA_URL`, optional basic credentials).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TsaSettings {
    pub url: String,
    pub username: Option<String>,
    pub password: Option<String>,
}

//! The CNS login's settings: where the trust bundle is, which policies make a CNS, what a
//! revocation status that cannot be learnt means, the level the login counts as, the host.

use std::path::{Path, PathBuf};

use super::{RevocationPolicy, CNS_POLICY};

/// The Lombardy CRS/SISS cards' policies, declared equivalent to the CNS.
const EQUIVALENT_POLICIES: [&str; 2] = ["1.3.159.6.1.3.2.10", "1.3.76.12.1.1.10.2.2.10"];

#[derive(Debug, Clone)]
pub struct CnsSettings {
    /// The PEM bundle of the CAs (`CNS_TRUST_BUNDLE`; locally `DATA_DIR/cns/trust.pem` when
    /// present). Without one the CNS login is off.
    pub trust_bundle: Option<PathBuf>,
    /// Accepted certificate policy OIDs (`CNS_POLICIES`, comma-separated).
    pub policies: Vec<String>,
    /// `CNS_REVOCATION`: `fail-closed` (default) or `fail-open`.
    pub revocation: RevocationPolicy,
    /// The level a CNS login counts as (`CNS_LEVEL`, 2 or 3; default 2).
    pub level: u8,
    /// The base address of the login host that asks for the card (`CNS_BASE_URL`; locally the
    /// runner's TLS listener).
    pub base_url: String,
    /// The local runner's TLS listener port (`CNS_PORT`, default 8443; 0: none).
    pub port: u16,
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

impl CnsSettings {
    pub fn from_env(data_dir: &Path) -> Result<Self, String> {
        let port = env("CNS_PORT")
            .map(|p| {
                p.parse::<u16>()
                    .map_err(|_| "CNS_PORT: not a port".to_string())
            })
            .transpose()?
            .unwrap_or(8443);
        let local = data_dir.join("cns/trust.pem");
        let policies = match env("CNS_POLICIES") {
            Some(list) => list.split(',').map(|p| p.trim().to_string()).collect(),
            None => Self::default_policies(),
        };
        let revocation = match env("CNS_REVOCATION").as_deref() {
            None | Some("fail-closed") => RevocationPolicy::FailClosed,
            Some("fail-open") => RevocationPolicy::FailOpen,
            Some(_) => return Err("CNS_REVOCATION: fail-closed or fail-open".into()),
        };
        let level = match env("CNS_LEVEL").as_deref() {
            None | Some("2") => 2,
            Some("3") => 3,
            Some(_) => return Err("CNS_LEVEL: 2 or 3".into()),
        };
        Ok(CnsSettings {
            trust_bundle: env("CNS_TRUST_BUNDLE")
                .map(PathBuf::from)
                .or_else(|| local.exists().then_some(local)),
            policies,
            revocation,
            level,
            base_url: env("CNS_BASE_URL")
                .unwrap_or_else(|| format!("https://127.0.0.1:{port}"))
                .trim_end_matches('/')
                .to_string(),
            port,
        })
    }

    pub fn default_policies() -> Vec<String> {
        std::iter::once(CNS_POLICY)
            .chain(EQUIVALENT_POLICIES)
            .map(String::from)
            .collect()
    }

    /// Off: no bundle, no listener (tests turn it on).
    pub fn off() -> Self {
        CnsSettings {
            trust_bundle: None,
            policies: Self::default_policies(),
            revocation: RevocationPolicy::FailClosed,
            level: 2,
            base_url: String::new(),
            port: 0,
        }
    }
}

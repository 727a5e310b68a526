//! AgID's trusted list (ETSI TS 119 612, `TSL-IT.xml`) to the PEM bundle of the CAs that
//! issue CNS cards: the services of type IdV whose status is current, certificates not expired.

use base64::Engine;
use chrono::{DateTime, Utc};
use der::Decode;
use x509_cert::Certificate;

use crate::xml::{self, Limits};

/// The service type of the CAs that issue identification (CNS) certificates.
pub const IDV: &str = "http://uri.etsi.org/TrstSvc/Svctype/IdV";
const STATUS: &str = "http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/";
/// The statuses under which a service is in force.
const CURRENT: [&str; 4] = [
    "granted",
    "recognisedatnationallevel",
    "accredited",
    "undersupervision",
];

/// A national trusted list is a few MB: bounded like any outside XML before it is parsed.
pub const TRUSTED_LIST: Limits = Limits {
    max_bytes: 32 * 1024 * 1024,
    max_depth: 32,
    max_tokens: 2_000_000,
};

/// What went into the bundle and what was left out, and why.
#[derive(Debug, Default)]
pub struct Report {
    pub included: Vec<String>,
    pub skipped: Vec<(String, &'static str)>,
}

/// The PEM bundle of the trusted list's current IdV CAs valid at `now`.
pub fn bundle(tsl: &str, now: DateTime<Utc>) -> Result<(String, Report), String> {
    let doc = xml::parse(tsl, &TRUSTED_LIST).map_err(|e| format!("lista non leggibile: {e}"))?;
    let mut pem = String::new();
    let mut report = Report::default();
    for info in doc
        .descendants()
        .filter(|n| n.has_tag_name("ServiceInformation"))
    {
        let text = |tag: &str| {
            info.descendants()
                .find(|n| n.has_tag_name(tag))
                .and_then(|n| n.text())
                .map(str::trim)
                .unwrap_or_default()
        };
        let name = info
            .descendants()
            .find(|n| n.has_tag_name("ServiceName"))
            .and_then(|s| s.children().find(|n| n.has_tag_name("Name")))
            .and_then(|n| n.text())
            .unwrap_or("servizio senza nome")
            .trim()
            .to_string();
        if text("ServiceTypeIdentifier") != IDV {
            report.skipped.push((name, "non è un servizio IdV"));
            continue;
        }
        let status = text("ServiceStatus");
        if !CURRENT.iter().any(|s| status == format!("{STATUS}{s}")) {
            report.skipped.push((name, "stato non in vigore"));
            continue;
        }
        for cert in info
            .descendants()
            .filter(|n| n.has_tag_name("X509Certificate"))
        {
            let b64: String = cert.text().unwrap_or_default().split_whitespace().collect();
            let Ok(der) = base64::engine::general_purpose::STANDARD.decode(&b64) else {
                report
                    .skipped
                    .push((name.clone(), "certificato non in base64"));
                continue;
            };
            match expiry(&der) {
                None => report
                    .skipped
                    .push((name.clone(), "certificato illeggibile")),
                Some(until) if until < now => {
                    report.skipped.push((name.clone(), "certificato scaduto"))
                }
                Some(_) => {
                    pem.push_str(&format!("# {name}\n{}", to_pem(&der)?));
                    report.included.push(name.clone());
                }
            }
        }
    }
    Ok((pem, report))
}

fn expiry(der: &[u8]) -> Option<DateTime<Utc>> {
    let cert = Certificate::from_der(der).ok()?;
    let after = cert.tbs_certificate.validity.not_after.to_unix_duration();
    DateTime::from_timestamp(after.as_secs() as i64, 0)
}

fn to_pem(der: &[u8]) -> Result<String, String> {
    der::pem::encode_string("CERTIFICATE", der::pem::LineEnding::LF, der).map_err(|e| e.to_string())
}

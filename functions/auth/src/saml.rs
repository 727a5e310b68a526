//! The SAML side of a login: the identity providers the portal trusts (from their
//! metadata), the signed AuthnRequest, and the verification of their answer into what the
//! login use case needs.

use chrono::{DateTime, Utc};
use samael::crypto::CertificateDer;
use samael::metadata::EntityDescriptor;
use samael::service_provider::ServiceProviderBuilder;

use base64::{engine::general_purpose::STANDARD as B64, Engine as _};
use shared::config::IdpEntry;
use shared::services::login::{Asserted, Pending};
use shared::web::AppState;
use shared::xml;

use crate::sp::{Error, Sp, REDIRECT};
use crate::{checks, shape};

/// The largest ACS body accepted: real SPID/CIE responses are 8–19 KB in base64.
pub const ACS_LIMIT: usize = 64 * 1024;

/// A trusted identity provider, from its metadata.
pub struct Idp {
    pub entry: IdpEntry,
    pub entity_id: String,
    pub sso_redirect: String,
    pub certs: Vec<CertificateDer>,
}

/// The SP and the identity providers it trusts.
pub struct Saml {
    pub sp: Sp,
    pub idps: Vec<Idp>,
    verifiers: tokio::sync::Semaphore,
}

/// What a verified answer says.
pub enum Answer {
    Asserted(Asserted),
    /// A non-Success status, with its StatusMessage (SPID's "ErrorCode nrNN"), and whether
    /// the identity provider signed it (only then it ends the pending login).
    IdpError {
        message: Option<String>,
        signed: bool,
    },
}

/// At most this many xmlsec verifications run at once.
const VERIFIERS: usize = 2;
/// A verification that takes longer is abandoned (the answer is refused).
const VERIFY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

fn load_idp(sp: &Sp, entry: &IdpEntry) -> Result<Idp, Error> {
    let xml = std::fs::read_to_string(&entry.metadata)
        .map_err(|e| format!("{}: {e}", entry.metadata.display()))?;
    xml::scan(&xml, &xml::METADATA).map_err(|e| format!("{}: {e}", entry.metadata.display()))?;
    let md: EntityDescriptor = xml
        .parse()
        .map_err(|e| format!("{}: {e}", entry.metadata.display()))?;
    let entity_id = md.entity_id.clone().unwrap_or_default();
    let built = ServiceProviderBuilder::default()
        .entity_id(sp.entity_id.clone())
        .acs_url(sp.acs.clone())
        .idp_metadata(md)
        .build()
        .map_err(|e| format!("{}: {e}", entry.key))?;
    // Without signing certificates nothing could be verified: refuse the IdP.
    let certs = built
        .idp_signing_certs()
        .map_err(|e| e.to_string())?
        .filter(|c| !c.is_empty())
        .ok_or_else(|| format!("{}: no signing certificate in the metadata", entry.key))?;
    let sso_redirect = built
        .sso_binding_location(REDIRECT)
        .ok_or_else(|| format!("{}: no HTTP-Redirect SSO", entry.key))?;
    Ok(Idp {
        entry: entry.clone(),
        entity_id,
        sso_redirect,
        certs,
    })
}

impl Saml {
    pub fn load(app: &AppState) -> Result<Saml, Error> {
        let sp = Sp::load(&app.config)?;
        let idps = app
            .config
            .idps
            .iter()
            .map(|entry| load_idp(&sp, entry))
            .collect::<Result<_, _>>()?;
        crate::lockdown::lock_down_xmlsec()?;
        Ok(Saml {
            sp,
            idps,
            verifiers: tokio::sync::Semaphore::new(VERIFIERS),
        })
    }

    pub fn idp(&self, key: &str) -> Option<&Idp> {
        self.idps.iter().find(|i| i.entry.key == key)
    }

    /// The signed HTTP-Redirect URL of the AuthnRequest of a pending login.
    pub fn redirect(&self, idp: &Idp, pending: &Pending, relay: &str) -> Option<String> {
        let req = self.sp.authn_request(
            &pending.request_id,
            pending.issued_at,
            &idp.sso_redirect,
            pending.level,
            self.sp.entity_for(idp.entry.kind),
        );
        req.signed_redirect(relay, &self.sp.keys.key)
            .ok()
            .flatten()
            .map(|u| u.to_string())
    }

    /// Verifies the identity provider's answer to `pending` (base64 as posted); the error is
    /// the reason, for the log only. The document is bounded and its signatures' shape
    /// checked before xmlsec sees it; xmlsec runs on the blocking pool, a few at a time,
    /// within a time bound.
    pub async fn verify(
        &self,
        pending: &Pending,
        b64: &str,
        now: DateTime<Utc>,
    ) -> Result<Answer, String> {
        let idp = self.idp(&pending.idp).ok_or("unknown idp")?;
        let xml = decode(b64)?;
        let doc = xml::parse(&xml, &xml::SAML_RESPONSE).map_err(|e| e.to_string())?;
        shape::check(&doc)?;
        if let Some((_, message)) = checks::status_message(&doc) {
            // An error answer ends the pending login only when the IdP signed it.
            let signed = shape::is_signed(&doc) && {
                let (xml, certs) = (xml.clone(), idp.certs.clone());
                self.off_the_workers(move || Ok(checks::response_signed_by(&xml, &certs)))
                    .await?
            };
            return Ok(Answer::IdpError { message, signed });
        }
        if !shape::is_signed(&doc) {
            return Err("unsigned Response".into());
        }
        let expected = Owned {
            request_id: pending.request_id.clone(),
            request_instant: pending.issued_at,
            level: pending.level,
            sp_entity_id: self.sp.entity_for(idp.entry.kind).to_string(),
            acs: self.sp.acs.clone(),
            idp_entity_id: idp.entity_id.clone(),
            now,
        };
        let certs = idp.certs.clone();
        let v = self
            .off_the_workers(move || {
                let doc = xml::parse(&xml, &xml::SAML_RESPONSE).map_err(|e| e.to_string())?;
                checks::verify(&xml, &doc, &certs, &expected.borrowed())
            })
            .await?;
        let attr = |name: &str| v.attributes.get(name).cloned();
        Ok(Answer::Asserted(Asserted {
            assertion_id: v.assertion_id.clone(),
            valid_until: v.not_on_or_after,
            level: v.level,
            fiscal_number: attr("fiscalNumber").unwrap_or_default(),
            email: attr("email"),
            pec: attr("digitalAddress"),
        }))
    }

    /// Runs xmlsec work on the blocking pool, at most `VERIFIERS` at a time, within
    /// `VERIFY_TIMEOUT`: the async workers never wait on it.
    async fn off_the_workers<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> Result<T, String> + Send + 'static,
    ) -> Result<T, String> {
        let _permit = self
            .verifiers
            .acquire()
            .await
            .map_err(|_| "verifier closed")?;
        let job = tokio::task::spawn_blocking(work);
        match tokio::time::timeout(VERIFY_TIMEOUT, job).await {
            Ok(Ok(result)) => result,
            Ok(Err(_)) => Err("verification panicked".into()),
            Err(_) => Err("verification timed out".into()),
        }
    }
}

/// What `checks::Expected` borrows, owned, to cross into the blocking pool.
struct Owned {
    request_id: String,
    request_instant: DateTime<Utc>,
    level: u8,
    sp_entity_id: String,
    acs: String,
    idp_entity_id: String,
    now: DateTime<Utc>,
}

impl Owned {
    fn borrowed(&self) -> checks::Expected<'_> {
        checks::Expected {
            request_id: &self.request_id,
            request_instant: self.request_instant,
            level: self.level,
            sp_entity_id: &self.sp_entity_id,
            acs: &self.acs,
            idp_entity_id: &self.idp_entity_id,
            now: self.now,
        }
    }
}

/// The XML of a posted SAMLResponse: base64 of UTF-8, within the response's size bound.
fn decode(b64: &str) -> Result<String, String> {
    let compact: String = b64.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    if compact.len() > xml::SAML_RESPONSE.max_bytes * 4 / 3 + 4 {
        return Err("SAMLResponse too large".into());
    }
    let bytes = B64.decode(compact).map_err(|_| "SAMLResponse not base64")?;
    String::from_utf8(bytes).map_err(|_| "SAMLResponse not UTF-8".into())
}

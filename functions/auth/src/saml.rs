//! The SAML side of a login: the identity providers the portal trusts (from their
//! metadata), the signed AuthnRequest, and the verification of their answer into what the
//! login use case needs.

use chrono::{DateTime, Utc};
use samael::crypto::CertificateDer;
use samael::metadata::EntityDescriptor;
use samael::service_provider::ServiceProviderBuilder;

use shared::config::IdpEntry;
use shared::services::login::{Asserted, Pending};
use shared::web::AppState;

use crate::checks;
use crate::sp::{Error, Sp, REDIRECT};

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
}

/// What a verified answer says.
pub enum Answer {
    Asserted(Asserted),
    /// A non-Success status, with its StatusMessage (SPID's "ErrorCode nrNN").
    IdpError(Option<String>),
}

fn load_idp(sp: &Sp, entry: &IdpEntry) -> Result<Idp, Error> {
    let xml = std::fs::read_to_string(&entry.metadata)
        .map_err(|e| format!("{}: {e}", entry.metadata.display()))?;
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
        Ok(Saml { sp, idps })
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
        );
        req.signed_redirect(relay, &self.sp.keys.key)
            .ok()
            .flatten()
            .map(|u| u.to_string())
    }

    /// Verifies the identity provider's answer to `pending`; the error is the reason (for
    /// the log only).
    pub fn verify(
        &self,
        pending: &Pending,
        b64: &str,
        now: DateTime<Utc>,
    ) -> Result<Answer, String> {
        let idp = self.idp(&pending.idp).ok_or("unknown idp")?;
        // A non-Success status (SPID error codes) comes unsigned: read it only to choose
        // the message.
        if let Some(xml) = checks::base64_xml(b64) {
            if let Some((_, message)) = checks::status_message(&xml) {
                return Ok(Answer::IdpError(message));
            }
        }
        let expected = checks::Expected {
            request_id: &pending.request_id,
            request_instant: pending.issued_at,
            level: pending.level,
            sp_entity_id: &self.sp.entity_id,
            acs: &self.sp.acs,
            idp_entity_id: &idp.entity_id,
            now,
        };
        let v = checks::verify(b64, &idp.certs, &expected)?;
        let attr = |name: &str| v.attributes.get(name).cloned();
        Ok(Answer::Asserted(Asserted {
            assertion_id: v.assertion_id,
            valid_until: v.not_on_or_after,
            level: v.level,
            fiscal_number: attr("fiscalNumber").unwrap_or_default(),
            email: attr("email"),
            pec: attr("digitalAddress"),
        }))
    }
}

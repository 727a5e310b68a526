//! The TLS client certificate a request came with, as its edge says — and only an edge that
//! provably handled the request: the local runner's TLS listener (which puts the peer's
//! certificate in the request) or CloudFront's viewer mTLS (the `CloudFront-Viewer-Cert-Pem`
//! header), trusted only with the secret origin header only the distribution sets.

use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;
use subtle::ConstantTimeEq;

use crate::app::AppState;
use crate::cns::{certificates, MAX_CERTIFICATE_BYTES};

/// The header CloudFront adds to every request to an origin that trusts its viewer headers.
pub const ORIGIN_HEADER: &str = "x-origin-verify";
/// CloudFront's viewer mTLS: the leaf certificate, PEM, URL-encoded.
const VIEWER_CERT_HEADER: &str = "cloudfront-viewer-cert-pem";

/// The peer certificate (DER) of a connection of the local TLS listener, set by it.
#[derive(Debug, Clone)]
pub struct PeerCertificate(pub Option<std::sync::Arc<Vec<u8>>>);

/// True when the request carries the secret origin header (compared in constant time).
pub fn from_edge(parts: &Parts, secret: Option<&str>) -> bool {
    let Some(secret) = secret.filter(|s| !s.is_empty()) else {
        return false;
    };
    parts
        .headers
        .get(ORIGIN_HEADER)
        .is_some_and(|sent| bool::from(sent.as_bytes().ct_eq(secret.as_bytes())))
}

/// The certificate presented (DER), or `None` when there was none or it cannot be read.
pub struct ClientCertificate(pub Option<Vec<u8>>);

fn from_cloudfront(parts: &Parts) -> Option<Vec<u8>> {
    let raw = parts.headers.get(VIEWER_CERT_HEADER)?.as_bytes();
    // URL-encoded PEM: bounded before it is decoded.
    if raw.len() > 3 * 2 * MAX_CERTIFICATE_BYTES {
        return None;
    }
    let pem = percent_encoding::percent_decode(raw).decode_utf8().ok()?;
    certificates(&pem)
        .ok()?
        .into_iter()
        .next()
        .map(|c| c.to_vec())
}

impl<S> FromRequestParts<S> for ClientCertificate
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        if let Some(PeerCertificate(cert)) = parts.extensions.get::<PeerCertificate>() {
            return Ok(ClientCertificate(cert.as_ref().map(|c| c.to_vec())));
        }
        let app = AppState::from_ref(state);
        if from_edge(parts, app.config.origin_secret.as_deref()) {
            return Ok(ClientCertificate(from_cloudfront(parts)));
        }
        Ok(ClientCertificate(None))
    }
}

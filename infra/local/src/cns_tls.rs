//! The local CNS login host: a second listener, HTTPS with the runner's own development
//! certificate, that asks the browser for a client certificate (optional, so that a browser
//! without a card still gets the Italian page) and hands the one presented to the requests as
//! `PeerCertificate`. Any certificate is let through the handshake once its holder has proven
//! the key: the CNS checks are the function's, here as in the cloud.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{ConnectInfo, Request};
use axum::middleware::{self, Next};
use axum::response::IntoResponse;
use axum::serve::{IncomingStream, Listener};
use axum::Router;
use rustls::client::danger::HandshakeSignatureValid;
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, WebPkiSupportedAlgorithms};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{DigitallySignedStruct, DistinguishedName, ServerConfig, SignatureScheme};
use shared::web::PeerCertificate;
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio_rustls::server::TlsStream;
use tokio_rustls::TlsAcceptor;

/// Asks for a card, advertising the trusted CAs, and lets the function judge it.
#[derive(Debug)]
struct AnyCard {
    hints: Vec<DistinguishedName>,
    algorithms: WebPkiSupportedAlgorithms,
}

impl ClientCertVerifier for AnyCard {
    fn offer_client_auth(&self) -> bool {
        true
    }

    fn client_auth_mandatory(&self) -> bool {
        false
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &self.hints
    }

    fn verify_client_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        Ok(ClientCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

/// Connections whose TLS handshake is done (handshakes run concurrently, bounded in time).
pub struct TlsListener {
    ready: mpsc::Receiver<(TlsStream<tokio::net::TcpStream>, SocketAddr)>,
    local: SocketAddr,
}

impl Listener for TlsListener {
    type Io = TlsStream<tokio::net::TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.ready.recv().await {
            Some(conn) => conn,
            // The accepting task ended (its listener failed): nothing more will come.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> std::io::Result<SocketAddr> {
        Ok(self.local)
    }
}

/// The certificate the peer presented on its connection.
#[derive(Clone)]
struct CnsPeer(Option<Arc<Vec<u8>>>);

impl axum::extract::connect_info::Connected<IncomingStream<'_, TlsListener>> for CnsPeer {
    fn connect_info(stream: IncomingStream<'_, TlsListener>) -> Self {
        let (_, conn) = stream.io().get_ref();
        CnsPeer(
            conn.peer_certificates()
                .and_then(|c| c.first())
                .map(|c| Arc::new(c.to_vec())),
        )
    }
}

/// Only the login route is served here, with the certificate of the connection.
async fn with_peer(
    ConnectInfo(peer): ConnectInfo<CnsPeer>,
    mut req: Request,
    next: Next,
) -> axum::response::Response {
    if req.uri().path() != "/cns/login" {
        return axum::http::StatusCode::NOT_FOUND.into_response();
    }
    req.extensions_mut().insert(PeerCertificate(peer.0));
    next.run(req).await
}

/// The CNS login host of the local runner, when the CNS login is configured (a trust
/// bundle) and `CNS_PORT` is not 0; a port already taken only disables it, with a warning.
pub async fn start(state: &shared::web::AppState, router: Router) -> Option<SocketAddr> {
    let settings = &state.config.cns;
    let bundle = settings.trust_bundle.as_ref()?;
    if settings.port == 0 {
        return None;
    }
    let hints = std::fs::read_to_string(bundle)
        .ok()
        .and_then(|pem| shared::cns::TrustBundle::from_pem(&pem).ok())
        .map(|b| b.subjects)
        .unwrap_or_default();
    let bound = TcpListener::bind(("127.0.0.1", settings.port)).await;
    match async { serve(router, &state.config.data_dir, bound?, hints).await }.await {
        Ok(addr) => Some(addr),
        Err(e) => {
            tracing::warn!(error = %e, "CNS login host not started");
            None
        }
    }
}

/// The TLS settings: the development certificate and the client-certificate request.
fn server_config(
    cert_pem: &str,
    key_pem: &str,
    hints: Vec<Vec<u8>>,
) -> anyhow::Result<ServerConfig> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let chain = shared::cns::certificates(cert_pem).map_err(anyhow::Error::msg)?;
    let key = PrivateKeyDer::from_pem_slice(key_pem.as_bytes())?;
    let verifier = AnyCard {
        hints: hints
            .iter()
            .map(|s| DistinguishedName::in_sequence(s))
            .collect(),
        algorithms: provider.signature_verification_algorithms,
    };
    Ok(ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_client_cert_verifier(Arc::new(verifier))
        .with_single_cert(chain, key)?)
}

/// Serves `router`'s CNS login over HTTPS on `tcp` with the client-certificate request.
pub async fn serve(
    router: Router,
    data_dir: &Path,
    tcp: TcpListener,
    hints: Vec<Vec<u8>>,
) -> anyhow::Result<SocketAddr> {
    let (cert, key) = crate::dev_cert::ensure(&data_dir.join("cns"))?;
    let acceptor = TlsAcceptor::from(Arc::new(server_config(&cert, &key, hints)?));
    let local = tcp.local_addr()?;
    let (tx, ready) = mpsc::channel(64);
    tokio::spawn(async move {
        while let Ok((stream, addr)) = tcp.accept().await {
            let (acceptor, tx) = (acceptor.clone(), tx.clone());
            tokio::spawn(async move {
                let handshake =
                    tokio::time::timeout(Duration::from_secs(10), acceptor.accept(stream));
                if let Ok(Ok(tls)) = handshake.await {
                    let _ = tx.send((tls, addr)).await;
                }
            });
        }
    });
    let app = router.layer(middleware::from_fn(with_peer));
    let listener = TlsListener { ready, local };
    tokio::spawn(async move {
        let _ = axum::serve(
            listener,
            app.into_make_service_with_connect_info::<CnsPeer>(),
        )
        .await;
    });
    Ok(local)
}

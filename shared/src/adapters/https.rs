//! The HTTP(S) client of the portal's own calls (pagoPA, a TSA, CRL and OCSP): the connector
//! the AWS SDK already links (hyper and rustls on aws-lc, the system's root certificates), so
//! a function carries one HTTP stack, not a second one beside the SDK's. It follows no
//! redirect (a 302 is an answer: Checkout's payment page is its `Location`), bounds the whole
//! exchange by one deadline and reads at most a given number of bytes of an answer.

use std::time::Duration;

use aws_smithy_async::rt::sleep::TokioSleep;
use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode};
use aws_smithy_http_client::Connector;
use aws_smithy_runtime_api::client::http::{HttpConnector, HttpConnectorSettings};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_types::body::SdkBody;
use http::{HeaderMap, StatusCode};
use http_body_util::BodyExt;
use tokio::time::{timeout_at, Instant};

pub struct Client {
    connector: Connector,
    total: Duration,
}

/// An answer whatever its status; its body is read on demand, within the same deadline.
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    body: SdkBody,
    deadline: Instant,
}

/// A request that did not complete: the reason with its causes ("io error: … Connection
/// refused"), never the address's query or the body.
#[derive(Debug)]
pub struct Failure(pub String);

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl Client {
    /// A client that gives up connecting after `connect` and on the whole exchange (sending,
    /// answer, body) after `total`.
    pub fn new(connect: Duration, total: Duration) -> Self {
        let settings = HttpConnectorSettings::builder()
            .connect_timeout(connect)
            .read_timeout(total)
            .build();
        let connector = Connector::builder()
            .connector_settings(settings)
            .sleep_impl(TokioSleep::new())
            .tls_provider(tls::Provider::Rustls(CryptoMode::AwsLc))
            .build();
        Client { connector, total }
    }

    /// Sends one request; the answer's status and headers, or why there is none.
    pub async fn send(&self, request: http::Request<Vec<u8>>) -> Result<Answer, Failure> {
        let deadline = Instant::now() + self.total;
        let request =
            HttpRequest::try_from(request.map(SdkBody::from)).map_err(|e| Failure(causes(&e)))?;
        let answer = timeout_at(deadline, self.connector.call(request))
            .await
            .map_err(|_| Failure(format!("no answer within {} s", self.total.as_secs())))?
            .map_err(|e| Failure(causes(&e)))?;
        let (parts, body) = answer
            .try_into_http1x()
            .map_err(|e| Failure(causes(&e)))?
            .into_parts();
        Ok(Answer {
            status: parts.status,
            headers: parts.headers,
            body,
            deadline,
        })
    }
}

impl Client {
    /// The body of a successful (2xx) answer to `request`, read up to `limit`; any other
    /// status is a failure naming it.
    pub async fn fetch(
        &self,
        request: http::Request<Vec<u8>>,
        limit: usize,
    ) -> Result<Vec<u8>, Failure> {
        let answer = self.send(request).await?;
        if !answer.status.is_success() {
            return Err(Failure(format!("answered {}", answer.status)));
        }
        answer.body(limit).await
    }
}

impl Answer {
    /// The body, refused beyond `limit` bytes (before reading more than that).
    pub async fn body(self, limit: usize) -> Result<Vec<u8>, Failure> {
        let deadline = self.deadline;
        let limited = http_body_util::Limited::new(self.body, limit);
        let collected = timeout_at(deadline, limited.collect())
            .await
            .map_err(|_| Failure("the answer did not arrive in time".into()))?;
        match collected {
            Ok(body) => Ok(body.to_bytes().to_vec()),
            Err(e) if e.is::<http_body_util::LengthLimitError>() => {
                Err(Failure(format!("answer larger than {limit} bytes")))
            }
            Err(e) => Err(Failure(causes(e.as_ref()))),
        }
    }
}

/// An error with its causes ("io error: … Connection refused").
pub fn causes(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        text = format!("{text}: {cause}");
        source = cause.source();
    }
    text
}

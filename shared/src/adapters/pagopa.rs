//! `Payments` over pagoPA's GPD (Gestione Posizioni Debitorie: the comune's debt positions)
//! and Checkout (the carts that send the citizen to pay), over HTTPS with the station's
//! subscription key. The request bodies and the checks the OpenAPI files leave to the client
//! are in `requests`, the reading of GPD's answers in `answers`; `tests/tests/pagopa.rs` runs
//! every request through Prism, the mock server generated from those files, and fails on any
//! violation it reports.
//!
//! Each call carries a fresh `X-Request-Id`; the log names it, the operation and the answer's
//! status, never the payer.

mod answers;
mod requests;

use std::time::Duration;

use async_trait::async_trait;
use http::header::{HeaderMap, HeaderName, HeaderValue, CONTENT_TYPE, LOCATION};
use http::{Method, StatusCode};
use url::Url;

use super::https;

use crate::config::PagoPaEndpoints;
use crate::domain::payments::Creditor;
use crate::ports::{
    CartItem, DebtPosition, Payments, Port, PortError, PortResult, PositionStatus, ReturnUrls,
};

const SUBSCRIPTION_KEY: &str = "Ocp-Apim-Subscription-Key";
const REQUEST_ID: &str = "x-request-id";
/// The biggest answer read: one position is a few KB.
const ANSWER_LIMIT: usize = 1024 * 1024;

pub struct PagoPaHttp {
    client: https::Client,
    gpd: Url,
    checkout: Url,
    key: HeaderValue,
    creditor: Creditor,
    /// Sent with every request after the others, replacing any of the same name.
    extra: HeaderMap,
}

fn unavailable(detail: impl std::fmt::Display) -> PortError {
    PortError::unavailable(Port::Payments, detail)
}

/// A base URL that path segments can be appended to.
fn base(url: &str, what: &'static str) -> PortResult<Url> {
    Url::parse(url)
        .ok()
        .filter(|u| !u.cannot_be_a_base() && matches!(u.scheme(), "https" | "http"))
        .ok_or(PortError::NotConfigured(what))
}

impl PagoPaHttp {
    pub fn new(endpoints: PagoPaEndpoints, creditor: Creditor) -> PortResult<Self> {
        let mut key = HeaderValue::from_str(endpoints.subscription_key.trim())
            .ok()
            .filter(|k| !k.is_empty())
            .ok_or(PortError::NotConfigured("pagoPA subscription key"))?;
        key.set_sensitive(true);
        if creditor.fiscal_code.len() != 11
            || !creditor.fiscal_code.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(PortError::NotConfigured(
                "pagoPA creditor fiscal code (11 digits)",
            ));
        }
        // No redirect followed: Checkout answers 302 with the payment page, the result.
        let client = https::Client::new(Duration::from_secs(5), Duration::from_secs(15));
        Ok(PagoPaHttp {
            client,
            gpd: base(&endpoints.gpd_url, "pagoPA GPD URL")?,
            checkout: base(&endpoints.checkout_url, "pagoPA Checkout URL")?,
            key,
            creditor,
            extra: HeaderMap::new(),
        })
    }

    /// Adds a header to every request, replacing one the adapter sets. For contract tests:
    /// Prism's `Prefer: code=409` makes the mock answer with that declared response, an
    /// empty `Ocp-Apim-Subscription-Key` is a key the gateway refuses. Panics on a name or
    /// value HTTP does not allow.
    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        let name = HeaderName::from_bytes(name.as_bytes()).expect("a header name");
        let value = HeaderValue::from_str(value).expect("a header value");
        self.extra.insert(name, value);
        self
    }

    /// `{gpd}/organizations/{creditor}/debtpositions[/{iupd}[/{action}]]`.
    fn positions(&self, rest: &[&str]) -> Url {
        let mut url = self.gpd.clone();
        url.path_segments_mut()
            .expect("checked in new")
            .pop_if_empty()
            .extend(["organizations", &self.creditor.fiscal_code, "debtpositions"])
            .extend(rest);
        url
    }

    /// Sends one request with the key and a fresh request id; the answer whatever its status,
    /// with that id.
    async fn send(
        &self,
        op: &'static str,
        method: Method,
        url: Url,
        body: Option<Vec<u8>>,
    ) -> PortResult<Answer> {
        let id = uuid::Uuid::new_v4().to_string();
        let mut req = http::Request::builder().method(method).uri(url.as_str());
        let headers = req.headers_mut().expect("a valid request");
        headers.insert(SUBSCRIPTION_KEY, self.key.clone());
        headers.insert(REQUEST_ID, HeaderValue::from_str(&id).expect("a UUID"));
        if body.is_some() {
            headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        }
        for (name, value) in &self.extra {
            headers.insert(name, value.clone());
        }
        // A POST without a body still says `Content-Length: 0`: gateways may refuse one that
        // declares no length (hyper sends the length of every body it is given).
        let req = req
            .body(body.unwrap_or_default())
            .map_err(|e| unavailable(format_args!("{op}: {e}")))?;
        match self.client.send(req).await {
            Ok(resp) => {
                let status = resp.status.as_u16();
                tracing::info!(request_id = %id, operation = op, status, "pagoPA");
                Ok(Answer { op, id, resp })
            }
            Err(e) => {
                tracing::warn!(request_id = %id, operation = op, error = %e, "pagoPA failed");
                Err(unavailable(format_args!("{op} ({id}): {e}")))
            }
        }
    }
}

struct Answer {
    op: &'static str,
    id: String,
    resp: https::Answer,
}

impl Answer {
    fn status(&self) -> StatusCode {
        self.resp.status
    }

    /// An answer other than the operation's success.
    fn refused(&self) -> PortError {
        refused(self.op, &self.id, self.status())
    }

    /// The body, up to `ANSWER_LIMIT`.
    async fn body(self) -> PortResult<Vec<u8>> {
        let (op, id) = (self.op, self.id);
        self.resp
            .body(ANSWER_LIMIT)
            .await
            .map_err(|e| unavailable(format_args!("{op} ({id}): {e}")))
    }
}

/// 409 is the port's `ConditionFailed`; 401/403 a key the gateway refuses; 400 a request
/// this adapter should not have sent; 429, 5xx and anything else a failure a retry may cure.
fn refused(op: &str, id: &str, status: StatusCode) -> PortError {
    match status {
        StatusCode::CONFLICT => PortError::ConditionFailed,
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => {
            PortError::NotConfigured("pagoPA subscription key")
        }
        // The body is not quoted: GPD's messages may repeat the payer's data.
        StatusCode::BAD_REQUEST => PortError::Corrupt(format!(
            "pagoPA refused {op} as malformed (400, request id {id}): a bug of this adapter"
        )),
        _ => unavailable(format_args!("{op} answered {status} (request id {id})")),
    }
}

fn json(body: &impl serde::Serialize) -> PortResult<Vec<u8>> {
    serde_json::to_vec(body).map_err(|e| PortError::Corrupt(e.to_string()))
}

#[async_trait]
impl Payments for PagoPaHttp {
    async fn create(&self, position: &DebtPosition) -> PortResult<()> {
        let body = json(&requests::position(position, &self.creditor)?)?;
        let mut url = self.positions(&[]);
        // Published at once and, without a validityDate, payable at once (VALID).
        url.query_pairs_mut().append_pair("toPublish", "true");
        let answer = self
            .send("createPosition", Method::POST, url, Some(body))
            .await?;
        match answer.status() {
            StatusCode::CREATED => Ok(()),
            _ => Err(answer.refused()),
        }
    }

    async fn checkout(
        &self,
        items: &[CartItem],
        back: &ReturnUrls,
        email: Option<&str>,
    ) -> PortResult<String> {
        let body = json(&requests::cart(items, back, email, &self.creditor)?)?;
        let mut url = self.checkout.clone();
        url.path_segments_mut()
            .expect("checked in new")
            .pop_if_empty()
            .push("carts");
        let answer = self
            .send("PostCarts", Method::POST, url, Some(body))
            .await?;
        if !matches!(answer.status(), StatusCode::FOUND | StatusCode::SEE_OTHER) {
            return Err(answer.refused());
        }
        answer
            .resp
            .headers
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .filter(|l| requests::web_address(l))
            .map(str::to_string)
            .ok_or_else(|| unavailable("Checkout redirected to no usable address"))
    }

    async fn status(&self, iupd: &str) -> PortResult<Option<PositionStatus>> {
        let url = self.positions(&[iupd]);
        let answer = self
            .send("getOrganizationDebtPositionByIUPD", Method::GET, url, None)
            .await?;
        match answer.status() {
            StatusCode::OK => answers::status(&answer.body().await?).map(Some),
            StatusCode::NOT_FOUND => Ok(None),
            _ => Err(answer.refused()),
        }
    }

    /// A position GPD does not know (404) counts as invalidated: nobody can pay it, which is
    /// what invalidating is for (a create that never reached GPD leaves this case). One
    /// invalidated already, or paid, is `ConditionFailed` (409: "not in invalidable state").
    async fn invalidate(&self, iupd: &str) -> PortResult<()> {
        let url = self.positions(&[iupd, "invalidate"]);
        let answer = self
            .send("invalidatePosition", Method::POST, url, None)
            .await?;
        match answer.status() {
            StatusCode::OK => Ok(()),
            StatusCode::NOT_FOUND => {
                let (id, op) = (&answer.id, answer.op);
                tracing::warn!(request_id = %id, operation = op, "position unknown to GPD");
                Ok(())
            }
            _ => Err(answer.refused()),
        }
    }
}

//! Logs ops can read: JSON lines (one event per line, with the function and, on Lambda, the
//! invocation's request id from the runtime's span) whenever the output is not a terminal
//! or `AWS_LAMBDA_LOG_FORMAT` is `JSON`; plain coloured text only on a terminal. The level
//! comes from `RUST_LOG` (`level` / `target=level` directives), else Lambda's
//! `AWS_LAMBDA_LOG_LEVEL`, else INFO. Events carry event names and error kinds, never
//! request paths, bodies or personal data.

use std::io::IsTerminal;

use tracing::Level;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::Layer;

/// How the log is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Text { colour: bool },
}

/// The format for this process: Lambda's setting, else JSON unless stderr is a terminal.
pub fn format() -> Format {
    let terminal = std::io::stderr().is_terminal();
    match std::env::var("AWS_LAMBDA_LOG_FORMAT")
        .map(|f| f.to_ascii_uppercase())
        .as_deref()
    {
        Ok("JSON") => Format::Json,
        Ok("TEXT") => Format::Text { colour: false },
        _ if terminal && std::env::var_os("AWS_LAMBDA_FUNCTION_NAME").is_none() => {
            Format::Text { colour: true }
        }
        _ => Format::Json,
    }
}

/// The level filter: `RUST_LOG`, else `AWS_LAMBDA_LOG_LEVEL`, else INFO.
pub fn filter() -> Targets {
    if let Some(t) = std::env::var("RUST_LOG")
        .ok()
        .and_then(|v| v.parse::<Targets>().ok())
    {
        return t;
    }
    let level = match std::env::var("AWS_LAMBDA_LOG_LEVEL")
        .map(|l| l.to_ascii_uppercase())
        .as_deref()
    {
        Ok("TRACE") => Level::TRACE,
        Ok("DEBUG") => Level::DEBUG,
        Ok("WARN") => Level::WARN,
        Ok("ERROR" | "FATAL") => Level::ERROR,
        _ => Level::INFO,
    };
    Targets::new().with_default(level)
}

/// The formatting layer of `format` writing to `writer`.
pub fn layer<S, W>(format: Format, writer: W) -> Box<dyn Layer<S> + Send + Sync>
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let base = tracing_subscriber::fmt::layer()
        .with_writer(writer)
        .with_target(false);
    match format {
        Format::Json => Box::new(
            base.json()
                .flatten_event(true)
                .with_current_span(false)
                .with_span_list(true),
        ),
        Format::Text { colour } => Box::new(base.with_ansi(colour)),
    }
}

/// Installs the process's logger (once; later calls do nothing).
pub fn init() {
    let _ = tracing_subscriber::registry()
        .with(layer(format(), std::io::stderr))
        .with(filter())
        .try_init();
}

/// The span every event of a function runs in: its name in each JSON line.
pub fn function_span() -> tracing::Span {
    let name = std::env::var("AWS_LAMBDA_FUNCTION_NAME")
        .ok()
        .or_else(|| {
            std::env::args()
                .next()
                .and_then(|a| a.rsplit('/').next().map(String::from))
        })
        .unwrap_or_default();
    tracing::info_span!("function", function = %name)
}

/// One line per request: the method, the route as declared (`/api/istanze/{id}`: never the
/// concrete path, which may carry a codice fiscale), the status and the time taken.
pub async fn access(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let route = req
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .map_or("(nessuna)", |m| m.as_str())
        .to_string();
    let method = req.method().clone();
    let started = std::time::Instant::now();
    let resp = next.run(req).await;
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    let status = resp.status().as_u16();
    tracing::info!(%method, route, status, ms, "request");
    resp
}

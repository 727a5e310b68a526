#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::web::run_lambda_or_cli(certificates::router, certificates::cli::run).await
}

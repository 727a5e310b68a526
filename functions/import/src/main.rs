#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::web::run_lambda_or_cli(import::router, import::cli::run).await
}

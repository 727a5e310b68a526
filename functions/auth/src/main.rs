#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::web::run_lambda_or_cli(auth::router, auth::cli::run).await
}

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    if std::env::var_os("AWS_LAMBDA_RUNTIME_API").is_some() {
        return shared::web::run_lambda(import::router).await;
    }
    match import::cli::run(std::env::args().skip(1).collect()).await {
        Ok(code) => std::process::exit(code),
        Err(message) => {
            eprintln!("{message}");
            std::process::exit(1)
        }
    }
}

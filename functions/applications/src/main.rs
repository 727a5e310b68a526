#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::web::run_lambda(applications::router).await
}

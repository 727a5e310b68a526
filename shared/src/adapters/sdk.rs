//! The AWS SDK's settings of a function: the region and the credentials Lambda puts in the
//! environment (`AWS_REGION`, `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
//! `AWS_SESSION_TOKEN`), and `AWS_ENDPOINT_URL` where a test server stands in for AWS.
//!
//! Not aws-config's default chain: profiles, SSO, STS web identity, the container and
//! instance metadata services never apply on Lambda, and linking them (an STS client among
//! them) weighs on every binary. The ops commands read the same variables (README,
//! "Operations": `aws configure export-credentials --format env`).

use aws_config::environment::EnvironmentVariableCredentialsProvider;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_dynamodb::config::SharedCredentialsProvider;

use crate::config::optional as env;

/// The settings every client of a function is built from (once, outside any request).
pub fn from_env() -> SdkConfig {
    let mut config = SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .credentials_provider(SharedCredentialsProvider::new(
            EnvironmentVariableCredentialsProvider::new(),
        ))
        .region(
            env("AWS_REGION")
                .or_else(|| env("AWS_DEFAULT_REGION"))
                .map(Region::new),
        );
    if let Some(url) = env("AWS_ENDPOINT_URL") {
        config = config.endpoint_url(url);
    }
    config.build()
}

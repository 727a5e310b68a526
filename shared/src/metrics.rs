//! The metrics the use cases count, by name and dimensions (`ports::Metric`). The alarms
//! and the dashboard of `template.yaml` read these names.

use crate::ports::Metric;

fn metric<'a>(name: &'static str, dimensions: &[(&'static str, &'a str)]) -> Metric<'a> {
    Metric {
        name,
        dimensions: dimensions.to_vec(),
    }
}

/// A certificate issued (or released once paid): its type, in bollo or exempt.
pub fn certificate_issued(kind: &str, bollo: bool) -> Metric<'_> {
    let bollo = if bollo { "in_bollo" } else { "esente" };
    metric("CertificatesIssued", &[("Type", kind), ("Bollo", bollo)])
}

pub fn preview(kind: &str) -> Metric<'_> {
    metric("Previews", &[("Type", kind)])
}

/// A verification: valid, expired, not_found, locked.
pub fn verification(outcome: &'static str) -> Metric<'static> {
    metric("Verifications", &[("Outcome", outcome)])
}

/// A login's outcome (session, not_in_registry, refused, idp_error, busy) at an IdP.
pub fn login<'a>(idp: &'a str, outcome: &'static str) -> Metric<'a> {
    metric("Logins", &[("Idp", idp), ("Outcome", outcome)])
}

pub fn mail(sent: bool) -> Metric<'static> {
    metric(if sent { "MailsSent" } else { "MailsFailed" }, &[])
}

/// An application presented to the office (registered in the protocol), by its service
/// (`Istanza`: `Service` is the constant dimension of every count).
pub fn application_submitted(service: &str) -> Metric<'_> {
    metric("ApplicationsSubmitted", &[("Istanza", service)])
}

/// An application decided: its final state.
pub fn application_decided<'a>(service: &'a str, outcome: &'a str) -> Metric<'a> {
    metric(
        "ApplicationsDecided",
        &[("Istanza", service), ("Outcome", outcome)],
    )
}

/// The seal key refused or failed to sign.
pub fn seal_failure() -> Metric<'static> {
    metric("SealFailures", &[])
}

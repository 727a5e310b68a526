//! `Metrics` in CloudWatch's Embedded Metric Format: one JSON object per count, written as a
//! line to stdout on Lambda (CloudWatch Logs turns it into a metric) or to a file locally.
//! Each count is published twice: with its dimensions and with `Service` alone, the total
//! the alarms watch.

use std::io::Write;
use std::sync::{Arc, Mutex};

use serde_json::{json, Map, Value};

use crate::ports::{Clock, Metric, Metrics};

/// The constant dimension of every count.
pub const SERVICE: &str = "anagrafe";

pub struct Emf {
    namespace: String,
    out: Mutex<Box<dyn Write + Send>>,
    clock: Arc<dyn Clock>,
}

impl Emf {
    pub fn new(namespace: &str, out: Box<dyn Write + Send>, clock: Arc<dyn Clock>) -> Self {
        Emf {
            namespace: namespace.to_string(),
            out: Mutex::new(out),
            clock,
        }
    }

    /// The EMF document of one count at `at_ms`.
    pub fn document(namespace: &str, m: &Metric<'_>, at_ms: i64) -> Value {
        let mut named: Vec<&str> = vec!["Service"];
        named.extend(m.dimensions.iter().map(|(k, _)| *k));
        let mut sets = vec![json!(["Service"])];
        if named.len() > 1 {
            sets.push(json!(named));
        }
        let mut doc = Map::new();
        doc.insert(
            "_aws".into(),
            json!({
                "Timestamp": at_ms,
                "CloudWatchMetrics": [{
                    "Namespace": namespace,
                    "Dimensions": sets,
                    "Metrics": [{"Name": m.name, "Unit": "Count"}],
                }],
            }),
        );
        doc.insert("Service".into(), json!(SERVICE));
        for (k, v) in &m.dimensions {
            debug_assert_ne!(*k, "Service", "the constant dimension");
            doc.insert((*k).into(), json!(v));
        }
        doc.insert(m.name.into(), json!(1));
        Value::Object(doc)
    }
}

impl Metrics for Emf {
    fn count(&self, m: Metric<'_>) {
        let at = self.clock.now().timestamp_millis();
        let mut line = Self::document(&self.namespace, &m, at).to_string();
        line.push('\n');
        if let Ok(mut out) = self.out.lock() {
            let _ = out.write_all(line.as_bytes()).and_then(|()| out.flush());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_count_is_an_emf_document_with_its_dimensions_and_the_total() {
        let m = crate::metrics::certificate_issued("residenza", true);
        let doc = Emf::document("AnagrafeOnline/test", &m, 1_780_000_000_000);
        let aws = &doc["_aws"];
        assert_eq!(aws["Timestamp"], 1_780_000_000_000i64);
        let cw = &aws["CloudWatchMetrics"][0];
        assert_eq!(cw["Namespace"], "AnagrafeOnline/test");
        assert_eq!(
            cw["Dimensions"],
            json!([["Service"], ["Service", "Type", "Bollo"]])
        );
        assert_eq!(
            cw["Metrics"],
            json!([{"Name": "CertificatesIssued", "Unit": "Count"}])
        );
        // Every dimension and the metric are members of the document's root (EMF's rule).
        for (k, v) in [
            ("Service", "anagrafe"),
            ("Type", "residenza"),
            ("Bollo", "in_bollo"),
        ] {
            assert_eq!(doc[k], v, "{doc}");
        }
        assert_eq!(doc["CertificatesIssued"], 1);
        let bare = Emf::document("N", &crate::metrics::mail(false), 0);
        assert_eq!(
            bare["_aws"]["CloudWatchMetrics"][0]["Dimensions"],
            json!([["Service"]])
        );
    }
}

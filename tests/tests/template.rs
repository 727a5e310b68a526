//! The SAM template validates offline with cfn-lint and `sam validate --lint` (PyPI, in the
//! test venv), and says what the design requires.

/// The linters' own venv (`.venv-sam`, made by the test command).
fn sam_bin(name: &str) -> std::path::PathBuf {
    e2e::tool_bin(".venv-sam", name)
}

fn template() -> String {
    concat!(env!("CARGO_MANIFEST_DIR"), "/../template.yaml").to_string()
}

#[test]
fn cfn_lint_reports_nothing() {
    let out = std::process::Command::new(sam_bin("cfn-lint"))
        .arg(template())
        .output()
        .expect("cfn-lint in the test venv");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success() && text.trim().is_empty(), "{text}");
}

#[test]
fn sam_validate_lint_passes() {
    let out = std::process::Command::new(sam_bin("sam"))
        .args(["validate", "--lint", "--template", &template()])
        .env("AWS_DEFAULT_REGION", "eu-south-1")
        .env("SAM_CLI_TELEMETRY", "0")
        .output()
        .expect("sam in the test venv");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success() && text.contains("is a valid SAM Template"),
        "{text}"
    );
}

#[test]
fn the_stack_has_what_the_design_requires() {
    let t = std::fs::read_to_string(template()).unwrap();
    for expected in [
        "ExpirationInDays: 185",
        "ObjectLockEnabled: true",
        "DefaultRetention: {Mode: GOVERNANCE, Days: 185}",
        "VersioningConfiguration: {Status: Enabled}",
        "s3:BypassGovernanceRetention",
        "Prefix: certificati/",
        "Prefix: istanze/",
        "Principal: {AWS: !GetAtt ApplicationsFunctionRole.Arn}",
        "PointInTimeRecoveryEnabled: true",
        "TimeToLiveSpecification: {AttributeName: ttl, Enabled: true}",
        "KeySpec: ECC_NIST_P256",
        "KeyUsage: SIGN_VERIFY",
        "Principal: {AWS: !GetAtt CertificatesFunctionRole.Arn}",
        "BlockPublicPolicy: true",
        "OriginAccessControlId",
        "RetentionInDays",
    ] {
        assert!(t.contains(expected), "template lacks {expected}");
    }
    assert_eq!(
        t.matches("FunctionUrlConfig").count(),
        1,
        "only verify is public without a session"
    );
    assert!(
        !t.contains("demo-idp") && !t.contains("DEMO"),
        "the demo IdP never deploys"
    );
    // The auth function is built by the makefile that packages its libraries, which
    // tests/tests/lambda.rs runs; every other function by cargo-lambda.
    assert_eq!(t.matches("BuildMethod: makefile").count(), 1);
    assert!(t.contains("ContextPath: infra/lambda"));
    let makefile = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../infra/lambda/Makefile"
    ))
    .unwrap();
    assert!(makefile.contains("build-AuthFunction:") && makefile.contains("package-auth.sh"));
    assert_eq!(t.matches("BuildMethod: rust-cargolambda").count(), 6);
}

#[test]
fn every_page_behind_cloudfront_gets_the_portals_security_headers() {
    let t = std::fs::read_to_string(template()).unwrap();
    let csp = format!("ContentSecurityPolicy: \"{}\"", shared::web::SITE_CSP);
    assert!(
        t.contains(&csp),
        "the CloudFront CSP is the portal's: {csp}"
    );
    assert!(t.contains(shared::web::PERMISSIONS_POLICY));
    for expected in [
        "Type: AWS::CloudFront::ResponseHeadersPolicy",
        "FrameOptions: {FrameOption: DENY, Override: true}",
        "ContentTypeOptions: {Override: true}",
        "StrictTransportSecurity:",
        "HeaderName: X-Origin-Verify",
        "CloudFront-Viewer-Address",
        "Type: AWS::WAFv2::WebACL",
        "RateBasedStatement:",
    ] {
        assert!(t.contains(expected), "template lacks {expected}");
    }
    // Every cache behaviour (the portal's default and four paths, the CNS host's default)
    // carries the policy.
    assert_eq!(
        t.matches("ResponseHeadersPolicyId: !Ref SecurityHeaders")
            .count(),
        6
    );
    assert_eq!(
        verify::ORIGIN_HEADER,
        "x-origin-verify",
        "the header CloudFront sets is the one the function checks"
    );
}

#[test]
fn the_cns_login_host_asks_for_the_card_through_cloudfront_viewer_mtls() {
    let t = std::fs::read_to_string(template()).unwrap();
    for expected in [
        "Type: AWS::CloudFront::TrustStore",
        "ViewerMtlsConfig:",
        "Mode: optional",
        "TrustStoreId: !GetAtt CnsTrustStore.Id",
        "Headers: [CloudFront-Viewer-Cert-Pem, CloudFront-Viewer-Cert-Present]",
        "CNS_TRUST_BUNDLE: !If [CreateCns, /opt/cns/trust.pem",
        "Path: \"/cns/{proxy+}\"",
        "PathPattern: /cns/*",
    ] {
        assert!(t.contains(expected), "template lacks {expected}");
    }
    // The CNS host's origin carries the secret header the function requires before it reads
    // the certificate header.
    let cns = &t[t.find("  CnsDistribution:").unwrap()..];
    let cns = &cns[..cns.find("\n\n").unwrap()];
    assert!(
        cns.contains("HeaderName: X-Origin-Verify")
            && cns.contains("HeaderValue: !Ref OriginSecret")
    );
}

/// The alarms and the dashboard watch the metrics the code counts: every name the use cases
/// emit is in the template, the dashboard is valid JSON once substituted, each function has
/// its alarm, and every alarm goes to the SNS topic.
#[test]
fn alarms_and_the_dashboard_read_what_the_code_counts() {
    let t = std::fs::read_to_string(template()).unwrap();
    use shared::metrics as m;
    for metric in [
        m::certificate_issued("residenza", true),
        m::preview("residenza"),
        m::verification("locked"),
        m::login("demo", "session"),
        m::mail(true),
        m::mail(false),
        m::application_submitted("x"),
        m::application_decided("x", "accolta"),
        m::seal_failure(),
    ] {
        assert!(
            t.contains(metric.name),
            "{} neither alarmed nor shown",
            metric.name
        );
    }
    assert!(t.contains("METRICS_NAMESPACE: !Sub \"AnagrafeOnline/${AWS::StackName}\""));
    let start = t.find("DashboardBody: !Sub |\n").expect("a dashboard") + 22;
    let body: String = t[start..]
        .lines()
        .take_while(|l| l.starts_with("        "))
        .collect::<Vec<_>>()
        .join("\n");
    let mut plain = String::new();
    let mut rest = body.as_str();
    while let Some(at) = rest.find("${") {
        plain.push_str(&rest[..at]);
        plain.push('X');
        rest = &rest[at + rest[at..].find('}').unwrap() + 1..];
    }
    plain.push_str(rest);
    let dashboard: serde_json::Value = serde_json::from_str(&plain).expect("the dashboard is JSON");
    let widgets = dashboard["widgets"].as_array().unwrap();
    assert!(widgets.len() >= 8, "{}", widgets.len());
    let alarms = widgets.iter().find(|w| w["type"] == "alarm").unwrap();
    let listed = alarms["properties"]["alarms"].as_array().unwrap().len();
    let defined = t.matches("Type: AWS::CloudWatch::Alarm").count();
    assert_eq!(listed, defined, "the dashboard shows every alarm");
    assert_eq!(
        t.matches("AlarmActions: [!Ref AlarmTopic]").count(),
        defined,
        "every alarm notifies the topic"
    );
    for f in [
        "Auth",
        "Household",
        "Certificates",
        "Autocert",
        "Applications",
        "Verify",
        "Import",
    ] {
        assert!(
            t.contains(&format!("  {f}FunctionAlarm:")),
            "{f} has no alarm"
        );
    }
    for alarm in [
        "Api5xxAlarm:",
        "SealFailuresAlarm:",
        "VerificationLockoutsAlarm:",
        "MailFailuresAlarm:",
    ] {
        assert!(t.contains(alarm), "{alarm}");
    }
    assert!(t.contains("Type: AWS::SNS::Topic") && t.contains("Protocol: email"));
}

/// The features of `shared` a function's Cargo.toml asks for (the adapters it links).
fn linked_adapters(function: &str) -> Vec<String> {
    let manifest = std::fs::read_to_string(format!(
        "{}/../functions/{function}/Cargo.toml",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let line = manifest
        .lines()
        .find(|l| l.starts_with("shared = {") && l.contains("features"))
        .unwrap_or_else(|| panic!("{function}: shared without features"));
    let list = &line[line.find('[').unwrap() + 1..line.find(']').unwrap()];
    list.split(',')
        .map(|f| f.trim().trim_matches('"').to_string())
        .collect()
}

#[test]
fn each_function_links_the_adapters_its_permissions_allow_and_no_more() {
    let t = std::fs::read_to_string(template()).unwrap();
    for function in e2e::aws::FUNCTIONS {
        let logical = e2e::aws::logical_id(function);
        // The resource's lines: up to the next resource (two spaces, then a capital).
        let start = t.find(&format!("\n  {logical}:\n")).unwrap() + logical.len() + 4;
        let rest = &t[start..];
        let end = rest
            .match_indices("\n  ")
            .find(|(j, _)| rest[j + 3..].starts_with(|c: char| c.is_ascii_uppercase()))
            .map_or(rest.len(), |(j, _)| j);
        let block = &rest[..end];
        let linked = linked_adapters(function);
        let has = |f: &str| linked.iter().any(|l| l == f);
        assert!(
            has("dynamo") && block.contains("DynamoDBCrudPolicy"),
            "{function}: every function has the store"
        );
        let reads_archive = block.contains("S3ReadPolicy") || block.contains("s3:GetObject");
        assert_eq!(
            has("s3"),
            reads_archive,
            "{function}: S3 adapter vs permission"
        );
        let may_sign = t.contains(&format!("Principal: {{AWS: !GetAtt {logical}Role.Arn}}"));
        assert_eq!(
            has("kms"),
            may_sign,
            "{function}: KMS adapter vs key policy"
        );
        // Only the functions that send e-mail or reach pagoPA, a TSA or a CRL link those.
        let smtp = ["household", "certificates", "autocert", "applications"];
        assert_eq!(has("smtp"), smtp.contains(&function), "{function}: SMTP");
        let http = ["auth", "certificates", "applications"];
        assert_eq!(
            has("http"),
            http.contains(&function),
            "{function}: HTTPS client"
        );
        assert_eq!(
            has("local"),
            function == "import",
            "{function}: local adapters"
        );
    }
}

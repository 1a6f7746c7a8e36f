//! ESO003: an ExternalSecret must have `data` or `dataFrom`.

use super::{RawFinding, Rule, Severity};

pub const RULE: Rule = Rule {
    code: "ESO003",
    name: "data-or-datafrom",
    severity: Severity::Error,
    summary: "an ExternalSecret has neither data nor dataFrom",
    explanation: "ESO's validating webhook (`validateExternalSecret`, apis/externalsecrets/v1/externalsecret_validator.go: \
\"either data or dataFrom should be specified\") rejects an ExternalSecret without `spec.data` or `spec.dataFrom` (since \
v0.9.9); without the webhook the Secret is created empty. Either way the workloads reading it fail.\n\n\
Example:\n\n\
\x20   spec:\n      secretStoreRef: {name: azure-kv, kind: ClusterSecretStore}\n      target: {name: orders-db}   # ESO003: no data and no dataFrom\n",
    check,
};

fn check<'a>(env: &super::EnvView<'a>) -> Vec<RawFinding<'a>> {
    let mut out = Vec::new();
    for es in env.external_secrets() {
        let has = |k: &str| es.spec().get(k).and_then(serde_yaml::Value::as_sequence).is_some_and(|s| !s.is_empty());
        if !has("data") && !has("dataFrom") {
            out.push(RawFinding::at_key(
                es.resource,
                es.path(""),
                "ExternalSecret has neither data nor dataFrom",
                "add `data:` entries (secretKey + remoteRef.key) or a `dataFrom:` extract/find",
            ));
        }
    }
    out
}

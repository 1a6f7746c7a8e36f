//! ESO006: refreshInterval is a Go duration.

use super::{RawFinding, Rule, Severity};
use serde_yaml::Value;

pub const RULE: Rule = Rule {
    code: "ESO006",
    name: "refresh-interval",
    severity: Severity::Error,
    summary: "refreshInterval is not a Go duration",
    explanation: "ExternalSecretSpec.RefreshInterval is a metav1.Duration (apis/externalsecrets/v1/externalsecret_types.go). \
`spec.refreshInterval` is parsed with Go's time.ParseDuration: `1h`, `30m`, `1h30m`, `0` (sync \
once). Words, days and bare numbers are rejected and the ExternalSecret never syncs.\n\n\
Example:\n\n\
\x20   spec:\n      refreshInterval: 1 hour    # ESO006: write 1h\n",
    check,
};

fn check<'a>(env: &super::EnvView<'a>) -> Vec<RawFinding<'a>> {
    let mut out = Vec::new();
    for es in env.external_secrets() {
        let Some(v) = es.refresh_interval() else { continue };
        let text = match v {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            _ => continue,
        };
        if !super::is_go_duration(&text) {
            out.push(RawFinding::at(
                es.resource,
                es.path("refreshInterval"),
                format!("refreshInterval {text:?} is not a Go duration"),
                "write a duration such as 1h, 30m or 1h30m (units: ns, us, ms, s, m, h), or 0 to sync once",
            ));
        }
    }
    out
}

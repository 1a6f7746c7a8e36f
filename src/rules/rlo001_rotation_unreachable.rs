//! RLO001: a consumed ExternalSecret that a rotation cannot reach.

use super::{RawFinding, Rule, Severity};

pub const RULE: Rule = Rule {
    code: "RLO001",
    name: "rotation-unreachable",
    severity: Severity::Warning,
    summary: "a workload reads the Secret of an ExternalSecret that never refreshes (refreshInterval 0, or CreatedOnce)",
    explanation: "With `refreshInterval: 0` (and the default Periodic policy) or `refreshPolicy: CreatedOnce`, ESO \
syncs the Secret once and ignores later changes, annotation changes included. A rotated Key Vault secret then never \
reaches the Secret, and the rollout annotation would restart the pods onto the old value. Use a refresh interval \
(e.g. `1h`), or `refreshPolicy: OnChange`, which re-syncs when the ExternalSecret's annotations change.\n\n\
Example:\n\n\
\x20   spec:\n      refreshInterval: \"0\"     # RLO001: the orders-api Deployment reads this Secret\n",
    check,
};

fn never_refreshes(es: &crate::eso::ExternalSecretView) -> bool {
    let zero = es
        .refresh_interval()
        .and_then(crate::resource::scalar_string)
        .is_some_and(|s| matches!(s.trim(), "0" | "0s" | "0m" | "0h"));
    match es.refresh_policy() {
        Some("CreatedOnce") => true,
        Some("OnChange") => false,
        _ => zero,
    }
}

fn check<'a>(env: &super::EnvView<'a>) -> Vec<RawFinding<'a>> {
    let mut out = Vec::new();
    for es in env.external_secrets().filter(|e| e.resource.kind() == "ExternalSecret") {
        if !never_refreshes(&es) {
            continue;
        }
        let target = es.target_name();
        if let Some(w) = env.model.consumers_of(es.resource.namespace(), &target).next().map(|c| c.resource) {
            let path = if es.refresh_policy() == Some("CreatedOnce") {
                es.path("refreshPolicy")
            } else {
                es.path("refreshInterval")
            };
            out.push(RawFinding::at(
                es.resource,
                path,
                format!("{} reads Secret '{target}', which this ExternalSecret never refreshes: a Key Vault rotation cannot reach it", super::object_label(w)),
                "set refreshInterval (e.g. 1h), or refreshPolicy: OnChange",
            ));
        }
    }
    out
}

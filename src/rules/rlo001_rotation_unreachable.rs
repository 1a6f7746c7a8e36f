//! RLO001: a consumed ExternalSecret that a rotation cannot reach.

use super::{RawFinding, Rule, Severity};

pub const RULE: Rule = Rule {
    code: "RLO001",
    name: "rotation-unreachable",
    severity: Severity::Warning,
    summary: "a workload reads the Secret of an ExternalSecret that never refreshes (refreshInterval 0, CreatedOnce, an immutable target)",
    explanation: "With `refreshInterval: 0` (and the default Periodic policy) or `refreshPolicy: CreatedOnce`, ESO \
syncs the Secret once and ignores later changes, spec changes included (`shouldRefresh`, \
pkg/controllers/externalsecret/externalsecret_controller.go); an immutable target (`target.immutable: true`) cannot \
be updated at all. Zero is any Go duration of zeros (`0`, `0s`, `0h0m0s`). A rotated Key Vault secret then never \
reaches the Secret, and the rollout annotation would restart the pods onto the old value. Use a refresh interval \
(e.g. `1h`), or `refreshPolicy: OnChange`, which re-syncs when the ExternalSecret changes.\n\n\
Example:\n\n\
\x20   spec:\n      refreshInterval: \"0\"     # RLO001: the orders-api Deployment reads this Secret\n",
    check,
};

/// Why ESO never brings a rotated value into the Secret, if it does not: `shouldRefresh` and
/// `shouldRefreshPeriodic` (pkg/controllers/externalsecret/externalsecret_controller.go) skip CreatedOnce after the
/// first sync and a zero interval under the Periodic policy; an immutable target cannot be updated at all
/// (`spec.target.immutable`). Returns the field to point at.
fn never_refreshes(es: &crate::eso::ExternalSecretView) -> Option<(&'static str, &'static str)> {
    if crate::resource::get_path(es.spec(), &["target", "immutable"]).and_then(serde_yaml::Value::as_bool) == Some(true)
    {
        return Some(("target.immutable", "the target Secret is immutable"));
    }
    let zero = es.refresh_interval().and_then(crate::resource::scalar_string).is_some_and(|s| {
        let s = s.trim();
        super::is_go_duration(s) && s.chars().filter(char::is_ascii_digit).all(|c| c == '0')
    });
    match es.refresh_policy() {
        Some("CreatedOnce") => Some(("refreshPolicy", "refreshPolicy CreatedOnce syncs once")),
        Some("OnChange") => None,
        _ if zero => Some(("refreshInterval", "a zero refreshInterval syncs once")),
        _ => None,
    }
}

fn check<'a>(env: &super::EnvView<'a>) -> Vec<RawFinding<'a>> {
    let mut out = Vec::new();
    for es in env.external_secrets().filter(|e| e.resource.kind() == "ExternalSecret") {
        let Some((field, why)) = never_refreshes(&es) else { continue };
        let target = es.target_name();
        if let Some(w) = env.model.consumers_of(es.resource.namespace(), &target).next().map(|c| c.resource) {
            let path = es.path(field);
            out.push(RawFinding::at(
                es.resource,
                path,
                format!("{} reads Secret '{target}', which this ExternalSecret never refreshes ({why}): a Key Vault rotation cannot reach it", super::object_label(w)),
                "set refreshInterval (e.g. 1h), or refreshPolicy: OnChange; drop target.immutable",
            ));
        }
    }
    out
}

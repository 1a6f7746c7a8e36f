//! GIT001: no secret values in Git.

use super::{RawFinding, Rule, Severity};
use crate::resource::get_path;
use serde_yaml::Value;

pub const RULE: Rule = Rule {
    code: "GIT001",
    name: "secret-in-git",
    severity: Severity::Error,
    summary: "a Secret with data, or a secretGenerator with values, is committed to Git",
    explanation: "The point of ESO with Key Vault is that Git holds references, never values. A `kind: Secret` with \
`data` or `stringData`, or a kustomize `secretGenerator` with literals, files or env files, puts secret material in \
the repository (and in Argo CD's manifest cache). Secrets that carry no material, such as an empty \
service-account-token Secret, are exempt. Move the value to Key Vault and reference it from an ExternalSecret.\n\n\
Example:\n\n\
\x20   kind: Secret\n    metadata: {name: azure-secret-sp}\n    data:\n      ClientSecret: c2VjcmV0        # GIT001\n",
    check,
};

fn non_empty(v: Option<&Value>) -> bool {
    v.and_then(Value::as_mapping).is_some_and(|m| !m.is_empty())
}

fn check<'a>(env: &super::EnvView<'a>) -> Vec<RawFinding<'a>> {
    let mut out = Vec::new();
    for r in env.resources.iter().filter(|r| r.kind() == "Secret" && r.gvk().group.is_empty()) {
        let has_data = non_empty(r.value.get("data"));
        let has_string = non_empty(r.value.get("stringData"));
        if !has_data && !has_string {
            continue;
        }
        let hint = "store the value in Key Vault and reference it with an ExternalSecret";
        if r.origin.generated_by.as_deref() == Some("SecretGenerator") {
            out.push(RawFinding::at_key(
                r,
                "secretGenerator",
                format!("secretGenerator '{}' puts secret values in Git", r.org_id().name),
                hint,
            ));
        } else {
            let field = if has_data { "data" } else { "stringData" };
            let keys: Vec<String> = get_path(&r.value, &[field])
                .and_then(Value::as_mapping)
                .map(|m| m.keys().filter_map(|k| k.as_str().map(str::to_string)).collect())
                .unwrap_or_default();
            out.push(RawFinding::at_key(
                r,
                field,
                format!("Secret '{}' carries values in Git ({field}: {})", r.name(), keys.join(", ")),
                hint,
            ));
        }
    }
    out
}

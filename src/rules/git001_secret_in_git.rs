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
service-account-token Secret, or an Argo CD repository or cluster Secret (label `argocd.argoproj.io/secret-type`) \
with only the keys Argo CD documents as no credential (`url`, `type`, `name`, `project`, `server`, ...), are exempt. \
A cluster Secret whose only other key is `config` is GIT002's (a warning: its credentials may be there). Move the value to Key Vault and reference it from an ExternalSecret.\n\n\
Example:\n\n\
\x20   kind: Secret\n    metadata: {name: azure-secret-sp}\n    data:\n      ClientSecret: c2VjcmV0        # GIT001\n",
    check,
};

/// Keys of Argo CD's declarative repository, repo-creds and cluster Secrets that are no credential (argo-cd
/// docs/operator-manual/declarative-setup.md: "Repositories", "Clusters"). `username` is an identity, not the
/// password beside it; `config` (a cluster's bearer token or TLS key) and every other key are credentials.
const ARGOCD_PLAIN_KEYS: &[&str] = &[
    "url",
    "type",
    "name",
    "project",
    "username",
    "proxy",
    "noProxy",
    "insecure",
    "insecureIgnoreHostKey",
    "enableLfs",
    "enableOCI",
    "forceHttpBasicAuth",
    "githubAppID",
    "githubAppInstallationID",
    "githubAppEnterpriseBaseUrl",
    "useAzureWorkloadIdentity",
    "server",
    "namespaces",
    "clusterResources",
];

/// The value of an Argo CD declarative Secret's `argocd.argoproj.io/secret-type` label (repository, repo-creds,
/// cluster), if it has one.
fn argocd_secret_type(r: &crate::resource::Resource) -> Option<String> {
    r.labels().into_iter().find(|(k, _)| k == "argocd.argoproj.io/secret-type").map(|(_, v)| v)
}

/// The keys of a Secret's `data` and `stringData` (names only: values are never read).
fn secret_keys(r: &crate::resource::Resource) -> Vec<&str> {
    ["data", "stringData"]
        .iter()
        .filter_map(|f| r.value.get(*f).and_then(Value::as_mapping))
        .flat_map(|m| m.keys().map(|k| k.as_str().unwrap_or("?")))
        .collect()
}

/// An Argo CD declarative Secret whose keys are all [`ARGOCD_PLAIN_KEYS`]: no secret material, by key names alone.
fn argocd_secret_without_credentials(r: &crate::resource::Resource) -> bool {
    argocd_secret_type(r).is_some() && secret_keys(r).iter().all(|k| ARGOCD_PLAIN_KEYS.contains(k))
}

/// An Argo CD cluster Secret whose keys are [`ARGOCD_PLAIN_KEYS`] and `config`: what GIT002 reports.
pub(super) fn argocd_cluster_secret_with_config(r: &crate::resource::Resource) -> bool {
    let keys = secret_keys(r);
    argocd_secret_type(r).as_deref() == Some("cluster")
        && keys.contains(&"config")
        && keys.iter().all(|k| *k == "config" || ARGOCD_PLAIN_KEYS.contains(k))
}

fn non_empty(v: Option<&Value>) -> bool {
    v.and_then(Value::as_mapping).is_some_and(|m| !m.is_empty())
}

fn check<'a>(env: &super::EnvView<'a>) -> Vec<RawFinding<'a>> {
    let mut out = Vec::new();
    for r in env.resources.iter().filter(|r| r.kind() == "Secret" && r.gvk().group.is_empty()) {
        let has_data = non_empty(r.value.get("data"));
        let has_string = non_empty(r.value.get("stringData"));
        if (!has_data && !has_string) || argocd_secret_without_credentials(r) || argocd_cluster_secret_with_config(r) {
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

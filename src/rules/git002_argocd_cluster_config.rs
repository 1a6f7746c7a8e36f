//! GIT002: an Argo CD cluster Secret's `config` is committed to Git.

use super::{RawFinding, Rule, Severity};

pub const RULE: Rule = Rule {
    code: "GIT002",
    name: "argocd-cluster-config-in-git",
    severity: Severity::Warning,
    summary: "an Argo CD cluster Secret's `config` is committed to Git: it may carry the cluster's credentials",
    explanation: "Argo CD reads a cluster's connection from the `config` key of a Secret labelled \
`argocd.argoproj.io/secret-type: cluster` (argo-cd docs/operator-manual/declarative-setup.md, \"Clusters\"): a \
`bearerToken`, a `tlsClientConfig.keyData`, an `awsAuthConfig` or `execProviderConfig`, or only non-secret settings \
such as `{\"tlsClientConfig\":{\"insecure\":false}}` for the cluster Argo CD runs in. This tool never reads a value, \
so it cannot tell which: a warning, not GIT001's error. If the config holds credentials, move it to Key Vault and \
let an ExternalSecret write the Secret (its template can add the label); if not, ignore the finding for this \
object.\n\n\
Example:\n\n\
\x20   kind: Secret\n    metadata:\n      labels: {argocd.argoproj.io/secret-type: cluster}\n    stringData:\n      \
name: prod\n      server: https://prod.example.com\n      config: '{\"bearerToken\": \"...\"}'   # GIT002\n",
    check,
};

fn check<'a>(env: &super::EnvView<'a>) -> Vec<RawFinding<'a>> {
    env.resources
        .iter()
        .filter(|r| r.kind() == "Secret" && r.gvk().group.is_empty())
        .filter(|r| super::git001_secret_in_git::argocd_cluster_secret_with_config(r))
        .map(|r| {
            let field = if r.value.get("data").and_then(|d| d.get("config")).is_some() { "data" } else { "stringData" };
            RawFinding::at_key(
                r,
                format!("{field}.config"),
                format!("Argo CD cluster Secret '{}' commits its config, where the cluster's credentials go", r.name()),
                "if it holds a token or key, write the Secret with an ExternalSecret from Key Vault; else ignore GIT002 for this object",
            )
        })
        .collect()
}

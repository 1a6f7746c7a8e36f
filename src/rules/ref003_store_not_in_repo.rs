//! REF003: a secretStoreRef names a store that nothing in the environment has.

use super::ref001_store_ref::{Unresolved, scope, store_refs, unresolved};
use super::{EnvView, RawFinding, Rule, Severity};

pub const RULE: Rule = Rule {
    code: "REF003",
    name: "store-not-in-repo",
    severity: Severity::Warning,
    summary: "a secretStoreRef names a store that no overlay of the environment renders",
    explanation: "Stores are often provisioned outside the GitOps repository (Terraform, a platform team's Helm \
release, another repository). A reference to a name that no overlay of the environment renders, and that is not \
near the name of a store that is there (that would be a typo: REF001), is reported once, as a warning: declare the \
store under `externalStores` in `.argocd-eso-plugin.yaml` (name, kind, namespace for a SecretStore, vaultUrl, \
environments) and its Key Vault references are checked too. Where every store is in the repository, raise this \
rule to `error` in the config's `rules:`; `generate` then refuses such an app.\n\n\
Example:\n\n\
\x20   secretStoreRef:\n      name: platform-kv            # REF003: rendered nowhere in environment 'prod'\n      kind: ClusterSecretStore\n",
    check,
};

fn check<'a>(env: &EnvView<'a>) -> Vec<RawFinding<'a>> {
    let mut out = Vec::new();
    for (r, namespace, sr) in store_refs(env) {
        let Some(Unresolved::NotInRepo(visible)) = unresolved(env, &namespace, &sr) else { continue };
        let namespace_field =
            if sr.kind == "SecretStore" { format!(", namespace: {namespace}") } else { String::new() };
        let mut hint = format!(
            "if it is managed outside this repository, declare it in .argocd-eso-plugin.yaml: externalStores: \
             [{{name: {}, kind: {}{namespace_field}, vaultUrl: https://<vault>.vault.azure.net/, environments: [{}]}}]",
            sr.name, sr.kind, env.name
        );
        if !visible.is_empty() {
            hint.push_str(&format!(" (visible {}s: {})", sr.kind, visible.join(", ")));
        }
        out.push(RawFinding::at(
            r,
            sr.path.clone(),
            format!(
                "{} '{}' is rendered nowhere{} in environment '{}'",
                sr.kind,
                sr.name,
                scope(&sr, &namespace),
                env.name
            ),
            hint,
        ));
    }
    out
}

/// The stores an environment references but renders nowhere (REF003's subjects): (kind, name, namespace for a
/// SecretStore). `lint --suggest-config` turns them into the `externalStores` block to paste.
pub fn missing_stores(env: &EnvView<'_>) -> Vec<(String, String, Option<String>)> {
    let mut out: Vec<(String, String, Option<String>)> = store_refs(env)
        .into_iter()
        .filter(|(_, namespace, sr)| matches!(unresolved(env, namespace, sr), Some(Unresolved::NotInRepo(_))))
        .map(|(_, namespace, sr)| {
            let ns = (sr.kind == "SecretStore").then_some(namespace);
            (sr.kind, sr.name, ns)
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

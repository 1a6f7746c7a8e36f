//! REF001: a secretStoreRef resolves to a store of that kind in the environment.

use super::{EnvView, RawFinding, Rule, Severity, did_you_mean};
use crate::eso::{EsoKind, StoreRef};

pub const RULE: Rule = Rule {
    code: "REF001",
    name: "store-ref",
    severity: Severity::Error,
    summary: "a secretStoreRef does not resolve to a store in the environment",
    explanation: "An ExternalSecret's `secretStoreRef` (and any per-entry `sourceRef.storeRef`) must name a store that \
exists where the ExternalSecret lands: a SecretStore in the same namespace, or a ClusterSecretStore whose \
`conditions` admit the namespace. Stores are looked up among everything rendered for the environment, plus the \
`externalStores` of `.argocd-eso-plugin.yaml` for stores managed outside the repo. An unresolved store leaves the \
ExternalSecret in SecretSyncedError and the app Degraded.\n\n\
Example:\n\n\
\x20   secretStoreRef:\n      name: azure-kvv              # REF001: did you mean 'azure-kv'?\n      kind: ClusterSecretStore\n",
    check,
};

fn report<'a>(
    env: &EnvView<'a>,
    r: &'a crate::resource::Resource,
    namespace: &str,
    sr: &StoreRef,
    out: &mut Vec<RawFinding<'a>>,
) {
    if sr.name.is_empty() {
        return;
    }
    if let Err(visible) = env.resolve_store(namespace, sr) {
        let scope =
            if sr.kind == "ClusterSecretStore" { String::new() } else { format!(" in namespace '{namespace}'") };
        let hint = match did_you_mean(&sr.name, &visible) {
            Some(s) => format!("did you mean '{s}'?"),
            None if visible.is_empty() => format!(
                "no {} is rendered for environment '{}'{scope}; render it, or declare it under externalStores in .argocd-eso-plugin.yaml",
                sr.kind, env.name
            ),
            None => format!("visible {}s: {}", sr.kind, visible.join(", ")),
        };
        out.push(RawFinding::at(
            r,
            sr.path.clone(),
            format!("{} '{}' does not resolve{scope} in environment '{}'", sr.kind, sr.name, env.name),
            hint,
        ));
    }
}

fn check<'a>(env: &EnvView<'a>) -> Vec<RawFinding<'a>> {
    let mut out = Vec::new();
    for es in env.external_secrets() {
        // A ClusterExternalSecret's namespaces are chosen in the cluster: only cluster stores can be checked.
        let cluster_es = EsoKind::of(es.resource) == Some(EsoKind::ClusterExternalSecret);
        let ns = es.resource.namespace().to_string();
        let mut refs: Vec<StoreRef> = es.store_ref().into_iter().collect();
        refs.extend(es.data().into_iter().filter_map(|d| d.store));
        refs.extend(es.data_from().into_iter().filter_map(|d| d.store));
        for sr in refs {
            if cluster_es && sr.kind != "ClusterSecretStore" {
                continue;
            }
            let namespace = if cluster_es { "" } else { ns.as_str() };
            report(env, es.resource, namespace, &sr, &mut out);
        }
    }
    out
}

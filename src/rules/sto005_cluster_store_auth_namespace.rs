//! STO005: a ClusterSecretStore's authSecretRef selectors mix namespaced and namespace-less references.

use super::{RawFinding, Rule, Severity};
use crate::eso::EsoKind;
use serde_yaml::Value;

pub const RULE: Rule = Rule {
    code: "STO005",
    name: "cluster-store-auth-namespace",
    severity: Severity::Warning,
    summary: "a ClusterSecretStore's authSecretRef gives a namespace for some references and not for others",
    explanation: "Mirrors `esutils.ValidateReferentSecretSelector` (runtime/esutils/utils.go), called by the azurekv `ValidateStore`. \
In a ClusterSecretStore, an `authSecretRef` selector without `namespace` is read from the namespace \
of each ExternalSecret that uses the store. When some selectors name a namespace and others do not, the \
credential is split across namespaces, which is almost always a forgotten `namespace:`.\n\n\
Example:\n\n\
\x20   authSecretRef:\n      clientId: {name: azure-sp, key: client-id, namespace: external-secrets}\n      clientSecret: {name: azure-sp, key: client-secret}    # STO005\n",
    check,
};

fn check<'a>(env: &super::EnvView<'a>) -> Vec<RawFinding<'a>> {
    let mut out = Vec::new();
    for s in env.stores().filter(|s| s.kind == EsoKind::ClusterSecretStore) {
        let Some(refs) = s.azurekv().and_then(|a| a.get("authSecretRef")).and_then(Value::as_mapping) else { continue };
        let with: Vec<&str> =
            refs.iter().filter(|(_, v)| v.get("namespace").is_some()).filter_map(|(k, _)| k.as_str()).collect();
        let without: Vec<&str> =
            refs.iter().filter(|(_, v)| v.get("namespace").is_none()).filter_map(|(k, _)| k.as_str()).collect();
        if !with.is_empty() && !without.is_empty() {
            for field in without {
                out.push(RawFinding::at_key(
                    s.resource,
                    format!("spec.provider.azurekv.authSecretRef.{field}"),
                    format!("authSecretRef.{field} has no namespace while {} do: it is read from each ExternalSecret's namespace", with.join(", ")),
                    "give every authSecretRef selector the same namespace",
                ));
            }
        }
    }
    out
}

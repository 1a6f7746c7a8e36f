//! STO006: a SecretStore's authSecretRef points into another namespace.

use super::{RawFinding, Rule, Severity};
use crate::eso::EsoKind;
use serde_yaml::Value;

pub const RULE: Rule = Rule {
    code: "STO006",
    name: "store-auth-namespace",
    severity: Severity::Error,
    summary: "a SecretStore's authSecretRef names a namespace other than the store's own",
    explanation: "A namespaced SecretStore may only read its credentials from its own namespace: ESO rejects a \
selector with another `namespace`. Use a ClusterSecretStore to share credentials across namespaces.\n\n\
Example (a SecretStore in namespace jenkins):\n\n\
    authSecretRef:\n      clientSecret: {name: azure-credentials, key: client-secret, namespace: external-secrets}   # STO006\n",
    check,
};

fn check<'a>(env: &super::EnvView<'a>) -> Vec<RawFinding<'a>> {
    let mut out = Vec::new();
    for s in env.stores().filter(|s| s.kind == EsoKind::SecretStore) {
        let Some(refs) = s.azurekv().and_then(|a| a.get("authSecretRef")).and_then(Value::as_mapping) else { continue };
        let own = s.resource.namespace();
        for (k, v) in refs {
            let (Some(field), Some(ns)) = (k.as_str(), v.get("namespace").and_then(Value::as_str)) else { continue };
            if ns != own {
                out.push(RawFinding::at(
                    s.resource,
                    format!("spec.provider.azurekv.authSecretRef.{field}.namespace"),
                    format!("SecretStore in namespace '{own}' reads authSecretRef.{field} from namespace '{ns}'"),
                    "remove the namespace (the store's own is used), or use a ClusterSecretStore",
                ));
            }
        }
    }
    out
}

//! STO006: a SecretStore's authSecretRef points into another namespace.

use super::{RawFinding, Rule, Severity};
use crate::eso::EsoKind;
use serde_yaml::Value;

pub const RULE: Rule = Rule {
    code: "STO006",
    name: "store-auth-namespace",
    severity: Severity::Error,
    summary: "a SecretStore's authSecretRef or serviceAccountRef names a namespace other than the store's own",
    explanation: "A namespaced SecretStore may only read its credentials from its own namespace. ESO's azurekv \
`ValidateStore` (providers/v1/azure/keyvault/keyvault.go, through esutils `ValidateReferentSecretSelector` and \
`ValidateReferentServiceAccountSelector`) rejects another `namespace` on `authSecretRef.clientId`, \
`authSecretRef.clientSecret` and `serviceAccountRef`; on the other selectors the namespace is not validated (and \
ignored for a SecretStore), so they are not reported. Use a ClusterSecretStore to share credentials across \
namespaces.\n\n\
Example (a SecretStore in namespace jenkins):\n\n\
    authSecretRef:\n      clientSecret: {name: azure-credentials, key: client-secret, namespace: external-secrets}   # STO006\n",
    check,
};

fn check<'a>(env: &super::EnvView<'a>) -> Vec<RawFinding<'a>> {
    let mut out = Vec::new();
    for s in env.stores().filter(|s| s.kind == EsoKind::SecretStore) {
        let Some(az) = s.azurekv() else { continue };
        let own = s.resource.namespace();
        // The selectors ESO's ValidateStore checks, in its order.
        let selectors = [
            ("authSecretRef.clientId", crate::resource::get_path(az, &["authSecretRef", "clientId"])),
            ("authSecretRef.clientSecret", crate::resource::get_path(az, &["authSecretRef", "clientSecret"])),
            ("serviceAccountRef", az.get("serviceAccountRef")),
        ];
        for (field, selector) in selectors {
            let Some(ns) = selector.and_then(|v| v.get("namespace")).and_then(Value::as_str) else { continue };
            if ns != own {
                out.push(RawFinding::at(
                    s.resource,
                    format!("spec.provider.azurekv.{field}.namespace"),
                    format!("SecretStore in namespace '{own}' reads {field} from namespace '{ns}'"),
                    "remove the namespace (the store's own is used), or use a ClusterSecretStore",
                ));
            }
        }
    }
    out
}

//! STO004: a WorkloadIdentity store's service account is rendered, with its client-id annotation.

use super::{RawFinding, Rule, Severity};
use crate::eso::EsoKind;
use crate::resource::get_path;
use serde_yaml::Value;

pub const RULE: Rule = Rule {
    code: "STO004",
    name: "workload-identity-service-account",
    severity: Severity::Warning,
    summary: "a WorkloadIdentity store names a ServiceAccount that is not rendered, or lacks its client-id",
    explanation: "With `authType: WorkloadIdentity`, ESO exchanges the token of `serviceAccountRef` for an Entra \
token; the ServiceAccount needs the `azure.workload.identity/client-id` annotation (unless \
`authSecretRef.clientId` is given). A warning, not an error, when the account is not rendered in the environment: \
it may be created outside the repo.\n\n\
Example:\n\n\
\x20   azurekv:\n      authType: WorkloadIdentity\n      serviceAccountRef:\n        name: workload-identity-sa    # STO004: no ServiceAccount of that name in the namespace\n",
    check,
};

/// A WorkloadIdentity store's azurekv block, the ServiceAccount it names and the namespace ESO looks it up in, and
/// the rendered account when there is one (ESO's authorizerForWorkloadIdentity,
/// providers/v1/azure/keyvault/keyvault.go). None for other stores, and for a ClusterSecretStore without
/// `serviceAccountRef.namespace` (each ExternalSecret's namespace is used: nothing to check here).
pub(crate) fn workload_identity_account<'a>(
    env: &super::EnvView<'a>,
    s: &crate::eso::StoreView<'a>,
) -> Option<(&'a Value, String, String, Option<&'a crate::resource::Resource>)> {
    let az = s.azurekv()?;
    if az.get("authType").and_then(Value::as_str) != Some("WorkloadIdentity") {
        return None;
    }
    let name = get_path(az, &["serviceAccountRef", "name"]).and_then(Value::as_str)?.to_string();
    // ESO reads the account in the store's namespace for a SecretStore (a namespace in the reference is STO006's),
    // and in the reference's namespace for a ClusterSecretStore.
    let ns = match s.kind {
        EsoKind::SecretStore => s.resource.namespace().to_string(),
        _ => get_path(az, &["serviceAccountRef", "namespace"]).and_then(Value::as_str)?.to_string(),
    };
    let sa = env.resources.iter().find(|r| {
        r.kind() == "ServiceAccount"
            && r.gvk().group.is_empty()
            && r.name() == name
            && super::same_ns(r.namespace(), &ns)
    });
    Some((az, name, ns, sa))
}

fn check<'a>(env: &super::EnvView<'a>) -> Vec<RawFinding<'a>> {
    let mut out = Vec::new();
    for s in env.stores() {
        let Some((az, name, ns, sa)) = workload_identity_account(env, &s) else { continue };
        match sa {
            None => out.push(RawFinding::at(
                s.resource,
                "spec.provider.azurekv.serviceAccountRef.name",
                format!("ServiceAccount '{name}' is not rendered in namespace '{}' of environment '{}'", if ns.is_empty() { "default" } else { &ns }, env.name),
                "render the ServiceAccount with the azure.workload.identity/client-id annotation, or make sure it exists in the cluster",
            )),
            Some(sa) => {
                let annotated = sa.annotations().iter().any(|(k, v)| k == "azure.workload.identity/client-id" && !v.is_empty());
                if !annotated && get_path(az, &["authSecretRef", "clientId"]).is_none() {
                    out.push(RawFinding::at(
                        sa,
                        "metadata",
                        format!("ServiceAccount '{name}' has no azure.workload.identity/client-id annotation"),
                        "annotate it with the managed identity's client ID (az identity show --query clientId)",
                    ));
                }
            }
        }
    }
    out
}

//! STO007: a WorkloadIdentity store gives its tenant or client ID twice.

use super::sto004_workload_identity_sa::workload_identity_account;
use super::{RawFinding, Rule, Severity};
use crate::resource::get_path;

pub const RULE: Rule = Rule {
    code: "STO007",
    name: "workload-identity-twice",
    severity: Severity::Error,
    summary: "a WorkloadIdentity store gives the tenant or client ID both in the store and on the ServiceAccount",
    explanation: "ESO's `authorizerForWorkloadIdentity` (providers/v1/azure/keyvault/keyvault.go) takes the client ID \
from `authSecretRef.clientId` or the ServiceAccount's `azure.workload.identity/client-id` annotation, and the tenant \
from `authSecretRef.tenantId` or `spec.provider.azurekv.tenantId` or the `azure.workload.identity/tenant-id` \
annotation: one source each. When the annotation is there too, every sync fails with \"multiple tenantID found\" \
(or \"multiple clientID found\") and the store is never Ready. Keep one: usually the annotations, which the \
workload identity webhook reads as well.\n\n\
Example:\n\n\
\x20   azurekv:\n      authType: WorkloadIdentity\n      tenantId: 9b05fdb9-...          # STO007: the ServiceAccount has azure.workload.identity/tenant-id too\n      serviceAccountRef:\n        name: eso-keyvault-reader\n",
    check,
};

fn check<'a>(env: &super::EnvView<'a>) -> Vec<RawFinding<'a>> {
    let mut out = Vec::new();
    for s in env.stores() {
        let Some((az, name, _, Some(sa))) = workload_identity_account(env, &s) else { continue };
        // ESO looks for the annotation key; an empty value counts as given.
        let annotation = |key: &str| sa.annotations().iter().any(|(k, _)| k == key);
        if annotation("azure.workload.identity/tenant-id") {
            let field = if get_path(az, &["authSecretRef", "tenantId"]).is_some() {
                Some("spec.provider.azurekv.authSecretRef.tenantId")
            } else if az.get("tenantId").is_some_and(|t| !t.is_null()) {
                Some("spec.provider.azurekv.tenantId")
            } else {
                None
            };
            if let Some(field) = field {
                out.push(RawFinding::at(
                    s.resource,
                    field,
                    format!("the tenant is given here and by ServiceAccount '{name}''s azure.workload.identity/tenant-id: ESO fails with \"multiple tenantID found\""),
                    "remove one of the two: the store's tenant, or the ServiceAccount's tenant-id annotation",
                ));
            }
        }
        if annotation("azure.workload.identity/client-id") && get_path(az, &["authSecretRef", "clientId"]).is_some() {
            out.push(RawFinding::at(
                s.resource,
                "spec.provider.azurekv.authSecretRef.clientId",
                format!("the client ID is given here and by ServiceAccount '{name}''s azure.workload.identity/client-id: ESO fails with \"multiple clientID found\""),
                "remove one of the two: authSecretRef.clientId, or the ServiceAccount's client-id annotation",
            ));
        }
    }
    out
}

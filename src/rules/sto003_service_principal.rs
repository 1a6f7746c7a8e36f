//! STO003: a ServicePrincipal azurekv store has its credentials.

use super::{RawFinding, Rule, Severity};
use crate::resource::get_path;

pub const RULE: Rule = Rule {
    code: "STO003",
    name: "service-principal-credentials",
    severity: Severity::Error,
    summary: "a ServicePrincipal azurekv store lacks clientId, a client secret or certificate, or a tenantId",
    explanation: "With `authType: ServicePrincipal` (the default), ESO reads `authSecretRef.clientId` and either \
`authSecretRef.clientSecret` or `authSecretRef.clientCertificate`, and needs the tenant (`tenantId`, or \
`authSecretRef.tenantId`). A missing one leaves the store not Ready with an authentication error.\n\n\
Example:\n\n\
\x20   azurekv:\n      tenantId: 9b05fdb9-40c0-4f4a-a654-386013ae7d6a\n      authSecretRef:\n        clientId: {name: azure-sp, key: client-id}   # STO003: no clientSecret or clientCertificate\n",
    check,
};

fn check<'a>(env: &super::EnvView<'a>) -> Vec<RawFinding<'a>> {
    let mut out = Vec::new();
    for s in env.stores() {
        let Some(az) = s.azurekv() else { continue };
        let auth = az.get("authType").and_then(serde_yaml::Value::as_str).unwrap_or("ServicePrincipal");
        if auth != "ServicePrincipal" {
            continue;
        }
        let has = |p: &[&str]| get_path(az, p).is_some();
        let mut missing = Vec::new();
        if !has(&["authSecretRef", "clientId"]) {
            missing.push("authSecretRef.clientId");
        }
        if !has(&["authSecretRef", "clientSecret"]) && !has(&["authSecretRef", "clientCertificate"]) {
            missing.push("authSecretRef.clientSecret (or clientCertificate)");
        }
        if !has(&["tenantId"]) && !has(&["authSecretRef", "tenantId"]) {
            missing.push("tenantId");
        }
        if !missing.is_empty() {
            out.push(RawFinding::at_key(
                s.resource,
                "spec.provider.azurekv",
                format!("ServicePrincipal authentication without {}", missing.join(", ")),
                "add the missing references, or use authType: WorkloadIdentity with a federated service account",
            ));
        }
    }
    out
}

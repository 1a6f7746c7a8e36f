//! STO003: a ServicePrincipal azurekv store has its credentials.

use super::{RawFinding, Rule, Severity};
use crate::resource::get_path;

pub const RULE: Rule = Rule {
    code: "STO003",
    name: "service-principal-credentials",
    severity: Severity::Error,
    summary: "a ServicePrincipal azurekv store lacks clientId, one of client secret or certificate, or tenantId",
    explanation: "With `authType: ServicePrincipal` (the default), ESO's `authorizerForServicePrincipal` \
(providers/v1/azure/keyvault/keyvault.go) and `buildServicePrincipalCredential` (keyvault_new_sdk.go) need \
`spec.provider.azurekv.tenantId` (`authSecretRef.tenantId` is not read for this auth type), \
`authSecretRef.clientId`, and exactly one of `authSecretRef.clientSecret` and `authSecretRef.clientCertificate` \
(\"both clientSecret and clientCredentials set\" otherwise). Anything else leaves the store not Ready.\n\n\
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
        if !has(&["tenantId"]) {
            missing.push(if has(&["authSecretRef", "tenantId"]) {
                "tenantId (authSecretRef.tenantId is not read for ServicePrincipal)"
            } else {
                "tenantId"
            });
        }
        if !missing.is_empty() {
            out.push(RawFinding::at_key(
                s.resource,
                "spec.provider.azurekv",
                format!("ServicePrincipal authentication without {}", missing.join(", ")),
                "add the missing references, or use authType: WorkloadIdentity with a federated service account",
            ));
        } else if has(&["authSecretRef", "clientSecret"]) && has(&["authSecretRef", "clientCertificate"]) {
            out.push(RawFinding::at_key(
                s.resource,
                "spec.provider.azurekv",
                "ServicePrincipal authentication with both clientSecret and clientCertificate: ESO refuses it",
                "keep one of authSecretRef.clientSecret and authSecretRef.clientCertificate",
            ));
        }
    }
    out
}

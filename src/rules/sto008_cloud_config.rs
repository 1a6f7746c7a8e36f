//! STO008: an azurekv store's custom cloud settings that ESO refuses.

use super::{RawFinding, Rule, Severity};
use serde_yaml::Value;

pub const RULE: Rule = Rule {
    code: "STO008",
    name: "custom-cloud-config",
    severity: Severity::Error,
    summary: "AzureStackCloud without customCloudConfig, or a customCloudConfig without useAzureSDK: true",
    explanation: "The azurekv provider's `ValidateStore` (providers/v1/azure/keyvault/keyvault.go) refuses a store \
whose `customCloudConfig` is set without `useAzureSDK: true` (\"the legacy SDK does not support custom clouds\") or \
without `activeDirectoryEndpoint` (that one the CRD schema already requires: ESO001), and an `environmentType: AzureStackCloud` without `customCloudConfig`. The store \
is not Ready and no ExternalSecret using it syncs.\n\n\
Example:\n\n\
\x20   azurekv:\n      environmentType: AzureStackCloud   # STO008: no customCloudConfig\n      vaultUrl: https://kv.vault.local.azurestack.external/\n",
    check,
};

fn check<'a>(env: &super::EnvView<'a>) -> Vec<RawFinding<'a>> {
    let mut out = Vec::new();
    for s in env.stores() {
        let Some(az) = s.azurekv() else { continue };
        let custom = az.get("customCloudConfig").filter(|c| !c.is_null());
        let base = "spec.provider.azurekv";
        // A customCloudConfig without activeDirectoryEndpoint is the CRD schema's finding (ESO001: required).
        if custom.is_some() {
            if az.get("useAzureSDK").and_then(Value::as_bool) != Some(true) {
                out.push(RawFinding::at_key(
                    s.resource,
                    format!("{base}.customCloudConfig"),
                    "customCloudConfig requires useAzureSDK: true (the legacy SDK does not support custom clouds)",
                    "set spec.provider.azurekv.useAzureSDK: true",
                ));
            }
        } else if az.get("environmentType").and_then(Value::as_str) == Some("AzureStackCloud") {
            out.push(RawFinding::at(
                s.resource,
                format!("{base}.environmentType"),
                "environmentType AzureStackCloud requires customCloudConfig",
                "add customCloudConfig (activeDirectoryEndpoint, keyVaultEndpoint, ...) and useAzureSDK: true",
            ));
        }
    }
    out
}

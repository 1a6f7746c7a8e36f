//! STO002: an azurekv tenantId is a GUID.

use super::{RawFinding, Rule, Severity};

pub const RULE: Rule = Rule {
    code: "STO002",
    name: "tenant-id",
    severity: Severity::Error,
    summary: "an azurekv tenantId is not a GUID",
    explanation: "`provider.azurekv.tenantId` is the Entra tenant's GUID (`az account show --query tenantId`). A \
placeholder or a tenant name makes every token request fail.\n\n\
Example:\n\n\
\x20   azurekv:\n      tenantId: <AZURE_TENANT_ID>     # STO002\n",
    check,
};

pub fn is_guid(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() == 5
        && [8, 4, 4, 4, 12].iter().zip(&parts).all(|(n, p)| p.len() == *n && p.chars().all(|c| c.is_ascii_hexdigit()))
}

fn check<'a>(env: &super::EnvView<'a>) -> Vec<RawFinding<'a>> {
    let mut out = Vec::new();
    for s in env.stores() {
        let Some(t) = s.azurekv().and_then(|a| a.get("tenantId")).and_then(serde_yaml::Value::as_str) else { continue };
        // A Flux post-build substitution is filled in when Flux applies the store.
        if !is_guid(t) && !crate::eso::has_substitution(t) {
            out.push(RawFinding::at(
                s.resource,
                "spec.provider.azurekv.tenantId",
                format!("tenantId '{t}' is not a GUID"),
                "use the tenant's ID: az account show --query tenantId -o tsv",
            ));
        }
    }
    out
}

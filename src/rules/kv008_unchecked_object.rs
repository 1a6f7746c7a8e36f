//! KV008: a `key/` reference, which the secrets listing cannot see.

use super::{RawFinding, Rule, Severity};

pub const RULE: Rule = Rule {
    code: "KV008",
    name: "key-object-not-checked",
    severity: Severity::Info,
    summary: "a remoteRef.key of the form key/<name> (a Key Vault key) was not checked",
    explanation: "The azurekv provider reads `key/` objects with GetKey (`getObjType`, providers/v1/azure/keyvault/keyvault.go). \
`key/<name>` reads a Key Vault *key* (as a JWK), which the secrets API does not list, so its \
existence is not checked, and its rotation does not change the rollout hash of the workloads that read it (the \
ExternalSecret's other references still do). `cert/<name>` references are checked: a certificate has a secret of the same name.\n\n\
Example:\n\n\
\x20   remoteRef:\n      key: key/signing-key     # KV008\n",
    check,
};

fn check<'a>(env: &super::EnvView<'a>) -> Vec<RawFinding<'a>> {
    if env.vault.is_none() {
        return Vec::new();
    }
    let model = env.model;
    model
        .key_refs()
        .iter()
        .filter(|k| k.object == crate::eso::azure::KeyObject::Key)
        .map(|k| {
            RawFinding::at(
                k.external_secret,
                k.path.clone(),
                format!("Key Vault key '{}' in {} was not checked (keys are not listed with secrets)", k.name, k.vault),
                "check it with: az keyvault key show --vault-name <vault> --name <name>",
            )
        })
        .collect()
}

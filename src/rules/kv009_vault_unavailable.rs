//! KV009: the vault could not be inventoried.

use super::{RawFinding, Rule, Severity};

pub const RULE: Rule = Rule {
    code: "KV009",
    name: "vault-unavailable",
    severity: Severity::Error,
    summary: "a vault the environment reads could not be queried (access denied, unknown host, timeout)",
    explanation: "The Key Vault stage could not list the vault: 401/403 (the identity lacks the permission to list \
secrets: the 'Key Vault Reader' role, which reads metadata and never values, or an access policy with List), an unknown host (a wrong vaultUrl), or no \
answer within the timeout. Nothing about its keys is known, so the run cannot vouch for them. Use `--offline` with \
an inventory file where Azure is not reachable.\n\n\
Example:\n\n\
\x20   # access to https://kv-contoso-prod.vault.azure.net/ was denied (403)\n",
    check,
};

fn check<'a>(env: &super::EnvView<'a>) -> Vec<RawFinding<'a>> {
    let Some(vd) = env.vault else { return Vec::new() };
    let model = env.model;
    let mut reported = std::collections::BTreeSet::new();
    let mut out = Vec::new();
    for k in model.key_refs() {
        let Some(Err(e)) = vd.inventories.get(&k.vault) else { continue };
        if !reported.insert(k.vault.clone()) {
            continue;
        }
        // The failure's kind decides the advice: a 403 is fixed in Azure RBAC, an unknown host in the vaultUrl.
        let hint = e.kind.hint();
        let message = format!(
            "{} [{}; credential: {}]",
            e.message,
            e.kind.class(),
            vd.credential.as_deref().unwrap_or("none could be made")
        );
        out.push(match k.store {
            Some(store) => RawFinding::at(store, "spec.provider.azurekv.vaultUrl", message, hint),
            None => RawFinding::at(k.external_secret, k.path.clone(), message, hint),
        });
    }
    out
}

//! KV007: a dataFrom.find matches no secret.

use super::{RawFinding, Rule, Severity};

pub const RULE: Rule = Rule {
    code: "KV007",
    name: "find-matches-nothing",
    severity: Severity::Warning,
    summary: "a dataFrom.find (name regexp and/or tags) matches no enabled secret of the vault",
    explanation: "Mirrors the azurekv provider's `GetAllSecrets` (providers/v1/azure/keyvault/keyvault.go). \
ESO's azurekv `find` lists the vault, keeps enabled secrets whose tags all match and whose name \
matches `name.regexp`, and writes them into the Secret. Matching nothing produces an empty Secret: usually a \
regexp or a tag that differs between environments.\n\n\
Example:\n\n\
\x20   dataFrom:\n    - find:\n        name: {regexp: \"^orders-\"}\n        tags: {app: order}     # KV007: the vault tags its secrets app=orders\n",
    check,
};

fn check<'a>(env: &super::EnvView<'a>) -> Vec<RawFinding<'a>> {
    let mut out = Vec::new();
    let model = env.model;
    let Some(vault) = env.vault else { return out };
    for f in model.find_refs() {
        // An invalid regexp matches nothing either, but that is ESO's own error (ESO011), not a vault/regexp
        // mismatch.
        if let crate::vault::stage::Taken::Secrets(taken) = vault.taken_by(f)
            && taken.is_empty()
        {
            out.push(RawFinding::at(
                f.external_secret,
                f.path.clone(),
                format!("dataFrom.find matches no enabled secret of {} (environment '{}')", f.vault, env.name),
                "check the name regexp and tags against `az keyvault secret list` of this environment's vault",
            ));
        }
    }
    out
}

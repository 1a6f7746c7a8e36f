//! KV000: the Key Vault stage was skipped.

use super::{RawFinding, Rule, Severity};

pub const CODE: &str = "KV000";

pub const RULE: Rule = Rule {
    code: CODE,
    name: "vault-stage-skipped",
    severity: Severity::Info,
    summary: "Key Vault references were not checked (--offline, and no inventory file for their vault)",
    explanation: "With `--offline`, the Key Vault stage reads only the inventory files given (`--vault-inventory`, or \
`vaultInventory` in .argocd-eso-plugin.yaml) and does not contact Azure. References to other vaults are not \
checked; this finding says so once per run, so that a green lint is not mistaken for a checked one.\n\n\
Example:\n\n\
\x20   argocd-eso-plugin lint --offline     # KV000: 12 references to 2 vault(s) not checked\n",
    check,
};

/// Reported once per run by the lint pipeline.
fn check<'a>(_env: &super::EnvView<'a>) -> Vec<RawFinding<'a>> {
    Vec::new()
}

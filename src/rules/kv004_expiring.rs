//! KV004: a referenced secret expires soon.

use super::{RawFinding, Rule, Severity};

pub const RULE: Rule = Rule {
    code: "KV004",
    name: "key-expiring",
    severity: Severity::Warning,
    summary: "a referenced secret expires within --expiry-warning-days (default 30)",
    explanation: "The secret still works, but will stop working on its `exp` date. Seed 002's scenario: a registry \
pull credential with a one-year lifetime, renewed only after image pulls start failing. Rotate it now; ESO and the \
rollout annotations carry the new version to the pods.\n\n\
Example:\n\n\
\x20   # acr-pull-auth expires on 2026-12-01, in 8 days\n",
    check,
};

fn check<'a>(env: &super::EnvView<'a>) -> Vec<RawFinding<'a>> {
    let Some(vd) = env.vault else { return Vec::new() };
    let horizon = vd.now + vd.expiry_warning_days * 86_400;
    let mut out = Vec::new();
    for (k, inv) in env.key_refs() {
        let Some(m) = inv.get(&k.name) else { continue };
        if let Some(exp) = m.expires.filter(|e| *e > vd.now && *e <= horizon) {
            let days = (exp - vd.now) / 86_400;
            out.push(RawFinding::at(
                k.external_secret,
                k.path.clone(),
                format!(
                    "secret '{}' in {} expires on {} (in {days} day(s))",
                    m.name,
                    k.vault,
                    super::kv003_expired::date(exp)
                ),
                "rotate it before then: set a new version with a later expiry",
            ));
        }
    }
    out
}

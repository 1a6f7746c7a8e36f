//! WRK003: a secretKeyRef to a Secret whose keys cannot be known from the repository.

use super::keyset::Keys;
use super::{RawFinding, Rule, Severity};

pub const RULE: Rule = Rule {
    code: "WRK003",
    name: "secret-keys-unknown",
    severity: Severity::Info,
    summary: "a secretKeyRef reads a Secret whose keys cannot be known here, so WRK002 cannot check it",
    explanation: "The keys follow `rules::keyset`, which mirrors `ApplyTemplate` (pkg/controllers/externalsecret/externalsecret_controller_template.go) and `handleFindAllSecrets` (externalsecret_controller_secret.go). \
WRK002 checks that a `secretKeyRef` names a key the ExternalSecret produces. Some keys are known \
only in the cluster: those inside a secret's value (`dataFrom.extract`, `rewrite.merge`), those from a ConfigMap or \
Secret (`templateFrom`), those a Secret already has (`creationPolicy: Merge`/`CreateOrMerge`), or the secrets a \
`dataFrom.find` takes when the vault's full listing is not known (offline without an inventory). Rather than claim \
the key is there or missing, this says which reference was not checked and why.\n\n\
Example:\n\n\
\x20   dataFrom:\n    - extract: {key: orders-db-json}   # WRK003 at the Deployment's secretKeyRef to this Secret\n",
    check,
};

fn check<'a>(env: &super::EnvView<'a>) -> Vec<RawFinding<'a>> {
    let mut out = Vec::new();
    for r in super::keyset::key_references(env) {
        if r.provided() || r.writers.iter().any(|(_, k)| *k == Keys::Broken) {
            continue;
        }
        let Some((es, why)) = r.writers.iter().find_map(|(es, k)| k.gap().map(|why| (es.resource.name(), why))) else {
            continue;
        };
        out.push(RawFinding::at(
            r.consumer,
            r.path.clone(),
            format!("key '{}' of Secret '{}' is not checked: ExternalSecret '{es}': {why}", r.key, r.secret),
            "nothing to fix if the key exists in the cluster; an inventory with the vault's full listing lets a find be checked",
        ));
    }
    out
}

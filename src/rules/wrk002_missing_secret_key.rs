//! WRK002: a secretKeyRef reads a key the providing ExternalSecret does not produce.

use super::{RawFinding, Rule, Severity};
use crate::eso::consumers::HowRead;
use crate::model::Provider;

pub const RULE: Rule = Rule {
    code: "WRK002",
    name: "missing-secret-key",
    severity: Severity::Error,
    summary: "a secretKeyRef reads a key that the ExternalSecret providing the Secret does not produce",
    explanation: "The keys of an ExternalSecret's target Secret, as ESO computes them (`rules::keyset`, mirroring \
`ApplyTemplate` in pkg/controllers/externalsecret/externalsecret_controller_template.go and `handleFindAllSecrets` \
with `esutils.RewriteMap`): its `data[].secretKey`s; the names a `dataFrom.find` takes from the vault's inventory, \
after its `rewrite` operations; or the keys of `target.template.data` (plus the fetched ones with \
`mergePolicy: Merge`); the union over every ExternalSecret that writes the Secret. A `secretKeyRef` to another key \
fails the pod with CreateContainerConfigError. When the keys cannot be known (an `extract`, `templateFrom`, a \
creationPolicy that keeps existing keys, a find without the vault's full listing), WRK003 says so instead; an \
`optional: true` reference is not checked.\n\n\
Example:\n\n\
\x20   env:\n    - name: DB_PASSWORD\n      valueFrom:\n        secretKeyRef: {name: orders-db, key: PASSWORD}   # WRK002: orders-db has POSTGRES_PASSWORD\n",
    check,
};

fn check<'a>(env: &super::EnvView<'a>) -> Vec<RawFinding<'a>> {
    let model = env.model;
    let mut out = Vec::new();
    for c in model.consumers() {
        let r = c.resource;
        for u in c.uses.iter().filter(|u| u.how == HowRead::SecretKeyRef && !u.optional) {
            let Some(key) = &u.key else { continue };
            // Every ExternalSecret writing that Secret (several may, with creationPolicy Merge): the union of their
            // keys, unknown if any one's keys are.
            let providers: Vec<_> = model
                .providers(r.namespace(), &u.secret)
                .iter()
                .filter_map(|p| match p {
                    Provider::ExternalSecret(es) => Some(es),
                    Provider::Secret(_) => None,
                })
                .collect();
            let Some(es) = providers.first() else { continue };
            let sets: Vec<super::keyset::Keys> = providers.iter().map(|p| super::keyset::target_keys(env, p)).collect();
            let keys: std::collections::BTreeSet<String> =
                sets.iter().filter_map(|k| k.sure()).flatten().cloned().collect();
            // A key some writer surely writes is there; a key none does is missing only when every writer's keys
            // are known. Otherwise WRK003 says it was not checked.
            if keys.contains(key) || sets.iter().any(|k| k.gap().is_some()) {
                // (Broken counts as a gap: KV007 has said why.)
                continue;
            }
            if !keys.contains(key) {
                let list: Vec<String> = keys.iter().cloned().collect();
                let hint = match super::did_you_mean(key, &list) {
                    Some(s) => format!("did you mean '{s}'? it produces: {}", list.join(", ")),
                    None => format!("it produces: {}", list.join(", ")),
                };
                let path = u.path.replace(".name", ".key");
                out.push(RawFinding::at(
                    r,
                    path,
                    format!(
                        "key '{key}' is not in Secret '{}': ExternalSecret '{}' does not produce it",
                        u.secret,
                        es.resource.name()
                    ),
                    hint,
                ));
            }
        }
    }
    out
}

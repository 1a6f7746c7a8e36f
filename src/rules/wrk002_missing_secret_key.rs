//! WRK002: a secretKeyRef reads a key the providing ExternalSecret does not produce.

use super::{RawFinding, Rule, Severity};

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
    let mut out = Vec::new();
    for r in super::keyset::key_references(env) {
        // A key some writer surely writes is there; a key none does is missing only when every writer's keys are
        // known (a gap, or a broken find, is WRK003's or KV007's to say).
        if r.provided() || r.writers.iter().any(|(_, k)| k.gap().is_some()) {
            continue;
        }
        let list: Vec<String> = r.writers.iter().filter_map(|(_, k)| k.sure()).flatten().cloned().collect();
        let hint = match super::did_you_mean(&r.key, &list) {
            Some(s) => format!("did you mean '{s}'? it produces: {}", list.join(", ")),
            None => format!("it produces: {}", list.join(", ")),
        };
        out.push(RawFinding::at(
            r.consumer,
            r.path,
            format!(
                "key '{}' is not in Secret '{}': ExternalSecret '{}' does not produce it",
                r.key,
                r.secret,
                r.writers[0].0.resource.name()
            ),
            hint,
        ));
    }
    out
}

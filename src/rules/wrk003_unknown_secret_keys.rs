//! WRK003: a secretKeyRef to a Secret whose keys cannot be known from the repository.

use super::keyset::target_keys;
use super::{RawFinding, Rule, Severity};
use crate::eso::consumers::HowRead;
use crate::model::Provider;

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
    let model = env.model;
    let mut out = Vec::new();
    for c in model.consumers() {
        let r = c.resource;
        for u in c.uses.iter().filter(|u| u.how == HowRead::SecretKeyRef && !u.optional) {
            let Some(key) = &u.key else { continue };
            let writers: Vec<_> = model
                .providers(r.namespace(), &u.secret)
                .iter()
                .filter_map(|p| match p {
                    Provider::ExternalSecret(es) => Some((es, target_keys(env, es))),
                    Provider::Secret(_) => None,
                })
                .collect();
            let broken = writers.iter().any(|(_, k)| *k == super::keyset::Keys::Broken);
            if broken || writers.iter().any(|(_, k)| k.sure().is_some_and(|s| s.contains(key))) {
                continue;
            }
            let why =
                writers.iter().find_map(|(es, k)| k.gap().map(|why| (es.resource.name().to_string(), why.to_string())));
            if let Some((es, why)) = why {
                out.push(RawFinding::at(
                    r,
                    u.path.replace(".name", ".key"),
                    format!("key '{key}' of Secret '{}' is not checked: ExternalSecret '{es}': {why}", u.secret),
                    "nothing to fix if the key exists in the cluster; an inventory with the vault's full listing lets a find be checked",
                ));
            }
        }
    }
    out
}

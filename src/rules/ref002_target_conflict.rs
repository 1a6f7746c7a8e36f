//! REF002: two writers of the same Secret without Merge.

use super::{RawFinding, Rule, Severity};
use crate::resource::effective_ns;
use std::collections::BTreeMap;

pub const RULE: Rule = Rule {
    code: "REF002",
    name: "target-conflict",
    severity: Severity::Error,
    summary: "two ExternalSecrets, or an ExternalSecret and a Secret, write the same Secret",
    explanation: "ESO marks the Secrets it owns with the owner label and refuses a Secret another ExternalSecret owns (pkg/controllers/externalsecret/externalsecret_controller.go, `Reconcile`). \
Two ExternalSecrets with the same `target.name` in one namespace, or an ExternalSecret and a plain \
Secret of that name, fight over the Secret: with creationPolicy Owner each takes ownership in turn and Argo CD \
shows endless changes. Only `creationPolicy: Merge` (or None) is meant to share a Secret.\n\n\
Example:\n\n\
\x20   # orders-db.yaml            target: {name: db-credentials}\n    # orders-db-legacy.yaml     target: {name: db-credentials}   # REF002\n",
    check,
};

fn check<'a>(env: &super::EnvView<'a>) -> Vec<RawFinding<'a>> {
    let mut out = Vec::new();
    let mut writers: BTreeMap<(String, String), Vec<(&'a crate::resource::Resource, String)>> = BTreeMap::new();
    for es in env.external_secrets() {
        if matches!(es.creation_policy(), "Merge" | "None") || es.resource.kind() != "ExternalSecret" {
            continue;
        }
        writers
            .entry((effective_ns(es.resource.namespace()).to_string(), es.target_name()))
            .or_default()
            .push((es.resource, es.path("target.name")));
    }
    for r in env.resources.iter().filter(|r| r.kind() == "Secret" && r.gvk().group.is_empty()) {
        if let Some(list) = writers.get_mut(&(effective_ns(r.namespace()).to_string(), r.name().to_string())) {
            list.push((r, "metadata.name".into()));
        }
    }
    for ((ns, name), list) in writers {
        for (r, path) in list.iter().skip(1) {
            let first = super::object_label(list[0].0);
            out.push(RawFinding::at(
                r,
                path.clone(),
                format!("Secret '{name}' in namespace '{ns}' is also written by {first}"),
                "give each ExternalSecret its own target, or set creationPolicy: Merge on the ones that add keys",
            ));
        }
    }
    out
}

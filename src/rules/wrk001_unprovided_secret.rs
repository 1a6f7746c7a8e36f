//! WRK001: a workload reads a Secret that nothing in the environment provides.

use super::{RawFinding, Rule, Severity};
use crate::eso::EsoKind;
use crate::eso::consumers::secret_uses;

pub const RULE: Rule = Rule {
    code: "WRK001",
    name: "unprovided-secret",
    severity: Severity::Warning,
    summary: "a workload reads a Secret that no ExternalSecret or Secret in the environment provides",
    explanation: "A Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, Pod or Argo Rollout that reads a \
Secret (envFrom, secretKeyRef, secret or projected volume, imagePullSecrets) which nothing rendered for the \
environment creates. A warning: the Secret may be created outside the repo; a typo in the name keeps the pods in \
CreateContainerConfigError. References marked `optional: true` are not reported.\n\n\
Example:\n\n\
\x20   envFrom:\n    - secretRef:\n        name: orders-dbb     # WRK001: the ExternalSecret writes 'orders-db'\n",
    check,
};

fn check<'a>(env: &super::EnvView<'a>) -> Vec<RawFinding<'a>> {
    let mut provided: Vec<(String, String)> = env
        .external_secrets()
        .filter(|es| es.resource.kind() == "ExternalSecret")
        .map(|es| (es.resource.namespace().to_string(), es.target_name()))
        .collect();
    provided.extend(
        env.resources
            .iter()
            .filter(|r| r.kind() == "Secret" && r.gvk().group.is_empty())
            .map(|r| (r.namespace().to_string(), r.name().to_string())),
    );
    // A ClusterExternalSecret lands in namespaces chosen in the cluster: its Secret counts as provided anywhere.
    let anywhere: Vec<String> = env
        .of_kind(EsoKind::ClusterExternalSecret)
        .filter_map(crate::eso::ExternalSecretView::new)
        .map(|v| v.target_name())
        .collect();
    let mut out = Vec::new();
    for r in env.resources {
        for u in secret_uses(r) {
            if u.optional {
                continue;
            }
            let ns = r.namespace().to_string();
            let known =
                provided.iter().any(|(n, s)| super::same_ns(n, &ns) && *s == u.secret) || anywhere.contains(&u.secret);
            if !known {
                let candidates: Vec<String> =
                    provided.iter().filter(|(n, _)| super::same_ns(n, &ns)).map(|(_, s)| s.clone()).collect();
                let hint = match super::did_you_mean(&u.secret, &candidates) {
                    Some(s) => format!("did you mean '{s}'?"),
                    None => "add an ExternalSecret with this target name, or mark the reference optional".to_string(),
                };
                out.push(RawFinding::at(
                    r,
                    u.path,
                    format!(
                        "{} reads Secret '{}' ({}) which nothing in environment '{}' provides",
                        r.kind(),
                        u.secret,
                        u.how.describe(),
                        env.name
                    ),
                    hint,
                ));
            }
        }
    }
    out
}

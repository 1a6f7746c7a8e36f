//! WRK001: a workload reads a Secret that nothing in the environment provides.

use super::{RawFinding, Rule, Severity};

pub const RULE: Rule = Rule {
    code: "WRK001",
    name: "unprovided-secret",
    severity: Severity::Warning,
    summary: "a workload reads a Secret that no ExternalSecret or Secret in the environment provides",
    explanation: "A Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, Pod or Argo Rollout that reads a \
Secret (envFrom, secretKeyRef, secret or projected volume, imagePullSecrets) which nothing rendered for the \
environment creates (a Secret, an ExternalSecret, or an object another controller makes a Secret from: a cert-manager \
Certificate, a SealedSecret, a CloudNativePG Cluster, a Vault Secrets Operator secret, a OnePasswordItem, a Crossplane \
`writeConnectionSecretToRef`); an ExternalSecret with `creationPolicy: Merge` or `None` does not create its Secret, it only \
updates one (ESO's `Reconcile`, pkg/controllers/externalsecret/externalsecret_controller.go). A warning: the Secret may \
be created outside the repo; a typo in the name keeps the pods in \
CreateContainerConfigError. References marked `optional: true` are not reported.\n\n\
Example:\n\n\
\x20   envFrom:\n    - secretRef:\n        name: orders-dbb     # WRK001: the ExternalSecret writes 'orders-db'\n",
    check,
};

fn check<'a>(env: &super::EnvView<'a>) -> Vec<RawFinding<'a>> {
    let model = env.model;
    let mut out = Vec::new();
    for c in model.consumers() {
        let r = c.resource;
        for u in c.uses.iter().filter(|u| !u.optional) {
            // A ClusterExternalSecret lands in namespaces chosen in the cluster: its Secret counts as provided
            // anywhere.
            let providers = model.providers(r.namespace(), &u.secret);
            // An ExternalSecret with creationPolicy Merge or None writes into a Secret only when something else
            // created it (ESO's `Reconcile`: "secret not found" for Merge, nothing done for None).
            let creates = |p: &crate::model::Provider| match p {
                crate::model::Provider::ExternalSecret(es) => !matches!(es.creation_policy(), "Merge" | "None"),
                crate::model::Provider::Secret(_) | crate::model::Provider::Controller(..) => true,
            };
            if providers.iter().any(creates) || model.provided_by_cluster_external_secret(&u.secret) {
                continue;
            }
            let (message, hint) = match providers.first() {
                Some(crate::model::Provider::ExternalSecret(es)) => (
                    format!(
                        "{} reads Secret '{}', which ExternalSecret '{}' only updates (creationPolicy {}): nothing in environment '{}' creates it",
                        r.kind(),
                        u.secret,
                        es.resource.name(),
                        es.creation_policy(),
                        env.name
                    ),
                    "give one writer creationPolicy Owner (or CreateOrMerge), or create the Secret in the repo"
                        .to_string(),
                ),
                _ => (
                    format!(
                        "{} reads Secret '{}' ({}) which nothing in environment '{}' provides",
                        r.kind(),
                        u.secret,
                        u.how.describe(),
                        env.name
                    ),
                    match super::did_you_mean(&u.secret, &model.provided_in(r.namespace())) {
                        Some(s) => format!("did you mean '{s}'?"),
                        None => {
                            "add an ExternalSecret with this target name, or mark the reference optional".to_string()
                        }
                    },
                ),
            };
            out.push(RawFinding::at(r, u.path.clone(), message, hint));
        }
    }
    out
}

//! ESO008: a cluster-scoped ESO object rendered with a namespace.

use super::{RawFinding, Rule, Severity};
use crate::eso::EsoKind;

pub const RULE: Rule = Rule {
    code: "ESO008",
    name: "cluster-scoped-namespace",
    severity: Severity::Warning,
    summary: "a ClusterSecretStore or ClusterExternalSecret carries metadata.namespace",
    explanation: "Both are `+kubebuilder:resource:scope=Cluster` (apis/externalsecrets/v1/secretstore_types.go, clusterexternalsecret_types.go). \
ClusterSecretStore and ClusterExternalSecret are cluster-scoped. kustomize's `namespace:` does not \
know ESO's CRDs and stamps a namespace on them; the object then differs from what the cluster returns, and Argo CD \
shows it OutOfSync forever. Move the store to a kustomization without `namespace:`, or remove the field with a \
patch.\n\n\
Example (in an overlay with `namespace: orders-prod`):\n\n\
    kind: ClusterSecretStore\n    metadata:\n      name: azure-kv\n      namespace: orders-prod    # ESO008\n",
    check,
};

fn check<'a>(env: &super::EnvView<'a>) -> Vec<RawFinding<'a>> {
    let mut out = Vec::new();
    for r in env.resources {
        let Some(kind) = EsoKind::of(r) else { continue };
        if kind.is_cluster_scoped() && !r.namespace().is_empty() {
            out.push(RawFinding::at_key(
                r,
                "metadata.namespace",
                format!("{} is cluster-scoped but is rendered with namespace '{}'", r.kind(), r.namespace()),
                "keep cluster-scoped ESO objects out of kustomizations that set `namespace:`",
            ));
        }
    }
    out
}

//! `namespace:`: sets metadata.namespace on namespaced objects, the namespace of `default` service-account subjects
//! in role bindings, and the namespace fields of the table (webhook and APIService service references).

use crate::kustomize::KustomizeError;
use crate::kustomize::fieldspec::{self, CreateKind};
use crate::kustomize::specs;
use crate::resource::Resource;
use serde_yaml::Value;

pub fn apply(resources: &mut [Resource], namespace: &str) -> Result<(), KustomizeError> {
    for r in resources.iter_mut() {
        r.store_previous_id();
        let gvk = r.gvk();
        if !gvk.is_cluster_scoped() {
            r.set_namespace(namespace);
        }
        // A core Namespace object becomes the namespace itself.
        if gvk.kind == "Namespace" && gvk.group.is_empty() {
            r.set_name(namespace);
        }
        if (gvk.kind == "RoleBinding" || gvk.kind == "ClusterRoleBinding")
            && let Some(subjects) = r.value.get_mut("subjects").and_then(Value::as_sequence_mut)
        {
            for s in subjects.iter_mut() {
                let is_default = s.get("name").and_then(Value::as_str) == Some("default");
                if let (true, Some(m)) = (is_default, s.as_mapping_mut()) {
                    m.insert("namespace".into(), Value::String(namespace.to_string()));
                }
            }
        }
        for fs in specs::namespace_fields() {
            if fieldspec::selects(&fs, &gvk) {
                fieldspec::apply(&mut r.value, &fs, Some(CreateKind::Scalar), &mut |v| {
                    *v = Value::String(namespace.to_string());
                    Ok(())
                })?;
            }
        }
    }
    crate::kustomize::filters::check_unique_ids(resources, "namespace transformation produces ID conflict")
}

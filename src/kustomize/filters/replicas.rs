//! `replicas:`: sets spec.replicas of the named workloads.

use crate::kustomize::KustomizeError;
use crate::kustomize::fieldspec::{self, CreateKind};
use crate::kustomize::types::{FieldSpec, Replica};
use crate::resource::Resource;
use serde_yaml::Value;

pub fn apply(
    resources: &mut [Resource],
    replicas: &[Replica],
    field_specs: &[FieldSpec],
) -> Result<(), KustomizeError> {
    for replica in replicas {
        let mut found = false;
        for fs in field_specs {
            for r in resources.iter_mut() {
                let matches = r.all_ids().iter().any(|id| id.name == replica.name && fieldspec::selects(fs, &id.gvk));
                if !matches {
                    continue;
                }
                found = true;
                fieldspec::apply(&mut r.value, fs, Some(CreateKind::Scalar), &mut |v| {
                    *v = Value::Number(replica.count.into());
                    Ok(())
                })?;
            }
        }
        if !found {
            return Err(KustomizeError::Transform {
                message: format!(
                    "replicas: resource with name {} does not match a workload with replicas",
                    replica.name
                ),
            });
        }
    }
    Ok(())
}

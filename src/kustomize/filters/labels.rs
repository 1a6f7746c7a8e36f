//! commonLabels, labels and commonAnnotations: set key/value entries in every map the field specs address.

use crate::kustomize::KustomizeError;
use crate::kustomize::fieldspec::{self, CreateKind};
use crate::kustomize::types::{FieldSpec, StringMap};
use crate::resource::Resource;
use serde_yaml::{Mapping, Value};

pub fn apply(resources: &mut [Resource], entries: &StringMap, field_specs: &[FieldSpec]) -> Result<(), KustomizeError> {
    if entries.is_empty() {
        return Ok(());
    }
    for r in resources.iter_mut() {
        let gvk = r.gvk();
        for fs in field_specs {
            if !fieldspec::selects(fs, &gvk) {
                continue;
            }
            fieldspec::apply(&mut r.value, fs, Some(CreateKind::Mapping), &mut |v| {
                if v.is_null() {
                    *v = Value::Mapping(Mapping::new());
                }
                let m = v.as_mapping_mut().ok_or("expected a map of labels or annotations")?;
                for (k, val) in entries {
                    m.insert(Value::String(k.clone()), Value::String(val.clone()));
                }
                Ok(())
            })?;
        }
    }
    Ok(())
}

/// Merge field spec lists the way kustomize's FsSlice.MergeAll does: a spec equal in GVK and path is kept once.
pub fn merge_specs(base: &[FieldSpec], extra: &[FieldSpec]) -> Vec<FieldSpec> {
    let mut out = base.to_vec();
    for fs in extra {
        let dup = out
            .iter()
            .any(|o| o.path == fs.path && o.kind == fs.kind && o.group == fs.group && o.version == fs.version);
        if !dup {
            out.push(fs.clone());
        }
    }
    out
}

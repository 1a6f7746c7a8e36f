//! commonLabels, labels and commonAnnotations: set key/value entries in every map the field specs address.

use crate::kustomize::KustomizeError;
use crate::kustomize::fieldspec::{self, CreateKind};
use crate::kustomize::linked::{self, PathSeg};
use crate::kustomize::types::{FieldSpec, StringMap};
use crate::resource::Resource;
use serde_yaml::{Mapping, Value};
use std::collections::BTreeMap;

pub fn apply(resources: &mut [Resource], entries: &StringMap, field_specs: &[FieldSpec]) -> Result<(), KustomizeError> {
    if entries.is_empty() {
        return Ok(());
    }
    for r in resources.iter_mut() {
        let gvk = r.gvk();
        // Where each key was missing and is created now: one node in kustomize (see `kustomize::linked`).
        let mut created: BTreeMap<&str, Vec<Vec<PathSeg>>> = BTreeMap::new();
        for fs in field_specs {
            if !fieldspec::selects(fs, &gvk) {
                continue;
            }
            fieldspec::apply_at(&mut r.value, fs, Some(CreateKind::Mapping), &mut |at, v| {
                if v.is_null() {
                    *v = Value::Mapping(Mapping::new());
                }
                let m = v.as_mapping_mut().ok_or("expected a map of labels or annotations")?;
                for (k, val) in entries {
                    let previous = m.insert(Value::String(k.clone()), Value::String(val.clone()));
                    if previous.is_none() {
                        let mut place = at.to_vec();
                        place.push(PathSeg::Key(k.clone()));
                        created.entry(k.as_str()).or_default().push(place);
                    }
                }
                Ok(())
            })?;
        }
        for (k, places) in created {
            linked::link(r, places, Value::String(entries[k].clone()));
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

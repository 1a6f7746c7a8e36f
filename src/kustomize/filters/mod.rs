//! One transformer per file, each a small unit over the resources of a build (after kustomize's api/filters).

pub mod hash;
pub mod images;
pub mod labels;
pub mod nameref;
pub mod namespace;
pub mod patch_json6902;
pub mod patch_strategic;
pub mod prefix_suffix;
pub mod replacements;
pub mod replicas;
pub mod selector;
pub mod sort;
pub mod vars;

use crate::kustomize::KustomizeError;
use crate::resource::Resource;

/// No two objects may share an id after a transformation.
pub fn check_unique_ids(resources: &[Resource], what: &str) -> Result<(), KustomizeError> {
    let mut seen = std::collections::HashSet::new();
    for r in resources {
        let id = r.cur_id();
        let key = (
            id.gvk.clone(),
            id.name.clone(),
            if id.namespace.is_empty() { "default".to_string() } else { id.namespace.clone() },
        );
        if !seen.insert(key) {
            return Err(KustomizeError::Transform { message: format!("{what}: {id}") });
        }
    }
    Ok(())
}

//! Output order: kustomize's legacy kind order (the default of `kubectl kustomize`) or the input order (fifo).

use crate::kustomize::specs::{ORDER_FIRST, ORDER_LAST};
use crate::resource::Resource;

pub fn legacy(resources: &mut [Resource], first: &[String], last: &[String]) {
    let rank = |kind: &str| -> i64 {
        if let Some(i) = first.iter().position(|k| k == kind) {
            return i as i64 - first.len() as i64;
        }
        if let Some(i) = last.iter().position(|k| k == kind) {
            return 1 + i as i64;
        }
        0
    };
    resources.sort_by_cached_key(|r| {
        let id = r.cur_id();
        // Within a kind, kustomize orders by "gvk|namespace|name", with "~X" standing for no namespace.
        let ns = if id.namespace.is_empty() { "~X".to_string() } else { id.namespace.clone() };
        let name = if id.name.is_empty() { "~N".to_string() } else { id.name.clone() };
        (rank(&id.gvk.kind), id.gvk.sort_string(), format!("{}|{ns}|{name}", id.gvk.sort_string()))
    });
}

pub fn default_first() -> Vec<String> {
    ORDER_FIRST.iter().map(|s| s.to_string()).collect()
}
pub fn default_last() -> Vec<String> {
    ORDER_LAST.iter().map(|s| s.to_string()).collect()
}

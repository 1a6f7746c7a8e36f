//! Fields that kustomize keeps as one YAML node in several places of an object, so that a later write to any of them
//! shows in all of them.
//!
//! kustomize's labels and annotations filters (api/filters/labels/labels.go and annotations/annotations.go, `Filter`)
//! build one value node per object and key (api/filters/filtersutil/setters.go, `SetEntry`) and insert that same
//! node at every field spec where the key is missing: `commonLabels: {tier: a}` puts one node under
//! `metadata.labels`, `spec.selector.matchLabels` and `spec.template.metadata.labels` of a Deployment. A later
//! write to an existing field copies into the node (kyaml's `FieldSetter.Filter` -> `RNode.SetYNode`, `*rn.value =
//! *node`), so a strategic-merge patch, a replacement, or another labels entry that sets `metadata.labels.tier`
//! alone changes the selector and the template too: `kubectl kustomize` prints that, and so must we. A JSON patch
//! rebuilds the object from JSON (api/filters/patchjson6902, `UnmarshalJSON`), which ends every link.
//!
//! Here a link is the list of the places (concrete paths) plus the value they last shared; after each transformer
//! a place whose value moved carries the new value to the others ([`reconcile`]).

use crate::resource::Resource;
use serde_yaml::Value;

pub use crate::yaml::PathSeg;

/// Places in one object that are one node in kustomize.
#[derive(Debug, Clone, PartialEq)]
pub struct LinkedScalar {
    pub places: Vec<Vec<PathSeg>>,
    pub value: Value,
}

fn get<'a>(mut v: &'a Value, path: &[PathSeg]) -> Option<&'a Value> {
    for seg in path {
        v = match (seg, v) {
            (PathSeg::Key(k), Value::Mapping(m)) => m.get(k.as_str())?,
            (PathSeg::Index(i), Value::Sequence(items)) => items.get(*i)?,
            _ => return None,
        };
    }
    Some(v)
}

fn get_mut<'a>(mut v: &'a mut Value, path: &[PathSeg]) -> Option<&'a mut Value> {
    for seg in path {
        v = match (seg, v) {
            (PathSeg::Key(k), Value::Mapping(m)) => m.get_mut(k.as_str())?,
            (PathSeg::Index(i), Value::Sequence(items)) => items.get_mut(*i)?,
            _ => return None,
        };
    }
    Some(v)
}

/// Record that `places` of `r` now hold one node with `value`. A place that was in another link is a new node now
/// (the old one was removed before the key was created again), so it leaves that link.
pub fn link(r: &mut Resource, places: Vec<Vec<PathSeg>>, value: Value) {
    for l in &mut r.build.linked {
        l.places.retain(|p| !places.contains(p));
    }
    r.build.linked.retain(|l| l.places.len() > 1);
    if places.len() > 1 {
        r.build.linked.push(LinkedScalar { places, value });
    }
}

/// After a transformer: a linked place whose value changed was written in place in kustomize, so every place of its
/// link shows the new value. A place that no longer holds a scalar was removed or replaced and leaves the link.
pub fn reconcile(r: &mut Resource) {
    if r.build.linked.is_empty() {
        return;
    }
    let mut links = std::mem::take(&mut r.build.linked);
    for l in &mut links {
        l.places.retain(|p| get(&r.value, p).is_some_and(|v| !v.is_mapping() && !v.is_sequence()));
        let moved = l.places.iter().filter_map(|p| get(&r.value, p)).find(|v| **v != l.value).cloned();
        if let Some(new) = moved {
            for p in &l.places {
                if let Some(slot) = get_mut(&mut r.value, p) {
                    *slot = new.clone();
                }
            }
            l.value = new;
        }
    }
    links.retain(|l| l.places.len() > 1);
    r.build.linked = links;
}

/// Where a strategic-merge patch replaces a whole map or list (`$patch: replace`): the places below hold new nodes
/// afterwards, not the linked one. Paths stop at a list, whose elements are matched by merge key, not by index.
pub fn replaced_by_patch(patch: &Value) -> Vec<Vec<PathSeg>> {
    fn walk(v: &Value, at: &mut Vec<PathSeg>, out: &mut Vec<Vec<PathSeg>>) {
        match v {
            Value::Mapping(m) => {
                if m.get("$patch").and_then(Value::as_str) == Some("replace") {
                    out.push(at.clone());
                    return;
                }
                for (k, child) in m {
                    let Some(k) = k.as_str() else { continue };
                    at.push(PathSeg::Key(k.to_string()));
                    walk(child, at, out);
                    at.pop();
                }
            }
            // List elements are matched by merge key, so positions below a replace directive are not kept.
            Value::Sequence(_) if contains_replace(v) => out.push(at.clone()),
            _ => {}
        }
    }
    fn contains_replace(v: &Value) -> bool {
        match v {
            Value::Mapping(m) => {
                m.get("$patch").and_then(Value::as_str) == Some("replace") || m.values().any(contains_replace)
            }
            Value::Sequence(items) => items.iter().any(contains_replace),
            _ => false,
        }
    }
    let mut out = Vec::new();
    walk(patch, &mut Vec::new(), &mut out);
    out
}

/// Places at or below any of `prefixes` leave their links.
pub fn unlink_under(r: &mut Resource, prefixes: &[Vec<PathSeg>]) {
    if prefixes.is_empty() {
        return;
    }
    for l in &mut r.build.linked {
        l.places.retain(|p| !prefixes.iter().any(|prefix| p.starts_with(prefix)));
    }
    r.build.linked.retain(|l| l.places.len() > 1);
}

//! Name references: after prefixes, suffixes, namespaces and hashes renamed objects, every field that refers to a
//! renamed object by name (secretKeyRef, envFrom, volumes, imagePullSecrets, roleRef, ...) follows it.
//! The candidate selection mirrors kustomize's nameref filter step by step.

use crate::kustomize::KustomizeError;
use crate::kustomize::fieldspec;
use crate::kustomize::specs::{self, NameBackRef};
use crate::kustomize::types::FieldSpec;
use crate::resource::{ResId, Resource};
use serde_yaml::Value;

fn same_ending(a: &[String], b: &[String]) -> bool {
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    if short.is_empty() {
        return long.is_empty();
    }
    let diff = long.len() - short.len();
    short.iter().enumerate().all(|(i, s)| &long[i + diff] == s)
}

fn affixes_equal(r: &Resource, o: &Resource, allow_empty: bool) -> bool {
    let (rp, op, rs, os) = (&r.build.prefixes, &o.build.prefixes, &r.build.suffixes, &o.build.suffixes);
    if allow_empty {
        (rp.is_empty() || op.is_empty() || same_ending(rp, op))
            && (rs.is_empty() || os.is_empty() || same_ending(rs, os))
    } else {
        same_ending(rp, op) && same_ending(rs, os)
    }
}

struct Ctx<'a> {
    all: &'a [Resource],
    referrer: &'a Resource,
    referrer_id: ResId,
    target: &'a FieldSpec,
    spec_path: &'a str,
}

impl Ctx<'_> {
    /// Objects the referrer could refer to: same namespace, cluster-scoped, or anything for a cluster-scoped
    /// referrer (kustomize's SubsetThatCouldBeReferencedByResource, role-binding subject namespaces included).
    fn could_be_referenced(&self) -> Vec<usize> {
        if self.referrer_id.is_cluster_scoped() {
            return (0..self.all.len()).collect();
        }
        let binding_ns: Vec<String> = if matches!(self.referrer.kind(), "RoleBinding" | "ClusterRoleBinding") {
            self.referrer
                .value
                .get("subjects")
                .and_then(Value::as_sequence)
                .map(|s| {
                    s.iter().filter_map(|x| x.get("namespace").and_then(Value::as_str).map(str::to_string)).collect()
                })
                .unwrap_or_default()
        } else {
            Vec::new()
        };
        (0..self.all.len())
            .filter(|&i| {
                let id = self.all[i].cur_id();
                id.is_cluster_scoped()
                    || id.ns_equals(&self.referrer_id)
                    || binding_ns.contains(&self.all[i].namespace().to_string())
            })
            .collect()
    }

    fn select(
        &self,
        old_name: &str,
        candidates: Vec<usize>,
        same: fn(&Resource, &Resource) -> bool,
    ) -> Result<Option<usize>, String> {
        let target_gvk = crate::resource::Gvk {
            group: self.target.group.clone(),
            version: self.target.version.clone(),
            kind: self.target.kind.clone(),
        };
        let mut c: Vec<usize> = candidates
            .into_iter()
            .filter(|&i| self.all[i].prev_ids().iter().any(|id| id.name == old_name))
            .filter(|&i| self.all[i].prev_ids().iter().any(|id| id.gvk.is_selected_by(&target_gvk)))
            .collect();
        if self.spec_path.ends_with("roleRef/name") {
            let kind = self.referrer.str_at(&["roleRef", "kind"]).unwrap_or("").to_string();
            c.retain(|&i| self.all[i].prev_ids().iter().any(|id| id.gvk.kind == kind));
        }
        if !self.referrer_id.is_cluster_scoped() {
            c.retain(|&i| {
                let id = self.all[i].cur_id();
                id.is_cluster_scoped() || self.all[i].kind() == "ServiceAccount" || id.ns_equals(&self.referrer_id)
            });
        }
        if c.len() == 1 {
            return Ok(Some(c[0]));
        }
        c.retain(|&i| affixes_equal(&self.all[i], self.referrer, true));
        if c.len() == 1 {
            return Ok(Some(c[0]));
        }
        c.retain(|&i| affixes_equal(&self.all[i], self.referrer, false));
        match c.len() {
            0 => Ok(None),
            1 => Ok(Some(c[0])),
            _ if c.iter().all(|&i| same(&self.all[i], &self.all[c[0]])) => Ok(Some(c[0])),
            _ => Err(format!(
                "found multiple possible referrals: {}",
                c.iter().map(|&i| self.all[i].cur_id().to_string()).collect::<Vec<_>>().join(", ")
            )),
        }
    }

    fn set(&self, node: &mut Value) -> Result<(), String> {
        match node {
            Value::Null => Ok(()),
            Value::String(_) => self.set_scalar(node),
            Value::Mapping(_) => self.set_mapping(node),
            Value::Sequence(items) => {
                for item in items.iter_mut() {
                    match item {
                        Value::String(_) => self.set_scalar(item)?,
                        Value::Mapping(_) => self.set_mapping(item)?,
                        _ => {}
                    }
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    fn set_scalar(&self, node: &mut Value) -> Result<(), String> {
        let old = node.as_str().unwrap_or("").to_string();
        let same_name = |a: &Resource, b: &Resource| a.name() == b.name();
        if let Some(i) = self.select(&old, self.could_be_referenced(), same_name)? {
            let new = self.all[i].name();
            if new != old {
                *node = Value::String(new.to_string());
            }
        }
        Ok(())
    }

    fn set_mapping(&self, node: &mut Value) -> Result<(), String> {
        let Some(old) = node.get("name").and_then(Value::as_str).map(str::to_string) else {
            return Err("path config error; no 'name' field in node".into());
        };
        if let Some(ns) = node.get("namespace")
            && (ns.is_null() || ns.as_str() == Some(""))
        {
            return Err(format!("Invalid Input: namespace is blank for resource {}", self.referrer_id));
        }
        let mut candidates = self.could_be_referenced();
        if let Some(ns) = node.get("namespace").and_then(Value::as_str) {
            let eff = |id: &ResId| {
                if id.namespace.is_empty() && !id.is_cluster_scoped() {
                    "default".to_string()
                } else {
                    id.namespace.clone()
                }
            };
            let by_org: Vec<usize> = candidates.iter().copied().filter(|&i| eff(&self.all[i].org_id()) == ns).collect();
            candidates = if by_org.is_empty() {
                candidates.into_iter().filter(|&i| eff(&self.all[i].cur_id()) == ns).collect()
            } else {
                by_org
            };
        }
        let same = |a: &Resource, b: &Resource| a.name() == b.name() && a.namespace() == b.namespace();
        let Some(i) = self.select(&old, candidates, same)? else { return Ok(()) };
        let target = &self.all[i];
        if target.name() == old && target.namespace().is_empty() {
            return Ok(());
        }
        let m = node.as_mapping_mut().expect("checked mapping");
        m.insert("name".into(), Value::String(target.name().to_string()));
        if !target.namespace().is_empty() {
            m.insert("namespace".into(), Value::String(target.namespace().to_string()));
        }
        Ok(())
    }
}

pub fn apply(resources: &mut [Resource], extra: &[NameBackRef]) -> Result<(), KustomizeError> {
    let table: Vec<&NameBackRef> = specs::name_references().iter().chain(extra.iter()).collect();
    let snapshot: Vec<Resource> = resources.to_vec();
    for (ri, r) in resources.iter_mut().enumerate() {
        let org_gvk = snapshot[ri].org_id().gvk;
        for back in &table {
            for spec in &back.referrers {
                if !fieldspec::selects(spec, &org_gvk) {
                    continue;
                }
                let ctx = Ctx {
                    all: &snapshot,
                    referrer: &snapshot[ri],
                    referrer_id: snapshot[ri].cur_id(),
                    target: &back.target,
                    spec_path: &spec.path,
                };
                let id = ctx.referrer_id.to_string();
                fieldspec::apply(&mut r.value, spec, None, &mut |node| ctx.set(node)).map_err(|e| {
                    KustomizeError::Transform {
                        message: format!("updating name reference in '{}' field of '{id}': {e}", spec.path),
                    }
                })?;
            }
        }
    }
    Ok(())
}

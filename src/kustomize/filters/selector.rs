//! Patch and replacement targets: group/version/kind/name/namespace as anchored regular expressions, plus Kubernetes
//! label and annotation selectors.

use crate::kustomize::KustomizeError;
use crate::kustomize::types::Selector;
use crate::resource::Resource;
use regex::Regex;

pub struct CompiledSelector {
    group: Option<Regex>,
    version: Option<Regex>,
    kind: Option<Regex>,
    name: Option<Regex>,
    namespace: Option<Regex>,
    labels: Vec<Requirement>,
    annotations: Vec<Requirement>,
}

fn anchored(p: &str) -> Result<Option<Regex>, KustomizeError> {
    if p.is_empty() {
        return Ok(None);
    }
    Regex::new(&format!("^(?:{p})$"))
        .map(Some)
        .map_err(|e| KustomizeError::Transform { message: format!("invalid selector pattern '{p}': {e}") })
}

fn matches(re: &Option<Regex>, s: &str) -> bool {
    re.as_ref().is_none_or(|r| r.is_match(s))
}

impl CompiledSelector {
    pub fn new(s: &Selector) -> Result<CompiledSelector, KustomizeError> {
        Ok(CompiledSelector {
            group: anchored(&s.group)?,
            version: anchored(&s.version)?,
            kind: anchored(&s.kind)?,
            name: anchored(&s.name)?,
            namespace: anchored(&s.namespace)?,
            labels: parse_selector(&s.label_selector)?,
            annotations: parse_selector(&s.annotation_selector)?,
        })
    }

    /// kustomize's resmap Select: the original or the current name/namespace may match.
    pub fn selects(&self, r: &Resource) -> bool {
        self.selects_ids(r, &[r.org_id(), r.cur_id()])
    }

    /// Replacements select by any name the object has had, intermediate ones included.
    pub fn selects_any_id(&self, r: &Resource) -> bool {
        self.selects_ids(r, &r.all_ids())
    }

    /// Whether the selector's label or annotation part (if it has one) selects `r`: a replacement's `reject` by
    /// labels (api/filters/replacement/replacement.go, selectByAnnoAndLabel).
    pub fn selects_by_labels(&self, r: &Resource) -> bool {
        (!self.labels.is_empty() || !self.annotations.is_empty())
            && requirements_hold(&self.labels, &r.labels())
            && requirements_hold(&self.annotations, &r.annotations())
    }

    fn selects_ids(&self, r: &Resource, ids: &[crate::resource::ResId]) -> bool {
        let eff = |id: &crate::resource::ResId| {
            if id.is_cluster_scoped() {
                String::new()
            } else if id.namespace.is_empty() {
                "default".to_string()
            } else {
                id.namespace.clone()
            }
        };
        if !ids.iter().any(|id| matches(&self.namespace, &eff(id))) {
            return false;
        }
        if !ids.iter().any(|id| matches(&self.name, &id.name)) {
            return false;
        }
        let gvk = r.gvk();
        if !(matches(&self.group, &gvk.group) && matches(&self.version, &gvk.version) && matches(&self.kind, &gvk.kind))
        {
            return false;
        }
        requirements_hold(&self.labels, &r.labels()) && requirements_hold(&self.annotations, &r.annotations())
    }
}

#[derive(Debug, Clone)]
enum Requirement {
    Exists(String),
    NotExists(String),
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
}

/// Kubernetes label selector syntax: `a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x)`, `a`, `!a`.
fn parse_selector(s: &str) -> Result<Vec<Requirement>, KustomizeError> {
    let mut out = Vec::new();
    let mut parts = Vec::new();
    let mut depth = 0;
    let mut cur = String::new();
    for c in s.chars() {
        match c {
            '(' => {
                depth += 1;
                cur.push(c)
            }
            ')' => {
                depth -= 1;
                cur.push(c)
            }
            ',' if depth == 0 => parts.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    parts.push(cur);
    for p in parts.iter().map(|p| p.trim()).filter(|p| !p.is_empty()) {
        let set = |rest: &str| -> Vec<String> {
            rest.trim().trim_start_matches('(').trim_end_matches(')').split(',').map(|v| v.trim().to_string()).collect()
        };
        if let Some((k, v)) = p.split_once("!=") {
            out.push(Requirement::NotIn(k.trim().into(), vec![v.trim().into()]));
        } else if let Some((k, v)) = p.split_once("==") {
            out.push(Requirement::In(k.trim().into(), vec![v.trim().into()]));
        } else if let Some((k, v)) = p.split_once('=') {
            out.push(Requirement::In(k.trim().into(), vec![v.trim().into()]));
        } else if let Some(i) = p.find(" notin ") {
            out.push(Requirement::NotIn(p[..i].trim().into(), set(&p[i + 7..])));
        } else if let Some(i) = p.find(" in ") {
            out.push(Requirement::In(p[..i].trim().into(), set(&p[i + 4..])));
        } else if let Some(k) = p.strip_prefix('!') {
            out.push(Requirement::NotExists(k.trim().into()));
        } else if p.chars().all(|c| c.is_alphanumeric() || "-_./".contains(c)) {
            out.push(Requirement::Exists(p.into()));
        } else {
            return Err(KustomizeError::Transform { message: format!("unable to parse selector requirement '{p}'") });
        }
    }
    Ok(out)
}

fn requirements_hold(reqs: &[Requirement], kv: &[(String, String)]) -> bool {
    let get = |k: &str| kv.iter().find(|(key, _)| key == k).map(|(_, v)| v.as_str());
    reqs.iter().all(|r| match r {
        Requirement::Exists(k) => get(k).is_some(),
        Requirement::NotExists(k) => get(k).is_none(),
        Requirement::In(k, vs) => get(k).is_some_and(|v| vs.iter().any(|x| x == v)),
        Requirement::NotIn(k, vs) => get(k).is_none_or(|v| !vs.iter().any(|x| x == v)),
    })
}

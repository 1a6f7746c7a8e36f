//! `replacements:`: copy a field of one object into fields of others.

use super::selector::CompiledSelector;
use super::vars::{lookup, lookup_at};
use crate::kustomize::KustomizeError;
use crate::kustomize::types::{FieldOptions, ReplacementField, Selector};
use crate::resource::Resource;
use crate::yaml::PathSeg;
use serde_yaml::{Mapping, Value};

fn err(message: String) -> KustomizeError {
    KustomizeError::Transform { message: format!("replacements: {message}") }
}

fn source_value(resources: &[Resource], rep: &ReplacementField) -> Result<Value, KustomizeError> {
    let src = rep.source.as_ref().ok_or_else(|| err("a replacement needs a source".into()))?;
    let sel = Selector {
        group: src.group.clone(),
        version: src.version.clone(),
        kind: src.kind.clone(),
        name: src.name.clone(),
        namespace: src.namespace.clone(),
        ..Default::default()
    };
    let compiled = CompiledSelector::new(&sel)?;
    let found: Vec<&Resource> = resources.iter().filter(|r| compiled.selects_any_id(r)).collect();
    let r = match found.len() {
        1 => found[0],
        0 => return Err(err(format!("nothing selected by source {}/{}", src.kind, src.name))),
        n => return Err(err(format!("multiple matches ({n}) for source {}/{}", src.kind, src.name))),
    };
    let path = if src.field_path.is_empty() { "metadata.name" } else { &src.field_path };
    // A null source field counts as missing, as in kustomize ("fieldPath ... is missing for replacement source").
    let (at, found) = lookup_at(&r.value, path)
        .filter(|(_, v)| !v.is_null())
        .ok_or_else(|| err(format!("field '{path}' not found in source {}", r.cur_id())))?;
    let mut v = found.clone();
    // kustomize copies the source's text ("for scalar, only copy the value"): `0x1F` lands in a string field as
    // "0x1F". The text kept at parse time counts only while the field still holds the value it denotes.
    if let Some(text) = written_text(r, &at, &v) {
        v = Value::String(text);
    }
    if let Some(opts) = &src.options
        && !opts.delimiter.is_empty()
    {
        let s = crate::resource::scalar_string(&v).unwrap_or_default();
        let parts: Vec<&str> = s.split(opts.delimiter.as_str()).collect();
        let i = usize::try_from(opts.index).ok().filter(|&i| i < parts.len());
        let i = i.ok_or_else(|| err(format!("options.index {} is out of bounds for value {s}", opts.index)))?;
        v = Value::String(parts[i].to_string());
    }
    Ok(v)
}

/// The text a scalar field of `r` was written with, where it prints another way (`0x1F`, `1e3`, `2024-01-01`),
/// while the field still holds the value that text denotes (a JSON-written float reads back as an int: "1000" for
/// 1000.0).
pub fn written_text(r: &Resource, at: &[PathSeg], v: &Value) -> Option<String> {
    if v.is_mapping() || v.is_sequence() || v.is_null() {
        return None;
    }
    let (_, text) = r.build.scalar_texts.iter().find(|(p, _)| p == at)?;
    let denotes = match (crate::yaml::parse::plain_scalar(text), v) {
        (Value::Number(a), Value::Number(b)) => a == *b || a.as_f64() == b.as_f64(),
        (read, v) => read == *v,
    };
    denotes.then(|| text.clone())
}

fn with_delimiter(old: &Value, new: &Value, opts: &Option<FieldOptions>) -> Value {
    let Some(opts) = opts.as_ref().filter(|o| !o.delimiter.is_empty()) else { return new.clone() };
    let old = crate::resource::scalar_string(old).unwrap_or_default();
    let mut parts: Vec<String> = old.split(opts.delimiter.as_str()).map(str::to_string).collect();
    let new = crate::resource::scalar_string(new).unwrap_or_default();
    if opts.index < 0 {
        parts.insert(0, new);
    } else if (opts.index as usize) >= parts.len() {
        parts.push(new);
    } else {
        parts[opts.index as usize] = new;
    }
    Value::String(parts.join(&opts.delimiter))
}

/// kustomize's setTargetValue (api/filters/replacement/replacement.go): a scalar target keeps its type and takes
/// only the source's text ("for scalar, only copy the value"), so a string target stays a string; a field that was
/// created (or null) is a new plain node, whose text go-yaml v3 resolves when kustomize prints it (a quoted "0755"
/// source lands as 493, an empty string as null). A list or map source replaces the target whole.
fn assign(old: &Value, new: &Value, keep_text: bool) -> Value {
    let text = match new {
        Value::Mapping(_) | Value::Sequence(_) | Value::Tagged(_) => return new.clone(),
        Value::Null => String::new(),
        scalar => crate::resource::scalar_string(scalar).unwrap_or_default(),
    };
    match old {
        _ if keep_text => Value::String(text),
        Value::String(_) => Value::String(text),
        _ => crate::yaml::parse::plain_scalar(&text),
    }
}

/// Where a replacement writes: its options, and what it reports back.
struct Write<'a> {
    value: &'a Value,
    opts: &'a Option<FieldOptions>,
    create: bool,
    keep_text: bool,
    /// The concrete path being visited.
    at: Vec<PathSeg>,
    /// Fields created holding a non-string scalar, with the text written (see `BuildState::untagged`).
    created: Vec<(Vec<PathSeg>, String)>,
}

impl Write<'_> {
    fn descend(&mut self, node: &mut Value, seg: PathSeg, rest: &[String], fresh: bool) -> Result<bool, String> {
        self.at.push(seg);
        let set = self.set_at(node, rest, fresh);
        self.at.pop();
        set
    }

    /// Set the value at a dotted path with `[key=value]` list selectors; create missing fields when allowed.
    fn set_at(&mut self, node: &mut Value, parts: &[String], fresh: bool) -> Result<bool, String> {
        let Some((head, rest)) = parts.split_first() else {
            let new = with_delimiter(node, self.value, self.opts);
            *node = assign(node, &new, self.keep_text);
            let text = crate::resource::scalar_string(&new);
            let retyped = !node.is_string() || crate::resource::scalar_string(node) != text;
            if fresh && !node.is_mapping() && !node.is_sequence() && retyped {
                self.created.push((self.at.clone(), text.unwrap_or_default()));
            }
            return Ok(true);
        };
        if head.starts_with('[') && head.ends_with(']') {
            let inner = &head[1..head.len() - 1];
            let items = node.as_sequence_mut().ok_or_else(|| format!("'{head}' applied to a non-list"))?;
            let selected: Vec<usize> = if inner == "*" || inner.is_empty() {
                (0..items.len()).collect()
            } else if let Some((k, v)) = inner.split_once('=') {
                (0..items.len())
                    .filter(|&i| items[i].get(k).and_then(crate::resource::scalar_string).as_deref() == Some(v))
                    .collect()
            } else {
                let idx: usize = inner.parse().map_err(|_| format!("bad list selector '{head}'"))?;
                (idx < items.len()).then_some(idx).into_iter().collect()
            };
            let mut any = false;
            for i in selected {
                any |= self.descend(&mut items[i], PathSeg::Index(i), rest, false)?;
            }
            return Ok(any);
        }
        if let Ok(idx) = head.parse::<usize>()
            && let Some(items) = node.as_sequence_mut()
        {
            return match items.get_mut(idx) {
                Some(i) => self.descend(i, PathSeg::Index(idx), rest, false),
                None => Ok(false),
            };
        }
        if node.is_null() && self.create {
            *node = Value::Mapping(Mapping::new());
        }
        let m = match node.as_mapping_mut() {
            Some(m) => m,
            None => return Ok(false),
        };
        let key = Value::String(head.clone());
        let mut created = false;
        if !m.contains_key(&key) {
            if !self.create {
                return Ok(false);
            }
            m.insert(key.clone(), if rest.is_empty() { Value::Null } else { Value::Mapping(Mapping::new()) });
            created = true;
        }
        self.descend(m.get_mut(&key).expect("present"), PathSeg::Key(head.clone()), rest, created)
    }
}

fn split_field_path(path: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut depth = 0;
    for c in path.chars() {
        match c {
            '[' => {
                if !cur.is_empty() && depth == 0 {
                    out.push(std::mem::take(&mut cur));
                }
                depth += 1;
                cur.push(c);
            }
            ']' => {
                depth -= 1;
                cur.push(c);
                if depth == 0 {
                    out.push(std::mem::take(&mut cur));
                }
            }
            '.' if depth == 0 => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
            _ => cur.push(c),
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// kustomize v5.5 compares a `reject` selector's id fields literally (no regular expressions, unlike `select`), with
/// every name the object has had (kubectl kustomize rejects `name: src` after a nameSuffix made it `src-s`).
fn rejected(sel: &Selector, r: &Resource) -> bool {
    let gvk = r.gvk();
    let literal = |want: &str, have: &str| want.is_empty() || want == have;
    let has_id = [&sel.group, &sel.version, &sel.kind, &sel.name, &sel.namespace].iter().any(|f| !f.is_empty());
    has_id
        && literal(&sel.group, &gvk.group)
        && literal(&sel.version, &gvk.version)
        && literal(&sel.kind, &gvk.kind)
        && r.all_ids().iter().any(|id| literal(&sel.name, &id.name) && literal(&sel.namespace, &id.namespace))
}

pub fn apply(resources: &mut [Resource], replacements: &[ReplacementField]) -> Result<(), KustomizeError> {
    for rep in replacements {
        let value = source_value(resources, rep)?;
        for target in &rep.targets {
            let select = target.select.as_ref().ok_or_else(|| err("a target needs 'select'".into()))?;
            let sel = CompiledSelector::new(select)?;
            let rejects: Vec<(&Selector, CompiledSelector)> = target
                .reject
                .iter()
                .map(|x| Ok((x, CompiledSelector::new(x)?)))
                .collect::<Result<_, KustomizeError>>()?;
            let create = target.options.as_ref().is_some_and(|o| o.create);
            for r in resources.iter_mut() {
                if !sel.selects_any_id(r)
                    || rejects.iter().any(|(x, compiled)| rejected(x, r) || compiled.selects_by_labels(r))
                {
                    continue;
                }
                for fp in &target.field_paths {
                    let parts = split_field_path(fp);
                    // An object's own annotations are printed as the text written (see crate::yaml::parse).
                    let keep_text = parts.len() == 3 && parts[0] == "metadata" && parts[1] == "annotations";
                    let mut write = Write {
                        value: &value,
                        opts: &target.options,
                        create,
                        keep_text,
                        at: Vec::new(),
                        created: Vec::new(),
                    };
                    let set = write.set_at(&mut r.value, &parts, false).map_err(err)?;
                    r.build.untagged.retain(|(p, _)| !write.created.iter().any(|(c, _)| c == p));
                    r.build.untagged.extend(write.created);
                    if !set && !create {
                        // kustomize requires a targeted field to exist unless create is set.
                        if lookup(&r.value, fp).is_none() && !fp.contains('[') {
                            return Err(err(format!(
                                "unable to find field '{fp}' in replacement target {}",
                                r.cur_id()
                            )));
                        }
                    }
                }
            }
        }
    }
    Ok(())
}

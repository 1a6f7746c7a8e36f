//! Walking a field spec path (`spec/template/spec/containers[]/image`) through an object, the way kustomize's
//! fieldspec filter does: sequences are entered element by element, missing fields are created only when the spec
//! says `create` and a creation kind is given.

use super::KustomizeError;
use super::linked::PathSeg;
use super::types::FieldSpec;
use crate::resource::Gvk;
use serde_yaml::{Mapping, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CreateKind {
    Scalar,
    Mapping,
}

pub fn selects(fs: &FieldSpec, gvk: &Gvk) -> bool {
    (fs.kind.is_empty() || fs.kind == gvk.kind)
        && (fs.group.is_empty() || fs.group == gvk.group)
        && (fs.version.is_empty() || fs.version == gvk.version)
}

/// Split on `/`, honouring `\/` as a literal slash inside a key (annotation names).
pub fn split_path(path: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut cur = String::new();
    let mut chars = path.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\' && chars.peek() == Some(&'/') {
            cur.push('/');
            chars.next();
        } else if c == '/' {
            parts.push(std::mem::take(&mut cur));
        } else {
            cur.push(c);
        }
    }
    parts.push(cur);
    parts
}

/// Apply `set` to every node the field spec addresses in `obj` (the caller checks the GVK).
pub fn apply(
    obj: &mut Value,
    fs: &FieldSpec,
    create: Option<CreateKind>,
    set: &mut dyn FnMut(&mut Value) -> Result<(), String>,
) -> Result<(), KustomizeError> {
    apply_at(obj, fs, create, &mut |_, v| set(v))
}

/// A setter told where the node it is given sits.
pub type SetAt<'a> = dyn FnMut(&[PathSeg], &mut Value) -> Result<(), String> + 'a;

/// [`apply`], telling `set` the concrete path of each node it is given.
pub fn apply_at(
    obj: &mut Value,
    fs: &FieldSpec,
    create: Option<CreateKind>,
    set: &mut SetAt<'_>,
) -> Result<(), KustomizeError> {
    let path = split_path(&fs.path);
    walk(obj, &path, &mut Vec::new(), fs.create, create, set)
        .map_err(|e| KustomizeError::Transform { message: format!("considering field '{}': {}", fs.path, e) })
}

fn walk(
    node: &mut Value,
    path: &[String],
    at: &mut Vec<PathSeg>,
    create_allowed: bool,
    create: Option<CreateKind>,
    set: &mut SetAt<'_>,
) -> Result<(), String> {
    if path.is_empty() {
        return set(at, node);
    }
    match node {
        Value::Null => Ok(()),
        Value::Sequence(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                at.push(PathSeg::Index(i));
                let walked = walk(item, path, at, create_allowed, create, set);
                at.pop();
                walked?;
            }
            Ok(())
        }
        Value::Mapping(map) => {
            let (name, is_seq) = match path[0].strip_suffix("[]") {
                Some(n) => (n, true),
                None => (path[0].as_str(), false),
            };
            if name.is_empty() {
                return Err("cannot set or create an empty field name".into());
            }
            let key = Value::String(name.to_string());
            let creating = create_allowed && create.is_some() && !is_seq;
            if !map.contains_key(&key) {
                if !creating {
                    return Ok(());
                }
                let fresh = if path.len() == 1 && create == Some(CreateKind::Scalar) {
                    Value::String(String::new())
                } else {
                    Value::Mapping(Mapping::new())
                };
                map.insert(key.clone(), fresh);
            }
            let field = map.get_mut(&key).expect("present");
            if field.is_null() {
                if is_seq {
                    *field = Value::Sequence(Vec::new());
                } else if creating {
                    *field = if path.len() == 1 && create == Some(CreateKind::Scalar) {
                        Value::String(String::new())
                    } else {
                        Value::Mapping(Mapping::new())
                    };
                }
            }
            at.push(PathSeg::Key(name.to_string()));
            let walked = walk(field, &path[1..], at, create_allowed, create, set);
            at.pop();
            walked
        }
        _ => Err("expected sequence or mapping node".into()),
    }
}

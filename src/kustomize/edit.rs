//! `kustomize edit` on the built kustomization, in memory: what Argo CD runs in an app's directory before it
//! builds, for the Application's `spec.source.kustomize` options (argo-cd `util/kustomize/kustomize.go`, `Build`:
//! `edit set nameprefix|namesuffix|image|replicas|namespace`, `edit add label|annotation|component`, and `patches`
//! appended to the file). Each edit mirrors its command in kubernetes-sigs/kustomize
//! `kustomize/commands/edit/` (`set/setimage.go` `RunSetImage`, `set/setreplicas.go` `RunSetReplicas`,
//! `add/addmetadata.go` `addLabels`/`addAnnotations`/`writeToLabels`, `add/addcomponent.go` `RunAddComponent`).
//! The file on disk is never written.

use serde_yaml::{Mapping, Value};
use std::collections::BTreeMap;
use std::path::Path;

/// The edits of one Application source, applied in Argo CD's order.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct Edits {
    pub name_prefix: Option<String>,
    pub name_suffix: Option<String>,
    /// `edit set image` arguments: `name=newName:newTag@digest`, `name:newTag`, `*` keeps what the file has.
    pub images: Vec<String>,
    /// `edit set replicas name=count`.
    pub replicas: Vec<(String, i64)>,
    pub common_labels: BTreeMap<String, String>,
    /// `--force`: a label the file has already is overwritten instead of refused.
    pub force_common_labels: bool,
    /// `--without-selector`: the labels go to a `labels` entry with `includeSelectors: false`.
    pub label_without_selector: bool,
    /// `--include-templates` (with `--without-selector`).
    pub label_include_templates: bool,
    pub common_annotations: BTreeMap<String, String>,
    pub force_common_annotations: bool,
    pub namespace: Option<String>,
    /// Patch entries (`path`, `patch`, `target`, `options`) appended to `patches`.
    pub patches: Vec<Value>,
    /// `edit add component` paths, relative to the built directory.
    pub components: Vec<String>,
    /// Components that do not exist are left out instead of failing the build.
    pub ignore_missing_components: bool,
}

impl Edits {
    pub fn is_empty(&self) -> bool {
        self == &Edits::default()
    }

    /// The kustomization fields the edits change, for a reader (`namePrefix, namespace`).
    pub fn fields(&self) -> Vec<&'static str> {
        [
            ("namePrefix", self.name_prefix.is_some()),
            ("nameSuffix", self.name_suffix.is_some()),
            ("images", !self.images.is_empty()),
            ("replicas", !self.replicas.is_empty()),
            (if self.label_without_selector { "labels" } else { "commonLabels" }, !self.common_labels.is_empty()),
            ("commonAnnotations", !self.common_annotations.is_empty()),
            ("namespace", self.namespace.is_some()),
            ("patches", !self.patches.is_empty()),
            ("components", !self.components.is_empty()),
        ]
        .into_iter()
        .filter(|(_, set)| *set)
        .map(|(f, _)| f)
        .collect()
    }

    /// Apply the edits to the parsed kustomization of `dir` (field names already canonical). An edit kustomize
    /// refuses (a label already set without force, a missing component) is the error.
    pub fn apply(&self, kustomization: &mut Value, dir: &Path) -> Result<(), String> {
        let Value::Mapping(k) = kustomization else { return Err("the kustomization is no mapping".into()) };
        if let Some(p) = &self.name_prefix {
            k.insert("namePrefix".into(), p.as_str().into());
        }
        if let Some(s) = &self.name_suffix {
            k.insert("nameSuffix".into(), s.as_str().into());
        }
        if !self.images.is_empty() {
            set_images(k, &self.images)?;
        }
        if !self.replicas.is_empty() {
            set_replicas(k, &self.replicas);
        }
        if !self.common_labels.is_empty() {
            if self.label_without_selector {
                add_labels_without_selector(
                    k,
                    &self.common_labels,
                    self.label_include_templates,
                    self.force_common_labels,
                )?;
            } else {
                add_to_map(k, "commonLabels", &self.common_labels, self.force_common_labels, "label")?;
            }
        }
        if !self.common_annotations.is_empty() {
            add_to_map(k, "commonAnnotations", &self.common_annotations, self.force_common_annotations, "annotation")?;
        }
        if let Some(ns) = &self.namespace {
            k.insert("namespace".into(), ns.as_str().into());
        }
        if !self.patches.is_empty() {
            let patches = sequence(k, "patches")?;
            patches.extend(self.patches.iter().cloned());
        }
        self.add_components(k, dir)
    }

    fn add_components(&self, k: &mut Mapping, dir: &Path) -> Result<(), String> {
        let mut found = Vec::new();
        for c in &self.components {
            if c.contains(['*', '?', '[']) {
                // `edit add component` globs its arguments; a pattern is not expanded here.
                return Err(format!("component '{c}' is a glob pattern, which is not expanded natively"));
            }
            if crate::kustomize::loader::is_remote(c) || dir.join(c).exists() {
                found.push(c.clone());
            } else if !self.ignore_missing_components {
                return Err(format!("component '{c}' has no match in {}", dir.display()));
            }
        }
        if found.is_empty() {
            return Ok(());
        }
        let components = sequence(k, "components")?;
        for c in found {
            if !components.iter().any(|v| v.as_str() == Some(c.as_str())) {
                components.push(c.into());
            }
        }
        Ok(())
    }
}

/// A patch entry with only `fields` of it (what a deployer's own patch type carries into the kustomization).
pub fn patch_fields(patch: &Value, fields: &[&str]) -> Value {
    let kept: Mapping = patch
        .as_mapping()
        .into_iter()
        .flatten()
        .filter(|(k, _)| k.as_str().is_some_and(|k| fields.contains(&k)))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    Value::Mapping(kept)
}

/// The list under `field`, created when absent.
fn sequence<'a>(k: &'a mut Mapping, field: &str) -> Result<&'a mut Vec<Value>, String> {
    let v = k.entry(field.into()).or_insert_with(|| Value::Sequence(Vec::new()));
    if v.is_null() {
        *v = Value::Sequence(Vec::new());
    }
    v.as_sequence_mut().ok_or_else(|| format!("'{field}' in the kustomization is no list"))
}

/// `edit add label|annotation`: into the map `field`, refusing a key it has unless forced (`writeToMapEntry`).
fn add_to_map(
    k: &mut Mapping,
    field: &str,
    pairs: &BTreeMap<String, String>,
    force: bool,
    what: &str,
) -> Result<(), String> {
    let v = k.entry(field.into()).or_insert_with(|| Value::Mapping(Mapping::new()));
    if v.is_null() {
        *v = Value::Mapping(Mapping::new());
    }
    let map = v.as_mapping_mut().ok_or_else(|| format!("'{field}' in the kustomization is no map"))?;
    for (key, value) in pairs {
        write_entry(map, key, value, force, what)?;
    }
    Ok(())
}

fn write_entry(map: &mut Mapping, key: &str, value: &str, force: bool, what: &str) -> Result<(), String> {
    if map.contains_key(key) && !force {
        return Err(format!("{what} {key} already in kustomization file. Use --force to override."));
    }
    map.insert(key.into(), trim_quotes(value).into());
    Ok(())
}

/// `ConvertSliceToMap` strips one pair of matching quotes around a value given as `k:"v"`.
fn trim_quotes(s: &str) -> &str {
    let quoted = |q: char| s.len() >= 2 && s.starts_with(q) && s.ends_with(q);
    if quoted('"') || quoted('\'') { &s[1..s.len() - 1] } else { s }
}

/// `edit add label --without-selector`: into the first `labels` entry with the same settings
/// (`includeSelectors: false`, the same `includeTemplates`), else a new one (`writeToLabels`).
fn add_labels_without_selector(
    k: &mut Mapping,
    pairs: &BTreeMap<String, String>,
    include_templates: bool,
    force: bool,
) -> Result<(), String> {
    let labels = sequence(k, "labels")?;
    let flag = |l: &Value, f: &str| l.get(f).and_then(Value::as_bool).unwrap_or(false);
    let same = |l: &Value| !flag(l, "includeSelectors") && flag(l, "includeTemplates") == include_templates;
    let index = match labels.iter().position(same) {
        Some(i) => i,
        None => {
            let mut entry = Mapping::new();
            entry.insert("pairs".into(), Value::Mapping(Mapping::new()));
            if include_templates {
                entry.insert("includeTemplates".into(), true.into());
            }
            labels.push(Value::Mapping(entry));
            labels.len() - 1
        }
    };
    let entry = labels[index].as_mapping_mut().ok_or("a 'labels' entry is no map")?;
    let pairs_value = entry.entry("pairs".into()).or_insert_with(|| Value::Mapping(Mapping::new()));
    if pairs_value.is_null() {
        *pairs_value = Value::Mapping(Mapping::new());
    }
    let map = pairs_value.as_mapping_mut().ok_or("a 'labels' entry's pairs are no map")?;
    for (key, value) in pairs {
        write_entry(map, key, value, force, "label")?;
    }
    Ok(())
}

/// One `images` entry, as the typed kustomization holds it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Image {
    name: String,
    new_name: String,
    new_tag: String,
    digest: String,
}

/// `*` in an `edit set image` argument: keep the file's value (`preserveSeparator`).
const PRESERVE: &str = "*";

/// `RunSetImage`: the arguments replace the file's entries of the same name (`*` keeps a field), the file's other
/// entries stay as they are; the result is sorted by name.
fn set_images(k: &mut Mapping, args: &[String]) -> Result<(), String> {
    enum Entry {
        Set(Image),
        Kept(Value),
    }
    let mut by_name: BTreeMap<String, Entry> = BTreeMap::new();
    for a in args {
        let img = parse_image_arg(a)?;
        by_name.insert(img.name.clone(), Entry::Set(img));
    }
    for e in k.get("images").and_then(Value::as_sequence).into_iter().flatten() {
        let text = |f: &str| e.get(f).and_then(Value::as_str).unwrap_or_default().to_string();
        match by_name.get_mut(&text("name")) {
            Some(Entry::Set(arg)) => {
                for (new, field) in
                    [(&mut arg.new_name, "newName"), (&mut arg.new_tag, "newTag"), (&mut arg.digest, "digest")]
                {
                    if new == PRESERVE {
                        *new = text(field);
                    }
                }
            }
            Some(Entry::Kept(_)) => {}
            None => {
                by_name.insert(text("name"), Entry::Kept(e.clone()));
            }
        }
    }
    let images = by_name
        .into_values()
        .map(|entry| match entry {
            Entry::Kept(v) => v,
            Entry::Set(img) => {
                let mut m = Mapping::new();
                m.insert("name".into(), img.name.into());
                for (field, v) in [("newName", img.new_name), ("newTag", img.new_tag), ("digest", img.digest)] {
                    if !v.is_empty() && v != PRESERVE {
                        m.insert(field.into(), v.into());
                    }
                }
                Value::Mapping(m)
            }
        })
        .collect();
    k.insert("images".into(), Value::Sequence(images));
    Ok(())
}

/// `parse` in setimage.go: `[name=]newName[:tag][@digest]`; an argument that is a bare name is refused.
fn parse_image_arg(arg: &str) -> Result<Image, String> {
    let (key, value) = match arg.split_once('=') {
        Some((k, v)) => (k, v),
        None => ("", arg),
    };
    let (name, tag, digest) = split_image_name(value);
    if name == arg {
        return Err(format!("invalid image argument '{arg}': expected [name=]newName[:newTag][@digest]"));
    }
    let (name, new_name) = if key.is_empty() { (name, String::new()) } else { (key.to_string(), name) };
    Ok(Image { name, new_name, new_tag: tag, digest })
}

/// kustomize's `image.Split`: name, tag and digest, a registry's `host:port` not taken for a tag.
fn split_image_name(image: &str) -> (String, String, String) {
    let slash = image.find('/').filter(|i| *i > 0).unwrap_or(0);
    let search = &image[slash..];
    let (at, colon) = (search.find('@'), search.find(':'));
    match (at, colon) {
        (None, None) => (image.to_string(), String::new(), String::new()),
        (Some(a), c) if c.is_none_or(|c| a < c) => {
            let a = a + slash;
            (image[..a].to_string(), String::new(), image[a + 1..].to_string())
        }
        (Some(a), Some(c)) => {
            let (a, c) = (a + slash, c + slash);
            (image[..c].to_string(), image[c + 1..a].to_string(), image[a + 1..].to_string())
        }
        (None, Some(c)) => {
            let c = c + slash;
            (image[..c].to_string(), image[c + 1..].to_string(), String::new())
        }
        (Some(_), None) => unreachable!("matched above"),
    }
}

/// `RunSetReplicas`: the arguments replace the file's entries of the same name, sorted by name.
fn set_replicas(k: &mut Mapping, args: &[(String, i64)]) {
    let mut by_name: BTreeMap<String, Value> = BTreeMap::new();
    for (name, count) in args {
        let mut m = Mapping::new();
        m.insert("name".into(), name.as_str().into());
        m.insert("count".into(), (*count).into());
        by_name.insert(name.clone(), Value::Mapping(m));
    }
    for e in k.get("replicas").and_then(Value::as_sequence).into_iter().flatten() {
        let name = e.get("name").and_then(Value::as_str).unwrap_or_default().to_string();
        by_name.entry(name).or_insert_with(|| e.clone());
    }
    k.insert("replicas".into(), Value::Sequence(by_name.into_values().collect()));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_names_split_as_kustomize_splits_them() {
        let split = |s: &str| split_image_name(s);
        let t = |a: &str, b: &str, c: &str| (a.to_string(), b.to_string(), c.to_string());
        assert_eq!(split("nginx"), t("nginx", "", ""));
        assert_eq!(split("nginx:1.25"), t("nginx", "1.25", ""));
        assert_eq!(split("reg:5000/nginx"), t("reg:5000/nginx", "", ""));
        assert_eq!(split("reg:5000/nginx:1.2@sha256:ab"), t("reg:5000/nginx", "1.2", "sha256:ab"));
        assert_eq!(split("nginx@sha256:ab"), t("nginx", "", "sha256:ab"));
        assert!(parse_image_arg("nginx").is_err());
        assert_eq!(
            parse_image_arg("app=reg/app:2").unwrap(),
            Image { name: "app".into(), new_name: "reg/app".into(), new_tag: "2".into(), digest: String::new() }
        );
    }

    #[test]
    fn set_image_merges_by_name_and_keeps_starred_fields() {
        let mut k: Value =
            serde_yaml::from_str("images:\n- {name: web, newName: reg/web, newTag: '1'}\n- {name: db, newTag: '9'}\n")
                .unwrap();
        let edits = Edits { images: vec!["web=*:2".into(), "cache:3".into()], ..Default::default() };
        edits.apply(&mut k, Path::new("/nonexistent")).unwrap();
        let want: Value = serde_yaml::from_str(
            "images:\n- {name: cache, newTag: '3'}\n- {name: db, newTag: '9'}\n- {name: web, newName: reg/web, newTag: '2'}\n",
        )
        .unwrap();
        assert_eq!(k, want);
    }

    #[test]
    fn a_label_the_file_has_is_refused_unless_forced() {
        let mut k: Value = serde_yaml::from_str("commonLabels: {team: a}\n").unwrap();
        let labels: BTreeMap<String, String> = [("team".to_string(), "b".to_string())].into();
        let mut edits = Edits { common_labels: labels, ..Default::default() };
        let err = edits.apply(&mut k.clone(), Path::new("/")).unwrap_err();
        assert!(err.contains("label team already in kustomization file"), "{err}");
        edits.force_common_labels = true;
        edits.apply(&mut k, Path::new("/")).unwrap();
        assert_eq!(k["commonLabels"]["team"], Value::from("b"));
    }

    #[test]
    fn labels_without_selector_join_the_entry_of_the_same_settings() {
        let mut k: Value =
            serde_yaml::from_str("labels:\n- {pairs: {a: '1'}, includeSelectors: true}\n- {pairs: {b: '2'}}\n")
                .unwrap();
        let edits = Edits {
            common_labels: [("c".to_string(), "3".to_string())].into(),
            label_without_selector: true,
            ..Default::default()
        };
        edits.apply(&mut k, Path::new("/")).unwrap();
        assert_eq!(k["labels"][1]["pairs"]["c"], Value::from("3"));
        assert_eq!(k["labels"].as_sequence().unwrap().len(), 2);
    }

    #[test]
    fn replicas_and_patches_and_a_missing_component() {
        let mut k: Value = serde_yaml::from_str("replicas: [{name: web, count: 1}, {name: api, count: 2}]\n").unwrap();
        let patch: Value = serde_yaml::from_str("{path: p.yaml}").unwrap();
        let mut edits = Edits {
            replicas: vec![("web".into(), 3)],
            patches: vec![patch.clone()],
            components: vec!["../missing".into()],
            ..Default::default()
        };
        let err = edits.apply(&mut k.clone(), Path::new("/nonexistent")).unwrap_err();
        assert!(err.contains("has no match"), "{err}");
        edits.ignore_missing_components = true;
        edits.apply(&mut k, Path::new("/nonexistent")).unwrap();
        let want: Value = serde_yaml::from_str(
            "replicas: [{name: api, count: 2}, {name: web, count: 3}]\npatches: [{path: p.yaml}]\n",
        )
        .unwrap();
        assert_eq!(k, want);
    }
}

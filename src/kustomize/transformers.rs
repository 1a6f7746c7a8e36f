//! Every transformation a kustomization asks for, behind one interface and in one ordered list, whether it is
//! written as a kustomization field (`patches:`, `namespace:`, `images:` ...) or as a `transformers:` entry (a
//! builtin plugin config). Mirrors kustomize's api/internal/target/kusttarget_configplugin.go (the
//! `transformerConfigurators` table: each field becomes a builtin plugin's config, in a fixed order) and
//! kusttarget.go `runTransformers` (the builtin list, then the `transformers:` entries, run over the resources).
//!
//! Building a transformer reads every file it needs (patches, replacement files) and checks its options; running it
//! only touches the resources. The order of the list is the order of application.

use super::KustomizeError;
use super::filters::patch_strategic::CustomSchema;
use super::filters::{self, labels, patch_json6902, patch_strategic, prefix_suffix, selector};
use super::loader::Loader;
use super::types::{FieldSpec, Image, Kustomization, Patch, ReplacementField, Replica, Selector, StringMap};
use crate::resource::Resource;
use crate::yaml::PathSeg;
use serde_yaml::{Mapping, Value};
use std::path::{Path, PathBuf};
use std::rc::Rc;

/// One step over a build's resources.
pub(super) trait Transformer {
    fn transform(&self, resources: &mut Vec<Resource>) -> Result<(), KustomizeError>;
}

/// Field specs a kustomization's fields write through (kustomize's defaults plus `configurations:`).
pub(super) struct FieldSpecs<'a> {
    pub name_prefix: &'a [FieldSpec],
    pub common_labels: &'a [FieldSpec],
    pub labels: &'a [FieldSpec],
    pub template_labels: &'a [FieldSpec],
    pub common_annotations: &'a [FieldSpec],
    pub images: &'a [FieldSpec],
    pub replicas: &'a [FieldSpec],
}

/// What building a transformer needs: where the kustomization is, how to read its files, the merge schema.
pub(super) struct PlanContext<'a> {
    pub loader: &'a Loader,
    pub dir: &'a Path,
    pub kfile: &'a Path,
    pub schema: Option<Rc<CustomSchema>>,
}

impl PlanContext<'_> {
    /// The builtin transformers a kustomization's fields configure, in kustomize v5.5's order
    /// (kusttarget_configplugin.go, `transformerConfigurators`): patchesStrategicMerge, patches, namespace,
    /// namePrefix, nameSuffix, commonLabels, labels, commonAnnotations, patchesJson6902, replicas, images,
    /// replacements.
    pub fn field_transformers(
        &self,
        k: &Kustomization,
        specs: &FieldSpecs<'_>,
    ) -> Result<Vec<Box<dyn Transformer>>, KustomizeError> {
        let mut plan: Vec<Box<dyn Transformer>> = Vec::new();
        if !k.patches_strategic_merge.is_empty() {
            let mut patches = Vec::new();
            for p in &k.patches_strategic_merge {
                patches.extend(self.load_sm_patch(p)?);
            }
            if patches.is_empty() {
                return Err(KustomizeError::Kustomization {
                    file: self.kfile.to_path_buf(),
                    message: "patchesStrategicMerge: patch appears to be empty".into(),
                });
            }
            plan.push(Box::new(PatchesById { patches, schema: self.schema.clone() }));
        }
        for p in &k.patches {
            plan.push(self.patch(p)?);
        }
        if let Some(ns) = k.namespace.as_deref().filter(|n| !n.is_empty()) {
            plan.push(Box::new(Namespace(ns.to_string())));
        }
        if let Some(p) = k.name_prefix.as_deref().filter(|p| !p.is_empty()) {
            plan.push(Box::new(Rename::prefix(p, specs.name_prefix)));
        }
        if let Some(s) = k.name_suffix.as_deref().filter(|s| !s.is_empty()) {
            plan.push(Box::new(Rename::suffix(s, specs.name_prefix)));
        }
        // `labels:` entries first, then `commonLabels:` (kusttarget_configplugin.go, LabelTransformer).
        for l in &k.labels {
            let specs = if l.include_selectors {
                labels::merge_specs(&labels::merge_specs(&l.fields, specs.labels), specs.common_labels)
            } else {
                let mut s = labels::merge_specs(&l.fields, specs.labels);
                if l.include_templates {
                    s = labels::merge_specs(&s, specs.template_labels);
                }
                s
            };
            plan.push(Box::new(Fields { entries: l.pairs.clone(), specs }));
        }
        plan.push(Box::new(Fields { entries: k.common_labels.clone(), specs: specs.common_labels.to_vec() }));
        plan.push(Box::new(Fields { entries: k.common_annotations.clone(), specs: specs.common_annotations.to_vec() }));
        for p in &k.patches_json6902 {
            plan.push(Box::new(self.json_patch(p, "patchesJson6902")?));
        }
        plan.push(Box::new(Replicas { replicas: k.replicas.clone(), specs: specs.replicas.to_vec() }));
        let mut images = k.images.clone();
        images.extend(k.image_tags.iter().cloned());
        plan.push(Box::new(Images { images, specs: specs.images.to_vec() }));
        plan.push(Box::new(Replacements(self.load_replacements(&k.replacements)?)));
        Ok(plan)
    }

    /// A `transformers:` entry: one builtin plugin's config (kustomize's api/builtins); any other plugin is refused.
    pub fn plugin_transformer(&self, cfg: &Resource) -> Result<Box<dyn Transformer>, KustomizeError> {
        if cfg.api_version() != "builtin" {
            return Err(unsupported_plugin(self.kfile, "transformers", cfg.api_version(), cfg.kind()));
        }
        let bad = |e: serde_yaml::Error| KustomizeError::Kustomization {
            file: self.kfile.to_path_buf(),
            message: format!("transformers: invalid {} config: {e}", cfg.kind()),
        };
        let field = |name: &str| cfg.value.get(name).cloned().unwrap_or(Value::Null);
        let specs = |name: &str| -> Result<Vec<FieldSpec>, KustomizeError> {
            match field(name) {
                Value::Null => Ok(Vec::new()),
                v => serde_yaml::from_value(v).map_err(bad),
            }
        };
        let string_map = |name: &str| -> StringMap {
            let m = field(name);
            let Some(m) = m.as_mapping() else { return StringMap::default() };
            m.iter()
                .filter_map(|(k, v)| Some((crate::resource::scalar_string(k)?, crate::resource::scalar_string(v)?)))
                .collect()
        };
        Ok(match cfg.kind() {
            "PatchTransformer" => {
                let mut v = cfg.value.clone();
                let m = v.as_mapping_mut().expect("object");
                for f in ["apiVersion", "kind", "metadata"] {
                    m.remove(f);
                }
                let p: Patch = serde_yaml::from_value(v).map_err(bad)?;
                self.patch(&p)?
            }
            "PatchJson6902Transformer" => {
                let target: Option<Selector> = match field("target") {
                    Value::Null => None,
                    v => Some(serde_yaml::from_value(v).map_err(bad)?),
                };
                let p = Patch {
                    path: field("path").as_str().unwrap_or("").to_string(),
                    patch: field("jsonOp").as_str().unwrap_or("").to_string(),
                    target,
                    ..Default::default()
                };
                Box::new(self.json_patch(&p, "patchesJson6902")?)
            }
            "NamespaceTransformer" => {
                let extra = specs("fieldSpecs")?;
                let unusual = extra.iter().any(|f| f.path != "metadata/namespace" && f.path != "subjects");
                if unusual || !field("unsetOnly").is_null() || !field("setRoleBindingSubjects").is_null() {
                    return Err(unsupported_plugin(
                        self.kfile,
                        "transformers",
                        "builtin",
                        "NamespaceTransformer with custom options",
                    ));
                }
                Box::new(Namespace(cfg.namespace().to_string()))
            }
            "LabelTransformer" => Box::new(Fields { entries: string_map("labels"), specs: specs("fieldSpecs")? }),
            "AnnotationsTransformer" => {
                Box::new(Fields { entries: string_map("annotations"), specs: specs("fieldSpecs")? })
            }
            "PrefixSuffixTransformer" | "PrefixTransformer" | "SuffixTransformer" => Box::new(Rename {
                prefix: field("prefix").as_str().unwrap_or("").to_string(),
                suffix: field("suffix").as_str().unwrap_or("").to_string(),
                specs: specs("fieldSpecs")?,
            }),
            "ImageTagTransformer" => {
                let image: Image = serde_yaml::from_value(field("imageTag")).map_err(bad)?;
                Box::new(Images { images: vec![image], specs: specs("fieldSpecs")? })
            }
            "ReplicaCountTransformer" => {
                let replica: Replica = serde_yaml::from_value(field("replica")).map_err(bad)?;
                Box::new(Replicas { replicas: vec![replica], specs: specs("fieldSpecs")? })
            }
            "ReplacementTransformer" => {
                let reps: Vec<ReplacementField> = match field("replacements") {
                    Value::Null => Vec::new(),
                    v => serde_yaml::from_value(v).map_err(bad)?,
                };
                Box::new(Replacements(self.load_replacements(&reps)?))
            }
            other => return Err(unsupported_plugin(self.kfile, "transformers", "builtin", other)),
        })
    }

    /// Replacements, with `path:` entries read from their files.
    fn load_replacements(&self, reps: &[ReplacementField]) -> Result<Vec<ReplacementField>, KustomizeError> {
        let mut out = Vec::new();
        for r in reps {
            if r.path.is_empty() {
                out.push(r.clone());
                continue;
            }
            let path = self.loader.resolve_file(self.dir, &r.path, "replacements")?;
            let text = self.loader.read_string(&path)?;
            for doc in super::loader::split_documents(&text) {
                let v = super::loader::parse_yaml_doc(&doc, &path)?;
                let items = match v {
                    Value::Null => continue,
                    Value::Sequence(items) => items,
                    other => vec![other],
                };
                for item in items {
                    let rep: ReplacementField =
                        serde_yaml::from_value(item).map_err(|e| KustomizeError::Kustomization {
                            file: path.clone(),
                            message: format!("invalid replacement: {e}"),
                        })?;
                    out.push(rep);
                }
            }
        }
        Ok(out)
    }

    /// A patchesStrategicMerge entry: inline YAML, or a path to a file of patches.
    fn load_sm_patch(&self, entry: &str) -> Result<Vec<(Resource, Option<PathBuf>)>, KustomizeError> {
        if let Ok(v) = serde_yaml::from_str::<Value>(entry)
            && v.is_mapping()
        {
            let rs = super::loader::parse_resources(
                entry,
                Path::new("<inline patch>"),
                &self.dir.join("kustomization.yaml"),
            )?;
            return Ok(rs.into_iter().map(|r| (r, None)).collect());
        }
        let path = self.loader.resolve_file(self.dir, entry, "patchesStrategicMerge")?;
        let rel = self.loader.relative(&path);
        Ok(self.loader.load_resources_in(self.dir, &path)?.into_iter().map(|r| (r, Some(rel.clone()))).collect())
    }

    /// A `patches:` entry (or PatchTransformer): strategic merge or JSON 6902, told apart by parsing, as kustomize's
    /// PatchTransformer does.
    fn patch(&self, p: &Patch) -> Result<Box<dyn Transformer>, KustomizeError> {
        let (text, file) = self.patch_text(p, "patches")?;
        let sm = super::loader::parse_resources(&text, Path::new(""), &file).ok().filter(|v| !v.is_empty());
        let json = patch_json6902::parse(&text).ok();
        let (sm, json) = match (sm, json) {
            (Some(_), Some(_)) | (None, None) if text.trim().is_empty() || looks_empty(&text) => {
                return Err(KustomizeError::Kustomization {
                    file: self.kfile.to_path_buf(),
                    message: format!("patches: the patch {} is empty", describe(p)),
                });
            }
            (None, None) => {
                return Err(KustomizeError::Kustomization {
                    file: self.kfile.to_path_buf(),
                    message: format!("patches: unable to parse SM or JSON patch from {}", describe(p)),
                });
            }
            other => other,
        };
        let rel = (!p.path.is_empty()).then(|| self.loader.relative(&file));
        if let Some(mut patches) = sm {
            let deletes =
                patches.iter().filter(|r| r.value.get("$patch").and_then(Value::as_str) == Some("delete")).count();
            if patches.len() > 1 && deletes > 0 {
                return Err(KustomizeError::Unsupported {
                    field: "patches".into(),
                    file: file.clone(),
                    detail: "several documents in one patch with '$patch: delete' (kustomize v5.5 crashes on it): split them into one patch each".into(),
                });
            }
            for patch in &mut patches {
                patch.build.allow_name_change = p.options.get("allowNameChange").copied().unwrap_or(false);
                patch.build.allow_kind_change = p.options.get("allowKindChange").copied().unwrap_or(false);
            }
            let schema = self.schema.clone();
            return Ok(match &p.target {
                None => {
                    Box::new(PatchesById { patches: patches.into_iter().map(|r| (r, rel.clone())).collect(), schema })
                }
                Some(t) => Box::new(TargetedPatches {
                    target: selector::CompiledSelector::new(t)?,
                    patches,
                    file: rel,
                    schema,
                }),
            });
        }
        let ops = json.expect("one of the two parsed");
        let target = p.target.as_ref().ok_or_else(|| KustomizeError::Kustomization {
            file: self.kfile.to_path_buf(),
            message: format!("patches: a JSON patch needs a target ({})", describe(p)),
        })?;
        Ok(Box::new(self.json_ops(p, target, ops, &text, &file)?))
    }

    /// A patchesJson6902 entry (or PatchJson6902Transformer): JSON 6902 only, and a target is required.
    fn json_patch(&self, p: &Patch, field: &str) -> Result<JsonPatch, KustomizeError> {
        let (text, file) = self.patch_text(p, field)?;
        let ops = patch_json6902::parse(&text)
            .map_err(|e| KustomizeError::Kustomization { file: file.clone(), message: format!("{field}: {e}") })?;
        let target = p.target.as_ref().ok_or_else(|| KustomizeError::Kustomization {
            file: self.kfile.to_path_buf(),
            message: format!("{field}: must specify a target"),
        })?;
        self.json_ops(p, target, ops, &text, &file)
    }

    fn json_ops(
        &self,
        p: &Patch,
        target: &Selector,
        ops: Vec<patch_json6902::Operation>,
        text: &str,
        file: &Path,
    ) -> Result<JsonPatch, KustomizeError> {
        // An inline patch is written in the kustomization file: locate its operations there.
        let source_text =
            if p.path.is_empty() { self.loader.read_string(file).unwrap_or_default() } else { text.to_string() };
        let source = self.loader.relative(file);
        let fields = ops
            .iter()
            .filter(|op| matches!(op.op.as_str(), "add" | "replace" | "copy" | "move"))
            .filter_map(|op| {
                let (line, column) = op_position(&source_text, &op.path)?;
                Some(crate::resource::PatchedField {
                    path: pointer_to_path(&op.path),
                    file: source.clone(),
                    line,
                    column,
                })
            })
            .collect();
        Ok(JsonPatch {
            target: selector::CompiledSelector::new(target)?,
            ops,
            file: (!p.path.is_empty()).then_some(source),
            fields,
        })
    }

    fn patch_text(&self, p: &Patch, field: &str) -> Result<(String, PathBuf), KustomizeError> {
        match (p.patch.trim().is_empty(), p.path.is_empty()) {
            (true, true) => Err(KustomizeError::Kustomization {
                file: self.kfile.to_path_buf(),
                message: format!("{field}: must specify one of patch and path"),
            }),
            (false, false) => Err(KustomizeError::Kustomization {
                file: self.kfile.to_path_buf(),
                message: format!("{field}: patch and path can't be set at the same time"),
            }),
            (false, true) => Ok((p.patch.clone(), self.kfile.to_path_buf())),
            (true, false) => {
                let path = self.loader.resolve_file(self.dir, &p.path, field)?;
                Ok((self.loader.read_source(self.dir, &path)?, path))
            }
        }
    }
}

pub(super) fn unsupported_plugin(kfile: &Path, field: &str, api: &str, kind: &str) -> KustomizeError {
    KustomizeError::Unsupported {
        field: field.to_string(),
        file: kfile.to_path_buf(),
        detail: format!("plugin {kind} ({api}) is not rendered natively"),
    }
}

/// `namespace:` / NamespaceTransformer.
struct Namespace(String);

impl Transformer for Namespace {
    fn transform(&self, resources: &mut Vec<Resource>) -> Result<(), KustomizeError> {
        filters::namespace::apply(resources, &self.0)
    }
}

/// `namePrefix:`, `nameSuffix:` / PrefixSuffixTransformer.
struct Rename {
    prefix: String,
    suffix: String,
    specs: Vec<FieldSpec>,
}

impl Rename {
    fn prefix(prefix: &str, specs: &[FieldSpec]) -> Rename {
        Rename { prefix: prefix.to_string(), suffix: String::new(), specs: specs.to_vec() }
    }

    fn suffix(suffix: &str, specs: &[FieldSpec]) -> Rename {
        Rename { prefix: String::new(), suffix: suffix.to_string(), specs: specs.to_vec() }
    }
}

impl Transformer for Rename {
    fn transform(&self, resources: &mut Vec<Resource>) -> Result<(), KustomizeError> {
        if !self.prefix.is_empty() {
            prefix_suffix::apply(resources, prefix_suffix::Affix::Prefix(&self.prefix), &self.specs)?;
        }
        if !self.suffix.is_empty() {
            prefix_suffix::apply(resources, prefix_suffix::Affix::Suffix(&self.suffix), &self.specs)?;
        }
        Ok(())
    }
}

/// `commonLabels:`, `labels:`, `commonAnnotations:` / LabelTransformer, AnnotationsTransformer: a map of entries
/// written at each field spec.
struct Fields {
    entries: StringMap,
    specs: Vec<FieldSpec>,
}

impl Transformer for Fields {
    fn transform(&self, resources: &mut Vec<Resource>) -> Result<(), KustomizeError> {
        labels::apply(resources, &self.entries, &self.specs)
    }
}

/// `replicas:` / ReplicaCountTransformer.
struct Replicas {
    replicas: Vec<Replica>,
    specs: Vec<FieldSpec>,
}

impl Transformer for Replicas {
    fn transform(&self, resources: &mut Vec<Resource>) -> Result<(), KustomizeError> {
        filters::replicas::apply(resources, &self.replicas, &self.specs)
    }
}

/// `images:` / ImageTagTransformer.
struct Images {
    images: Vec<Image>,
    specs: Vec<FieldSpec>,
}

impl Transformer for Images {
    fn transform(&self, resources: &mut Vec<Resource>) -> Result<(), KustomizeError> {
        filters::images::apply(resources, &self.images, &self.specs)
    }
}

/// `replacements:` / ReplacementTransformer.
struct Replacements(Vec<ReplacementField>);

impl Transformer for Replacements {
    fn transform(&self, resources: &mut Vec<Resource>) -> Result<(), KustomizeError> {
        filters::replacements::apply(resources, &self.0)
    }
}

/// Strategic-merge patches without a target: each applies to the one object whose id (current or earlier) it names.
struct PatchesById {
    /// Each patch with the repo-relative file it came from (none when inline).
    patches: Vec<(Resource, Option<PathBuf>)>,
    schema: Option<Rc<CustomSchema>>,
}

impl Transformer for PatchesById {
    fn transform(&self, resources: &mut Vec<Resource>) -> Result<(), KustomizeError> {
        for (patch, file) in &self.patches {
            let id = patch.org_id();
            let chosen: Vec<bool> = resources.iter().map(|r| r.all_ids().iter().any(|x| x.same_as(&id))).collect();
            match chosen.iter().filter(|c| **c).count() {
                1 => apply_sm_patch(resources, &chosen, patch, file.as_deref(), self.schema.as_deref())?,
                0 => {
                    return Err(KustomizeError::Transform {
                        message: format!("no resource matches strategic merge patch {id}"),
                    });
                }
                _ => {
                    return Err(KustomizeError::Transform {
                        message: format!(
                            "multiple matches for strategic merge patch {id}; failed to find unique target"
                        ),
                    });
                }
            }
        }
        Ok(())
    }
}

/// Strategic-merge patches with a target selector: each applies to every selected object.
struct TargetedPatches {
    target: selector::CompiledSelector,
    patches: Vec<Resource>,
    file: Option<PathBuf>,
    schema: Option<Rc<CustomSchema>>,
}

impl Transformer for TargetedPatches {
    fn transform(&self, resources: &mut Vec<Resource>) -> Result<(), KustomizeError> {
        for patch in &self.patches {
            let chosen: Vec<bool> = resources.iter().map(|r| self.target.selects(r)).collect();
            apply_sm_patch(resources, &chosen, patch, self.file.as_deref(), self.schema.as_deref())?;
        }
        Ok(())
    }
}

/// JSON 6902 operations over every selected object.
struct JsonPatch {
    target: selector::CompiledSelector,
    ops: Vec<patch_json6902::Operation>,
    /// The patch file (none when inline), recorded on each patched object.
    file: Option<PathBuf>,
    /// Where each value-setting operation is written, for findings on patched fields.
    fields: Vec<crate::resource::PatchedField>,
}

impl Transformer for JsonPatch {
    fn transform(&self, resources: &mut Vec<Resource>) -> Result<(), KustomizeError> {
        for r in resources.iter_mut() {
            if self.target.selects(r) {
                // A JSON patch may rename; kustomize records the id first so that references and later patches
                // follow.
                r.store_previous_id();
                patch_json6902::apply(&mut r.value, &self.ops)?;
                // kustomize rebuilds the object from JSON: no field is shared with another any more, and numbers
                // hold the text JSON gave them.
                r.build.linked.clear();
                r.build.scalar_texts = crate::yaml::json_round_trip_texts(&r.value);
                if let Some(f) = &self.file {
                    r.origin.patched_by.push(f.clone());
                }
                r.origin.patched_fields.extend(self.fields.iter().cloned());
            }
        }
        Ok(())
    }
}

fn apply_sm_patch(
    resources: &mut Vec<Resource>,
    chosen: &[bool],
    patch: &Resource,
    file: Option<&Path>,
    custom: Option<&CustomSchema>,
) -> Result<(), KustomizeError> {
    let mut out = Vec::with_capacity(resources.len());
    for (r, &c) in resources.drain(..).zip(chosen) {
        if !c {
            out.push(r);
            continue;
        }
        let mut r = r;
        let (name, ns, kind) = (r.name().to_string(), r.namespace().to_string(), r.kind().to_string());
        if patch.build.allow_name_change || patch.build.allow_kind_change {
            r.store_previous_id();
        }
        // The patch adopts the target's apiVersion, as kustomize's ApplySmPatch does.
        let mut p = patch.value.clone();
        if let Some(m) = p.as_mapping_mut() {
            match r.value.get("apiVersion") {
                Some(av) => m.insert("apiVersion".into(), av.clone()),
                None => m.remove("apiVersion"),
            };
        }
        match patch_strategic::merge_object(&r.value, &p, custom)? {
            None => continue,
            Some(v) if v.as_mapping().is_none_or(Mapping::is_empty) => continue,
            Some(v) => r.value = v,
        }
        super::linked::unlink_under(&mut r, &super::linked::replaced_by_patch(&patch.value));
        take_patch_texts(&mut r, patch);
        if r.is_empty() {
            continue;
        }
        if !patch.build.allow_kind_change {
            r.set_kind(&kind);
        }
        if !patch.build.allow_name_change {
            r.set_name(&name);
        }
        if ns.is_empty() {
            crate::resource::remove_path(&mut r.value, &["metadata", "namespace"]);
        } else {
            r.set_namespace(&ns);
        }
        if let Some(f) = file {
            r.origin.patched_by.push(f.to_path_buf());
        }
        out.push(r);
    }
    *resources = out;
    Ok(())
}

/// A strategic-merge patch copies its scalars into the object, text and all (kyaml's FieldSetter): the object's
/// texts where the patch writes are the patch's now. Lists are merged by key, so a text below one is dropped.
fn take_patch_texts(r: &mut Resource, patch: &Resource) {
    fn written(v: &Value, at: &mut Vec<PathSeg>, out: &mut Vec<Vec<PathSeg>>) {
        match v {
            Value::Mapping(m) => {
                for (k, child) in m {
                    if let Some(k) = k.as_str() {
                        at.push(PathSeg::Key(k.to_string()));
                        written(child, at, out);
                        at.pop();
                    }
                }
            }
            _ => out.push(at.clone()),
        }
    }
    let mut places = Vec::new();
    written(&patch.value, &mut Vec::new(), &mut places);
    r.build.scalar_texts.retain(|(p, _)| !places.iter().any(|w| p.starts_with(w)));
    let outside_lists = |p: &Vec<PathSeg>| p.iter().all(|s| matches!(s, PathSeg::Key(_)));
    r.build.scalar_texts.extend(patch.build.scalar_texts.iter().filter(|(p, _)| outside_lists(p)).cloned());
}

fn looks_empty(text: &str) -> bool {
    text.lines().all(|l| {
        let t = l.trim();
        t.is_empty() || t.starts_with('#') || t == "---"
    })
}

fn describe(p: &Patch) -> String {
    if p.path.is_empty() { "(inline)".to_string() } else { format!("'{}'", p.path) }
}

/// Where a JSON patch operation that sets `op_path` is written in `text`: its `value`, else its `path`.
fn op_position(text: &str, op_path: &str) -> Option<(u32, u32)> {
    let lines: Vec<&str> = text.lines().collect();
    let i = lines.iter().position(|l| {
        let t = l.trim_start().trim_start_matches("- ");
        (t.starts_with("path:") || t.starts_with("\"path\""))
            && l.contains(op_path)
            && !l.contains(&format!("{op_path}/"))
    })?;
    for (j, l) in lines.iter().enumerate().skip(i.saturating_sub(2)).take(5) {
        if let Some(k) = l.find("value:") {
            let rest = &l[k + 6..];
            let col = k + 6 + (rest.len() - rest.trim_start().len());
            return Some((j as u32 + 1, col as u32 + 1));
        }
    }
    Some((i as u32 + 1, lines[i].len() as u32 - lines[i].trim_start().len() as u32 + 1))
}

fn pointer_to_path(pointer: &str) -> String {
    let mut out = String::new();
    for tok in pointer.trim_start_matches('/').split('/') {
        let tok = tok.replace("~1", "/").replace("~0", "~");
        if tok.parse::<usize>().is_ok() {
            out.push_str(&format!("[{tok}]"));
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(&tok);
        }
    }
    out
}

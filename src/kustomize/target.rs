//! Accumulating a kustomization: resources, components, generators, transformers, in kustomize's order; then,
//! at the top only, hash suffixes, name references, vars and the output order.

use super::filters::patch_strategic::CustomSchema;
use super::filters::{self, hash, labels, nameref, sort};
use super::generators::{self, GeneratedKind};
use super::loader::{LoadRestrictor, Loader, normalize};
use super::specs::{self, NameBackRef};
use super::transformers::{self, FieldSpecs, PlanContext};
use super::types::{FieldSpec, Kustomization, TOP_LEVEL_FIELDS, Var};
use super::{KustomizeError, kustomization_file};
use crate::resource::{Behavior, Resource};
use serde_yaml::{Mapping, Value};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    pub load_restrictor: LoadRestrictor,
    /// The repository root: no file may be read from outside it (symlinks included). Origins are relative to it.
    pub repo_root: Option<PathBuf>,
    /// Renders listed files that are not plain YAML first (the project's templates: `crate::template`).
    pub preprocessor: Option<std::sync::Arc<dyn super::loader::SourcePreprocessor>>,
    /// Leave the Helm fields (helmCharts, helmGlobals) out instead of refusing them, and build the rest: what lint
    /// takes as context (the stores written beside a chart). Such a build differs from kustomize's, so it is never
    /// printed nor checked.
    pub without_charts: bool,
    /// `kustomize edit` operations on the built directory's own kustomization, in memory (an Argo CD
    /// Application's kustomize options).
    pub edits: Option<std::sync::Arc<super::edit::Edits>>,
}

/// The kustomization fields that run Helm.
pub const HELM_FIELDS: &[&str] = &["helmCharts", "helmGlobals"];

/// Field specs in force for a build: kustomize's defaults plus `configurations:` files, merged up the tree.
#[derive(Debug, Clone)]
struct TransformerConfig {
    name_prefix: Vec<FieldSpec>,
    common_labels: Vec<FieldSpec>,
    /// Where `labels:` entries without includeSelectors write (metadata/labels, plus configured paths).
    labels: Vec<FieldSpec>,
    template_labels: Vec<FieldSpec>,
    common_annotations: Vec<FieldSpec>,
    images: Vec<FieldSpec>,
    replicas: Vec<FieldSpec>,
    var_reference: Vec<FieldSpec>,
    name_reference: Vec<NameBackRef>,
}

impl TransformerConfig {
    fn defaults() -> TransformerConfig {
        TransformerConfig {
            name_prefix: specs::name_prefix(),
            common_labels: specs::common_labels(),
            labels: vec![FieldSpec { path: "metadata/labels".into(), create: true, ..Default::default() }],
            template_labels: specs::template_labels(),
            common_annotations: specs::common_annotations(),
            images: specs::images(),
            replicas: specs::replicas(),
            var_reference: specs::var_references().to_vec(),
            name_reference: Vec::new(),
        }
    }

    fn merge(&mut self, other: &TransformerConfig) {
        // Configured name-prefix specs replace the default (every object's metadata/name), as in kustomize.
        if !other.name_prefix.is_empty() && self.name_prefix == specs::name_prefix() {
            self.name_prefix = other.name_prefix.clone();
        } else {
            self.name_prefix = labels::merge_specs(&self.name_prefix, &other.name_prefix);
        }
        self.common_labels = labels::merge_specs(&self.common_labels, &other.common_labels);
        self.labels = labels::merge_specs(&self.labels, &other.labels);
        self.template_labels = labels::merge_specs(&self.template_labels, &other.template_labels);
        self.common_annotations = labels::merge_specs(&self.common_annotations, &other.common_annotations);
        self.images = labels::merge_specs(&self.images, &other.images);
        self.replicas = labels::merge_specs(&self.replicas, &other.replicas);
        self.var_reference = labels::merge_specs(&self.var_reference, &other.var_reference);
        for nr in &other.name_reference {
            let dup = self.name_reference.iter().any(|x| x.target == nr.target && x.referrers == nr.referrers);
            if !dup {
                self.name_reference.push(nr.clone());
            }
        }
    }
}

#[derive(Debug, Clone)]
struct Accumulator {
    resources: Vec<Resource>,
    config: TransformerConfig,
    vars: Vec<Var>,
}

impl Accumulator {
    fn new() -> Accumulator {
        Accumulator { resources: Vec::new(), config: TransformerConfig::defaults(), vars: Vec::new() }
    }

    /// Add a batch of resources (one file's documents, or a sub-kustomization's result), refusing an id that is
    /// already registered (kustomize's ResMap.Append). One hash set per batch: linear in the batch, where checking
    /// each document against every earlier one made a file of 8,000 documents take seconds.
    fn append_all(&mut self, batch: Vec<Resource>, from: &Path) -> Result<(), KustomizeError> {
        let mut seen: std::collections::HashSet<(crate::resource::Gvk, String, String)> =
            self.resources.iter().map(|r| r.cur_id().equality_key()).collect();
        for r in batch {
            let id = r.cur_id();
            if !seen.insert(id.equality_key()) {
                return Err(KustomizeError::Accumulate {
                    dir: from.to_path_buf(),
                    message: format!("may not add resource with an already registered id: {id}"),
                });
            }
            self.resources.push(r);
        }
        Ok(())
    }

    /// kustomize's MergeVars: a kustomization's own vars bind to the one object they name, now; the binding
    /// travels with the object, so a var keeps pointing at it whatever prefixes are added above.
    fn bind_vars(&mut self, vars: &[Var], dir: &Path) -> Result<(), KustomizeError> {
        for v in vars {
            let gvk = if v.objref.api_version.is_empty() {
                crate::resource::Gvk {
                    group: v.objref.group.clone(),
                    version: v.objref.version.clone(),
                    kind: v.objref.kind.clone(),
                }
            } else {
                crate::resource::Gvk::from_api_version(&v.objref.api_version, &v.objref.kind)
            };
            let target =
                crate::resource::ResId { gvk, name: v.objref.name.clone(), namespace: v.objref.namespace.clone() };
            let exact = !target.namespace.is_empty() || target.is_cluster_scoped();
            let matched: Vec<usize> = (0..self.resources.len())
                .filter(|&i| {
                    self.resources[i].all_ids().iter().any(|id| {
                        if exact { id.same_as(&target) } else { id.gvk == target.gvk && id.name == target.name }
                    })
                })
                .collect();
            if matched.len() > 1 {
                return Err(KustomizeError::Accumulate {
                    dir: dir.to_path_buf(),
                    message: format!(
                        "found {} resId matches for var {} (unable to disambiguate)",
                        matched.len(),
                        v.name
                    ),
                });
            }
            if let Some(&i) = matched.first() {
                self.resources[i].build.ref_var_names.push(v.name.clone());
            }
        }
        self.merge_vars(vars, dir)
    }

    fn merge_vars(&mut self, vars: &[Var], dir: &Path) -> Result<(), KustomizeError> {
        for v in vars {
            if self.vars.iter().any(|x| x.name == v.name) {
                return Err(KustomizeError::Accumulate {
                    dir: dir.to_path_buf(),
                    message: format!("var '{}' already encountered", v.name),
                });
            }
            self.vars.push(v.clone());
        }
        Ok(())
    }

    /// A generated object: created, or merged into / replacing the object of the same id.
    fn absorb(&mut self, mut r: Resource) -> Result<(), KustomizeError> {
        let id = r.cur_id();
        let matches: Vec<usize> =
            (0..self.resources.len()).filter(|&i| self.resources[i].all_ids().iter().any(|x| x.same_as(&id))).collect();
        match (matches.len(), r.build.behavior) {
            (0, Behavior::Create) => {
                self.resources.push(r);
                Ok(())
            }
            (0, _) => {
                Err(KustomizeError::Transform { message: format!("id {id} does not exist; cannot merge or replace") })
            }
            (1, Behavior::Create) => {
                Err(KustomizeError::Transform { message: format!("id {id} exists; behavior must be merge or replace") })
            }
            (1, behavior) => {
                let old = &self.resources[matches[0]];
                merge_metadata(&mut r, old);
                if behavior == Behavior::Merge {
                    for field in ["data", "binaryData"] {
                        let mut merged = old.value.get(field).and_then(Value::as_mapping).cloned().unwrap_or_default();
                        if let Some(new) = r.value.get(field).and_then(Value::as_mapping) {
                            for (k, v) in new {
                                merged.insert(k.clone(), v.clone());
                            }
                        }
                        if !merged.is_empty() {
                            r.value.as_mapping_mut().expect("object").insert(field.into(), Value::Mapping(merged));
                        }
                    }
                    r.origin = old.origin.clone();
                }
                // The hash suffix stays only when both objects asked for it: kustomize keeps the needs-hash build
                // annotation from the old object and drops it when the new one lacks it
                // (api/resource/resource.go, CopyMergeMetaDataFieldsFrom, mergeStringMapsWithBuildAnnotations).
                // The rename history stays the old object's.
                let needs_hash = r.build.needs_hash_suffix && old.build.needs_hash_suffix;
                r.build = old.build.clone();
                r.build.needs_hash_suffix = needs_hash;
                self.resources[matches[0]] = r;
                Ok(())
            }
            _ => Err(KustomizeError::Transform {
                message: format!("found multiple objects that could accept merge of {id}"),
            }),
        }
    }
}

/// kustomize's CopyMergeMetaDataFieldsFrom: labels and annotations merged (new wins), name and namespace kept.
fn merge_metadata(new: &mut Resource, old: &Resource) {
    for field in ["labels", "annotations"] {
        let mut merged: Mapping = crate::resource::get_path(&old.value, &["metadata", field])
            .and_then(Value::as_mapping)
            .cloned()
            .unwrap_or_default();
        if let Some(m) = crate::resource::get_path(&new.value, &["metadata", field]).and_then(Value::as_mapping) {
            for (k, v) in m {
                merged.insert(k.clone(), v.clone());
            }
        }
        if merged.is_empty() {
            crate::resource::remove_path(&mut new.value, &["metadata", field]);
        } else {
            crate::resource::set_path(&mut new.value, &["metadata", field], Value::Mapping(merged));
        }
    }
    new.set_name(old.name());
    if old.namespace().is_empty() {
        crate::resource::remove_path(&mut new.value, &["metadata", "namespace"]);
    } else {
        new.set_namespace(old.namespace());
    }
}

struct Builder {
    loader: Loader,
    /// Helm fields are left out, not refused ([`BuildOptions::without_charts`]).
    without_charts: bool,
    edits: Option<std::sync::Arc<super::edit::Edits>>,
    /// The schema strategic merge uses: the first `openapi:` met (the top kustomization first) wins for the build.
    openapi: std::cell::RefCell<OpenApi>,
}

#[derive(Default)]
enum OpenApi {
    #[default]
    Unset,
    Builtin,
    Custom(std::rc::Rc<CustomSchema>),
}

/// The only built-in schema version kustomize v5.5 ships.
const BUILTIN_OPENAPI_VERSION: &str = "v1.21.2";

#[derive(PartialEq, Clone, Copy)]
enum Expect {
    /// The directory given to the build: a Kustomization or a Component.
    Top,
    /// A directory listed in `resources`: a Kustomization.
    Resource,
    /// A directory listed in `components`.
    Component,
}

/// Build the kustomization in `dir` into the resources `kubectl kustomize dir` prints, in the same order.
pub fn build(dir: &Path, opts: &BuildOptions) -> Result<Vec<Resource>, KustomizeError> {
    build_recording(dir, opts).map(|(resources, _)| resources)
}

/// [`build`], and every path the build resolved (absolute, as written: the files it read, the directories it
/// loaded, their ancestors), so that a caller can tell whether a change to a file can change this build.
pub fn build_recording(dir: &Path, opts: &BuildOptions) -> Result<(Vec<Resource>, Vec<PathBuf>), KustomizeError> {
    let paths = crate::files::RealPaths::default();
    let resources = build_with(dir, opts, paths.clone())?;
    Ok((resources, paths.resolved()))
}

fn build_with(
    dir: &Path,
    opts: &BuildOptions,
    paths: crate::files::RealPaths,
) -> Result<Vec<Resource>, KustomizeError> {
    let dir = absolute(dir)?;
    let origin_base = opts.repo_root.as_ref().map(|r| absolute(r)).transpose()?.unwrap_or_else(|| dir.clone());
    let loader = Loader {
        restrictor: opts.load_restrictor,
        boundary: opts.repo_root.as_ref().map(|_| origin_base.clone()),
        origin_base,
        preprocessor: opts.preprocessor.clone(),
        overlay: dir.clone(),
        paths,
    };
    let builder =
        Builder { loader, without_charts: opts.without_charts, edits: opts.edits.clone(), openapi: Default::default() };
    let (kust, _) = builder.load_kustomization(&dir, Expect::Top)?;
    let mut ra = builder.accumulate(&dir, Accumulator::new(), &mut vec![dir.clone()], Expect::Top)?;

    // Hash suffixes come last, on the final content, then references follow the renames.
    for r in ra.resources.iter_mut() {
        if r.build.needs_hash_suffix {
            let suffix = hash::suffix(&r.value);
            r.store_previous_id();
            let name = format!("{}-{}", r.name(), suffix);
            r.set_name(&name);
        }
    }
    nameref::apply(&mut ra.resources, &ra.config.name_reference)?;
    filters::vars::apply(&mut ra.resources, &ra.vars, &ra.config.var_reference)?;
    ra.resources.retain(|r| {
        crate::resource::get_path(&r.value, &["metadata", "annotations", "config.kubernetes.io/local-config"])
            .and_then(Value::as_str)
            != Some("true")
    });

    match &kust.sort_options {
        Some(so) if so.order == "fifo" => {
            if so.legacy_sort_options.is_some() {
                return Err(kust_error(
                    &dir,
                    "the field 'sortOptions.legacySortOptions' is set but the selected sort order is 'fifo', not 'legacy'",
                ));
            }
        }
        Some(so) if so.order == "legacy" => {
            let (first, last) = match &so.legacy_sort_options {
                Some(l) => (l.order_first.clone(), l.order_last.clone()),
                None => (sort::default_first(), sort::default_last()),
            };
            sort::legacy(&mut ra.resources, &first, &last);
        }
        Some(_) => return Err(kust_error(&dir, "the field 'sortOptions.order' must be one of [fifo, legacy]")),
        None => sort::legacy(&mut ra.resources, &sort::default_first(), &sort::default_last()),
    }

    if kust.build_metadata.iter().any(|b| b == "managedByLabel") {
        let mut l = std::collections::BTreeMap::new();
        l.insert("app.kubernetes.io/managed-by".to_string(), "kustomize-(devel)".to_string());
        labels::apply(
            &mut ra.resources,
            &l,
            &[FieldSpec { path: "metadata/labels".into(), create: true, ..Default::default() }],
        )?;
    }
    if kust.build_metadata.iter().any(|b| b == "originAnnotations") {
        for r in ra.resources.iter_mut() {
            let text = origin_annotation(&r.origin, &builder.loader.origin_base, &dir);
            let mut anns = crate::resource::get_path(&r.value, &["metadata", "annotations"])
                .and_then(Value::as_mapping)
                .cloned()
                .unwrap_or_default();
            anns.insert("config.kubernetes.io/origin".into(), Value::String(text));
            crate::resource::set_path(&mut r.value, &["metadata", "annotations"], Value::Mapping(anns));
        }
    }
    for b in &kust.build_metadata {
        if b != "managedByLabel" && b != "originAnnotations" {
            return Err(KustomizeError::Unsupported {
                field: format!("buildMetadata: {b}"),
                file: kustomization_file(&dir)?,
                detail: "origin and transformer annotations are not rendered natively".into(),
            });
        }
    }
    // The build's bookkeeping (previous names, linked fields, scalar texts) ends with the build: a lint holds every
    // overlay's objects at once.
    for r in &mut ra.resources {
        r.build = Default::default();
    }
    Ok(ra.resources)
}

/// kustomize's `config.kubernetes.io/origin` text: where an object came from, relative to the built directory.
fn origin_annotation(origin: &crate::resource::Origin, base: &Path, top: &Path) -> String {
    let rel = relative_to(&normalize(&base.join(&origin.file)), top);
    match &origin.generated_by {
        None => format!("path: {}\n", rel.display()),
        Some(kind) => {
            let mut s =
                format!("configuredIn: {}\nconfiguredBy:\n  apiVersion: builtin\n  kind: {kind}\n", rel.display());
            if let Some(n) = &origin.generator_name {
                s.push_str(&format!("  name: {n}\n"));
            }
            s
        }
    }
}

/// `path` relative to `from`, with `..` where it lies outside.
fn relative_to(path: &Path, from: &Path) -> PathBuf {
    let p: Vec<_> = path.components().collect();
    let f: Vec<_> = from.components().collect();
    let common = p.iter().zip(&f).take_while(|(a, b)| a == b).count();
    let mut out = PathBuf::new();
    for _ in common..f.len() {
        out.push("..");
    }
    for c in &p[common..] {
        out.push(c.as_os_str());
    }
    out
}

fn absolute(p: &Path) -> Result<PathBuf, KustomizeError> {
    let abs = if p.is_absolute() {
        p.to_path_buf()
    } else {
        std::env::current_dir().map_err(|e| KustomizeError::io(p, e))?.join(p)
    };
    Ok(normalize(&abs))
}

fn kust_error(dir: &Path, message: &str) -> KustomizeError {
    KustomizeError::Kustomization {
        file: kustomization_file(dir).unwrap_or_else(|_| dir.join("kustomization.yaml")),
        message: message.to_string(),
    }
}

/// Go's encoding/json matches field names case-insensitively; kustomize inherits that for the top level.
fn normalize_field_names(v: &mut Value) {
    if let Some(m) = v.as_mapping_mut() {
        let renames: Vec<(Value, String)> = m
            .keys()
            .filter_map(|k| {
                let s = k.as_str()?;
                if TOP_LEVEL_FIELDS.contains(&s) {
                    return None;
                }
                let canon = TOP_LEVEL_FIELDS.iter().find(|f| f.eq_ignore_ascii_case(s))?;
                Some((k.clone(), canon.to_string()))
            })
            .collect();
        for (old, new) in renames {
            if let Some(val) = m.remove(&old) {
                m.insert(Value::String(new), val);
            }
        }
    }
}

impl Builder {
    fn load_kustomization(&self, dir: &Path, expect: Expect) -> Result<(Kustomization, PathBuf), KustomizeError> {
        let file = kustomization_file(dir)?;
        // kustomize reads the kustomization file through its loader too: under the default restrictor a symlink
        // that leads out of the directory is not loaded (api/internal/target/kusttarget.go, loadKustFile).
        self.loader.check_restriction(dir, &file)?;
        let text = self.loader.read_string(&file)?;
        let docs = super::loader::split_documents(&text);
        let first = docs.iter().find(|d| !d.text.trim().is_empty()).unwrap_or(&docs[0]);
        let mut value = super::loader::parse_kustomization_doc(first, &file)?;
        if value.is_null() {
            value = Value::Mapping(Mapping::new());
        }
        normalize_field_names(&mut value);
        if let (Expect::Top, Some(edits)) = (expect, &self.edits) {
            edits.apply(&mut value, dir).map_err(|message| KustomizeError::Kustomization {
                file: file.clone(),
                message: format!("the Application's kustomize options: {message}"),
            })?;
        }
        let kust: Kustomization = serde_yaml::from_value(value).map_err(|e| KustomizeError::Kustomization {
            file: file.clone(),
            message: format!("invalid kustomization: {}", crate::files::redact_serde_message(&e.to_string())),
        })?;
        let kind = kust.kind.as_deref().unwrap_or("Kustomization");
        let api = kust.api_version.as_deref().unwrap_or("");
        match kind {
            "Component" => {
                if !api.is_empty() && api != "kustomize.config.k8s.io/v1alpha1" {
                    return Err(kust_error(dir, "apiVersion for Component should be kustomize.config.k8s.io/v1alpha1"));
                }
                if expect == Expect::Resource {
                    return Err(kust_error(
                        dir,
                        "expected kind != 'Component' here: a Component belongs in 'components', not 'resources'",
                    ));
                }
            }
            "Kustomization" => {
                if !api.is_empty() && api != "kustomize.config.k8s.io/v1beta1" {
                    return Err(kust_error(
                        dir,
                        &format!("apiVersion for Kustomization should be kustomize.config.k8s.io/v1beta1, not {api}"),
                    ));
                }
                if expect == Expect::Component {
                    return Err(kust_error(dir, "expected kind 'Component' for a path listed in 'components'"));
                }
            }
            other => return Err(kust_error(dir, &format!("unknown kustomization kind '{other}'"))),
        }
        self.choose_openapi(dir, &kust)?;
        let refused = kust.unsupported_fields();
        let refused = refused.iter().find(|f| !(self.without_charts && HELM_FIELDS.contains(f)));
        if let Some(field) = refused {
            return Err(KustomizeError::Unsupported {
                field: field.to_string(),
                file,
                detail: "not rendered natively (helm charts, inventories, validators and custom OpenAPI schemas are refused)".into(),
            });
        }
        Ok((kust, file))
    }

    fn choose_openapi(&self, dir: &Path, k: &Kustomization) -> Result<(), KustomizeError> {
        if k.openapi.is_empty() || !matches!(*self.openapi.borrow(), OpenApi::Unset) {
            return Ok(());
        }
        let chosen = if let Some(path) = k.openapi.get("path") {
            let file = self.loader.resolve_file(dir, path, "openapi")?;
            let text = self.loader.read_string(&file)?;
            let doc: serde_json::Value = serde_yaml::from_str(&text).map_err(|e| KustomizeError::Parse {
                file: file.clone(),
                line: 0,
                message: e.to_string(),
            })?;
            let schema = CustomSchema::parse(doc)
                .map_err(|message| KustomizeError::Kustomization { file: file.clone(), message })?;
            OpenApi::Custom(std::rc::Rc::new(schema))
        } else if k.openapi.get("version").map(String::as_str) == Some(BUILTIN_OPENAPI_VERSION) {
            OpenApi::Builtin
        } else {
            return Err(kust_error(dir, "the specified OpenAPI version is not built in"));
        };
        *self.openapi.borrow_mut() = chosen;
        Ok(())
    }

    fn custom_schema(&self) -> Option<std::rc::Rc<CustomSchema>> {
        match &*self.openapi.borrow() {
            OpenApi::Custom(c) => Some(c.clone()),
            _ => None,
        }
    }

    fn accumulate(
        &self,
        dir: &Path,
        mut ra: Accumulator,
        chain: &mut Vec<PathBuf>,
        expect: Expect,
    ) -> Result<Accumulator, KustomizeError> {
        let (k, kfile) = self.load_kustomization(dir, expect)?;

        let mut resources = k.resources.clone();
        resources.extend(k.bases.iter().cloned());
        for entry in &resources {
            self.accumulate_entry(dir, entry, &mut ra, chain)?;
        }
        for c in &k.configurations {
            let path = self.loader.resolve_file(dir, c, "configurations")?;
            let cfg = self.load_config(&path)?;
            ra.config.merge(&cfg);
        }
        if !k.crds.is_empty() {
            return Err(KustomizeError::Unsupported {
                field: "crds".into(),
                file: kfile,
                detail: "name references declared in CRD schemas are not rendered natively".into(),
            });
        }
        // Generators.
        for args in &k.config_map_generator {
            let r = generators::generate(
                GeneratedKind::ConfigMap,
                args,
                k.generator_options.as_ref(),
                dir,
                &self.loader,
                &kfile,
            )?;
            ra.absorb(r)?;
        }
        for args in &k.secret_generator {
            let r = generators::generate(
                GeneratedKind::Secret,
                args,
                k.generator_options.as_ref(),
                dir,
                &self.loader,
                &kfile,
            )?;
            ra.absorb(r)?;
        }
        for g in &k.generators {
            for cfg in self.plugin_configs(dir, g, "generators", chain)? {
                self.run_generator_plugin(dir, &cfg, &kfile, &mut ra)?;
            }
        }

        // Components come after the resources and generators, before the transformers (kustomize v5's order).
        for c in &k.components {
            let path = self.loader.resolve(dir, c, "components")?;
            if !path.is_dir() {
                return Err(KustomizeError::Accumulate {
                    dir: dir.to_path_buf(),
                    message: format!("component '{c}' must be a directory"),
                });
            }
            self.check_cycle(&path, chain)?;
            chain.push(path.clone());
            ra = self.accumulate(&path, ra, chain, Expect::Component)?;
            chain.pop();
        }

        // One ordered list, as kustomize's runTransformers: the fields' builtin transformers, then `transformers:`.
        let plan_context = PlanContext { loader: &self.loader, dir, kfile: &kfile, schema: self.custom_schema() };
        let c = &ra.config;
        let specs = FieldSpecs {
            name_prefix: &c.name_prefix,
            common_labels: &c.common_labels,
            labels: &c.labels,
            template_labels: &c.template_labels,
            common_annotations: &c.common_annotations,
            images: &c.images,
            replicas: &c.replicas,
        };
        let mut plan = plan_context.field_transformers(&k, &specs)?;
        for t in &k.transformers {
            for cfg in self.plugin_configs(dir, t, "transformers", chain)? {
                plan.push(plan_context.plugin_transformer(&cfg)?);
            }
        }
        for transformer in &plan {
            transformer.transform(&mut ra.resources)?;
            ra.resources.iter_mut().for_each(super::linked::reconcile);
        }
        ra.bind_vars(&k.vars, dir)?;
        Ok(ra)
    }

    fn check_cycle(&self, candidate: &Path, chain: &[PathBuf]) -> Result<(), KustomizeError> {
        for visited in chain {
            if visited.starts_with(candidate) {
                return Err(KustomizeError::Accumulate {
                    dir: candidate.to_path_buf(),
                    message: format!(
                        "cycle detected: candidate root '{}' contains visited root '{}'",
                        candidate.display(),
                        visited.display()
                    ),
                });
            }
        }
        Ok(())
    }

    fn accumulate_entry(
        &self,
        dir: &Path,
        entry: &str,
        ra: &mut Accumulator,
        chain: &mut Vec<PathBuf>,
    ) -> Result<(), KustomizeError> {
        let path = self.loader.resolve(dir, entry, "resources")?;
        if path.is_dir() {
            self.check_cycle(&path, chain)?;
            chain.push(path.clone());
            let sub = self.accumulate(&path, Accumulator::new(), chain, Expect::Resource)?;
            chain.pop();
            ra.append_all(sub.resources, &path)?;
            ra.merge_vars(&sub.vars, &path)?;
            ra.config.merge(&sub.config);
            return Ok(());
        }
        self.loader.check_restriction(dir, &path)?;
        let batch = self.loader.load_resources_in(dir, &path)?;
        // A kustomization file listed as a file fails in kustomize for its missing metadata.name; any other object of
        // kind Kustomization (Flux's kustomize.toolkit.fluxcd.io) is an ordinary resource.
        let is_kustomization_file = |r: &Resource| {
            matches!(r.kind(), "Kustomization" | "Component")
                && r.value
                    .get("apiVersion")
                    .and_then(Value::as_str)
                    .is_none_or(|a| a.starts_with("kustomize.config.k8s.io/"))
                && r.name().is_empty()
        };
        if batch.iter().any(is_kustomization_file) {
            return Err(KustomizeError::Accumulate {
                dir: dir.to_path_buf(),
                message: format!("'{entry}' is a kustomization file: list its directory in resources instead"),
            });
        }
        ra.append_all(batch, &path)
    }

    fn load_config(&self, path: &Path) -> Result<TransformerConfig, KustomizeError> {
        #[derive(serde::Deserialize, Default)]
        #[serde(rename_all = "camelCase")]
        struct RawBackRef {
            #[serde(default)]
            group: String,
            #[serde(default)]
            version: String,
            #[serde(default)]
            kind: String,
            #[serde(default)]
            field_specs: Vec<FieldSpec>,
        }
        #[derive(serde::Deserialize, Default)]
        #[serde(rename_all = "camelCase")]
        struct RawConfig {
            #[serde(default)]
            name_prefix: Vec<FieldSpec>,
            #[serde(default)]
            name_suffix: Vec<FieldSpec>,
            #[serde(default)]
            common_labels: Vec<FieldSpec>,
            #[serde(default)]
            template_labels: Vec<FieldSpec>,
            #[serde(default)]
            labels: Vec<FieldSpec>,
            #[serde(default)]
            common_annotations: Vec<FieldSpec>,
            #[serde(default)]
            images: Vec<FieldSpec>,
            #[serde(default)]
            replicas: Vec<FieldSpec>,
            #[serde(default)]
            var_reference: Vec<FieldSpec>,
            #[serde(default)]
            name_reference: Vec<RawBackRef>,
            #[serde(default)]
            namespace: Vec<FieldSpec>,
        }
        let text = self.loader.read_string(path)?;
        let raw: RawConfig = serde_yaml::from_str(&text).map_err(|e| KustomizeError::Kustomization {
            file: path.to_path_buf(),
            message: format!("invalid transformer configuration: {e}"),
        })?;
        if !raw.namespace.is_empty() || !raw.name_suffix.is_empty() {
            return Err(KustomizeError::Unsupported {
                field: "configurations".into(),
                file: path.to_path_buf(),
                detail: "custom namespace and nameSuffix field specs are not rendered natively".into(),
            });
        }
        Ok(TransformerConfig {
            name_prefix: raw.name_prefix,
            common_labels: raw.common_labels,
            labels: raw.labels,
            template_labels: raw.template_labels,
            common_annotations: raw.common_annotations,
            images: raw.images,
            replicas: raw.replicas,
            var_reference: raw.var_reference,
            name_reference: raw
                .name_reference
                .into_iter()
                .map(|b| NameBackRef {
                    target: FieldSpec { group: b.group, version: b.version, kind: b.kind, ..Default::default() },
                    referrers: b.field_specs,
                })
                .collect(),
        })
    }

    /// Entries of `generators:`/`transformers:`: a file or directory of plugin configs, or an inline config.
    fn plugin_configs(
        &self,
        dir: &Path,
        entry: &str,
        field: &str,
        chain: &mut Vec<PathBuf>,
    ) -> Result<Vec<Resource>, KustomizeError> {
        if let Ok(v) = serde_yaml::from_str::<Value>(entry)
            && v.is_mapping()
        {
            return super::loader::parse_resources(entry, Path::new("<inline>"), &dir.join("kustomization.yaml"));
        }
        let path = self.loader.resolve(dir, entry, field)?;
        if path.is_dir() {
            // A directory of plugin configs is a kustomization of its own: the same cycle check as for resources
            // (`transformers: [.]` recursed until the stack overflowed; found by the kustomize_build fuzz target).
            self.check_cycle(&path, chain)?;
            chain.push(path.clone());
            let sub = self.accumulate(&path, Accumulator::new(), chain, Expect::Resource);
            chain.pop();
            return Ok(sub?.resources);
        }
        self.loader.check_restriction(dir, &path)?;
        self.loader.load_resources(&path)
    }

    fn run_generator_plugin(
        &self,
        dir: &Path,
        cfg: &Resource,
        kfile: &Path,
        ra: &mut Accumulator,
    ) -> Result<(), KustomizeError> {
        let kind = match (cfg.api_version(), cfg.kind()) {
            ("builtin", "ConfigMapGenerator") => GeneratedKind::ConfigMap,
            ("builtin", "SecretGenerator") => GeneratedKind::Secret,
            (api, kind) => return Err(transformers::unsupported_plugin(kfile, "generators", api, kind)),
        };
        let mut v = cfg.value.clone();
        let m = v.as_mapping_mut().expect("object");
        const KNOWN: &[&str] =
            &["name", "namespace", "behavior", "literals", "files", "envs", "env", "options", "type"];
        m.retain(|k, _| k.as_str().is_some_and(|k| KNOWN.contains(&k)));
        let mut args: super::types::GeneratorArgs =
            serde_yaml::from_value(v).map_err(|e| KustomizeError::Kustomization {
                file: kfile.to_path_buf(),
                message: format!("generators: invalid {} config: {e}", kind.plugin_name()),
            })?;
        // The generated object's name is the config's `name` field; metadata.name only names the generator.
        if args.name.is_empty() {
            args.name = cfg.name().to_string();
        }
        if args.namespace.is_empty() {
            args.namespace = cfg.namespace().to_string();
        }
        let mut r = generators::generate(kind, &args, None, dir, &self.loader, kfile)?;
        if cfg.origin.file != Path::new("<inline>") {
            r.origin.file = cfg.origin.file.clone();
        }
        r.origin.generator_name = Some(cfg.name().to_string()).filter(|n| !n.is_empty());
        ra.absorb(r)
    }
}

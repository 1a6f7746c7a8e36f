//! Argo CD as the source of truth for what is deployed where. The repository's `Application`s, and its
//! `ApplicationSet`s expanded the way Argo CD's ApplicationSet controller expands them, give each app path its
//! destination cluster (the environment it is checked in) and namespace.
//!
//! Mirrors argoproj/argo-cd `applicationset/generators/` (list.go `ListGenerator.GenerateParams`, git.go
//! `generateParamsFromApps`, `generateParamsFromGitFile`, `filterApps`, cluster.go `GenerateParams`, matrix.go and
//! merge.go `GenerateParams`) and `applicationset/utils/utils.go` `Render.Replace` (fasttemplate, or a Go template
//! with `goTemplate: true`). What it cannot evaluate (SCM, pull-request and plugin generators, Go template functions)
//! is never guessed: the ApplicationSet is left out and [`ArgoApps::skipped`] says why.

use super::PlatformDoc;
use crate::config::ArgoCluster;
use crate::kustomize::edit::Edits;
use serde_yaml::{Mapping, Value};
use std::cell::OnceCell;
use std::path::{Path, PathBuf};

/// What an Argo CD manifest contains, to find its file among the platform documents.
pub const NEEDLE: &str = "argoproj.io";

/// The API server address Argo CD names `in-cluster` (`KubernetesInternalAPIServerAddr`).
pub const IN_CLUSTER_SERVER: &str = "https://kubernetes.default.svc";
pub const IN_CLUSTER_NAME: &str = "in-cluster";

/// Source fields that make Argo CD build a path with another tool than kustomize or its directory reader
/// (`ApplicationSource.ExplicitType`).
const SOURCE_TOOLS: &[&str] = &["plugin", "helm", "chart"];

/// One app Argo CD deploys from a path of this repository.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deployment {
    /// The Application's name, after templating.
    pub app: String,
    /// The source path, repo-relative and normalized ("" for the repository root).
    pub path: PathBuf,
    /// The destination cluster: `destination.name`, else `destination.server` (`in-cluster` for the API server
    /// Argo CD runs in).
    pub cluster: String,
    pub namespace: Option<String>,
    /// Where it was declared, for `lint -v`: `argocd/appset.yaml: ApplicationSet 'platform'`.
    pub declared: String,
    /// The repo-relative file that declares it.
    pub file: String,
    /// The source's `repoURL`, normalized ([`normalize_repo_url`]); None when it has none (Flux: its own check).
    pub repo_url: Option<String>,
    /// The source's `kustomize` options (namePrefix, namespace, patches, ...) as the `kustomize edit` operations
    /// Argo CD runs in the directory before it builds; or why they could not be read (the overlay is then checked
    /// without them, and `lint -v` says so).
    pub kustomize: Result<Edits, String>,
    /// The source's `directory` options: what Argo CD reads when the path holds plain manifests (no kustomization,
    /// no chart). None for a source another tool builds (a plugin, Helm), and for Flux.
    pub directory: Option<super::directory::DirectoryOptions>,
    /// Flux deploys it (a Kustomization), not Argo CD.
    pub by_flux: bool,
}

/// The Applications found, and what could not be followed.
#[derive(Debug, Default)]
pub struct ArgoApps {
    pub deployments: Vec<Deployment>,
    /// What was left out and why, one line each.
    pub skipped: Vec<String>,
    /// The files git files generators read (repo-relative): what the expansion depends on besides the manifests.
    pub inputs: Vec<PathBuf>,
}

/// The apps the Applications and ApplicationSets among `docs` deploy. `clusters` are what a `clusters` generator
/// yields (the config's `argocdClusters`).
pub fn applications(repo: &Path, docs: &[PlatformDoc], clusters: &[ArgoCluster]) -> ArgoApps {
    let mut out = ArgoApps::default();
    let listing = Listing { repo, dirs: OnceCell::new(), files: OnceCell::new(), read: Default::default() };
    for d in docs {
        let api = d.doc.get("apiVersion").and_then(Value::as_str).unwrap_or_default();
        if !api.starts_with("argoproj.io/") {
            continue;
        }
        let name = d.doc.get("metadata").and_then(|m| m.get("name")).and_then(Value::as_str).unwrap_or("?");
        match d.doc.get("kind").and_then(Value::as_str) {
            Some("Application") => {
                let declared = format!("{}: Application '{name}'", d.file);
                let (placement, options) = take_options(placement_fields(&d.doc));
                // Written as is: a template expression left in an option is a chart's, not Argo CD's (a patch's
                // text may hold braces of its own).
                let options: Vec<Option<Result<Value, String>>> = options
                    .into_iter()
                    .map(|o| {
                        o.map(|o| {
                            let mut scalars = o.clone();
                            if let Some(m) = scalars.as_mapping_mut() {
                                m.remove("patches");
                            }
                            match unrendered(&scalars) {
                                Some(t) => Err(format!("they hold a template expression ('{t}')")),
                                None => Ok(o),
                            }
                        })
                    })
                    .collect();
                match deployments_of(&placement, &declared, &d.file, &options) {
                    Ok(found) => out.deployments.extend(found),
                    Err(why) => out.skipped.push(format!("{declared}: {why}")),
                }
            }
            Some("ApplicationSet") => {
                let declared = format!("{}: ApplicationSet '{name}'", d.file);
                match expand_application_set(&d.doc, &listing, clusters, &declared, &d.file) {
                    Ok(found) => out.deployments.extend(found),
                    Err(why) => out.skipped.push(format!("{declared}: {why}")),
                }
            }
            _ => {}
        }
    }
    out.inputs = listing.read.into_inner();
    out.deployments.sort_by(|a, b| (&a.cluster, &a.path, &a.app).cmp(&(&b.cluster, &b.path, &b.app)));
    out.deployments.dedup();
    out
}

/// The deployments of one rendered Application's placement fields ([`placement_fields`] without the options):
/// one per source with a `path`. `options` are the sources' `kustomize` options, rendered, in the order of
/// [`take_options`].
fn deployments_of(
    app: &Value,
    declared: &str,
    file: &str,
    options: &[Option<Result<Value, String>>],
) -> Result<Vec<Deployment>, String> {
    let name = app.get("metadata").and_then(|m| m.get("name")).and_then(Value::as_str).unwrap_or("?");
    let spec = app.get("spec").ok_or("no spec")?;
    if let Some(t) = unrendered(app) {
        // An Application written inside a Helm chart or another template: its values are not known here.
        return Err(format!("holds a template expression ('{t}'), as in a chart of Applications: not followed"));
    }
    let destination = spec.get("destination");
    let text = |field: &str| destination.and_then(|d| d.get(field)).and_then(Value::as_str).filter(|s| !s.is_empty());
    let cluster = match (text("name"), text("server")) {
        (Some(n), _) => n.to_string(),
        (None, Some(s)) if s.trim_end_matches('/') == IN_CLUSTER_SERVER => IN_CLUSTER_NAME.to_string(),
        (None, Some(s)) => s.to_string(),
        (None, None) => return Err("no destination name or server".into()),
    };
    let namespace = text("namespace").map(str::to_string);
    let sources = spec.get("sources").and_then(Value::as_sequence).into_iter().flatten().chain(spec.get("source"));
    Ok(sources
        .enumerate()
        .filter_map(|(i, s)| Some((s, s.get("path")?.as_str()?, options.get(i).cloned().flatten(), s.get("directory"))))
        .map(|(source, p, kustomize, directory)| {
            let path = crate::files::normalize(Path::new(p.trim_start_matches('/')));
            let env = BuildEnv { app: name, namespace: namespace.as_deref(), path: &path };
            let kustomize = match kustomize {
                None => Ok(Edits::default()),
                Some(Ok(k)) => kustomize_edits(&k, &env),
                Some(Err(why)) => Err(why),
            };
            let flag = |f: &str| directory.and_then(|d| d.get(f)).and_then(Value::as_bool).unwrap_or(false);
            let glob =
                |f: &str| directory.and_then(|d| d.get(f)).and_then(Value::as_str).unwrap_or_default().to_string();
            Deployment {
                app: name.to_string(),
                kustomize,
                // A source that names a plugin or Helm is built by that tool, never read as a directory.
                directory: (!SOURCE_TOOLS.iter().any(|t| source.get(*t).is_some())).then(|| {
                    super::directory::DirectoryOptions {
                        recurse: flag("recurse"),
                        include: glob("include"),
                        exclude: glob("exclude"),
                    }
                }),
                by_flux: false,
                path,
                cluster: cluster.clone(),
                namespace: namespace.clone(),
                declared: declared.to_string(),
                file: file.to_string(),
                repo_url: source.get("repoURL").and_then(Value::as_str).map(normalize_repo_url),
            }
        })
        .collect())
}

/// What Argo CD's repo server sets in a build's environment (`reposerver/repository/repository.go`, `newEnv`) that
/// is known from the repository alone; the revision, the repository URL and the cluster's version are not, and
/// expand to nothing, as an unset variable does.
struct BuildEnv<'a> {
    app: &'a str,
    namespace: Option<&'a str>,
    path: &'a Path,
}

impl BuildEnv<'_> {
    /// Argo CD's `Env.Envsubst`: `$NAME` and `${NAME}` replaced by the variable's value, `$$` kept.
    fn envsubst(&self, text: &str) -> String {
        let value = |name: &str| -> String {
            match name {
                "ARGOCD_APP_NAME" => self.app.to_string(),
                "ARGOCD_APP_NAMESPACE" => self.namespace.unwrap_or_default().to_string(),
                "ARGOCD_APP_SOURCE_PATH" => self.path.to_string_lossy().into_owned(),
                _ => String::new(),
            }
        };
        let mut out = String::new();
        let mut rest = text;
        while let Some(at) = rest.find('$') {
            out.push_str(&rest[..at]);
            let after = &rest[at + 1..];
            let is_name = |c: char| c.is_ascii_alphanumeric() || c == '_';
            if let Some(braced) = after.strip_prefix('{')
                && let Some(end) = braced.find('}')
            {
                out.push_str(&value(&braced[..end]));
                rest = &braced[end + 1..];
            } else if let Some(escaped) = after.strip_prefix('$') {
                out.push_str("$$");
                rest = escaped;
            } else {
                let end = after.find(|c: char| !is_name(c)).unwrap_or(after.len());
                if end == 0 {
                    out.push('$');
                } else {
                    out.push_str(&value(&after[..end]));
                }
                rest = &after[end..];
            }
        }
        out.push_str(rest);
        out
    }
}

/// An Application source's `kustomize` options (`ApplicationSourceKustomize`) as the edits Argo CD makes, with
/// images and label values (and annotation values under `commonAnnotationsEnvsubst`) expanded as it expands them.
/// `version`, `kubeVersion` and `apiVersions` choose a binary or feed Helm: nothing to edit.
fn kustomize_edits(options: &Value, env: &BuildEnv<'_>) -> Result<Edits, String> {
    let text = |field: &str| -> Result<Option<String>, String> {
        match options.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if s.is_empty() => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(format!("kustomize.{field} is no string")),
        }
    };
    let flag = |field: &str| options.get(field).and_then(Value::as_bool).unwrap_or(false);
    let list = |field: &str| options.get(field).and_then(Value::as_sequence).cloned().unwrap_or_default();
    let strings = |field: &str| -> Result<Vec<String>, String> {
        list(field).iter().map(|v| scalar_text(v).ok_or(format!("kustomize.{field} holds a non-string"))).collect()
    };
    let map = |field: &str, expand: bool| -> Result<std::collections::BTreeMap<String, String>, String> {
        let mut out = std::collections::BTreeMap::new();
        for (k, v) in options.get(field).and_then(Value::as_mapping).into_iter().flatten() {
            let (Some(k), Some(v)) = (scalar_text(k), scalar_text(v)) else {
                return Err(format!("kustomize.{field} holds a non-string"));
            };
            out.insert(k, if expand { env.envsubst(&v) } else { v });
        }
        Ok(out)
    };
    let mut replicas = Vec::new();
    for r in list("replicas") {
        let name = r.get("name").and_then(Value::as_str).ok_or("kustomize.replicas entry without a name")?;
        // `GetIntCount`: an int, or a string holding one.
        let count = match r.get("count") {
            Some(Value::Number(n)) => n.as_i64(),
            Some(Value::String(s)) => s.parse().ok(),
            _ => None,
        }
        .ok_or_else(|| format!("kustomize.replicas '{name}': the count is no integer"))?;
        replicas.push((name.to_string(), count));
    }
    // `ApplicationSourceKustomize.Patches`: the fields of kustomize's Patch that Argo CD's type carries.
    let patches = list("patches")
        .iter()
        .map(|p| crate::kustomize::edit::patch_fields(p, &["path", "patch", "target", "options"]))
        .collect();
    let edits = Edits {
        name_prefix: text("namePrefix")?,
        name_suffix: text("nameSuffix")?,
        images: strings("images")?.iter().map(|i| env.envsubst(i)).collect(),
        replicas,
        common_labels: map("commonLabels", true)?,
        force_common_labels: flag("forceCommonLabels"),
        label_without_selector: flag("labelWithoutSelector"),
        label_include_templates: flag("labelIncludeTemplates"),
        common_annotations: map("commonAnnotations", flag("commonAnnotationsEnvsubst"))?,
        force_common_annotations: flag("forceCommonAnnotations"),
        namespace: text("namespace")?,
        patches,
        components: strings("components")?,
        ignore_missing_components: flag("ignoreMissingComponents"),
    };
    if edits.label_include_templates && !edits.label_without_selector && !edits.common_labels.is_empty() {
        // kustomize's addMetadataOptions.validateAndParse refuses it, and so the build fails in Argo CD.
        return Err("labelIncludeTemplates needs labelWithoutSelector (kustomize refuses it alone)".into());
    }
    Ok(edits)
}

/// A repository URL as Argo CD compares them (`git.NormalizeGitURL`, roughly): case, scheme, user, a trailing
/// `.git` or `/` do not matter, and `git@host:org/repo` is `host/org/repo`.
pub fn normalize_repo_url(url: &str) -> String {
    let mut s = url.trim().to_ascii_lowercase();
    let had_scheme = match s.find("://") {
        Some(i) => {
            s = s[i + 3..].to_string();
            true
        }
        None => false,
    };
    let host_end = s.find('/').unwrap_or(s.len());
    if let Some(at) = s[..host_end].find('@') {
        s = s[at + 1..].to_string();
    }
    if !had_scheme && let Some(colon) = s.find(':').filter(|c| *c < s.find('/').unwrap_or(s.len())) {
        s.replace_range(colon..colon + 1, "/");
    }
    s.trim_end_matches('/').trim_end_matches(".git").to_string()
}

/// The URLs this repository is known by: its `origin` remote (from `.git/config`), and the `repoURL` of every
/// source in `ours` (those whose path is found in it).
pub fn repository_urls<'a>(
    repo: &Path,
    ours: impl Iterator<Item = &'a Deployment>,
) -> std::collections::BTreeSet<String> {
    let mut urls: std::collections::BTreeSet<String> = ours.filter_map(|d| d.repo_url.clone()).collect();
    let config = std::fs::read_to_string(repo.join(".git").join("config")).unwrap_or_default();
    let mut in_origin = false;
    for line in config.lines().map(str::trim) {
        if line.starts_with('[') {
            in_origin = line == "[remote \"origin\"]";
        } else if in_origin
            && let Some(url) = line.strip_prefix("url").map(str::trim_start).and_then(|l| l.strip_prefix('='))
        {
            urls.insert(normalize_repo_url(url));
        }
    }
    urls
}

/// Argo CD names `in-cluster` the cluster it runs in; a repository can hold the Applications of several Argo CD
/// instances (one per cluster, each bootstrapped from its own folder), and each one's `in-cluster` is another
/// cluster. An Application belongs to the instance of the Application that deploys its file to `in-cluster` (app
/// of apps); one that nothing in the repository deploys (applied by hand) to the instance of its folder. Root
/// folders alone are no evidence (one Argo CD often has an ApplicationSet per folder): only when two or more of
/// them each deploy an Argo CD installation ([`installs_argo_cd`]) is each one's named `in-cluster@<folder>`.
pub fn qualify_in_cluster(repo: &Path, deployments: &mut [Deployment]) {
    fn instance(i: usize, ds: &[Deployment], depth: usize) -> String {
        let file = Path::new(&ds[i].file);
        let parent = ds.iter().position(|p| {
            !p.by_flux && p.cluster == IN_CLUSTER_NAME && p.file != ds[i].file && file.starts_with(&p.path)
        });
        match parent {
            Some(p) if depth < 16 => instance(p, ds, depth + 1),
            _ => file.parent().map(|d| d.display().to_string()).unwrap_or_default(),
        }
    }
    let argo_in_cluster: Vec<usize> = (0..deployments.len())
        .filter(|i| !deployments[*i].by_flux && deployments[*i].cluster == IN_CLUSTER_NAME)
        .collect();
    let instances: Vec<(usize, String)> = argo_in_cluster.iter().map(|i| (*i, instance(*i, deployments, 0))).collect();
    // One instance needs no files read.
    let distinct: std::collections::BTreeSet<&String> = instances.iter().map(|(_, f)| f).collect();
    if distinct.len() < 2 {
        return;
    }
    let installing: std::collections::BTreeSet<&String> =
        instances.iter().filter(|(i, _)| installs_argo_cd(repo, &deployments[*i].path)).map(|(_, f)| f).collect();
    if installing.len() < 2 {
        return;
    }
    for (i, folder) in instances {
        deployments[i].cluster = format!("{IN_CLUSTER_NAME}@{folder}");
    }
}

/// Whether the files directly in `dir` (repo-relative) install Argo CD: its repo server's manifests, the argo-cd
/// chart, or a remote base of argoproj/argo-cd.
fn installs_argo_cd(repo: &Path, dir: &Path) -> bool {
    const NEEDLES: &[&str] = &["name: argocd-repo-server", "name: argo-cd", "chart: argo-cd", "argoproj/argo-cd/"];
    let Ok(entries) = std::fs::read_dir(repo.join(dir)) else { return false };
    entries.filter_map(Result::ok).filter(|e| e.file_type().is_ok_and(|t| t.is_file())).any(|e| {
        let name = e.file_name().to_string_lossy().to_ascii_lowercase();
        // Through the file layer, confined to the repository like every other read.
        (name.ends_with(".yaml") || name.ends_with(".yml") || name == "kustomization")
            && crate::files::read_text(Some(repo), &e.path(), 1 << 20)
                .is_ok_and(|t| NEEDLES.iter().any(|n| t.contains(n)))
    })
}

/// A template expression left in a document (`{{ .Values.env }}`), if any.
fn unrendered(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => {
            let at = s.find("{{")?;
            let line = s[at..].lines().next().unwrap_or_default();
            Some(line.chars().take(60).collect())
        }
        Value::Sequence(items) => items.iter().find_map(unrendered),
        Value::Mapping(m) => m.values().find_map(unrendered),
        Value::Tagged(t) => unrendered(&t.value),
        _ => None,
    }
}

/// The Applications an ApplicationSet generates: each parameter set of its generators rendered into its template.
fn expand_application_set(
    set: &Value,
    listing: &Listing<'_>,
    clusters: &[ArgoCluster],
    declared: &str,
    file: &str,
) -> Result<Vec<Deployment>, String> {
    let spec = set.get("spec").ok_or("no spec")?;
    let mode = if spec.get("goTemplate").and_then(Value::as_bool) == Some(true) { Mode::Go } else { Mode::Fast };
    if spec.get("templatePatch").is_some() {
        return Err("templatePatch is not evaluated".into());
    }
    let template = spec.get("template").ok_or("no template")?;
    let (mut placement, options) = take_options(placement_fields(template));
    // The name is rendered apart, where failing only leaves it unknown.
    if let Value::Mapping(m) = &mut placement {
        m.remove("metadata");
    }
    let name = template.get("metadata").and_then(|m| m.get("name")).and_then(Value::as_str).unwrap_or_default();
    let ctx = Expansion { mode, listing, clusters };
    let mut out = Vec::new();
    for generator in spec.get("generators").and_then(Value::as_sequence).into_iter().flatten() {
        for params in ctx.generate(generator)? {
            let mut app = render(&placement, &params, mode)?;
            let options: Vec<Option<Result<Value, String>>> =
                options.iter().map(|o| o.as_ref().map(|o| render(o, &params, mode))).collect();
            // The name only matters to match `ARGOCD_APP_NAME`: one written with a function is left unknown.
            let name = replace(name, &params, mode).ok().filter(|n| !n.contains("{{")).unwrap_or_else(|| "?".into());
            if let Value::Mapping(m) = &mut app {
                let mut meta = Mapping::new();
                meta.insert("name".into(), name.into());
                m.insert("metadata".into(), Value::Mapping(meta));
            }
            out.extend(deployments_of(&app, declared, file, &options)?);
        }
    }
    Ok(out)
}

/// The fields of an Application (or its template) that say what is deployed where and how (`metadata.name`,
/// `spec.source.path`, `spec.sources[].path`, `spec.destination`, and the sources' `kustomize` options): only
/// these are rendered and read, so that a function in a label, an annotation or a sync option does not leave the
/// whole ApplicationSet out.
fn placement_fields(template: &Value) -> Value {
    let spec = template.get("spec");
    let pick = |v: Option<&Value>, keys: &[&str]| -> Option<Value> {
        let map = v?.as_mapping()?;
        let picked: Mapping = map
            .iter()
            .filter(|(k, _)| k.as_str().is_some_and(|k| keys.contains(&k)))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        Some(Value::Mapping(picked))
    };
    let source = |s: &Value| -> Option<Value> {
        let mut picked = pick(Some(s), &["path", "kustomize", "directory", "repoURL"])?;
        // Whether the source names another tool (a plugin, Helm) matters, not how it is configured.
        for tool in SOURCE_TOOLS {
            if let (Some(_), Value::Mapping(m)) = (s.get(*tool), &mut picked) {
                m.insert((*tool).into(), Value::Null);
            }
        }
        Some(picked)
    };
    let mut out = Mapping::new();
    if let Some(s) = spec.and_then(|s| s.get("source")).and_then(source) {
        out.insert("source".into(), s);
    }
    if let Some(sources) = spec.and_then(|s| s.get("sources")).and_then(Value::as_sequence) {
        out.insert("sources".into(), Value::Sequence(sources.iter().filter_map(source).collect()));
    }
    if let Some(destination) = pick(spec.and_then(|s| s.get("destination")), &["name", "server", "namespace"]) {
        out.insert("destination".into(), destination);
    }
    let mut app = Mapping::new();
    if let Some(meta) = pick(template.get("metadata"), &["name"]) {
        app.insert("metadata".into(), meta);
    }
    app.insert("spec".into(), Value::Mapping(out));
    Value::Mapping(app)
}

/// The placement fields without the sources' `kustomize` options, and the options of each source (the `sources`,
/// then `source`, as [`deployments_of`] reads them): rendered apart, so that an option Argo CD's template functions
/// would fill in leaves only the options unknown, not the app.
fn take_options(mut placement: Value) -> (Value, Vec<Option<Value>>) {
    let mut options = Vec::new();
    if let Some(spec) = placement.get_mut("spec") {
        for s in spec.get_mut("sources").and_then(Value::as_sequence_mut).into_iter().flatten() {
            options.push(s.as_mapping_mut().and_then(|m| m.remove("kustomize")));
        }
        if let Some(s) = spec.get_mut("source") {
            options.push(s.as_mapping_mut().and_then(|m| m.remove("kustomize")));
        }
    }
    (placement, options)
}

/// How an ApplicationSet's templates are written: fasttemplate `{{path.basename}}` over flat string parameters, or
/// a Go template `{{.path.basename}}` over nested ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Fast,
    Go,
}

/// The repository as a git generator sees it, listed once when first asked.
struct Listing<'a> {
    repo: &'a Path,
    dirs: OnceCell<Vec<String>>,
    files: OnceCell<Vec<String>>,
    /// The files read for git files generators.
    read: std::cell::RefCell<Vec<PathBuf>>,
}

impl Listing<'_> {
    /// Every directory, or every file, repo-relative with `/`, hidden ones left out as Argo CD's repo server does
    /// (`GetGitDirectories`: `IncludeHiddenDirectories` is off by default).
    fn walk(&self, dirs: bool) -> Vec<String> {
        let walk = walkdir::WalkDir::new(self.repo)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'));
        walk.filter_map(Result::ok)
            .filter(|e| e.depth() > 0 && e.file_type().is_dir() == dirs && (dirs || e.file_type().is_file()))
            .filter_map(|e| e.path().strip_prefix(self.repo).ok().map(|p| p.to_string_lossy().replace('\\', "/")))
            .collect()
    }

    fn dirs(&self) -> &[String] {
        self.dirs.get_or_init(|| self.walk(true))
    }

    fn files(&self) -> &[String] {
        self.files.get_or_init(|| self.walk(false))
    }
}

struct Expansion<'a> {
    mode: Mode,
    listing: &'a Listing<'a>,
    clusters: &'a [ArgoCluster],
}

impl Expansion<'_> {
    /// The parameter sets of one generator.
    fn generate(&self, generator: &Value) -> Result<Vec<Mapping>, String> {
        let map = generator.as_mapping().ok_or("a generator that is not a mapping")?;
        let mut sets = None;
        for (key, body) in map {
            let key = key.as_str().unwrap_or_default();
            let found = match key {
                "list" => self.list(body)?,
                "git" => self.git(body)?,
                "clusters" => self.clusters(body)?,
                "matrix" => self.matrix(body)?,
                "merge" => self.merge(body)?,
                "selector" => continue,
                other => return Err(format!("the '{other}' generator is not evaluated")),
            };
            sets = Some(found);
        }
        let sets = sets.ok_or("a generator of no known kind")?;
        match generator.get("selector") {
            Some(selector) => self.select(sets, selector),
            None => Ok(sets),
        }
    }

    /// A generator's `selector`: the parameter sets whose values equal its `matchLabels`.
    fn select(&self, sets: Vec<Mapping>, selector: &Value) -> Result<Vec<Mapping>, String> {
        if selector.get("matchExpressions").is_some() {
            return Err("a generator selector's matchExpressions are not evaluated".into());
        }
        let labels = selector.get("matchLabels").and_then(Value::as_mapping).cloned().unwrap_or_default();
        Ok(sets
            .into_iter()
            .filter(|p| labels.iter().all(|(k, v)| k.as_str().is_some_and(|k| lookup(p, k, self.mode) == Some(v))))
            .collect())
    }

    /// `list`: each element a parameter set (list.go). In fasttemplate mode every value is a string and
    /// `values.<k>` is flattened.
    fn list(&self, body: &Value) -> Result<Vec<Mapping>, String> {
        if body.get("elementsYaml").is_some() {
            return Err("list elementsYaml is not evaluated".into());
        }
        let mut out = Vec::new();
        for element in body.get("elements").and_then(Value::as_sequence).into_iter().flatten() {
            let element = element.as_mapping().ok_or("a list element that is not a mapping")?;
            if self.mode == Mode::Go {
                out.push(element.clone());
                continue;
            }
            let mut params = Mapping::new();
            for (k, v) in element {
                let k = k.as_str().ok_or("a list element key that is not a string")?;
                if k == "values" {
                    for (vk, vv) in v.as_mapping().ok_or("list element values that are not a mapping")? {
                        let vk = vk.as_str().unwrap_or_default();
                        let vv = vv.as_str().ok_or(format!("list element value '{vk}' is not a string"))?;
                        params.insert(format!("values.{vk}").into(), vv.into());
                    }
                } else {
                    let v = v.as_str().ok_or(format!("list element value '{k}' is not a string"))?;
                    params.insert(k.into(), v.into());
                }
            }
            out.push(params);
        }
        Ok(out)
    }

    /// `git` with `directories` (filterApps: Go's path.Match, `exclude` wins) or `files` (doublestar globs, each
    /// file's object, or array of objects, a parameter set), plus the `path` parameters.
    fn git(&self, body: &Value) -> Result<Vec<Mapping>, String> {
        let prefix = body.get("pathParamPrefix").and_then(Value::as_str).unwrap_or_default();
        let patterns = |field: &str| -> Vec<(String, bool)> {
            body.get(field)
                .and_then(Value::as_sequence)
                .into_iter()
                .flatten()
                .filter_map(|i| {
                    let path = i.get("path")?.as_str()?.to_string();
                    Some((path, i.get("exclude").and_then(Value::as_bool).unwrap_or(false)))
                })
                .collect()
        };
        let mut out = Vec::new();
        if body.get("directories").is_some() {
            let patterns = patterns("directories");
            for dir in self.listing.dirs() {
                let matching = patterns.iter().filter(|(p, _)| go_path_match(p, dir));
                let (mut include, mut exclude) = (false, false);
                for (_, excluded) in matching {
                    if *excluded { exclude = true } else { include = true }
                }
                if include && !exclude {
                    out.push(self.path_params(Mapping::new(), dir, None, prefix));
                }
            }
        } else if body.get("files").is_some() {
            let globs = |exclude: bool| -> Result<globset::GlobSet, String> {
                let mut b = globset::GlobSetBuilder::new();
                for (p, _) in patterns("files").iter().filter(|(_, e)| *e == exclude) {
                    let glob = globset::GlobBuilder::new(p).literal_separator(true).build();
                    b.add(glob.map_err(|e| format!("git files path '{p}': {e}"))?);
                }
                b.build().map_err(|e| e.to_string())
            };
            let (include, exclude) = (globs(false)?, globs(true)?);
            for file in self.listing.files().iter().filter(|f| include.is_match(f) && !exclude.is_match(f)) {
                self.listing.read.borrow_mut().push(PathBuf::from(file));
                let text = crate::files::read_text(
                    Some(self.listing.repo),
                    &self.listing.repo.join(file),
                    crate::files::MAX_FILE_BYTES,
                )
                .map_err(|e| e.to_string())?;
                let content: Value =
                    serde_yaml::from_str(&text).map_err(|e| format!("git files generator: {file}: {e}"))?;
                let objects = match content {
                    Value::Null => vec![Mapping::new()],
                    Value::Mapping(m) => vec![m],
                    Value::Sequence(items) => items
                        .into_iter()
                        .map(|i| i.as_mapping().cloned().ok_or(format!("git files generator: {file}: not objects")))
                        .collect::<Result<_, _>>()?,
                    _ => return Err(format!("git files generator: {file}: not an object or a list of objects")),
                };
                for object in objects {
                    let params = match self.mode {
                        Mode::Go => object,
                        Mode::Fast => flatten(&object),
                    };
                    let dir = file.rsplit_once('/').map_or(".", |(d, _)| d);
                    out.push(self.path_params(params, dir, Some(file), prefix));
                }
            }
        } else {
            return Err("a git generator with neither directories nor files".into());
        }
        out.into_iter().map(|p| self.with_values(p, body)).collect()
    }

    /// The `path` parameters of a directory (and of a file in it) as git.go sets them.
    fn path_params(&self, mut params: Mapping, dir: &str, file: Option<&str>, prefix: &str) -> Mapping {
        let basename = dir.rsplit('/').next().unwrap_or(dir);
        let filename = file.map(|f| f.rsplit('/').next().unwrap_or(f));
        match self.mode {
            Mode::Go => {
                let mut path = Mapping::new();
                path.insert("path".into(), dir.into());
                path.insert("basename".into(), basename.into());
                path.insert("basenameNormalized".into(), sanitize_name(basename).into());
                if let Some(f) = filename {
                    path.insert("filename".into(), f.into());
                    path.insert("filenameNormalized".into(), sanitize_name(f).into());
                }
                let segments: Vec<Value> = dir.split('/').map(Value::from).collect();
                path.insert("segments".into(), Value::Sequence(segments));
                if prefix.is_empty() {
                    params.insert("path".into(), Value::Mapping(path));
                } else {
                    let mut inner = Mapping::new();
                    inner.insert("path".into(), Value::Mapping(path));
                    params.insert(prefix.into(), Value::Mapping(inner));
                }
            }
            Mode::Fast => {
                let name = if prefix.is_empty() { "path".to_string() } else { format!("{prefix}.path") };
                params.insert(name.clone().into(), dir.into());
                params.insert(format!("{name}.basename").into(), basename.into());
                params.insert(format!("{name}.basenameNormalized").into(), sanitize_name(basename).into());
                if let Some(f) = filename {
                    params.insert(format!("{name}.filename").into(), f.into());
                    params.insert(format!("{name}.filenameNormalized").into(), sanitize_name(f).into());
                }
                for (i, segment) in dir.split('/').enumerate().filter(|(_, s)| !s.is_empty()) {
                    params.insert(format!("{name}[{i}]").into(), segment.into());
                }
            }
        }
        params
    }

    /// A generator's `values`, each rendered with the parameters it joins (`appendTemplatedValues`).
    fn with_values(&self, mut params: Mapping, body: &Value) -> Result<Mapping, String> {
        let Some(values) = body.get("values").and_then(Value::as_mapping) else { return Ok(params) };
        let mut rendered = Mapping::new();
        for (k, v) in values {
            let k = k.as_str().unwrap_or_default();
            let text = replace(v.as_str().unwrap_or_default(), &params, self.mode)?;
            rendered.insert(k.into(), text.into());
        }
        match self.mode {
            Mode::Go => {
                params.insert("values".into(), Value::Mapping(rendered));
            }
            Mode::Fast => {
                for (k, v) in rendered {
                    params.insert(format!("values.{}", k.as_str().unwrap_or_default()).into(), v);
                }
            }
        }
        Ok(params)
    }

    /// `clusters`: the configured Argo CD clusters a `selector.matchLabels` selects, and `in-cluster` when there is
    /// no selector and no configured cluster is it (cluster.go).
    fn clusters(&self, body: &Value) -> Result<Vec<Mapping>, String> {
        let selector = body.get("selector");
        if selector.and_then(|s| s.get("matchExpressions")).is_some() {
            return Err("a clusters generator's matchExpressions are not evaluated".into());
        }
        if body.get("flatList").and_then(Value::as_bool) == Some(true) {
            return Err("a clusters generator's flatList is not evaluated".into());
        }
        let labels: Vec<(String, String)> = selector
            .and_then(|s| s.get("matchLabels"))
            .and_then(Value::as_mapping)
            .into_iter()
            .flatten()
            .filter_map(|(k, v)| Some((k.as_str()?.to_string(), v.as_str()?.to_string())))
            .collect();
        let mut chosen: Vec<ArgoCluster> =
            self.clusters.iter().filter(|c| labels.iter().all(|(k, v)| c.labels.get(k) == Some(v))).cloned().collect();
        let has_in_cluster = self.clusters.iter().any(|c| c.server.trim_end_matches('/') == IN_CLUSTER_SERVER);
        if selector.is_none_or(|_| labels.is_empty()) && !has_in_cluster {
            chosen.push(ArgoCluster {
                name: IN_CLUSTER_NAME.into(),
                server: IN_CLUSTER_SERVER.into(),
                labels: Default::default(),
            });
        }
        let mut out = Vec::new();
        for c in chosen {
            let mut params = Mapping::new();
            params.insert("name".into(), c.name.as_str().into());
            params.insert("nameNormalized".into(), sanitize_name(&c.name).into());
            params.insert("server".into(), c.server.as_str().into());
            params.insert("project".into(), "".into());
            match self.mode {
                Mode::Go => {
                    let labels: Mapping =
                        c.labels.iter().map(|(k, v)| (k.as_str().into(), v.as_str().into())).collect();
                    let mut meta = Mapping::new();
                    meta.insert("labels".into(), Value::Mapping(labels));
                    params.insert("metadata".into(), Value::Mapping(meta));
                }
                Mode::Fast => {
                    for (k, v) in &c.labels {
                        params.insert(format!("metadata.labels.{k}").into(), v.as_str().into());
                    }
                }
            }
            out.push(self.with_values(params, body)?);
        }
        Ok(out)
    }

    /// `matrix`: two generators, the second rendered with each parameter set of the first, their sets combined
    /// (matrix.go: in fasttemplate mode a key both give with different values is an error; in Go mode the first's
    /// values win).
    fn matrix(&self, body: &Value) -> Result<Vec<Mapping>, String> {
        let children = body.get("generators").and_then(Value::as_sequence).cloned().unwrap_or_default();
        let [first, second] = children.as_slice() else {
            return Err("a matrix generator needs exactly two generators".into());
        };
        let mut out = Vec::new();
        for a in self.generate(first)? {
            let second = render(second, &a, self.mode)?;
            for b in self.generate(&second)? {
                let mut combined = b;
                match self.mode {
                    Mode::Go => deep_merge(&mut combined, &a),
                    Mode::Fast => {
                        for (k, v) in &a {
                            if combined.get(k).is_some_and(|w| w != v) {
                                return Err(format!(
                                    "matrix: the generators give '{}' different values",
                                    k.as_str().unwrap_or_default()
                                ));
                            }
                            combined.insert(k.clone(), v.clone());
                        }
                    }
                }
                out.push(combined);
            }
        }
        Ok(out)
    }

    /// `merge`: the first generator's sets, each overridden by the set of a later generator with the same
    /// `mergeKeys` values (merge.go; duplicate keys in one generator are an error).
    fn merge(&self, body: &Value) -> Result<Vec<Mapping>, String> {
        let keys: Vec<&str> = body
            .get("mergeKeys")
            .and_then(Value::as_sequence)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        if keys.is_empty() {
            return Err("a merge generator without mergeKeys".into());
        }
        let children = body.get("generators").and_then(Value::as_sequence).cloned().unwrap_or_default();
        if children.len() < 2 {
            return Err("a merge generator needs at least two generators".into());
        }
        let by_key = |sets: Vec<Mapping>| -> Result<std::collections::BTreeMap<String, Mapping>, String> {
            let mut out = std::collections::BTreeMap::new();
            for set in sets {
                let key = serde_json::to_string(&keys.iter().map(|k| set.get(*k).cloned()).collect::<Vec<_>>())
                    .map_err(|e| e.to_string())?;
                if out.insert(key.clone(), set).is_some() {
                    return Err(format!("merge: two parameter sets have the merge key {key}"));
                }
            }
            Ok(out)
        };
        let mut base = by_key(self.generate(&children[0])?)?;
        for child in &children[1..] {
            let overrides = by_key(self.generate(child)?)?;
            for (key, set) in base.iter_mut() {
                if let Some(over) = overrides.get(key) {
                    match self.mode {
                        Mode::Go => deep_merge(set, over),
                        Mode::Fast => set.extend(over.clone()),
                    }
                }
            }
        }
        Ok(base.into_values().collect())
    }
}

/// A parameter by name: a flat key in fasttemplate mode, a dotted path in Go mode.
fn lookup<'a>(params: &'a Mapping, name: &str, mode: Mode) -> Option<&'a Value> {
    match mode {
        Mode::Fast => params.get(name),
        Mode::Go => {
            let mut parts = name.split('.');
            let mut v = params.get(parts.next()?)?;
            for p in parts {
                v = v.get(p)?;
            }
            Some(v)
        }
    }
}

/// mergo.Merge with override: maps merged key by key, anything else replaced.
fn deep_merge(base: &mut Mapping, over: &Mapping) {
    for (k, v) in over {
        match (base.get_mut(k), v) {
            (Some(Value::Mapping(b)), Value::Mapping(o)) => deep_merge(b, o),
            _ => {
                base.insert(k.clone(), v.clone());
            }
        }
    }
}

/// An object flattened to `a.b.c` keys with string values (flatten.DotStyle, then `fmt.Sprintf("%v")`).
fn flatten(object: &Mapping) -> Mapping {
    fn walk(prefix: &str, v: &Value, out: &mut Mapping) {
        let key = |k: &str| if prefix.is_empty() { k.to_string() } else { format!("{prefix}.{k}") };
        match v {
            Value::Mapping(m) => {
                for (k, v) in m {
                    walk(&key(&scalar_text(k).unwrap_or_default()), v, out);
                }
            }
            Value::Sequence(items) => {
                for (i, v) in items.iter().enumerate() {
                    walk(&key(&i.to_string()), v, out);
                }
            }
            other => {
                out.insert(prefix.into(), scalar_text(other).unwrap_or_default().into());
            }
        }
    }
    let mut out = Mapping::new();
    walk("", &Value::Mapping(object.clone()), &mut out);
    out
}

fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Null => Some("<nil>".into()),
        _ => None,
    }
}

/// `utils.SanitizeName`: lowercase, every character outside `[-a-z0-9.]` a dash, at most 253, `-` and `.` trimmed.
fn sanitize_name(name: &str) -> String {
    let lower: String = name
        .to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.' { c } else { '-' })
        .take(253)
        .collect();
    lower.trim_matches(['-', '.']).to_string()
}

/// Every string of `template` rendered with `params`.
fn render(template: &Value, params: &Mapping, mode: Mode) -> Result<Value, String> {
    Ok(match template {
        Value::String(s) => Value::String(replace(s, params, mode)?),
        Value::Sequence(items) => {
            Value::Sequence(items.iter().map(|i| render(i, params, mode)).collect::<Result<_, _>>()?)
        }
        Value::Mapping(m) => Value::Mapping(
            m.iter().map(|(k, v)| Ok((k.clone(), render(v, params, mode)?))).collect::<Result<_, String>>()?,
        ),
        other => other.clone(),
    })
}

/// One string rendered: fasttemplate leaves a tag it has no string for as it is (`Render.Replace`); a Go template
/// action is evaluated when it is a field chain (`.path.basename`) or `index`, else refused.
fn replace(text: &str, params: &Mapping, mode: Mode) -> Result<String, String> {
    if !text.contains("{{") {
        return Ok(text.to_string());
    }
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let Some(len) = rest[start + 2..].find("}}") else {
            return Err(format!("an unterminated template in '{text}'"));
        };
        let mut before = &rest[..start];
        let mut action = &rest[start + 2..start + 2 + len];
        rest = &rest[start + 4 + len..];
        if mode == Mode::Go {
            if let Some(a) = action.strip_prefix('-').filter(|a| a.starts_with(char::is_whitespace)) {
                before = before.trim_end();
                action = a;
            }
            if let Some(a) = action.strip_suffix('-').filter(|a| a.ends_with(char::is_whitespace)) {
                rest = rest.trim_start();
                action = a;
            }
        }
        out.push_str(before);
        match mode {
            Mode::Fast => match params.get(action.trim()).and_then(Value::as_str) {
                Some(v) if !action.trim().is_empty() => out.push_str(v),
                _ => {
                    out.push_str("{{");
                    out.push_str(action);
                    out.push_str("}}");
                }
            },
            Mode::Go => out.push_str(&go_action(action.trim(), params)?),
        }
    }
    out.push_str(rest);
    Ok(out)
}

/// A Go template action as ApplicationSets write paths and destinations: a pipeline of field chains (`.path.basename`),
/// string and number literals, and the functions `index` (Go's builtin) and `default`, `lower`, `upper`,
/// `trimPrefix`, `trimSuffix`, `replace`, `trunc`, `printf` (`%s`, `%v`, `%d`) and `regexReplaceAll` (sprig's, as
/// Argo CD's `applicationset/utils` loads them). A piped value is the last argument, as in Go. Anything else
/// (another function, parentheses, variables) is refused by name, never guessed.
fn go_action(action: &str, params: &Mapping) -> Result<String, String> {
    let refused = || format!("the Go template '{{{{ {action} }}}}' is not evaluated");
    let tokens = go_tokens(action).ok_or_else(refused)?;
    let mut piped: Option<Option<Value>> = None;
    for stage in tokens.split(|t| *t == GoToken::Pipe) {
        piped = Some(go_call(stage, piped.take(), params).ok_or_else(refused)?);
    }
    let value = piped.flatten().ok_or_else(|| format!("no value for '{{{{ {action} }}}}'"))?;
    scalar_text(&value).filter(|_| !value.is_null()).ok_or_else(refused)
}

#[derive(Debug, PartialEq)]
enum GoToken {
    Pipe,
    Text(String),
    Word(String),
}

/// An action's words, string literals ("..." with escapes, `...` raw) and pipes; None for what this evaluator does
/// not read (parentheses, variables, assignments).
fn go_tokens(action: &str) -> Option<Vec<GoToken>> {
    let mut out = Vec::new();
    let mut chars = action.chars().peekable();
    while let Some(&c) = chars.peek() {
        match c {
            c if c.is_whitespace() => {
                chars.next();
            }
            '|' => {
                chars.next();
                out.push(GoToken::Pipe);
            }
            '"' | '`' => {
                chars.next();
                let mut text = String::new();
                loop {
                    match chars.next()? {
                        '\\' if c == '"' => match chars.next()? {
                            'n' => text.push('\n'),
                            't' => text.push('\t'),
                            other => text.push(other),
                        },
                        end if end == c => break,
                        other => text.push(other),
                    }
                }
                out.push(GoToken::Text(text));
            }
            '(' | ')' | '$' | ':' | '=' => return None,
            _ => {
                let mut word = String::new();
                while let Some(&w) = chars.peek() {
                    if w.is_whitespace() || w == '|' {
                        break;
                    }
                    word.push(w);
                    chars.next();
                }
                out.push(GoToken::Word(word));
            }
        }
    }
    Some(out)
}

/// One command of a pipeline: an operand alone, or a function and its arguments (the piped value last). The
/// inner None is Go's "no value" (a missing map key), which `default` replaces.
fn go_call(stage: &[GoToken], piped: Option<Option<Value>>, params: &Mapping) -> Option<Option<Value>> {
    let operand = |t: &GoToken| -> Option<Option<Value>> {
        match t {
            GoToken::Text(s) => Some(Some(Value::String(s.clone()))),
            GoToken::Word(w) if w == "." => Some(Some(Value::Mapping(params.clone()))),
            GoToken::Word(w) if w.starts_with('.') => Some(Some(lookup(params, &w[1..], Mode::Go)?.clone())),
            GoToken::Word(w) if w.parse::<i64>().is_ok() => Some(Some(serde_yaml::from_str(w).ok()?)),
            GoToken::Word(w) if w == "true" || w == "false" => Some(Some(Value::Bool(w == "true"))),
            _ => None,
        }
    };
    let (first, rest) = stage.split_first()?;
    if piped.is_none() && rest.is_empty() && !matches!(first, GoToken::Word(w) if !w.starts_with('.')) {
        return operand(first);
    }
    let GoToken::Word(function) = first else { return None };
    let mut args: Vec<Option<Value>> = rest.iter().map(operand).collect::<Option<_>>()?;
    args.extend(piped);
    let text = |v: &Option<Value>| -> Option<String> { scalar_text(v.as_ref()?) };
    let string = |s: String| Some(Some(Value::String(s)));
    match (function.as_str(), args.as_slice()) {
        ("index", [base, keys @ ..]) if !keys.is_empty() => {
            let mut v = base.clone();
            for k in keys {
                v = match (v, k.as_ref()?) {
                    (Some(Value::Sequence(items)), Value::Number(n)) => Some(items.get(n.as_u64()? as usize)?.clone()),
                    (Some(Value::Mapping(m)), Value::String(key)) => m.get(key.as_str()).cloned(),
                    (None, _) => None,
                    _ => return None,
                };
            }
            Some(v)
        }
        ("default", [fallback, value]) => {
            let empty = match value {
                None | Some(Value::Null) => true,
                Some(Value::String(s)) => s.is_empty(),
                Some(Value::Bool(b)) => !b,
                Some(Value::Number(n)) => n.as_f64() == Some(0.0),
                Some(Value::Sequence(items)) => items.is_empty(),
                Some(Value::Mapping(m)) => m.is_empty(),
                Some(Value::Tagged(_)) => false,
            };
            Some(if empty { fallback.clone() } else { value.clone() })
        }
        ("lower", [v]) => string(text(v)?.to_lowercase()),
        ("upper", [v]) => string(text(v)?.to_uppercase()),
        ("trimSuffix", [suffix, v]) => {
            let (suffix, v) = (text(suffix)?, text(v)?);
            string(v.strip_suffix(suffix.as_str()).unwrap_or(&v).to_string())
        }
        ("trimPrefix", [prefix, v]) => {
            let (prefix, v) = (text(prefix)?, text(v)?);
            string(v.strip_prefix(prefix.as_str()).unwrap_or(&v).to_string())
        }
        ("replace", [old, new, v]) => string(text(v)?.replace(&text(old)?, &text(new)?)),
        ("trunc", [n, v]) => {
            let n = usize::try_from(n.as_ref()?.as_i64()?).ok()?;
            string(text(v)?.chars().take(n).collect())
        }
        ("regexReplaceAll", [pattern, v, replacement]) => {
            let re = regex::Regex::new(&text(pattern)?).ok()?;
            string(re.replace_all(&text(v)?, text(replacement)?.as_str()).into_owned())
        }
        ("printf", [format, values @ ..]) => {
            let mut out = String::new();
            let mut values = values.iter();
            let format = text(format)?;
            let mut chars = format.chars().peekable();
            while let Some(c) = chars.next() {
                match (c, chars.peek()) {
                    ('%', Some('%')) => {
                        chars.next();
                        out.push('%');
                    }
                    ('%', Some('s' | 'v' | 'd')) => {
                        chars.next();
                        out.push_str(&text(values.next()?)?);
                    }
                    ('%', _) => return None,
                    (c, _) => out.push(c),
                }
            }
            values.next().is_none().then_some(())?;
            string(out)
        }
        _ => None,
    }
}

/// Go's `path.Match`, which the git directories generator matches with: `*` and `?` never cross a `/`, `[...]`
/// classes with `^` negation and ranges, `\\` escapes. A malformed pattern matches nothing (filterApps logs it).
pub fn go_path_match(pattern: &str, name: &str) -> bool {
    fn class(pattern: &[char], c: char) -> Option<(bool, usize)> {
        // pattern starts after '['; returns (matched, length consumed including ']').
        let mut i = 0;
        let negated = pattern.first() == Some(&'^');
        if negated {
            i += 1;
        }
        let mut matched = false;
        let mut first = true;
        loop {
            let &ch = pattern.get(i)?;
            if ch == ']' && !first {
                return Some((matched != negated, i + 1));
            }
            first = false;
            let lo = if ch == '\\' {
                i += 1;
                *pattern.get(i)?
            } else {
                ch
            };
            i += 1;
            let hi = if pattern.get(i) == Some(&'-') && pattern.get(i + 1).is_some_and(|c| *c != ']') {
                i += 1;
                let h = if pattern[i] == '\\' {
                    i += 1;
                    *pattern.get(i)?
                } else {
                    pattern[i]
                };
                i += 1;
                h
            } else {
                lo
            };
            if lo <= c && c <= hi {
                matched = true;
            }
        }
    }
    /// Whether the suffixes `p` and `n` match; `seen` remembers each (suffix, suffix) pair, so that a pattern of
    /// many stars costs (pattern x name) steps, not exponentially many.
    fn go(p: &[char], n: &[char], seen: &mut std::collections::HashMap<(usize, usize), bool>) -> bool {
        if let Some(&known) = seen.get(&(p.len(), n.len())) {
            return known;
        }
        let matched = match p.first() {
            None => n.is_empty(),
            Some('*') => (0..=n.len()).take_while(|&i| i == 0 || n[i - 1] != '/').any(|i| go(&p[1..], &n[i..], seen)),
            Some('?') => n.first().is_some_and(|c| *c != '/') && go(&p[1..], &n[1..], seen),
            Some('[') => match n.first() {
                Some(&c) if c != '/' => match class(&p[1..], c) {
                    Some((true, used)) => go(&p[1 + used..], &n[1..], seen),
                    _ => false,
                },
                _ => false,
            },
            Some('\\') => p.get(1).is_some_and(|e| n.first() == Some(e)) && go(&p[2..], &n[1..], seen),
            Some(c) => n.first() == Some(c) && go(&p[1..], &n[1..], seen),
        };
        seen.insert((p.len(), n.len()), matched);
        matched
    }
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    go(&p, &n, &mut Default::default())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn docs(yaml: &str) -> Vec<PlatformDoc> {
        yaml.split("\n---\n")
            .map(|d| PlatformDoc { file: "argocd/apps.yaml".into(), doc: serde_yaml::from_str(d).unwrap() })
            .collect()
    }

    fn found(apps: &ArgoApps) -> Vec<(String, String, Option<String>)> {
        apps.deployments
            .iter()
            .map(|d| (d.cluster.clone(), d.path.display().to_string(), d.namespace.clone()))
            .collect()
    }

    #[test]
    fn go_path_match_agrees_with_gos_path_match() {
        // Cases from Go's path/match_test.go.
        for (pattern, name, want) in [
            ("abc", "abc", true),
            ("*", "abc", true),
            ("*c", "abc", true),
            ("a*", "a", true),
            ("a*", "abc", true),
            ("a*", "ab/c", false),
            ("a*/b", "abc/b", true),
            ("a*/b", "a/c/b", false),
            ("a*b*c*d*e*/f", "axbxcxdxe/f", true),
            ("a*b*c*d*e*/f", "axbxcxdxexxx/fff", false),
            ("ab[c]", "abc", true),
            ("ab[b-d]", "abc", true),
            ("ab[e-g]", "abc", false),
            ("ab[^c]", "abc", false),
            ("ab[^b-d]", "abc", false),
            ("ab[^e-g]", "abc", true),
            ("a\\*b", "a*b", true),
            ("a\\*b", "ab", false),
            ("a?b", "a☺b", true),
            ("a?b", "a/b", false),
            ("a*b", "a/b", false),
            ("apps/*", "apps/orders", true),
            ("apps/*", "apps/orders/base", false),
            ("*/overlays/*", "orders/overlays/prod", true),
        ] {
            assert_eq!(go_path_match(pattern, name), want, "{pattern} vs {name}");
        }
        // Many stars against a long name that fails at the end: remembered, not retried exponentially.
        let name = format!("{}b", "a".repeat(200));
        assert!(!go_path_match(&format!("{}c", "a*".repeat(30)), &name));
        assert!(go_path_match(&format!("{}b", "a*".repeat(30)), &name));
    }

    #[test]
    fn an_application_names_its_cluster_and_namespace() {
        let apps = applications(
            Path::new("/nonexistent"),
            &docs(
                "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: orders}\nspec:\n  source: {path: ./apps/orders/overlays/prod/}\n  destination: {server: 'https://kubernetes.default.svc', namespace: shop}\n---\napiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: web}\nspec:\n  sources: [{chart: nginx, repoURL: x}, {path: apps/web}]\n  destination: {name: prod-eu}",
            ),
            &[],
        );
        assert_eq!(
            found(&apps),
            vec![
                ("in-cluster".into(), "apps/orders/overlays/prod".into(), Some("shop".into())),
                ("prod-eu".into(), "apps/web".into(), None),
            ]
        );
    }

    #[test]
    fn an_application_inside_a_chart_is_not_followed() {
        let apps = applications(
            Path::new("/nonexistent"),
            &docs(
                "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: x}\nspec:\n  source: {path: 'apps/{{ .Values.env }}'}\n  destination: {name: prod}",
            ),
            &[],
        );
        assert!(apps.deployments.is_empty());
        assert!(apps.skipped[0].contains("template expression"), "{:?}", apps.skipped);
    }

    #[test]
    fn a_list_generator_in_both_template_modes() {
        for (go, path, name) in
            [(false, "{{path}}/{{values.tier}}", "{{cluster}}"), (true, "{{ .path }}/{{.values.tier}}", "{{.cluster}}")]
        {
            let yaml = format!(
                "apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata: {{name: s}}\nspec:\n  goTemplate: {go}\n  generators:\n  - list:\n      elements:\n      - {{cluster: prod, path: apps/a, values: {{tier: web}}}}\n      - {{cluster: dev, path: apps/b, values: {{tier: db}}}}\n  template:\n    metadata: {{name: 'x'}}\n    spec:\n      source: {{path: '{path}'}}\n      destination: {{name: '{name}', namespace: team}}"
            );
            let apps = applications(Path::new("/nonexistent"), &docs(&yaml), &[]);
            assert_eq!(
                found(&apps),
                vec![
                    ("dev".into(), "apps/b/db".into(), Some("team".into())),
                    ("prod".into(), "apps/a/web".into(), Some("team".into())),
                ],
                "goTemplate {go}: {:?}",
                apps.skipped
            );
        }
    }

    #[test]
    fn a_function_outside_the_placement_fields_is_not_needed() {
        let yaml = "apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata: {name: s}\nspec:\n  goTemplate: true\n  generators:\n  - list: {elements: [{env: prod}]}\n  template:\n    metadata:\n      name: '{{ .env | sha256sum }}-web'\n      labels: {tier: '{{ .env | lower }}'}\n    spec:\n      source: {path: 'apps/web/{{ .env }}'}\n      destination: {name: '{{ .env }}', namespace: web}\n      syncPolicy: {syncOptions: ['{{ printf \"x\" }}']}";
        let apps = applications(Path::new("/nonexistent"), &docs(yaml), &[]);
        assert_eq!(
            found(&apps),
            vec![("prod".into(), "apps/web/prod".into(), Some("web".into()))],
            "{:?}",
            apps.skipped
        );
        assert_eq!(apps.deployments[0].app, "?");
    }

    #[test]
    fn go_template_pipelines_of_common_functions() {
        let params: Mapping = serde_yaml::from_str(
            "name: Prod_EU\npath: {basename: orders-system, segments: [apps, orders-system]}\nmetadata: {annotations: {}}",
        )
        .unwrap();
        for (action, want) in [
            (".path.basename | trimSuffix \"-system\"", "orders"),
            ("trimSuffix \"-system\" .path.basename", "orders"),
            (".name | lower | replace \"_\" \"-\"", "prod-eu"),
            ("index .metadata.annotations \"device/hostname\" | default .name", "Prod_EU"),
            ("index .path.segments 1 | upper", "ORDERS-SYSTEM"),
            ("regexReplaceAll \"[^a-zA-Z0-9-]\" .name \"-\"", "Prod-EU"),
            ("printf \"%s-%s\" .name .path.basename", "Prod_EU-orders-system"),
            (".name | trunc 4", "Prod"),
        ] {
            assert_eq!(go_action(action, &params), Ok(want.to_string()), "{action}");
        }
        for refused in ["toYaml .", "(lower .name)", "$x := .name", ".name | nindent 2"] {
            assert!(go_action(refused, &params).unwrap_err().contains("is not evaluated"), "{refused}");
        }
        assert!(go_action(".missing", &params).is_err());
    }

    #[test]
    fn kustomize_options_of_an_application_become_its_edits() {
        let apps = applications(
            Path::new("/nonexistent"),
            &docs(
                "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: web}\nspec:\n  source:\n    path: apps/web\n    kustomize:\n      namePrefix: 'x-'\n      namespace: shop\n      images: ['web=reg/web:${ARGOCD_APP_NAME}']\n      commonLabels: {app: '$ARGOCD_APP_NAMESPACE', rev: '${ARGOCD_APP_REVISION}'}\n      commonAnnotations: {kept: '$ARGOCD_APP_NAME'}\n      replicas: [{name: web, count: '3'}]\n      patches: [{patch: '{{ not a template here }}', target: {kind: Deployment}}]\n  destination: {name: prod, namespace: shop}",
            ),
            &[],
        );
        let edits = apps.deployments[0].kustomize.as_ref().unwrap();
        assert_eq!(
            edits.fields(),
            ["namePrefix", "images", "replicas", "commonLabels", "commonAnnotations", "namespace", "patches"]
        );
        assert_eq!(edits.images, ["web=reg/web:web"]);
        // Labels are expanded, annotations only under commonAnnotationsEnvsubst; the revision is not known here.
        assert_eq!(edits.common_labels["app"], "shop");
        assert_eq!(edits.common_labels["rev"], "");
        assert_eq!(edits.common_annotations["kept"], "$ARGOCD_APP_NAME");
        assert_eq!(edits.replicas, [("web".to_string(), 3)]);
        assert_eq!(edits.patches[0]["patch"], Value::from("{{ not a template here }}"));
    }

    #[test]
    fn an_application_set_renders_kustomize_options_apart() {
        let yaml = "apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata: {name: s}\nspec:\n  generators:\n  - list: {elements: [{cluster: east}, {cluster: west}]}\n  template:\n    metadata: {name: 'web-{{cluster}}'}\n    spec:\n      source: {path: apps/web, kustomize: {nameSuffix: '-{{cluster}}'}}\n      destination: {name: '{{cluster}}'}";
        let apps = applications(Path::new("/nonexistent"), &docs(yaml), &[]);
        let suffixes: Vec<Option<String>> =
            apps.deployments.iter().map(|d| d.kustomize.as_ref().unwrap().name_suffix.clone()).collect();
        assert_eq!(suffixes, [Some("-east".to_string()), Some("-west".to_string())]);
        // A function this tool does not evaluate, in an option only: the app is kept, its options are not known.
        let go = "apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata: {name: s}\nspec:\n  goTemplate: true\n  generators:\n  - list: {elements: [{cluster: east}]}\n  template:\n    metadata: {name: web}\n    spec:\n      source: {path: apps/web, kustomize: {namePrefix: '{{ .cluster | sha256sum }}'}}\n      destination: {name: '{{ .cluster }}'}";
        let apps = applications(Path::new("/nonexistent"), &docs(go), &[]);
        assert_eq!(apps.deployments.len(), 1);
        assert!(apps.deployments[0].kustomize.as_ref().unwrap_err().contains("sha256sum"));
    }

    #[test]
    fn repository_urls_compare_as_argo_cd_compares_them() {
        for url in ["https://github.com/Org/Repo.git", "git@github.com:org/repo", "ssh://git@github.com/org/repo/"] {
            assert_eq!(normalize_repo_url(url), "github.com/org/repo", "{url}");
        }
        assert_ne!(normalize_repo_url("https://github.com/org/repo2"), "github.com/org/repo");
    }

    #[test]
    fn in_cluster_is_qualified_by_argo_cd_instance_when_a_repository_installs_several() {
        let d = |file: &str, path: &str, cluster: &str| Deployment {
            app: path.into(),
            path: path.into(),
            cluster: cluster.into(),
            namespace: None,
            declared: file.into(),
            file: file.into(),
            repo_url: None,
            kustomize: Ok(Edits::default()),
            directory: Some(Default::default()),
            by_flux: false,
        };
        let fleet = || {
            vec![
                d("a/bootstrap.yaml", "a/seed", "in-cluster"),
                d("a/seed/apps.yaml", "a/apps/web", "in-cluster"),
                d("b/bootstrap.yaml", "b/seed", "in-cluster"),
                d("b/bootstrap.yaml", "b/remote", "east"),
            ]
        };
        let repo = tempfile::tempdir().unwrap();
        let install = |dir: &str| {
            std::fs::create_dir_all(repo.path().join(dir)).unwrap();
            std::fs::write(
                repo.path().join(dir).join("repo-server.yaml"),
                "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: argocd-repo-server\n",
            )
            .unwrap();
        };
        // Two root folders, one Argo CD installed: one in-cluster (an ApplicationSet per folder is common).
        install("a/seed");
        let mut ds = fleet();
        qualify_in_cluster(repo.path(), &mut ds);
        assert!(ds.iter().filter(|d| d.cluster != "east").all(|d| d.cluster == "in-cluster"));
        // Each root installs its own Argo CD: two clusters. The app of apps follows its parent's instance; a named
        // cluster is the same for every instance.
        install("b/seed");
        let mut ds = fleet();
        qualify_in_cluster(repo.path(), &mut ds);
        let clusters: Vec<&str> = ds.iter().map(|d| d.cluster.as_str()).collect();
        assert_eq!(clusters, ["in-cluster@a", "in-cluster@a", "in-cluster@b", "east"]);
    }

    #[test]
    fn a_source_built_by_a_plugin_or_helm_is_no_directory_source() {
        let app = |source: &str| {
            let yaml = format!(
                "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {{name: web}}\nspec:\n  source: {{path: k8s, {source}}}\n  destination: {{name: prod}}"
            );
            applications(Path::new("/nonexistent"), &docs(&yaml), &[]).deployments.remove(0).directory
        };
        assert!(app("plugin: {name: tanka}").is_none());
        assert!(app("helm: {valueFiles: [values.yaml]}").is_none());
        assert_eq!(app("directory: {recurse: true}").map(|d| d.recurse), Some(true));
    }

    #[test]
    fn envsubst_as_argo_cd_expands() {
        let env = BuildEnv { app: "web", namespace: Some("shop"), path: Path::new("apps/web") };
        assert_eq!(env.envsubst("${ARGOCD_APP_NAME}-$ARGOCD_APP_NAMESPACE/x"), "web-shop/x");
        assert_eq!(env.envsubst("$$ARGOCD_APP_NAME and $ and ${UNSET}."), "$$ARGOCD_APP_NAME and $ and .");
        assert_eq!(env.envsubst("$ARGOCD_APP_SOURCE_PATH"), "apps/web");
    }

    #[test]
    fn a_go_template_function_is_refused_by_name() {
        let yaml = "apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata: {name: s}\nspec:\n  goTemplate: true\n  generators:\n  - list: {elements: [{env: prod}]}\n  template:\n    metadata: {name: x}\n    spec:\n      source: {path: '{{ .env | sha256sum }}'}\n      destination: {name: prod}";
        let apps = applications(Path::new("/nonexistent"), &docs(yaml), &[]);
        assert!(apps.deployments.is_empty());
        assert!(apps.skipped[0].contains("'{{ .env | sha256sum }}' is not evaluated"), "{:?}", apps.skipped);
    }

    #[test]
    fn a_matrix_of_clusters_and_a_list_uses_the_configured_clusters() {
        let clusters = vec![
            ArgoCluster {
                name: "prod-eu".into(),
                server: "https://eu".into(),
                labels: [("env".to_string(), "prod".to_string())].into(),
            },
            ArgoCluster { name: "dev".into(), server: "https://dev".into(), labels: Default::default() },
        ];
        let yaml = "apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata: {name: s}\nspec:\n  generators:\n  - matrix:\n      generators:\n      - clusters: {selector: {matchLabels: {env: prod}}}\n      - list: {elements: [{app: orders}]}\n  template:\n    metadata: {name: '{{name}}-{{app}}'}\n    spec:\n      source: {path: 'apps/{{app}}/overlays/{{metadata.labels.env}}'}\n      destination: {server: '{{server}}', namespace: '{{app}}'}";
        let apps = applications(Path::new("/nonexistent"), &docs(yaml), &clusters);
        assert_eq!(
            found(&apps),
            vec![("https://eu".into(), "apps/orders/overlays/prod".into(), Some("orders".into()))],
            "{:?}",
            apps.skipped
        );
        assert_eq!(apps.deployments[0].app, "prod-eu-orders");
    }

    #[test]
    fn a_clusters_generator_without_a_selector_yields_in_cluster() {
        let yaml = "apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata: {name: s}\nspec:\n  generators:\n  - clusters: {}\n  template:\n    metadata: {name: '{{name}}'}\n    spec:\n      source: {path: apps}\n      destination: {name: '{{name}}'}";
        let apps = applications(Path::new("/nonexistent"), &docs(yaml), &[]);
        assert_eq!(found(&apps), vec![("in-cluster".into(), "apps".into(), None)]);
    }

    #[test]
    fn a_git_files_generator_reads_each_file_and_its_path() {
        let repo = tempfile::tempdir().unwrap();
        for (cluster, url) in [("prod-eu", "https://eu"), ("dev", "https://dev")] {
            let dir = repo.path().join("clusters").join(cluster);
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(
                dir.join("config.json"),
                format!("{{\"cluster\": {{\"name\": \"{cluster}\", \"server\": \"{url}\"}}}}"),
            )
            .unwrap();
        }
        std::fs::write(repo.path().join("clusters/dev/skip.json"), "{}").unwrap();
        let yaml = "apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata: {name: s}\nspec:\n  generators:\n  - git:\n      repoURL: x\n      files:\n      - path: 'clusters/**/config.json'\n  template:\n    metadata: {name: '{{cluster.name}}'}\n    spec:\n      source: {path: 'apps/{{path.basename}}'}\n      destination: {server: '{{cluster.server}}', namespace: '{{path[0]}}'}";
        let apps = applications(repo.path(), &docs(yaml), &[]);
        assert_eq!(
            found(&apps),
            vec![
                ("https://dev".into(), "apps/dev".into(), Some("clusters".into())),
                ("https://eu".into(), "apps/prod-eu".into(), Some("clusters".into())),
            ],
            "{:?}",
            apps.skipped
        );
        assert_eq!(
            apps.inputs,
            vec![PathBuf::from("clusters/dev/config.json"), PathBuf::from("clusters/prod-eu/config.json")]
        );
    }

    #[test]
    fn a_merge_generator_overrides_by_its_keys() {
        let yaml = "apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata: {name: s}\nspec:\n  generators:\n  - merge:\n      mergeKeys: [app]\n      generators:\n      - list: {elements: [{app: orders, ns: shop}, {app: web, ns: web}]}\n      - list: {elements: [{app: web, ns: frontend}, {app: other, ns: x}]}\n  template:\n    metadata: {name: '{{app}}'}\n    spec:\n      source: {path: 'apps/{{app}}'}\n      destination: {name: prod, namespace: '{{ns}}'}";
        let apps = applications(Path::new("/nonexistent"), &docs(yaml), &[]);
        assert_eq!(
            found(&apps),
            vec![
                ("prod".into(), "apps/orders".into(), Some("shop".into())),
                ("prod".into(), "apps/web".into(), Some("frontend".into())),
            ],
            "{:?}",
            apps.skipped
        );
    }

    #[test]
    fn sanitize_name_as_argo_cd_does() {
        assert_eq!(sanitize_name("My_App.v2-"), "my-app.v2");
        assert_eq!(sanitize_name("--a"), "a");
    }
}

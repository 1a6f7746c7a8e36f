//! Finding the environments of a repository: which kustomization directories are overlays of which environment.

pub mod argocd;
pub mod directory;
pub mod flux;

use crate::config::Config;
use crate::error::Error;
use crate::kustomize::edit::Edits;
use crate::kustomize::{BuildOptions, KustomizeError};
use crate::resource::Resource;
use globset::{Glob, GlobSetBuilder};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// What the manifests of a deployer (Argo CD, Flux) contain, to find their files among the platform documents.
pub const DEPLOYER_NEEDLES: &[&str] = &[argocd::NEEDLE, flux::NEEDLE];

/// The repository root above `dir`: the nearest directory holding `.git` or a `.argocd-eso-plugin.yaml`.
pub fn find_repo_root(dir: &Path) -> Option<PathBuf> {
    let abs = std::fs::canonicalize(dir).ok()?;
    abs.ancestors()
        .find(|a| a.join(".git").exists() || a.join(crate::config::FILE_NAME).exists())
        .map(Path::to_path_buf)
}

/// Directory names whose children are environments: `overlays/prod`, `envs/prod`, `environments/prod`.
pub const ENV_PARENTS: &[&str] = &["overlays", "envs", "environments"];

pub const SKIPPED_DIRS: &[&str] = &[".git", "target", "node_modules", ".terraform"];

/// Every directory holding a kustomization file, relative to the repo root, sorted.
pub fn kustomization_dirs(repo: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = walkdir::WalkDir::new(repo)
        .into_iter()
        .filter_entry(|e| !(e.file_type().is_dir() && SKIPPED_DIRS.iter().any(|s| e.file_name() == *s)))
        .filter_map(Result::ok)
        // Symlinked kustomization files count too: the build then refuses one that leads out of its directory,
        // instead of the scan passing over it in silence.
        .filter(|e| {
            (e.file_type().is_file() || e.file_type().is_symlink())
                && crate::kustomize::is_kustomization_file_name(e.file_name())
        })
        .filter_map(|e| e.path().parent().and_then(|p| p.strip_prefix(repo).ok()).map(Path::to_path_buf))
        .collect();
    out.sort();
    out.dedup();
    out
}

/// The environment a directory (relative to `repo`) belongs to by convention: `<parent>/<env>`, or
/// `<parent>/<env>/<app>` when `<parent>/<env>` is no kustomization itself (then it is a folder of apps, as in
/// `envs/prod/orders`), with `<parent>` one of [`ENV_PARENTS`]; or `<app>/<env>` beside `<app>/base`, with `<env>`
/// one of [`ENV_NAMES`].
pub fn env_of(repo: &Path, dir: &Path) -> Option<String> {
    env_of_in(dir, &|d| crate::kustomize::kustomization_file(&repo.join(d)).is_ok())
}

/// [`env_of`], asking `is_kustomization_dir` (repo-relative) instead of the file system.
fn env_of_in(dir: &Path, is_kustomization_dir: &dyn Fn(&Path) -> bool) -> Option<String> {
    let names: Vec<&str> = dir.components().filter_map(|c| c.as_os_str().to_str()).collect();
    let n = names.len();
    if n >= 2 && ENV_PARENTS.contains(&names[n - 2]) {
        return Some(names[n - 1].to_string());
    }
    let env_dir = dir.parent()?;
    if n >= 3 && ENV_PARENTS.contains(&names[n - 3]) && !is_kustomization_dir(env_dir) {
        return Some(names[n - 2].to_string());
    }
    // `orders/base` beside `orders/prod`: an overlay named like an environment next to its app's base.
    if n >= 2 && ENV_NAMES.contains(&names[n - 1]) && is_kustomization_dir(&env_dir.join("base")) {
        return Some(names[n - 1].to_string());
    }
    None
}

/// The directory conventions, as `lint -v` names them.
pub const CONVENTIONS: &str = "the overlays|envs|environments/<env>[/<app>] or <app>/{base,<env>} convention";

/// Folder names that are environments when they sit beside a `base` (`apps/orders/{base,dev,prod}`).
pub const ENV_NAMES: &[&str] =
    &["dev", "development", "test", "qa", "uat", "stage", "staging", "preprod", "prod", "production", "local"];

/// Kustomization directories that no other kustomization lists (in `resources`, `bases` or `components`): the
/// roots a repository without environment conventions deploys. A `kind: Component` is no root: it patches what an
/// overlay that lists it brings; alone a patch by name finds no target (`kubectl kustomize` fails on it too).
pub fn kustomization_roots(repo: &Path, dirs: &[PathBuf]) -> Vec<PathBuf> {
    let mut listed = std::collections::BTreeSet::new();
    for d in dirs {
        let Ok(file) = crate::kustomize::kustomization_file(&repo.join(d)) else { continue };
        let Ok(text) = crate::files::read_text(Some(repo), &file, crate::files::MAX_FILE_BYTES) else { continue };
        let Ok(v) = serde_yaml::from_str::<serde_yaml::Value>(&text) else { continue };
        if v.get("kind").and_then(serde_yaml::Value::as_str) == Some("Component") {
            listed.insert(d.clone());
        }
        for field in ["resources", "bases", "components"] {
            for entry in v.get(field).and_then(serde_yaml::Value::as_sequence).into_iter().flatten() {
                if let Some(e) = entry.as_str() {
                    listed.insert(crate::files::normalize(&d.join(e)));
                }
            }
        }
    }
    dirs.iter().filter(|d| !listed.contains(*d)).cloned().collect()
}

/// How Argo CD builds an overlay, when not by a plain kustomize build of its directory.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum OverlaySource {
    /// kustomize, after the `kustomize edit` operations of the Applications' kustomize options.
    Kustomize(Arc<Edits>),
    /// Argo CD's directory source: the plain manifests of a directory without a kustomization.
    Directory(directory::DirectoryOptions),
}

/// (environment, overlay) -> how Argo CD builds it there.
pub type OverlaySources = BTreeMap<(String, PathBuf), OverlaySource>;

/// Build overlay `dir` (repo-relative) of `repo` as Argo CD builds it from `source` (None: kustomize, the
/// directory as it is), with `base`'s options for kustomize; and the paths the build read.
pub fn build_overlay(
    repo: &Path,
    dir: &Path,
    source: Option<&OverlaySource>,
    base: &BuildOptions,
) -> Result<(Vec<Resource>, Vec<PathBuf>), KustomizeError> {
    match source {
        Some(OverlaySource::Directory(opts)) => directory::load(repo, dir, opts),
        Some(OverlaySource::Kustomize(edits)) => crate::kustomize::build_recording(
            &repo.join(dir),
            &BuildOptions { edits: Some(edits.clone()), ..base.clone() },
        ),
        None => crate::kustomize::build_recording(&repo.join(dir), base),
    }
}

/// How a repository's environments were found (for `lint -v`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Discovery {
    /// `.argocd-eso-plugin.yaml`'s `environments` globs.
    Config,
    /// The repository's Argo CD Applications and ApplicationSets, and Flux Kustomizations: one environment per
    /// destination cluster (with the overlays none of them deploys kept by convention, or as roots).
    Applications,
    /// The `overlays|envs|environments/<env>[/<app>]` and `<app>/{base,<env>}` conventions.
    Convention,
    /// Neither: every kustomization that no other one lists, each an environment of its own.
    Roots,
}

/// The environments of a repository, how each overlay came to be in its environment, and where Argo CD applies it.
#[derive(Debug, Clone)]
pub struct Layout {
    /// environment -> overlay directories (repo-relative, sorted).
    pub environments: BTreeMap<String, Vec<PathBuf>>,
    pub how: Discovery,
    /// (environment, overlay) -> why the overlay is checked in that environment (`lint -v`).
    pub reasons: BTreeMap<(String, PathBuf), String>,
    /// (environment, overlay) -> the destination namespace of the Argo CD Applications that deploy it there, when
    /// they agree on one.
    pub namespaces: BTreeMap<(String, PathBuf), String>,
    /// (environment, overlay) -> the names of the Argo CD Applications that deploy it there.
    pub applications: BTreeMap<(String, PathBuf), Vec<String>>,
    /// (environment, overlay) -> how Argo CD builds the overlay there, when not by a plain kustomize build: with
    /// the Applications' kustomize options, or as a directory of manifests.
    pub sources: OverlaySources,
    /// Applications and ApplicationSets that were not followed, and why.
    pub skipped: Vec<String>,
    /// Files besides kustomization files and platform files ([`is_platform_file`]) that the layout was read from
    /// (git files generators' files): a change to none of these leaves the layout as it is.
    pub inputs: Vec<PathBuf>,
}

/// [`discover`], reading the repository's Argo CD manifests first.
pub fn layout(repo: &Path, config: &Config) -> Result<Layout, Error> {
    discover(repo, config, &platform_docs(repo, DEPLOYER_NEEDLES))
}

impl Layout {
    /// Build overlay `dir` of `repo` as Argo CD builds it in `env` ([`build_overlay`] with its source there).
    pub fn build(
        &self,
        repo: &Path,
        env: &str,
        dir: &Path,
        base: &BuildOptions,
    ) -> Result<(Vec<Resource>, Vec<PathBuf>), KustomizeError> {
        build_overlay(repo, dir, self.source(env, dir), base)
    }

    /// How Argo CD builds overlay `dir` in `env`, when not by a plain kustomize build.
    pub fn source(&self, env: &str, dir: &Path) -> Option<&OverlaySource> {
        self.sources.get(&(env.to_string(), dir.to_path_buf()))
    }

    /// The environment Argo CD deploys the overlay `dir` (repo-relative) into, by the Applications of the repository:
    /// the one of the Application named `app` when several deploy it to different clusters.
    pub fn environment_of(&self, dir: &Path, app: Option<&str>) -> Option<String> {
        let envs: Vec<&String> =
            self.environments.iter().filter(|(_, ds)| ds.iter().any(|d| d == dir)).map(|(e, _)| e).collect();
        match envs.as_slice() {
            [one] => Some(one.to_string()),
            _ => {
                let app = app?;
                let named = |e: &&String| {
                    self.applications
                        .get(&(e.to_string(), dir.to_path_buf()))
                        .is_some_and(|names| names.iter().any(|n| n == app))
                };
                let mine: Vec<&String> = envs.into_iter().filter(named).collect();
                (mine.len() == 1).then(|| mine[0].clone())
            }
        }
    }
}

/// The repository's environments. `platform` are its platform documents ([`platform_docs`] with `argoproj.io`
/// among the needles): with Argo CD Applications there, lint checks what Argo CD deploys, grouped by destination
/// cluster. Else the config's environments, the directory convention, or every root alone.
pub fn discover(repo: &Path, config: &Config, platform: &[PlatformDoc]) -> Result<Layout, Error> {
    let dirs = kustomization_dirs(repo);
    let is_dir: std::collections::BTreeSet<&PathBuf> = dirs.iter().collect();
    let mut apps = argocd::applications(repo, platform, &config.argocd_clusters);
    let (flux, flux_skipped) = flux::kustomizations(platform);
    apps.deployments.extend(flux);
    let mut skipped = apps.skipped;
    let inputs = apps.inputs;
    skipped.extend(flux_skipped);
    // A source of another repository names a path there: its path here, if any, is not what it deploys. Sources
    // whose path is a kustomization or a folder here (not the root, which every repository has) tell this one's URL.
    let found: Vec<bool> =
        apps.deployments.iter().map(|d| is_dir.contains(&d.path) || is_directory_source(repo, d)).collect();
    let ours = argocd::repository_urls(
        repo,
        apps.deployments
            .iter()
            .zip(&found)
            .filter(|(d, found)| is_dir.contains(&d.path) || (**found && !d.path.as_os_str().is_empty()))
            .map(|(d, _)| d),
    );
    let mut kept: Vec<argocd::Deployment> = Vec::new();
    for (d, found) in std::mem::take(&mut apps.deployments).into_iter().zip(found) {
        let elsewhere = d.repo_url.as_ref().filter(|u| !ours.is_empty() && !ours.contains(*u));
        if let Some(url) = elsewhere {
            skipped.push(format!("{}: its repoURL '{url}' is another repository: not checked", d.declared));
        } else if found {
            kept.push(d);
        } else if d.by_flux && repo.join(&d.path).is_dir() {
            skipped.push(format!(
                "{}: path '{}' is no kustomization directory (Flux generates one of the manifests below it, which is \
                 not rendered natively): not checked",
                d.declared,
                d.path.display()
            ));
        } else {
            skipped.push(format!(
                "{}: path '{}' is neither a kustomization nor a directory of manifests of this repository (a Helm \
                 chart, a config management plugin's input, or a path of another repository): not checked",
                d.declared,
                d.path.display()
            ));
        }
    }
    argocd::qualify_in_cluster(repo, &mut kept);
    let deployed: Vec<&argocd::Deployment> = kept.iter().collect();
    let by_convention = environments_in(&dirs, config, &|d| is_dir.contains(&d.to_path_buf()))?;
    let names = cluster_environments(&deployed, &by_convention);
    let mut layout = Layout {
        environments: BTreeMap::new(),
        how: Discovery::Roots,
        reasons: BTreeMap::new(),
        namespaces: BTreeMap::new(),
        applications: BTreeMap::new(),
        sources: BTreeMap::new(),
        skipped,
        inputs,
    };
    let add = |layout: &mut Layout, env: &str, dir: &Path, why: String| {
        layout.environments.entry(env.to_string()).or_default().push(dir.to_path_buf());
        layout.reasons.entry((env.to_string(), dir.to_path_buf())).or_insert(why);
    };
    if !config.environments.is_empty() {
        layout.how = Discovery::Config;
        for (env, env_dirs) in &by_convention {
            for d in env_dirs {
                add(&mut layout, env, d, format!("matches environment '{env}' of {}", crate::config::FILE_NAME));
            }
        }
    } else if !deployed.is_empty() {
        layout.how = Discovery::Applications;
        for d in &deployed {
            let env = &names[&d.cluster];
            add(&mut layout, env, &d.path, format!("{} -> cluster {}", d.declared, d.cluster));
            layout.applications.entry((env.clone(), d.path.clone())).or_default().push(d.app.clone());
        }
        let covered: std::collections::BTreeSet<&PathBuf> = deployed.iter().map(|d| &d.path).collect();
        let rest: Vec<(String, PathBuf, String)> = if by_convention.is_empty() {
            kustomization_roots(repo, &dirs)
                .into_iter()
                .filter(|d| !covered.contains(d))
                .map(|d| {
                    (root_env_name(&d), d, "a kustomization root nothing in this repository deploys (no Application or Flux Kustomization names it)".into())
                })
                .collect()
        } else {
            by_convention
                .iter()
                .flat_map(|(env, ds)| ds.iter().map(move |d| (env.clone(), d.clone())))
                .filter(|(_, d)| !covered.contains(d))
                .map(|(env, d)| (env, d, "the directory convention; nothing in this repository deploys it".into()))
                .collect()
        };
        for (env, d, why) in rest {
            add(&mut layout, &env, &d, why);
        }
    } else if !by_convention.is_empty() {
        layout.how = Discovery::Convention;
        for (env, env_dirs) in &by_convention {
            for d in env_dirs {
                add(&mut layout, env, d, CONVENTIONS.into());
            }
        }
    } else {
        for d in kustomization_roots(repo, &dirs) {
            add(&mut layout, &root_env_name(&d), &d, "a kustomization root (no other kustomization lists it)".into());
        }
    }
    for env_dirs in layout.environments.values_mut() {
        env_dirs.sort();
        env_dirs.dedup();
    }
    layout.namespaces = destination_namespaces(&layout, &deployed, &names);
    let (sources, notes) = agreed_sources(&layout, &deployed, &names, &is_dir);
    layout.sources = sources;
    for (key, note) in notes {
        if let Some(why) = layout.reasons.get_mut(&key) {
            why.push_str(&note);
        }
    }
    Ok(layout)
}

/// Whether Argo CD deploys `d`'s path as a directory source: an existing directory of the repository with no
/// kustomization (checked by the caller) and no `Chart.yaml` (argo-cd `util/app/discovery`: a kustomization makes
/// it kustomize, a chart Helm, else a directory).
fn is_directory_source(repo: &Path, d: &argocd::Deployment) -> bool {
    let dir = repo.join(&d.path);
    d.directory.is_some()
        && dir.is_dir()
        && !dir.join("Chart.yaml").exists()
        && crate::files::normalize(&d.path).components().next() != Some(std::path::Component::ParentDir)
}

/// How Argo CD builds each overlay of `layout` (deployed to a cluster of that environment when environments come
/// from Applications): with the kustomize options the Applications deploying it agree on, or as a directory source;
/// and what `lint -v` adds to the overlay's reason.
fn agreed_sources(
    layout: &Layout,
    deployed: &[&argocd::Deployment],
    cluster_env: &BTreeMap<String, String>,
    kustomization_dirs: &std::collections::BTreeSet<&PathBuf>,
) -> (OverlaySources, BTreeMap<(String, PathBuf), String>) {
    let (mut sources, mut notes) = (BTreeMap::new(), BTreeMap::new());
    for (env, dirs) in &layout.environments {
        for dir in dirs {
            let key = (env.clone(), dir.clone());
            let here: Vec<&argocd::Deployment> = deployed_here(layout, deployed, cluster_env, env, dir).collect();
            let Some(first) = here.first() else { continue };
            if !kustomization_dirs.contains(dir) {
                let opts = first.directory.clone().unwrap_or_default();
                let same = here.iter().all(|d| d.directory.as_ref() == Some(&opts));
                let opts = if same { opts } else { Default::default() };
                let mut note = "; a directory source: its plain manifests".to_string();
                if opts.recurse {
                    note.push_str(", recursively");
                }
                for (what, glob) in [("include", &opts.include), ("exclude", &opts.exclude)] {
                    if !glob.is_empty() {
                        note.push_str(&format!(", {what} '{glob}'"));
                    }
                }
                if !same {
                    note.push_str(
                        " (the Applications deploying it disagree on its directory options: read without them)",
                    );
                }
                sources.insert(key.clone(), OverlaySource::Directory(opts));
                notes.insert(key, note);
                continue;
            }
            let first = &first.kustomize;
            let note = if here.iter().any(|d| &d.kustomize != first) {
                "; the Applications deploying it disagree on its kustomize options: checked without them".to_string()
            } else {
                match first {
                    Err(why) => format!("; its kustomize options are not applied: {why}"),
                    Ok(e) if e.is_empty() => continue,
                    Ok(e) => {
                        sources.insert(key.clone(), OverlaySource::Kustomize(Arc::new(e.clone())));
                        format!("; with its kustomize options ({})", e.fields().join(", "))
                    }
                }
            };
            notes.insert(key, note);
        }
    }
    (sources, notes)
}

/// The deployments of the overlay `dir` in environment `env`: to a cluster of that environment when environments
/// come from Applications, else wherever they deploy it.
fn deployed_here<'a>(
    layout: &'a Layout,
    deployed: &'a [&argocd::Deployment],
    cluster_env: &'a BTreeMap<String, String>,
    env: &'a str,
    dir: &'a Path,
) -> impl Iterator<Item = &'a argocd::Deployment> {
    deployed.iter().copied().filter(move |d| {
        d.path == dir
            && (layout.how != Discovery::Applications || cluster_env.get(&d.cluster).map(String::as_str) == Some(env))
    })
}

/// The environment each destination cluster is checked as: the cluster's name, or, when every overlay deployed
/// to it that follows the directory convention names one environment (`overlays/prod`), that one. Then the
/// convention's other overlays of that environment (a store overlay no Application of this repository deploys)
/// are checked with the cluster's apps instead of apart from them.
fn cluster_environments(
    deployed: &[&argocd::Deployment],
    by_convention: &BTreeMap<String, Vec<PathBuf>>,
) -> BTreeMap<String, String> {
    let env_of_dir: BTreeMap<&PathBuf, &String> =
        by_convention.iter().flat_map(|(env, dirs)| dirs.iter().map(move |d| (d, env))).collect();
    let mut named: BTreeMap<String, std::collections::BTreeSet<&String>> = BTreeMap::new();
    for d in deployed {
        let envs = named.entry(d.cluster.clone()).or_default();
        envs.extend(env_of_dir.get(&d.path).copied());
    }
    named
        .into_iter()
        .map(|(cluster, envs)| {
            let env = match envs.into_iter().collect::<Vec<_>>().as_slice() {
                [one] => one.to_string(),
                _ => cluster.clone(),
            };
            (cluster, env)
        })
        .collect()
}

/// Where Argo CD applies each overlay: the destination namespace of the Applications that deploy it (to a cluster
/// of that environment when environments come from Applications). Applications that disagree place nothing.
fn destination_namespaces(
    layout: &Layout,
    deployed: &[&argocd::Deployment],
    cluster_env: &BTreeMap<String, String>,
) -> BTreeMap<(String, PathBuf), String> {
    let mut out = BTreeMap::new();
    for (env, dirs) in &layout.environments {
        for dir in dirs {
            let namespaces: std::collections::BTreeSet<Option<&String>> =
                deployed_here(layout, deployed, cluster_env, env, dir).map(|d| d.namespace.as_ref()).collect();
            if let [Some(ns)] = namespaces.into_iter().collect::<Vec<_>>().as_slice() {
                out.insert((env.clone(), dir.clone()), ns.to_string());
            }
        }
    }
    out
}

/// environment -> overlay directories, from the kustomization directories `dirs` (sorted).
fn environments_in(
    dirs: &[PathBuf],
    config: &Config,
    is_kustomization_dir: &dyn Fn(&Path) -> bool,
) -> Result<BTreeMap<String, Vec<PathBuf>>, Error> {
    let mut out: BTreeMap<String, Vec<PathBuf>> = BTreeMap::new();
    if !config.environments.is_empty() {
        for env in &config.environments {
            let mut b = GlobSetBuilder::new();
            for g in &env.overlays {
                b.add(
                    Glob::new(g.trim_end_matches('/'))
                        .map_err(|e| Error::Config(format!("environment '{}': bad glob '{g}': {e}", env.name)))?,
                );
            }
            let set = b.build().map_err(|e| Error::Config(e.to_string()))?;
            let mine: Vec<PathBuf> = dirs.iter().filter(|d| set.is_match(d)).cloned().collect();
            if mine.is_empty() {
                return Err(Error::Scan(format!(
                    "environment '{}': no kustomization matches {:?}",
                    env.name, env.overlays
                )));
            }
            out.insert(env.name.clone(), mine);
        }
        return Ok(out);
    }
    for d in dirs {
        if let Some(env) = env_of_in(d, is_kustomization_dir) {
            out.entry(env).or_default().push(d.clone());
        }
    }
    Ok(out)
}

/// A root's environment name: its path (`.` for the repository root).
fn root_env_name(dir: &Path) -> String {
    if dir.as_os_str().is_empty() { ".".into() } else { dir.display().to_string() }
}

/// A YAML document of the repository's platform manifests, with its repo-relative file.
pub struct PlatformDoc {
    pub file: String,
    pub doc: serde_yaml::Value,
}

/// Files read for platform manifests: YAML files whose path names ESO, Argo CD or Flux
/// (`infra/external-secrets/kustomization.yaml`, `argocd/apps/orders.yaml`, `clusters/prod/flux-system/helmreleases.yaml`).
/// Not every file: in a fleet repository that would read every overlay a second time (measured: +20% on a 1,500-overlay
/// lint).
pub fn is_platform_file(rel: &str) -> bool {
    let lower = rel.to_ascii_lowercase();
    let mut parts = lower.rsplit('/');
    let (file, parent) = (parts.next().unwrap_or_default(), parts.next().unwrap_or_default());
    (lower.ends_with(".yaml") || lower.ends_with(".yml"))
        && (["external-secrets", "eso", "application", "appset", "helmrelease", "argo", "flux", "release"]
            .iter()
            .any(|w| lower.contains(w))
            || file.contains("app")
            || PLATFORM_DIRS.contains(&parent)
            || lower.split('/').any(|c| c == "clusters"))
}

/// Folders that hold Argo CD Applications by common practice (`apps/orders.yaml`, `bootstrap/web.yaml`).
const PLATFORM_DIRS: &[&str] = &["apps", "bootstrap", "clusters", "projects", "root", "gitops", "deploy"];

const MAX_PLATFORM_FILES: usize = 5_000;

/// The documents of the repository's platform manifests (Argo CD Applications and ApplicationSets, Flux
/// HelmReleases, the kustomizations installing ESO) that mention one of `needles`, read through the file layer, each
/// file at most 1 MiB, at most 5,000 files.
pub fn platform_docs(repo: &Path, needles: &[&str]) -> Vec<PlatformDoc> {
    // (repo-relative path, documents) of each file that mentions a needle.
    let mut found: Vec<(PathBuf, Vec<PlatformDoc>)> = Vec::new();
    let mut read = 0;
    let mut docs_of = |rel: &Path, path: &Path| -> Option<Vec<PlatformDoc>> {
        read += 1;
        if read > MAX_PLATFORM_FILES {
            return None;
        }
        let text = crate::files::read_text(Some(repo), path, 1 << 20).ok()?;
        let file = rel.to_string_lossy().replace('\\', "/");
        needles.iter().any(|n| text.contains(n)).then(|| {
            crate::kustomize::loader::split_documents(&text)
                .iter()
                .filter_map(|doc| serde_yaml::from_str::<serde_yaml::Value>(doc.text).ok())
                .map(|v| PlatformDoc { file: file.clone(), doc: v })
                .collect()
        })
    };
    let walk = walkdir::WalkDir::new(repo).sort_by_file_name().into_iter().filter_entry(|e| {
        let name = e.file_name().to_string_lossy();
        e.depth() == 0 || !(name.starts_with('.') || SKIPPED_DIRS.contains(&name.as_ref()))
    });
    for entry in walk.filter_map(Result::ok).filter(|e| e.file_type().is_file()) {
        let Ok(rel) = entry.path().strip_prefix(repo) else { continue };
        if is_platform_file(&rel.to_string_lossy().replace('\\', "/"))
            && let Some(docs) = docs_of(rel, entry.path())
        {
            found.push((rel.to_path_buf(), docs));
        }
    }
    // The other YAML files of a folder that holds one: `k8s/sets/infrastructure.yaml` beside the Application in
    // `k8s/sets/applications.yaml` passes the name filter by.
    let folders: std::collections::BTreeSet<PathBuf> =
        found.iter().filter_map(|(rel, _)| rel.parent().map(Path::to_path_buf)).collect();
    for folder in folders {
        let Ok(entries) = std::fs::read_dir(repo.join(&folder)) else { continue };
        let mut siblings: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_ok_and(|t| t.is_file()) && !e.file_name().to_string_lossy().starts_with('.'))
            .map(|e| folder.join(e.file_name()))
            .filter(|rel| {
                let text = rel.to_string_lossy().replace('\\', "/");
                (text.ends_with(".yaml") || text.ends_with(".yml")) && !is_platform_file(&text)
            })
            .collect();
        siblings.sort();
        for rel in siblings {
            if let Some(docs) = docs_of(&rel, &repo.join(&rel)) {
                found.push((rel, docs));
            }
        }
    }
    // In the walk's order: paths compare component by component, as the walk visits them.
    found.sort_by(|a, b| a.0.cmp(&b.0));
    found.into_iter().flat_map(|(_, docs)| docs).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environment_conventions() {
        let dirs: std::collections::BTreeSet<PathBuf> = [
            "apps/frigate/base",
            "apps/frigate/dev",
            "apps/frigate/local",
            "apps/web/prod",
            "envs/prod/orders",
            "k8s/dev",
        ]
        .into_iter()
        .map(PathBuf::from)
        .collect();
        let is_dir = |d: &Path| dirs.contains(d);
        let env = |d: &str| env_of_in(Path::new(d), &is_dir);
        assert_eq!(env("apps/frigate/dev").as_deref(), Some("dev"));
        assert_eq!(env("apps/frigate/local").as_deref(), Some("local"));
        assert_eq!(env("envs/prod/orders").as_deref(), Some("prod"));
        // An environment-like name with no base beside it is no convention: unrelated trees stay apart.
        assert_eq!(env("apps/web/prod"), None);
        assert_eq!(env("k8s/dev"), None);
        assert_eq!(env("apps/frigate/base"), None);
    }
}

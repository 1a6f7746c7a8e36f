//! Finding the environments of a repository: which kustomization directories are overlays of which environment.

use crate::config::Config;
use globset::{Glob, GlobSetBuilder};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

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
                && crate::kustomize::KUSTOMIZATION_FILE_NAMES.iter().any(|n| e.file_name() == *n)
        })
        .filter_map(|e| e.path().parent().and_then(|p| p.strip_prefix(repo).ok()).map(Path::to_path_buf))
        .collect();
    out.sort();
    out.dedup();
    out
}

/// The environment a directory (relative to `repo`) belongs to by convention: `<parent>/<env>`, or
/// `<parent>/<env>/<app>` when `<parent>/<env>` is no kustomization itself (then it is a folder of apps, as in
/// `envs/prod/orders`), with `<parent>` one of [`ENV_PARENTS`].
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
    None
}

/// Kustomization directories that no other kustomization lists (in `resources`, `bases` or `components`): the
/// roots a repository without environment conventions deploys.
pub fn kustomization_roots(repo: &Path, dirs: &[PathBuf]) -> Vec<PathBuf> {
    let mut listed = std::collections::BTreeSet::new();
    for d in dirs {
        let Ok(file) = crate::kustomize::kustomization_file(&repo.join(d)) else { continue };
        let Ok(text) = crate::files::read_text(Some(repo), &file, crate::files::MAX_FILE_BYTES) else { continue };
        let Ok(v) = serde_yaml::from_str::<serde_yaml::Value>(&text) else { continue };
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

/// How a repository's environments were found (for `lint -v`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Discovery {
    /// `.argocd-eso-plugin.yaml`'s `environments` globs.
    Config,
    /// The `overlays|envs|environments/<env>[/<app>]` convention.
    Convention,
    /// Neither: every kustomization that no other one lists, each an environment of its own.
    Roots,
}

/// [`environments`], and how they were found.
pub fn discover(repo: &Path, config: &Config) -> Result<(BTreeMap<String, Vec<PathBuf>>, Discovery), String> {
    let envs = environments(repo, config)?;
    if !config.environments.is_empty() {
        return Ok((envs, Discovery::Config));
    }
    if !envs.is_empty() {
        return Ok((envs, Discovery::Convention));
    }
    let dirs = kustomization_dirs(repo);
    let roots = kustomization_roots(repo, &dirs);
    Ok((roots.into_iter().map(|d| (root_env_name(&d), vec![d])).collect(), Discovery::Roots))
}

/// environment name -> overlay directories (relative to the repo root).
pub fn environments(repo: &Path, config: &Config) -> Result<BTreeMap<String, Vec<PathBuf>>, String> {
    let dirs = kustomization_dirs(repo);
    environments_in(&dirs, config, &|d| crate::kustomize::kustomization_file(&repo.join(d)).is_ok())
}

/// The environments of a repository whose files are `files` (repo-relative), without reading the file system: a
/// revision's tree as `git ls-tree` lists it.
pub fn environments_of_listing(files: &[PathBuf], config: &Config) -> Result<BTreeMap<String, Vec<PathBuf>>, String> {
    let mut dirs: Vec<PathBuf> = files
        .iter()
        .filter(|f| f.file_name().is_some_and(|n| crate::kustomize::KUSTOMIZATION_FILE_NAMES.iter().any(|k| n == *k)))
        .filter(|f| !f.components().any(|c| SKIPPED_DIRS.iter().any(|s| c.as_os_str() == *s)))
        .filter_map(|f| f.parent().map(Path::to_path_buf))
        .collect();
    dirs.sort();
    dirs.dedup();
    let set: std::collections::BTreeSet<PathBuf> = dirs.iter().cloned().collect();
    environments_in(&dirs, config, &|d| set.contains(d))
}

/// environment -> overlay directories, from the kustomization directories `dirs` (sorted).
fn environments_in(
    dirs: &[PathBuf],
    config: &Config,
    is_kustomization_dir: &dyn Fn(&Path) -> bool,
) -> Result<BTreeMap<String, Vec<PathBuf>>, String> {
    let mut out: BTreeMap<String, Vec<PathBuf>> = BTreeMap::new();
    if !config.environments.is_empty() {
        for env in &config.environments {
            let mut b = GlobSetBuilder::new();
            for g in &env.overlays {
                b.add(
                    Glob::new(g.trim_end_matches('/'))
                        .map_err(|e| format!("environment '{}': bad glob '{g}': {e}", env.name))?,
                );
            }
            let set = b.build().map_err(|e| e.to_string())?;
            let mine: Vec<PathBuf> = dirs.iter().filter(|d| set.is_match(d)).cloned().collect();
            if mine.is_empty() {
                return Err(format!("environment '{}': no kustomization matches {:?}", env.name, env.overlays));
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
fn platform_candidate(rel: &str) -> bool {
    let lower = rel.to_ascii_lowercase();
    (lower.ends_with(".yaml") || lower.ends_with(".yml"))
        && ["external-secrets", "eso", "application", "appset", "helmrelease", "argocd", "argo-cd", "flux", "release"]
            .iter()
            .any(|w| lower.contains(w))
}

const MAX_PLATFORM_FILES: usize = 5_000;

/// The documents of the repository's platform manifests (Argo CD Applications and ApplicationSets, Flux
/// HelmReleases, the kustomizations installing ESO) that mention one of `needles`, read through the file layer, each
/// file at most 1 MiB, at most 5,000 files.
pub fn platform_docs(repo: &Path, needles: &[&str]) -> Vec<PlatformDoc> {
    let mut out = Vec::new();
    let mut read = 0;
    let walk = walkdir::WalkDir::new(repo).sort_by_file_name().into_iter().filter_entry(|e| {
        let name = e.file_name().to_string_lossy();
        e.depth() == 0 || !(name.starts_with('.') || SKIPPED_DIRS.contains(&name.as_ref()))
    });
    for entry in walk.filter_map(Result::ok).filter(|e| e.file_type().is_file()) {
        let Ok(rel) = entry.path().strip_prefix(repo) else { continue };
        let rel = rel.to_string_lossy().replace('\\', "/");
        if !platform_candidate(&rel) {
            continue;
        }
        read += 1;
        if read > MAX_PLATFORM_FILES {
            break;
        }
        let Ok(text) = crate::files::read_text(Some(repo), entry.path(), 1 << 20) else { continue };
        if !needles.iter().any(|n| text.contains(n)) {
            continue;
        }
        for doc in crate::kustomize::loader::split_documents(&text) {
            if let Ok(v) = serde_yaml::from_str::<serde_yaml::Value>(doc.text) {
                out.push(PlatformDoc { file: rel.clone(), doc: v });
            }
        }
    }
    out
}

/// Where Argo CD applies each app path of this repository: app directory (repo-relative) -> the Application's
/// destination namespace, from the Applications among `docs` (`spec.source.path`, `spec.sources[].path`, and
/// `spec.destination.namespace`). A path deployed by two Applications to different namespaces is left out.
pub fn application_namespaces(docs: &[PlatformDoc]) -> BTreeMap<PathBuf, String> {
    let mut out: BTreeMap<PathBuf, Option<String>> = BTreeMap::new();
    for d in docs {
        let v = &d.doc;
        let is_app = v.get("kind").and_then(serde_yaml::Value::as_str) == Some("Application")
            && v.get("apiVersion").and_then(serde_yaml::Value::as_str).is_some_and(|a| a.starts_with("argoproj.io/"));
        let Some(spec) = v.get("spec").filter(|_| is_app) else { continue };
        let Some(ns) = spec
            .get("destination")
            .and_then(|d| d.get("namespace"))
            .and_then(serde_yaml::Value::as_str)
            .filter(|n| !n.is_empty())
        else {
            continue;
        };
        let sources = spec
            .get("sources")
            .and_then(serde_yaml::Value::as_sequence)
            .into_iter()
            .flatten()
            .chain(spec.get("source"));
        for src in sources {
            let Some(path) = src.get("path").and_then(serde_yaml::Value::as_str) else { continue };
            let path = PathBuf::from(path.trim_matches('/'));
            out.entry(path)
                .and_modify(|e| {
                    if e.as_deref() != Some(ns) {
                        *e = None;
                    }
                })
                .or_insert_with(|| Some(ns.to_string()));
        }
    }
    out.into_iter().filter_map(|(p, ns)| Some((p, ns?))).collect()
}

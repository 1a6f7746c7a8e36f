//! Finding the environments of a repository: which kustomization directories are overlays of which environment.

use crate::config::Config;
use globset::{Glob, GlobSetBuilder};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Directory names whose children are environments: `overlays/prod`, `envs/prod`, `environments/prod`.
pub const ENV_PARENTS: &[&str] = &["overlays", "envs", "environments"];

const SKIPPED_DIRS: &[&str] = &[".git", "target", "node_modules", ".terraform"];

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

/// The environment a directory belongs to by convention.
pub fn env_of(dir: &Path) -> Option<String> {
    let name = dir.file_name()?.to_str()?;
    let parent = dir.parent()?.file_name()?.to_str()?;
    ENV_PARENTS.contains(&parent).then(|| name.to_string())
}

/// environment name -> overlay directories (relative to the repo root).
pub fn environments(repo: &Path, config: &Config) -> Result<BTreeMap<String, Vec<PathBuf>>, String> {
    let dirs = kustomization_dirs(repo);
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
    for d in &dirs {
        if let Some(env) = env_of(d) {
            out.entry(env).or_default().push(d.clone());
        }
    }
    Ok(out)
}

//! Rendering one app for output (`render`, `generate`): the app's overlay, read in the context of its environment
//! (the other overlays of that environment are rendered too, for the stores they define), its Key Vault references
//! resolved, its findings checked, and rollout hashes stamped.

use crate::config::Config;
use crate::kustomize::{self, BuildOptions, LoadRestrictor};
use crate::lint::check_env;
use crate::model::EnvModel;
use crate::positions::Positions;
use crate::resource::Resource;
use crate::rollout::{self, StampOptions, StampReport};
use crate::rules::{EnvView, Finding};
use crate::vault::stage::{Demand, VaultData, VaultOptions};
use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

pub struct AppOptions {
    /// The app's kustomization directory.
    pub dir: PathBuf,
    /// The repository root (stores and other overlays of the environment live there).
    pub repo: PathBuf,
    /// Whether `repo` is a real repository root, whose boundary no file may cross; false when none was found
    /// (then `repo` is the app directory and only the load restrictor applies).
    pub bounded: bool,
    pub config: Config,
    /// The environment; else from the config's globs, else from the `overlays/<env>` convention.
    pub env: Option<String>,
    pub vault: VaultOptions,
    pub stamp: StampOptions,
    pub load_restrictor: LoadRestrictor,
    /// Argo CD's app variables for templates (`argocd.name`, ...), when Argo CD runs the plugin.
    pub argocd: BTreeMap<String, serde_json::Value>,
    /// The Application's destination namespace (`ARGOCD_APP_NAMESPACE`): where Argo CD puts the app's namespaced
    /// objects that name none, so references are resolved there. The printed manifests are left as rendered.
    pub destination_namespace: Option<String>,
}

pub struct AppOutput {
    /// The app's objects, stamped where versions are known.
    pub resources: Vec<Resource>,
    pub env: Option<String>,
    /// Findings about the app's own objects.
    pub findings: Vec<Finding>,
    pub stamp: StampReport,
    pub vault: VaultData,
    /// Things the user should know, for stderr.
    pub notes: Vec<String>,
}

/// The environment of `dir` (relative to the repo): a config glob that matches it, else the path convention.
pub fn env_of_dir(repo: &Path, config: &Config, dir: &Path) -> Option<String> {
    let rel = dir.strip_prefix(repo).unwrap_or(dir);
    for env in &config.environments {
        for g in &env.overlays {
            if globset::Glob::new(g.trim_end_matches('/')).is_ok_and(|g| g.compile_matcher().is_match(rel)) {
                return Some(env.name.clone());
            }
        }
    }
    crate::scan::env_of(repo, rel)
}

pub fn render_app(opts: &AppOptions) -> Result<AppOutput, String> {
    let dir = std::fs::canonicalize(&opts.dir).map_err(|e| format!("{}: {e}", opts.dir.display()))?;
    let repo = std::fs::canonicalize(&opts.repo).map_err(|e| format!("{}: {e}", opts.repo.display()))?;
    let boundary = opts.bounded.then(|| repo.clone());
    // An environment named by the user (`--env`, the `environment` parameter) must be one the repo has: a typo
    // would otherwise render with no context and no stores, and stamp nothing.
    let envs = crate::scan::environments(&repo, &opts.config).unwrap_or_default();
    if let Some(asked) = &opts.env
        && !envs.is_empty()
        && !envs.contains_key(asked)
    {
        let known: Vec<&str> = envs.keys().map(String::as_str).collect();
        return Err(format!("unknown environment '{asked}' (this repository has: {})", known.join(", ")));
    }
    let env = opts.env.clone().or_else(|| env_of_dir(&repo, &opts.config, &dir));
    let templates = crate::template::TemplateContext { env: env.clone(), argocd: opts.argocd.clone(), overlay: None };
    let build = BuildOptions {
        load_restrictor: opts.load_restrictor,
        repo_root: boundary.clone(),
        preprocessor: templates.preprocessor(),
    };
    let target = kustomize::build(&dir, &build).map_err(|e| e.to_string())?;
    let mut notes = Vec::new();

    // The environment's other overlays, for the stores and service accounts they render. Their errors are not this
    // app's to report: in Argo CD they would show one team's problems (and values) in another app's UI.
    let mut context = Vec::new();
    if let Some(env_name) = &env {
        let rel = dir.strip_prefix(&repo).unwrap_or(&dir).to_path_buf();
        let mut unrendered = 0usize;
        for other in envs.get(env_name).into_iter().flatten().filter(|d| **d != rel) {
            match kustomize::build(
                &repo.join(other),
                &BuildOptions {
                    repo_root: boundary.clone(),
                    preprocessor: build.preprocessor.clone(),
                    ..Default::default()
                },
            ) {
                Ok(rs) => context.extend(rs),
                Err(_) => unrendered += 1,
            }
        }
        if unrendered > 0 {
            notes.push(format!(
                "environment '{env_name}': {unrendered} other overlay(s) do not render, so their stores are not in \
                 this app's context (`lint` reports why)"
            ));
        }
    }
    let n = target.len();
    let mut all = target;
    let placed = match opts.destination_namespace.as_deref().filter(|ns| !ns.is_empty()) {
        Some(ns) => place_in_namespace(&mut all, ns),
        None => vec![false; n],
    };
    all.extend(context);
    let mut app = finish_app(&opts.config, &opts.vault, opts.stamp, &repo, env, &all, 0..n)?;
    for (r, placed) in app.resources.iter_mut().zip(placed) {
        if placed {
            crate::resource::remove_path(&mut r.value, &["metadata", "namespace"]);
        }
    }
    app.notes = notes;
    Ok(app)
}

/// Give every namespaced object without a namespace `ns`, as Argo CD does when it applies them to an Application's
/// destination namespace (cluster-scoped kinds, ESO's ClusterSecretStore and ClusterExternalSecret included, stay
/// without). Which objects were placed, by position.
pub fn place_in_namespace(resources: &mut [Resource], ns: &str) -> Vec<bool> {
    resources
        .iter_mut()
        .map(|r| {
            let cluster_scoped =
                r.gvk().is_cluster_scoped() || crate::eso::EsoKind::of(r).is_some_and(|k| k.is_cluster_scoped());
            let place = r.namespace().is_empty() && !cluster_scoped;
            if place {
                r.set_namespace(ns);
            }
            place
        })
        .collect()
}

/// The rest of the pipeline for the app whose objects are `all[target]` (the others are its environment's context):
/// its own Key Vault references resolved, findings about its objects checked, its rollout hashes stamped.
/// `diff` calls it directly, to render each overlay of an environment once for all of its apps.
pub fn finish_app(
    config: &Config,
    vault: &VaultOptions,
    stamp_opts: StampOptions,
    repo: &Path,
    env: Option<String>,
    all: &[Resource],
    target: Range<usize>,
) -> Result<AppOutput, String> {
    let env_name = env.clone().unwrap_or_else(|| "default".to_string());
    let own = all[target.clone()].as_ptr_range();
    let is_target = |r: &Resource| own.contains(&(r as *const Resource));

    let model = EnvModel::build(&env_name, all, &config.external_stores);
    // Ask the vaults for the app's own references only.
    let mut demands: BTreeMap<String, Demand> = BTreeMap::new();
    Demand::collect(&mut demands, &model, &is_target);
    let mut vault_opts = vault.clone();
    vault_opts.want_versions = true;
    let vault = crate::vault::stage::run(&demands, &vault_opts)?;

    let view = EnvView { model: &model, vault: Some(&vault) };
    let mut positions = Positions::new(repo);
    let findings: Vec<Finding> =
        check_env(&view, config, &mut positions, &is_target).into_iter().map(|(f, _)| f).collect();
    let mut resources = all[target.clone()].to_vec();
    let stamp = rollout::stamp(&model, &vault, &mut resources, target.start, stamp_opts);
    Ok(AppOutput { resources, env, findings, stamp, vault, notes: Vec::new() })
}

//! Rendering one app for output (`render`, `generate`): the app's overlay, read in the context of its environment
//! (the overlays of that environment it needs, for the stores they define and the Secrets they share: see
//! `context`), its Key Vault references resolved, its findings checked, and rollout hashes stamped.

use crate::config::Config;
use crate::error::Error;
use crate::kustomize::{self, BuildOptions, LoadRestrictor};
use crate::lint::check_env;
use crate::model::EnvModel;
use crate::positions::Positions;
use crate::resource::Resource;
use crate::rollout::{self, StampOptions, StampReport};
use crate::rules::{EnvView, Finding};
use crate::session::Session;
use crate::vault::stage::{Demand, VaultData};
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// What render and generate take: the session (its repository is the root the app's environment lives under), the
/// app's directory, and how Argo CD runs it.
pub struct AppOptions {
    /// The repository, its config, and how Key Vault is asked. When no repository root was found, its repo is the
    /// app directory.
    pub session: Session,
    /// The app's kustomization directory.
    pub dir: PathBuf,
    /// Whether the session's repo is a real repository root, whose boundary no file may cross; false when none was
    /// found (then only the load restrictor applies).
    pub bounded: bool,
    /// The environment; else from the config's globs, else from the `overlays/<env>` convention.
    pub env: Option<String>,
    pub stamp: StampOptions,
    pub load_restrictor: LoadRestrictor,
    /// Argo CD's app variables for templates (`argocd.name`, ...), when Argo CD runs the plugin.
    pub argocd: BTreeMap<String, serde_json::Value>,
    /// The Application's destination namespace (`ARGOCD_APP_NAMESPACE`): where Argo CD puts the app's namespaced
    /// objects that name none, so references are resolved there. The printed manifests are left as rendered.
    pub destination_namespace: Option<String>,
    pub context: ContextOptions,
}

/// How the app's environment context is found.
pub struct ContextOptions {
    /// Where environment indexes are cached; None: the environment is rendered once per run.
    pub cache: Option<crate::context::ContextCache>,
    /// What the cache is keyed by: the commit Argo CD names, else the repository's content.
    pub fingerprint: crate::context::Fingerprint,
    /// Put every other overlay of the environment in the context, not only those the app needs (the reference
    /// the selection is tested against).
    pub whole_environment: bool,
}

impl Default for ContextOptions {
    /// Cached in the default cache directory, keyed by content.
    fn default() -> ContextOptions {
        ContextOptions {
            cache: crate::context::default_cache_dir().map(|dir| crate::context::ContextCache { dir }),
            fingerprint: crate::context::Fingerprint::Content,
            whole_environment: false,
        }
    }
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
    /// Which overlays of the environment were read as the app's context, and whether their index was cached (for
    /// `-v`).
    pub context: Option<String>,
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

pub fn render_app(opts: &AppOptions) -> Result<AppOutput, Error> {
    let dir = std::fs::canonicalize(&opts.dir).map_err(|e| Error::Usage(format!("{}: {e}", opts.dir.display())))?;
    let repo = std::fs::canonicalize(&opts.session.repo)
        .map_err(|e| Error::Usage(format!("{}: {e}", opts.session.repo.display())))?;
    let boundary = opts.bounded.then(|| repo.clone());
    let rel = dir.strip_prefix(&repo).unwrap_or(&dir).to_path_buf();
    // Without a convention to go by, the repository's Argo CD Applications say which cluster this path is deployed
    // to (read only then: a conventional fleet repo is not walked for them on every generate). The layout read for
    // that serves the environment's context below.
    let mut layout = None;
    let env = match opts.env.clone().or_else(|| env_of_dir(&repo, &opts.session.config, &dir)) {
        Some(env) => Some(env),
        None => {
            let read = crate::scan::layout(&repo, &opts.session.config).ok();
            let app = opts.argocd.get("name").and_then(serde_json::Value::as_str);
            let env = read
                .as_ref()
                .filter(|l| l.how == crate::scan::Discovery::Applications)
                .and_then(|l| l.environment_of(&rel, app));
            layout = read;
            env
        }
    };
    let templates = crate::template::TemplateContext { env: env.clone(), argocd: opts.argocd.clone(), overlay: None };
    let build = BuildOptions {
        load_restrictor: opts.load_restrictor,
        repo_root: boundary.clone(),
        preprocessor: templates.preprocessor(),
        without_charts: false,
        // An Application source that names a plugin carries no kustomize options.
        edits: None,
    };
    let mut target = kustomize::build(&dir, &build)?;
    let n = target.len();
    let placed = match opts.destination_namespace.as_deref().filter(|ns| !ns.is_empty()) {
        Some(ns) => crate::model::place_in_namespace(&mut target, ns),
        None => vec![false; n],
    };

    // The environment's other overlays that the app's objects need (stores, and what shares a Secret, Namespace or
    // ServiceAccount with them). Their errors are not this app's to report: in Argo CD they would show one team's
    // problems (and values) in another app's UI.
    let mut notes = Vec::new();
    let mut described = None;
    let mut all = target;
    let release;
    if let Some(env_name) = &env {
        let context = environment_context(opts, &repo, boundary.as_deref(), env_name, &rel, &all, layout)?;
        if context.unrendered > 0 {
            notes.push(format!(
                "environment '{env_name}': {} other overlay(s) do not render, so their stores are not in this app's \
                 context (`lint` reports why)",
                context.unrendered
            ));
        }
        all.extend(context.resources);
        described = Some(context.description);
        release = context.eso;
    } else {
        release = crate::eso::release::of_repository(&repo, &opts.session.config);
    }
    let mut app = finish_app(opts, &repo, env, &all, 0..n, release.as_ref())?;
    for (r, placed) in app.resources.iter_mut().zip(placed) {
        if placed {
            crate::resource::remove_path(&mut r.value, &["metadata", "namespace"]);
        }
    }
    app.notes = notes;
    app.context = described;
    Ok(app)
}

/// The objects of an app's environment context, and how many overlays of the environment did not render.
struct EnvironmentContext {
    resources: Vec<Resource>,
    unrendered: usize,
    /// What was read, for `-v`.
    description: String,
    /// The ESO release of the repository (kept in the index, so that a cached run does not look for it again).
    eso: Option<crate::eso::release::EsoRelease>,
}

/// Render the overlays of `env_name` that the app at `rel` (whose objects are `app`) needs: from the cached index
/// when there is one for this content, else by rendering the whole environment once (and caching its index).
/// `layout`: the repository's, when it was already read.
fn environment_context(
    opts: &AppOptions,
    repo: &Path,
    boundary: Option<&Path>,
    env_name: &str,
    rel: &Path,
    app: &[Resource],
    layout: Option<crate::scan::Layout>,
) -> Result<EnvironmentContext, Error> {
    // Other apps' overlays are rendered as lint renders them: with the environment, without this app's Argo CD
    // variables, so that one index serves every app of the environment.
    let templates = crate::template::TemplateContext { env: Some(env_name.to_string()), ..Default::default() };
    let build = BuildOptions {
        repo_root: boundary.map(Path::to_path_buf),
        preprocessor: templates.preprocessor(),
        ..Default::default()
    };
    let render = |d: &PathBuf, source: &Option<crate::scan::OverlaySource>| {
        crate::scan::build_overlay(repo, d, source.as_ref(), &build).map(|(resources, _)| resources)
    };
    let wants = crate::context::wants(app);
    let config_text =
        crate::files::read_text(Some(repo), &repo.join(crate::config::FILE_NAME), crate::files::MAX_FILE_BYTES)
            .unwrap_or_default();
    let cache = opts.context.cache.as_ref().filter(|_| !opts.context.whole_environment);
    let key = cache.and_then(|c| c.key(repo, &opts.context.fingerprint, env_name, &config_text).ok());
    if let (Some(cache), Some(key)) = (cache, &key)
        && let Some(index) = cache.load(key)
    {
        check_environment(opts, &index.environments)?;
        let selected = index.select(rel, &wants);
        let rendered: Vec<_> = selected.par_iter().map(|o| render(&o.dir, &o.source)).collect();
        // The index said these render; one that does not now is a stale entry: fall through and rebuild it.
        if rendered.iter().all(Result::is_ok) {
            let resources = rendered.into_iter().flat_map(Result::unwrap_or_default).collect();
            let description = format!(
                "context: {} of {} other overlay(s) of environment '{env_name}' (index from the cache)",
                selected.len(),
                index.overlays.len().saturating_sub(1)
            );
            let eso = index.eso.clone();
            return Ok(EnvironmentContext { resources, unrendered: index.unrendered(rel), description, eso });
        }
    }
    let layout = match layout {
        Some(known) => Some(known),
        None => crate::scan::layout(repo, &opts.session.config).ok(),
    };
    let (environments, sources) = layout.map(|l| (l.environments, l.sources)).unwrap_or_default();
    check_environment(opts, &environments)?;
    let dirs = environments.get(env_name).cloned().unwrap_or_default();
    let source_of = |d: &PathBuf| sources.get(&(env_name.to_string(), d.clone())).cloned();
    // The app's own overlay too: the index serves every app of the environment, this one's summary included.
    let rendered: Vec<_> = dirs.par_iter().map(|d| render(d, &source_of(d))).collect();
    let index = crate::context::EnvIndex {
        env: env_name.to_string(),
        overlays: dirs
            .iter()
            .zip(&rendered)
            .map(|(d, r)| crate::context::OverlaySummary {
                dir: d.clone(),
                rendered: r.is_ok(),
                offers: r.as_ref().map(|rs| crate::context::offers(rs)).unwrap_or_default(),
                source: source_of(d),
            })
            .collect(),
        environments,
        eso: crate::eso::release::of_repository(repo, &opts.session.config),
    };
    if let (Some(cache), Some(key)) = (cache, &key) {
        // A cache that cannot be written costs the next run time, not correctness.
        let _ = cache.store(key, &index);
    }
    let selected: std::collections::BTreeSet<PathBuf> = if opts.context.whole_environment {
        dirs.iter().filter(|d| *d != rel).cloned().collect()
    } else {
        index.select(rel, &wants).into_iter().map(|o| o.dir.clone()).collect()
    };
    let resources = dirs
        .iter()
        .zip(rendered)
        .filter(|(d, _)| selected.contains(*d))
        .flat_map(|(_, r)| r.unwrap_or_default())
        .collect();
    let description = format!(
        "context: {} of {} other overlay(s) of environment '{env_name}' (environment rendered{})",
        selected.len(),
        dirs.len().saturating_sub(1),
        match (cache, key) {
            (Some(c), Some(_)) => format!(", index cached in {}", c.dir.display()),
            _ => ", no cache".to_string(),
        }
    );
    Ok(EnvironmentContext { resources, unrendered: index.unrendered(rel), description, eso: index.eso })
}

/// An environment named by the user (`--env`, the `environment` parameter) must be one the repo has: a typo would
/// otherwise render with no context and no stores, and stamp nothing.
fn check_environment(opts: &AppOptions, environments: &BTreeMap<String, Vec<PathBuf>>) -> Result<(), Error> {
    if let Some(asked) = &opts.env
        && !environments.is_empty()
        && !environments.contains_key(asked)
    {
        let known: Vec<&str> = environments.keys().map(String::as_str).collect();
        return Err(Error::Usage(format!("unknown environment '{asked}' (this repository has: {})", known.join(", "))));
    }
    Ok(())
}

/// The rest of the pipeline for the app whose objects are `all[target]` (the others are its environment's context):
/// its own Key Vault references resolved, findings about its objects checked, its rollout hashes stamped. `opts`
/// gives the config, vault and stamp options; `repo` is its repository, resolved.
fn finish_app(
    opts: &AppOptions,
    repo: &Path,
    env: Option<String>,
    all: &[Resource],
    target: Range<usize>,
    eso: Option<&crate::eso::release::EsoRelease>,
) -> Result<AppOutput, Error> {
    let (config, vault, stamp_opts) = (&opts.session.config, &opts.session.vault, opts.stamp);
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

    let view = EnvView { model: &model, vault: Some(&vault), eso };
    let mut positions = Positions::new(repo);
    let findings: Vec<Finding> =
        check_env(&view, config, &mut positions, &is_target).into_iter().map(|(f, _)| f).collect();
    let mut resources = all[target.clone()].to_vec();
    let stamp = rollout::stamp(&model, &vault, &mut resources, target.start, stamp_opts);
    Ok(AppOutput { resources, env, findings, stamp, vault, notes: Vec::new(), context: None })
}

/// The ESO kinds that the kustomization at `dir`, and what it lists locally, write in their files, read as text
/// (`apiVersion: external-secrets.io/...` followed by a `kind:`). For an app that does not render natively (a
/// remote base, helmCharts): `discover` still claims it when its own files hold ESO objects, so that `generate`
/// fails with the reason instead of Argo CD rendering it with its own kustomize, unchecked and unstamped.
/// Reads through the repository's file layer; at most 2,000 files.
pub fn eso_kinds_in_files(repo: Option<&Path>, dir: &Path) -> std::collections::BTreeSet<String> {
    let mut kinds = std::collections::BTreeSet::new();
    let mut seen = std::collections::BTreeSet::new();
    let mut dirs = vec![crate::files::normalize(dir)];
    let read = |p: &Path| crate::files::read_text(repo, p, crate::files::MAX_FILE_BYTES).ok();
    while let Some(d) = dirs.pop() {
        if !seen.insert(d.clone()) || seen.len() > 2_000 {
            continue;
        }
        let Ok(file) = crate::kustomize::kustomization_file(&d) else { continue };
        let Some(text) = read(&file) else { continue };
        let Ok(v) = serde_yaml::from_str::<serde_yaml::Value>(&text) else { continue };
        for field in ["resources", "bases", "components"] {
            for entry in v.get(field).and_then(serde_yaml::Value::as_sequence).into_iter().flatten() {
                let Some(spec) = entry.as_str() else { continue };
                let path = crate::files::normalize(&d.join(spec));
                // Confined first: a listed path outside the repository is not probed.
                if crate::files::confine(repo, &path).is_err() {
                    continue;
                }
                if path.is_dir() {
                    dirs.push(path);
                } else if seen.insert(path.clone())
                    && let Some(text) = read(&path)
                {
                    kinds.extend(eso_kinds_in_text(&text));
                }
            }
        }
    }
    kinds
}

/// The kinds of the documents of `text` whose apiVersion is ESO's.
fn eso_kinds_in_text(text: &str) -> Vec<String> {
    crate::kustomize::loader::split_documents(text)
        .iter()
        .filter_map(|doc| {
            let field = |name: &str| {
                doc.text
                    .lines()
                    .find_map(|l| l.strip_prefix(name).map(|v| v.trim().trim_matches(['"', '\'']).to_string()))
            };
            let api = field("apiVersion:")?;
            api.starts_with(&format!("{}/", crate::eso::GROUP)).then(|| field("kind:")).flatten()
        })
        .collect()
}

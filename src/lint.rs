//! The lint pipeline: environments -> native render of every overlay -> rules per environment -> findings located
//! in the source, suppressed, re-graded and de-duplicated across environments.

use crate::config::Config;
use crate::error::Error;
use crate::kustomize::{self, BuildOptions};
use crate::model::EnvModel;
use crate::positions::Positions;
use crate::resource::Resource;
use crate::rules::{self, EnvView, Finding, RawFinding, Severity, Subject};
use crate::session::Session;
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Annotation on an object: a comma-separated list of rule codes not to report for it.
pub const IGNORE_ANNOTATION: &str = "argocd-eso-plugin.io/ignore";

/// What lint takes: the session, and which environments.
pub struct LintOptions {
    pub session: Session,
    /// Only these environments (all when empty).
    pub only_envs: Vec<String>,
}

pub use crate::session::Progress;

impl LintOptions {
    /// Options for a repo with its config file: inventory files named there are added to `vault`'s.
    pub fn new(
        repo: PathBuf,
        config: Config,
        only_envs: Vec<String>,
        mut vault: crate::vault::stage::VaultOptions,
    ) -> LintOptions {
        vault.add_config_inventories(&repo, &config);
        LintOptions { session: Session::new(repo, config, vault), only_envs }
    }
}

/// What the environments ask of each vault, so that each is asked once.
pub fn vault_demands(models: &[EnvModel]) -> BTreeMap<String, crate::vault::stage::Demand> {
    let mut demands = BTreeMap::new();
    for model in models {
        crate::vault::stage::Demand::collect(&mut demands, model, &|_| true);
    }
    demands
}

impl RenderedEnv {
    /// The environment's model: its rendered objects with ESO resolved and indexed.
    pub fn model<'a>(&'a self, config: &'a Config) -> EnvModel<'a> {
        EnvModel::build(&self.name, &self.resources, &config.external_stores)
    }
}

#[derive(Debug)]
pub struct Report {
    pub findings: Vec<Finding>,
    pub environments: Vec<String>,
    pub overlays: usize,
    /// The environments, their overlays and why each is there (`lint -v` prints it).
    pub layout: crate::scan::Layout,
    /// Stores referenced but rendered nowhere: (kind, name, namespace) -> the environments (REF003's subjects).
    pub missing_stores: BTreeMap<(String, String, Option<String>), Vec<String>>,
}

impl Report {
    pub fn worst(&self) -> Option<Severity> {
        self.findings.iter().map(|f| f.severity).max()
    }
}

/// A rendered environment: its objects, and the overlays that failed to render.
pub struct RenderedEnv {
    pub name: String,
    /// Its overlays, rendered or not.
    pub dirs: Vec<PathBuf>,
    pub resources: Vec<Resource>,
    pub failures: Vec<RenderFailure>,
    /// Source files whose objects are here only as context: read from an overlay that installs a chart, without
    /// the chart. Findings about them are not reported (the overlay was not rendered as kustomize would).
    pub context_only: BTreeSet<PathBuf>,
}

/// An overlay that did not render.
pub struct RenderFailure {
    pub dir: PathBuf,
    pub message: String,
    /// The kustomize feature the renderer refused by name (helmCharts, a remote base, a plugin), when that is why.
    pub unsupported: Option<String>,
}

/// Render every overlay of every selected environment (in parallel).
pub fn render_environments(opts: &LintOptions) -> Result<Vec<RenderedEnv>, Error> {
    let layout = opts.session.layout()?;
    render_discovered(opts, &layout)
}

/// Render the selected environments of `layout`, in parallel.
fn render_discovered(opts: &LintOptions, layout: &crate::scan::Layout) -> Result<Vec<RenderedEnv>, Error> {
    let selected: Vec<(String, Vec<PathBuf>)> = layout
        .environments
        .iter()
        .filter(|(e, _)| opts.only_envs.is_empty() || opts.only_envs.contains(e))
        .map(|(e, d)| (e.clone(), d.clone()))
        .collect();
    for want in &opts.only_envs {
        if !selected.iter().any(|(e, _)| e == want) {
            return Err(Error::Usage(format!("no environment '{want}' in {}", opts.session.repo.display())));
        }
    }
    let total: usize = selected.iter().map(|(_, d)| d.len()).sum();
    let done = std::sync::atomic::AtomicUsize::new(0);
    let inferred = std::sync::atomic::AtomicUsize::new(0);
    let rendered = selected
        .into_par_iter()
        .map(|(name, dirs)| {
            let templates = crate::template::TemplateContext { env: Some(name.clone()), ..Default::default() };
            let build = BuildOptions {
                repo_root: Some(opts.session.repo.clone()),
                preprocessor: templates.preprocessor(),
                ..Default::default()
            };
            let results: Vec<(PathBuf, Result<Vec<Resource>, kustomize::KustomizeError>)> = dirs
                .par_iter()
                .map(|d| {
                    let n = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                    opts.session.report(n, total, "rendering");
                    (d.clone(), layout.build(&opts.session.repo, &name, d, &build).map(|(resources, _)| resources))
                })
                .collect();
            let mut env = RenderedEnv {
                name,
                dirs: dirs.clone(),
                resources: Vec::new(),
                failures: Vec::new(),
                context_only: BTreeSet::new(),
            };
            let mut context = Vec::new();
            for (dir, r) in results {
                let destination = layout.namespaces.get(&(env.name.clone(), dir.clone()));
                match r {
                    Ok(mut rs) => {
                        if place_namespace_less(&dir, &mut rs, destination) == Some(Placement::OnlyNamespace) {
                            inferred.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        }
                        env.resources.extend(rs)
                    }
                    Err(e) => {
                        let unsupported = match &e {
                            kustomize::KustomizeError::Unsupported { field, .. } => Some(field.clone()),
                            _ => None,
                        };
                        // A chart beside manifests (the operator and its ClusterSecretStore in one kustomization):
                        // the manifests are the environment's context, so that its stores serve the other overlays.
                        if unsupported.as_deref().is_some_and(|f| kustomize::HELM_FIELDS.contains(&f)) {
                            let without = BuildOptions { without_charts: true, ..build.clone() };
                            if let Ok((mut rs, _)) = layout.build(&opts.session.repo, &env.name, &dir, &without) {
                                place_namespace_less(&dir, &mut rs, destination);
                                context.extend(rs);
                            }
                        }
                        env.failures.push(RenderFailure { dir, message: e.to_string(), unsupported });
                    }
                }
            }
            let checked: BTreeSet<&Path> = env.resources.iter().map(|r| r.origin.file.as_path()).collect();
            env.context_only =
                context.iter().map(|r| r.origin.file.clone()).filter(|f| !checked.contains(f.as_path())).collect();
            env.resources.extend(context);
            env
        })
        .collect();
    let inferred = inferred.into_inner();
    if inferred > 0 {
        tracing::info!(
            "{inferred} overlay(s): objects without a namespace were checked in the overlay's only namespace, where Argo CD \
             would apply them to the Application's destination (-v lists them)"
        );
    }
    Ok(rendered)
}

/// Where an overlay's namespace-less objects were checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Placement {
    /// The destination namespace of the Argo CD Application that deploys the overlay.
    Application,
    /// The one namespace the overlay's other namespaced objects render into.
    OnlyNamespace,
}

/// Argo CD applies namespace-less objects into the Application's destination namespace; without one to read, the
/// overlay's one namespace is the likely destination. Without either, a SecretStore or Secret reference would be
/// looked up in no namespace at all. The objects of `dir` are placed for the checks (never printed), and how is
/// returned when any was.
fn place_namespace_less(dir: &Path, resources: &mut [Resource], destination: Option<&String>) -> Option<Placement> {
    let (placed, how) = place(dir, resources, destination);
    how.filter(|_| placed.contains(&true))
}

/// Place an overlay's namespace-less objects for the checks ([`place_namespace_less`]); which ones were placed, so
/// that a caller that prints them afterwards (diff) can take their namespace off again.
pub fn place_for_checks(dir: &Path, resources: &mut [Resource], destination: Option<&String>) -> Vec<bool> {
    place(dir, resources, destination).0
}

/// [`place_namespace_less`]: which objects were placed, and where the namespace came from (None: nowhere to place).
fn place(dir: &Path, resources: &mut [Resource], destination: Option<&String>) -> (Vec<bool>, Option<Placement>) {
    let (ns, how) = match destination {
        Some(ns) => (ns.clone(), Placement::Application),
        None => match crate::model::only_namespace(resources) {
            Some(ns) => (ns, Placement::OnlyNamespace),
            None => return (vec![false; resources.len()], None),
        },
    };
    let placed = crate::model::place_in_namespace(resources, &ns);
    let count = placed.iter().filter(|p| **p).count();
    if count > 0 {
        let why = match how {
            Placement::Application => "the destination of the Argo CD Application that deploys it",
            Placement::OnlyNamespace => {
                "the overlay's only namespace (Argo CD would use the Application's destination)"
            }
        };
        tracing::debug!("{}: {count} object(s) without a namespace checked in '{ns}', {why}", dir.display());
    }
    (placed, Some(how))
}

fn ignored_by_annotation(r: &Resource, code: &str) -> bool {
    r.annotations()
        .iter()
        .any(|(k, v)| k == IGNORE_ANNOTATION && v.split(',').any(|c| c.trim().eq_ignore_ascii_case(code)))
}

fn ignored_by_config(config: &Config, f: &Finding) -> bool {
    config.ignore.iter().any(|ig| {
        let code_ok = ig.code.as_deref().is_none_or(|c| c.eq_ignore_ascii_case(f.code));
        let path_ok = ig
            .path
            .as_deref()
            .is_none_or(|p| globset::Glob::new(p).map(|g| g.compile_matcher().is_match(&f.file)).unwrap_or(false));
        let object_ok = ig.object.as_deref().is_none_or(|o| o == f.object);
        code_ok && path_ok && object_ok
    })
}

/// The severity a rule has under the config; None when it is off.
pub fn severity_of(config: &Config, rule: &rules::Rule) -> Option<Severity> {
    match config.rules.get(rule.code) {
        Some(setting) => setting.severity(),
        None => Some(rule.severity),
    }
}

/// Run every rule over one environment; keep findings about objects `keep` accepts. Each comes with the field path
/// it is about (part of its root cause).
pub fn check_env(
    view: &EnvView<'_>,
    config: &Config,
    positions: &mut Positions,
    keep: &dyn Fn(&Resource) -> bool,
) -> Vec<(Finding, String)> {
    let mut out = Vec::new();
    for rule in rules::all() {
        let Some(sev) = severity_of(config, rule) else { continue };
        for raw in (rule.check)(view) {
            if let Subject::Field { resource, .. } = &raw.subject
                && !keep(resource)
            {
                continue;
            }
            if let Some((f, path)) = locate(raw, rule, sev, view.name, positions)
                && !ignored_by_config(config, &f)
            {
                out.push((f, path));
            }
        }
    }
    out
}

/// Turn a rule's raw finding into a located one, with the field path it is about (part of its root cause).
fn locate(
    raw: RawFinding<'_>,
    rule: &rules::Rule,
    severity: Severity,
    env: &str,
    positions: &mut Positions,
) -> Option<(Finding, String)> {
    let (object, file, line, column, path) = match raw.subject {
        Subject::Field { resource, path, at_key } => {
            if ignored_by_annotation(resource, rule.code) {
                return None;
            }
            let loc = positions.locate(resource, &path, at_key);
            (rules::object_label(resource), loc.file, loc.line, loc.column, path)
        }
        Subject::File { file, line, column, object } => (object, file, line, column, String::new()),
    };
    let finding = Finding {
        code: rule.code,
        rule: rule.name,
        severity,
        environments: vec![env.to_string()],
        object,
        file,
        line,
        column,
        message: raw.message,
        hint: raw.hint,
    };
    Some((finding, path))
}

/// The line where a refused field is written in `file` (repo-relative), read through the repository's file layer.
fn field_line(repo: &Path, file: &Path, field: &str) -> Option<u32> {
    let text = crate::files::read_text(Some(repo), &repo.join(file), crate::files::MAX_FILE_BYTES).ok()?;
    let key = field.split([':', ' ']).next().unwrap_or(field);
    let i = text.lines().position(|l| l.trim_start().trim_start_matches("- ").starts_with(&format!("{key}:")))?;
    Some(i as u32 + 1)
}

/// The file a render error names, relative to the repo, and its line if it gives one. A named file that does not
/// exist is located at the kustomization line that lists it.
fn error_location(repo: &Path, dir: &Path, message: &str) -> (PathBuf, u32) {
    let root = format!("{}/", repo.display());
    let kfile = crate::kustomize::kustomization_file(&repo.join(dir)).ok();
    let krel = kfile
        .as_ref()
        .and_then(|f| f.strip_prefix(repo).ok().map(Path::to_path_buf))
        .unwrap_or_else(|| dir.to_path_buf());
    let mut missing = Vec::new();
    for (start, _) in message.match_indices(&root) {
        let rest = &message[start + root.len()..];
        let end = rest.find(|c: char| c == ':' || c.is_whitespace() || c == '\'' || c == '"').unwrap_or(rest.len());
        let file = PathBuf::from(&rest[..end]);
        if repo.join(&file).is_file() {
            let line = rest[end..]
                .strip_prefix(':')
                .and_then(|l| l.split(|c: char| !c.is_ascii_digit()).next())
                .and_then(|n| n.parse().ok());
            return (file, line.unwrap_or(1));
        }
        if !repo.join(&file).exists() {
            missing.push(file);
        }
    }
    // Through the repository's file layer like every other read: a symlinked kustomization is not followed out.
    let text = kfile
        .as_ref()
        .and_then(|k| crate::files::read_text(Some(repo), k, crate::files::MAX_FILE_BYTES).ok())
        .unwrap_or_default();
    for file in missing {
        let Some(name) = file.file_name().and_then(|n| n.to_str()) else { continue };
        if let Some(i) = text.lines().position(|l| l.contains(name)) {
            return (krel, i as u32 + 1);
        }
    }
    (krel, 1)
}

pub fn lint(opts: &LintOptions) -> Result<Report, Error> {
    // Argo CD Applications and the ESO chart they install, read once: what is deployed where, and which ESO
    // release serves the objects.
    let needles: Vec<&str> =
        crate::scan::DEPLOYER_NEEDLES.iter().copied().chain([crate::eso::release::NEEDLE]).collect();
    let platform = crate::scan::platform_docs(&opts.session.repo, &needles);
    let layout = crate::scan::discover(&opts.session.repo, &opts.session.config, &platform)?;
    if !layout.skipped.is_empty() {
        tracing::info!(
            "{} Argo CD Application(s), ApplicationSet(s) or Flux Kustomization(s) not followed (a generator or \
             template function not evaluated, or a path outside this repository; -v lists them)",
            layout.skipped.len()
        );
    }
    let envs = render_discovered(opts, &layout)?;
    let models: Vec<EnvModel> = envs.par_iter().map(|e| e.model(&opts.session.config)).collect();
    let demands = vault_demands(&models);
    let vault = crate::vault::stage::run(&demands, &opts.session.vault)?;
    let release = crate::eso::release::of_docs(&opts.session.config, &platform);
    if let Some(r) = &release {
        tracing::info!("External Secrets Operator {} (from {})", r.label(), r.source);
    }
    let severity_of = |rule: &rules::Rule| severity_of(&opts.session.config, rule);
    // Environments are checked in parallel, each locating its findings with its own position index; the findings
    // are merged in environment order, so the report does not depend on the schedule.
    type Missing = Vec<(String, String, Option<String>)>;
    let per_env: Vec<(Vec<(Finding, String)>, Missing)> = envs
        .par_iter()
        .zip(&models)
        .map(|(env, model)| {
            let mut positions = Positions::new(&opts.session.repo);
            let mut found: Vec<(Finding, String)> = Vec::new();
        for failure in &env.failures {
            let (file, mut line) = error_location(&opts.session.repo, &failure.dir, &failure.message);
            if let Some(field) = &failure.unsupported {
                line = field_line(&opts.session.repo, &file, field).unwrap_or(line);
            }
            let message = failure.message.replace(&format!("{}/", opts.session.repo.display()), "");
            // A feature refused by name is not a broken overlay: said once, as what was not checked.
            let (rule, hint) = match &failure.unsupported {
                Some(field) => (
                    rules::by_code(rules::NOT_RENDERED).expect("registered"),
                    format!(
                        "'{field}' is not rendered natively: this overlay's ExternalSecrets, stores and workloads were \
                         not checked{}",
                        if kustomize::HELM_FIELDS.contains(&field.as_str()) {
                            " (the manifests beside the chart serve the environment as context)"
                        } else {
                            ""
                        }
                    ),
                ),
                None => (
                    rules::by_code(rules::RENDER_FAILED).expect("registered"),
                    "fix the overlay so that `argocd-eso-plugin render` (or kubectl kustomize) builds it".into(),
                ),
            };
            let raw = RawFinding {
                subject: Subject::File { file, line, column: 1, object: format!("overlay {}", failure.dir.display()) },
                message,
                hint,
            };
            if let Some(sev) = severity_of(rule) {
                found.extend(locate(raw, rule, sev, &env.name, &mut positions));
            }
        }
        let view = EnvView { model, vault: Some(&vault), eso: release.as_ref() };
        let checked = |r: &Resource| !env.context_only.contains(&r.origin.file);
        found.extend(check_env(&view, &opts.session.config, &mut positions, &checked));
        (found, rules::missing_stores(&view))
        })
        .collect();
    let mut missing_stores: BTreeMap<(String, String, Option<String>), Vec<String>> = BTreeMap::new();
    for (env, (_, missing)) in envs.iter().zip(&per_env) {
        for store in missing {
            missing_stores.entry(store.clone()).or_default().push(env.name.clone());
        }
    }
    let per_env: Vec<Vec<(Finding, String)>> = per_env.into_iter().map(|(found, _)| found).collect();
    // One finding per root cause: the same rule at the same source position and field, whatever the environment.
    let mut merged: BTreeMap<(PathBuf, u32, u32, &'static str, String), Finding> = BTreeMap::new();
    let overlays = envs.iter().map(|e| e.dirs.len()).sum();
    for (env, found) in envs.iter().zip(per_env) {
        for (f, path) in found {
            if ignored_by_config(&opts.session.config, &f) {
                continue;
            }
            let key =
                (f.file.clone(), f.line, f.column, f.code, if path.is_empty() { f.message.clone() } else { path });
            match merged.get_mut(&key) {
                Some(existing) => {
                    if !existing.environments.contains(&env.name) {
                        existing.environments.push(env.name.clone());
                    }
                }
                None => {
                    merged.insert(key, f);
                }
            }
        }
    }
    let mut findings: Vec<Finding> = merged.into_values().collect();
    if !vault.skipped.is_empty()
        && let Some(rule) = rules::by_code(rules::VAULT_SKIPPED).filter(|r| severity_of(r).is_some())
    {
        let names: usize = vault.skipped.iter().map(|v| demands.get(v).map_or(0, |d| d.names.len())).sum();
        let file = if opts.session.repo.join(crate::config::FILE_NAME).exists() {
            PathBuf::from(crate::config::FILE_NAME)
        } else {
            PathBuf::from(".")
        };
        findings.push(Finding {
                code: rule.code,
                rule: rule.name,
                severity: severity_of(rule).expect("filtered"),
                environments: envs.iter().map(|e| e.name.clone()).collect(),
                object: "Key Vault stage".into(),
                file,
                line: 1,
                column: 1,
                message: format!("Key Vault stage skipped (--offline): {names} reference(s) to {} vault(s) not checked: {}", vault.skipped.len(), vault.skipped.join(", ")),
                hint: "give an inventory per vault (--vault-inventory, from `az keyvault secret list -o json`), or run without --offline".into(),
            });
    }
    for f in &mut findings {
        f.environments.sort();
        if f.environments.len() > 1 {
            // One root cause seen in several environments: say so once, without naming a single one.
            for e in &f.environments {
                f.message = f.message.replace(&format!("environment '{e}'"), "these environments");
            }
        }
    }
    findings.sort_by(|a, b| (&a.file, a.line, a.column, a.code).cmp(&(&b.file, b.line, b.column, b.code)));
    Ok(Report {
        findings,
        environments: envs.iter().map(|e| e.name.clone()).collect(),
        overlays,
        layout,
        missing_stores,
    })
}

/// The `externalStores` block for the stores `report` found referenced but rendered nowhere, as YAML to paste into
/// `.argocd-eso-plugin.yaml` (each vaultUrl left for the user to fill in).
pub fn suggested_config(report: &Report) -> String {
    if report.missing_stores.is_empty() {
        return "# Nothing to add: every store the ExternalSecrets reference is rendered in their environment.\n"
            .into();
    }
    let mut out = String::from(
        "# Stores the ExternalSecrets reference that no overlay of their environment renders (REF003). If they are\n\
         # managed outside this repository, paste this into .argocd-eso-plugin.yaml and fill in each vaultUrl, so\n\
         # that their Key Vault references are checked too. A name here that should exist in the repo is a typo.\n\
         externalStores:\n",
    );
    for ((kind, name, namespace), envs) in &report.missing_stores {
        out.push_str(&format!("- name: {name}\n  kind: {kind}\n"));
        if let Some(ns) = namespace {
            out.push_str(&format!("  namespace: {ns}\n"));
        }
        out.push_str(&format!(
            "  vaultUrl: https://<vault>.vault.azure.net/   # fill in\n  environments: [{}]\n",
            envs.join(", ")
        ));
    }
    out
}

//! `diff`: what a change does to every environment, before it is committed or merged. Both sides are rendered the
//! way `render` renders them (stamps included); the base is read from git without touching the working tree.

use crate::error::Error;
use crate::kustomize::{self, BuildOptions};
use crate::model::EnvModel;
use crate::rollout::{Dependency, StampOptions};
use crate::session::Session;
use crate::template::TemplateContext;
use crate::vault::stage::{Demand, LiveMemo, VaultOptions};
use rayon::prelude::*;
use serde::Serialize;
use serde_yaml::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

/// What diff takes: the session of the working tree (its vault options are the command line's: each side adds its
/// own config's inventories), the base, and which environments.
pub struct DiffOptions {
    pub session: Session,
    /// The revision to compare with; default: the merge base with the default branch, else HEAD.
    pub base: Option<String>,
    pub envs: Vec<String>,
    pub stamp: StampOptions,
    /// Render every overlay of the base too, even one whose inputs did not change (the reference the reuse is
    /// tested against).
    pub render_both_sides: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeKind {
    Added,
    Removed,
    Changed,
}

#[derive(Debug, Clone, Serialize)]
pub struct ObjectChange {
    /// `Kind/namespace/name`.
    pub object: String,
    pub change: ChangeKind,
    /// Unified diff of the YAML (Secret values masked).
    pub diff: String,
    /// Why a workload rolls or an ExternalSecret re-syncs.
    pub explanations: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct EnvDiff {
    pub environment: String,
    pub changes: Vec<ObjectChange>,
    /// What `generate` would say about the apps this change touches: every rule, run over the working tree's
    /// environment, about the objects of each app (overlay) with a change. An error here is an app `generate`
    /// would refuse.
    pub findings: Vec<crate::rules::Finding>,
}

impl EnvDiff {
    pub fn count(&self, kind: ChangeKind) -> usize {
        self.changes.iter().filter(|c| c.change == kind).count()
    }
    pub fn summary(&self) -> String {
        if self.changes.is_empty() {
            return format!("{}: no changes", self.environment);
        }
        let mut line = format!(
            "{}: {} added, {} removed, {} changed",
            self.environment,
            self.count(ChangeKind::Added),
            self.count(ChangeKind::Removed),
            self.count(ChangeKind::Changed)
        );
        let errors = self.findings.iter().filter(|f| f.severity == crate::rules::Severity::Error).count();
        if !self.findings.is_empty() {
            line.push_str(&format!(
                "; {} finding(s) in the changed apps, {errors} error(s){}",
                self.findings.len(),
                if errors > 0 { ": generate would refuse them" } else { "" }
            ));
        }
        line
    }

    /// The findings about `object` (shown beside its change), and those about objects with no change of their own.
    pub fn findings_about<'a>(&'a self, object: &'a str) -> impl Iterator<Item = &'a crate::rules::Finding> + 'a {
        self.findings.iter().filter(move |f| f.object == object)
    }

    pub fn findings_elsewhere(&self) -> impl Iterator<Item = &crate::rules::Finding> + '_ {
        self.findings.iter().filter(|f| !self.changes.iter().any(|c| c.object == f.object))
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct DiffReport {
    pub base: String,
    pub environments: Vec<EnvDiff>,
}

impl DiffReport {
    pub fn has_changes(&self) -> bool {
        self.environments.iter().any(|e| !e.changes.is_empty())
    }
}

fn git(dir: &Path, args: &[&str]) -> Result<Vec<u8>, Error> {
    let out =
        Command::new("git").arg("-C").arg(dir).args(args).output().map_err(|e| Error::Git(format!("git: {e}")))?;
    if !out.status.success() {
        return Err(Error::Git(format!("git {}: {}", args.join(" "), String::from_utf8_lossy(&out.stderr).trim())));
    }
    Ok(out.stdout)
}

fn git_text(dir: &Path, args: &[&str]) -> Result<String, Error> {
    Ok(String::from_utf8_lossy(&git(dir, args)?).trim().to_string())
}

/// The merge base with the default branch (origin's HEAD, main or master), else HEAD.
pub fn default_base(dir: &Path) -> Result<String, Error> {
    let candidates = [
        git_text(dir, &["rev-parse", "--abbrev-ref", "origin/HEAD"]).ok(),
        Some("origin/main".into()),
        Some("main".into()),
        Some("origin/master".into()),
        Some("master".into()),
    ];
    for c in candidates.into_iter().flatten() {
        if let Ok(mb) = git_text(dir, &["merge-base", "HEAD", &c])
            && !mb.is_empty()
        {
            return Ok(mb);
        }
    }
    git_text(dir, &["rev-parse", "HEAD"])
}

/// Base checkouts that exist right now: removed by the signal handler if the process is interrupted, since a
/// `TempDir`'s own clean-up runs only on a normal return (the checkout holds whatever Secrets were committed).
static LIVE_CHECKOUTS: std::sync::Mutex<Vec<PathBuf>> = std::sync::Mutex::new(Vec::new());

/// A base checkout: private to this user (0700), removed when dropped and on SIGINT, SIGTERM or SIGHUP.
struct Checkout(tempfile::TempDir);

impl Checkout {
    fn new() -> Result<Checkout, Error> {
        use std::os::unix::fs::PermissionsExt;
        static HANDLER: std::sync::Once = std::sync::Once::new();
        HANDLER.call_once(|| {
            // If a handler is already installed (an embedding program's), that program owns clean-up on signals.
            let _ = ctrlc::set_handler(|| {
                for dir in LIVE_CHECKOUTS.lock().map(|l| l.clone()).unwrap_or_default() {
                    let _ = std::fs::remove_dir_all(dir);
                }
                std::process::exit(130);
            });
        });
        let dir = tempfile::Builder::new()
            .prefix("argocd-eso-plugin-diff-")
            .permissions(std::fs::Permissions::from_mode(0o700))
            .tempdir()
            .map_err(|e| Error::Io(format!("temporary directory for the base checkout: {e}")))?;
        if let Ok(mut live) = LIVE_CHECKOUTS.lock() {
            live.push(dir.path().to_path_buf());
        }
        Ok(Checkout(dir))
    }

    fn path(&self) -> &Path {
        self.0.path()
    }
}

impl Drop for Checkout {
    fn drop(&mut self) {
        if let Ok(mut live) = LIVE_CHECKOUTS.lock() {
            live.retain(|d| d != self.0.path());
        }
    }
}

/// The base revision's tree, written into a private temp dir by git itself, file by file as the render needs
/// them: through a temporary index (`read-tree`, `checkout-index`), so the user's index and working tree are
/// untouched. Written as a checkout writes it, which is what Argo CD renders. Writing files is the cost of a diff
/// on a large repo (a whole checkout of 1,500 overlays took seconds here), so only what is rendered is written.
struct BaseTree {
    top: PathBuf,
    /// The repo's path in the git checkout.
    rel: PathBuf,
    index: PathBuf,
    /// The checkout's top; the base repo is `tree/rel`.
    tree: PathBuf,
    /// Repo-relative paths of the base revision's files.
    files: Vec<PathBuf>,
    written_all: std::cell::Cell<bool>,
    _dir: Checkout,
}

impl BaseTree {
    fn new(repo: &Path, rev: &str) -> Result<BaseTree, Error> {
        let top = PathBuf::from(git_text(repo, &["rev-parse", "--show-toplevel"])?);
        let rel = repo_in_top(repo, &top)?;
        let dir = Checkout::new()?;
        let mut t = BaseTree {
            index: dir.path().join("index"),
            tree: dir.path().join("tree"),
            top,
            rel,
            files: Vec::new(),
            written_all: std::cell::Cell::new(false),
            _dir: dir,
        };
        t.git(&["read-tree", rev], None)?;
        let listed = t.git(&["ls-files", "-z"], None)?;
        t.files = listed
            .split(|b| *b == 0)
            .filter(|n| !n.is_empty())
            .filter_map(|n| {
                PathBuf::from(String::from_utf8_lossy(n).into_owned()).strip_prefix(&t.rel).ok().map(Path::to_path_buf)
            })
            .collect();
        std::fs::create_dir_all(t.repo()).map_err(|e| Error::Io(format!("{}: {e}", t.tree.display())))?;
        Ok(t)
    }

    /// The repo as it was at the base revision.
    fn repo(&self) -> PathBuf {
        self.tree.join(&self.rel)
    }

    fn git(&self, args: &[&str], stdin: Option<&[u8]>) -> Result<Vec<u8>, Error> {
        use std::io::Write as _;
        let mut child = Command::new("git")
            .arg("-C")
            .arg(&self.top)
            .args(args)
            .env("GIT_INDEX_FILE", &self.index)
            .stdin(if stdin.is_some() { std::process::Stdio::piped() } else { std::process::Stdio::null() })
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .map_err(|e| Error::Git(format!("git: {e}")))?;
        if let (Some(input), Some(mut pipe)) = (stdin, child.stdin.take()) {
            pipe.write_all(input).map_err(|e| Error::Git(format!("git {}: {e}", args.join(" "))))?;
        }
        let out = child.wait_with_output().map_err(|e| Error::Git(format!("git: {e}")))?;
        if !out.status.success() {
            return Err(Error::Git(format!("git {}: {}", args.join(" "), String::from_utf8_lossy(&out.stderr).trim())));
        }
        Ok(out.stdout)
    }

    /// Write these repo-relative files of the base (those it has).
    fn write(&self, files: &BTreeSet<PathBuf>) -> Result<(), Error> {
        if self.written_all.get() {
            return Ok(());
        }
        let known: BTreeSet<&PathBuf> = self.files.iter().collect();
        let mut list = Vec::new();
        for f in files.iter().filter(|f| known.contains(f)) {
            list.extend_from_slice(self.rel.join(f).as_os_str().as_encoded_bytes());
            list.push(0);
        }
        if !list.is_empty() {
            let prefix = format!("--prefix={}/", self.tree.display());
            self.git(&["checkout-index", "--force", "-z", "--stdin", &prefix], Some(&list))?;
        }
        Ok(())
    }

    /// The files (repo-relative) that differ between the base revision `rev` and the working tree: changed, added,
    /// removed, and files git does not track (ignored ones included: a render may read them, the base has none).
    fn changed_files(&self, rev: &str) -> Result<BTreeSet<PathBuf>, Error> {
        let mut out = BTreeSet::new();
        for args in
            [&["diff", "--name-only", "--no-renames", "-z", rev, "--"][..], &["ls-files", "--others", "-z", "--"][..]]
        {
            for name in git(&self.top, args)?.split(|b| *b == 0).filter(|n| !n.is_empty()) {
                let path = PathBuf::from(String::from_utf8_lossy(name).into_owned());
                if let Ok(inside) = path.strip_prefix(&self.rel) {
                    out.insert(inside.to_path_buf());
                }
            }
        }
        Ok(out)
    }

    /// Write every file of the base.
    fn write_all(&self) -> Result<(), Error> {
        if !self.written_all.get() {
            let prefix = format!("--prefix={}/", self.tree.display());
            self.git(&["checkout-index", "--all", "--force", &prefix], None)?;
            self.written_all.set(true);
        }
        Ok(())
    }

    /// The base's files in `dir` itself (not below), or below it too with `deep`.
    fn files_in(&self, dir: &Path, deep: bool) -> impl Iterator<Item = &PathBuf> + '_ {
        let dir = dir.to_path_buf();
        self.files.iter().filter(move |f| if deep { f.starts_with(&dir) } else { f.parent() == Some(dir.as_path()) })
    }
}

/// Where `repo` sits in the git checkout whose top is `top`.
fn repo_in_top(repo: &Path, top: &Path) -> Result<PathBuf, Error> {
    let canonical = |p: &Path| std::fs::canonicalize(p).map_err(|e| Error::Io(format!("{}: {e}", p.display())));
    Ok(canonical(repo)?.strip_prefix(canonical(top)?).map(Path::to_path_buf).unwrap_or_default())
}

/// One rendered side: environment -> object -> (YAML, dependencies when stamped).
type Side = BTreeMap<String, BTreeMap<String, (Value, Option<BTreeSet<Dependency>>)>>;

/// One overlay of one side, rendered, with the repo-relative paths its build read.
struct Overlay {
    dir: PathBuf,
    resources: Vec<crate::resource::Resource>,
    reads: BTreeSet<PathBuf>,
    /// How it was built, when not by a plain kustomize build (Argo CD's kustomize options, a directory source).
    source: Option<crate::scan::OverlaySource>,
    /// Where its namespace-less objects were placed for the checks and the stamping (the Application's
    /// destination), and which were: their namespace is taken off again before they are compared and printed.
    destination: Option<String>,
    placed: Vec<bool>,
}

/// environment -> its overlays, rendered.
type Rendered = BTreeMap<String, Vec<Overlay>>;

/// What of the other side's renders this side may take as its own.
struct Reuse<'a> {
    /// The other side's overlays by (environment, directory).
    other: std::collections::HashMap<(&'a str, &'a Path), &'a Overlay>,
    /// Files that differ between the sides; None: anything may differ (nothing is reused).
    changed: Option<BTreeSet<PathBuf>>,
}

impl<'a> Reuse<'a> {
    fn new(other: &'a Rendered, changed: Option<BTreeSet<PathBuf>>) -> Reuse<'a> {
        let other = other
            .iter()
            .flat_map(|(env, overlays)| overlays.iter().map(move |o| ((env.as_str(), o.dir.as_path()), o)))
            .collect();
        Reuse { other, changed }
    }

    /// The other side's render of `dir` in `env`.
    fn overlay(&self, env: &str, dir: &Path) -> Option<&'a Overlay> {
        self.other.get(&(env, dir)).copied()
    }

    /// The other side's render of `dir` in `env` when none of what its build read differs between the sides (nor
    /// a kustomization file appeared next to one it loaded) and it was built the same way: a build is a function
    /// of the files it reads and of how it is built.
    fn take(&self, env: &str, dir: &Path, layout: &crate::scan::Layout) -> Option<&'a Overlay> {
        let changed = self.changed.as_ref()?;
        let o = self.overlay(env, dir)?;
        let key = (env.to_string(), dir.to_path_buf());
        if o.source.as_ref() != layout.sources.get(&key) || o.destination.as_ref() != layout.namespaces.get(&key) {
            return None;
        }
        // A directory source reads whatever manifests its directory holds: a file added there is read too.
        if let Some(crate::scan::OverlaySource::Directory(d)) = &o.source
            && changed.iter().any(|c| if d.recurse { c.starts_with(dir) } else { c.parent() == Some(dir) })
        {
            return None;
        }
        let loaded: BTreeSet<&Path> = o
            .reads
            .iter()
            .filter(|r| r.file_name().is_some_and(kustomize::is_kustomization_file_name))
            .filter_map(|r| r.parent())
            .collect();
        let touched = changed.iter().any(|c| o.reads.contains(c) || c.parent().is_some_and(|p| loaded.contains(p)));
        (!touched).then_some(o)
    }
}

/// The selected ones of a side's environments.
fn selected(envs: BTreeMap<String, Vec<PathBuf>>, opts: &DiffOptions) -> Vec<(String, Vec<PathBuf>)> {
    envs.into_iter().filter(|(e, _)| opts.envs.is_empty() || opts.envs.contains(e)).collect()
}

/// Render every overlay of `envs` in `repo` (in parallel), taking from `reuse` what it allows.
fn render_overlays(
    repo: &Path,
    side: &str,
    envs: Vec<(String, Vec<PathBuf>)>,
    layout: &crate::scan::Layout,
    opts: &DiffOptions,
    reuse: Option<&Reuse>,
) -> Result<Rendered, Error> {
    let total: usize = envs.iter().map(|(_, d)| d.len()).sum();
    let done = std::sync::atomic::AtomicUsize::new(0);
    let mut out = Rendered::new();
    for (env, dirs) in envs {
        let build = BuildOptions {
            repo_root: Some(repo.to_path_buf()),
            preprocessor: TemplateContext { env: Some(env.clone()), ..Default::default() }.preprocessor(),
            ..Default::default()
        };
        let rendered: Vec<Result<Option<Overlay>, Error>> = dirs
            .par_iter()
            .map(|dir| {
                let n = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                opts.session.report(n, total, &format!("rendering {side}"));
                let key = (env.clone(), dir.clone());
                let (source, destination) = (layout.sources.get(&key).cloned(), layout.namespaces.get(&key).cloned());
                if let Some(o) = reuse.and_then(|r| r.take(&env, dir, layout)) {
                    return Ok(Some(Overlay {
                        dir: dir.clone(),
                        resources: o.resources.clone(),
                        reads: BTreeSet::new(),
                        source,
                        destination,
                        placed: o.placed.clone(),
                    }));
                }
                let (mut resources, reads) = match crate::scan::build_overlay(repo, dir, source.as_ref(), &build) {
                    Ok(built) => built,
                    // A feature rendered nowhere natively (helmCharts, a remote base): not compared, and said, as
                    // lint says it (KUS002) instead of failing on it.
                    Err(kustomize::KustomizeError::Unsupported { field, .. }) => {
                        tracing::info!("{} ({env}) not compared: '{field}' is not rendered natively", dir.display());
                        return Ok(None);
                    }
                    Err(source) => return Err(Error::Render { dir: Some(dir.clone()), source }),
                };
                let reads = reads.iter().filter_map(|r| r.strip_prefix(repo).ok().map(Path::to_path_buf)).collect();
                let placed = crate::lint::place_for_checks(dir, &mut resources, destination.as_ref());
                Ok(Some(Overlay { dir: dir.clone(), resources, reads, source, destination, placed }))
            })
            .collect();
        let overlays: Vec<Overlay> =
            rendered.into_iter().collect::<Result<Vec<_>, _>>()?.into_iter().flatten().collect();
        for o in &overlays {
            tracing::debug!("rendered {} ({env})", o.dir.display());
        }
        out.insert(env, overlays);
    }
    Ok(out)
}

/// Stamp every app of every environment in the context of its whole environment, as `render` stamps it: each
/// environment's model and vault data are built once. With `compare_with` (the other side) and `repo`, also run
/// the checks `generate` runs, once per environment, about the objects of the apps whose output differs from it.
fn stamp_side(
    rendered: &Rendered,
    config: &crate::config::Config,
    vault: &VaultOptions,
    opts: &DiffOptions,
    side: &str,
    compare_with: Option<(&Side, &Path, Option<&crate::eso::release::EsoRelease>)>,
) -> Result<(Side, BTreeMap<String, Vec<crate::rules::Finding>>), Error> {
    let mut out = Side::new();
    let mut findings = BTreeMap::new();
    let no_objects = BTreeMap::new();
    for (i, (env, overlays)) in rendered.iter().enumerate() {
        opts.session.report(i + 1, rendered.len(), &format!("checking Key Vault and stamping {side}"));
        let mut all = Vec::new();
        let mut placed = Vec::new();
        let mut apps = Vec::new();
        for o in overlays {
            apps.push(all.len()..all.len() + o.resources.len());
            all.extend(o.resources.iter().cloned());
            placed.extend_from_slice(&o.placed);
        }
        let model = EnvModel::build(env, &all, &config.external_stores);
        let mut demands = BTreeMap::new();
        Demand::collect(&mut demands, &model, &|_| true);
        let vault_data = crate::vault::stage::run(&demands, vault)?;
        vault_data.failures()?;
        let objects = out.entry(env.clone()).or_default();
        let other = compare_with.and_then(|(other, _, _)| other.get(env)).unwrap_or(&no_objects);
        let mut changed_apps = Vec::new();
        for range in apps {
            let mut resources = all[range.clone()].to_vec();
            let report = crate::rollout::stamp(&model, &vault_data, &mut resources, range.start, opts.stamp);
            let mut changed = false;
            for (mut r, was_placed) in resources.into_iter().zip(&placed[range.clone()]) {
                // Named where Argo CD applies it; printed as kustomize renders it (the namespace was the checks').
                let label = r.cur_id().to_string();
                let deps = report.dependencies.get(&label).cloned();
                if *was_placed {
                    crate::resource::remove_path(&mut r.value, &["metadata", "namespace"]);
                }
                changed |= other.get(&label).is_none_or(|(v, _)| *v != r.value);
                objects.insert(label, (r.value, deps));
            }
            if changed {
                changed_apps.push(all[range].as_ptr_range());
            }
        }
        if let Some((_, repo, eso)) = compare_with
            && !changed_apps.is_empty()
        {
            let in_changed_app =
                |r: &crate::resource::Resource| changed_apps.iter().any(|app| app.contains(&(r as *const _)));
            let view = crate::rules::EnvView { model: &model, vault: Some(&vault_data), eso };
            let mut positions = crate::positions::Positions::new(repo);
            let mut found: Vec<crate::rules::Finding> =
                crate::lint::check_env(&view, config, &mut positions, &in_changed_app)
                    .into_iter()
                    .map(|(f, _)| f)
                    .collect();
            found.sort_by(|a, b| (&a.file, a.line, a.code).cmp(&(&b.file, b.line, b.code)));
            found.dedup();
            findings.insert(env.clone(), found);
        }
    }
    Ok((out, findings))
}

/// A side's config and vault options (its own config's inventories, the memo both sides share).
fn side_setup(
    repo: &Path,
    opts: &DiffOptions,
    memo: &LiveMemo,
) -> Result<(crate::config::Config, VaultOptions), Error> {
    let config = crate::rules::load_config(repo)?;
    let mut vault = opts.session.vault.clone();
    vault.memo = Some(memo.clone());
    vault.want_versions = true;
    vault.add_config_inventories(repo, &config);
    Ok((config, vault))
}

/// Whether a change to these files can change any render in ways the per-overlay read sets do not show: the config
/// (environments, stores), an inventory, a template's values files or includes (read outside the build).
fn changes_everything(changed: &BTreeSet<PathBuf>, configs: &[&crate::config::Config], rendered: &Rendered) -> bool {
    let inventories: BTreeSet<&Path> = configs
        .iter()
        .flat_map(|c| c.environments.iter().flat_map(|e| e.vault_inventory.iter().map(PathBuf::as_path)))
        .collect();
    let templated = rendered.values().flatten().any(|o| o.reads.iter().any(|r| crate::template::is_template(r)));
    templated
        || changed.iter().any(|c| {
            c == Path::new(crate::config::FILE_NAME)
                || inventories.contains(c.as_path())
                || c.file_name().is_some_and(|n| n == "values.yaml" || n == "values.yml")
        })
}

/// The annotation in which `kubectl apply` keeps a copy of the whole object, a Secret's data included.
const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// Secret values never appear in a diff: a Secret's data and any object's last-applied copy are masked.
fn mask(v: &Value) -> Value {
    let mut v = v.clone();
    if let Some(Value::Mapping(annotations)) = v.get_mut("metadata").and_then(|m| m.get_mut("annotations"))
        && let Some(copy) = annotations.get_mut(LAST_APPLIED)
    {
        *copy = Value::String("***".into());
    }
    let is_secret = v.get("kind").and_then(Value::as_str) == Some("Secret")
        && v.get("apiVersion").and_then(Value::as_str).is_none_or(|a| a == "v1");
    if is_secret && let Some(m) = v.as_mapping_mut() {
        for field in ["data", "stringData"] {
            if let Some(Value::Mapping(d)) = m.get_mut(field) {
                for (_, x) in d.iter_mut() {
                    *x = Value::String("***".into());
                }
            }
        }
    }
    v
}

fn yaml(v: &Value) -> String {
    serde_yaml::to_string(&mask(v)).unwrap_or_default()
}

fn unified(object: &str, before: &str, after: &str) -> String {
    similar::TextDiff::from_lines(before, after)
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{object}"), &format!("b/{object}"))
        .to_string()
}

fn short_name(object: &str) -> &str {
    object.rsplit('/').next().unwrap_or(object)
}

/// "orders-api will roll: orders-db-password has a new version".
fn explain(object: &str, before: &Option<BTreeSet<Dependency>>, after: &Option<BTreeSet<Dependency>>) -> Vec<String> {
    let verb = if object.starts_with("ExternalSecret/") { "re-syncs" } else { "will roll" };
    let (b, a) = match (before, after) {
        (Some(b), Some(a)) => (b, a),
        // Losing a stamp changes the pod template too: the workload rolls once, and later rotations roll nothing.
        (Some(_), None) => {
            return vec![format!(
                "{} {verb}: its versions annotation is gone (a Key Vault version it reads is unknown; see the findings)",
                short_name(object)
            )];
        }
        (None, Some(_)) => return vec![format!("{} {verb}: it is stamped now", short_name(object))],
        (None, None) => return Vec::new(),
    };
    let old: BTreeMap<(&str, &str), &str> =
        b.iter().map(|d| ((d.vault.as_str(), d.key.as_str()), d.revision.as_str())).collect();
    let new: BTreeMap<(&str, &str), &str> =
        a.iter().map(|d| ((d.vault.as_str(), d.key.as_str()), d.revision.as_str())).collect();
    let mut reasons = Vec::new();
    for (k, rev) in &new {
        match old.get(k) {
            Some(o) if o != rev => reasons.push(format!("{} has a new version", k.1)),
            None => reasons.push(format!("it now reads {}", k.1)),
            _ => {}
        }
    }
    for k in old.keys().filter(|k| !new.contains_key(*k)) {
        reasons.push(format!("it no longer reads {}", k.1));
    }
    if reasons.is_empty() {
        return Vec::new();
    }
    vec![format!("{} {verb}: {}", short_name(object), reasons.join(", "))]
}

pub fn diff(opts: &DiffOptions) -> Result<DiffReport, Error> {
    let base = match &opts.base {
        Some(b) => git_text(&opts.session.repo, &["rev-parse", "--verify", &format!("{b}^{{commit}}")])
            .map_err(|_| Error::Usage(format!("unknown revision '{b}'")))?,
        None => default_base(&opts.session.repo)?,
    };
    // One live answer per vault and plan for both sides: a diff shows what the change does, not a rotation that
    // happened between two reads.
    let memo = LiveMemo::default();
    let (after_config, after_vault) = side_setup(&opts.session.repo, opts, &memo)?;
    // The environments lint finds (the Argo CD Applications, the conventions, the roots), so that both name the same.
    let after_layout = crate::scan::layout(&opts.session.repo, &after_config)?;
    let after_envs = selected(after_layout.environments.clone(), opts);
    let after_rendered =
        render_overlays(&opts.session.repo, "the working tree", after_envs, &after_layout, opts, None)?;
    let base_side = format!("the base {}", &base[..base.len().min(12)]);
    let base_tree = BaseTree::new(&opts.session.repo, &base)?;
    let before = if base_tree.files.is_empty() {
        Side::new() // the repo did not exist at the base revision
    } else {
        let base_repo = base_tree.repo();
        base_tree.write(&[PathBuf::from(crate::config::FILE_NAME)].into())?;
        let (before_config, before_vault) = side_setup(&base_repo, opts, &memo)?;
        // The inventories are read when the vault stage runs; the base's are written before that.
        let inventories = before_config.environments.iter().flat_map(|e| e.vault_inventory.iter().cloned()).collect();
        base_tree.write(&inventories)?;
        let changed = base_tree.changed_files(&base)?;
        let everything =
            opts.render_both_sides || changes_everything(&changed, &[&after_config, &before_config], &after_rendered);
        let before_rendered = if everything {
            base_tree.write_all()?;
            let layout = crate::scan::layout(&base_repo, &before_config)?;
            render_overlays(&base_repo, &base_side, selected(layout.environments.clone(), opts), &layout, opts, None)?
        } else {
            // An overlay none of whose inputs changed renders the same on both sides: it is rendered once. The
            // others are rendered from the base's files they are likely to read; if one of them needs more, the
            // whole base is written and rendered.
            // The layout is read from kustomization files, platform files (Applications, Flux) and the files git
            // generators read: when none of them changed, the base's is the working tree's.
            let layout_changed = changed.iter().any(|f| {
                f.file_name().is_some_and(|n| n == crate::config::FILE_NAME || kustomize::is_kustomization_file_name(n))
                    || crate::scan::is_platform_file(&f.to_string_lossy())
                    || after_layout.inputs.contains(f)
            });
            let base_layout = if layout_changed {
                base_tree.write_all()?;
                crate::scan::layout(&base_repo, &before_config)?
            } else {
                after_layout.clone()
            };
            let envs = selected(base_layout.environments.clone(), opts);
            let reuse = Reuse::new(&after_rendered, Some(changed));
            let mut needed = BTreeSet::new();
            for (env, dirs) in &envs {
                for dir in dirs.iter().filter(|d| reuse.take(env, d, &base_layout).is_none()) {
                    needed.extend(base_tree.files_in(dir, true).cloned());
                    for read in reuse.overlay(env, dir).into_iter().flat_map(|o| &o.reads) {
                        needed.extend(base_tree.files_in(read.parent().unwrap_or(Path::new("")), false).cloned());
                    }
                }
            }
            base_tree.write(&needed)?;
            match render_overlays(&base_repo, &base_side, envs, &base_layout, opts, Some(&reuse)) {
                Ok(rendered) => rendered,
                Err(_) => {
                    base_tree.write_all()?;
                    let layout = crate::scan::layout(&base_repo, &before_config)?;
                    let envs = selected(layout.environments.clone(), opts);
                    render_overlays(&base_repo, &base_side, envs, &layout, opts, None)?
                }
            }
        };
        stamp_side(&before_rendered, &before_config, &before_vault, opts, &base_side, None)?.0
    };
    let (after, mut findings) = stamp_side(
        &after_rendered,
        &after_config,
        &after_vault,
        opts,
        "the working tree",
        Some((
            &before,
            &opts.session.repo,
            crate::eso::release::of_repository(&opts.session.repo, &after_config).as_ref(),
        )),
    )?;
    let envs: BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    let empty = BTreeMap::new();
    let mut report = DiffReport { base, environments: Vec::new() };
    for env in envs {
        let (b, a) = (before.get(env).unwrap_or(&empty), after.get(env).unwrap_or(&empty));
        let mut changes = Vec::new();
        for (object, (new, new_deps)) in a {
            match b.get(object) {
                None => changes.push(ObjectChange {
                    object: object.clone(),
                    change: ChangeKind::Added,
                    diff: unified(object, "", &yaml(new)),
                    explanations: Vec::new(),
                }),
                Some((old, old_deps)) if old != new => changes.push(ObjectChange {
                    object: object.clone(),
                    change: ChangeKind::Changed,
                    diff: unified(object, &yaml(old), &yaml(new)),
                    explanations: explain(object, old_deps, new_deps),
                }),
                _ => {}
            }
        }
        for (object, (old, _)) in b {
            if !a.contains_key(object) {
                changes.push(ObjectChange {
                    object: object.clone(),
                    change: ChangeKind::Removed,
                    diff: unified(object, &yaml(old), ""),
                    explanations: Vec::new(),
                });
            }
        }
        changes.sort_by(|x, y| x.object.cmp(&y.object));
        let findings = findings.remove(env.as_str()).unwrap_or_default();
        report.environments.push(EnvDiff { environment: env.clone(), changes, findings });
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    #[test]
    fn secrets_and_last_applied_copies_are_masked() {
        let secret: serde_yaml::Value = serde_yaml::from_str(
            "kind: Secret\nmetadata:\n  name: s\n  annotations:\n    kubectl.kubernetes.io/last-applied-configuration: '{\"data\":{\"p\":\"CANARY\"}}'\nstringData: {p: CANARY}\ndata: {q: Q0FOQVJZ}\n",
        )
        .unwrap();
        let text = super::yaml(&secret);
        assert!(!text.contains("CANARY") && !text.contains("Q0FOQVJZ"), "{text}");
        let cm: serde_yaml::Value = serde_yaml::from_str(
            "kind: ConfigMap\nmetadata:\n  annotations:\n    kubectl.kubernetes.io/last-applied-configuration: CANARY\ndata: {a: shown}\n",
        )
        .unwrap();
        let text = super::yaml(&cm);
        assert!(!text.contains("CANARY") && text.contains("shown"), "{text}");
    }
}

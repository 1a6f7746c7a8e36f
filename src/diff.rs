//! `diff`: what a change does to every environment, before it is committed or merged. Both sides are rendered the
//! way `render` renders them (stamps included); the base is read from git without touching the working tree.

use crate::kustomize::{self, BuildOptions};
use crate::model::EnvModel;
use crate::rollout::{Dependency, StampOptions};
use crate::template::TemplateContext;
use crate::vault::stage::{Demand, LiveMemo, VaultOptions};
use rayon::prelude::*;
use serde::Serialize;
use serde_yaml::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

pub struct DiffOptions {
    /// The repository root in the working tree (may be a subdirectory of the git checkout).
    pub repo: PathBuf,
    /// The revision to compare with; default: the merge base with the default branch, else HEAD.
    pub base: Option<String>,
    pub envs: Vec<String>,
    pub vault: VaultOptions,
    pub stamp: StampOptions,
    /// Told (done, total, what) as the work goes; the command line draws it on a terminal.
    pub progress: Option<Progress>,
}

/// A progress callback: (done, total, what is being done).
pub type Progress = std::sync::Arc<dyn Fn(usize, usize, &str) + Send + Sync>;

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
}

impl EnvDiff {
    pub fn count(&self, kind: ChangeKind) -> usize {
        self.changes.iter().filter(|c| c.change == kind).count()
    }
    pub fn summary(&self) -> String {
        if self.changes.is_empty() {
            return format!("{}: no changes", self.environment);
        }
        format!(
            "{}: {} added, {} removed, {} changed",
            self.environment,
            self.count(ChangeKind::Added),
            self.count(ChangeKind::Removed),
            self.count(ChangeKind::Changed)
        )
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

fn git(dir: &Path, args: &[&str]) -> Result<Vec<u8>, String> {
    let out = Command::new("git").arg("-C").arg(dir).args(args).output().map_err(|e| format!("git: {e}"))?;
    if !out.status.success() {
        return Err(format!("git {}: {}", args.join(" "), String::from_utf8_lossy(&out.stderr).trim()));
    }
    Ok(out.stdout)
}

fn git_text(dir: &Path, args: &[&str]) -> Result<String, String> {
    Ok(String::from_utf8_lossy(&git(dir, args)?).trim().to_string())
}

/// The merge base with the default branch (origin's HEAD, main or master), else HEAD.
pub fn default_base(dir: &Path) -> Result<String, String> {
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
    fn new() -> Result<Checkout, String> {
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
            .map_err(|e| format!("temporary directory for the base checkout: {e}"))?;
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

/// The tree of `rev` unpacked into a private temp dir: (dir, the repo's path inside it).
fn checkout_base(repo: &Path, rev: &str) -> Result<(Checkout, PathBuf), String> {
    let top = PathBuf::from(git_text(repo, &["rev-parse", "--show-toplevel"])?);
    let rel = std::fs::canonicalize(repo)
        .map_err(|e| e.to_string())?
        .strip_prefix(std::fs::canonicalize(&top).map_err(|e| e.to_string())?)
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let tar = git(&top, &["archive", "--format=tar", rev])?;
    let tmp = Checkout::new()?;
    tar::Archive::new(tar.as_slice()).unpack(tmp.path()).map_err(|e| format!("unpacking {rev}: {e}"))?;
    let base_repo = tmp.path().join(&rel);
    Ok((tmp, base_repo))
}

/// One rendered side: environment -> object -> (YAML, dependencies when stamped).
type Side = BTreeMap<String, BTreeMap<String, (Value, Option<BTreeSet<Dependency>>)>>;

fn render_side(repo: &Path, opts: &DiffOptions, memo: &LiveMemo) -> Result<Side, String> {
    let mut out = Side::new();
    if !repo.is_dir() {
        return Ok(out); // the repo did not exist at the base revision
    }
    let config = crate::rules::load_config(repo)?;
    let mut vault = opts.vault.clone();
    vault.memo = Some(memo.clone());
    vault.add_config_inventories(repo, &config);
    let envs: Vec<(String, Vec<PathBuf>)> = crate::scan::environments(repo, &config)?
        .into_iter()
        .filter(|(e, _)| opts.envs.is_empty() || opts.envs.contains(e))
        .collect();
    let total: usize = envs.iter().map(|(_, d)| d.len()).sum();
    let repo = std::fs::canonicalize(repo).map_err(|e| format!("{}: {e}", repo.display()))?;
    let done = std::sync::atomic::AtomicUsize::new(0);
    vault.want_versions = true;
    for (env, dirs) in envs {
        // Every overlay is rendered once (in parallel); the environment's model and vault data are built once; each
        // app is then stamped in the context of the whole environment, as `render` stamps it.
        let build = BuildOptions {
            repo_root: Some(repo.clone()),
            preprocessor: TemplateContext { env: Some(env.clone()), ..Default::default() }.preprocessor(),
            ..Default::default()
        };
        let rendered: Vec<Result<Vec<crate::resource::Resource>, String>> = dirs
            .par_iter()
            .map(|dir| {
                let n = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                if let Some(report) = &opts.progress {
                    report(n, total, &format!("rendering {}", repo.display()));
                }
                kustomize::build(&repo.join(dir), &build).map_err(|e| format!("{}: {e}", dir.display()))
            })
            .collect();
        let mut all = Vec::new();
        let mut apps = Vec::new();
        for (dir, r) in dirs.iter().zip(rendered) {
            let r = r?;
            tracing::debug!("rendered {} ({env})", dir.display());
            apps.push(all.len()..all.len() + r.len());
            all.extend(r);
        }
        let model = EnvModel::build(&env, &all, &config.external_stores);
        let mut demands = BTreeMap::new();
        Demand::collect(&mut demands, &model, &|_| true);
        let vault_data = crate::vault::stage::run(&demands, &vault)?;
        vault_data.failures()?;
        let objects = out.entry(env.clone()).or_default();
        for range in apps {
            let mut resources = all[range.clone()].to_vec();
            let stamp = crate::rollout::stamp(&model, &vault_data, &mut resources, range.start, opts.stamp);
            for r in resources {
                let label = r.cur_id().to_string();
                let deps = stamp.dependencies.get(&label).cloned();
                objects.insert(label, (r.value, deps));
            }
        }
    }
    Ok(out)
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
    let (Some(b), Some(a)) = (before, after) else { return Vec::new() };
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
    let verb = if object.starts_with("ExternalSecret/") { "re-syncs" } else { "will roll" };
    vec![format!("{} {verb}: {}", short_name(object), reasons.join(", "))]
}

pub fn diff(opts: &DiffOptions) -> Result<DiffReport, String> {
    let base = match &opts.base {
        Some(b) => git_text(&opts.repo, &["rev-parse", "--verify", &format!("{b}^{{commit}}")])
            .map_err(|_| format!("unknown revision '{b}'"))?,
        None => default_base(&opts.repo)?,
    };
    let (_tmp, base_repo) = checkout_base(&opts.repo, &base)?;
    // One live answer per vault and plan for both sides: a diff shows what the change does, not a rotation that
    // happened between two reads.
    let memo = LiveMemo::default();
    let before = render_side(&base_repo, opts, &memo)?;
    let after = render_side(&opts.repo, opts, &memo)?;
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
        report.environments.push(EnvDiff { environment: env.clone(), changes });
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

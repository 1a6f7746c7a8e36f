//! `bench-render`: how fast the native render is against `kubectl kustomize`, measured in the same run on the same
//! synthetic overlays. A command, not a test: timings depend on the machine.

use crate::kustomize::{self, BuildOptions};
use rayon::prelude::*;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Writes `n` overlays, each over its own base of five objects, with namespace, namePrefix, a strategic-merge
/// patch and an image override: the shape of an app in a GitOps monorepo.
pub fn write_synthetic_repo(root: &Path, n: usize) -> std::io::Result<Vec<PathBuf>> {
    let mut overlays = Vec::with_capacity(n);
    for i in 0..n {
        let app = root.join(format!("apps/app-{i:04}"));
        let base = app.join("base");
        let overlay = app.join("overlays/prod");
        std::fs::create_dir_all(&base)?;
        std::fs::create_dir_all(&overlay)?;
        std::fs::write(
            base.join("kustomization.yaml"),
            "resources:\n- deployment.yaml\n- service.yaml\n- config.yaml\n- external-secret.yaml\n- service-account.yaml\n",
        )?;
        std::fs::write(
            base.join("deployment.yaml"),
            format!(
                "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app-{i}\nspec:\n  replicas: 1\n  selector:\n    matchLabels:\n      app: app-{i}\n  template:\n    metadata:\n      labels:\n        app: app-{i}\n    spec:\n      serviceAccountName: app-{i}\n      containers:\n      - name: main\n        image: contoso.azurecr.io/app-{i}:1.0.0\n        envFrom:\n        - secretRef:\n            name: app-{i}-secrets\n        - configMapRef:\n            name: app-{i}-config\n"
            ),
        )?;
        std::fs::write(
            base.join("service.yaml"),
            format!(
                "apiVersion: v1\nkind: Service\nmetadata:\n  name: app-{i}\nspec:\n  selector:\n    app: app-{i}\n  ports:\n  - port: 80\n    targetPort: 8080\n"
            ),
        )?;
        std::fs::write(
            base.join("config.yaml"),
            format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app-{i}-config\ndata:\n  LOG_LEVEL: info\n"),
        )?;
        std::fs::write(
            base.join("external-secret.yaml"),
            format!(
                "apiVersion: external-secrets.io/v1\nkind: ExternalSecret\nmetadata:\n  name: app-{i}-secrets\nspec:\n  refreshInterval: 1h\n  secretStoreRef:\n    name: azure-kv\n    kind: ClusterSecretStore\n  target:\n    name: app-{i}-secrets\n  data:\n  - secretKey: DB_PASSWORD\n    remoteRef:\n      key: app-{i}-db-password\n"
            ),
        )?;
        std::fs::write(
            base.join("service-account.yaml"),
            format!("apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: app-{i}\n"),
        )?;
        std::fs::write(
            overlay.join("kustomization.yaml"),
            format!(
                "namespace: team-{}\nnamePrefix: prod-\nresources:\n- ../../base\npatches:\n- path: replicas.yaml\nimages:\n- name: contoso.azurecr.io/app-{i}\n  newTag: 1.0.{i}\n",
                i % 20
            ),
        )?;
        std::fs::write(
            overlay.join("replicas.yaml"),
            format!(
                "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app-{i}\nspec:\n  replicas: 3\n  template:\n    spec:\n      containers:\n      - name: main\n        resources:\n          limits:\n            memory: 256Mi\n"
            ),
        )?;
        overlays.push(overlay);
    }
    Ok(overlays)
}

/// A fleet repo as lint and generate see it: [`write_synthetic_repo`]'s apps, each with a `dev` and a `prod`
/// overlay, one ClusterSecretStore app per environment (`platform/stores`), a config naming both environments and
/// an offline inventory per vault holding every key the apps read.
pub struct FleetRepo {
    pub overlays: Vec<PathBuf>,
    /// The app `generate` is timed on (repo-relative).
    pub app: PathBuf,
}

pub const FLEET_ENVS: [&str; 2] = ["dev", "prod"];

/// Writes a fleet repo of `apps` apps (2 overlays each, plus the 2 store overlays) under `root`.
pub fn write_fleet_repo(root: &Path, apps: usize) -> std::io::Result<FleetRepo> {
    write_synthetic_repo(root, apps)?;
    let mut overlays = Vec::with_capacity(apps * 2 + 2);
    for i in 0..apps {
        let app = root.join(format!("apps/app-{i:04}"));
        let prod = app.join("overlays/prod");
        let dev = app.join("overlays/dev");
        std::fs::create_dir_all(&dev)?;
        std::fs::write(
            dev.join("kustomization.yaml"),
            format!("namespace: team-{}\nnamePrefix: dev-\nresources:\n- ../../base\n", i % 20),
        )?;
        overlays.push(dev);
        overlays.push(prod);
    }
    let stores = root.join("platform/stores");
    std::fs::create_dir_all(stores.join("base"))?;
    std::fs::write(
        stores.join("base/kustomization.yaml"),
        "resources:\n- cluster-secret-store.yaml\n- service-account.yaml\n",
    )?;
    std::fs::write(
        stores.join("base/service-account.yaml"),
        "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: eso-keyvault-reader\n  namespace: external-secrets\n  annotations:\n    azure.workload.identity/client-id: 4a1d5c4f-903c-4166-b83f-6a262386c0de\n",
    )?;
    std::fs::write(
        stores.join("base/cluster-secret-store.yaml"),
        "apiVersion: external-secrets.io/v1\nkind: ClusterSecretStore\nmetadata:\n  name: azure-kv\nspec:\n  provider:\n    azurekv:\n      authType: WorkloadIdentity\n      tenantId: 9b05fdb9-40c0-4f4a-a654-386013ae7d6a\n      vaultUrl: https://kv-fleet.vault.azure.net/\n      serviceAccountRef:\n        name: eso-keyvault-reader\n        namespace: external-secrets\n",
    )?;
    let mut config = String::from("environments:\n");
    std::fs::create_dir_all(root.join("inventories"))?;
    for env in FLEET_ENVS {
        let overlay = stores.join("overlays").join(env);
        std::fs::create_dir_all(&overlay)?;
        std::fs::write(
            overlay.join("kustomization.yaml"),
            format!(
                "resources:\n- ../../base\npatches:\n- target:\n    kind: ClusterSecretStore\n  patch: |\n    - op: replace\n      path: /spec/provider/azurekv/vaultUrl\n      value: https://kv-fleet-{env}.vault.azure.net/\n"
            ),
        )?;
        overlays.push(overlay);
        let secrets: Vec<serde_json::Value> = (0..apps)
            .map(|i| {
                serde_json::json!({
                    "id": format!("https://kv-fleet-{env}.vault.azure.net/secrets/app-{i}-db-password"),
                    "name": format!("app-{i}-db-password"),
                    "attributes": {"enabled": true, "created": "2026-01-01T00:00:00+00:00",
                                   "updated": "2026-01-01T00:00:00+00:00", "expires": null, "notBefore": null},
                    "tags": {}
                })
            })
            .collect();
        std::fs::write(
            root.join(format!("inventories/{env}.json")),
            serde_json::to_string_pretty(&secrets).map_err(std::io::Error::other)?,
        )?;
        config.push_str(&format!(
            "- name: {env}\n  overlays: [\"apps/*/overlays/{env}\", \"platform/*/overlays/{env}\"]\n  vaultInventory: [inventories/{env}.json]\n"
        ));
    }
    // No Key Vault in a benchmark: generate is asked, explicitly, to read the inventories.
    config.push_str("generate:\n  versions: inventory\n");
    std::fs::write(root.join(crate::config::FILE_NAME), config)?;
    Ok(FleetRepo { overlays, app: PathBuf::from(format!("apps/app-{:04}/overlays/prod", apps / 2)) })
}

fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

pub fn run(overlays: usize, sample: usize) -> Result<String, String> {
    let tmp = tempfile::tempdir().map_err(|e| e.to_string())?;
    let dirs = write_synthetic_repo(tmp.path(), overlays).map_err(|e| e.to_string())?;
    let threads = rayon::current_num_threads();

    let start = Instant::now();
    let rendered: Result<Vec<usize>, String> = dirs
        .par_iter()
        .map(|d| kustomize::build(d, &BuildOptions::default()).map(|r| r.len()).map_err(|e| e.to_string()))
        .collect();
    let native_total = start.elapsed();
    let objects: usize = rendered?.iter().sum();
    let native_per = native_total.as_secs_f64() / overlays as f64;

    let (kubectl_per, sampled) = kubectl_per_overlay(&dirs, sample)?;

    let mut s = String::new();
    let _ = writeln!(
        s,
        "overlays rendered natively: {overlays} ({objects} objects) on {threads} threads in {:.3} s",
        native_total.as_secs_f64()
    );
    let _ = writeln!(s, "native per overlay:          {:.3} ms (wall time / overlays)", native_per * 1e3);
    let _ = writeln!(
        s,
        "kubectl kustomize per overlay: {:.1} ms (mean of {sampled} sampled overlays, sequential)",
        kubectl_per * 1e3
    );
    let _ = writeln!(s, "ratio (kubectl / native):    {:.0}x", kubectl_per / native_per);
    if let Some(kib) = peak_rss_kib() {
        let _ = writeln!(s, "peak memory (VmHWM):         {:.1} MiB", kib as f64 / 1024.0);
    }
    Ok(s)
}

/// Peak resident memory of the largest child process waited for so far, in KiB.
fn children_peak_rss_kib() -> u64 {
    // SAFETY: getrusage only writes the struct it is given.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    if unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) } != 0 {
        return 0;
    }
    usage.ru_maxrss.max(0) as u64
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Runs this binary as users do, in `cwd`; Err with its stderr when it fails.
fn run_self(args: &[&str], cwd: &Path, env: &[(&str, String)]) -> Result<f64, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let start = Instant::now();
    let out = std::process::Command::new(exe)
        .args(args)
        .current_dir(cwd)
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .output()
        .map_err(|e| e.to_string())?;
    let secs = start.elapsed().as_secs_f64();
    // lint exits 1 with findings; anything else is a failed run that must not be timed.
    if !matches!(out.status.code(), Some(0) | Some(1)) || out.status.code() == Some(1) && args[0] != "lint" {
        return Err(format!("{} failed: {}", args.join(" "), String::from_utf8_lossy(&out.stderr)));
    }
    Ok(secs)
}

/// The mean time of `kubectl kustomize` over `sample` of `dirs`, run one after another.
fn kubectl_per_overlay(dirs: &[PathBuf], sample: usize) -> Result<(f64, usize), String> {
    let sample = sample.min(dirs.len()).max(1);
    let step = (dirs.len() / sample).max(1);
    let start = Instant::now();
    let mut n = 0;
    for d in dirs.iter().step_by(step).take(sample) {
        let out = std::process::Command::new("kubectl")
            .arg("kustomize")
            .arg(d)
            .output()
            .map_err(|e| format!("kubectl: {e}"))?;
        if !out.status.success() {
            return Err(format!("kubectl kustomize {} failed: {}", d.display(), String::from_utf8_lossy(&out.stderr)));
        }
        n += 1;
    }
    Ok((start.elapsed().as_secs_f64() / n as f64, n))
}

/// Median wall time of whole-repo `lint --offline` in `repo` over `runs` runs, after one to warm the file cache (as
/// in CI after checkout).
fn time_lint(repo: &Path, runs: usize) -> Result<f64, String> {
    let arg = repo.display().to_string();
    let args = ["lint", "--offline", "-q", arg.as_str()];
    run_self(&args, repo, &[])?;
    let times: Result<Vec<f64>, String> = (0..runs.max(1)).map(|_| run_self(&args, repo, &[])).collect();
    Ok(median(times?))
}

/// Argo CD's environment for `generate` of `app` at one commit, with the context cache in `cache`.
fn generate_env(app: &Path, repo_url: &str, cache: &Path) -> Vec<(&'static str, String)> {
    vec![
        ("ARGOCD_APP_SOURCE_PATH", app.display().to_string()),
        ("ARGOCD_APP_NAME", "bench".into()),
        ("ARGOCD_APP_NAMESPACE", "team-bench".into()),
        ("ARGOCD_APP_SOURCE_REPO_URL", repo_url.into()),
        ("ARGOCD_APP_REVISION", "4f2c1e9d8b7a6c5d4e3f2a1b0c9d8e7f6a5b4c3d".into()),
        (crate::context::CACHE_DIR_VAR, cache.display().to_string()),
    ]
}

/// `generate` for `app` (repo-relative) in `repo` as Argo CD runs it: the first run at a commit (it renders the
/// environment and caches its index), then the median of `runs` more (warm file cache, index cached).
fn time_generate(repo: &Path, app: &Path, runs: usize, cache: &Path) -> Result<(f64, f64), String> {
    let cwd = repo.join(app);
    let env = generate_env(app, &format!("https://example.invalid/{}.git", repo.display()), cache);
    let first = run_self(&["generate"], &cwd, &env)?;
    let times: Result<Vec<f64>, String> = (0..runs).map(|_| run_self(&["generate"], &cwd, &env)).collect();
    Ok((first, median(times?)))
}

/// A repo holding only `app` of the fleet repo at `from` and what it needs: its base, the stores, the config and
/// the inventories.
fn write_solo_repo(from: &Path, to: &Path, app: &Path) -> std::io::Result<()> {
    let app_root = app.ancestors().nth(2).unwrap_or(app);
    for part in [app_root, Path::new("platform"), Path::new("inventories"), Path::new(crate::config::FILE_NAME)] {
        for entry in walkdir::WalkDir::new(from.join(part)) {
            let entry = entry?;
            let rel = entry.path().strip_prefix(from).map_err(std::io::Error::other)?;
            if entry.file_type().is_dir() {
                std::fs::create_dir_all(to.join(rel))?;
            } else {
                std::fs::create_dir_all(to.join(rel).parent().unwrap_or(to))?;
                std::fs::copy(entry.path(), to.join(rel))?;
            }
        }
    }
    Ok(())
}

fn git(repo: &Path, args: &[&str]) -> Result<(), String> {
    let out = std::process::Command::new("git")
        .args(["-c", "user.name=bench", "-c", "user.email=bench@example.invalid", "-c", "commit.gpgsign=false"])
        .args(args)
        .current_dir(repo)
        .output()
        .map_err(|e| format!("git: {e}"))?;
    if !out.status.success() {
        return Err(format!("git {}: {}", args.join(" "), String::from_utf8_lossy(&out.stderr)));
    }
    Ok(())
}

pub struct LintBench {
    pub overlays: usize,
    /// Timed lint runs per repo (the median is printed).
    pub lint_runs: usize,
    /// A second, larger fleet whose lint time is compared with the first's (how the cost grows).
    pub scale_to: Option<usize>,
    pub sample: usize,
    pub generate_runs: usize,
    pub diff: bool,
    pub keep: Option<PathBuf>,
}

/// `bench-lint`: what users run, timed as whole processes on a synthetic fleet repo of `overlays` overlays:
/// whole-repo `lint --offline`, one app's `generate` (against the same app in a repo of only it and its stores),
/// and `diff` of a one-file change; `kubectl kustomize` timed on a sample of the same overlays in the same run.
pub fn run_lint(opts: &LintBench) -> Result<String, String> {
    let LintBench { overlays, sample, generate_runs, diff: with_diff, .. } = *opts;
    let tmp = tempfile::tempdir().map_err(|e| e.to_string())?;
    let work = opts.keep.clone().unwrap_or_else(|| tmp.path().to_path_buf());
    if work.join("fleet").exists() {
        return Err(format!("{} already exists", work.join("fleet").display()));
    }
    let repo = work.join("fleet");
    let apps = (overlays.saturating_sub(FLEET_ENVS.len()) / FLEET_ENVS.len()).max(1);
    let fleet = write_fleet_repo(&repo, apps).map_err(|e| e.to_string())?;
    let n = fleet.overlays.len();
    let mut s = String::new();
    let _ = writeln!(s, "fleet repo: {apps} apps x {} environments + stores = {n} overlays", FLEET_ENVS.len());

    let repo_arg = repo.display().to_string();
    let lint = time_lint(&repo, opts.lint_runs)?;
    let lint_rss = children_peak_rss_kib();
    let (kubectl, sampled) = kubectl_per_overlay(&fleet.overlays, sample)?;
    let lint_per = lint / n as f64;
    let _ = writeln!(
        s,
        "lint --offline, whole repo:  {lint:.3} s ({:.3} ms per overlay; median of {})",
        lint_per * 1e3,
        opts.lint_runs.max(1)
    );
    let _ = writeln!(s, "lint peak memory (maxrss):   {:.1} MiB", lint_rss as f64 / 1024.0);
    let _ =
        writeln!(s, "kubectl kustomize:           {:.1} ms per overlay (mean of {sampled}, sequential)", kubectl * 1e3);
    let _ = writeln!(s, "ratio per overlay (kubectl / lint): {:.0}x", kubectl / lint_per);

    let solo = work.join("solo");
    write_solo_repo(&repo, &solo, &fleet.app).map_err(|e| e.to_string())?;
    let cache = work.join("cache");
    let (first, in_fleet) = time_generate(&repo, &fleet.app, generate_runs, &cache)?;
    let (_, alone) = time_generate(&solo, &fleet.app, generate_runs, &cache)?;
    let _ = writeln!(
        s,
        "generate {} (median of {generate_runs}): {:.1} ms in the fleet repo, {:.1} ms alone with its stores: {:.2}x",
        fleet.app.display(),
        in_fleet * 1e3,
        alone * 1e3,
        in_fleet / alone
    );
    let _ = writeln!(
        s,
        "generate, first app at a commit (renders the environment, caches its index): {:.1} ms",
        first * 1e3
    );

    if let Some(bigger) = opts.scale_to {
        let big_repo = work.join(format!("fleet-{bigger}"));
        let apps = (bigger.saturating_sub(FLEET_ENVS.len()) / FLEET_ENVS.len()).max(1);
        let big = write_fleet_repo(&big_repo, apps).map_err(|e| e.to_string())?;
        // The two sizes are timed in turns, so that the machine's drift between two series (a shared VM's) weighs on
        // both alike: the ratio is of the medians of the same stretch of time.
        let lint_of = |dir: &Path| run_self(&["lint", "--offline", "-q", &dir.display().to_string()], dir, &[]);
        lint_of(&repo)?;
        lint_of(&big_repo)?;
        let (mut small_times, mut big_times) = (Vec::new(), Vec::new());
        for _ in 0..opts.lint_runs.max(1) {
            small_times.push(lint_of(&repo)?);
            big_times.push(lint_of(&big_repo)?);
        }
        let (small_lint, big_lint) = (median(small_times), median(big_times));
        let big_rss = children_peak_rss_kib();
        let _ = writeln!(
            s,
            "lint at {} overlays: {big_lint:.3} s, {:.2}x the {n}-overlay time ({small_lint:.3} s, timed in turns with \
             it) for {:.2}x the overlays; peak memory {:.1} MiB",
            big.overlays.len(),
            big_lint / small_lint,
            big.overlays.len() as f64 / n as f64,
            big_rss as f64 / 1024.0
        );
    }

    if with_diff {
        git(&repo, &["init", "-q", "-b", "main"])?;
        git(&repo, &["add", "-A"])?;
        git(&repo, &["commit", "-q", "-m", "fleet"])?;
        let patch = repo.join(&fleet.app).join("replicas.yaml");
        let text = std::fs::read_to_string(&patch).map_err(|e| e.to_string())?;
        std::fs::write(&patch, text.replace("replicas: 3", "replicas: 4")).map_err(|e| e.to_string())?;
        // Warmed like lint: once, then timed (the first run after a commit also refreshes git's index).
        let args = ["diff", "--offline", "-q", "--base", "HEAD", &repo_arg];
        let cold = run_self(&args, &repo, &[])?;
        // Timed in turns with whole-repo lint, for the reason the two fleet sizes are.
        let lint_args = ["lint", "--offline", "-q", repo_arg.as_str()];
        let (mut diffs, mut lints) = (Vec::new(), Vec::new());
        for _ in 0..opts.lint_runs.max(1) {
            diffs.push(run_self(&args, &repo, &[])?);
            lints.push(run_self(&lint_args, &repo, &[])?);
        }
        let (diff, lint_now) = (median(diffs), median(lints));
        let _ = writeln!(
            s,
            "diff of a one-file change:   {diff:.3} s ({:.2}x one whole-repo lint, {lint_now:.3} s, timed in turns with \
             it; median of {}; first run {cold:.3} s)",
            diff / lint_now,
            opts.lint_runs.max(1)
        );
    }
    Ok(s)
}

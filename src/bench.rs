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

    let sample = sample.min(dirs.len()).max(1);
    let step = (dirs.len() / sample).max(1);
    let start = Instant::now();
    let mut sampled = 0;
    for d in dirs.iter().step_by(step).take(sample) {
        let out = std::process::Command::new("kubectl")
            .arg("kustomize")
            .arg(d)
            .output()
            .map_err(|e| format!("kubectl: {e}"))?;
        if !out.status.success() {
            return Err(format!("kubectl kustomize {} failed: {}", d.display(), String::from_utf8_lossy(&out.stderr)));
        }
        sampled += 1;
    }
    let kubectl_per = start.elapsed().as_secs_f64() / sampled as f64;

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

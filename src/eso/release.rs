//! Which External Secrets Operator release the clusters run, and so which API versions they serve.
//!
//! ESO 0.16.0 started serving `external-secrets.io/v1` next to `v1beta1`; 0.17.0 stopped serving `v1beta1` (its
//! release notes: "v0.17.0 Stops serving v1beta1 apis"). A repository pinned to an older chart therefore must keep
//! `v1beta1`, and telling it to move to `v1` would break it.

use crate::config::{Config, EsoVersion};
use serde::{Deserialize, Serialize};
use serde_yaml::Value;
use std::path::Path;

/// A release and where it was learnt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EsoRelease {
    pub version: EsoVersion,
    /// `esoVersion in .argocd-eso-plugin.yaml`, or the repo-relative file naming the chart.
    pub source: String,
}

impl EsoRelease {
    pub fn label(&self) -> String {
        self.version.to_string()
    }

    /// Whether this release serves `external-secrets.io/<api_version>`; None when the CRDs shipped with this tool
    /// (the latest) decide.
    pub fn serves(&self, api_version: &str) -> Option<bool> {
        match (self.version, api_version) {
            (v, "v1") if v < EsoVersion(0, 16, 0) => Some(false),
            (v, "v1beta1") if v < EsoVersion(0, 17, 0) => Some(true),
            _ => None,
        }
    }
}

/// The release from the config, else the one the repository installs (the lowest, when it names several), else
/// None (the latest).
pub fn of_repository(repo: &Path, config: &Config) -> Option<EsoRelease> {
    if config.eso_version.is_some() {
        return of_docs(config, &[]);
    }
    of_docs(config, &crate::scan::platform_docs(repo, &[NEEDLE]))
}

/// What a platform document must mention to install ESO.
pub const NEEDLE: &str = "external-secrets";

/// [`of_repository`] from documents already read (`scan::platform_docs` with [`NEEDLE`] among its needles).
pub fn of_docs(config: &Config, docs: &[crate::scan::PlatformDoc]) -> Option<EsoRelease> {
    if let Some(v) = config.eso_version {
        return Some(EsoRelease { version: v, source: format!("esoVersion in {}", crate::config::FILE_NAME) });
    }
    detect(docs)
}

/// Which API versions a release serves: before 0.16, 0.16.x, from 0.17 (see [`EsoRelease::serves`]).
fn band(v: EsoVersion) -> u8 {
    if v < EsoVersion(0, 16, 0) {
        0
    } else if v < EsoVersion(0, 17, 0) {
        1
    } else {
        2
    }
}

/// The release the repository installs. Several chart versions that serve the same API versions decide as one (the
/// lowest is named); versions that disagree do not decide anything: a catalog entry or a stale template must not
/// turn a correct repository's apiVersions into errors (seen in a real repository: a Flux catalog file at 0.11.0
/// beside the kustomization that installs 0.20.4). `esoVersion` settles it.
fn detect(docs: &[crate::scan::PlatformDoc]) -> Option<EsoRelease> {
    let mut found: Vec<(EsoVersion, String)> =
        docs.iter().flat_map(|d| chart_versions(&d.doc).into_iter().map(move |v| (v, d.file.clone()))).collect();
    found.sort();
    let (lowest, source) = found.first()?.clone();
    let (highest, highest_source) = found.last()?.clone();
    if band(lowest) != band(highest) {
        tracing::info!(
            "external-secrets chart versions disagree on the API versions they serve ({lowest} in {source}, \
             {highest} in {highest_source}): the latest release is assumed; set esoVersion in {} to say which the \
             clusters run",
            crate::config::FILE_NAME
        );
        return None;
    }
    let source =
        if found.len() > 1 { format!("{source} (the lowest of {} chart versions found)", found.len()) } else { source };
    Some(EsoRelease { version: lowest, source })
}

/// The external-secrets chart versions one document installs: an Argo CD Application or ApplicationSet template
/// (`source`/`sources` with `chart: external-secrets`, `targetRevision`), a Flux HelmRelease (`spec.chart.spec`), a
/// kustomization's `helmCharts`.
fn chart_versions(doc: &Value) -> Vec<EsoVersion> {
    let s = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
    let is_eso =
        |name: Option<String>| name.is_some_and(|n| n == "external-secrets" || n.ends_with("/external-secrets"));
    let mut out = Vec::new();
    let mut sources = |spec: Option<&Value>| {
        let Some(spec) = spec else { return };
        let list: Vec<&Value> = spec
            .get("sources")
            .and_then(Value::as_sequence)
            .map(|l| l.iter().collect::<Vec<_>>())
            .unwrap_or_default()
            .into_iter()
            .chain(spec.get("source"))
            .collect();
        for src in list {
            if is_eso(s(src, "chart")) {
                out.extend(s(src, "targetRevision").and_then(|t| EsoVersion::parse(&t)));
            }
        }
    };
    match doc.get("kind").and_then(Value::as_str) {
        Some("Application") => sources(doc.get("spec")),
        Some("ApplicationSet") => sources(doc.get("spec").and_then(|s| s.get("template")).and_then(|t| t.get("spec"))),
        Some("HelmRelease") => {
            if let Some(chart) = doc.get("spec").and_then(|s| s.get("chart")).and_then(|c| c.get("spec"))
                && is_eso(s(chart, "chart"))
            {
                out.extend(s(chart, "version").and_then(|t| EsoVersion::parse(&t)));
            }
        }
        _ => {}
    }
    for chart in doc.get("helmCharts").and_then(Value::as_sequence).into_iter().flatten() {
        if is_eso(s(chart, "name")) {
            out.extend(s(chart, "version").and_then(|t| EsoVersion::parse(&t)));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn versions(yaml: &str) -> Vec<String> {
        chart_versions(&serde_yaml::from_str(yaml).unwrap()).iter().map(ToString::to_string).collect()
    }

    #[test]
    fn the_chart_version_is_read_where_each_tool_writes_it() {
        assert_eq!(
            versions(
                "kind: Application\nspec:\n  source: {repoURL: 'https://charts.external-secrets.io', chart: external-secrets, targetRevision: 0.9.11}\n"
            ),
            ["0.9.11"]
        );
        assert_eq!(
            versions(
                "kind: Application\nspec:\n  sources:\n  - {chart: external-secrets, targetRevision: v0.16.2}\n  - {repoURL: x, path: values}\n"
            ),
            ["0.16.2"]
        );
        assert_eq!(
            versions(
                "kind: HelmRelease\nspec:\n  chart:\n    spec: {chart: external-secrets, version: '0.10.4', sourceRef: {kind: HelmRepository, name: eso}}\n"
            ),
            ["0.10.4"]
        );
        assert_eq!(
            versions(
                "helmCharts:\n- {name: external-secrets, version: 0.14.0, repo: 'https://charts.external-secrets.io'}\n"
            ),
            ["0.14.0"]
        );
        assert!(
            versions("kind: Application\nspec:\n  source: {chart: external-secrets, targetRevision: '0.9.*'}\n")
                .is_empty()
        );
        assert!(
            versions("kind: Application\nspec:\n  source: {chart: cert-manager, targetRevision: 1.14.0}\n").is_empty()
        );
    }

    /// A real repository (chezmoidotsh/arcane) keeps a Flux catalog HelmRelease at 0.11.0 beside the kustomization
    /// that installs 0.20.4: versions that disagree on the served API versions decide nothing (before: the lowest
    /// won, and 11 correct `v1` objects were errors). Versions that agree decide as one.
    #[test]
    fn disagreeing_chart_versions_decide_nothing() {
        let doc = |file: &str, version: &str| crate::scan::PlatformDoc {
            file: file.into(),
            doc: serde_yaml::from_str(&format!("helmCharts:\n- {{name: external-secrets, version: {version}}}\n"))
                .unwrap(),
        };
        let docs = [doc("catalog/eso.helm.yaml", "0.11.0"), doc("cluster/eso/kustomization.yaml", "0.20.4")];
        assert_eq!(detect(&docs), None);
        let docs = [doc("a/kustomization.yaml", "0.9.12"), doc("b/kustomization.yaml", "0.9.11")];
        let found = detect(&docs).unwrap();
        assert_eq!(
            (found.label(), found.source.as_str()),
            ("0.9.11".to_string(), "b/kustomization.yaml (the lowest of 2 chart versions found)")
        );
        assert_eq!(
            detect(&[doc("x/kustomization.yaml", "0.18.0"), doc("y/kustomization.yaml", "0.20.4")]).unwrap().label(),
            "0.18.0"
        );
    }

    #[test]
    fn served_api_versions_follow_the_release() {
        let at = |a, b, c| EsoRelease { version: EsoVersion(a, b, c), source: String::new() };
        assert_eq!(at(0, 9, 11).serves("v1"), Some(false));
        assert_eq!(at(0, 9, 11).serves("v1beta1"), Some(true));
        assert_eq!(at(0, 16, 2).serves("v1"), None);
        assert_eq!(at(0, 16, 2).serves("v1beta1"), Some(true));
        assert_eq!(at(0, 17, 0).serves("v1beta1"), None);
        // The context index stores it and reads it back.
        let json = serde_json::to_string(&at(0, 9, 11)).unwrap();
        assert_eq!(serde_json::from_str::<EsoRelease>(&json).unwrap(), at(0, 9, 11));
    }
}

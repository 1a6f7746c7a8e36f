//! ESO002: the object uses an ESO API version the operator no longer serves.

use super::{RawFinding, Rule, Severity};
use crate::eso::{EsoKind, crds};

pub const RULE: Rule = Rule {
    code: "ESO002",
    name: "unserved-api-version",
    severity: Severity::Error,
    summary: "an ESO object uses an API version that is not served (external-secrets.io/v1beta1)",
    explanation: "ESO's CRDs mark `v1beta1` `served: false` (config/crds/bases/external-secrets.io_externalsecrets.yaml). \
`external-secrets.io/v1beta1` has not been served since ESO v0.17.0 (May 2025): the API server \
rejects such objects. Most manifests written from older articles use it. The v1 schema is compatible for the fields \
an Azure Key Vault setup uses, so the fix is usually only the apiVersion line. The release the clusters run decides: \
`esoVersion` in `.argocd-eso-plugin.yaml`, else the external-secrets chart version the repository installs (an Argo \
CD Application or ApplicationSet, a Flux HelmRelease, a kustomization's helmCharts; the lowest when several), else \
the latest. ESO before 0.16.0 serves `v1beta1` and not `v1`, 0.16.x serves both, 0.17.0 and later only `v1` \
(`eso::release`).\n\n\
Example:\n\n\
\x20   apiVersion: external-secrets.io/v1beta1   # ESO002: use external-secrets.io/v1\n    kind: ExternalSecret\n",
    check,
};

fn check<'a>(env: &super::EnvView<'a>) -> Vec<RawFinding<'a>> {
    let mut out = Vec::new();
    for r in env.resources {
        if EsoKind::of(r).is_none() {
            continue;
        }
        let Some(crd) = crds::crd_for(r.kind()) else { continue };
        let version = r.gvk().version;
        // The release the repository pins decides where it is known (esoVersion, or the chart it installs).
        if let Some(release) = env.eso {
            match release.serves(&version) {
                Some(true) => continue,
                Some(false) => {
                    out.push(RawFinding::at(
                        r,
                        "apiVersion",
                        format!(
                            "{}/{version} is not served by External Secrets Operator {} (from {}): it is served from 0.16.0",
                            crd.group,
                            release.label(),
                            release.source
                        ),
                        format!("use `apiVersion: {}/v1beta1` until the clusters run ESO 0.16 or later", crd.group),
                    ));
                    continue;
                }
                None => {}
            }
        }
        if crd.versions.iter().any(|v| v.name == version && v.served) {
            continue;
        }
        let served: Vec<&str> = crd.versions.iter().filter(|v| v.served).map(|v| v.name.as_str()).collect();
        let Some(current) = served.first() else { continue };
        let since = match env.eso {
            Some(release) => format!("ESO {} (from {}) serves only {current}", release.label(), release.source),
            None => "since v0.17.0; set esoVersion in .argocd-eso-plugin.yaml if the clusters run an older release"
                .to_string(),
        };
        out.push(RawFinding::at(
            r,
            "apiVersion",
            format!("{}/{version} is not served by the External Secrets Operator ({since})", crd.group),
            format!(
                "use `apiVersion: {}/{current}`; the {} fields keep their meaning in {current}",
                crd.group,
                r.kind()
            ),
        ));
    }
    out
}

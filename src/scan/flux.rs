//! Flux as a source of truth for what is deployed where: a Flux `Kustomization` (kustomize.toolkit.fluxcd.io)
//! applies `spec.path` of its source to the cluster whose folder holds it (`clusters/<cluster>/apps.yaml`, the
//! layout `flux bootstrap` writes), into `spec.targetNamespace` when set (kustomize-controller's
//! `Kustomization.Spec.TargetNamespace`, which sets the namespace of every namespaced object it applies).
//!
//! Before it builds, kustomize-controller writes some of the Kustomization's fields into the directory's
//! kustomization (fluxcd/pkg `kustomize/kustomize_generator.go`, `GenerateManifest`): `targetNamespace` as
//! `namespace`, `namePrefix`, `nameSuffix`, `patches` appended, `components` added. These are the same edits as
//! Argo CD's options and are made the same way; `images`, the deprecated patch fields and `commonMetadata` are
//! merged by rules of Flux's own, and a Kustomization that sets them is checked without its edits (said).

use super::PlatformDoc;
use super::argocd::Deployment;
use crate::kustomize::edit::Edits;
use serde_yaml::Value;
use std::path::Path;

/// What a Flux Kustomization contains, to find its file among the platform documents.
pub const NEEDLE: &str = "kustomize.toolkit.fluxcd.io";

/// The deployments of the Flux Kustomizations among `docs` whose source is a GitRepository (this repository, as
/// far as can be told here; a path that is not in it is left out by the caller).
pub fn kustomizations(docs: &[PlatformDoc]) -> (Vec<Deployment>, Vec<String>) {
    let mut out = Vec::new();
    let mut skipped = Vec::new();
    for d in docs {
        let api = d.doc.get("apiVersion").and_then(Value::as_str).unwrap_or_default();
        if !api.starts_with("kustomize.toolkit.fluxcd.io/")
            || d.doc.get("kind").and_then(Value::as_str) != Some("Kustomization")
        {
            continue;
        }
        let name = d.doc.get("metadata").and_then(|m| m.get("name")).and_then(Value::as_str).unwrap_or("?");
        let declared = format!("{}: Flux Kustomization '{name}'", d.file);
        let Some(spec) = d.doc.get("spec") else { continue };
        let source =
            spec.get("sourceRef").and_then(|s| s.get("kind")).and_then(Value::as_str).unwrap_or("GitRepository");
        if source != "GitRepository" {
            skipped.push(format!("{declared}: its sourceRef is a {source}, not a GitRepository of this repository"));
            continue;
        }
        let path = spec.get("path").and_then(Value::as_str).unwrap_or(".");
        let kustomize = flux_edits(spec);
        out.push(Deployment {
            app: name.to_string(),
            path: crate::files::normalize(Path::new(path.trim_start_matches('/'))),
            cluster: cluster_of(&d.file),
            namespace: spec
                .get("targetNamespace")
                .and_then(Value::as_str)
                .filter(|n| !n.is_empty())
                .map(str::to_string),
            file: d.file.clone(),
            repo_url: None,
            declared,
            kustomize,
            directory: None,
            by_flux: true,
        });
    }
    (out, skipped)
}

/// The edits kustomize-controller makes to the directory's kustomization for `spec` (`GenerateManifest`).
fn flux_edits(spec: &Value) -> Result<Edits, String> {
    let unmirrored: Vec<&str> = ["images", "patchesStrategicMerge", "patchesJson6902", "commonMetadata"]
        .into_iter()
        .filter(|f| spec.get(*f).is_some_and(|v| !v.is_null()))
        .collect();
    if !unmirrored.is_empty() {
        return Err(format!("Flux merges {} by rules of its own, not mirrored here", unmirrored.join(", ")));
    }
    let text = |f: &str| spec.get(f).and_then(Value::as_str).filter(|s| !s.is_empty()).map(str::to_string);
    let patches = spec
        .get("patches")
        .and_then(Value::as_sequence)
        .into_iter()
        .flatten()
        // Only the patch and its target are carried over (`kustypes.Patch{Patch, Target}`).
        .map(|p| crate::kustomize::edit::patch_fields(p, &["patch", "target"]))
        .collect();
    let components: Vec<String> = spec
        .get("components")
        .and_then(Value::as_sequence)
        .into_iter()
        .flatten()
        .filter_map(|c| c.as_str().map(str::to_string))
        .collect();
    Ok(Edits {
        namespace: text("targetNamespace"),
        name_prefix: text("namePrefix"),
        name_suffix: text("nameSuffix"),
        patches,
        components,
        ignore_missing_components: spec.get("ignoreMissingComponents").and_then(Value::as_bool).unwrap_or(false),
        ..Default::default()
    })
}

/// The cluster a Flux manifest file is applied to: the folder after `clusters/` (`clusters/production/apps.yaml`),
/// else the file's folder.
fn cluster_of(file: &str) -> String {
    let parts: Vec<&str> = file.split('/').collect();
    match parts.iter().position(|p| *p == "clusters") {
        Some(i) if i + 2 < parts.len() => parts[i + 1].to_string(),
        _ => parts[..parts.len().saturating_sub(1)].join("/"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flux_kustomization_deploys_its_path_to_the_cluster_of_its_folder() {
        let doc = |file: &str, yaml: &str| PlatformDoc { file: file.into(), doc: serde_yaml::from_str(yaml).unwrap() };
        let (found, skipped) = kustomizations(&[
            doc(
                "clusters/production/apps.yaml",
                "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: apps}\nspec:\n  path: ./apps/production\n  sourceRef: {kind: GitRepository, name: flux-system}\n  targetNamespace: podinfo\n",
            ),
            doc(
                "clusters/production/oci.yaml",
                "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: oci}\nspec:\n  path: ./\n  sourceRef: {kind: OCIRepository, name: manifests}\n",
            ),
        ]);
        assert_eq!(found.len(), 1);
        assert_eq!(
            (found[0].cluster.as_str(), found[0].path.to_str().unwrap(), found[0].namespace.as_deref()),
            ("production", "apps/production", Some("podinfo"))
        );
        assert!(skipped[0].contains("OCIRepository"), "{skipped:?}");
        // targetNamespace is written into the kustomization as its namespace, before the build.
        assert_eq!(found[0].kustomize, Ok(Edits { namespace: Some("podinfo".into()), ..Default::default() }));
        let images = flux_edits(&serde_yaml::from_str("images: [{name: podinfo, newTag: '6'}]").unwrap());
        assert!(images.unwrap_err().contains("images"));
        assert_eq!(cluster_of("infra/flux.yaml"), "infra");
    }
}

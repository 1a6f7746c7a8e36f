//! The CRD schemas carried in the binary are exactly the ones of the reference ESO CRDs (v2.9.0), with
//! descriptions dropped. Regenerate them with `UPDATE_ESO_SCHEMAS=1 cargo test --test eso_schemas`.

mod support;

use argocd_eso_plugin::eso::crds;
use std::path::Path;

#[test]
fn embedded_schemas_match_the_reference_crds() {
    let reference = support::shared_dir().join("reference/eso-crds");
    for name in crds::CRD_FILES {
        let text = std::fs::read_to_string(reference.join(format!("{name}.yaml"))).unwrap();
        let crd: serde_json::Value = serde_yaml::from_str(&text).unwrap();
        let extracted = crds::extract(&crd);
        if std::env::var_os("UPDATE_ESO_SCHEMAS").is_some() {
            let out = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("schemas/eso/{name}.json"));
            std::fs::write(out, serde_json::to_string(&extracted).unwrap()).unwrap();
            continue;
        }
        let embedded: serde_json::Value = serde_json::from_str(crds::embedded_json(name).unwrap()).unwrap();
        assert_eq!(embedded, extracted, "schemas/eso/{name}.json is out of date");
    }
}

#[test]
fn served_versions_are_known() {
    let es = crds::crd_for("ExternalSecret").unwrap();
    let served: Vec<&str> = es.versions.iter().filter(|v| v.served).map(|v| v.name.as_str()).collect();
    assert_eq!(served, vec!["v1"]);
    assert!(es.versions.iter().any(|v| v.name == "v1beta1" && !v.served));
    assert_eq!(crds::crd_for("PushSecret").unwrap().versions.iter().find(|v| v.served).unwrap().name, "v1alpha1");
    assert_eq!(crds::crd_for("ClusterSecretStore").unwrap().scope, "Cluster");
}

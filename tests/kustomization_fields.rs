//! Refuse by name, never ignore: every field of kustomize's `Kustomization` type (kubernetes-sigs/kustomize,
//! api/types/kustomization.go, the `json` tags of `Kustomization`), and the options of replacements and patches,
//! either renders exactly as `kubectl kustomize` renders it or is refused with an error that names the field.
//! A field this renderer does not know would otherwise be dropped in silence, changing the output.

use std::path::Path;
use std::process::Command;

fn write(dir: &Path, name: &str, text: &str) {
    let p = dir.join(name);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

const CM: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  a: b\n";

/// The tree every case shares: `app/` (the kustomization under test), a base, a component and helper files.
fn tree(dir: &Path, field_yaml: &str) {
    write(dir, "app/kustomization.yaml", &format!("resources:\n- cm.yaml\n- deploy.yaml\n{field_yaml}"));
    write(dir, "app/cm.yaml", CM);
    write(
        dir,
        "app/deploy.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 1\n  template:\n    spec:\n      containers:\n      - name: c\n        image: nginx\n",
    );
    write(dir, "app/patch.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  c: d\n");
    write(dir, "app/conf.yaml", "namePrefix:\n- path: metadata/name\n");
    write(dir, "app/crd.json", "{}\n");
    write(
        dir,
        "app/gen.yaml",
        "apiVersion: builtin\nkind: ConfigMapGenerator\nmetadata:\n  name: g\nliterals:\n- x=y\n",
    );
    write(
        dir,
        "app/tr.yaml",
        "apiVersion: builtin\nkind: LabelTransformer\nmetadata:\n  name: l\nlabels:\n  t: x\nfieldSpecs:\n- path: metadata/labels\n  create: true\n",
    );
    write(dir, "app/val.yaml", "apiVersion: example.com/v1\nkind: Validator\nmetadata:\n  name: v\n");
    write(dir, "base/kustomization.yaml", "resources:\n- other.yaml\n");
    write(dir, "base/other.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: other\n");
    write(
        dir,
        "comp/kustomization.yaml",
        "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\ncommonAnnotations:\n  from: component\n",
    );
}

/// (field, YAML that sets it): api/types/kustomization.go, in the order of its json tags.
const FIELDS: &[(&str, &str)] = &[
    ("apiVersion", "apiVersion: kustomize.config.k8s.io/v1beta1\n"),
    ("kind", "kind: Kustomization\n"),
    ("metadata", "metadata:\n  name: app\n"),
    ("openapi", "openapi:\n  version: v1.21.2\n"),
    ("namePrefix", "namePrefix: p-\n"),
    ("nameSuffix", "nameSuffix: -s\n"),
    ("namespace", "namespace: ns\n"),
    ("commonLabels", "commonLabels:\n  app: x\n"),
    ("labels", "labels:\n- pairs:\n    app: x\n  includeSelectors: true\n  includeTemplates: true\n"),
    ("commonAnnotations", "commonAnnotations:\n  note: x\n"),
    ("patchesStrategicMerge", "patchesStrategicMerge:\n- patch.yaml\n"),
    (
        "patchesJson6902",
        "patchesJson6902:\n- target:\n    version: v1\n    kind: ConfigMap\n    name: cm\n  patch: '[{\"op\": \"add\", \"path\": \"/data/j\", \"value\": \"k\"}]'\n",
    ),
    ("patches", "patches:\n- path: patch.yaml\n  options:\n    allowNameChange: true\n"),
    ("images", "images:\n- name: nginx\n  newTag: \"1.2\"\n"),
    ("imageTags", "imageTags:\n- name: nginx\n  newTag: \"1.2\"\n"),
    (
        "replacements",
        "replacements:\n- source:\n    kind: ConfigMap\n    name: cm\n    fieldPath: data.a\n  targets:\n  - select:\n      kind: ConfigMap\n    fieldPaths:\n    - data.copy\n    options:\n      create: true\n",
    ),
    (
        "replacements.options.delimiter",
        "replacements:\n- source:\n    kind: ConfigMap\n    name: cm\n    fieldPath: data.a\n  targets:\n  - select:\n      kind: ConfigMap\n      name: cm\n    fieldPaths:\n    - data.a\n    options:\n      delimiter: '-'\n      index: 0\n",
    ),
    ("replicas", "replicas:\n- name: web\n  count: 2\n"),
    (
        "vars",
        "vars:\n- name: A\n  objref:\n    kind: ConfigMap\n    name: cm\n    apiVersion: v1\n  fieldref:\n    fieldpath: data.a\n",
    ),
    ("sortOptions", "sortOptions:\n  order: fifo\n"),
    // Continues the shared tree's `resources:` list.
    ("resources", "- ../base\n"),
    ("components", "components:\n- ../comp\n"),
    ("crds", "crds:\n- crd.json\n"),
    ("bases", "bases:\n- ../base\n"),
    (
        "configMapGenerator",
        "configMapGenerator:\n- name: gen\n  literals:\n  - a=b\n  options:\n    disableNameSuffixHash: true\n",
    ),
    ("secretGenerator", "secretGenerator:\n- name: sec\n  literals:\n  - a=b\n  type: Opaque\n"),
    ("helmGlobals", "helmGlobals:\n  chartHome: charts\n"),
    ("helmCharts", "helmCharts:\n- name: chart\n  version: 1.0.0\n"),
    ("helmChartInflationGenerator", "helmChartInflationGenerator:\n- chartName: chart\n"),
    ("generatorOptions", "generatorOptions:\n  disableNameSuffixHash: true\n  labels:\n    g: x\n"),
    ("configurations", "configurations:\n- conf.yaml\n"),
    ("generators", "generators:\n- gen.yaml\n"),
    ("transformers", "transformers:\n- tr.yaml\n"),
    ("validators", "validators:\n- val.yaml\n"),
    ("buildMetadata", "buildMetadata:\n- originAnnotations\n- managedByLabel\n"),
];

#[test]
fn every_kustomization_field_renders_like_kubectl_or_is_refused_by_name() {
    let (mut refused, mut both_fail) = (Vec::new(), Vec::new());
    for (field, yaml) in FIELDS {
        let t = tempfile::tempdir().unwrap();
        tree(t.path(), yaml);
        let app = t.path().join("app");
        let oracle = Command::new("kubectl").arg("kustomize").arg(&app).output().expect("kubectl (the oracle)");
        let ours = Command::new(env!("CARGO_BIN_EXE_argocd-eso-plugin"))
            .args(["render", "--plain"])
            .arg(&app)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&ours.stderr);
        let name = field.split('.').next().unwrap();
        if ours.status.success() {
            assert!(
                oracle.status.success(),
                "{field}: we render, kubectl fails: {}",
                String::from_utf8_lossy(&oracle.stderr)
            );
            assert_eq!(
                String::from_utf8_lossy(&ours.stdout),
                String::from_utf8_lossy(&oracle.stdout),
                "{field}: output differs from kubectl kustomize"
            );
        } else if oracle.status.success() {
            assert!(stderr.contains(name), "{field}: refused without naming the field: {stderr}");
            refused.push(*field);
        } else {
            // kubectl fails too (helm charts need --enable-helm and a helm binary): an error either way.
            both_fail.push(*field);
        }
    }
    println!("refused by name: {refused:?}; failing in kubectl as well: {both_fail:?}");
    let rendered = FIELDS.len() - refused.len() - both_fail.len();
    assert!(rendered >= 30, "only {rendered} of {} fields render like kubectl", FIELDS.len());
}

#[test]
fn unknown_fields_and_options_are_errors_that_name_them() {
    for (yaml, name) in [
        ("namePrefx: p-\n", "namePrefx"),
        (
            "replacements:\n- source:\n    kind: ConfigMap\n    name: cm\n    fieldPath: data.a\n  targets:\n  - select:\n      kind: ConfigMap\n    fieldPaths: [data.b]\n    options:\n      delimter: '-'\n",
            "delimter",
        ),
        ("images:\n- name: nginx\n  newTags: x\n", "newTags"),
        ("configMapGenerator:\n- name: g\n  literal: [a=b]\n", "literal"),
    ] {
        let t = tempfile::tempdir().unwrap();
        tree(t.path(), yaml);
        let ours = Command::new(env!("CARGO_BIN_EXE_argocd-eso-plugin"))
            .args(["render", "--plain"])
            .arg(t.path().join("app"))
            .output()
            .unwrap();
        assert!(!ours.status.success(), "{name}: accepted in silence");
        let stderr = String::from_utf8_lossy(&ours.stderr);
        assert!(stderr.contains(name), "{name}: {stderr}");
    }
}

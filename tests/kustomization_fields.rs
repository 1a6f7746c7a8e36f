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

/// Argo CD runs `kustomize edit` in an Application's directory for its `spec.source.kustomize` options, then builds
/// (argo-cd util/kustomize/kustomize.go, `Build`). This renderer makes the same edits in memory: the build with
/// them equals `kubectl kustomize` of the file the edit commands leave, written out here by hand from kustomize's
/// `kustomize/commands/edit` (images and replicas merged by name and sorted, labels added beside the file's,
/// patches appended, the component added, prefix, suffix and namespace replaced).
#[test]
fn argo_cd_kustomize_options_build_like_kubectl_on_the_edited_file() {
    use argocd_eso_plugin::kustomize::{self, BuildOptions, edit::Edits};
    let resources = "resources:\n- cm.yaml\n- deploy.yaml\n";
    let own_patch =
        "- target: {kind: ConfigMap}\n  patch: |-\n    - op: add\n      path: /data/from\n      value: file\n";
    let original = format!(
        "namespace: staging\nnamePrefix: old-\ncommonLabels:\n  team: a\nimages:\n- name: nginx\n  newTag: '1.0'\n- name: busybox\n  newName: reg/busybox\nreplicas:\n- name: web\n  count: 1\npatches:\n{own_patch}{resources}"
    );
    let added_patch = "- target: {kind: Deployment}\n  patch: |-\n    - op: add\n      path: /metadata/annotations/patched\n      value: by-argocd\n";
    let edited = format!(
        "namespace: shop\nnamePrefix: eu-\nnameSuffix: -v2\ncommonLabels:\n  team: a\n  env: prod\ncommonAnnotations:\n  owner: platform\nimages:\n- name: busybox\n  newName: reg/busybox\n- name: nginx\n  newTag: '1.25'\n- name: redis\n  newTag: '7'\nreplicas:\n- name: web\n  count: 3\npatches:\n{own_patch}{added_patch}components:\n- ../comp\n{resources}"
    );
    let edits = Edits {
        name_prefix: Some("eu-".into()),
        name_suffix: Some("-v2".into()),
        images: vec!["nginx=*:1.25".into(), "redis:7".into()],
        replicas: vec![("web".into(), 3)],
        common_labels: [("env".to_string(), "prod".to_string())].into(),
        common_annotations: [("owner".to_string(), "platform".to_string())].into(),
        namespace: Some("shop".into()),
        patches: serde_yaml::from_str(added_patch).unwrap(),
        components: vec!["../comp".into()],
        ..Default::default()
    };
    let t = tempfile::tempdir().unwrap();
    tree(t.path(), "");
    write(
        t.path(),
        "app/deploy.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 1\n  template:\n    spec:\n      containers:\n      - name: c\n        image: nginx\n      - name: d\n        image: busybox:1\n",
    );
    let app = t.path().join("app");
    let build = |edits: Option<Edits>| {
        let opts = BuildOptions { edits: edits.map(std::sync::Arc::new), ..Default::default() };
        let built = kustomize::build(&app, &opts).unwrap();
        argocd_eso_plugin::output::manifests::to_yaml_stream(&built).unwrap()
    };
    write(t.path(), "app/kustomization.yaml", &original);
    let ours = build(Some(edits.clone()));
    let unedited = build(None);
    write(t.path(), "app/kustomization.yaml", &edited);
    let oracle = Command::new("kubectl").arg("kustomize").arg(&app).output().expect("kubectl (the oracle)");
    assert!(oracle.status.success(), "{}", String::from_utf8_lossy(&oracle.stderr));
    assert_eq!(ours, String::from_utf8_lossy(&oracle.stdout), "the edits differ from kustomize edit's file");
    assert_ne!(ours, unedited);
    assert!(ours.contains("name: eu-web-v2\n  namespace: shop") && ours.contains("from: component"), "{ours}");

    // A label the file has already: `kustomize edit add label` refuses it without --force (forceCommonLabels),
    // and so does Argo CD's build.
    write(t.path(), "app/kustomization.yaml", &original);
    let clash = Edits { common_labels: [("team".to_string(), "b".to_string())].into(), ..Default::default() };
    let err = kustomize::build(&app, &BuildOptions { edits: Some(std::sync::Arc::new(clash)), ..Default::default() })
        .unwrap_err()
        .to_string();
    assert!(err.contains("label team already in kustomization file"), "{err}");

    // --without-selector --include-templates: a `labels` entry that leaves selectors alone.
    let without_selector = Edits {
        common_labels: [("env".to_string(), "prod".to_string())].into(),
        label_without_selector: true,
        label_include_templates: true,
        ..Default::default()
    };
    let ours = build(Some(without_selector));
    write(
        t.path(),
        "app/kustomization.yaml",
        &format!("{original}labels:\n- pairs:\n    env: prod\n  includeTemplates: true\n"),
    );
    let oracle = Command::new("kubectl").arg("kustomize").arg(&app).output().expect("kubectl (the oracle)");
    assert!(oracle.status.success(), "{}", String::from_utf8_lossy(&oracle.stderr));
    assert_eq!(ours, String::from_utf8_lossy(&oracle.stdout));
}

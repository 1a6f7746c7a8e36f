//! `render --plain` prints `kubectl kustomize`'s bytes: one test per class of difference found on real repositories
//! (issue 12), each compared with the oracle run in the same test.

use std::path::Path;
use std::process::Command;

fn write(dir: &Path, name: &str, text: &str) {
    let p = dir.join(name);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

/// Builds `files` with both renderers and asserts identical stdout; returns it.
fn same_bytes(files: &[(&str, &str)]) -> String {
    let t = tempfile::tempdir().unwrap();
    for (name, text) in files {
        write(t.path(), name, text);
    }
    let oracle = Command::new("kubectl").arg("kustomize").arg(t.path()).output().expect("kubectl (the oracle)");
    assert!(oracle.status.success(), "kubectl kustomize failed: {}", String::from_utf8_lossy(&oracle.stderr));
    let ours = Command::new(env!("CARGO_BIN_EXE_argocd-eso-plugin"))
        .args(["render", "--plain"])
        .arg(t.path())
        .output()
        .unwrap();
    assert!(ours.status.success(), "render failed: {}", String::from_utf8_lossy(&ours.stderr));
    let (expected, got) = (String::from_utf8(oracle.stdout).unwrap(), String::from_utf8(ours.stdout).unwrap());
    if got != expected {
        let line = got.lines().zip(expected.lines()).position(|(a, b)| a != b).unwrap_or(0);
        panic!(
            "render differs from kubectl kustomize at line {}:\n  got      {:?}\n  expected {:?}\n--- got\n{got}\n--- expected\n{expected}",
            line + 1,
            got.lines().nth(line).unwrap_or(""),
            expected.lines().nth(line).unwrap_or("")
        );
    }
    got
}

const K: &str = "resources: [objects.yaml]\n";

#[test]
fn yaml_1_1_booleans_stay_strings_with_quotes() {
    let out = same_bytes(&[
        ("kustomization.yaml", K),
        (
            "objects.yaml",
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\nspec:\n  template:\n    spec:\n      containers:\n      - name: c\n        image: busybox\n        command: [\"yes\", \"no\", \"on\", \"off\", \"y\", \"n\", \"Y\", \"NO\", \"True\"]\n",
        ),
    ]);
    assert!(out.contains("- \"yes\"") && out.contains("- \"y\""), "{out}");
}

#[test]
fn legacy_octal_modes_are_numbers() {
    let out = same_bytes(&[
        ("kustomization.yaml", K),
        (
            "objects.yaml",
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  volumes:\n  - name: v\n    secret:\n      secretName: s\n      defaultMode: 0755\n  containers:\n  - name: c\n    image: x\n",
        ),
    ]);
    assert!(out.contains("defaultMode: 493"), "{out}");
}

#[test]
fn scalar_hazards_in_a_config_map() {
    same_bytes(&[
        ("kustomization.yaml", K),
        (
            "objects.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: hz\n  annotations: {n: 0755, b: true, z: ~, f: 1.50}\n  labels: {port: 8080}\ndata:\n  a: yes\n  d: 0755\n  f: 0x1F\n  g: 2024-01-01\n  h: 1e3\n  j: y\n  k: \"1:20\"\n  l: 12:30:00\n  m: \"123\"\n  o: \"\"\n  p: ~\n  q: \"  lead\"\n  r: \"trail \"\n  s: \"- dash\"\n  t: \"#hash\"\n  u: \"a: b\"\n  v: 'it''s'\n  w: \"tab\\there\"\n  x: \"ünïcödé 🙂\"\n  y: \"line1\\nline2\\n\"\n  z: \"keep\\n\\n\"\n  aa: \"  indented\\n\"\n  ab: 1234567.5\n  ac: 0.000001\n  ad: 123456789012345678901234\n  ae: 9223372036854775808\n  af: \"this is a long string that goes on and on beyond eighty columns of text for sure yes\"\n  ag: 2001-12-14t21:59:43.10-05:00\n  ah: \"@at\"\n  ai: \"null\"\n  aj: .5\n  ak: \"\\x01\"\n  al: 08\n  am: +12\n  an: 1_000\n  ao: !!str 0755\n  ap: |\n    literal\n    block\n  aq: >\n    folded\n    text\n",
        ),
    ]);
}

#[test]
fn a_secret_generator_without_sources_keeps_empty_data_and_kustomizes_hash() {
    let out = same_bytes(&[(
        "kustomization.yaml",
        "secretGenerator:\n- name: empty\n- name: typed\n  type: kubernetes.io/tls\nconfigMapGenerator:\n- name: cm\n",
    )]);
    assert!(out.contains("data: {}"), "{out}");
}

#[test]
fn replacing_a_secret_no_generator_made_adds_no_hash() {
    let out = same_bytes(&[
        (
            "kustomization.yaml",
            "resources: [objects.yaml]\nsecretGenerator:\n- name: existing\n  behavior: replace\n  literals: [a=b]\nconfigMapGenerator:\n- name: cm\n  behavior: merge\n  literals: [c=d]\n",
        ),
        (
            "objects.yaml",
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: existing\ndata:\n  z: eg==\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  e: f\n",
        ),
    ]);
    assert!(out.contains("name: existing\n"), "{out}");
}

#[test]
fn env_file_values_keep_their_quotes() {
    same_bytes(&[
        ("kustomization.yaml", "configMapGenerator:\n- name: envs\n  envs: [x.env]\n"),
        ("x.env", "DATE=2024-01-01\nNUM=0755\nBOOL=yes\nFLOAT=1e3\nEMPTY=\nQUOTED=\"x\"\nBARE\n"),
    ]);
}

#[test]
fn flux_kustomizations_are_ordinary_resources() {
    same_bytes(&[
        ("kustomization.yaml", K),
        (
            "objects.yaml",
            "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: apps\n  namespace: flux-system\nspec:\n  interval: 10m\n  path: ./apps\n  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n  postBuild:\n    substitute:\n      cluster: ${CLUSTER_NAME}\n",
        ),
    ]);
}

#[test]
fn anchors_merge_keys_and_natural_key_order() {
    same_bytes(&[
        ("kustomization.yaml", "resources: [objects.yaml]\nnamePrefix: p-\ncommonLabels: {app: x}\n"),
        (
            "objects.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: m\nbase: &b {p: 1, q: 2}\ndata:\n  <<: *b\n  q: \"3\"\n  a10: x\n  a9: x\n  A: x\n  a09: x\n  \"1\": x\n  \"10\": x\n  \"2\": x\n",
        ),
    ]);
}

#[test]
fn a_json_patch_passes_the_whole_object_through_json() {
    // YAML 1.1 values in the patch, and numbers beyond 2^53 elsewhere in the object, both as kustomize leaves them.
    same_bytes(&[
        (
            "kustomization.yaml",
            "resources: [objects.yaml]\npatches:\n- target:\n    kind: ConfigMap\n    name: c\n  patch: |-\n    - op: add\n      path: /data/flag\n      value: yes\n    - op: add\n      path: /data/when\n      value: 2024-01-01\n",
        ),
        (
            "objects.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  a: x\nbig: 9223372036854775808\nsmall: 12\nwhen: 2024-01-01\n",
        ),
    ]);
}

#[test]
fn block_scalars_at_an_unterminated_end_and_flow_collections() {
    // A literal block that ends the file without a final line break (microservices-demo's otel-collector.yaml);
    // timestamps with a time inside flow collections stay text, beside block ones that become RFC 3339.
    same_bytes(&[
        ("kustomization.yaml", K),
        (
            "objects.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\nlist:\n- [2001-12-14t21:59:43.10-05:00, 2024-01-01]\n- 2001-12-14t21:59:43.10-05:00\nmap: {t: 2024-01-01 10:00:00}\ndata:\n  a: |\n    x\n    y",
        ),
    ]);
}

#[test]
fn replacement_options_and_rejects_by_an_earlier_name() {
    // delimiter/index on source and target; `reject` compares literally with every name the object has had.
    same_bytes(&[
        (
            "kustomization.yaml",
            "resources: [objects.yaml]\nnameSuffix: -s\nreplacements:\n- source:\n    kind: ConfigMap\n    name: src\n    fieldPath: data.v\n    options:\n      delimiter: '-'\n      index: 1\n  targets:\n  - select:\n      kind: ConfigMap\n    reject:\n    - name: src\n    fieldPaths: [data.x]\n    options:\n      delimiter: .\n      index: 2\n",
        ),
        (
            "objects.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: src\ndata:\n  v: one-two-three\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: dst\ndata:\n  x: a.b.c\n",
        ),
    ]);
}

#[test]
fn name_references_into_admission_policy_bindings_and_namespaced_subjects() {
    same_bytes(&[
        ("kustomization.yaml", "resources: [objects.yaml]\nnamePrefix: p-\nnamespace: team\n"),
        (
            "objects.yaml",
            "apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicy\nmetadata:\n  name: pol\nspec:\n  validations: []\n---\napiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicyBinding\nmetadata:\n  name: bind\nspec:\n  policyName: pol\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata:\n  name: rb\nsubjects:\n- kind: ServiceAccount\n  name: sa\n  namespace: default\n- kind: ServiceAccount\n  name: other\n  namespace: elsewhere\nroleRef:\n  kind: Role\n  name: r\n  apiGroup: rbac.authorization.k8s.io\n---\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: sa\n",
        ),
    ]);
}

#[test]
fn generator_options_at_two_levels() {
    same_bytes(&[(
        "kustomization.yaml",
        "generatorOptions:\n  labels: {a: \"1\"}\n  annotations: {x: \"y\"}\n  disableNameSuffixHash: true\nconfigMapGenerator:\n- name: g\n  literals: [k=v]\n  options:\n    labels: {b: \"2\"}\n    disableNameSuffixHash: false\n",
    )]);
}

#[test]
fn replaced_values_take_the_targets_type_or_are_read_anew() {
    // A created field takes the source's text as a plain node ("0755" lands as 493, "" as null); an existing
    // string field keeps being a string; a null source field counts as missing (both fail then).
    same_bytes(&[
        (
            "kustomization.yaml",
            "resources: [objects.yaml]\nreplacements:\n- source:\n    kind: ConfigMap\n    name: src\n    fieldPath: data.octal\n  targets:\n  - select:\n      kind: ConfigMap\n      name: dst\n    fieldPaths: [data.created, data.existing, metadata.annotations.copied]\n    options:\n      create: true\n- source:\n    kind: ConfigMap\n    name: src\n    fieldPath: data.empty\n  targets:\n  - select:\n      kind: ConfigMap\n      name: dst\n    fieldPaths: [data.blank]\n    options:\n      create: true\n- source:\n    kind: ConfigMap\n    name: src\n    fieldPath: data.number\n  targets:\n  - select:\n      kind: ConfigMap\n      name: dst\n    fieldPaths: [data.existing2, spec.replicas]\n    options:\n      create: true\n",
        ),
        (
            "objects.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: src\ndata:\n  octal: \"0755\"\n  empty: \"\"\n  number: 8080\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: dst\ndata:\n  existing: keep-a-string\n  existing2: also\nspec:\n  replicas: 1\n",
        ),
    ]);
}

#[test]
fn vars_expand_strings_and_refuse_what_kustomize_refuses() {
    same_bytes(&[
        (
            "kustomization.yaml",
            "resources: [objects.yaml]\nvars:\n- name: K\n  objref: {apiVersion: v1, kind: ConfigMap, name: c}\n  fieldref: {fieldpath: data.k}\n",
        ),
        (
            "objects.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  k: \"0755\"\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\nspec:\n  template:\n    spec:\n      containers:\n      - name: m\n        image: x\n        args: [\"$(K)\", \"--k=$(K)\"]\n        env:\n        - name: E\n          value: $(K)\n",
        ),
    ]);
    // A list item that is not a string where vars are expanded: kubectl fails ("invalid value type expect a
    // string"), and so does the native render.
    let t = tempfile::tempdir().unwrap();
    write(
        t.path(),
        "kustomization.yaml",
        "resources: [objects.yaml]\nvars:\n- name: K\n  objref: {apiVersion: v1, kind: ConfigMap, name: c}\n  fieldref: {fieldpath: data.k}\n",
    );
    write(
        t.path(),
        "objects.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  k: v\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\nspec:\n  template:\n    spec:\n      containers:\n      - name: m\n        image: x\n        args: [\"$(K)\", 123]\n",
    );
    let oracle = Command::new("kubectl").arg("kustomize").arg(t.path()).output().unwrap();
    let ours = Command::new(env!("CARGO_BIN_EXE_argocd-eso-plugin"))
        .args(["render", "--plain"])
        .arg(t.path())
        .output()
        .unwrap();
    assert!(!oracle.status.success() && !ours.status.success());
    assert!(String::from_utf8_lossy(&ours.stderr).contains("invalid value type expect a string"));
}

#[test]
fn multi_byte_characters_after_a_digit() {
    // The yaml fuzz target's crash: a plain scalar starting with a digit and a multi-byte character.
    same_bytes(&[
        ("kustomization.yaml", K),
        ("objects.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  a: 0Ώk\n  0Ώk: b\n  c: 1é\n"),
    ]);
}

/// Transformers from kustomization fields and from `transformers:` entries are one ordered list (kustomize's
/// runTransformers): each field's builtin plugin written as a `transformers:` entry renders what kubectl renders,
/// and every field runs before every entry (the entry's prefix lands outside the field's).
#[test]
fn field_and_plugin_transformers_share_one_ordered_list() {
    let objects = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 1\n  selector:\n    matchLabels:\n      app: web\n  template:\n    metadata:\n      labels:\n        app: web\n    spec:\n      containers:\n      - name: c\n        image: nginx:1.0\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  a: b\n";
    let plugins = "\
apiVersion: builtin
kind: PrefixSuffixTransformer
metadata:
  name: p
prefix: plugin-
fieldSpecs:
- path: metadata/name
---
apiVersion: builtin
kind: LabelTransformer
metadata:
  name: l
labels:
  tier: plugin
fieldSpecs:
- path: metadata/labels
  create: true
---
apiVersion: builtin
kind: AnnotationsTransformer
metadata:
  name: a
annotations:
  note: plugin
fieldSpecs:
- path: metadata/annotations
  create: true
---
apiVersion: builtin
kind: ImageTagTransformer
metadata:
  name: i
imageTag:
  name: nginx
  newTag: \"2.0\"
---
apiVersion: builtin
kind: ReplicaCountTransformer
metadata:
  name: r
replica:
  name: web
  count: 3
fieldSpecs:
- path: spec/replicas
  create: true
  kind: Deployment
---
apiVersion: builtin
kind: PatchTransformer
metadata:
  name: pt
patch: |-
  - op: add
    path: /data/patched
    value: by-plugin
target:
  kind: ConfigMap
";
    let kustomization = "resources: [objects.yaml]\nnamePrefix: field-\ncommonLabels:\n  tier: field\nimages:\n- name: nginx\n  newTag: \"1.5\"\ntransformers: [plugins.yaml]\n";
    let out =
        same_bytes(&[("kustomization.yaml", kustomization), ("objects.yaml", objects), ("plugins.yaml", plugins)]);
    for expected in [
        "name: plugin-field-web",
        "name: plugin-field-cm",
        "tier: plugin",
        "note: plugin",
        "image: nginx:2.0",
        "replicas: 3",
        "patched: by-plugin",
    ] {
        assert!(out.contains(expected), "{expected} missing:\n{out}");
    }
}

/// kustomize's labels/annotations filters put one YAML node at every place a key is created in an object
/// (metadata, selector, pod template); a later in-place write to one place shows in all of them, until a JSON patch
/// rebuilds the object or a `$patch: replace` swaps the map (see src/kustomize/linked.rs). Every later writer is
/// compared with the oracle.
#[test]
fn labels_created_together_stay_one_node() {
    let base_objects = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  selector:\n    matchLabels:\n      app: web\n  template:\n    metadata:\n      labels:\n        app: web\n    spec:\n      containers:\n      - name: c\n        image: nginx:1.0\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: src\ndata:\n  v: fromcm\n";
    let base = "resources: [objects.yaml]\ncommonLabels:\n  tier: field\ncommonAnnotations:\n  note: base\n";
    let smp = |labels: &str| {
        format!(
            "resources: [base]\npatches:\n- patch: |-\n    apiVersion: apps/v1\n    kind: Deployment\n    metadata:\n      name: web\n      labels:\n{labels}"
        )
    };
    let overlays = [
        ("strategic merge", smp("        tier: smp\n"), "tier: smp"),
        ("replace directive", smp("        $patch: replace\n        tier: repl\n"), "tier: repl"),
        (
            "JSON patch",
            "resources: [base]\npatches:\n- target: {kind: Deployment}\n  patch: |-\n    - op: replace\n      path: /metadata/labels/tier\n      value: json\n".into(),
            "tier: json",
        ),
        (
            "replacement",
            "resources: [base]\nreplacements:\n- source: {kind: ConfigMap, name: src, fieldPath: data.v}\n  targets:\n  - select: {kind: Deployment}\n    fieldPaths: [metadata.labels.tier]\n".into(),
            "tier: fromcm",
        ),
        ("labels entry without selectors", "resources: [base]\nlabels:\n- pairs:\n    tier: second\n".into(), "tier: second"),
        (
            "JSON patch, then labels",
            "resources: [base]\npatches:\n- target: {kind: Deployment}\n  patch: |-\n    - op: add\n      path: /spec/replicas\n      value: 2\nlabels:\n- pairs:\n    tier: after\n".into(),
            "tier: after",
        ),
        (
            "annotations plugin",
            "resources: [base]\ntransformers:\n- |-\n  apiVersion: builtin\n  kind: AnnotationsTransformer\n  metadata:\n    name: a\n  annotations:\n    note: over\n  fieldSpecs:\n  - path: metadata/annotations\n    create: true\n".into(),
            "note: over",
        ),
        (
            "labels then commonLabels in one kustomization",
            "resources: [base]\ncommonLabels:\n  tier: common\nlabels:\n- pairs:\n    tier: entry\n".into(),
            "tier: common",
        ),
    ];
    for (what, overlay, expected) in overlays {
        let out = same_bytes(&[
            ("kustomization.yaml", overlay.as_str()),
            ("base/kustomization.yaml", base),
            ("base/objects.yaml", base_objects),
        ]);
        assert!(out.contains(expected), "{what}: {expected} missing:\n{out}");
    }
}

/// A replacement copies its source's text into a string field (kustomize's setTargetValue keeps the text):
/// `0x1F`, `1e3`, `.5`, `1_000`, `FALSE` land as written, not as the value they resolve to; after a JSON patch the
/// text is the one JSON gave the number.
#[test]
fn replacement_sources_keep_their_text() {
    let objects = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: src\ndata:\n  a: 0x1F\n  b: 1e3\n  c: .5\n  d: 1_000\n  e: FALSE\n  f: 0o17\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: dst\n  labels: {a: x, b: x, c: x, d: x, e: x, f: x}\n";
    let mut k = String::from("resources: [objects.yaml]\nreplacements:\n");
    for key in ["a", "b", "c", "d", "e", "f"] {
        k.push_str(&format!(
            "- source: {{kind: ConfigMap, name: src, fieldPath: data.{key}}}\n  targets:\n  - select: {{name: dst}}\n    fieldPaths: [metadata.labels.{key}]\n"
        ));
    }
    let out = same_bytes(&[("kustomization.yaml", &k), ("objects.yaml", objects)]);
    assert!(out.contains("a: \"0x1F\"") && out.contains("e: \"FALSE\""), "{out}");

    let json_first = "resources: [objects.yaml]\npatches:\n- target: {name: src}\n  patch: |-\n    - op: add\n      path: /data/g\n      value: 1\nreplacements:\n- source: {kind: ConfigMap, name: src, fieldPath: data.b}\n  targets:\n  - select: {name: dst}\n    fieldPaths: [metadata.labels.b]\n";
    let out = same_bytes(&[("kustomization.yaml", json_first), ("objects.yaml", objects)]);
    assert!(out.contains("b: \"1000\""), "{out}");
}

/// vars read a field as kustomize's GetFieldValue does (by tag, from the text written: `0755` is 755, a timestamp
/// stays as written) and write a float into a string with Go's %v (1e+06); a replacement-created number at a var
/// reference path is an untagged node the vars filter turns into a string.
#[test]
fn vars_read_and_write_as_kustomize() {
    let objects = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: src\ndata:\n  a: 1000000.5\n  b: 1e6\n  c: 0.0001\n  d: 0755\n  e: 2024-01-01\n  n: \"123\"\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: c\n    image: x\n    command: [\"a=$(A)\", \"b=$(B)\", \"c=$(C)\", \"d=$(D)\", \"e=$(E)\"]\n    args: [\"$(D)\", \"$(A)\"]\n    env:\n    - name: CREATED\n";
    let mut k = String::from(
        "resources: [objects.yaml]\nreplacements:\n- source: {kind: ConfigMap, name: src, fieldPath: data.n}\n  targets:\n  - select: {kind: Pod}\n    fieldPaths: [spec.containers.0.env.0.value]\n    options: {create: true}\nvars:\n",
    );
    for v in ["a", "b", "c", "d", "e"] {
        k.push_str(&format!(
            "- name: {}\n  objref: {{apiVersion: v1, kind: ConfigMap, name: src}}\n  fieldref: {{fieldpath: data.{v}}}\n",
            v.to_uppercase()
        ));
    }
    let out = same_bytes(&[("kustomization.yaml", &k), ("objects.yaml", objects)]);
    for expected in ["a=1.0000005e+06", "b=1e+06", "d=755", "e=2024-01-01", "value: \"123\""] {
        assert!(out.contains(expected), "{expected} missing:\n{out}");
    }
}

/// Where kustomize cannot read a var (`0x1F` is no Go int) or a var reference list holds a plain timestamp inside a
/// flow list (a timestamp node to kustomize's vars filter), the build fails as kubectl's does.
#[test]
fn vars_fail_where_kustomize_fails() {
    let var =
        "vars:\n- name: V\n  objref: {apiVersion: v1, kind: ConfigMap, name: src}\n  fieldref: {fieldpath: data.v}\n";
    for (value, args) in [("0x1F", "[\"$(V)\"]"), ("x", "[2001-12-14t21:59:43.10-05:00, \"$(V)\"]")] {
        let t = tempfile::tempdir().unwrap();
        write(t.path(), "kustomization.yaml", &format!("resources: [objects.yaml]\n{var}"));
        write(
            t.path(),
            "objects.yaml",
            &format!(
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: src\ndata:\n  v: {value}\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: c\n    image: x\n    args: {args}\n"
            ),
        );
        let oracle = Command::new("kubectl").arg("kustomize").arg(t.path()).output().unwrap();
        assert!(!oracle.status.success(), "kubectl renders {value} / {args}");
        let ours = Command::new(env!("CARGO_BIN_EXE_argocd-eso-plugin"))
            .args(["render", "--plain"])
            .arg(t.path())
            .output()
            .unwrap();
        assert!(!ours.status.success() && ours.stdout.is_empty(), "we render {value} / {args}");
    }
}

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

//! `bench-parity`: a differential fuzzer against the oracle. It generates random kustomization trees from the
//! feature set the renderer supports (a base, an overlay, a component; namespace, prefixes and suffixes, labels and
//! annotations, images, replicas, strategic-merge and JSON 6902 patches with targets, generators with options and
//! behaviors, replacements) filled with scalars full of YAML hazards, builds each natively and with
//! `kubectl kustomize`, and reports every case whose bytes differ, minimised to the parts that matter. A refusal
//! that names an unsupported field is counted apart; both failing is agreement.

use crate::kustomize::{self, BuildOptions};
use std::fmt::Write as _;
use std::path::Path;

/// A small deterministic generator (xorshift64*): a seed names a case set on every machine.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next_u64() % 100 < percent
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Scalars that different YAML readers take for different types, or that need quoting to survive.
const HAZARDS: &[&str] = &[
    "yes",
    "no",
    "on",
    "off",
    "y",
    "n",
    "Y",
    "N",
    "True",
    "FALSE",
    "~",
    "null",
    "Null",
    "",
    "0755",
    "0x1F",
    "0o17",
    "0b101",
    "08",
    "1e3",
    "1E-7",
    "1.50",
    ".5",
    "5.",
    "-0",
    "+12",
    "1_000",
    "12:30:00",
    "1:20",
    "2024-01-01",
    "2001-12-14t21:59:43.10-05:00",
    "123",
    "true",
    "3.0",
    "9223372036854775808",
    "123456789012345678901234",
    "1234567.5",
    "0.000001",
    "x: y",
    "#hash",
    "- dash",
    "@at",
    "'q",
    "\"dq",
    "a #b",
    "trailing ",
    " leading",
    "multi\nline",
    "keep\n\n",
    "ünïcödé",
    "emoji 🙂",
    "tab\there",
    "long text that keeps going well past the eighty column limit of the go yaml emitter so it folds",
    "*star",
    "&amp",
    "!bang",
    "%p",
    "{x}",
    "[x]",
    "?q",
    ",c",
    "=eq",
    "NaN",
    ".inf",
    "-.inf",
    "0.1",
    "1.0.0",
];

/// A string value of a kustomization field (a label, an annotation, a tag): kustomize reads those as Go strings, so
/// a plain YAML 1.1 boolean or number there fails in both; written quoted most of the time, so that the case renders.
fn write_kustomization_string(rng: &mut Rng, s: &str) -> String {
    if rng.chance(85) { serde_json::to_string(s).expect("a string") } else { write_scalar(rng, s) }
}

/// How a generated scalar is written in the source.
fn write_scalar(rng: &mut Rng, s: &str) -> String {
    match rng.below(4) {
        // Plain where the text allows it at all (both readers then see the same plain scalar).
        0 if !s.is_empty()
            && !s.contains('\n')
            && !s.contains(": ")
            && !s.contains(" #")
            && !s.starts_with([
                '#', '-', '@', '\'', '"', '*', '&', '!', '%', '{', '[', '?', ',', '|', '>', ' ', '`',
            ])
            && !s.ends_with([' ', ':']) =>
        {
            s.to_string()
        }
        1 if !s.contains('\n') => format!("'{}'", s.replace('\'', "''")),
        _ => serde_json::to_string(s).expect("a string"),
    }
}

#[derive(Debug, Clone)]
struct Case {
    /// Parts that can be dropped when minimising (each a line group in some file); `keep[i]` says if part i stays.
    parts: Vec<Part>,
}

#[derive(Debug, Clone)]
struct Part {
    /// The file the part belongs to and its text.
    file: &'static str,
    text: String,
}

const BASE_OBJECTS: &str = "base/objects.yaml";
const BASE_K: &str = "base/kustomization.yaml";
const OVERLAY_K: &str = "overlay/kustomization.yaml";
const COMPONENT_K: &str = "component/kustomization.yaml";
const PATCH: &str = "overlay/patch.yaml";

fn generate(rng: &mut Rng) -> Case {
    let mut parts = Vec::new();
    let h = |rng: &mut Rng| {
        let s = *rng.pick(HAZARDS);
        write_scalar(rng, s)
    };
    // Base objects.
    let mut cm = String::from("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: config\n");
    if rng.chance(40) {
        let _ = write!(cm, "  annotations:\n    note: {}\n", h(rng));
    }
    cm.push_str("data:\n");
    for i in 0..1 + rng.below(4) {
        let _ = writeln!(cm, "  key{i}: {}", h(rng));
    }
    parts.push(Part { file: BASE_OBJECTS, text: cm });
    let env_value = h(rng);
    let arg = h(rng);
    parts.push(Part {
        file: BASE_OBJECTS,
        text: format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app\n  labels:\n    app: web\nspec:\n  replicas: 1\n  selector:\n    matchLabels:\n      app: web\n  template:\n    metadata:\n      labels:\n        app: web\n    spec:\n      containers:\n      - name: main\n        image: registry.example/app:1.0\n        args: [{arg}]\n        env:\n        - name: A\n          value: {env_value}\n        envFrom:\n        - configMapRef:\n            name: config\n      volumes:\n      - name: s\n        secret:\n          secretName: creds\n          defaultMode: {}\n",
            rng.pick(&["0755", "0644", "420", "0o644"])
        ),
    });
    if rng.chance(50) {
        parts.push(Part {
            file: BASE_OBJECTS,
            text: "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  selector:\n    app: web\n  ports:\n  - port: 80\n    targetPort: 8080\n".into(),
        });
    }
    if rng.chance(40) {
        parts.push(Part {
            file: BASE_OBJECTS,
            text: format!(
                "apiVersion: external-secrets.io/v1\nkind: ExternalSecret\nmetadata:\n  name: creds\nspec:\n  refreshInterval: {}\n  secretStoreRef:\n    kind: ClusterSecretStore\n    name: azure-kv\n  target:\n    name: creds\n  data:\n  - secretKey: password\n    remoteRef:\n      key: {}\n",
                h(rng),
                h(rng)
            ),
        });
    }
    parts.push(Part { file: BASE_K, text: "resources:\n- objects.yaml\n".into() });
    let base_generator = rng.chance(40);
    if base_generator {
        parts.push(Part {
            file: BASE_K,
            text: format!("configMapGenerator:\n- name: gen\n  literals:\n  - {}\n", {
                let literal = format!("base={}", rng.pick(HAZARDS));
                write_scalar(rng, &literal)
            }),
        });
    }

    if rng.chance(25) {
        // vars (deprecated, still common): a Job reads two of them; the vars filter also retypes what replacements
        // created at its paths (src/kustomize/filters/vars.rs).
        parts.push(Part {
            file: BASE_OBJECTS,
            text: "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: job\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers:\n      - name: j\n        image: busybox\n        command: [\"echo\", \"$(CFG_NAME)\", \"pre-$(KEY0)-post\"]\n        env:\n        - name: K\n          value: $(KEY0)\n".into(),
        });
        parts.push(Part {
            file: BASE_K,
            text: "vars:\n- name: CFG_NAME\n  objref: {apiVersion: v1, kind: ConfigMap, name: config}\n- name: KEY0\n  objref: {apiVersion: v1, kind: ConfigMap, name: config}\n  fieldref: {fieldpath: data.key0}\n".into(),
        });
    }

    // Labels and annotations the overlay writes again: kustomize keeps each created key as one node in the
    // metadata, the selector and the pod template (src/kustomize/linked.rs).
    if rng.chance(40) {
        parts.push(Part { file: BASE_K, text: common_label_tier(rng) });
    }
    if rng.chance(25) {
        let owner = *rng.pick(HAZARDS);
        parts.push(Part {
            file: BASE_K,
            text: format!("commonAnnotations:\n  owner: {}\n", write_kustomization_string(rng, owner)),
        });
    }

    // Overlay.
    parts.push(Part { file: OVERLAY_K, text: "resources:\n- ../base\n".into() });
    if rng.chance(50) {
        parts
            .push(Part { file: OVERLAY_K, text: format!("namespace: {}\n", rng.pick(&["prod", "team-a", "default"])) });
    }
    if rng.chance(40) {
        parts.push(Part { file: OVERLAY_K, text: "namePrefix: p-\n".into() });
    }
    if rng.chance(30) {
        parts.push(Part { file: OVERLAY_K, text: "nameSuffix: -s\n".into() });
    }
    if rng.chance(40) {
        parts.push(Part {
            file: OVERLAY_K,
            text: {
                let tier = *rng.pick(HAZARDS);
                format!(
                    "labels:\n- pairs:\n    tier: {}\n  includeSelectors: {}\n",
                    write_kustomization_string(rng, tier),
                    rng.chance(50)
                )
            },
        });
    }
    if rng.chance(30) {
        let owner = *rng.pick(HAZARDS);
        let owner = write_kustomization_string(rng, owner);
        parts.push(Part { file: OVERLAY_K, text: format!("commonAnnotations:\n  owner: {owner}\n") });
    }
    if rng.chance(40) {
        parts.push(Part {
            file: OVERLAY_K,
            text: format!("images:\n- name: registry.example/app\n  newTag: {}\n", {
                let tag = *rng.pick(&["2.0", "1.10", "v3", "latest"]);
                write_kustomization_string(rng, tag)
            }),
        });
    }
    if rng.chance(30) {
        parts.push(Part { file: OVERLAY_K, text: format!("replicas:\n- name: app\n  count: {}\n", rng.below(5)) });
    }
    if rng.chance(50) {
        // `behavior: merge` needs the base's generator of that name; a new one is created.
        let merge = base_generator && rng.chance(60);
        parts.push(Part {
            file: OVERLAY_K,
            text: format!(
                "configMapGenerator:\n- name: {}\n{}  literals:\n  - {}\n{}",
                if merge { "gen" } else { "extra" },
                if merge { "  behavior: merge\n" } else { "" },
                {
                    let literal = format!("k={}", rng.pick(HAZARDS));
                    write_scalar(rng, &literal)
                },
                if rng.chance(30) { "  options:\n    disableNameSuffixHash: true\n" } else { "" }
            ),
        });
    }
    if rng.chance(30) {
        parts.push(Part {
            file: OVERLAY_K,
            text: format!(
                "secretGenerator:\n- name: s\n{}",
                if rng.chance(50) {
                    {
                        let literal = format!("p={}", rng.pick(HAZARDS));
                        format!("  literals:\n  - {}\n", write_scalar(rng, &literal))
                    }
                } else {
                    String::new()
                }
            ),
        });
    }
    if rng.chance(50) {
        parts.push(Part { file: OVERLAY_K, text: "patches:\n- path: patch.yaml\n".into() });
        parts.push(Part {
            file: PATCH,
            text: format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: config\ndata:\n  patched: {}\n", h(rng)),
        });
    }
    if rng.chance(40) {
        parts.push(Part {
            file: OVERLAY_K,
            text: format!(
                "patches:\n- target:\n    kind: Deployment\n    name: app\n  patch: |-\n    - op: {}\n      path: /spec/template/spec/containers/0/env/0/value\n      value: {}\n",
                rng.pick(&["replace", "add"]),
                h(rng).replace('\n', "\\n")
            ),
        });
    }
    if rng.chance(25) {
        parts.push(Part {
            file: OVERLAY_K,
            text: "replacements:\n- source:\n    kind: ConfigMap\n    name: config\n    fieldPath: data.key0\n  targets:\n  - select:\n      kind: Deployment\n    fieldPaths:\n    - spec.template.metadata.annotations.copied\n    options:\n      create: true\n".into(),
        });
    }
    if rng.chance(30) {
        let image = match rng.below(3) {
            0 => "  newName: mirror.example/app\n".to_string(),
            1 => "  digest: sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n".to_string(),
            _ => "  newName: mirror.example/app\n  newTag: \"2.1\"\n".to_string(),
        };
        parts.push(Part { file: OVERLAY_K, text: format!("images:\n- name: registry.example/app\n{image}") });
    }
    if rng.chance(25) {
        // A patch chosen by label selector, and a generator in another namespace.
        parts.push(Part {
            file: OVERLAY_K,
            text: format!(
                "patches:\n- target:\n    labelSelector: app=web\n  patch: |-\n    - op: add\n      path: /metadata/annotations\n      value: {{selected: {}}}\n",
                serde_json::to_string(*rng.pick(HAZARDS)).expect("a string")
            ),
        });
    }
    if rng.chance(20) {
        let literal = format!("n={}", rng.pick(HAZARDS));
        let literal = write_scalar(rng, &literal);
        parts.push(Part {
            file: OVERLAY_K,
            text: format!("configMapGenerator:\n- name: other-ns\n  namespace: elsewhere\n  literals:\n  - {literal}\n  options:\n    annotations:\n      note: generated\n"),
        });
    }
    if rng.chance(20) {
        parts.push(Part { file: OVERLAY_K, text: common_label_tier(rng) });
    }
    if rng.chance(25) {
        // A strategic-merge patch over one linked label, sometimes replacing the whole map.
        let tier = serde_json::to_string(*rng.pick(HAZARDS)).expect("a string");
        let replace = if rng.chance(30) { "        $patch: replace\n" } else { "" };
        parts.push(Part {
            file: OVERLAY_K,
            text: format!(
                "patches:\n- patch: |-\n    apiVersion: apps/v1\n    kind: Deployment\n    metadata:\n      name: app\n      labels:\n{replace}        tier: {tier}\n"
            ),
        });
    }
    if rng.chance(20) {
        parts.push(Part {
            file: OVERLAY_K,
            text: format!(
                "replacements:\n- source:\n    kind: ConfigMap\n    name: config\n    fieldPath: data.key0\n  targets:\n  - select:\n      kind: Deployment\n    fieldPaths:\n    - {}\n    options:\n      create: true\n",
                rng.pick(&["metadata.labels.tier", "spec.template.metadata.labels.tier", "metadata.annotations.owner"])
            ),
        });
    }
    if rng.chance(25) {
        parts.push(Part { file: OVERLAY_K, text: "components:\n- ../component\n".into() });
        parts.push(Part {
            file: COMPONENT_K,
            text: format!(
                "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\ncommonLabels:\n  component: {}\n",
                {
                    let v = *rng.pick(&["on", "x", "1", "2024-01-01"]);
                    write_kustomization_string(rng, v)
                }
            ),
        });
    }
    Case { parts }
}

/// `commonLabels` with the key the overlay's `labels:` entries write too.
fn common_label_tier(rng: &mut Rng) -> String {
    let tier = *rng.pick(HAZARDS);
    format!("commonLabels:\n  tier: {}\n", write_kustomization_string(rng, tier))
}

/// The files of a case with the parts `keep` selects. Fields given twice in one kustomization (two `patches:`
/// parts) are merged into one list.
fn files(case: &Case, keep: &[bool]) -> Vec<(&'static str, String)> {
    let mut out: Vec<(&'static str, String)> = Vec::new();
    for (part, _) in case.parts.iter().zip(keep).filter(|(_, k)| **k) {
        match out.iter_mut().find(|(f, _)| *f == part.file) {
            Some((_, text)) if part.file.ends_with("objects.yaml") => {
                text.push_str("---\n");
                text.push_str(&part.text);
            }
            Some((_, text)) => merge_kustomization(text, &part.text),
            None => out.push((part.file, part.text.clone())),
        }
    }
    out
}

/// Append a kustomization snippet; a top-level list field already present takes the new entries.
fn merge_kustomization(text: &mut String, snippet: &str) {
    let field = snippet.split(':').next().unwrap_or("");
    if snippet.ends_with('\n') && text.lines().any(|l| l == format!("{field}:")) {
        let entries = snippet.split_once('\n').map(|(_, rest)| rest).unwrap_or("");
        let at = text.find(&format!("{field}:\n")).expect("field line") + field.len() + 2;
        text.insert_str(at, entries);
    } else {
        text.push_str(snippet);
    }
}

/// What happened to one case.
#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    Same,
    /// Both fail; kubectl's reason, for the report.
    BothFail(String),
    Refused(String),
    Differ(String),
}

fn write_tree(dir: &Path, files: &[(&'static str, String)]) -> std::io::Result<()> {
    for (name, text) in files {
        let p = dir.join(name);
        std::fs::create_dir_all(p.parent().expect("a parent"))?;
        std::fs::write(p, text)?;
    }
    Ok(())
}

fn judge(files: &[(&'static str, String)], kubectl: &str) -> Result<Verdict, String> {
    let tmp = tempfile::tempdir().map_err(|e| e.to_string())?;
    write_tree(tmp.path(), files).map_err(|e| e.to_string())?;
    let overlay = tmp.path().join("overlay");
    if !overlay.join("kustomization.yaml").exists() {
        return Ok(Verdict::Same);
    }
    let oracle = std::process::Command::new(kubectl)
        .arg("kustomize")
        .arg(&overlay)
        .output()
        .map_err(|e| format!("{kubectl}: {e}"))?;
    let ours =
        kustomize::build(&overlay, &BuildOptions { repo_root: Some(tmp.path().to_path_buf()), ..Default::default() })
            .map_err(|e| e.to_string())
            .and_then(|rs| crate::output::manifests::to_yaml_stream(&rs).map_err(|e| e.to_string()));
    Ok(match (ours, oracle.status.success()) {
        (Err(_), false) => Verdict::BothFail(oracle_reason(&String::from_utf8_lossy(&oracle.stderr))),
        (Err(e), true) if e.contains("unsupported field") => Verdict::Refused(e),
        (Err(e), true) => Verdict::Differ(format!("we fail, kubectl succeeds: {e}")),
        (Ok(_), false) => Verdict::Differ(format!(
            "we succeed, kubectl fails: {}",
            String::from_utf8_lossy(&oracle.stderr).lines().last().unwrap_or("")
        )),
        (Ok(text), true) => {
            let expected = String::from_utf8_lossy(&oracle.stdout);
            if text == expected {
                Verdict::Same
            } else {
                let line = text.lines().zip(expected.lines()).position(|(a, b)| a != b).unwrap_or(0);
                Verdict::Differ(format!(
                    "line {}: ours {:?}, kubectl {:?}",
                    line + 1,
                    text.lines().nth(line).unwrap_or(""),
                    expected.lines().nth(line).unwrap_or("")
                ))
            }
        }
    })
}

/// kubectl's error without its log prefix, file paths and quoted values: a reason to count cases by.
fn oracle_reason(stderr: &str) -> String {
    let line = stderr.lines().last().unwrap_or("");
    let reason = line.split_once("err=").map_or(line, |(_, r)| r).trim_matches('"');
    let cut: String = reason.chars().take(70).collect();
    cut.split(['\'', '{', '/']).next().unwrap_or("").trim().to_string()
}

/// Drop parts one at a time while the case still differs: what is left is what matters.
fn minimise(case: &Case, kubectl: &str) -> Vec<(&'static str, String)> {
    let mut keep = vec![true; case.parts.len()];
    for i in 0..keep.len() {
        keep[i] = false;
        let still = matches!(judge(&files(case, &keep), kubectl), Ok(Verdict::Differ(_)));
        if !still {
            keep[i] = true;
        }
    }
    files(case, &keep)
}

pub struct Summary {
    pub cases: usize,
    pub same: usize,
    pub both_fail: usize,
    pub refused: usize,
    /// Why kubectl failed, for the cases that fail in both: reason -> count.
    pub both_fail_reasons: std::collections::BTreeMap<String, usize>,
    /// Each divergence: the verdict and the minimised files.
    pub divergences: Vec<(String, Vec<(&'static str, String)>)>,
}

/// Run `cases` generated cases from `seed` against `kubectl`, on all cores.
pub fn run_cases(cases: usize, seed: u64, kubectl: &str) -> Result<Summary, String> {
    use rayon::prelude::*;
    let verdicts: Vec<(Case, Verdict)> = (0..cases)
        .into_par_iter()
        .map(|i| {
            let mut rng = Rng::new(seed.wrapping_mul(1_000_003).wrapping_add(i as u64));
            let case = generate(&mut rng);
            let v = judge(&files(&case, &vec![true; case.parts.len()]), kubectl)?;
            Ok((case, v))
        })
        .collect::<Result<_, String>>()?;
    let mut s = Summary {
        cases,
        same: 0,
        both_fail: 0,
        refused: 0,
        both_fail_reasons: Default::default(),
        divergences: Vec::new(),
    };
    for (case, v) in verdicts {
        match v {
            Verdict::Same => s.same += 1,
            Verdict::BothFail(reason) => {
                s.both_fail += 1;
                *s.both_fail_reasons.entry(reason).or_default() += 1;
            }
            Verdict::Refused(_) => s.refused += 1,
            Verdict::Differ(why) => {
                if s.divergences.len() < 5 {
                    s.divergences.push((why, minimise(&case, kubectl)));
                } else {
                    s.divergences.push((why, Vec::new()));
                }
            }
        }
    }
    Ok(s)
}

/// The command: a report of the run.
pub fn run(cases: usize, seed: u64) -> Result<String, String> {
    let s = run_cases(cases, seed, "kubectl")?;
    let mut out = format!(
        "bench-parity: {} cases (seed {seed}): {} identical bytes, {} fail in both, {} refused by name, {} divergent\n",
        s.cases,
        s.same,
        s.both_fail,
        s.refused,
        s.divergences.len()
    );
    let mut reasons: Vec<(&String, &usize)> = s.both_fail_reasons.iter().collect();
    reasons.sort_by(|a, b| b.1.cmp(a.1));
    for (reason, n) in reasons.iter().take(8) {
        let _ = writeln!(out, "  fail in both ({n}): {reason}");
    }
    for (why, files) in s.divergences.iter().take(5) {
        let _ = writeln!(out, "\ndivergence: {why}");
        for (name, text) in files {
            let _ = writeln!(out, "--- {name}\n{text}");
        }
    }
    Ok(out)
}

//! Runs every case of ../shared/kustomize-conformance (kustomize's own tests, with `kubectl kustomize` output as the
//! oracle) through the native renderer. A case passes when the printed output is byte-identical to the oracle's
//! (or, for an expected error, when the build fails); equality as data is reported as a diagnostic only, since a
//! quoting or type difference is what the API server would read differently. A case that does not pass must be a
//! refusal that names an unsupported field: a different output is never acceptable.

mod support;

use argocd_eso_plugin::kustomize::{self, BuildOptions, KustomizeError, LoadRestrictor, loader};
use serde_yaml::Value;
use std::path::{Path, PathBuf};

fn cases_dir() -> PathBuf {
    let dir = support::shared_dir().join("kustomize-conformance/cases");
    assert!(dir.is_dir(), "conformance cases not found at {}", dir.display());
    dir
}

fn parse_stream(text: &str) -> Vec<Value> {
    loader::split_documents(text)
        .iter()
        .map(|d| serde_yaml::from_str::<Value>(d.text).expect("oracle output parses"))
        .filter(|v| !v.is_null())
        .collect()
}

/// How a case ended; the texts are for the report (printed with Debug).
#[derive(Debug)]
#[allow(dead_code)]
enum Outcome {
    Pass,
    Refused(String),
    Different(String),
    UnexpectedError(String),
    UnexpectedSuccess,
}

fn run_case(case: &Path) -> Outcome {
    let meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(case.join("case.json")).unwrap()).unwrap();
    let run_dir = case.join("input").join(meta["run_dir"].as_str().unwrap_or("."));
    let flags: Vec<String> = meta["kubectl_flags"]
        .as_array()
        .map(|a| a.iter().filter_map(|f| f.as_str().map(String::from)).collect())
        .unwrap_or_default();
    let opts = BuildOptions {
        load_restrictor: if flags.iter().any(|f| f.contains("LoadRestrictionsNone")) {
            LoadRestrictor::None
        } else {
            LoadRestrictor::RootOnly
        },
        repo_root: None,
        preprocessor: None,
        without_charts: false,
        edits: None,
    };
    let result = kustomize::build(&run_dir, &opts);
    let expect_error = meta["expect"] == "error";
    match (result, expect_error) {
        (Err(_), true) => Outcome::Pass,
        (Ok(_), true) => Outcome::UnexpectedSuccess,
        (Err(e @ KustomizeError::Unsupported { .. }), false) => Outcome::Refused(e.to_string()),
        (Err(e), false) => Outcome::UnexpectedError(e.to_string()),
        (Ok(resources), false) => {
            let expected_text = std::fs::read_to_string(case.join("expected.yaml")).unwrap();
            let got_text = match argocd_eso_plugin::output::manifests::to_yaml_stream(&resources) {
                Ok(t) => t,
                Err(e) => return Outcome::UnexpectedError(e.to_string()),
            };
            if got_text == expected_text {
                return Outcome::Pass;
            }
            let expected = parse_stream(&expected_text);
            let got: Vec<Value> = resources.into_iter().map(|r| r.value).collect();
            if got == expected {
                let line = got_text.lines().zip(expected_text.lines()).position(|(a, b)| a != b).unwrap_or(0);
                Outcome::Different(format!(
                    "equal as data, different bytes from line {}: got {:?}, expected {:?}",
                    line + 1,
                    got_text.lines().nth(line).unwrap_or(""),
                    expected_text.lines().nth(line).unwrap_or("")
                ))
            } else {
                let first =
                    got.iter().zip(&expected).position(|(a, b)| a != b).unwrap_or(got.len().min(expected.len()));
                Outcome::Different(format!(
                    "{} docs vs {} expected; first difference at document {first}:\n--- got\n{}\n--- expected\n{}",
                    got.len(),
                    expected.len(),
                    got.get(first).map(|v| serde_yaml::to_string(v).unwrap()).unwrap_or_default(),
                    expected.get(first).map(|v| serde_yaml::to_string(v).unwrap()).unwrap_or_default()
                ))
            }
        }
    }
}

/// The pass count may only go up: raise it when a change makes more cases pass.
const PASS_FLOOR: usize = 267;

#[test]
fn kustomize_conformance_cases() {
    let mut cases: Vec<PathBuf> = std::fs::read_dir(cases_dir()).unwrap().map(|e| e.unwrap().path()).collect();
    cases.sort();
    let mut report = String::new();
    let (mut pass, mut refused, mut bad) = (0, Vec::new(), Vec::new());
    for case in &cases {
        let name = case.file_name().unwrap().to_string_lossy().to_string();
        match run_case(case) {
            Outcome::Pass => pass += 1,
            Outcome::Refused(why) => refused.push(format!("{name}: {why}")),
            other => bad.push(format!("{name}: {other:?}")),
        }
    }
    report.push_str(&format!("conformance: {pass}/{} cases pass\n", cases.len()));
    for r in &refused {
        report.push_str(&format!("REFUSED {r}\n"));
    }
    for b in &bad {
        report.push_str(&format!("FAILED {b}\n"));
    }
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("conformance-report.txt");
    std::fs::write(&out, &report).unwrap();
    println!("{}", report.lines().next().unwrap());
    println!("refused (named unsupported feature): {}", refused.len());
    for r in &refused {
        println!("  {}", r.lines().next().unwrap_or(""));
    }
    println!("full report: {}", out.display());
    assert!(
        bad.is_empty(),
        "{} case(s) differ from kubectl kustomize without a named refusal:\n{}",
        bad.len(),
        bad.join("\n")
    );
    assert!(pass * 100 >= cases.len() * 95, "only {pass} of {} cases pass (95% required)", cases.len());
    assert!(pass >= PASS_FLOOR, "only {pass} of {} cases pass; the floor is {PASS_FLOOR}", cases.len());
}

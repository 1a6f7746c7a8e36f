//! lint on the shapes of real GitOps repositories (testdata/realworld, see its README): the environments it finds,
//! every finding it raises (each expectation says why it is right), and what it says under -v. And, when the real
//! repositories are on the machine, that every error lint raises on them is a defect `kubectl kustomize` agrees is one.

use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::process::Command;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Expected {
    environments: Vec<String>,
    findings: Vec<ExpectedFinding>,
    #[serde(default)]
    said: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExpectedFinding {
    code: String,
    severity: String,
    file: String,
    why: String,
}

fn lint(repo: &Path) -> (serde_json::Value, String, i32) {
    let out = Command::new(env!("CARGO_BIN_EXE_argocd-eso-plugin"))
        .args(["lint", "--offline", "-v", "-o", "json"])
        .arg(repo)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    let report = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{}: {e}\n{stderr}", repo.display()));
    (report, stderr, out.status.code().unwrap_or(-1))
}

/// (code, severity, file) of every finding but the offline note, sorted.
fn findings(report: &serde_json::Value) -> Vec<(String, String, String)> {
    let mut out: Vec<(String, String, String)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] != "KV000")
        .map(|f| {
            let text = |k: &str| f[k].as_str().unwrap().to_string();
            (text("code"), text("severity"), text("file"))
        })
        .collect();
    out.sort();
    out
}

#[test]
fn real_world_shapes_lint_as_expected() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/realworld");
    let mut shapes: Vec<PathBuf> =
        std::fs::read_dir(&root).unwrap().map(|e| e.unwrap().path()).filter(|p| p.is_dir()).collect();
    shapes.sort();
    assert!(shapes.len() >= 5, "{shapes:?}");
    for shape in shapes {
        let name = shape.file_name().unwrap().to_string_lossy().to_string();
        let expected: Expected =
            serde_yaml::from_str(&std::fs::read_to_string(shape.join("expected.yaml")).unwrap()).unwrap();
        let (report, stderr, status) = lint(&shape.join("repo"));
        let envs: Vec<String> =
            report["environments"].as_array().unwrap().iter().map(|e| e.as_str().unwrap().to_string()).collect();
        assert_eq!(envs, expected.environments, "{name}: environments\n{stderr}");
        let mut want: Vec<(String, String, String)> = expected
            .findings
            .iter()
            .map(|f| {
                assert!(f.why.len() > 20, "{name}: say why {} is right", f.code);
                (f.code.clone(), f.severity.clone(), f.file.clone())
            })
            .collect();
        want.sort();
        assert_eq!(findings(&report), want, "{name}: findings\n{stderr}");
        for line in &expected.said {
            assert!(stderr.contains(line.as_str()), "{name}: -v should say {line:?}\n{stderr}");
        }
        let errors = want.iter().any(|(_, severity, _)| severity == "error");
        assert_eq!(status, i32::from(errors), "{name}: exit status\n{stderr}");
    }
}

/// The errors lint raises on real repositories, each a real defect: (repository, code, file, why).
const KNOWN_DEFECTS: &[(&str, &str, &str, &str)] = &[
    (
        "Andrey-Omelyanuk+dev-cluster",
        "KUS001",
        "apps/frigate/dev/kustomization.yml",
        "lists sealed-secrets.yml, which is not in Git",
    ),
    (
        "Andrey-Omelyanuk+dev-cluster",
        "KUS001",
        "apps/frigate/local/kustomization.yml",
        "lists sealed-secrets.yml, which is not in Git",
    ),
    (
        "Andrey-Omelyanuk+dev-cluster",
        "KUS001",
        "apps/propagandon/dev/kustomization.yml",
        "a secretGenerator reads .env.back.secret, which is not in Git",
    ),
    (
        "argoproj+argocd-example-apps",
        "KUS001",
        "plugins/kustomized-helm/kustomization.yaml",
        "patches written as file names, which kustomize rejects (the folder is for a config management plugin)",
    ),
    (
        "rmortale+k8s-config",
        "GIT001",
        "apps/file-sender/base/secret.yaml",
        "an S3 access key and secret key in a Secret's data, base64 only (lengths of a real key pair)",
    ),
];

const MIRRORED: &[&str] = &[
    "chezmoidotsh+arcane",
    "fluxcd+flux2-kustomize-helm-example",
    "ZionetLearning+learning-teachin-zionet",
    "mycurelabs+monobase-infra",
    "Andrey-Omelyanuk+dev-cluster",
    "argoproj+argocd-example-apps",
    "GoogleCloudPlatform+microservices-demo",
    "vehagn+homelab",
    "theepicsaxguy+homelab",
    "rmortale+k8s-config",
];

/// Needs the repositories that `fetch` mirrors (ARGOCD_ESO_PLUGIN_MIRRORS=/work/.mirror); their content is not
/// committed here.
#[test]
#[ignore = "needs ARGOCD_ESO_PLUGIN_MIRRORS with the fetched repositories"]
fn real_repositories_raise_only_real_errors() {
    let mirrors = PathBuf::from(std::env::var("ARGOCD_ESO_PLUGIN_MIRRORS").expect("ARGOCD_ESO_PLUGIN_MIRRORS"));
    for name in MIRRORED {
        let git = mirrors.join(name).join("repo");
        let tmp = tempfile::tempdir().unwrap();
        let archive = Command::new("git")
            .arg("-C")
            .arg(&git)
            .args(["archive", "HEAD", "--", "."])
            // Large binaries may be absent from a mirror; kustomize reads none of them.
            .args(["png", "jpg", "jpeg", "gif", "mp4", "pdf", "zip", "gz"].map(|x| format!(":(exclude)*.{x}")))
            .output()
            .unwrap();
        assert!(archive.status.success(), "{name}: {}", String::from_utf8_lossy(&archive.stderr));
        let mut child = Command::new("tar")
            .arg("-x")
            .arg("-C")
            .arg(tmp.path())
            .stdin(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        std::io::Write::write_all(child.stdin.as_mut().unwrap(), &archive.stdout).unwrap();
        assert!(child.wait().unwrap().success());
        let (report, stderr, _) = lint(tmp.path());
        let errors: Vec<(String, String)> = findings(&report)
            .into_iter()
            .filter(|(_, severity, _)| severity == "error")
            .map(|(code, _, file)| (code, file))
            .collect();
        let known: Vec<(String, String)> = KNOWN_DEFECTS
            .iter()
            .filter(|(repo, ..)| repo == name)
            .map(|(_, code, file, _)| (code.to_string(), file.to_string()))
            .collect();
        assert_eq!(errors, known, "{name}\n{stderr}");
        // The oracle agrees: each overlay lint could not build, kubectl kustomize cannot either.
        for (_, file) in errors.iter().filter(|(code, _)| code == "KUS001") {
            let overlay = tmp.path().join(file).parent().unwrap().to_path_buf();
            let kubectl = Command::new("kubectl").arg("kustomize").arg(&overlay).output().unwrap();
            assert!(!kubectl.status.success(), "{name}: kubectl kustomize builds {file}");
        }
    }
}

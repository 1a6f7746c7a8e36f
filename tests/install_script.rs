//! scripts/install.sh, which action.yml (and the GitLab example) use to install a release binary instead of
//! compiling the crate: against a release served on 127.0.0.1 that holds this build's binary, packaged the way
//! .github/workflows/release.yml packages it.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Serve the files of `dir` over HTTP/1.1 on 127.0.0.1 (404 for anything else); returns the base URL.
fn serve(dir: PathBuf) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut request_line = String::new();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            if reader.read_line(&mut request_line).is_err() {
                continue;
            }
            // Drain the headers.
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                line.clear();
            }
            let path = request_line.split_whitespace().nth(1).unwrap_or("/");
            let file = dir.join(path.rsplit('/').next().unwrap_or(""));
            let response = match std::fs::read(&file) {
                Ok(body) if file.is_file() => {
                    let mut r =
                        format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len())
                            .into_bytes();
                    r.extend(body);
                    r
                }
                _ => b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_vec(),
            };
            let _ = stream.write_all(&response);
        }
    });
    format!("http://{addr}")
}

fn target() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "x86_64-unknown-linux-musl",
        "aarch64" => "aarch64-unknown-linux-musl",
        other => panic!("no release target for {other}"),
    }
}

/// A release of `version` in `dir`, as the release workflow packages it: the archive and its `sha256sum` line.
fn package(dir: &Path, version: &str) -> String {
    let name = format!("argocd-eso-plugin-{version}-{}", target());
    let stage = dir.join("stage").join(&name);
    std::fs::create_dir_all(&stage).unwrap();
    std::fs::copy(env!("CARGO_BIN_EXE_argocd-eso-plugin"), stage.join("argocd-eso-plugin")).unwrap();
    let archive = format!("{name}.tar.gz");
    let ok = Command::new("tar")
        .args(["-czf", dir.join(&archive).to_str().unwrap(), "-C", dir.join("stage").to_str().unwrap(), &name])
        .status()
        .unwrap();
    assert!(ok.success());
    let sum = Command::new("sha256sum").arg(&archive).current_dir(dir).output().unwrap();
    std::fs::write(dir.join(format!("{archive}.sha256")), &sum.stdout).unwrap();
    archive
}

fn install(base_url: &str, version: &str, dest: &Path) -> Output {
    Command::new("bash")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/install.sh"))
        .env("VERSION", version)
        .env("BASE_URL", base_url)
        .env("DEST", dest)
        .env_remove("ALLOW_BUILD")
        .output()
        .unwrap()
}

#[test]
fn installs_a_verified_release_and_refuses_a_tampered_one() {
    let release = tempfile::tempdir().unwrap();
    let archive = package(release.path(), "v9.9.9");
    let url = serve(release.path().to_path_buf());

    let dest = tempfile::tempdir().unwrap();
    let out = install(&url, "v9.9.9", dest.path());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let installed = dest.path().join("argocd-eso-plugin");
    let version = Command::new(&installed).arg("--version").output().unwrap();
    assert!(version.status.success() && String::from_utf8_lossy(&version.stdout).starts_with("argocd-eso-plugin"));
    assert!(String::from_utf8_lossy(&out.stderr).contains("sha256"), "says what it verified");

    // The archive changed after its checksum was published: exit 3, nothing installed, no fallback to a build.
    let mut bytes = std::fs::read(release.path().join(&archive)).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0xff;
    std::fs::write(release.path().join(&archive), bytes).unwrap();
    let dest = tempfile::tempdir().unwrap();
    let out = install(&url, "v9.9.9", dest.path());
    assert_eq!(out.status.code(), Some(3), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("checksum mismatch"));
    assert!(!dest.path().join("argocd-eso-plugin").exists());

    // No such release: exit 2, which action.yml answers by compiling its own checkout.
    let out = install(&url, "v0.0.0-missing", dest.path());
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("could not download"));
}

#[test]
fn the_release_workflow_packages_what_the_script_downloads() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let workflow = std::fs::read_to_string(root.join(".github/workflows/release.yml")).unwrap();
    let doc: serde_yaml::Value = serde_yaml::from_str(&workflow).unwrap();
    let targets: Vec<&str> = doc["jobs"]["binaries"]["strategy"]["matrix"]["target"]
        .as_sequence()
        .unwrap()
        .iter()
        .filter_map(|t| t.as_str())
        .collect();
    assert_eq!(targets, ["x86_64-unknown-linux-musl", "aarch64-unknown-linux-musl"]);
    let script = std::fs::read_to_string(root.join("scripts/install.sh")).unwrap();
    for t in &targets {
        assert!(script.contains(t), "install.sh knows {t}");
    }
    // The archive name and the sha256sum line the script reads are the ones the workflow writes.
    assert!(workflow.contains(r#"name="argocd-eso-plugin-${GITHUB_REF_NAME}-${{ matrix.target }}""#));
    assert!(workflow.contains(r#"sha256sum "$name.tar.gz" > "$name.tar.gz.sha256""#));
    assert!(script.contains(r#"archive="argocd-eso-plugin-$VERSION-$target.tar.gz""#));
    let action = std::fs::read_to_string(root.join("action.yml")).unwrap();
    assert!(action.contains("scripts/install.sh"), "the action downloads a release");
}

// Records the git revision for `--version` (`unknown` outside a git checkout, e.g. in a container build).
fn git(args: &[&str]) -> Option<String> {
    std::process::Command::new("git")
        .args(args)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
}

fn main() {
    let rev = git(&["rev-parse", "--short=12", "HEAD"]).unwrap_or_else(|| "unknown".to_string());
    println!("cargo:rustc-env=GIT_REVISION={rev}");
    // Watch the files that move with HEAD where git keeps them (a worktree's `.git` is a file, not a directory); a
    // path that does not exist would make cargo rerun this script, and rebuild the crate, on every build.
    println!("cargo:rerun-if-changed=build.rs");
    for path in ["HEAD", "refs/heads"] {
        if let Some(p) = git(&["rev-parse", "--git-path", path]).filter(|p| std::path::Path::new(p).exists()) {
            println!("cargo:rerun-if-changed={p}");
        }
    }
}

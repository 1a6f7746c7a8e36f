//! The one way the program reads a file that a repository names: kustomizations and what they list, env files,
//! templates, their includes and values files, the config file and its inventories. A repository's committers are
//! not trusted (in Argo CD, `generate` runs on whatever was pushed, next to Azure credentials, and its stderr is
//! shown in the UI), so every read here:
//! - stays inside the repository root, symlinks resolved; a path that leaves it is refused before the file system is
//!   asked whether it exists, so nothing outside can be probed;
//! - reads regular files only (no devices, FIFOs or sockets) and at most a size cap, counted while reading (a
//!   device reports length 0);
//! - reports the path and the cause, never the contents.

use std::io::Read;
use std::path::{Component, Path, PathBuf};

/// Larger files are refused: kustomize inputs are manifests, not data dumps, and reading a 100 MB file into memory
/// for every overlay would make a monorepo lint unusable.
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("{}: no such file", path.display())]
    NotFound { path: PathBuf },
    #[error("{}: refused: it is outside the repository {} (symlinks included)", path.display(), root.display())]
    OutsideRepository { path: PathBuf, root: PathBuf },
    #[error("{}: refused: not a regular file", path.display())]
    NotRegular { path: PathBuf },
    #[error("{}: refused: larger than {limit} bytes", path.display())]
    TooLarge { path: PathBuf, limit: u64 },
    #[error("{}: not UTF-8 text", path.display())]
    NotText { path: PathBuf },
    #[error("{}: {}", path.display(), kind)]
    Io { path: PathBuf, kind: std::io::ErrorKind },
}

impl FileError {
    fn io(path: &Path, e: std::io::Error) -> FileError {
        match e.kind() {
            std::io::ErrorKind::NotFound => FileError::NotFound { path: path.to_path_buf() },
            kind => FileError::Io { path: path.to_path_buf(), kind },
        }
    }
}

/// Lexically normalise a path (resolve `.` and `..` without touching the file system).
pub fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            Component::CurDir => {}
            other => out.push(other.as_os_str()),
        }
    }
    out
}

fn absolute(p: &Path) -> PathBuf {
    if p.is_absolute() { normalize(p) } else { normalize(&std::env::current_dir().unwrap_or_default().join(p)) }
}

/// Real paths, each answer remembered: one build resolves the same few directories for every file it reads, and
/// each file several times (its kustomization field, the load restrictor, the read): a lint of 1,500 overlays made
/// 400,000 failing `readlink` calls before. Scoped to its owner (one build), never global: a directory replaced by
/// a symlink between two builds of a long-lived process is seen.
#[derive(Debug, Clone, Default)]
pub struct RealPaths(std::sync::Arc<std::sync::Mutex<std::collections::HashMap<PathBuf, PathBuf>>>);

impl RealPaths {
    /// What `std::fs::canonicalize` answers: the parent's real path (remembered) joined with the last component,
    /// followed when it is a symlink.
    pub fn canonicalize(&self, path: &Path) -> std::io::Result<PathBuf> {
        let path = absolute(path);
        if let Some(known) = self.known(&path) {
            return Ok(known);
        }
        let real = match (path.parent(), path.file_name()) {
            (Some(parent), Some(name)) => {
                let candidate = self.canonicalize(parent)?.join(name);
                if std::fs::symlink_metadata(&candidate)?.file_type().is_symlink() {
                    std::fs::canonicalize(&candidate)?
                } else {
                    candidate
                }
            }
            _ => std::fs::canonicalize(&path)?,
        };
        if let Ok(mut m) = self.0.lock() {
            m.insert(path, real.clone());
        }
        Ok(real)
    }

    /// Every path resolved so far (absolute, as written), sorted.
    pub fn resolved(&self) -> Vec<PathBuf> {
        let mut out: Vec<PathBuf> = self.0.lock().map(|m| m.keys().cloned().collect()).unwrap_or_default();
        out.sort();
        out
    }

    fn known(&self, path: &Path) -> Option<PathBuf> {
        self.0.lock().ok()?.get(path).cloned()
    }
}

/// The real path of `path` when it lies inside `root` (`None`: no boundary), symlinks resolved. A path that leaves
/// the root as written is refused without looking at the file system.
pub fn confine(root: Option<&Path>, path: &Path) -> Result<PathBuf, FileError> {
    confine_with(&RealPaths::default(), root, path)
}

/// [`confine`], resolving through `paths`.
pub fn confine_with(paths: &RealPaths, root: Option<&Path>, path: &Path) -> Result<PathBuf, FileError> {
    let written = absolute(path);
    let real_root = root.map(|r| paths.canonicalize(r).unwrap_or_else(|_| absolute(r)));
    let outside = |real_root: &Path| FileError::OutsideRepository { path: path.to_path_buf(), root: real_root.into() };
    if let (Some(root), Some(real_root)) = (root, &real_root)
        && !written.starts_with(absolute(root))
        && !written.starts_with(real_root)
    {
        return Err(outside(real_root));
    }
    let real = paths.canonicalize(&written).map_err(|e| FileError::io(path, e))?;
    match &real_root {
        Some(r) if !real.starts_with(r) => Err(outside(r)),
        _ => Ok(real),
    }
}

/// Read a file inside `root` (`None`: no boundary), at most `limit` bytes.
pub fn read_bytes(root: Option<&Path>, path: &Path, limit: u64) -> Result<Vec<u8>, FileError> {
    read_bytes_with(&RealPaths::default(), root, path, limit)
}

/// [`read_bytes`], resolving through `paths`.
pub fn read_bytes_with(paths: &RealPaths, root: Option<&Path>, path: &Path, limit: u64) -> Result<Vec<u8>, FileError> {
    let real = confine_with(paths, root, path)?;
    let meta = std::fs::metadata(&real).map_err(|e| FileError::io(path, e))?;
    if !meta.is_file() {
        return Err(FileError::NotRegular { path: path.to_path_buf() });
    }
    if meta.len() > limit {
        return Err(FileError::TooLarge { path: path.to_path_buf(), limit });
    }
    let file = std::fs::File::open(&real).map_err(|e| FileError::io(path, e))?;
    let mut out = Vec::with_capacity(meta.len() as usize);
    // Counted while reading too: the file may grow between the check and the read.
    file.take(limit + 1).read_to_end(&mut out).map_err(|e| FileError::io(path, e))?;
    if out.len() as u64 > limit {
        return Err(FileError::TooLarge { path: path.to_path_buf(), limit });
    }
    Ok(out)
}

/// Read a UTF-8 text file inside `root` (`None`: no boundary), at most `limit` bytes.
pub fn read_text(root: Option<&Path>, path: &Path, limit: u64) -> Result<String, FileError> {
    read_text_with(&RealPaths::default(), root, path, limit)
}

/// [`read_text`], resolving through `paths`.
pub fn read_text_with(paths: &RealPaths, root: Option<&Path>, path: &Path, limit: u64) -> Result<String, FileError> {
    String::from_utf8(read_bytes_with(paths, root, path, limit)?)
        .map_err(|_| FileError::NotText { path: path.to_path_buf() })
}

/// A serde (de)serialisation message without the values it quotes: serde writes the offending value into messages
/// such as `invalid type: string "…", expected a sequence` or ``unknown variant `…` ``, and the value may be a secret
/// (or, through a symlink, another file's contents). Field names and what was expected stay.
pub fn redact_serde_message(message: &str) -> String {
    static PATTERNS: std::sync::OnceLock<[(regex::Regex, &'static str); 3]> = std::sync::OnceLock::new();
    let patterns = PATTERNS.get_or_init(|| {
        [
            // serde's `Unexpected` values: a string or char (Debug-quoted), bytes, or a number/bool.
            (
                regex::Regex::new(r#"(invalid (?:type|value|length): )(?:string "(?:[^"\\]|\\.)*"|char '(?:[^'\\]|\\.)*'|bytes \[[^\]]*\]|(?:integer|floating point|boolean) `?[^,`\s]*`?)"#).expect("valid"),
                "${1}a value",
            ),
            (regex::Regex::new(r"(unknown variant )`(?:[^`\\]|\\.)*`").expect("valid"), "${1}(value not shown)"),
            (regex::Regex::new(r#"(invalid (?:type|value): )(\w+) "(?:[^"\\]|\\.)*""#).expect("valid"), "${1}${2}"),
        ]
    });
    let mut out = message.to_string();
    for (re, with) in patterns {
        out = re.replace_all(&out, *with).into_owned();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symlinks_out_of_the_root_are_refused_and_inside_ones_read() {
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("secret"), "CANARY-OUTSIDE").unwrap();
        let repo = tempfile::tempdir().unwrap();
        std::fs::write(repo.path().join("inside"), "ok").unwrap();
        std::os::unix::fs::symlink(outside.path().join("secret"), repo.path().join("link")).unwrap();
        std::os::unix::fs::symlink("inside", repo.path().join("good-link")).unwrap();
        let e = read_text(Some(repo.path()), &repo.path().join("link"), 100).unwrap_err();
        assert!(matches!(e, FileError::OutsideRepository { .. }), "{e}");
        assert!(!e.to_string().contains("CANARY"));
        assert_eq!(read_text(Some(repo.path()), &repo.path().join("good-link"), 100).unwrap(), "ok");
    }

    #[test]
    fn outside_paths_are_refused_without_probing_existence() {
        let repo = tempfile::tempdir().unwrap();
        for p in ["/etc/passwd", "/nonexistent/x", "../../../../etc/hostname"] {
            let e = read_text(Some(repo.path()), &repo.path().join(p), 100).unwrap_err();
            assert!(matches!(e, FileError::OutsideRepository { .. }), "{p}: {e}");
        }
    }

    #[test]
    fn devices_and_oversized_files_are_refused() {
        let e = read_bytes(None, Path::new("/dev/zero"), 10).unwrap_err();
        assert!(matches!(e, FileError::NotRegular { .. }), "{e}");
        let t = tempfile::tempdir().unwrap();
        std::fs::write(t.path().join("big"), vec![b'a'; 11]).unwrap();
        let e = read_bytes(Some(t.path()), &t.path().join("big"), 10).unwrap_err();
        assert!(matches!(e, FileError::TooLarge { .. }), "{e}");
        assert_eq!(read_bytes(Some(t.path()), &t.path().join("big"), 11).unwrap().len(), 11);
    }

    #[test]
    fn serde_messages_lose_their_values() {
        let cases = [
            (
                r#"invalid type: string "root:x:0:0:root:/root:/bin/bash", expected a sequence at line 1 column 1"#,
                "invalid type: a value, expected a sequence at line 1 column 1",
            ),
            ("invalid type: integer `42`, expected a string", "invalid type: a value, expected a string"),
            (
                "unknown variant `hunter2`, expected one of `create`, `replace`, `merge`",
                "unknown variant (value not shown), expected one of `create`, `replace`, `merge`",
            ),
            ("missing field `name`", "missing field `name`"),
            ("unknown field `nameprefix`, expected `namePrefix`", "unknown field `nameprefix`, expected `namePrefix`"),
        ];
        for (input, want) in cases {
            assert_eq!(redact_serde_message(input), want);
        }
    }
}

//! Native kustomize: builds a kustomization directory into resources, equal to `kubectl kustomize` (kustomize
//! v5.5) or refusing, with the field named, what it does not implement.

pub mod edit;
pub mod fieldspec;
pub mod filters;
pub mod generators;
pub mod linked;
pub mod loader;
pub mod specs;
pub mod target;
mod transformers;
pub mod types;

pub use loader::LoadRestrictor;
pub use target::{BuildOptions, HELM_FIELDS, build, build_recording};

use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum KustomizeError {
    #[error("{}: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{}:{line}: {message}", file.display())]
    Parse { file: PathBuf, line: u32, message: String },
    #[error("{}: {field} refers to '{}', which does not exist", root.display(), path.display())]
    NotFound { path: PathBuf, field: String, root: PathBuf },
    #[error("{}: refused: {detail}", path.display())]
    Security { path: PathBuf, detail: String },
    #[error(transparent)]
    File(#[from] crate::files::FileError),
    #[error("{}: unsupported field '{field}': {detail}", file.display())]
    Unsupported { field: String, file: PathBuf, detail: String },
    #[error("{}: {message}", file.display())]
    Kustomization { file: PathBuf, message: String },
    #[error("{message}")]
    Generator { message: String },
    #[error("{message}")]
    Transform { message: String },
    #[error("{}: {message}", dir.display())]
    Accumulate { dir: PathBuf, message: String },
}

impl KustomizeError {
    pub fn io(path: &Path, source: std::io::Error) -> KustomizeError {
        KustomizeError::Io { path: path.to_path_buf(), source }
    }
}

pub const KUSTOMIZATION_FILE_NAMES: &[&str] = &["kustomization.yaml", "kustomization.yml", "Kustomization"];

/// Whether a file name is one of [`KUSTOMIZATION_FILE_NAMES`].
pub fn is_kustomization_file_name(name: &std::ffi::OsStr) -> bool {
    KUSTOMIZATION_FILE_NAMES.iter().any(|k| name == *k)
}

/// The kustomization file of a directory, if it has exactly one.
pub fn kustomization_file(dir: &Path) -> Result<PathBuf, KustomizeError> {
    let found: Vec<PathBuf> = KUSTOMIZATION_FILE_NAMES.iter().map(|n| dir.join(n)).filter(|p| p.is_file()).collect();
    match found.len() {
        1 => Ok(found.into_iter().next().expect("one")),
        0 => Err(KustomizeError::Accumulate {
            dir: dir.to_path_buf(),
            message: "unable to find one of 'kustomization.yaml', 'kustomization.yml' or 'Kustomization' in directory"
                .into(),
        }),
        _ => Err(KustomizeError::Accumulate {
            dir: dir.to_path_buf(),
            message: "found multiple kustomization files".into(),
        }),
    }
}

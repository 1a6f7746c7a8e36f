//! The errors a command can end with, one kind per stage. Stages return them and never print; `cli` alone turns
//! one into its message and exit code ([`Error::exit_code`]). Every kind exits 2 with nothing on stdout: Argo CD
//! prunes what a plugin stops emitting, so an error never comes with partial output.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The command line or Argo CD's parameters ask for what is not there: an unknown environment or rule, a bad
    /// parameter value, a flag that needs another.
    #[error("{0}")]
    Usage(String),
    /// `.argocd-eso-plugin.yaml` or an inventory file is unreadable or invalid.
    #[error("{0}")]
    Config(String),
    /// The environments cannot be found (an `environments` glob that matches no kustomization).
    #[error("{0}")]
    Scan(String),
    /// An app does not build; `dir` is said first when the kustomize error does not name it.
    #[error("{}{source}", .dir.as_ref().map(|d| format!("{}: ", d.display())).unwrap_or_default())]
    Render {
        dir: Option<PathBuf>,
        #[source]
        source: crate::kustomize::KustomizeError,
    },
    /// Key Vault could not be read for output that needs its versions.
    #[error("{0}")]
    Vault(String),
    /// git could not give diff its base revision.
    #[error("{0}")]
    Git(String),
    /// generate will not emit what it has: manifests that would roll every workload (no version data), or none at
    /// all (which Argo CD would apply by pruning the app).
    #[error("{0}")]
    Refused(String),
    /// The output could not be written or serialized.
    #[error("{0}")]
    Output(String),
    /// A file, directory or stream outside the repository's manifests: the working directory, stdout, a benchmark's
    /// scratch files.
    #[error("{0}")]
    Io(String),
}

impl Error {
    /// The process exit code: 2 for every error (1 is kept for findings at or above `fail-on`, 0 for success).
    pub fn exit_code(&self) -> i32 {
        2
    }

    /// A short name of the kind, for logs and machine output.
    pub fn kind(&self) -> &'static str {
        match self {
            Error::Usage(_) => "usage",
            Error::Config(_) => "config",
            Error::Scan(_) => "scan",
            Error::Render { .. } => "render",
            Error::Vault(_) => "vault",
            Error::Git(_) => "git",
            Error::Refused(_) => "refused",
            Error::Output(_) => "output",
            Error::Io(_) => "io",
        }
    }
}

impl From<crate::kustomize::KustomizeError> for Error {
    fn from(source: crate::kustomize::KustomizeError) -> Error {
        Error::Render { dir: None, source }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_render_error_names_its_directory_once() {
        let source = || crate::kustomize::KustomizeError::Transform { message: "no matches for patch".into() };
        let named = Error::Render { dir: Some(PathBuf::from("apps/orders/overlays/prod")), source: source() };
        assert_eq!(named.to_string(), "apps/orders/overlays/prod: no matches for patch");
        assert_eq!(Error::from(source()).to_string(), "no matches for patch");
        assert_eq!((named.kind(), named.exit_code()), ("render", 2));
    }
}

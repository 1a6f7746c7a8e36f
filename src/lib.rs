//! argocd-eso-plugin: render kustomize overlays natively, check External Secrets Operator objects against Azure Key
//! Vault, and stamp rollout hashes, for Argo CD and for CI.

pub mod bench;
pub mod cli;
pub mod kustomize;
pub mod output;
pub mod resource;

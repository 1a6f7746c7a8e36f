//! argocd-eso-plugin: render kustomize overlays natively, check External Secrets Operator objects against Azure Key
//! Vault, and stamp rollout hashes, for Argo CD and for CI.

pub mod app;
pub mod bench;
pub mod cli;
pub mod config;
pub mod context;
pub mod diff;
pub mod error;
pub mod eso;
pub mod files;
pub mod generate;
pub mod graph;
pub mod kustomize;
pub mod lint;
pub mod model;
pub mod output;
pub mod parity;
pub mod positions;
pub mod resource;
pub mod rollout;
pub mod rules;
pub mod scan;
pub mod session;
pub mod severity;
pub mod template;
pub mod vault;
pub mod yaml;

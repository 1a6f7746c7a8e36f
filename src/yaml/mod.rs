//! The one YAML layer of the renderer: manifests are read with kustomize's rules (go-yaml v3 scalar resolution,
//! [`parse`]) and printed with kustomize's output path (JSON, then go-yaml v2's emitter, [`emit`]), so `render
//! --plain` prints `kubectl kustomize`'s bytes. serde_yaml's `Value` stays the in-memory type (every transformer
//! and rule reads it) and serde_yaml still reads typed files (kustomizations, the config), where its rules are the
//! ones those files are written to.

pub mod emit;
pub mod parse;
pub mod resolve;

#!/usr/bin/env bash
# Write the seed corpora for `cargo fuzz run TARGET fuzz/corpus/TARGET` (from ../shared's kustomize conformance
# cases and the examples), through the same code CI runs them with.
set -euo pipefail
cd "$(dirname "$0")/.."
FUZZ_CORPUS_OUT="$PWD/fuzz/corpus" cargo test --test fuzz_seeds -- --nocapture

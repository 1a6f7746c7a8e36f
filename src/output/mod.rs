//! Writing results. Output is always built in memory first, so that an error never leaves partial stdout.

pub mod manifests;

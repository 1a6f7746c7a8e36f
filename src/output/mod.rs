//! Writing results, one formatter per file. Output is always built in memory first, so that an error never leaves
//! partial stdout.

pub mod diff;
pub mod github;
pub mod json;
pub mod junit;
pub mod manifests;
pub mod sarif;
pub mod text;

use crate::lint::Report;
use std::path::Path;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// rustc-style findings with a source snippet (colour on a terminal only)
    Text,
    Json,
    /// SARIF 2.1.0, for GitHub code scanning
    Sarif,
    /// GitHub Actions workflow commands (inline annotations)
    Github,
    Junit,
}

/// What a formatter may need besides the report: the repo (for source snippets) and whether to colour.
pub struct Context<'a> {
    pub repo: &'a Path,
    pub color: bool,
}

pub fn render(format: Format, report: &Report, ctx: &Context) -> Result<String, String> {
    match format {
        Format::Text => Ok(text::render(report, ctx)),
        Format::Json => json::render(report),
        Format::Sarif => sarif::render(report),
        Format::Github => Ok(github::render(report)),
        Format::Junit => junit::render(report),
    }
}

//! KUS001: an overlay does not render.

use super::{RawFinding, Rule, Severity};

pub const CODE: &str = "KUS001";

pub const RULE: Rule = Rule {
    code: CODE,
    name: "render-failed",
    severity: Severity::Error,
    summary: "an overlay does not render (a kustomize error)",
    explanation: "The overlay could not be rendered: a missing file, a YAML error, a patch that matches nothing. Argo \
CD would fail to generate manifests for the app. The message is the renderer's error, with the file it names. A \
kustomize feature the native renderer refuses by name (remote bases, helmCharts, ...) is KUS002 instead.\n\n\
Example:\n\n\
\x20   resources:\n    - deployment.yaml\n    - servce.yaml      # KUS001: 'servce.yaml' does not exist\n",
    check,
};

/// Render failures are reported by the lint pipeline, which sees them before any rule runs.
fn check<'a>(_env: &super::EnvView<'a>) -> Vec<RawFinding<'a>> {
    Vec::new()
}

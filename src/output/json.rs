//! Machine-readable findings: `{"findings": [...], "environments": [...], "overlays": N}`.

use crate::lint::Report;

pub fn render(report: &Report) -> Result<String, String> {
    let v = serde_json::json!({
        "findings": report.findings,
        "environments": report.environments,
        "overlays": report.overlays,
    });
    serde_json::to_string_pretty(&v).map(|s| s + "\n").map_err(|e| e.to_string())
}

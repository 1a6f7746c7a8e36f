//! SARIF 2.1.0 for GitHub code scanning, built with serde-sarif's types (generated from the SARIF schema), so the
//! structure is the schema's.

use crate::lint::Report;
use crate::rules::{self, Severity};
use serde_sarif::sarif::{
    ArtifactLocation, Location, Message, MultiformatMessageString, PhysicalLocation, Region, ReportingDescriptor,
    Result as SarifResult, ResultLevel, Run, Sarif, Tool, ToolComponent,
};

pub fn render(report: &Report) -> Result<String, String> {
    let descriptors: Vec<ReportingDescriptor> = rules::all()
        .iter()
        .map(|r| {
            ReportingDescriptor::builder()
                .id(r.code.to_string())
                .name(r.name.to_string())
                .short_description(MultiformatMessageString::builder().text(r.summary.to_string()).build())
                .full_description(MultiformatMessageString::builder().text(r.explanation.to_string()).build())
                .build()
        })
        .collect();
    let results: Vec<SarifResult> = report
        .findings
        .iter()
        .map(|f| {
            let level = match f.severity {
                Severity::Error => ResultLevel::Error,
                Severity::Warning => ResultLevel::Warning,
                Severity::Info => ResultLevel::Note,
            };
            let location = Location::builder()
                .physical_location(
                    PhysicalLocation::builder()
                        .artifact_location(ArtifactLocation::builder().uri(f.file.display().to_string()).build())
                        .region(Region::builder().start_line(f.line as i64).start_column(f.column as i64).build())
                        .build(),
                )
                .build();
            let text = format!("{} ({}; environments: {}). {}", f.message, f.object, f.environments.join(", "), f.hint);
            SarifResult::builder()
                .rule_id(f.code.to_string())
                .level(level)
                .message(Message::builder().text(text).build())
                .locations(vec![location])
                .build()
        })
        .collect();
    let driver = ToolComponent::builder()
        .name("argocd-eso-plugin".to_string())
        .version(env!("CARGO_PKG_VERSION").to_string())
        .rules(descriptors)
        .build();
    let sarif = Sarif::builder()
        .version(serde_json::json!("2.1.0"))
        .schema(serde_sarif::sarif::SCHEMA_URL.to_string())
        .runs(vec![Run::builder().tool(Tool::builder().driver(driver).build()).results(results).build()])
        .build();
    serde_json::to_string_pretty(&sarif).map(|s| s + "\n").map_err(|e| e.to_string())
}

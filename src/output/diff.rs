//! Writing a diff report: text (a unified diff per changed object, coloured on a terminal), markdown (a summary
//! table per environment, collapsible diffs, the dependency graph of each changed environment), json.

use crate::diff::{ChangeKind, DiffReport};
use crate::rules::Finding;

fn colour(line: &str, on: bool) -> String {
    if !on {
        return line.to_string();
    }
    match line.chars().next() {
        Some('+') if !line.starts_with("+++") => format!("\x1b[32m{line}\x1b[0m"),
        Some('-') if !line.starts_with("---") => format!("\x1b[31m{line}\x1b[0m"),
        Some('@') => format!("\x1b[36m{line}\x1b[0m"),
        _ => line.to_string(),
    }
}

fn sign(k: ChangeKind) -> &'static str {
    match k {
        ChangeKind::Added => "+",
        ChangeKind::Removed => "-",
        ChangeKind::Changed => "~",
    }
}

pub fn text(report: &DiffReport, color: bool) -> String {
    let mut out = format!("compared with {}\n", &report.base[..report.base.len().min(12)]);
    for env in &report.environments {
        out.push_str(&format!("\n== {}\n", env.summary()));
        for c in &env.changes {
            out.push_str(&format!("{} {}\n", sign(c.change), c.object));
            for e in &c.explanations {
                out.push_str(&format!("  {e}\n"));
            }
            for f in env.findings_about(&c.object) {
                out.push_str(&format!("  {}\n", f.one_line()));
            }
            for line in c.diff.lines() {
                out.push_str(&colour(line, color));
                out.push('\n');
            }
        }
        let elsewhere: Vec<&Finding> = env.findings_elsewhere().collect();
        if !elsewhere.is_empty() {
            out.push_str("findings about unchanged objects of the changed apps:\n");
            for f in elsewhere {
                out.push_str(&format!("  {}\n", f.one_line()));
            }
        }
    }
    out
}

/// `graphs`: the Mermaid graph of each environment that changed.
pub fn markdown(report: &DiffReport, graphs: &[(String, String)]) -> String {
    let mut out = format!("### argocd-eso-plugin diff against `{}`\n\n", &report.base[..report.base.len().min(12)]);
    out.push_str("| environment | added | removed | changed | rolls |\n| --- | ---: | ---: | ---: | --- |\n");
    for env in &report.environments {
        let rolls: Vec<String> = env
            .changes
            .iter()
            .flat_map(|c| {
                c.explanations
                    .iter()
                    .filter(|e| e.contains(" will roll: "))
                    .map(|e| e.split(':').next().unwrap_or("").replace(" will roll", ""))
            })
            .collect();
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} |\n",
            env.environment,
            env.count(ChangeKind::Added),
            env.count(ChangeKind::Removed),
            env.count(ChangeKind::Changed),
            if rolls.is_empty() { "-".to_string() } else { rolls.join(", ") }
        ));
    }
    for env in report.environments.iter().filter(|e| !e.changes.is_empty()) {
        out.push_str(&format!("\n#### {}\n\n", env.summary()));
        if !env.findings.is_empty() {
            out.push_str("Checks of the changed apps, as `generate` runs them:\n\n");
            for f in &env.findings {
                out.push_str(&format!(
                    "- **{}** `{}` {}:{}: {} (`{}`). {}\n",
                    f.severity.as_str(),
                    f.code,
                    f.file.display(),
                    f.line,
                    f.message,
                    f.object,
                    f.hint
                ));
            }
            out.push('\n');
        }
        for c in &env.changes {
            let why =
                if c.explanations.is_empty() { String::new() } else { format!(" ({})", c.explanations.join("; ")) };
            out.push_str(&format!(
                "<details><summary><code>{} {}</code>{why}</summary>\n\n```diff\n{}```\n\n</details>\n",
                sign(c.change),
                c.object,
                c.diff
            ));
        }
        if let Some((_, g)) = graphs.iter().find(|(e, _)| *e == env.environment) {
            out.push_str(&format!(
                "\n<details><summary>dependencies in {}</summary>\n\n```mermaid\n{g}```\n\n</details>\n",
                env.environment
            ));
        }
    }
    out
}

pub fn json(report: &DiffReport) -> Result<String, String> {
    serde_json::to_string_pretty(report).map(|s| s + "\n").map_err(|e| e.to_string())
}

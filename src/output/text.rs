//! Human output, like rustc: the finding, where, the source line with a caret under the value, and the hint.

use super::Context;
use crate::lint::Report;
use crate::rules::Severity;

struct Paint(bool);

impl Paint {
    fn code(&self, c: &str, s: &str) -> String {
        if self.0 { format!("\x1b[{c}m{s}\x1b[0m") } else { s.to_string() }
    }
}

fn severity_color(s: Severity) -> &'static str {
    match s {
        Severity::Error => "1;31",
        Severity::Warning => "1;33",
        Severity::Info => "1;36",
    }
}

pub fn render(report: &Report, ctx: &Context) -> String {
    let p = Paint(ctx.color);
    let mut out = String::new();
    for f in &report.findings {
        out.push_str(&format!(
            "{}: {}\n",
            p.code(severity_color(f.severity), &format!("{}[{}]", f.severity.as_str(), f.code)),
            p.code("1", &f.message)
        ));
        let gutter = f.line.to_string().len();
        let pad = " ".repeat(gutter);
        out.push_str(&format!("{pad}{} {}:{}:{}\n", p.code("1;34", "-->"), f.file.display(), f.line, f.column));
        let source =
            crate::files::read_text(Some(ctx.repo), &ctx.repo.join(&f.file), crate::files::MAX_FILE_BYTES).ok();
        let index = f.line.saturating_sub(1) as usize;
        let snippet =
            source.as_deref().and_then(|s| s.lines().nth(index).map(|l| masked_line(&f.file, s, index, l, f.code)));
        if let Some(line) = snippet.as_deref() {
            let col = (f.column.max(1) - 1) as usize;
            let token = caret_width(&line.chars().skip(col).collect::<String>());
            out.push_str(&format!("{pad} {}\n", p.code("1;34", "|")));
            out.push_str(&format!("{} {} {line}\n", p.code("1;34", &f.line.to_string()), p.code("1;34", "|")));
            out.push_str(&format!(
                "{pad} {} {}{}\n",
                p.code("1;34", "|"),
                " ".repeat(col),
                p.code(severity_color(f.severity), &"^".repeat(token))
            ));
        }
        out.push_str(&format!("{pad} = object: {}\n", f.object));
        out.push_str(&format!(
            "{pad} = {}: {}\n",
            if f.environments.len() == 1 { "environment" } else { "environments" },
            f.environments.join(", ")
        ));
        if !f.hint.is_empty() {
            out.push_str(&format!("{pad} = {}: {}\n", p.code("1", "help"), f.hint));
        }
        out.push('\n');
    }
    let count = |s: Severity| report.findings.iter().filter(|f| f.severity == s).count();
    let (e, w, i) = (count(Severity::Error), count(Severity::Warning), count(Severity::Info));
    let scope = format!("{} environment(s), {} overlay(s)", report.environments.len(), report.overlays);
    if report.findings.is_empty() {
        out.push_str(&format!("no findings in {scope}\n"));
    } else {
        out.push_str(&format!("{e} error(s), {w} warning(s), {i} info in {scope}\n"));
    }
    out
}

/// The source line as shown in a snippet: in a Secret's document (any style: block, flow, JSON) or under GIT001
/// (generator literals), everything after the line's first key is masked, so a value never reaches a CI log. A
/// file that is not a manifest (an env file or a generator's file) is data: its lines are not shown at all.
fn masked_line(file: &std::path::Path, source: &str, index: usize, line: &str, code: &str) -> String {
    let name = file.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let manifest = name == "Kustomization"
        || [".yaml", ".yml", ".json", ".yaml.j2", ".yml.j2"].iter().any(|ext| name.ends_with(ext));
    if !manifest {
        return format!("{}***", &line[..line.len() - line.trim_start().len()]);
    }
    static SECRET_KIND: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let secret_kind =
        SECRET_KIND.get_or_init(|| regex::Regex::new(r#"\bkind["']?\s*:\s*["']?Secret\b"#).expect("valid"));
    let docs = crate::kustomize::loader::split_documents(source);
    let line_no = index as u32 + 1;
    let doc = docs.iter().rev().find(|d| d.line <= line_no);
    let sensitive = code == "GIT001" || doc.is_some_and(|d| secret_kind.is_match(d.text));
    if !sensitive {
        return line.to_string();
    }
    match line.find(':') {
        Some(i) if !line[i + 1..].trim().is_empty() => format!("{} ***", &line[..=i]),
        Some(_) => line.to_string(),
        None => format!("{}***", &line[..line.len() - line.trim_start().len()]),
    }
}

/// How much of the line to underline: a key up to its colon, a value up to a comment or the end.
fn caret_width(rest: &str) -> usize {
    let mut end = rest.len();
    if let Some(i) = rest.find(" #") {
        end = end.min(i);
    }
    if let Some(i) = rest.find(": ").or_else(|| rest.strip_suffix(':').map(|s| s.len())) {
        end = end.min(i);
    }
    rest[..end].trim_end().chars().count().max(1)
}

#[cfg(test)]
mod tests {
    #[test]
    fn secret_lines_are_masked_in_every_style() {
        let block = "apiVersion: v1\nkind: Secret\ndata:\n  password: c2VjcmV0\n";
        assert_eq!(
            super::masked_line(std::path::Path::new("f.yaml"), block, 3, "  password: c2VjcmV0", "X"),
            "  password: ***"
        );
        let flow = "apiVersion: v1\nkind: Secret\nstringData: {password: CANARY}\n";
        assert_eq!(
            super::masked_line(std::path::Path::new("f.yaml"), flow, 2, "stringData: {password: CANARY}", "X"),
            "stringData: ***"
        );
        let json = r#"{"apiVersion":"v1","kind":"Secret","stringData":{"a":"CANARY"}}"#;
        assert!(!super::masked_line(std::path::Path::new("f.yaml"), json, 0, json, "X").contains("CANARY"));
        let other = "kind: ConfigMap\ndata:\n  a: b\n---\nkind: Secret\n";
        assert_eq!(super::masked_line(std::path::Path::new("f.yaml"), other, 2, "  a: b", "X"), "  a: b");
        assert_eq!(super::masked_line(std::path::Path::new("x.env"), "K=CANARY", 0, "K=CANARY", "X"), "***");
        let generator = "secretGenerator: [{name: s, literals: [p=CANARY]}]\n";
        assert!(
            !super::masked_line(std::path::Path::new("f.yaml"), generator, 0, generator.trim_end(), "GIT001")
                .contains("CANARY")
        );
    }

    #[test]
    fn caret_covers_keys_and_values() {
        assert_eq!(super::caret_width("30 minutes  # why"), 10);
        assert_eq!(super::caret_width("refreshIntervall: 1h"), 16);
        assert_eq!(super::caret_width("data:"), 4);
        assert_eq!(super::caret_width("azure-kvv"), 9);
    }
}

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
        let source = std::fs::read_to_string(ctx.repo.join(&f.file)).ok();
        if let Some(line) = source.as_deref().and_then(|s| s.lines().nth(f.line.saturating_sub(1) as usize)) {
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
    fn caret_covers_keys_and_values() {
        assert_eq!(super::caret_width("30 minutes  # why"), 10);
        assert_eq!(super::caret_width("refreshIntervall: 1h"), 16);
        assert_eq!(super::caret_width("data:"), 4);
        assert_eq!(super::caret_width("azure-kvv"), 9);
    }
}

//! GitHub Actions workflow commands: one `::error`/`::warning`/`::notice` line per finding, shown inline on the
//! pull request.

use crate::lint::Report;
use crate::rules::Severity;

fn escape_data(s: &str) -> String {
    s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

pub fn render(report: &Report) -> String {
    let mut out = String::new();
    for f in &report.findings {
        let command = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        let message = format!("{} ({}; {}). {}", f.message, f.object, f.environments.join(", "), f.hint);
        out.push_str(&format!(
            "::{command} file={},line={},col={},title={}::{}\n",
            escape_property(&f.file.display().to_string()),
            f.line,
            f.column,
            escape_property(&format!("{} {}", f.code, f.rule)),
            escape_data(&message)
        ));
    }
    out
}

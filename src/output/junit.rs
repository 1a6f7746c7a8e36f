//! JUnit XML (quick-junit): one test suite per environment, one failing test case per finding, and a passing case
//! for an environment without findings, so that CI systems show lint like a test run.

use crate::lint::Report;
use crate::rules::Severity;
use quick_junit::{NonSuccessKind, Report as JReport, TestCase, TestCaseStatus, TestSuite};

pub fn render(report: &Report) -> Result<String, String> {
    let mut out = JReport::new("argocd-eso-plugin lint");
    for env in &report.environments {
        let mut suite = TestSuite::new(format!("environment {env}"));
        let mine: Vec<_> = report.findings.iter().filter(|f| f.environments.contains(env)).collect();
        for f in &mine {
            let status = if f.severity == Severity::Error {
                let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
                s.set_message(f.message.clone());
                s.set_type(f.code);
                s.set_description(format!("{}:{}:{} {}\n{}", f.file.display(), f.line, f.column, f.object, f.hint));
                s
            } else {
                TestCaseStatus::success()
            };
            let mut case = TestCase::new(format!("{} {} {}", f.code, f.object, f.message), status);
            case.set_classname(format!("{}:{}", f.file.display(), f.line));
            if f.severity != Severity::Error {
                case.set_system_out(format!("{}: {} ({})", f.severity.as_str(), f.message, f.hint));
            }
            suite.add_test_case(case);
        }
        if mine.is_empty() {
            suite.add_test_case(TestCase::new("lint", TestCaseStatus::success()));
        }
        out.add_test_suite(suite);
    }
    out.to_string().map_err(|e| e.to_string())
}

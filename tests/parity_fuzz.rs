//! The differential fuzzer (`bench-parity`) on a fixed seed: a few hundred generated kustomization trees full of
//! YAML hazards, each rendered natively and by `kubectl kustomize`; every case must print the same bytes, fail in
//! both, or be refused by name. Larger runs by hand: `argocd-eso-plugin bench-parity --cases 20000 --seed N`.

#[test]
fn generated_trees_render_byte_identically_to_kubectl() {
    let s = argocd_eso_plugin::parity::run_cases(300, 1, "kubectl").expect("kubectl (the oracle) runs");
    println!(
        "bench-parity seed 1: {} cases, {} identical, {} fail in both, {} refused by name, {} divergent",
        s.cases,
        s.same,
        s.both_fail,
        s.refused,
        s.divergences.len()
    );
    assert!(s.same >= s.cases / 3, "too few cases render at all ({}): the generator has drifted", s.same);
    let report: Vec<String> = s
        .divergences
        .iter()
        .map(|(why, files)| {
            let files: Vec<String> = files.iter().map(|(n, t)| format!("--- {n}\n{t}")).collect();
            format!("{why}\n{}", files.join(""))
        })
        .collect();
    assert!(report.is_empty(), "{} divergent case(s):\n{}", report.len(), report.join("\n"));
}

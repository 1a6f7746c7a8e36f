//! Key Vault request economy at 50 ms injected latency, against the fake vault (no Azure needed):
//! `cargo bench --bench vault_requests`. Prints wall time and requests for a repo-wide lint (5,000 of 10,000
//! secrets referenced: one paged listing) and for one Argo CD app (5 referenced: version listings), next to the
//! one-GET-per-reference approach of argocd-vault-plugin, whose cost is computed, not run: reading values is exactly
//! what this project never does.

#[path = "../tests/support/fake_vault.rs"]
mod fake_vault;

use argocd_eso_plugin::vault::live::{Connection, choose_plan};
use std::time::{Duration, Instant};

const HOST: &str = "kv-bench.vault.azure.net";
const LATENCY: Duration = Duration::from_millis(50);

fn main() {
    let fake = fake_vault::FakeVault::start(&[HOST, "login.fake.test"]);
    let names: Vec<String> = (0..10_000).map(|i| format!("secret-{i:05}")).collect();
    for n in &names {
        fake.add(n, &[1_700_000_000]);
    }
    fake.faults(|f| f.latency = LATENCY);
    let opts = fake.client_secret_options(HOST, Duration::from_secs(600));
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    println!("fake vault: 10,000 secrets, {} ms latency per request", LATENCY.as_millis());
    for (label, referenced) in
        [("repo-wide lint, 5,000 keys referenced", 5_000usize), ("one Argo CD app, 5 keys referenced", 5)]
    {
        fake.clear_log();
        let plan = choose_plan(&names[..referenced], false, false);
        let start = Instant::now();
        let inv = rt
            .block_on(async {
                Connection::new(&opts, Default::default()).unwrap().inventory(&format!("https://{HOST}/"), &plan).await
            })
            .unwrap();
        let took = start.elapsed();
        let requests = fake.vault_requests();
        let avp_seconds = referenced as f64 * LATENCY.as_secs_f64();
        println!(
            "{label}: {:.2} s, {requests} vault requests ({} secrets known); one GET per reference: {referenced} requests, {avp_seconds:.1} s sequential at the same latency",
            took.as_secs_f64(),
            inv.secrets.len()
        );
    }
}

//! `generate` latency for one example app with an offline inventory: `cargo bench --bench generate`. Prints the
//! median and p90 of the in-process pipeline (render, environment context, inventory, rules, stamping) and of the
//! whole process as argocd-cmp-server starts it. Goal (issue 6): under 10 ms median.

use argocd_eso_plugin::app::{AppOptions, render_app};
use argocd_eso_plugin::config::Config;
use argocd_eso_plugin::vault::stage::VaultOptions;
use std::path::PathBuf;
use std::time::{Duration, Instant};

fn percentile(mut v: Vec<Duration>, p: f64) -> Duration {
    v.sort();
    v[((v.len() - 1) as f64 * p).round() as usize]
}

fn main() {
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples");
    let app = repo.join("apps/orders-api/overlays/prod");
    let config = Config::load(&repo).unwrap();
    let mut vault = VaultOptions { offline: true, ..Default::default() };
    for env in &config.environments {
        vault.inventory_files.extend(env.vault_inventory.iter().map(|f| repo.join(f)));
    }
    let opts = AppOptions {
        session: argocd_eso_plugin::session::Session::new(repo.clone(), config, vault),
        dir: app.clone(),
        bounded: true,
        env: None,
        stamp: Default::default(),
        load_restrictor: Default::default(),
        argocd: Default::default(),
        destination_namespace: None,
        context: Default::default(),
    };
    let runs = 200;
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let start = Instant::now();
        let out = render_app(&opts).unwrap();
        assert!(!out.resources.is_empty());
        times.push(start.elapsed());
    }
    println!("first (cold) run: {:?}", times[0]);
    println!(
        "generate pipeline, in process ({runs} runs): median {:?}, p90 {:?}",
        percentile(times.clone(), 0.5),
        percentile(times, 0.9)
    );

    let bin = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/release/argocd-eso-plugin");
    if bin.exists() {
        let mut times = Vec::new();
        for _ in 0..50 {
            let start = Instant::now();
            let out = std::process::Command::new(&bin)
                .arg("generate")
                .current_dir(&app)
                .env("ARGOCD_APP_SOURCE_PATH", "apps/orders-api/overlays/prod")
                .output()
                .unwrap();
            assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
            times.push(start.elapsed());
        }
        println!(
            "argocd-eso-plugin generate, whole process (50 runs): median {:?}, p90 {:?}",
            percentile(times.clone(), 0.5),
            percentile(times, 0.9)
        );
    } else {
        println!("(build the release binary first to time the whole process: cargo build --release)");
    }
}

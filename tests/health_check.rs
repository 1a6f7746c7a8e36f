//! The ExternalSecret health check shipped in examples/argocd/argocd-cm-health.yaml, run in Lua 5.1 (the language
//! of gopher-lua, Argo CD's interpreter) with only the libraries Argo CD opens for health checks (base and table:
//! `runLuaWithResourceActionParameters` in argo-cd's util/lua/lua.go), on ESO-shaped objects; and end to end on what
//! `render` stamps before and after a rotation.

use mlua::{Lua, LuaOptions, StdLib};
use serde_json::{Value, json};
use std::path::Path;
use std::process::Command;

const KEY: &str = "resource.customizations.health.external-secrets.io_ExternalSecret";

fn script() -> String {
    let text = std::fs::read_to_string(support::examples().join("argocd/argocd-cm-health.yaml")).unwrap();
    let cm: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
    assert_eq!(cm["kind"], "ConfigMap");
    assert_eq!(cm["metadata"]["name"], "argocd-cm");
    cm["data"][KEY].as_str().expect("the health key").to_string()
}

/// JSON to Lua as Argo CD's `decodeValue` does it: null is nil, arrays are 1-based tables, numbers are numbers.
fn to_lua(lua: &Lua, v: &Value) -> mlua::Value {
    match v {
        Value::Null => mlua::Value::Nil,
        Value::Bool(b) => mlua::Value::Boolean(*b),
        Value::Number(n) => mlua::Value::Number(n.as_f64().unwrap()),
        Value::String(s) => mlua::Value::String(lua.create_string(s).unwrap()),
        Value::Array(items) => {
            let t = lua.create_table().unwrap();
            for (i, item) in items.iter().enumerate() {
                t.set(i + 1, to_lua(lua, item)).unwrap();
            }
            mlua::Value::Table(t)
        }
        Value::Object(fields) => {
            let t = lua.create_table().unwrap();
            for (k, item) in fields {
                t.set(k.as_str(), to_lua(lua, item)).unwrap();
            }
            mlua::Value::Table(t)
        }
    }
}

/// (status, message) of the health check for `obj`.
fn health(obj: &Value) -> (String, String) {
    run(&script(), obj)
}

fn run(script: &str, obj: &Value) -> (String, String) {
    let lua = Lua::new_with(StdLib::TABLE, LuaOptions::new()).unwrap();
    assert!(lua.globals().get::<mlua::Value>("string").unwrap().is_nil(), "no string library, as in Argo CD");
    lua.globals().set("obj", to_lua(&lua, obj)).unwrap();
    let hs: mlua::Table = lua.load(script).eval().expect("the script runs in Argo CD's sandbox");
    (hs.get::<String>("status").unwrap(), hs.get::<Option<String>>("message").unwrap().unwrap_or_default())
}

/// Argo CD's built-in check (../shared/reference/argocd/externalsecret-health.lua) is what the shipped one replaces:
/// it reports Healthy for an ExternalSecret whose new generation ESO has not synced, which let the consumers' wave
/// start before the Secret held the rotated value. On everything else the two agree.
#[test]
fn argo_cds_built_in_check_is_healthy_too_early_and_ours_agrees_otherwise() {
    let built_in =
        std::fs::read_to_string(support::shared_dir().join("reference/argocd/externalsecret-health.lua")).unwrap();
    let stale = external_secret(4, Some(&format!("3-{HASH}")), Some(("True", "secret synced")));
    assert_eq!(run(&built_in, &stale).0, "Healthy", "the defect");
    assert_eq!(health(&stale).0, "Progressing");
    for agreed in [
        external_secret(1, None, None),
        external_secret(3, Some(&format!("3-{HASH}")), Some(("True", "secret synced"))),
        external_secret(3, Some(&format!("2-{HASH}")), Some(("False", "could not get secret data"))),
    ] {
        assert_eq!(run(&built_in, &agreed).0, health(&agreed).0, "{agreed}");
    }
}

/// An ExternalSecret as the API server and ESO hold it: `generation` from the API server, `synced` and `ready` from
/// ESO's last reconcile.
fn external_secret(generation: u64, synced: Option<&str>, ready: Option<(&str, &str)>) -> Value {
    let mut obj = json!({
        "apiVersion": "external-secrets.io/v1",
        "kind": "ExternalSecret",
        "metadata": {"name": "orders-db", "namespace": "orders-prod", "generation": generation},
        "spec": {
            "refreshInterval": "1h",
            "secretStoreRef": {"kind": "ClusterSecretStore", "name": "azure-kv"},
            "target": {"name": "orders-db", "creationPolicy": "Owner"},
            "data": [{"secretKey": "password", "remoteRef": {"key": "orders-db-password"}}]
        }
    });
    let mut status = serde_json::Map::new();
    if let Some(s) = synced {
        status.insert("syncedResourceVersion".into(), s.into());
        status.insert("refreshTime".into(), "2026-12-01T10:00:00Z".into());
    }
    if let Some((state, message)) = ready {
        let reason = if state == "True" { "SecretSynced" } else { "SecretSyncedError" };
        status.insert(
            "conditions".into(),
            json!([{"type": "Ready", "status": state, "reason": reason, "message": message,
                    "lastTransitionTime": "2026-12-01T10:00:00Z"}]),
        );
    }
    if !status.is_empty() {
        obj["status"] = Value::Object(status);
    }
    obj
}

const HASH: &str = "519a61da0dc68b2575b4f8efada70e42";

#[test]
fn not_yet_synced_is_progressing() {
    assert_eq!(health(&external_secret(1, None, None)).0, "Progressing");
}

#[test]
fn synced_at_the_current_generation_is_healthy() {
    let obj = external_secret(3, Some(&format!("3-{HASH}")), Some(("True", "secret synced")));
    assert_eq!(health(&obj), ("Healthy".into(), "secret synced".into()));
}

/// The defect this check exists for: right after a new stamp is applied, Ready is still True from the last sync.
#[test]
fn a_new_generation_not_yet_synced_is_progressing_though_ready_is_true() {
    let obj = external_secret(4, Some(&format!("3-{HASH}")), Some(("True", "secret synced")));
    assert_eq!(health(&obj), ("Progressing".into(), "Waiting for ESO to sync generation 4".into()));
}

#[test]
fn the_generation_is_compared_whole_not_as_a_prefix() {
    let stale = |generation, synced: &str| health(&external_secret(generation, Some(synced), Some(("True", "ok")))).0;
    assert_eq!(stale(12, &format!("1-{HASH}")), "Progressing");
    assert_eq!(stale(1, &format!("12-{HASH}")), "Progressing");
    assert_eq!(stale(1, &format!("10-{HASH}")), "Progressing");
    assert_eq!(stale(10, &format!("10-{HASH}")), "Healthy");
    assert_eq!(stale(1, "1-"), "Healthy", "an empty hash still names generation 1");
}

#[test]
fn a_failed_sync_is_degraded_with_eso_message() {
    let obj = external_secret(
        2,
        Some(&format!("1-{HASH}")),
        Some(("False", "could not get secret data from provider: key \"orders-db-password\"")),
    );
    let (status, message) = health(&obj);
    assert_eq!(status, "Degraded");
    assert!(message.contains("orders-db-password"), "{message}");
}

/// Where ESO does not re-sync on a spec change, waiting for it would hold the app in Progressing forever.
#[test]
fn policies_under_which_eso_never_resyncs_do_not_wait() {
    let stale = || external_secret(2, Some(&format!("1-{HASH}")), Some(("True", "ok")));
    let mut created_once = stale();
    created_once["spec"]["refreshPolicy"] = "CreatedOnce".into();
    assert_eq!(health(&created_once).0, "Healthy");
    for zero in ["0", "0s", "0h0m0s"] {
        let mut never = stale();
        never["spec"]["refreshInterval"] = zero.into();
        assert_eq!(health(&never).0, "Healthy", "{zero}");
        // OnChange re-syncs on a spec change whatever the interval.
        never["spec"]["refreshPolicy"] = "OnChange".into();
        assert_eq!(health(&never).0, "Progressing", "{zero} OnChange");
    }
}

#[test]
fn the_check_uses_no_library_argo_cd_leaves_closed() {
    let text = script();
    for banned in ["string.", "os.", "io.", ":sub(", ":find(", ":match("] {
        assert!(!text.contains(banned), "{banned} is not available to Argo CD health checks");
    }
}

#[test]
fn the_example_installation_applies_the_check() {
    let k: serde_yaml::Value =
        serde_yaml::from_str(&std::fs::read_to_string(support::examples().join("argocd/kustomization.yaml")).unwrap())
            .unwrap();
    let patches: Vec<&str> = k["patches"].as_sequence().unwrap().iter().filter_map(|p| p["path"].as_str()).collect();
    assert!(patches.contains(&"argocd-cm-health.yaml"), "{patches:?}");
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    assert!(readme.contains("argocd-cm-health.yaml"), "the README points at the check");
}

fn render(dir: &Path) -> Vec<Value> {
    let out =
        Command::new(env!("CARGO_BIN_EXE_argocd-eso-plugin")).arg("render").arg(dir).output().expect("render runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    argocd_eso_plugin::kustomize::loader::split_documents(&String::from_utf8(out.stdout).unwrap())
        .iter()
        .map(|d| serde_yaml::from_str::<Value>(d.text).unwrap())
        .filter(|v| !v.is_null())
        .collect()
}

/// The whole sequence on what the plugin emits: a rotation changes the ExternalSecret's spec, so the API server
/// bumps its generation; until ESO syncs it the check holds the consumers' wave, then releases it.
#[test]
fn a_rotation_holds_the_consumers_wave_until_eso_syncs() {
    let tmp = support::copy_examples();
    let overlay = tmp.path().join("apps/orders-api/overlays/prod");
    let orders_db = |docs: Vec<Value>| {
        docs.into_iter().find(|d| d["kind"] == "ExternalSecret" && d["metadata"]["name"] == "orders-db").unwrap()
    };
    let before = orders_db(render(&overlay));
    let inventory = tmp.path().join("inventories/prod.json");
    let mut items: Vec<Value> = serde_json::from_str(&std::fs::read_to_string(&inventory).unwrap()).unwrap();
    let item = items.iter_mut().find(|i| i["name"] == "orders-db-password").unwrap();
    item["attributes"]["updated"] = "2026-11-20T09:00:00+00:00".into();
    std::fs::write(&inventory, serde_json::to_string_pretty(&items).unwrap()).unwrap();
    let after = orders_db(render(&overlay));
    assert_ne!(before["spec"], after["spec"], "a spec change, so the generation moves");

    // As the cluster holds it: the old spec synced at generation 1, the new one applied as generation 2.
    let live = |mut obj: Value, generation: u64, synced: u64| {
        obj["metadata"]["generation"] = generation.into();
        obj["status"] = json!({
            "syncedResourceVersion": format!("{synced}-{HASH}"),
            "conditions": [{"type": "Ready", "status": "True", "message": "secret synced"}]
        });
        obj
    };
    assert_eq!(health(&live(before, 1, 1)).0, "Healthy");
    assert_eq!(health(&live(after.clone(), 2, 1)).0, "Progressing", "applied, ESO not yet synced");
    assert_eq!(health(&live(after, 2, 2)).0, "Healthy", "ESO synced the rotated value");
}

mod support;

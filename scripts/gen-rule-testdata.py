# Writes testdata/rules/<CODE>/{fail,pass}: one mini repo per rule. Failing cases mark each expected finding
# with a "# expect: CODE" comment on its line; tests/lint_rules.rs reads those markers.
import os, textwrap
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "testdata", "rules")
STORE = """apiVersion: external-secrets.io/v1
kind: ClusterSecretStore
metadata:
  name: azure-kv
spec:
  provider:
    azurekv:
      authType: WorkloadIdentity
      tenantId: 9b05fdb9-40c0-4f4a-a654-386013ae7d6a
      vaultUrl: https://kv-rules-test.vault.azure.net/
"""
def es(name="app-db", body=None, api="external-secrets.io/v1", extra_meta=""):
    body = body if body is not None else """  refreshInterval: 1h
  secretStoreRef:
    name: azure-kv
    kind: ClusterSecretStore
  target:
    name: app-db
  data:
  - secretKey: PASSWORD
    remoteRef:
      key: app-db-password
"""
    return f"""apiVersion: {api}
kind: ExternalSecret
metadata:
  name: {name}{extra_meta}
spec:
{body}"""
DEPLOY = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
spec:
  selector:
    matchLabels: {app: app}
  template:
    metadata:
      labels: {app: app}
    spec:
      containers:
      - name: app
        image: app:1
        envFrom:
        - secretRef:
            name: app-db
"""
KUST = """apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: team
resources:
- objects.yaml
"""
cases = {}
def case(code, fail, ok, kust=KUST, store_separate=False):
    cases[code] = (fail, ok, kust, store_separate)

case("ESO001", es(body="""  refreshIntervall: 1h   # expect: ESO001
  secretStoreRef: {name: azure-kv, kind: ClusterSecretStore}
  target:
    name: app-db
    creationPolicy: Own   # expect: ESO001
  data:
  - secretKey: PASSWORD
    remoteRef: {key: app-db-password}
"""), es())
case("ESO002", es(api="external-secrets.io/v1beta1   # expect: ESO002"), es())
case("ESO003", es(body="""  refreshInterval: 1h   # expect: ESO003
  secretStoreRef: {name: azure-kv, kind: ClusterSecretStore}
  target: {name: app-db}
""").replace("spec:\n", "spec:   # expect: ESO003\n").replace("  refreshInterval: 1h   # expect: ESO003\n", "  refreshInterval: 1h\n"), es())
case("ESO004", es(body="""  secretStoreRef: {name: azure-kv, kind: ClusterSecretStore}
  data:
  - secretKey: PASSWORD
    remoteRef: {key: app-db-password}
  - secretKey: PASSWORD   # expect: ESO004
    remoteRef: {key: app-db-password-old}
"""), es())
case("ESO005", es(body="""  secretStoreRef: {name: azure-kv, kind: ClusterSecretStore}
  target:
    name: app-db
    creationPolicy: Merge
    deletionPolicy: Delete   # expect: ESO005
  data:
  - secretKey: PASSWORD
    remoteRef: {key: app-db-password}
"""), es(body="""  secretStoreRef: {name: azure-kv, kind: ClusterSecretStore}
  target:
    name: app-db
    creationPolicy: Merge
    deletionPolicy: Retain
  data:
  - secretKey: PASSWORD
    remoteRef: {key: app-db-password}
"""))
case("ESO006", es(body="""  refreshInterval: 1 hour   # expect: ESO006
  secretStoreRef: {name: azure-kv, kind: ClusterSecretStore}
  data:
  - secretKey: PASSWORD
    remoteRef: {key: app-db-password}
"""), es())
case("ESO007", es(body="""  secretStoreRef: {name: azure-kv, kind: ClusterSecretStore}
  data:
  - secretKey: PASSWORD
    remoteRef:
      key: app_db_password   # expect: ESO007
  - secretKey: CERT
    remoteRef:
      key: cert/app-tls
"""), es(body="""  secretStoreRef: {name: azure-kv, kind: ClusterSecretStore}
  data:
  - secretKey: PASSWORD
    remoteRef:
      key: app-db-password
  - secretKey: CERT
    remoteRef:
      key: cert/app-tls
"""))
case("ESO008", STORE.replace("metadata:\n", "metadata:   # expect: ESO008\n"), STORE, store_separate=True)
case("GIT001", """apiVersion: v1
kind: Secret
metadata:
  name: azure-secret-sp
data:   # expect: GIT001
  ClientSecret: c2VjcmV0
---
apiVersion: v1
kind: Secret
metadata:
  name: token
  annotations:
    kubernetes.io/service-account.name: app
type: kubernetes.io/service-account-token
""", """apiVersion: v1
kind: Secret
metadata:
  name: token
  annotations:
    kubernetes.io/service-account.name: app
type: kubernetes.io/service-account-token
""", kust=KUST + """secretGenerator:   # expect: GIT001
- name: creds
  literals:
  - password=hunter2
""")
case("KUS001", es(), es(), kust=KUST.replace("- objects.yaml\n", "- objects.yaml\n- missing.yaml   # expect: KUS001\n"))
case("REF001", es(body="""  secretStoreRef:
    name: azure-kvv   # expect: REF001
    kind: ClusterSecretStore
  data:
  - secretKey: PASSWORD
    remoteRef: {key: app-db-password}
"""), es())
case("REF002", es() + "---\n" + es(name="app-db-legacy", body="""  secretStoreRef: {name: azure-kv, kind: ClusterSecretStore}
  target:
    name: app-db   # expect: REF002
  data:
  - secretKey: LEGACY
    remoteRef: {key: app-db-legacy}
"""), es() + "---\n" + es(name="app-db-extra", body="""  secretStoreRef: {name: azure-kv, kind: ClusterSecretStore}
  target:
    name: app-db
    creationPolicy: Merge
  data:
  - secretKey: EXTRA
    remoteRef: {key: app-db-extra}
"""))
def store(az, kind="ClusterSecretStore", ns=""):
    meta = f"  name: other\n" + (f"  namespace: {ns}\n" if ns else "")
    return f"""apiVersion: external-secrets.io/v1
kind: {kind}
metadata:
{meta}spec:
  provider:
    azurekv:
{textwrap.indent(az, '      ')}"""
case("STO001", store("""tenantId: 9b05fdb9-40c0-4f4a-a654-386013ae7d6a
authType: WorkloadIdentity
vaultUrl: https://<VAULT_NAME>.vault.azure.net/   # expect: STO001
"""), store("""tenantId: 9b05fdb9-40c0-4f4a-a654-386013ae7d6a
authType: WorkloadIdentity
vaultUrl: https://kv-other.vault.azure.net/
"""))
case("STO002", store("""tenantId: abcd-1234-efgh-9876   # expect: STO002
authType: WorkloadIdentity
vaultUrl: https://kv-other.vault.azure.net/
"""), store("""tenantId: 9b05fdb9-40c0-4f4a-a654-386013ae7d6a
authType: WorkloadIdentity
vaultUrl: https://kv-other.vault.azure.net/
"""))
case("STO003", store("""tenantId: 9b05fdb9-40c0-4f4a-a654-386013ae7d6a
vaultUrl: https://kv-other.vault.azure.net/
authSecretRef:
  clientId: {name: azure-sp, key: client-id, namespace: external-secrets}
""").replace("    azurekv:\n", "    azurekv:   # expect: STO003\n"), store("""tenantId: 9b05fdb9-40c0-4f4a-a654-386013ae7d6a
vaultUrl: https://kv-other.vault.azure.net/
authSecretRef:
  clientId: {name: azure-sp, key: client-id, namespace: external-secrets}
  clientSecret: {name: azure-sp, key: client-secret, namespace: external-secrets}
"""))
case("STO004", store("""tenantId: 9b05fdb9-40c0-4f4a-a654-386013ae7d6a
authType: WorkloadIdentity
vaultUrl: https://kv-other.vault.azure.net/
serviceAccountRef:
  name: eso-reader   # expect: STO004
""", kind="SecretStore", ns="team"), store("""tenantId: 9b05fdb9-40c0-4f4a-a654-386013ae7d6a
authType: WorkloadIdentity
vaultUrl: https://kv-other.vault.azure.net/
serviceAccountRef:
  name: eso-reader
""", kind="SecretStore", ns="team") + """---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: eso-reader
  namespace: team
  annotations:
    azure.workload.identity/client-id: 4a1d5c4f-903c-4166-b83f-6a262386c0de
""")
SP_AUTH = """tenantId: 9b05fdb9-40c0-4f4a-a654-386013ae7d6a
vaultUrl: https://kv-other.vault.azure.net/
authSecretRef:
  clientId: {name: azure-sp, key: client-id, namespace: external-secrets}
  clientSecret: {name: azure-sp, key: client-secret, namespace: external-secrets}
"""
case("STO005", store(SP_AUTH.replace("key: client-secret, namespace: external-secrets}", "key: client-secret}   # expect: STO005")),
     store(SP_AUTH), store_separate=True)
# A namespaced SecretStore may not name another namespace: the block form, to point at the exact line.
SP_AUTH_BLOCK = """tenantId: 9b05fdb9-40c0-4f4a-a654-386013ae7d6a
vaultUrl: https://kv-other.vault.azure.net/
authSecretRef:
  clientId:
    name: azure-sp
    key: client-id
  clientSecret:
    name: azure-sp
    key: client-secret
"""
case("STO006", store(SP_AUTH_BLOCK + "    namespace: external-secrets   # expect: STO006\n", kind="SecretStore", ns="team"),
     store(SP_AUTH_BLOCK, kind="SecretStore", ns="team"))
case("WRK001", es() + "---\n" + DEPLOY.replace("            name: app-db\n", "            name: app-dbb   # expect: WRK001\n"), es() + "---\n" + DEPLOY)
def deploy_env_key(key):
    """DEPLOY reading one key of app-db through env[].valueFrom instead of envFrom."""
    return DEPLOY.replace("""        envFrom:
        - secretRef:
            name: app-db
""", f"""        env:
        - name: DB_PASSWORD
          valueFrom:
            secretKeyRef:
              name: app-db
              key: {key}
""")
case("WRK002", es() + "---\n" + deploy_env_key("PASSWRD   # expect: WRK002"), es() + "---\n" + deploy_env_key("PASSWORD"))

PLATFORM_KUST = "resources:\n- store.yaml\n"
for code, (fail, ok, kust, store_separate) in cases.items():
    for kind, objects in (("fail", fail), ("pass", ok)):
        d = os.path.join(ROOT, code, kind)
        os.makedirs(os.path.join(d, "overlays/test"), exist_ok=True)
        os.makedirs(os.path.join(d, "platform/overlays/test"), exist_ok=True)
        k = kust if kind == "fail" else kust.replace("- missing.yaml   # expect: KUS001\n", "").split("secretGenerator:")[0]
        open(os.path.join(d, "platform/overlays/test/kustomization.yaml"), "w").write(PLATFORM_KUST)
        if code == "ESO008" and kind == "pass":
            open(os.path.join(d, "platform/overlays/test/store.yaml"), "w").write(STORE)
            open(os.path.join(d, "overlays/test/kustomization.yaml"), "w").write("resources: []\n")
            continue
        if code.startswith("STO"):
            # Store objects belong to the platform overlay, which sets no namespace.
            open(os.path.join(d, "platform/overlays/test/store.yaml"), "w").write(STORE + "---\n" + objects)
            open(os.path.join(d, "overlays/test/kustomization.yaml"), "w").write("resources: []\n")
            continue
        if code == "ESO008":
            # The failing case renders the cluster store through a kustomization that sets a namespace.
            open(os.path.join(d, "platform/overlays/test/store.yaml"), "w").write("")
            open(os.path.join(d, "overlays/test/objects.yaml"), "w").write(objects)
            open(os.path.join(d, "overlays/test/kustomization.yaml"), "w").write(k)
            continue
        open(os.path.join(d, "platform/overlays/test/store.yaml"), "w").write(STORE)
        open(os.path.join(d, "overlays/test/objects.yaml"), "w").write(objects)
        open(os.path.join(d, "overlays/test/kustomization.yaml"), "w").write(k)

# --- Key Vault rules: each case has an inventory (az JSON) and a config naming it. "Now" is 2026-06-01 in the test.
import json
KV_CONFIG = """environments:
- name: test
  overlays: [overlays/test, platform/overlays/test]
  vaultInventory: [inventory.json]
"""
VAULT = "https://kv-rules-test.vault.azure.net"
def secret(name, enabled=True, expires=None, nbf=None, created="2026-01-10T00:00:00+00:00", version=None, tags=None):
    sid = f"{VAULT}/secrets/{name}" + (f"/{version}" if version else "")
    return {"attributes": {"created": created, "enabled": enabled, "expires": expires, "notBefore": nbf,
                           "recoverableDays": 90, "recoveryLevel": "Recoverable+Purgeable", "updated": created},
            "contentType": None, "id": sid, "managed": None, "name": name, "tags": tags or {"team": "orders"}}
def es_key(key, extra=""):
    return es(body=f"""  secretStoreRef: {{name: azure-kv, kind: ClusterSecretStore}}
  data:
  - secretKey: PASSWORD
    remoteRef:
      key: {key}{extra}
""")
kv_cases = {
    "KV000": (es_key("app-db-password"), es_key("app-db-password"), [secret("app-db-password")]),
    "KV001": (es_key("app-db-pasword   # expect: KV001"), es_key("app-db-password"), [secret("app-db-password")]),
    "KV002": (es_key("app-db-password   # expect: KV002"), es_key("app-db-password"), ([secret("app-db-password", enabled=False)], [secret("app-db-password")])),
    "KV003": (es_key("app-db-password   # expect: KV003"), es_key("app-db-password"), ([secret("app-db-password", expires="2026-01-01T00:00:00+00:00")], [secret("app-db-password", expires="2027-01-01T00:00:00+00:00")])),
    "KV004": (es_key("app-db-password   # expect: KV004"), es_key("app-db-password"), ([secret("app-db-password", expires="2026-06-10T00:00:00+00:00")], [secret("app-db-password", expires="2026-09-01T00:00:00+00:00")])),
    "KV005": (es_key("app-db-password   # expect: KV005"), es_key("app-db-password"), ([secret("app-db-password", nbf="2026-07-01T00:00:00+00:00")], [secret("app-db-password", nbf="2026-05-01T00:00:00+00:00")])),
    "KV006": (es_key("app-db-password", "\n      version: cccc   # expect: KV006"), es_key("app-db-password", "\n      version: aaaa"),
              [secret("app-db-password", version="aaaa", created="2026-01-01T00:00:00+00:00"), secret("app-db-password", version="bbbb", created="2026-02-01T00:00:00+00:00")]),
    "KV007": (es(body="""  secretStoreRef: {name: azure-kv, kind: ClusterSecretStore}
  dataFrom:
  - find:
      tags:   # expect: KV007
        team: orderz
"""), es(body="""  secretStoreRef: {name: azure-kv, kind: ClusterSecretStore}
  dataFrom:
  - find:
      tags:
        team: orders
"""), [secret("app-db-password")]),
    "KV008": (es_key("key/app-signing   # expect: KV008"), es_key("cert/app-tls"), [secret("app-db-password"), secret("app-tls")]),
    "KV009": (es_key("app-db-password"), es_key("app-db-password"), [secret("app-db-password")]),
}
for code, (fail, ok, inventory) in kv_cases.items():
    fail_inv, pass_inv = inventory if isinstance(inventory, tuple) else (inventory, inventory)
    for kind, objects, inv in (("fail", fail, fail_inv), ("pass", ok, pass_inv)):
        d = os.path.join(ROOT, code, kind)
        for sub in ("overlays/test", "platform/overlays/test"):
            os.makedirs(os.path.join(d, sub), exist_ok=True)
        open(os.path.join(d, "overlays/test/kustomization.yaml"), "w").write(KUST)
        open(os.path.join(d, "overlays/test/objects.yaml"), "w").write(objects)
        open(os.path.join(d, "platform/overlays/test/kustomization.yaml"), "w").write(PLATFORM_KUST)
        store = STORE
        config = KV_CONFIG
        if kind == "fail" and code == "KV009":
            # No inventory: the test runs this case live, against a closed port.
            store = STORE.replace("vaultUrl: https://kv-rules-test.vault.azure.net/", "vaultUrl: https://kv-rules-test.vault.azure.net/   # expect: KV009")
            config = KV_CONFIG.replace("  vaultInventory: [inventory.json]\n", "")
        if kind == "fail" and code == "KV000":
            config = "# expect: KV000\n" + KV_CONFIG.replace("  vaultInventory: [inventory.json]\n", "")
        open(os.path.join(d, "platform/overlays/test/store.yaml"), "w").write(store)
        open(os.path.join(d, ".argocd-eso-plugin.yaml"), "w").write(config)
        open(os.path.join(d, "inventory.json"), "w").write(json.dumps(inv, indent=2) + "\n")

# --- RLO001: a consumed ExternalSecret that never refreshes.
for kind, interval in (("fail", '"0"   # expect: RLO001'), ("pass", "1h")):
    d = os.path.join(ROOT, "RLO001", kind)
    for sub in ("overlays/test", "platform/overlays/test"):
        os.makedirs(os.path.join(d, sub), exist_ok=True)
    open(os.path.join(d, "platform/overlays/test/kustomization.yaml"), "w").write(PLATFORM_KUST)
    open(os.path.join(d, "platform/overlays/test/store.yaml"), "w").write(STORE)
    open(os.path.join(d, "overlays/test/kustomization.yaml"), "w").write(KUST)
    body = es().replace("  refreshInterval: 1h\n", f"  refreshInterval: {interval}\n")
    open(os.path.join(d, "overlays/test/objects.yaml"), "w").write(body + "---\n" + DEPLOY)

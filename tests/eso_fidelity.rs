//! ESO as the oracle: a table of valid and invalid inputs, each row naming the ESO 2.9 source file and function whose
//! decision it mirrors (fetched from github.com/external-secrets/external-secrets, tag helm-chart-2.9.0). Every row is
//! linted as a one-environment repository (a ClusterSecretStore `azure-kv` on Key Vault `kv-fidelity`, an inventory
//! of that vault, the row's objects in namespace `team`), and the set of rule codes found must be exactly the row's.

use argocd_eso_plugin::config::{Config, RuleSetting};
use argocd_eso_plugin::lint::{LintOptions, lint};
use argocd_eso_plugin::vault::stage::VaultOptions;
use std::collections::BTreeSet;

const VALIDATOR: &str = "apis/externalsecrets/v1/externalsecret_validator.go";
const TEMPLATE: &str = "pkg/controllers/externalsecret/externalsecret_controller_template.go";
const SECRET: &str = "pkg/controllers/externalsecret/externalsecret_controller_secret.go";
const CONTROLLER: &str = "pkg/controllers/externalsecret/externalsecret_controller.go";
const AZURE: &str = "providers/v1/azure/keyvault/keyvault.go";
const CLIENT_MANAGER: &str = "pkg/controllers/secretstore/client_manager.go";
const CES: &str = "pkg/controllers/clusterexternalsecret/clusterexternalsecret_controller.go";

struct Row {
    name: String,
    /// ESO's file and function this row's expectation follows.
    mirrors: String,
    /// Objects rendered into namespace `team`.
    objects: String,
    /// Extra cluster-level objects (stores, Namespaces, ServiceAccounts), rendered as written.
    platform: String,
    expect: Vec<&'static str>,
}

fn row(name: &str, file: &str, function: &str, objects: String, expect: &[&'static str]) -> Row {
    Row {
        name: name.into(),
        mirrors: format!("{file} {function}"),
        objects,
        platform: String::new(),
        expect: expect.to_vec(),
    }
}

fn with_platform(mut r: Row, platform: &str) -> Row {
    r.platform = platform.to_string();
    r
}

/// An ExternalSecret `app-db` on the default store with `spec` (lines indented by two spaces) below secretStoreRef.
fn es(spec: &str) -> String {
    es_named("app-db", spec)
}

fn es_named(name: &str, spec: &str) -> String {
    format!(
        "apiVersion: external-secrets.io/v1\nkind: ExternalSecret\nmetadata:\n  name: {name}\nspec:\n  refreshInterval: 1h\n  secretStoreRef: {{name: azure-kv, kind: ClusterSecretStore}}\n{spec}"
    )
}

const DATA: &str = "  data:\n  - secretKey: PASSWORD\n    remoteRef: {key: app-db-password}\n";

/// A Deployment reading `key` of Secret `secret` through a secretKeyRef.
fn reads(secret: &str, key: &str) -> String {
    format!(
        "---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app\nspec:\n  selector:\n    matchLabels: {{app: app}}\n  template:\n    metadata:\n      labels: {{app: app}}\n    spec:\n      containers:\n      - name: app\n        image: app:1\n        env:\n        - name: VALUE\n          valueFrom:\n            secretKeyRef: {{name: {secret}, key: {key}}}\n"
    )
}

fn store(name: &str, kind: &str, namespace: Option<&str>, azurekv: &str) -> String {
    let ns = namespace.map(|n| format!("\n  namespace: {n}")).unwrap_or_default();
    format!(
        "---\napiVersion: external-secrets.io/v1\nkind: {kind}\nmetadata:\n  name: {name}{ns}\nspec:\n  provider:\n    azurekv:\n      vaultUrl: https://kv-fidelity.vault.azure.net/\n{azurekv}"
    )
}

fn service_account(name: &str, namespace: &str, annotations: &str) -> String {
    format!(
        "---\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: {name}\n  namespace: {namespace}\n  annotations:\n{annotations}"
    )
}

fn rows() -> Vec<Row> {
    let mut rows = Vec::new();

    // validatePolicies: every creationPolicy x deletionPolicy pair.
    for creation in ["Owner", "Orphan", "Merge", "None", "CreateOrMerge"] {
        for deletion in ["Retain", "Delete", "Merge"] {
            let rejected = (deletion == "Delete" && matches!(creation, "Merge" | "None" | "CreateOrMerge"))
                || (deletion == "Merge" && creation == "None");
            rows.push(row(
                &format!("creationPolicy {creation} with deletionPolicy {deletion}"),
                VALIDATOR,
                "validatePolicies",
                es(&format!("  target:\n    creationPolicy: {creation}\n    deletionPolicy: {deletion}\n{DATA}")),
                if rejected { &["ESO005"] } else { &[] },
            ));
        }
    }

    // validateExternalSecret: data or dataFrom.
    rows.push(row(
        "neither data nor dataFrom",
        VALIDATOR,
        "validateExternalSecret",
        es("  target: {name: app-db}\n"),
        &["ESO003"],
    ));
    rows.push(row("data only", VALIDATOR, "validateExternalSecret", es(DATA), &[]));
    rows.push(row(
        "dataFrom only",
        VALIDATOR,
        "validateExternalSecret",
        es("  dataFrom:\n  - extract: {key: app-db-password}\n"),
        &[],
    ));
    rows.push(row(
        "empty data and dataFrom lists",
        VALIDATOR,
        "validateExternalSecret",
        es("  data: []\n  dataFrom: []\n"),
        &["ESO003"],
    ));

    // dataFrom sources.
    let data_from = |name: &str, function: &str, entry: &str, expect: &[&'static str]| {
        row(name, VALIDATOR, function, es(&format!("  dataFrom:\n  - {entry}\n")), expect)
    };
    rows.push(data_from("extract alone", "validateFindExtractSourceRef", "extract: {key: app-db-password}", &[]));
    rows.push(data_from("find alone", "validateFindExtractSourceRef", "find: {name: {regexp: '^app-'}}", &[]));
    rows.push(data_from(
        "no source",
        "validateFindExtractSourceRef",
        "rewrite: [{regexp: {source: a, target: b}}]",
        &["ESO009"],
    ));
    rows.push(data_from(
        "extract and find",
        "validateExtractFindGenerator",
        "extract: {key: app-db-password}\n    find: {name: {regexp: '^app-'}}",
        &["ESO009"],
    ));
    rows.push(data_from(
        "find and a generator",
        "validateExtractFindGenerator",
        "find: {name: {regexp: '^app-'}}\n    sourceRef: {generatorRef: {apiVersion: generators.external-secrets.io/v1alpha1, kind: Password, name: pw}}",
        &["ESO009"],
    ));
    rows.push(data_from(
        "extract and a generator",
        "validateExtractFindGenerator",
        "extract: {key: app-db-password}\n    sourceRef: {generatorRef: {apiVersion: generators.external-secrets.io/v1alpha1, kind: Password, name: pw}}",
        &["ESO009"],
    ));
    rows.push(data_from(
        "a generator alone",
        "validateExtractFindGenerator",
        "sourceRef: {generatorRef: {apiVersion: generators.external-secrets.io/v1alpha1, kind: Password, name: pw}}",
        &[],
    ));
    rows.push(row(
        "an empty sourceRef (the CRD schema refuses it before the webhook)",
        "config/crds/bases/external-secrets.io_externalsecrets.yaml",
        "openAPIV3Schema sourceRef minProperties: 1",
        es("  dataFrom:\n  - sourceRef: {}\n"),
        &["ESO001"],
    ));
    rows.push(row(
        "a sourceRef naming a store and a generator (the CRD schema: maxProperties 1)",
        "config/crds/bases/external-secrets.io_externalsecrets.yaml",
        "openAPIV3Schema sourceRef maxProperties: 1",
        es("  dataFrom:\n  - extract: {key: app-db-password}\n    sourceRef:\n      storeRef: {name: azure-kv, kind: ClusterSecretStore}\n      generatorRef: {apiVersion: generators.external-secrets.io/v1alpha1, kind: Password, name: pw}\n"),
        &["ESO001", "ESO009"],
    ));
    rows.push(with_platform(
        row(
            "a store failing its CRD's CEL rule (doppler auth: exactly one of secretRef and oidcConfig)",
            "config/crds/bases/external-secrets.io_clustersecretstores.yaml",
            "x-kubernetes-validations on spec.provider.doppler.auth",
            es(DATA),
            &["ESO001"],
        ),
        "---\napiVersion: external-secrets.io/v1\nkind: ClusterSecretStore\nmetadata:\n  name: doppler\nspec:\n  provider:\n    doppler:\n      auth: {}\n",
    ));
    rows.push(data_from(
        "extract through another store",
        "validateSourceRef",
        "extract: {key: app-db-password}\n    sourceRef: {storeRef: {name: azure-kv, kind: ClusterSecretStore}}",
        &[],
    ));
    rows.push(data_from(
        "a storeRef with no extract or find",
        "validateFindExtractSourceRef",
        "sourceRef: {storeRef: {name: azure-kv, kind: ClusterSecretStore}}",
        &[],
    ));

    // Templates ESO refuses.
    let template = |name: &str, function: &str, tpl: &str, expect: &[&'static str]| {
        row(name, VALIDATOR, function, es(&format!("  target:\n    template:\n{tpl}{DATA}")), expect)
    };
    rows.push(template(
        "a bootstrap token",
        "validatePrivilegedTemplate",
        "      type: bootstrap.kubernetes.io/token\n",
        &["ESO010"],
    ));
    rows.push(template(
        "a service-account token naming its account",
        "validatePrivilegedTemplate",
        "      type: kubernetes.io/service-account-token\n      metadata:\n        annotations: {kubernetes.io/service-account.name: builder}\n",
        &["ESO010"],
    ));
    rows.push(template(
        "a service-account token with templateFrom Annotations",
        "validatePrivilegedTemplate",
        "      type: kubernetes.io/service-account-token\n      templateFrom:\n      - {target: Annotations, literal: 'a: b'}\n",
        &["ESO010"],
    ));
    rows.push(template(
        "a service-account token with templateFrom annotations, any case",
        "validatePrivilegedTemplate",
        "      type: kubernetes.io/service-account-token\n      templateFrom:\n      - {target: annotations, literal: 'a: b'}\n",
        &["ESO010"],
    ));
    rows.push(template(
        "a plain service-account token",
        "validatePrivilegedTemplate",
        "      type: kubernetes.io/service-account-token\n",
        &[],
    ));
    for target in ["Data", "data", "Labels", "Annotations"] {
        rows.push(template(
            &format!("templateFrom target {target}"),
            "ValidateSecretTemplateFromTargets",
            &format!("      templateFrom:\n      - {{target: {target}, literal: 'a: b'}}\n"),
            &[],
        ));
    }
    rows.push(template(
        "templateFrom without a target (Data)",
        "ValidateSecretTemplateFromTargets",
        "      templateFrom:\n      - {literal: 'a: b'}\n",
        &[],
    ));
    rows.push(template(
        "templateFrom target type",
        "ValidateSecretTemplateFromTargets",
        "      templateFrom:\n      - {target: Type, literal: kubernetes.io/tls}\n",
        &["ESO010"],
    ));
    rows.push(row(
        "templateFrom target outside the Secret's fields, for a ConfigMap manifest",
        VALIDATOR,
        "validateTemplateFromTarget",
        es(&format!(
            "  target:\n    manifest: {{apiVersion: v1, kind: ConfigMap}}\n    template:\n      templateFrom:\n      - {{target: spec.foo, literal: bar}}\n{DATA}"
        )),
        &[],
    ));
    rows.push(row(
        "templateFrom target outside the Secret's fields, for a Secret manifest",
        VALIDATOR,
        "validateTemplateFromTarget",
        es(&format!(
            "  target:\n    manifest: {{apiVersion: v1, kind: Secret}}\n    template:\n      templateFrom:\n      - {{target: metadata.ownerReferences, literal: bar}}\n{DATA}"
        )),
        &["ESO010"],
    ));

    // validateDuplicateKeys: only under deletionPolicy Retain.
    let twice = "  data:\n  - secretKey: PASSWORD\n    remoteRef: {key: app-db-password}\n  - secretKey: PASSWORD\n    remoteRef: {key: app-db-user}\n";
    for (deletion, expect) in
        [("", &["ESO004"][..]), ("Retain", &["ESO004"][..]), ("Delete", &[][..]), ("Merge", &[][..])]
    {
        let target =
            if deletion.is_empty() { String::new() } else { format!("  target: {{deletionPolicy: {deletion}}}\n") };
        rows.push(row(
            &format!(
                "a duplicate secretKey, deletionPolicy {}",
                if deletion.is_empty() { "default" } else { deletion }
            ),
            VALIDATOR,
            "validateDuplicateKeys",
            es(&format!("{target}{twice}")),
            expect,
        ));
    }
    rows.push(row(
        "distinct secretKeys",
        VALIDATOR,
        "validateDuplicateKeys",
        es("  data:\n  - secretKey: PASSWORD\n    remoteRef: {key: app-db-password}\n  - secretKey: USER\n    remoteRef: {key: app-db-user}\n"),
        &[],
    ));

    // The azurekv store's own validation.
    let team_store = |name: &str, function: &str, azurekv: &str, expect: &[&'static str]| {
        with_platform(
            row(
                name,
                AZURE,
                function,
                es_named("app-db", &format!("  secretStoreRef: {{name: team-kv, kind: SecretStore}}\n{DATA}"))
                    .replace("  secretStoreRef: {name: azure-kv, kind: ClusterSecretStore}\n", ""),
                expect,
            ),
            &format!(
                "{}{}",
                store("team-kv", "SecretStore", Some("team"), azurekv),
                service_account(
                    "team-sa",
                    "team",
                    "    azure.workload.identity/client-id: 4a1d5c4f-903c-4166-b83f-6a262386c0de\n"
                )
            ),
        )
    };
    let sp = "      tenantId: 9b05fdb9-40c0-4f4a-a654-386013ae7d6a\n      authSecretRef:\n        clientId: {name: sp, key: id}\n";
    rows.push(team_store(
        "a SecretStore's clientSecret in another namespace",
        "ValidateStore",
        &format!("{sp}        clientSecret: {{name: sp, key: secret, namespace: other}}\n"),
        &["STO006"],
    ));
    rows.push(team_store(
        "a SecretStore's clientSecret in its own namespace",
        "ValidateStore",
        &format!("{sp}        clientSecret: {{name: sp, key: secret, namespace: team}}\n"),
        &[],
    ));
    rows.push(team_store(
        "a SecretStore's clientId in another namespace",
        "ValidateStore",
        "      tenantId: 9b05fdb9-40c0-4f4a-a654-386013ae7d6a\n      authSecretRef:\n        clientId: {name: sp, key: id, namespace: other}\n        clientSecret: {name: sp, key: secret}\n",
        &["STO006"],
    ));
    rows.push(team_store(
        "a SecretStore's clientCertificate namespace is not validated",
        "ValidateStore",
        &format!("{sp}        clientCertificate: {{name: sp, key: cert, namespace: other}}\n"),
        &[],
    ));
    rows.push(team_store(
        "a SecretStore's serviceAccountRef in another namespace",
        "ValidateStore",
        "      authType: WorkloadIdentity\n      tenantId: 9b05fdb9-40c0-4f4a-a654-386013ae7d6a\n      serviceAccountRef: {name: team-sa, namespace: other}\n",
        &["STO006"],
    ));
    rows.push(team_store(
        "a SecretStore's serviceAccountRef in its namespace",
        "ValidateStore",
        "      authType: WorkloadIdentity\n      tenantId: 9b05fdb9-40c0-4f4a-a654-386013ae7d6a\n      serviceAccountRef: {name: team-sa}\n",
        &[],
    ));
    let cloud_store = |name: &str, azurekv: &str, expect: &[&'static str]| {
        with_platform(
            row(name, AZURE, "ValidateStore", es(DATA).replace("name: azure-kv", "name: cloud-kv"), expect),
            &store(
                "cloud-kv",
                "ClusterSecretStore",
                None,
                &format!(
                    "      authType: WorkloadIdentity\n      tenantId: 9b05fdb9-40c0-4f4a-a654-386013ae7d6a\n{azurekv}"
                ),
            ),
        )
    };
    rows.push(cloud_store(
        "customCloudConfig without useAzureSDK",
        "      customCloudConfig: {activeDirectoryEndpoint: 'https://login.example.test/'}\n",
        &["STO008"],
    ));
    rows.push(cloud_store(
        "customCloudConfig with useAzureSDK",
        "      useAzureSDK: true\n      customCloudConfig: {activeDirectoryEndpoint: 'https://login.example.test/'}\n",
        &[],
    ));
    rows.push(cloud_store(
        "AzureStackCloud without customCloudConfig",
        "      environmentType: AzureStackCloud\n",
        &["STO008"],
    ));

    // Credentials: authorizerForWorkloadIdentity and authorizerForServicePrincipal.
    let auth = |name: &str, function: &str, azurekv: &str, sa_annotations: &str, expect: &[&'static str]| {
        with_platform(
            row(name, AZURE, function, es(DATA).replace("name: azure-kv", "name: auth-kv"), expect),
            &format!(
                "{}{}",
                store("auth-kv", "ClusterSecretStore", None, azurekv),
                if sa_annotations.is_empty() {
                    String::new()
                } else {
                    service_account("eso-reader", "external-secrets", sa_annotations)
                }
            ),
        )
    };
    let wi =
        "      authType: WorkloadIdentity\n      serviceAccountRef: {name: eso-reader, namespace: external-secrets}\n";
    let client_id = "    azure.workload.identity/client-id: 4a1d5c4f-903c-4166-b83f-6a262386c0de\n";
    let tenant_annotation = "    azure.workload.identity/tenant-id: 9b05fdb9-40c0-4f4a-a654-386013ae7d6a\n";
    let tenant = "      tenantId: 9b05fdb9-40c0-4f4a-a654-386013ae7d6a\n";
    rows.push(auth(
        "workload identity, tenant in the store",
        "authorizerForWorkloadIdentity",
        &format!("{wi}{tenant}"),
        client_id,
        &[],
    ));
    rows.push(auth(
        "workload identity, tenant on the ServiceAccount",
        "authorizerForWorkloadIdentity",
        wi,
        &format!("{client_id}{tenant_annotation}"),
        &[],
    ));
    rows.push(auth(
        "workload identity, tenant in both places",
        "authorizerForWorkloadIdentity",
        &format!("{wi}{tenant}"),
        &format!("{client_id}{tenant_annotation}"),
        &["STO007"],
    ));
    rows.push(auth(
        "workload identity, ServiceAccount without client-id",
        "authorizerForWorkloadIdentity",
        &format!("{wi}{tenant}"),
        "    team: orders\n",
        &["STO004"],
    ));
    rows.push(auth(
        "workload identity, ServiceAccount not rendered",
        "authorizerForWorkloadIdentity",
        &format!("{wi}{tenant}"),
        "",
        &["STO004"],
    ));
    let sp_full = "      tenantId: 9b05fdb9-40c0-4f4a-a654-386013ae7d6a\n      authSecretRef:\n        clientId: {name: sp, key: id, namespace: external-secrets}\n        clientSecret: {name: sp, key: secret, namespace: external-secrets}\n";
    rows.push(auth("service principal with secret", "authorizerForServicePrincipal", sp_full, "", &[]));
    rows.push(auth(
        "service principal without clientId",
        "authorizerForServicePrincipal",
        "      tenantId: 9b05fdb9-40c0-4f4a-a654-386013ae7d6a\n      authSecretRef:\n        clientSecret: {name: sp, key: secret, namespace: external-secrets}\n",
        "",
        &["STO003"],
    ));
    rows.push(auth(
        "service principal with secret and certificate",
        "buildServicePrincipalCredential",
        &format!("{sp_full}        clientCertificate: {{name: sp, key: cert, namespace: external-secrets}}\n"),
        "",
        &["STO003"],
    ));
    rows.push(auth(
        "service principal with the tenant only in authSecretRef",
        "authorizerForServicePrincipal",
        "      authSecretRef:\n        tenantId: {name: sp, key: tenant, namespace: external-secrets}\n        clientId: {name: sp, key: id, namespace: external-secrets}\n        clientSecret: {name: sp, key: secret, namespace: external-secrets}\n",
        "",
        &["STO003"],
    ));
    rows.push(auth(
        "managed identity",
        "authorizerForManagedIdentity",
        &format!("      authType: ManagedIdentity\n{tenant}"),
        "",
        &[],
    ));

    // ClusterSecretStore conditions: shouldProcessSecret.
    let conditions = |name: &str, condition: &str, labels: &str, expect: &[&'static str]| {
        with_platform(
            row(
                name,
                CLIENT_MANAGER,
                "shouldProcessSecret",
                es(DATA).replace("name: azure-kv", "name: scoped-kv"),
                expect,
            ),
            &format!(
                "{}      authType: WorkloadIdentity\n{tenant}  conditions:\n  - {condition}\n---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: team\n  labels: {{{labels}}}\n",
                store("scoped-kv", "ClusterSecretStore", None, "")
            ),
        )
    };
    rows.push(conditions("namespace listed", "namespaces: [team]", "", &[]));
    rows.push(conditions("namespace not listed", "namespaces: [billing]", "", &["REF001"]));
    rows.push(conditions(
        "namespaceSelector matchLabels",
        "namespaceSelector: {matchLabels: {tier: apps}}",
        "tier: apps",
        &[],
    ));
    rows.push(conditions(
        "namespaceSelector matchLabels, no match",
        "namespaceSelector: {matchLabels: {tier: data}}",
        "tier: apps",
        &["REF001"],
    ));
    rows.push(conditions(
        "namespaceSelector matchExpressions In",
        "namespaceSelector: {matchExpressions: [{key: tier, operator: In, values: [apps, web]}]}",
        "tier: apps",
        &[],
    ));
    rows.push(conditions(
        "namespaceSelector matchExpressions NotIn",
        "namespaceSelector: {matchExpressions: [{key: tier, operator: NotIn, values: [apps]}]}",
        "tier: apps",
        &["REF001"],
    ));
    rows.push(conditions("an empty namespaceSelector matches every namespace", "namespaceSelector: {}", "", &[]));
    rows.push(conditions(
        "the automatic kubernetes.io/metadata.name label",
        "namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: team}}",
        "",
        &[],
    ));
    rows.push(conditions("namespaceRegexes", "namespaceRegexes: ['^te']", "", &[]));
    rows.push(conditions("namespaceRegexes, no match", "namespaceRegexes: ['^bill']", "", &["REF001"]));

    // The keys of the target Secret: ApplyTemplate, several writers.
    rows.push(row(
        "a key the data produces",
        TEMPLATE,
        "ApplyTemplate",
        format!("{}{}", es(DATA), reads("app-db", "PASSWORD")),
        &[],
    ));
    rows.push(row(
        "a key the data does not produce",
        TEMPLATE,
        "ApplyTemplate",
        format!("{}{}", es(DATA), reads("app-db", "PASSWD")),
        &["WRK002"],
    ));
    rows.push(row(
        "template data replaces the fetched keys",
        TEMPLATE,
        "ApplyTemplate",
        format!(
            "{}{}",
            es(&format!("  target:\n    template:\n      data: {{url: 'db://{{{{ .PASSWORD }}}}'}}\n{DATA}")),
            reads("app-db", "PASSWORD")
        ),
        &["WRK002"],
    ));
    rows.push(row(
        "template mergePolicy Merge keeps the fetched keys",
        TEMPLATE,
        "ApplyTemplate",
        format!(
            "{}{}",
            es(&format!("  target:\n    template:\n      mergePolicy: Merge\n      data: {{url: 'db://{{{{ .PASSWORD }}}}'}}\n{DATA}")),
            reads("app-db", "PASSWORD")
        ),
        &[],
    ));
    rows.push(row(
        "a template with metadata only keeps the fetched keys",
        TEMPLATE,
        "ApplyTemplate",
        format!(
            "{}{}",
            es(&format!("  target:\n    template:\n      metadata: {{labels: {{a: b}}}}\n{DATA}")),
            reads("app-db", "PASSWORD")
        ),
        &[],
    ));
    rows.push(row(
        "templateFrom keys are not known",
        TEMPLATE,
        "ApplyTemplate",
        format!(
            "{}{}",
            es(&format!("  target:\n    template:\n      templateFrom:\n      - configMap: {{name: tpl, items: [{{key: t}}]}}\n{DATA}")),
            reads("app-db", "OTHER")
        ),
        &["WRK003"],
    ));
    rows.push(row(
        "extract keys are not known",
        SECRET,
        "handleExtractSecrets",
        format!("{}{}", es("  dataFrom:\n  - extract: {key: app-db-password}\n"), reads("app-db", "anything")),
        &["WRK003"],
    ));
    rows.push(row(
        "a key a Merge writer adds",
        TEMPLATE,
        "ApplyTemplate",
        format!(
            "{}---\n{}{}",
            es(DATA),
            es_named("app-db-extra", "  target: {name: app-db, creationPolicy: Merge}\n  data:\n  - secretKey: USER\n    remoteRef: {key: app-db-user}\n"),
            reads("app-db", "USER")
        ),
        &[],
    ));
    rows.push(row(
        "a key no writer adds, with a Merge writer",
        TEMPLATE,
        "ApplyTemplate",
        format!(
            "{}---\n{}{}",
            es(DATA),
            es_named("app-db-extra", "  target: {name: app-db, creationPolicy: Merge}\n  data:\n  - secretKey: USER\n    remoteRef: {key: app-db-user}\n"),
            reads("app-db", "HOST")
        ),
        &["WRK003"],
    ));
    rows.push(row(
        "two owners of one Secret",
        CONTROLLER,
        "Reconcile (owner label)",
        format!("{}---\n{}", es(DATA), es_named("app-db-2", &format!("  target: {{name: app-db}}\n{DATA}"))),
        &["REF002"],
    ));

    // One root cause, one finding: a store reference that does not resolve is said once; the Secret its
    // ExternalSecret would write still counts as provided (no WRK001), and its keys are not guessed (no WRK002).
    rows.push(row(
        "a misspelt store: REF001 only",
        CONTROLLER,
        "getStore (store not found)",
        format!("{}{}", es(DATA).replace("name: azure-kv", "name: azure-kvv"), reads("app-db", "PASSWORD")),
        &["REF001"],
    ));
    rows.push(row(
        "a store rendered nowhere: REF003 only",
        CONTROLLER,
        "getStore (store not found)",
        format!("{}{}", es(DATA).replace("name: azure-kv", "name: platform-kv"), reads("app-db", "PASSWORD")),
        &["REF003"],
    ));

    // find and rewrite: handleFindAllSecrets, RewriteMap.
    let find = |name: &str, entry: &str, key: &str, expect: &[&'static str]| {
        row(
            name,
            SECRET,
            "handleFindAllSecrets + esutils.RewriteMap",
            format!("{}{}", es(&format!("  dataFrom:\n  - {entry}\n")), reads("app-db", key)),
            expect,
        )
    };
    rows.push(find("a key find takes", "find: {name: {regexp: '^orders-db-'}}", "orders-db-host", &[]));
    rows.push(find("a key find does not take", "find: {name: {regexp: '^orders-db-'}}", "billing-token", &["WRK002"]));
    rows.push(find("find by tag", "find: {tags: {team: billing}}", "billing-token", &[]));
    rows.push(find("find skips disabled secrets", "find: {name: {regexp: '^disabled-'}}", "disabled-key", &["KV007"]));
    rows.push(find(
        "rewrite regexp",
        "find: {name: {regexp: '^orders-db-'}}\n    rewrite:\n    - regexp: {source: '^orders-db-(.*)', target: 'DB_$1'}",
        "DB_host",
        &[],
    ));
    rows.push(find(
        "the name before the rewrite",
        "find: {name: {regexp: '^orders-db-'}}\n    rewrite:\n    - regexp: {source: '^orders-db-(.*)', target: 'DB_$1'}",
        "orders-db-host",
        &["WRK002"],
    ));
    rows.push(find(
        "rewrite transform upper",
        "find: {name: {regexp: '^orders-db-'}}\n    rewrite:\n    - transform: {template: '{{ .value | upper | replace \"-\" \"_\" }}'}",
        "ORDERS_DB_USER",
        &[],
    ));
    rows.push(find(
        "rewrite merge keys are not known",
        "find: {name: {regexp: '^orders-db-'}}\n    rewrite:\n    - merge: {strategy: Extract}",
        "host",
        &["WRK003"],
    ));
    rows.push(find(
        "find matching nothing: one root cause, one finding",
        "find: {name: {regexp: '^nothing-'}}",
        "x",
        &["KV007"],
    ));
    rows.push(find(
        "a rewrite regexp that does not compile",
        "find: {name: {regexp: '^orders-db-'}}\n    rewrite:\n    - regexp: {source: '(', target: x}",
        "x",
        &["ESO011"],
    ));
    rows.push(find(
        "a find regexp that does not compile",
        "find: {name: {regexp: '^orders-(?!test)'}}",
        "x",
        &["ESO011"],
    ));

    // Refresh: shouldRefresh, shouldRefreshPeriodic; an immutable target.
    let refresh = |name: &str, function: &str, spec: &str, expect: &[&'static str]| {
        row(
            name,
            CONTROLLER,
            function,
            format!(
                "{}{}",
                es(&format!("{spec}{DATA}")).replacen("  refreshInterval: 1h\n", "", 1),
                reads("app-db", "PASSWORD")
            ),
            expect,
        )
    };
    rows.push(refresh("refreshInterval 0", "shouldRefreshPeriodic", "  refreshInterval: '0'\n", &["RLO001"]));
    rows.push(refresh("refreshInterval 0h0m0s", "shouldRefreshPeriodic", "  refreshInterval: 0h0m0s\n", &["RLO001"]));
    rows.push(refresh(
        "refreshPolicy CreatedOnce",
        "shouldRefresh",
        "  refreshInterval: 1h\n  refreshPolicy: CreatedOnce\n",
        &["RLO001"],
    ));
    rows.push(refresh(
        "refreshPolicy OnChange with interval 0",
        "shouldRefresh",
        "  refreshInterval: '0'\n  refreshPolicy: OnChange\n",
        &[],
    ));
    rows.push(refresh("refreshInterval 1h", "shouldRefreshPeriodic", "  refreshInterval: 1h\n", &[]));
    rows.push(refresh(
        "an immutable target",
        "ApplyTemplate (immutable Secret)",
        "  refreshInterval: 1h\n  target: {immutable: true}\n",
        &["RLO001"],
    ));

    // Key Vault object names: the azurekv provider's GetSecret.
    let key = |name: &str, key: &str, expect: &[&'static str]| {
        row(
            name,
            AZURE,
            "GetSecret",
            es(&format!("  data:\n  - secretKey: V\n    remoteRef: {{key: '{key}'}}\n")),
            expect,
        )
    };
    rows.push(key("a secret name", "app-db-password", &[]));
    rows.push(key("a secret/ prefix", "secret/app-db-password", &[]));
    rows.push(key("a key/ object", "key/signing", &["KV008"]));
    rows.push(key("a name Key Vault does not allow", "app_db_password", &["ESO007"]));
    rows.push(key("a secret missing from the vault", "app-db-pasword", &["KV001"]));
    rows.push(key("a disabled secret", "disabled-key", &["KV002"]));

    // ClusterExternalSecret: the ExternalSecrets it creates are named spec.externalSecretName, else after it.
    let ces = |name: &str, external_secret_name: &str, secret: &str, expect: &[&'static str]| {
        with_platform(
            row(name, CES, "Reconcile", reads(secret, "PASSWORD"), expect),
            &format!(
                "---\napiVersion: external-secrets.io/v1\nkind: ClusterExternalSecret\nmetadata:\n  name: shared\nspec:\n{external_secret_name}  namespaceSelectors:\n  - matchLabels: {{shared: 'yes'}}\n  externalSecretSpec:\n    refreshInterval: 1h\n    secretStoreRef: {{name: azure-kv, kind: ClusterSecretStore}}\n    data:\n    - secretKey: PASSWORD\n      remoteRef: {{key: app-db-password}}\n"
            ),
        )
    };
    rows.push(ces("reading the Secret named after the ClusterExternalSecret", "", "shared", &[]));
    rows.push(ces(
        "reading the Secret named externalSecretName",
        "  externalSecretName: app-creds\n",
        "app-creds",
        &[],
    ));
    rows.push(ces(
        "reading the ClusterExternalSecret's name when externalSecretName is set",
        "  externalSecretName: app-creds\n",
        "shared",
        &["WRK001"],
    ));

    rows
}

const INVENTORY: &str = r#"[
 {"id": "https://kv-fidelity.vault.azure.net/secrets/app-db-password", "name": "app-db-password", "tags": {"team": "orders"}, "attributes": {"enabled": true, "updated": "2026-01-10T00:00:00+00:00"}},
 {"id": "https://kv-fidelity.vault.azure.net/secrets/app-db-user", "name": "app-db-user", "tags": {"team": "orders"}, "attributes": {"enabled": true, "updated": "2026-01-10T00:00:00+00:00"}},
 {"id": "https://kv-fidelity.vault.azure.net/secrets/orders-db-host", "name": "orders-db-host", "tags": {"team": "orders"}, "attributes": {"enabled": true, "updated": "2026-01-10T00:00:00+00:00"}},
 {"id": "https://kv-fidelity.vault.azure.net/secrets/orders-db-user", "name": "orders-db-user", "tags": {"team": "orders"}, "attributes": {"enabled": true, "updated": "2026-01-10T00:00:00+00:00"}},
 {"id": "https://kv-fidelity.vault.azure.net/secrets/billing-token", "name": "billing-token", "tags": {"team": "billing"}, "attributes": {"enabled": true, "updated": "2026-01-10T00:00:00+00:00"}},
 {"id": "https://kv-fidelity.vault.azure.net/secrets/disabled-key", "name": "disabled-key", "tags": {}, "attributes": {"enabled": false, "updated": "2026-01-10T00:00:00+00:00"}}
]"#;

const DEFAULT_STORE: &str = "apiVersion: external-secrets.io/v1\nkind: ClusterSecretStore\nmetadata:\n  name: azure-kv\nspec:\n  provider:\n    azurekv:\n      authType: WorkloadIdentity\n      tenantId: 9b05fdb9-40c0-4f4a-a654-386013ae7d6a\n      vaultUrl: https://kv-fidelity.vault.azure.net/\n";

/// A one-environment repository: `objects` in namespace `team`, `store` and `platform` as cluster objects, the
/// inventory, and `config_extra` appended to the config; `files` are written as they are.
struct TestRepo<'a> {
    objects: &'a str,
    store: &'a str,
    platform: &'a str,
    config_extra: &'a str,
    files: &'a [(&'a str, String)],
}

/// The finding (code, message) pairs of linting `repo` offline (KV000 off).
fn lint_repo(repo: &TestRepo) -> Vec<(String, String)> {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let write = |path: &str, text: &str| {
        let p = root.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    };
    write(
        ".argocd-eso-plugin.yaml",
        &format!(
            "environments:\n- name: test\n  overlays: [overlays/test, platform/overlays/test]\n  vaultInventory: [inventory.json]\n{}",
            repo.config_extra
        ),
    );
    write("inventory.json", INVENTORY);
    write("overlays/test/kustomization.yaml", "namespace: team\nresources:\n- objects.yaml\n");
    write("overlays/test/objects.yaml", repo.objects);
    write("platform/overlays/test/kustomization.yaml", "resources:\n- store.yaml\n- extra.yaml\n");
    write("platform/overlays/test/store.yaml", repo.store);
    write("platform/overlays/test/extra.yaml", if repo.platform.is_empty() { "---\n" } else { repo.platform });
    for (path, text) in repo.files {
        write(path, text);
    }
    let mut config = Config::load(root).unwrap();
    config.rules.insert("KV000".into(), RuleSetting::Off);
    let vault = VaultOptions { offline: true, now: 1_780_272_000, ..Default::default() };
    let report = lint(&LintOptions::new(root.to_path_buf(), config, vec![], vault)).unwrap();
    report.findings.iter().map(|f| (f.code.to_string(), f.message.clone())).collect()
}

fn lint_row(r: &Row) -> BTreeSet<String> {
    let repo =
        TestRepo { objects: &r.objects, store: DEFAULT_STORE, platform: &r.platform, config_extra: "", files: &[] };
    lint_repo(&repo).into_iter().map(|(code, _)| code).collect()
}

#[test]
fn lint_decides_as_eso_does() {
    let rows = rows();
    assert!(rows.len() >= 90, "{} rows", rows.len());
    let mut failures = Vec::new();
    for r in &rows {
        assert!(r.mirrors.contains(".go ") || r.mirrors.contains(".yaml "), "{}: names no ESO source", r.name);
        let found = lint_row(r);
        let want: BTreeSet<String> = r.expect.iter().map(|c| c.to_string()).collect();
        eprintln!("{:<4} {} [{}]: {:?}", if found == want { "ok" } else { "FAIL" }, r.name, r.mirrors, want);
        if found != want {
            failures.push(format!("{} ({}): want {want:?}, found {found:?}", r.name, r.mirrors));
        }
    }
    assert!(failures.is_empty(), "{} of {} rows differ from ESO:\n{}", failures.len(), rows.len(), failures.join("\n"));
}

/// ESO's served API versions follow the release the repository runs (`eso::release`): a repository pinned to chart
/// 0.9.11 (a real one does) keeps `v1beta1`, and `v1` is the error there; `esoVersion` in the config overrides.
#[test]
fn the_eso_release_decides_which_api_versions_are_served() {
    let lint_spec = |api: &str, pinned_chart: Option<&str>, config_version: Option<&str>, spec: &str| {
        let versioned =
            |text: String| text.replace("external-secrets.io/v1\n", &format!("external-secrets.io/{api}\n"));
        let files: Vec<(&str, String)> = pinned_chart
            .map(|chart| {
                ("argocd/external-secrets.yaml", format!(
                    "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: external-secrets\n  namespace: argocd\nspec:\n  project: default\n  source:\n    repoURL: https://charts.external-secrets.io\n    chart: external-secrets\n    targetRevision: {chart}\n  destination: {{server: 'https://kubernetes.default.svc', namespace: external-secrets}}\n"
                ))
            })
            .into_iter()
            .collect();
        let config_extra = config_version.map(|v| format!("esoVersion: \"{v}\"\n")).unwrap_or_default();
        lint_repo(&TestRepo {
            objects: &versioned(es(spec)),
            store: &versioned(DEFAULT_STORE.to_string()),
            platform: "",
            config_extra: &config_extra,
            files: &files,
        })
    };
    let lint_with = |api: &str, pinned_chart: Option<&str>, config_version: Option<&str>| {
        lint_spec(api, pinned_chart, config_version, DATA)
    };
    // No release known: the latest, which serves only v1.
    let latest = lint_with("v1beta1", None, None);
    assert!(latest.iter().all(|(c, _)| c == "ESO002") && latest.len() == 2, "{latest:?}");
    assert!(latest[0].1.contains("set esoVersion"), "{latest:?}");
    // Pinned to 0.9.11 by an Argo CD Application: v1beta1 is right, v1 is the error, and the message says why.
    assert_eq!(lint_with("v1beta1", Some("0.9.11"), None), vec![]);
    let v1_on_old = lint_with("v1", Some("0.9.11"), None);
    assert_eq!(v1_on_old.len(), 2, "{v1_on_old:?}");
    assert!(v1_on_old[0].1.contains("Operator 0.9.11 (from argocd/external-secrets.yaml)"), "{v1_on_old:?}");
    // A v1beta1 object on a release that serves it is checked against the v1beta1 schema.
    let typo = lint_spec("v1beta1", Some("0.9.11"), None, &format!("  refreshIntervall: 1h\n{DATA}"));
    assert_eq!(typo.iter().map(|(c, _)| c.as_str()).collect::<Vec<_>>(), ["ESO001"], "{typo:?}");
    assert!(typo[0].1.contains("unknown field 'refreshIntervall'"), "{typo:?}");
    // 0.16.x serves both.
    assert_eq!(lint_with("v1beta1", Some("0.16.2"), None), vec![]);
    assert_eq!(lint_with("v1", Some("0.16.2"), None), vec![]);
    // The config wins over the chart found in the repository.
    assert_eq!(lint_with("v1", Some("0.9.11"), Some("0.17.1")), vec![]);
    let old = lint_with("v1beta1", None, Some("0.17.1"));
    assert!(old.iter().all(|(c, m)| c == "ESO002" && m.contains("esoVersion in .argocd-eso-plugin.yaml")), "{old:?}");
}

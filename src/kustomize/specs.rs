//! The data tables kustomize's transformers run on: which fields each transformer touches, which kinds are
//! cluster-scoped, the strategic-merge keys of the Kubernetes types, and the legacy kind order.
//! Kept as data so that a reader compares them with kustomize's own tables line by line.

use super::types::FieldSpec;
use std::sync::OnceLock;

/// Where the pod spec sits in each kind that carries one.
const POD_SPEC_PATHS: &[(&str, &str, &str)] = &[
    // (kind, version selector, path to the PodSpec)
    ("Pod", "v1", "spec"),
    ("PodTemplate", "", "template/spec"),
    ("Deployment", "", "spec/template/spec"),
    ("ReplicaSet", "", "spec/template/spec"),
    ("DaemonSet", "", "spec/template/spec"),
    ("StatefulSet", "", "spec/template/spec"),
    ("Job", "", "spec/template/spec"),
    ("CronJob", "", "spec/jobTemplate/spec/template/spec"),
];

const CONFIGMAP_IN_POD: &[&str] = &[
    "volumes/configMap/name",
    "containers/env/valueFrom/configMapKeyRef/name",
    "initContainers/env/valueFrom/configMapKeyRef/name",
    "containers/envFrom/configMapRef/name",
    "initContainers/envFrom/configMapRef/name",
    "volumes/projected/sources/configMap/name",
];

const SECRET_IN_POD: &[&str] = &[
    "volumes/secret/secretName",
    "containers/env/valueFrom/secretKeyRef/name",
    "initContainers/env/valueFrom/secretKeyRef/name",
    "containers/envFrom/secretRef/name",
    "initContainers/envFrom/secretRef/name",
    "imagePullSecrets/name",
    "volumes/projected/sources/secret/name",
];

/// Kinds whose pod spec refers to a ServiceAccount, PVC or PriorityClass in kustomize's table (PodTemplate and
/// ReplicaSet are not among them there).
const SA_PVC_PRIORITY_KINDS: &[(&str, &str)] = &[
    ("Pod", "spec"),
    ("StatefulSet", "spec/template/spec"),
    ("Deployment", "spec/template/spec"),
    ("ReplicationController", "spec/template/spec"),
    ("CronJob", "spec/jobTemplate/spec/template/spec"),
    ("Job", "spec/template/spec"),
    ("DaemonSet", "spec/template/spec"),
];

/// One back-reference: objects of `target` are referred to by name at `referrers`.
#[derive(Debug, Clone)]
pub struct NameBackRef {
    pub target: FieldSpec,
    pub referrers: Vec<FieldSpec>,
}

fn fs(group: &str, version: &str, kind: &str, path: &str) -> FieldSpec {
    FieldSpec { group: group.into(), version: version.into(), kind: kind.into(), path: path.into(), create: false }
}

fn fs_create(group: &str, version: &str, kind: &str, path: &str) -> FieldSpec {
    FieldSpec { create: true, ..fs(group, version, kind, path) }
}

fn pod_refs(suffixes: &[&str]) -> Vec<FieldSpec> {
    let mut out = Vec::new();
    for (kind, version, prefix) in POD_SPEC_PATHS {
        for s in suffixes {
            out.push(fs("", version, kind, &format!("{prefix}/{s}")));
        }
    }
    out
}

fn sa_pvc_priority_refs(suffix: &str) -> Vec<FieldSpec> {
    SA_PVC_PRIORITY_KINDS.iter().map(|(kind, prefix)| fs("", "", kind, &format!("{prefix}/{suffix}"))).collect()
}

/// kustomize's `nameReference` table: how a renamed object's new name reaches the objects that refer to it.
pub fn name_references() -> &'static [NameBackRef] {
    static TABLE: OnceLock<Vec<NameBackRef>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let hpa = |kind: &str| NameBackRef {
            target: fs("", "", kind, ""),
            referrers: vec![fs("", "", "HorizontalPodAutoscaler", "spec/scaleTargetRef/name")],
        };
        let mut configmap = pod_refs(CONFIGMAP_IN_POD);
        configmap.extend([
            fs("", "", "Node", "spec/configSource/configMap"),
            fs("", "", "Role", "rules/resourceNames"),
            fs("", "", "ClusterRole", "rules/resourceNames"),
            fs("", "", "Ingress", "metadata/annotations/nginx.ingress.kubernetes.io\\/fastcgi-params-configmap"),
        ]);
        let mut secret = pod_refs(SECRET_IN_POD);
        secret.extend([
            fs("", "", "Ingress", "spec/tls/secretName"),
            fs("", "", "Ingress", "metadata/annotations/ingress.kubernetes.io\\/auth-secret"),
            fs("", "", "Ingress", "metadata/annotations/nginx.ingress.kubernetes.io\\/auth-secret"),
            fs("", "", "Ingress", "metadata/annotations/nginx.ingress.kubernetes.io\\/auth-tls-secret"),
            fs("", "", "ServiceAccount", "imagePullSecrets/name"),
            fs("", "", "StorageClass", "parameters/secretName"),
            fs("", "", "StorageClass", "parameters/adminSecretName"),
            fs("", "", "StorageClass", "parameters/userSecretName"),
            fs("", "", "StorageClass", "parameters/secretRef"),
            fs("", "", "Role", "rules/resourceNames"),
            fs("", "", "ClusterRole", "rules/resourceNames"),
            fs("serving.knative.dev", "v1", "Service", "spec/template/spec/containers/env/valueFrom/secretKeyRef/name"),
            fs("", "", "PersistentVolume", "spec/azureFile/secretName"),
        ]);
        let mut service_account = vec![
            fs("rbac.authorization.k8s.io", "", "RoleBinding", "subjects"),
            fs("rbac.authorization.k8s.io", "", "ClusterRoleBinding", "subjects"),
        ];
        service_account.extend(sa_pvc_priority_refs("serviceAccountName"));
        vec![
            hpa("Deployment"),
            hpa("ReplicationController"),
            hpa("ReplicaSet"),
            hpa("StatefulSet"),
            NameBackRef { target: fs("", "v1", "ConfigMap", ""), referrers: configmap },
            NameBackRef { target: fs("", "v1", "Secret", ""), referrers: secret },
            NameBackRef {
                target: fs("", "v1", "Service", ""),
                referrers: vec![
                    fs("apps", "", "StatefulSet", "spec/serviceName"),
                    fs("", "", "Ingress", "spec/rules/http/paths/backend/serviceName"),
                    fs("", "", "Ingress", "spec/backend/serviceName"),
                    fs("", "", "Ingress", "spec/rules/http/paths/backend/service/name"),
                    fs("", "", "Ingress", "spec/defaultBackend/service/name"),
                    fs("apiregistration.k8s.io", "", "APIService", "spec/service/name"),
                    fs(
                        "admissionregistration.k8s.io",
                        "",
                        "ValidatingWebhookConfiguration",
                        "webhooks/clientConfig/service",
                    ),
                    fs(
                        "admissionregistration.k8s.io",
                        "",
                        "MutatingWebhookConfiguration",
                        "webhooks/clientConfig/service",
                    ),
                    fs("", "", "HTTPRoute", "spec/rules/backendRefs/name"),
                ],
            },
            NameBackRef {
                target: fs("rbac.authorization.k8s.io", "", "Role", ""),
                referrers: vec![fs("rbac.authorization.k8s.io", "", "RoleBinding", "roleRef/name")],
            },
            NameBackRef {
                target: fs("rbac.authorization.k8s.io", "", "ClusterRole", ""),
                referrers: vec![
                    fs("rbac.authorization.k8s.io", "", "RoleBinding", "roleRef/name"),
                    fs("rbac.authorization.k8s.io", "", "ClusterRoleBinding", "roleRef/name"),
                ],
            },
            NameBackRef { target: fs("", "v1", "ServiceAccount", ""), referrers: service_account },
            NameBackRef {
                target: fs("", "v1", "PersistentVolumeClaim", ""),
                referrers: sa_pvc_priority_refs("volumes/persistentVolumeClaim/claimName"),
            },
            NameBackRef {
                target: fs("", "v1", "PersistentVolume", ""),
                referrers: vec![
                    fs("", "", "PersistentVolumeClaim", "spec/volumeName"),
                    fs("", "", "ClusterRole", "rules/resourceNames"),
                ],
            },
            NameBackRef {
                target: fs("storage.k8s.io", "v1", "StorageClass", ""),
                referrers: vec![
                    fs("", "", "PersistentVolume", "spec/storageClassName"),
                    fs("", "", "PersistentVolumeClaim", "spec/storageClassName"),
                    fs("", "", "StatefulSet", "spec/volumeClaimTemplates/spec/storageClassName"),
                ],
            },
            NameBackRef {
                target: fs("scheduling.k8s.io", "v1", "PriorityClass", ""),
                referrers: sa_pvc_priority_refs("priorityClassName"),
            },
            NameBackRef {
                // kustomize's table writes the group as "networking.k8s.io/v1", which matches no object: kept as is.
                target: fs("networking.k8s.io/v1", "v1", "IngressClass", ""),
                referrers: vec![fs("", "", "Ingress", "spec/ingressClassName")],
            },
            NameBackRef {
                // api/internal/konfig/builtinpluginconsts/namereference.go: a binding names its policy.
                target: fs("admissionregistration.k8s.io", "", "ValidatingAdmissionPolicy", ""),
                referrers: vec![fs(
                    "admissionregistration.k8s.io",
                    "",
                    "ValidatingAdmissionPolicyBinding",
                    "spec/policyName",
                )],
            },
        ]
    })
}

const WORKLOADS_WITH_TEMPLATE: &[(&str, &str)] =
    &[("DaemonSet", ""), ("Deployment", ""), ("Job", ""), ("ReplicaSet", ""), ("StatefulSet", "")];

/// kustomize's `varReference` table: where `$(VAR)` is expanded.
pub fn var_references() -> &'static [FieldSpec] {
    static TABLE: OnceLock<Vec<FieldSpec>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let container_fields = |prefix: &str| -> Vec<String> {
            let mut v = Vec::new();
            for c in ["containers", "initContainers"] {
                for f in ["args", "command", "env/value", "volumeMounts/mountPath"] {
                    v.push(format!("{prefix}/{c}/{f}"));
                }
            }
            v
        };
        let mut out = Vec::new();
        for p in container_fields("spec/jobTemplate/spec/template/spec") {
            out.push(fs("", "", "CronJob", &p));
        }
        out.push(fs("", "", "CronJob", "spec/jobTemplate/spec/template/volumes/nfs/server"));
        for (kind, _) in WORKLOADS_WITH_TEMPLATE {
            for p in container_fields("spec/template/spec") {
                out.push(fs("", "", kind, &p));
            }
            out.push(fs("", "", kind, "spec/template/spec/volumes/nfs/server"));
        }
        out.push(fs("", "", "Deployment", "spec/template/metadata/annotations"));
        for p in ["spec/rules/host", "spec/tls/hosts", "spec/tls/secretName"] {
            out.push(fs("", "", "Ingress", p));
        }
        for p in container_fields("spec") {
            out.push(fs("", "", "Pod", &p));
        }
        out.push(fs("", "", "Pod", "spec/volumes/nfs/server"));
        out.push(fs("", "", "Service", "spec/ports/port"));
        out.push(fs("", "", "Service", "spec/ports/targetPort"));
        out.push(fs("", "", "StatefulSet", "spec/volumeClaimTemplates/spec/nfs/server"));
        out.push(fs("", "", "PersistentVolume", "spec/nfs/server"));
        out.push(fs("", "", "", "metadata/labels"));
        out.push(fs("", "", "", "metadata/annotations"));
        out
    })
}

const AFFINITY_SELECTORS: &[&str] = &[
    "spec/template/spec/affinity/podAffinity/preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm/labelSelector/matchLabels",
    "spec/template/spec/affinity/podAffinity/requiredDuringSchedulingIgnoredDuringExecution/labelSelector/matchLabels",
    "spec/template/spec/affinity/podAntiAffinity/preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm/labelSelector/matchLabels",
    "spec/template/spec/affinity/podAntiAffinity/requiredDuringSchedulingIgnoredDuringExecution/labelSelector/matchLabels",
    "spec/template/spec/topologySpreadConstraints/labelSelector/matchLabels",
];

/// kustomize's `commonLabels` table (also used by `labels` with includeSelectors).
pub fn common_labels() -> Vec<FieldSpec> {
    let mut v = vec![
        fs_create("", "", "", "metadata/labels"),
        fs_create("", "v1", "Service", "spec/selector"),
        fs_create("", "v1", "ReplicationController", "spec/selector"),
        fs_create("", "v1", "ReplicationController", "spec/template/metadata/labels"),
        fs_create("", "", "Deployment", "spec/selector/matchLabels"),
        fs_create("", "", "Deployment", "spec/template/metadata/labels"),
    ];
    v.extend(AFFINITY_SELECTORS.iter().map(|p| fs("apps", "", "Deployment", p)));
    v.extend([
        fs_create("", "", "ReplicaSet", "spec/selector/matchLabels"),
        fs_create("", "", "ReplicaSet", "spec/template/metadata/labels"),
        fs_create("", "", "DaemonSet", "spec/selector/matchLabels"),
        fs_create("", "", "DaemonSet", "spec/template/metadata/labels"),
        fs_create("apps", "", "StatefulSet", "spec/selector/matchLabels"),
        fs_create("apps", "", "StatefulSet", "spec/template/metadata/labels"),
    ]);
    v.extend(AFFINITY_SELECTORS.iter().map(|p| fs("apps", "", "StatefulSet", p)));
    v.extend([
        fs_create("apps", "", "StatefulSet", "spec/volumeClaimTemplates[]/metadata/labels"),
        fs("batch", "", "Job", "spec/selector/matchLabels"),
        fs_create("batch", "", "Job", "spec/template/metadata/labels"),
        fs("batch", "", "CronJob", "spec/jobTemplate/spec/selector/matchLabels"),
        fs_create("batch", "", "CronJob", "spec/jobTemplate/metadata/labels"),
        fs_create("batch", "", "CronJob", "spec/jobTemplate/spec/template/metadata/labels"),
        fs("policy", "", "PodDisruptionBudget", "spec/selector/matchLabels"),
        fs("networking.k8s.io", "", "NetworkPolicy", "spec/podSelector/matchLabels"),
        fs("networking.k8s.io", "", "NetworkPolicy", "spec/ingress/from/podSelector/matchLabels"),
        fs("networking.k8s.io", "", "NetworkPolicy", "spec/egress/to/podSelector/matchLabels"),
    ]);
    v
}

/// kustomize's `templateLabels` table (used by `labels` with includeTemplates).
pub fn template_labels() -> Vec<FieldSpec> {
    vec![
        fs_create("", "", "Deployment", "spec/template/metadata/labels"),
        fs_create("", "", "ReplicaSet", "spec/template/metadata/labels"),
        fs_create("", "", "DaemonSet", "spec/template/metadata/labels"),
        fs_create("apps", "", "StatefulSet", "spec/template/metadata/labels"),
        fs_create("batch", "", "Job", "spec/template/metadata/labels"),
        fs_create("batch", "", "CronJob", "spec/jobTemplate/metadata/labels"),
        fs_create("batch", "", "CronJob", "spec/jobTemplate/spec/template/metadata/labels"),
    ]
}

/// kustomize's `commonAnnotations` table.
pub fn common_annotations() -> Vec<FieldSpec> {
    vec![
        fs_create("", "", "", "metadata/annotations"),
        fs_create("", "v1", "ReplicationController", "spec/template/metadata/annotations"),
        fs_create("", "", "Deployment", "spec/template/metadata/annotations"),
        fs_create("", "", "ReplicaSet", "spec/template/metadata/annotations"),
        fs_create("", "", "DaemonSet", "spec/template/metadata/annotations"),
        fs_create("apps", "", "StatefulSet", "spec/template/metadata/annotations"),
        fs_create("batch", "", "Job", "spec/template/metadata/annotations"),
        fs_create("batch", "", "CronJob", "spec/jobTemplate/metadata/annotations"),
        fs_create("batch", "", "CronJob", "spec/jobTemplate/spec/template/metadata/annotations"),
    ]
}

/// Namespace fields beyond `metadata/namespace` (which the namespace transformer handles by scope).
pub fn namespace_fields() -> Vec<FieldSpec> {
    vec![
        fs_create("apiregistration.k8s.io", "", "APIService", "spec/service/namespace"),
        fs(
            "apiextensions.k8s.io",
            "",
            "CustomResourceDefinition",
            "spec/conversion/webhook/clientConfig/service/namespace",
        ),
        fs(
            "admissionregistration.k8s.io",
            "",
            "ValidatingWebhookConfiguration",
            "webhooks/clientConfig/service/namespace",
        ),
        fs(
            "admissionregistration.k8s.io",
            "",
            "MutatingWebhookConfiguration",
            "webhooks/clientConfig/service/namespace",
        ),
    ]
}

/// kustomize's `images` table; a second, legacy pass finds `containers`/`initContainers` anywhere.
pub fn images() -> Vec<FieldSpec> {
    vec![
        fs_create("", "", "", "spec/containers[]/image"),
        fs_create("", "", "", "spec/initContainers[]/image"),
        fs_create("", "", "", "spec/template/spec/containers[]/image"),
        fs_create("", "", "", "spec/template/spec/initContainers[]/image"),
    ]
}

pub fn replicas() -> Vec<FieldSpec> {
    ["Deployment", "ReplicationController", "ReplicaSet", "StatefulSet"]
        .iter()
        .map(|k| fs_create("", "", k, "spec/replicas"))
        .collect()
}

pub fn name_prefix() -> Vec<FieldSpec> {
    vec![fs("", "", "", "metadata/name")]
}

/// Kinds kustomize never renames with namePrefix/nameSuffix.
pub const PREFIX_SUFFIX_SKIP: &[(&str, &str)] =
    &[("", "CustomResourceDefinition"), ("apiregistration.k8s.io", "APIService"), ("", "Namespace")];

/// Cluster-scoped kinds of the Kubernetes API as kustomize v5.5 knows them: its built-in OpenAPI document is
/// Kubernetes 1.21, so later cluster-scoped kinds (ValidatingAdmissionPolicy, ...) get a namespace like any
/// unknown kind (CRDs) does. Kept that way for parity with `kubectl kustomize`.
const CLUSTER_SCOPED: &[&str] = &[
    "APIService",
    "CertificateSigningRequest",
    "ClusterRole",
    "ClusterRoleBinding",
    "ComponentStatus",
    "CSIDriver",
    "CSINode",
    "CustomResourceDefinition",
    "FlowSchema",
    "IngressClass",
    "MutatingWebhookConfiguration",
    "Namespace",
    "Node",
    "PersistentVolume",
    "PodSecurityPolicy",
    "PriorityClass",
    "PriorityLevelConfiguration",
    "RuntimeClass",
    "SelfSubjectAccessReview",
    "SelfSubjectRulesReview",
    "StorageClass",
    "StorageVersion",
    "SubjectAccessReview",
    "TokenReview",
    "ValidatingWebhookConfiguration",
    "VolumeAttachment",
];

/// A kind is cluster-scoped only in a built-in API group: `Namespace` of servicebus.azure.com is namespaced.
pub fn is_cluster_scoped(group: &str, kind: &str) -> bool {
    BUILTIN_GROUPS.contains(&group) && CLUSTER_SCOPED.contains(&kind)
}

/// kustomize's legacy output order: these kinds first, in this order ...
pub const ORDER_FIRST: &[&str] = &[
    "Namespace",
    "ResourceQuota",
    "StorageClass",
    "CustomResourceDefinition",
    "ServiceAccount",
    "PodSecurityPolicy",
    "Role",
    "ClusterRole",
    "RoleBinding",
    "ClusterRoleBinding",
    "ConfigMap",
    "Secret",
    "Endpoints",
    "Service",
    "LimitRange",
    "PriorityClass",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "Deployment",
    "StatefulSet",
    "CronJob",
    "PodDisruptionBudget",
];
/// ... and these last.
pub const ORDER_LAST: &[&str] = &["MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"];

/// How strategic merge treats a list: merged by key, merged as a set of scalars, or replaced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListStrategy<'a> {
    MergeByKey(&'a str),
    MergeScalars,
}

/// The schema context of a node during strategic merge: which Kubernetes type it is, if known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SchemaType {
    /// No schema: a custom resource, or a field the table does not describe. Lists are replaced.
    Unknown,
    Root(RootKind),
    ObjectMeta,
    PodTemplateSpec,
    PodSpec,
    Container,
    JobTemplateSpec,
    JobSpec,
    WorkloadSpec,
    CronJobSpec,
    ServiceSpec,
    OtherSpec,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RootKind {
    Workload,
    CronJob,
    Pod,
    PodTemplate,
    Service,
    ServiceAccount,
    /// Another built-in kind: known to kustomize's schema, but no list in it merges by key in this table.
    OtherBuiltin,
}

/// Built-in API groups: objects in them have a schema in kustomize; anything else is a custom resource.
const BUILTIN_GROUPS: &[&str] = &[
    "",
    "apps",
    "batch",
    "autoscaling",
    "policy",
    "networking.k8s.io",
    "rbac.authorization.k8s.io",
    "storage.k8s.io",
    "scheduling.k8s.io",
    "apiextensions.k8s.io",
    "admissionregistration.k8s.io",
    "apiregistration.k8s.io",
    "certificates.k8s.io",
    "coordination.k8s.io",
    "discovery.k8s.io",
    "events.k8s.io",
    "node.k8s.io",
    "extensions",
];

pub fn root_schema(group: &str, kind: &str) -> SchemaType {
    if !BUILTIN_GROUPS.contains(&group) {
        return SchemaType::Unknown;
    }
    let root = match kind {
        "Deployment" | "ReplicaSet" | "DaemonSet" | "StatefulSet" | "Job" | "ReplicationController" => {
            RootKind::Workload
        }
        "CronJob" => RootKind::CronJob,
        "Pod" => RootKind::Pod,
        "PodTemplate" => RootKind::PodTemplate,
        "Service" => RootKind::Service,
        "ServiceAccount" => RootKind::ServiceAccount,
        _ => RootKind::OtherBuiltin,
    };
    SchemaType::Root(root)
}

/// The schema type of a map's field, and how a list at that field merges.
pub fn field_schema(parent: SchemaType, field: &str) -> (SchemaType, Option<ListStrategy<'static>>) {
    use ListStrategy::*;
    use SchemaType::*;
    match (parent, field) {
        (Root(_) | PodTemplateSpec | JobTemplateSpec, "metadata") => (ObjectMeta, None),
        (ObjectMeta, "finalizers") => (Unknown, Some(MergeScalars)),
        (ObjectMeta, "ownerReferences") => (Unknown, Some(MergeByKey("uid"))),
        (Root(RootKind::Workload), "spec") => (WorkloadSpec, None),
        (Root(RootKind::CronJob), "spec") => (CronJobSpec, None),
        (Root(RootKind::Pod), "spec") => (PodSpec, None),
        (Root(RootKind::PodTemplate), "template") => (PodTemplateSpec, None),
        (Root(RootKind::Service), "spec") => (ServiceSpec, None),
        (Root(RootKind::ServiceAccount), "secrets") => (Unknown, Some(MergeByKey("name"))),
        (WorkloadSpec | JobSpec, "template") => (PodTemplateSpec, None),
        (CronJobSpec, "jobTemplate") => (JobTemplateSpec, None),
        (JobTemplateSpec, "spec") => (JobSpec, None),
        (PodTemplateSpec, "spec") => (PodSpec, None),
        (PodSpec, "containers" | "initContainers" | "ephemeralContainers") => (Container, Some(MergeByKey("name"))),
        (PodSpec, "volumes" | "imagePullSecrets" | "resourceClaims" | "schedulingGates") => {
            (Unknown, Some(MergeByKey("name")))
        }
        (PodSpec, "hostAliases") => (Unknown, Some(MergeByKey("ip"))),
        (PodSpec, "topologySpreadConstraints") => (Unknown, Some(MergeByKey("topologyKey"))),
        (Container, "env") => (Unknown, Some(MergeByKey("name"))),
        (Container, "ports") => (Unknown, Some(MergeByKey("containerPort"))),
        (Container, "volumeMounts") => (Unknown, Some(MergeByKey("mountPath"))),
        (Container, "volumeDevices") => (Unknown, Some(MergeByKey("devicePath"))),
        (ServiceSpec, "ports") => (Unknown, Some(MergeByKey("port"))),
        // A field of a known type that the table does not describe further: its lists are replaced.
        (Unknown, _) => (Unknown, None),
        _ => (OtherSpec, None),
    }
}

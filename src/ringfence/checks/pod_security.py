"""Pod security over every pod template (Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob):
privileges, host namespaces and paths, the user, privilege escalation, capabilities, limits and images.

The settings follow the Pod Security Standards ("baseline" and "restricted" profiles):
https://kubernetes.io/docs/concepts/security/pod-security-standards/
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from ringfence.checks.base import Check, Meta, ResourceCheck, Result, Severity, failed, passed, unknown
from ringfence.checks.context import Context
from ringfence.kubernetes.workloads import WORKLOAD_KINDS, Container, containers, pod_spec, position
from ringfence.model import Resource

# A problem with one container: the message, and the mapping and key that decide it (for the line).
Problem = tuple[str, Mapping[str, Any] | None, str | None]


def _no_template(resource: Resource) -> Result:
    return unknown(resource, "the manifest has no pod spec (a mapping): nothing to check")


def per_container(judge: Callable[[Container], Problem | None], *, ephemeral: bool = True) -> ResourceCheck:
    """A check of each container of a workload's pod template: a failure per container ``judge`` finds
    a problem in, else a pass."""

    def check(resource: Resource, ctx: Context) -> Iterable[Result]:
        spec = pod_spec(resource)
        if spec is None:
            yield _no_template(resource)
            return
        found = False
        for container in containers(spec):
            if not ephemeral and container.field == "ephemeralContainers":
                continue
            problem = judge(container)
            if problem is None:
                continue
            found = True
            message, holder, key = problem
            yield failed(
                resource,
                f"{container.describe()}: {message}",
                detail=f"{container.field}/{container.name}",
                at=position(resource, holder, key),
            )
        if not found:
            yield passed(resource)

    return check


def _is_true(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() == "true")


def _privileged(container: Container) -> Problem | None:
    if _is_true(container.security.get("privileged")):
        return "runs privileged (every device and capability of the node)", container.security, "privileged"
    return None


def _snippet(security: str, pod: str = "") -> str:
    return (
        'resource "kubernetes_deployment_v1" "app" {\n  metadata {\n    name      = "app"\n'
        '    namespace = "shop"\n  }\n  spec {\n    template {\n      metadata {\n        labels = { app = "app" }\n'
        f'      }}\n      spec {{\n{pod}        container {{\n          name  = "app"\n'
        '          image = "registry.example.com/app@sha256:4f1c0e4c0a2b3f6d8e9a7b5c3d1e0f2a4b6c8d0e2f4a6b8c0d2e4f6a8b0c2d4e"\n'
        f"{security}        }}\n      }}\n    }}\n  }}\n}}"
    )


CONTAINER_NOT_PRIVILEGED = Check(
    Meta(
        rule_id="k8s.container-not-privileged",
        title="Kubernetes containers do not run privileged",
        pillar="workload",
        severity=Severity.HIGH,
        rationale="A privileged container has every capability and the node's devices: one compromised process "
        "owns the node, its kubelet credentials and every other pod on it.",
        remediation="Remove securityContext.privileged (or set it to false) and add only the capabilities the "
        "process needs.",
        terraform=_snippet("          security_context {\n            privileged = false\n          }\n"),
        peers=("CKV_K8S_16",),
        references=("https://kubernetes.io/docs/concepts/security/pod-security-standards/",),
    ),
    kinds=WORKLOAD_KINDS,
    per_resource=per_container(_privileged),
)

_HOST_NAMESPACES = ("hostNetwork", "hostPID", "hostIPC")


def _host_namespaces(resource: Resource, ctx: Context) -> Iterable[Result]:
    spec = pod_spec(resource)
    if spec is None:
        yield _no_template(resource)
        return
    shared = [key for key in _HOST_NAMESPACES if _is_true(spec.get(key))]
    for key in shared:
        yield failed(
            resource,
            f"the pods share the node's {key.removeprefix('host').lower()} namespace ({key}: true)",
            detail=key,
            at=position(resource, spec, key),
        )
    if not shared:
        yield passed(resource)


POD_NO_HOST_NAMESPACES = Check(
    Meta(
        rule_id="k8s.pod-no-host-namespaces",
        title="Kubernetes pods keep their own network, process and IPC namespaces",
        pillar="workload",
        severity=Severity.HIGH,
        rationale="hostNetwork lets a pod listen on and sniff the node's interfaces and reach its metadata "
        "service; hostPID lets it see and signal every process of the node; hostIPC its shared memory.",
        remediation="Remove hostNetwork, hostPID and hostIPC from the pod spec (they default to false).",
        terraform=_snippet(
            "", "        host_network = false\n        host_pid     = false\n        host_ipc     = false\n"
        ),
        peers=("CKV_K8S_17", "CKV_K8S_18", "CKV_K8S_19"),
    ),
    kinds=WORKLOAD_KINDS,
    per_resource=_host_namespaces,
)


def _host_paths(resource: Resource, ctx: Context) -> Iterable[Result]:
    spec = pod_spec(resource)
    if spec is None:
        yield _no_template(resource)
        return
    volumes = spec.get("volumes")
    found = False
    for index, volume in enumerate(volumes if isinstance(volumes, list) else []):
        if not isinstance(volume, Mapping) or "hostPath" not in volume:
            continue
        found = True
        host = volume.get("hostPath")
        path = host.get("path") if isinstance(host, Mapping) else None
        name = volume.get("name") if isinstance(volume.get("name"), str) else f"volumes[{index}]"
        yield failed(
            resource,
            f"volume {name} mounts the node's {path if isinstance(path, str) else 'filesystem'} (hostPath)",
            detail=str(name),
            at=position(resource, volume, "hostPath"),
        )
    if not found:
        yield passed(resource)


POD_NO_HOST_PATH = Check(
    Meta(
        rule_id="k8s.pod-no-host-path-volumes",
        title="Kubernetes pods mount no hostPath volumes",
        pillar="workload",
        severity=Severity.HIGH,
        rationale="A hostPath volume gives the pod the node's files: the container runtime socket, the kubelet's "
        "credentials, other pods' secrets. Writing there is an escape from the container.",
        remediation="Use emptyDir, a ConfigMap, a Secret or a PersistentVolumeClaim instead.",
        terraform=_snippet(""),
        references=("https://kubernetes.io/docs/concepts/storage/volumes/#hostpath",),
    ),
    kinds=WORKLOAD_KINDS,
    per_resource=_host_paths,
)


def _root(container: Container) -> Problem | None:
    user, holder = container.effective("runAsUser")
    if isinstance(user, int) and not isinstance(user, bool) and user == 0:
        return "runs as root (runAsUser: 0)", holder, "runAsUser"
    non_root, holder = container.effective("runAsNonRoot")
    if _is_true(non_root):
        return None
    if isinstance(user, int) and not isinstance(user, bool) and user > 0:
        return None
    if non_root is not None:
        return (
            "may run as root: runAsNonRoot is false and no non-zero runAsUser is set",
            holder,
            "runAsNonRoot",
        )
    return (
        "may run as root: neither runAsNonRoot: true nor a non-zero runAsUser (the image decides)",
        None,
        None,
    )


CONTAINER_NON_ROOT = Check(
    Meta(
        rule_id="k8s.container-runs-as-non-root",
        title="Kubernetes containers run as a non-root user",
        pillar="workload",
        severity=Severity.MEDIUM,
        rationale="Root in a container is root on the node's kernel: a container escape or a writable host mount "
        "is then root on the node. Without runAsNonRoot the image's USER decides, and many images run as root.",
        remediation="Set securityContext.runAsNonRoot: true (pod or container level) and a non-zero runAsUser.",
        terraform=_snippet(
            "          security_context {\n            run_as_non_root = true\n            run_as_user     = 10001\n"
            "          }\n"
        ),
        peers=("CKV_K8S_23",),
        references=("https://kubernetes.io/docs/tasks/configure-pod-container/security-context/",),
    ),
    kinds=WORKLOAD_KINDS,
    per_resource=per_container(_root),
)


def _escalation(container: Container) -> Problem | None:
    security = container.security
    value = security.get("allowPrivilegeEscalation")
    if _is_true(security.get("privileged")):
        return "can gain privileges: it is privileged (always allows escalation)", security, "privileged"
    if value is False or (isinstance(value, str) and value.lower() == "false"):
        return None
    if value is None:
        return (
            "can gain privileges through setuid binaries: allowPrivilegeEscalation is not false",
            None,
            None,
        )
    return "can gain privileges: allowPrivilegeEscalation is true", security, "allowPrivilegeEscalation"


CONTAINER_NO_ESCALATION = Check(
    Meta(
        rule_id="k8s.container-no-privilege-escalation",
        title="Kubernetes containers set allowPrivilegeEscalation to false",
        pillar="workload",
        severity=Severity.MEDIUM,
        rationale="Unless allowPrivilegeEscalation is false (no_new_privs), a process can gain more privileges "
        "than its parent through setuid binaries or file capabilities; it defaults to true.",
        remediation="Set securityContext.allowPrivilegeEscalation: false on every container.",
        terraform=_snippet(
            "          security_context {\n            allow_privilege_escalation = false\n          }\n"
        ),
        peers=("CKV_K8S_20",),
    ),
    kinds=WORKLOAD_KINDS,
    per_resource=per_container(_escalation),
)

# Capabilities that break the container's isolation or give control of the node's network, kernel or files
# (capabilities(7)); the Pod Security Standards' baseline allows none of them.
DANGEROUS_CAPABILITIES = frozenset(
    {
        "ALL",
        "SYS_ADMIN",
        "NET_ADMIN",
        "SYS_MODULE",
        "SYS_PTRACE",
        "SYS_RAWIO",
        "SYS_BOOT",
        "SYS_TIME",
        "DAC_READ_SEARCH",
        "DAC_OVERRIDE",
        "BPF",
        "PERFMON",
        "MAC_ADMIN",
        "MAC_OVERRIDE",
        "NET_RAW",
        "SETFCAP",
        "SYSLOG",
    }
)


def _capabilities(container: Container) -> Problem | None:
    caps = container.security.get("capabilities")
    added = caps.get("add") if isinstance(caps, Mapping) else None
    names = [str(c).upper().removeprefix("CAP_") for c in added] if isinstance(added, list) else []
    bad = sorted({n for n in names if n in DANGEROUS_CAPABILITIES})
    if bad:
        return f"adds capabilities {', '.join(bad)}", caps, "add"
    return None


CONTAINER_NO_DANGEROUS_CAPABILITIES = Check(
    Meta(
        rule_id="k8s.container-no-dangerous-capabilities",
        title="Kubernetes containers add no capabilities that break isolation",
        pillar="workload",
        severity=Severity.HIGH,
        rationale="SYS_ADMIN is close to root on the node (mounts, namespaces, BPF); NET_ADMIN reconfigures the "
        "pod network and NET_RAW spoofs packets; ALL is all of them.",
        remediation="Drop ALL and add back only what the process needs (NET_BIND_SERVICE for a low port).",
        terraform=_snippet(
            "          security_context {\n            capabilities {\n"
            '              drop = ["ALL"]\n              add  = ["NET_BIND_SERVICE"]\n            }\n          }\n'
        ),
        peers=("CKV_K8S_39",),
    ),
    kinds=WORKLOAD_KINDS,
    per_resource=per_container(_capabilities),
)


def _limits(container: Container) -> Problem | None:
    resources = container.value.get("resources")
    limits = resources.get("limits") if isinstance(resources, Mapping) else None
    limits = limits if isinstance(limits, Mapping) else {}
    missing = [k for k in ("cpu", "memory") if k not in limits]
    if missing:
        return f"has no {' and no '.join(missing)} limit", limits or None, None
    return None


CONTAINER_LIMITS = Check(
    Meta(
        rule_id="k8s.container-resource-limits-set",
        title="Kubernetes containers set CPU and memory limits",
        pillar="workload",
        severity=Severity.LOW,
        rationale="A container without limits can take the node's CPU and memory: one runaway or hijacked "
        "process (a cryptominer) starves or evicts the other pods of the node.",
        remediation="Set resources.limits.cpu and resources.limits.memory (a LimitRange can set defaults).",
        terraform=_snippet(
            '          resources {\n            limits = {\n              cpu    = "500m"\n'
            '              memory = "512Mi"\n            }\n          }\n'
        ),
        peers=("CKV_K8S_11", "CKV_K8S_13"),
    ),
    kinds=WORKLOAD_KINDS,
    per_resource=per_container(_limits, ephemeral=False),
)


def image_reference(image: str) -> tuple[str | None, str | None]:
    """(tag, digest) of an image reference: ``nginx`` -> (None, None), ``a/b:1.2@sha256:...`` -> both."""
    rest, _, digest = image.partition("@")
    last = rest.rsplit("/", 1)[-1]
    tag = last.rsplit(":", 1)[1] if ":" in last else None
    return tag, digest or None


def _image(container: Container) -> Problem | None:
    image = container.value.get("image")
    if not isinstance(image, str) or not image:
        return "names no image", None, None
    tag, digest = image_reference(image)
    if digest:
        return None
    if tag is None:
        return f"image {image} has no tag (pulls latest)", container.value, "image"
    if tag == "latest":
        return f"image {image} uses the mutable latest tag", container.value, "image"
    return None


CONTAINER_IMAGE_PINNED = Check(
    Meta(
        rule_id="k8s.container-image-pinned",
        title="Kubernetes containers run images by a fixed tag or digest",
        pillar="workload",
        severity=Severity.MEDIUM,
        rationale="An image by latest (or with no tag) changes under the pod: the next restart or scale-out "
        "pulls whatever was pushed last, unreviewed, and two replicas may run different code.",
        remediation="Name each image by digest (image@sha256:...) or by an immutable version tag.",
        terraform=_snippet(""),
        peers=("CKV_K8S_14", "CKV_K8S_43"),
    ),
    kinds=WORKLOAD_KINDS,
    per_resource=per_container(_image),
)

CHECKS = (
    CONTAINER_NOT_PRIVILEGED,
    POD_NO_HOST_NAMESPACES,
    POD_NO_HOST_PATH,
    CONTAINER_NON_ROOT,
    CONTAINER_NO_ESCALATION,
    CONTAINER_NO_DANGEROUS_CAPABILITIES,
    CONTAINER_LIMITS,
    CONTAINER_IMAGE_PINNED,
)

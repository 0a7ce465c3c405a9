"""Analyses of Kubernetes objects: pod templates (:mod:`.workloads`), RBAC and its escalation graph
(:mod:`.rbac`), NetworkPolicy reach (:mod:`.policies`). They read the estate's ``k8s:*`` resources as the
manifests write them (see :mod:`ringfence.sources.kubernetes` for the conventions) and know nothing of
checks or reports."""

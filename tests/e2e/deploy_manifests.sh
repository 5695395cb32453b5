#!/usr/bin/env bash
# The Kubernetes manifests build with kustomize and carry what operators rely on: the topic as the
# seed has it, probes, resources, scrape annotations, the S3 keys from a Secret, and a Dockerfile that
# installs through the repo's own install script.
set -euo pipefail
SRC="${LAKESTREAM_SOURCE_DIR:?}"
fail() { echo "deploy_manifests: FAIL: $*" >&2; exit 1; }

grep -q 'scripts/install.sh --build' "$SRC/deploy/Dockerfile" || fail "Dockerfile build stage must use scripts/install.sh"
grep -q 'install.sh --runtime' "$SRC/deploy/Dockerfile" || fail "Dockerfile final stage must use scripts/install.sh --runtime"

if ! command -v kubectl >/dev/null 2>&1; then
  echo "deploy_manifests: SKIP kustomize build: kubectl not installed (Debian package kubernetes-client)"
  exit 0
fi
out="$(kubectl kustomize "$SRC/deploy/k8s")"
/usr/bin/python3 - "$out" <<'PY'
import sys, yaml
docs = [d for d in yaml.safe_load_all(sys.argv[1]) if d]
kinds = {d["kind"]: d for d in docs}
for k in ["KafkaTopic", "Job", "Deployment", "Secret", "ConfigMap", "HorizontalPodAutoscaler", "Service"]:
    assert k in kinds, f"missing {k}"
topic = kinds["KafkaTopic"]
assert topic["spec"]["partitions"] == 10 and topic["spec"]["replicas"] == 3, topic["spec"]
dep = kinds["Deployment"]
pod = dep["spec"]["template"]
assert pod["metadata"]["annotations"]["prometheus.io/scrape"] == "true"
c = pod["spec"]["containers"][0]
assert c["livenessProbe"]["httpGet"]["path"] == "/healthz"
assert c["readinessProbe"]["httpGet"]["path"] == "/readyz"
assert "requests" in c["resources"] and "limits" in c["resources"]
assert any(e.get("secretRef", {}).get("name") == "lakestream-s3" for e in c["envFrom"])
assert c["args"][0] == "stream" and any(a.startswith("--group=") for a in c["args"])
job = kinds["Job"]["spec"]["template"]["spec"]["containers"][0]
assert job["args"][0] == "produce"
print(f"deploy_manifests: OK ({len(docs)} objects)")
PY

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
flags="$(mktemp)"
trap 'rm -f "$flags"' EXIT
/usr/bin/python3 - "$out" "$flags" <<'PY'
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
assert c["args"][0] == "stream"
job = kinds["Job"]["spec"]["template"]["spec"]["containers"][0]
assert job["args"][0] == "produce"
# Every flag a manifest passes must be one the binary accepts.
with open(sys.argv[2], "w") as f:
    for cont in (c, job):
        for a in cont["args"][1:]:
            f.write(cont["args"][0] + " " + a.split("=")[0] + "\n")
print(f"deploy_manifests: manifests OK ({len(docs)} objects)")
PY

if [ -n "${LAKESTREAM:-}" ] && [ -x "$LAKESTREAM" ]; then
  while read -r cmd flag; do
    "$LAKESTREAM" "$cmd" --help | grep -q -- "$flag" || fail "manifest passes $cmd $flag, which lakestream $cmd does not accept"
  done < "$flags"
  echo "deploy_manifests: every manifest flag is accepted by the binary"
fi

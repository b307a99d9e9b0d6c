#!/usr/bin/env bash
# The deployment checks .ci/run runs after the tests (each prints its result; any failure fails the script):
#   compose.yaml accepted by docker-compose, mirror.service by systemd-analyze, the Prometheus config and rules by
#   promtool, then deploy/smoke.sh (image built offline, pulled through, restarted on its cache).
# Run as root: bash deploy/check.sh   (the Kubernetes manifests are checked by KubernetesManifestTests.)
set -uo pipefail
cd "$(dirname "$0")/.."
failed=()

check() { # <name> <command...>
  local name=$1 started=$SECONDS out
  shift
  if out=$("$@" 2>&1); then
    printf 'deploy check passed: %s (%ds)\n' "$name" "$((SECONDS - started))"
  else
    printf '%s\ndeploy check FAILED: %s\n' "$out" "$name"
    failed+=("$name")
  fi
}

check "docker-compose config (deploy/compose.yaml)" docker-compose -f deploy/compose.yaml config -q
# verify also loads the units the file names (network-online.target…) and checks ExecStart's binary exists.
check "systemd-analyze verify (deploy/systemd/mirror.service)" systemd-analyze verify deploy/systemd/mirror.service
check "promtool check config (deploy/prometheus)" promtool check config deploy/prometheus/prometheus.yml
# The cluster's load balancer example, included in a minimal nginx.conf (nginx -t resolves nothing: IPs only).
check "nginx -t (deploy/nginx/mirror-lb.conf)" bash -c 'conf=$(mktemp) && printf "events {}\nhttp { include %s; }\n" "$PWD/deploy/nginx/mirror-lb.conf" > "$conf" && nginx -t -q -c "$conf"; rc=$?; rm -f "$conf"; exit $rc'

started=$SECONDS
echo "deploy check: smoke (deploy/smoke.sh)"
if bash deploy/smoke.sh; then
  printf 'deploy check passed: smoke (%ds)\n' "$((SECONDS - started))"
else
  printf 'deploy check FAILED: smoke (%ds)\n' "$((SECONDS - started))"
  failed+=(smoke)
fi

if [ ${#failed[@]} -gt 0 ]; then
  printf 'deploy checks FAILED: %s\n' "$(IFS=,; echo "${failed[*]}")"
  exit 1
fi
echo "deploy checks passed"

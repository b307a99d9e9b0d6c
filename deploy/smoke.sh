#!/usr/bin/env bash
# Builds deploy/Dockerfile with no internet and proves the image works the way docs/deploy.md says it does:
#
#   mmdebstrap bookworm ──► stand-in sdk + aspnet images (this machine's .NET) ──► docker build --network none
#   docker-registry (upstream, seeded by umoci + skopeo) ◄── mirror container (non-root, read-only, cache volume)
#        ◄── skopeo copy, dockerd pull (registry-mirrors)  ──► digests checked
#   docker stop (SIGTERM) ──► new container on the same volume ──► pulls again: no blob GET reaches the upstream
#   SIGTERM mid-fill (nginx slows the upstream) ──► stops in time, no partial blob committed ──► restart fills it whole
#   deploy/systemd/mirror.service under a real systemd (a bookworm "VM" container) ──► pull ──► systemctl stop
#
# Run as root from anywhere: bash deploy/smoke.sh. Needs the Debian packages .ci/run installs (docker.io,
# docker-registry, skopeo, umoci, mmdebstrap, nginx, jq, curl) and the .NET SDK. Everything it starts listens on 127.0.0.1
# only and is stopped on exit, failure or Ctrl+C.
#   SMOKE_ROOTFS=<file>   reuse (or create) the mmdebstrap tarball there instead of a fresh one in the work folder
#   SMOKE_SYSTEMD_ROOTFS=<file>  the same for the rootfs with systemd (the VM step)
#   SMOKE_KEEP=1          keep the work folder (logs) after the run
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
started=$SECONDS

step() { printf '\n== [%3ds] %s\n' "$((SECONDS - started))" "$*"; }
fail() { printf 'SMOKE FAILED: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || fail "run as root (dockerd, containerd and mmdebstrap need it)"
for tool in dockerd containerd docker-registry skopeo umoci mmdebstrap nginx jq curl dotnet tar; do
  command -v "$tool" >/dev/null || fail "'$tool' is not installed (bash .ci/run --deps-only installs the packages)"
done
# Debian's docker CLI matches its dockerd (20.10) and builds with the classic builder; a newer CLI elsewhere on PATH
# would insist on buildx, which is not installed.
docker_cli=/usr/bin/docker
[ -x "$docker_cli" ] || docker_cli=$(command -v docker) || fail "'docker' (package docker.io) is not installed"
export DOCKER_BUILDKIT=0
# curl and the Go tools talk to 127.0.0.1 only; a proxy in the caller's environment must not get in between.
export NO_PROXY=127.0.0.1,localhost no_proxy=127.0.0.1,localhost

# Short path: unix socket paths are limited to 108 bytes.
work=$(mktemp -d /tmp/msmoke.XXXXXX)
pids=()
cleanup() {
  rc=$?
  set +e
  if [ $rc != 0 ] && [ -S "$work/d/sock" ]; then
    echo "--- mirror container logs (last 40 lines)"
    d logs --tail 40 mirror-smoke 2>&1
    d exec mirror-smoke-vm journalctl -u mirror --no-pager -n 30 2>/dev/null
    echo "--- dockerd log (last 20 lines)"; tail -n 20 "$work/dockerd.log"
    echo "--- docker-registry log (last 10 lines)"; tail -n 10 "$work/registry.log"
  fi
  if [ -S "$work/d/sock" ]; then
    d rm -f mirror-smoke mirror-smoke-cut mirror-smoke-vm >/dev/null 2>&1
    d volume rm -f mirror-smoke-cache mirror-smoke-cut >/dev/null 2>&1
  fi
  # Our own processes only, newest first (dockerd before its containerd), each by its PID.
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    kill "${pids[i]}" 2>/dev/null
    for _ in $(seq 50); do kill -0 "${pids[i]}" 2>/dev/null || break; sleep 0.2; done
    kill -9 "${pids[i]}" 2>/dev/null
  done
  # dockerd unmounts its layers when it stops; anything left (a kill -9) must not make rm -rf cross into a mount.
  grep -o " $work[^ ]*" /proc/mounts | sort -r | xargs -r -n1 umount -l 2>/dev/null
  if [ "${SMOKE_KEEP:-0}" = 1 ]; then echo "work folder kept: $work"; else rm -rf "$work"; fi
  if [ $rc = 0 ]; then printf '\nsmoke passed in %ds\n' "$((SECONDS - started))"; else printf '\nsmoke FAILED (exit %d) after %ds\n' "$rc" "$((SECONDS - started))"; fi
  exit $rc
}
trap cleanup EXIT
trap 'echo "SMOKE FAILED at line $LINENO: $BASH_COMMAND" >&2' ERR
trap 'exit 130' INT TERM

d() { "$docker_cli" -H "unix://$work/d/sock" "$@"; }

free_port() {
  local port
  for _ in $(seq 100); do
    port=$((20000 + RANDOM % 40000))
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return; }
  done
  fail "no free loopback port found"
}

wait_for() { # <seconds> <description> <command...>
  local deadline=$((SECONDS + $1)) what=$2
  shift 2
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -lt $deadline ] || fail "$what did not happen within the time allowed"
    sleep 0.5
  done
}

# Go clients (dockerd, containerd, skopeo) honour these: a fallback to the real Docker Hub fails at once instead of
# leaving the machine; loopback is never proxied.
offline_env=(HTTP_PROXY=http://127.0.0.1:9 HTTPS_PROXY=http://127.0.0.1:9 http_proxy=http://127.0.0.1:9
             https_proxy=http://127.0.0.1:9 NO_PROXY=127.0.0.1,localhost no_proxy=127.0.0.1,localhost)

upstream_port=$(free_port)
mirror_port=$(free_port)
while [ "$mirror_port" = "$upstream_port" ]; do mirror_port=$(free_port); done
vm_port=$(free_port)
while [ "$vm_port" = "$upstream_port" ] || [ "$vm_port" = "$mirror_port" ]; do vm_port=$(free_port); done

step "stand-in base images: a Debian bookworm rootfs (mmdebstrap) with this machine's .NET"
# Both rootfs tarballs are made at once (mostly package downloads and unpacking); the systemd one is awaited only by
# the VM step at the end.
start_rootfs() { # <tarball> <packages>: a bookworm minbase rootfs with those packages, unless the tarball exists
  rootfs_pid=
  [ -s "$1" ] && return
  # Man pages, docs and locales left out: they are most of what minbase ships beyond the libraries.
  nice -n 15 mmdebstrap --quiet --format=tar --variant=minbase --include="$2" \
    --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/doc/*' \
    --dpkgopt='path-exclude=/usr/share/locale/*' bookworm "$1.part.tar" >"$1.log" 2>&1 &
  rootfs_pid=$!
  pids+=("$rootfs_pid")
}
finish_rootfs() { # <tarball> <pid from start_rootfs>
  [ -n "$2" ] || return 0
  wait "$2" || { tail -n 20 "$1.log"; fail "mmdebstrap for $1 failed"; }
  mv "$1.part.tar" "$1"
}
rootfs=${SMOKE_ROOTFS:-$work/bookworm.tar}
vm_rootfs=${SMOKE_SYSTEMD_ROOTFS:-$work/bookworm-systemd.tar}
start_rootfs "$rootfs" ca-certificates,libssl3
rootfs_job=$rootfs_pid
start_rootfs "$vm_rootfs" ca-certificates,libssl3,systemd,systemd-sysv
vm_rootfs_job=$rootfs_pid
finish_rootfs "$rootfs" "$rootfs_job"
dotnet_root=$(dirname "$(readlink -f "$(command -v dotnet)")")
runtime_version=$(dotnet --list-runtimes | awk '$1 == "Microsoft.AspNetCore.App" { v = $2 } END { print v }')
[ -n "$runtime_version" ] && [ -d "$dotnet_root/shared/Microsoft.NETCore.App/$runtime_version" ] \
  || fail "no ASP.NET Core runtime with a matching .NET runtime under $dotnet_root"
echo "rootfs $(du -h "$rootfs" | cut -f1), .NET at $dotnet_root, runtime $runtime_version"

# The official images keep .NET in /usr/share/dotnet with /usr/bin/dotnet linking to it.
mkdir -p "$work/extra/usr/bin" "$work/extra/root/.nuget/NuGet"
ln -s /usr/share/dotnet/dotnet "$work/extra/usr/bin/dotnet"
stage_dotnet() { # <tar> <paths under the dotnet root...>: appended as usr/share/dotnet/…
  local tarfile=$1
  shift
  tar -rf "$tarfile" -C "$dotnet_root" --transform 's,^,usr/share/dotnet/,' "$@"
  tar -rf "$tarfile" -C "$work/extra" usr/bin/dotnet
}

# Runtime stand-in: only what the aspnet image has — host, Microsoft.NETCore.App, Microsoft.AspNetCore.App.
cp "$rootfs" "$work/aspnet.tar"
stage_dotnet "$work/aspnet.tar" dotnet host "shared/Microsoft.NETCore.App/$runtime_version" "shared/Microsoft.AspNetCore.App/$runtime_version"

# SDK stand-in: the whole SDK, plus the packages Mirror.Server's build restores as the image's only package source (an
# offline feed, as a company's build image carries an internal feed): the build runs with --network none.
(cd "$repo" && nice -n 15 dotnet restore src/Mirror.Server/Mirror.Server.csproj -v q >"$work/restore.log" 2>&1) \
  || { cat "$work/restore.log"; fail "dotnet restore on the host failed"; }
# Every project in the graph has its own assets file: packages the web project gets from the ASP.NET Core shared
# framework are pruned from its graph, yet Mirror.Core (no framework reference) restores them as packages.
server="$repo/src/Mirror.Server"
assets=("$server/obj/project.assets.json")
for project in $(jq -r '.libraries | to_entries[] | select(.value.type == "project") | .value.path' "${assets[0]}"); do
  assets+=("$(dirname "$server/$project")/obj/project.assets.json")
done
packages=$(jq -r '.packageFolders | keys[0]' "${assets[0]}")
mkdir -p "$work/extra/nuget-feed"
jq -r '.libraries | to_entries[] | select(.value.type == "package") | .value.path' "${assets[@]}" | sort -u | while read -r path; do
  mkdir -p "$work/extra/nuget-feed/$path"
  cp -r "$packages/$path/." "$work/extra/nuget-feed/$path/"
done
cat >"$work/extra/root/.nuget/NuGet/NuGet.Config" <<'EOF'
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <clear />
    <add key="offline" value="/nuget-feed" />
  </packageSources>
</configuration>
EOF
cp "$rootfs" "$work/sdk.tar"
stage_dotnet "$work/sdk.tar" .
tar -rf "$work/sdk.tar" -C "$work/extra" nuget-feed root/.nuget
echo "feed: $(find "$work/extra/nuget-feed" -name '*.nupkg' | wc -l) packages"

step "private containerd + dockerd (own roots and socket, no bridge, no iptables; mirror at 127.0.0.1:$mirror_port)"
mkdir -p "$work/d" "$work/c"
cat >"$work/c/config.toml" <<EOF
version = 2
root = "$work/c/root"
state = "$work/c/state"
temp = "$work/c/tmp"
disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.zfs", "io.containerd.tracing.processor.v1.otlp",
  "io.containerd.internal.v1.tracing"]
[grpc]
  address = "$work/c/sock"
[ttrpc]
  address = "$work/c/sock.ttrpc"
[debug]
  address = ""
[metrics]
  address = ""
[plugins."io.containerd.internal.v1.opt"]
  path = "$work/c/opt"
EOF
mkdir -p "$work/c/tmp"
env "${offline_env[@]}" containerd --config "$work/c/config.toml" >"$work/containerd.log" 2>&1 &
pids+=($!)
wait_for 30 "containerd answering" test -S "$work/c/sock"
# overlay2 where the kernel lets us mount overlayfs here (much faster for an SDK-sized build), vfs otherwise.
mkdir -p "$work/ovl/l" "$work/ovl/u" "$work/ovl/w" "$work/ovl/m"
if mount -t overlay overlay -o "lowerdir=$work/ovl/l,upperdir=$work/ovl/u,workdir=$work/ovl/w" "$work/ovl/m" 2>/dev/null; then
  umount "$work/ovl/m"
  driver=overlay2
else
  driver=vfs
fi
cat >"$work/d/daemon.json" <<EOF
{"registry-mirrors": ["http://127.0.0.1:$mirror_port"], "storage-driver": "$driver", "iptables": false,
 "ip6tables": false, "bridge": "none", "max-download-attempts": 1}
EOF
env "${offline_env[@]}" dockerd --config-file "$work/d/daemon.json" --data-root "$work/d/root" --exec-root "$work/d/exec" \
  -H "unix://$work/d/sock" --pidfile "$work/d/pid" --containerd "$work/c/sock" >"$work/dockerd.log" 2>&1 &
pids+=($!)
wait_for 60 "dockerd answering" d version
echo "dockerd $(d version -f '{{.Server.Version}}'), storage driver $driver"

d import --change 'ENV DOTNET_RUNNING_IN_CONTAINER=true' --change 'ENV ASPNETCORE_HTTP_PORTS=8080' \
  --change 'ENV APP_UID=1654' "$work/aspnet.tar" mirror-smoke/aspnet:10.0 >/dev/null
d import --change 'ENV DOTNET_RUNNING_IN_CONTAINER=true' --change 'ENV DOTNET_NOLOGO=1' \
  --change 'ENV DOTNET_CLI_TELEMETRY_OPTOUT=1' --change 'ENV NUGET_XMLDOC_MODE=skip' \
  --change 'ENV DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1' "$work/sdk.tar" mirror-smoke/sdk:10.0 >/dev/null
rm -f "$work/aspnet.tar" "$work/sdk.tar"

step "docker build -f deploy/Dockerfile --network none (stand-ins as SDK_IMAGE / RUNTIME_IMAGE)"
revision=$(git -C "$repo" rev-parse HEAD 2>/dev/null || echo unknown)
nice -n 15 "$docker_cli" -H "unix://$work/d/sock" build --network none -f "$repo/deploy/Dockerfile" \
  --build-arg SDK_IMAGE=mirror-smoke/sdk:10.0 --build-arg RUNTIME_IMAGE=mirror-smoke/aspnet:10.0 \
  --build-arg VERSION=0.1.0-smoke --build-arg REVISION="$revision" --build-arg SOURCE=file://"$repo" \
  -t mirror-smoke/mirror:test "$repo" >"$work/build.log" 2>&1 || { tail -n 40 "$work/build.log"; fail "docker build failed"; }
image_bytes=$(d image inspect -f '{{.Size}}' mirror-smoke/mirror:test)
base_bytes=$(d image inspect -f '{{.Size}}' mirror-smoke/aspnet:10.0)
echo "image mirror-smoke/mirror:test: $((image_bytes / 1000000)) MB ($((base_bytes / 1000000)) MB runtime base + $(((image_bytes - base_bytes) / 1000000)) MB Mirror)"
[ "$(d image inspect -f '{{.Config.User}}' mirror-smoke/mirror:test)" = "1654:1654" ] || fail "image does not run as 1654:1654"
[ "$(d image inspect -f '{{index .Config.Labels "org.opencontainers.image.revision"}}' mirror-smoke/mirror:test)" = "$revision" ] \
  || fail "OCI revision label missing"
[ "$(d image inspect -f '{{index .Config.Labels "org.opencontainers.image.version"}}' mirror-smoke/mirror:test)" = "0.1.0-smoke" ] \
  || fail "OCI version label missing"
version_line=$(d run --rm --network none mirror-smoke/mirror:test --version)
[[ "$version_line" == *"$revision"* ]] || fail "'Mirror.Server --version' in the image says '$version_line', not commit $revision"
echo "labels and user ok; --version: $version_line"

step "upstream: docker-registry on 127.0.0.1:$upstream_port, seeded with library/smoke:1 (umoci + skopeo)"
# The access log ("GET /v2/… HTTP/1.1" 200 …) is what shows whether a pull reached the upstream.
printf '{"version": "0.1", "log": {"accesslog": {"disabled": false}}, "storage": {"filesystem": {"rootdirectory": "%s"}}, "http": {"addr": "127.0.0.1:%s"}}\n' \
  "$work/registry" "$upstream_port" >"$work/registry.yml"
env "${offline_env[@]}" REGISTRY_HTTP_ADDR="127.0.0.1:$upstream_port" docker-registry serve "$work/registry.yml" >"$work/registry.log" 2>&1 &
pids+=($!)
wait_for 30 "docker-registry answering" curl -fsS "http://127.0.0.1:$upstream_port/v2/"
(
  cd "$work"
  umoci init --layout img && umoci new --image img:smoke
  for i in 1 2; do
    umoci unpack --rootless --image img:smoke bundle
    head -c $((i * 8000000)) /dev/urandom >"bundle/rootfs/layer$i.bin"
    umoci repack --image img:smoke bundle && rm -rf bundle
  done
  umoci config --image img:smoke --os linux --architecture amd64
  env "${offline_env[@]}" skopeo copy -q --preserve-digests --dest-tls-verify=false oci:img:smoke \
    "docker://127.0.0.1:$upstream_port/library/smoke:1"
) >"$work/seed.log" 2>&1 || { cat "$work/seed.log"; fail "seeding the upstream failed"; }
upstream_digest=$(env "${offline_env[@]}" skopeo inspect --tls-verify=false --format '{{.Digest}}' "docker://127.0.0.1:$upstream_port/library/smoke:1")
layers=$(env "${offline_env[@]}" skopeo inspect --tls-verify=false --raw "docker://127.0.0.1:$upstream_port/library/smoke:1" | jq -r '.layers[].digest')
echo "library/smoke:1 = $upstream_digest ($(echo "$layers" | wc -l) layers)"

run_mirror() {
  # Non-root (the image's user), read-only root file system, the cache a named volume, a tmpfs for the runtime's
  # diagnostics socket; host network because this dockerd has no bridge. The default upstream, docker.io, is the
  # local registry: Docker sends only Docker Hub pulls to a mirror.
  d run -d --name mirror-smoke --network host --read-only --tmpfs /tmp:rw,size=16m \
    --mount type=volume,source=mirror-smoke-cache,target=/var/cache/mirror \
    -e "Urls=http://127.0.0.1:$mirror_port" \
    -e Mirror__Upstreams__0__Name=docker.io -e "Mirror__Upstreams__0__Url=http://127.0.0.1:$upstream_port" \
    mirror-smoke/mirror:test >/dev/null
  wait_for 60 "mirror /readyz answering 200" curl -fsS "http://127.0.0.1:$mirror_port/readyz"
  local pid uid
  pid=$(d inspect -f '{{.State.Pid}}' mirror-smoke)
  uid=$(awk '/^Uid:/ { print $2 }' "/proc/$pid/status")
  [ "$uid" = 1654 ] || fail "the mirror runs as uid $uid, not 1654"
  [ "$(d inspect -f '{{.HostConfig.ReadonlyRootfs}}' mirror-smoke)" = true ] || fail "root file system is not read-only"
  echo "mirror up: uid $uid, read-only root, /readyz $(curl -fsS "http://127.0.0.1:$mirror_port/readyz"), /healthz $(curl -fsS "http://127.0.0.1:$mirror_port/healthz")"
}

check_pulls() { # <label>: skopeo copy + docker pull through the mirror, digests against the upstream's
  local label=$1 out="$work/out-$1" got repo_digests
  env "${offline_env[@]}" skopeo copy -q --src-tls-verify=false "docker://127.0.0.1:$mirror_port/library/smoke:1" "oci:$out:smoke" \
    || fail "skopeo copy through the mirror failed ($label)"
  got=$(jq -r '.manifests[0].digest' "$out/index.json")
  [ "$got" = "$upstream_digest" ] || fail "skopeo got manifest $got, the upstream has $upstream_digest ($label)"
  for layer in $layers; do
    [ "sha256:$(sha256sum "$out/blobs/sha256/${layer#sha256:}" | cut -d' ' -f1)" = "$layer" ] || fail "layer $layer differs ($label)"
  done
  d rmi -f smoke:1 >/dev/null 2>&1 || true
  d pull -q smoke:1 >/dev/null || fail "docker pull smoke:1 (registry-mirrors → the mirror) failed ($label)"
  repo_digests=$(d image inspect -f '{{json .RepoDigests}}' smoke:1)
  [[ "$repo_digests" == *"smoke@$upstream_digest"* ]] || fail "docker recorded $repo_digests, expected smoke@$upstream_digest ($label)"
  echo "$label: skopeo and dockerd got $upstream_digest, every layer verified"
}

step "run the mirror container and pull through it (cold cache)"
run_mirror
check_pulls cold
blob_gets() { grep -c '"GET /v2/library/smoke/blobs/' "$work/registry.log" || true; }
cold_gets=$(blob_gets)
[ "$cold_gets" -ge 1 ] || fail "the cold pulls never reached the upstream"
echo "upstream blob GETs so far: $cold_gets"

step "docker stop (SIGTERM): graceful shutdown within the grace period"
stop_started=$SECONDS
d stop -t 30 mirror-smoke >/dev/null
stop_seconds=$((SECONDS - stop_started))
exit_code=$(d inspect -f '{{.State.ExitCode}}' mirror-smoke)
[ "$exit_code" = 0 ] || fail "the mirror exited with $exit_code after SIGTERM (137 = killed after the grace period)"
d logs mirror-smoke 2>&1 | grep -q "Application is shutting down" || fail "no graceful shutdown in the mirror's log"
echo "stopped in ${stop_seconds}s, exit code 0"
d rm mirror-smoke >/dev/null

step "a new container on the same cache volume: pulls again, no blob GET reaches the upstream"
run_mirror
check_pulls warm
warm_gets=$(blob_gets)
[ "$warm_gets" = "$cold_gets" ] || fail "after the restart $((warm_gets - cold_gets)) blob GETs reached the upstream: the cache did not survive"
echo "upstream blob GETs still $warm_gets: every blob came from the volume"

step "SIGTERM in the middle of a fill (upstream slowed to 1 MB/s by nginx): stops in time, nothing half-written committed"
# The biggest layer takes ~16 s through the slow link. shutdownTimeoutSeconds (the .NET host's own setting, 30 s by
# default) is cut to 3 s so the stop lands well inside the fill.
slow_port=$(free_port)
cut_port=$(free_port)
mkdir -p "$work/nginx/tmp"
cat >"$work/nginx/nginx.conf" <<EOF
daemon off;
master_process off;
worker_processes 1;
error_log stderr notice;
pid $work/nginx/nginx.pid;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path $work/nginx/tmp/body;
  proxy_temp_path $work/nginx/tmp/proxy;
  fastcgi_temp_path $work/nginx/tmp/fastcgi;
  uwsgi_temp_path $work/nginx/tmp/uwsgi;
  scgi_temp_path $work/nginx/tmp/scgi;
  server {
    listen 127.0.0.1:$slow_port;
    location / {
      proxy_pass http://127.0.0.1:$upstream_port;
      proxy_http_version 1.1;
      proxy_set_header Host \$http_host;
      # limit_rate needs buffering; in memory only, so the upstream is held back too.
      proxy_buffering on;
      proxy_max_temp_file_size 0;
      limit_rate 1m;
    }
  }
}
EOF
nginx -p "$work/nginx/" -e stderr -c "$work/nginx/nginx.conf" >"$work/nginx.log" 2>&1 &
pids+=($!)
wait_for 30 "nginx answering on 127.0.0.1:$slow_port" curl -fsS "http://127.0.0.1:$slow_port/v2/"
big=$(env "${offline_env[@]}" skopeo inspect --tls-verify=false --raw "docker://127.0.0.1:$upstream_port/library/smoke:1" \
  | jq -r '.layers | max_by(.size) | .digest')
d run -d --name mirror-smoke-cut --network host --read-only --tmpfs /tmp:rw,size=16m \
  --mount type=volume,source=mirror-smoke-cut,target=/var/cache/mirror \
  -e "Urls=http://127.0.0.1:$cut_port" -e shutdownTimeoutSeconds=3 \
  -e Mirror__Upstreams__0__Name=docker.io -e "Mirror__Upstreams__0__Url=http://127.0.0.1:$slow_port" \
  mirror-smoke/mirror:test >/dev/null
wait_for 60 "mirror (slow upstream) /readyz answering 200" curl -fsS "http://127.0.0.1:$cut_port/readyz"
cut_cache=$(d volume inspect -f '{{.Mountpoint}}' mirror-smoke-cut)
curl -s -o "$work/cut.bin" "http://127.0.0.1:$cut_port/v2/library/smoke/blobs/$big" &
pids+=($!)
wait_for 30 "a fill under way (a growing file in the cache's tmp/)" \
  bash -c "find '$cut_cache/tmp' -type f -size +1000k | grep -q ."
stop_started=$SECONDS
d stop -t 30 mirror-smoke-cut >/dev/null
stop_seconds=$((SECONDS - stop_started))
exit_code=$(d inspect -f '{{.State.ExitCode}}' mirror-smoke-cut)
d logs mirror-smoke-cut > "$work/cut-container.log" 2>&1
[ "$stop_seconds" -lt 30 ] && [ "$exit_code" = 0 ] \
  || { tail -n 20 "$work/cut-container.log"; fail "SIGTERM mid-fill: exit $exit_code after ${stop_seconds}s (want 0 within the grace period)"; }
committed="$cut_cache/blobs/sha256/${big:7:2}/${big#sha256:}"
if [ -e "$committed" ]; then
  [ "sha256:$(sha256sum "$committed" | cut -d' ' -f1)" = "$big" ] || fail "a half-written blob was committed as $big"
  echo "the fill finished before the stop and was committed whole"
else
  echo "stopped mid-fill in ${stop_seconds}s (exit $exit_code): $big not committed, $(du -b "$cut_cache/tmp" | cut -f1) bytes left in tmp/"
fi
d rm mirror-smoke-cut >/dev/null
# On the same volume, now with the fast upstream: tmp/ is emptied at start and the blob fills whole.
d run -d --name mirror-smoke-cut --network host --read-only --tmpfs /tmp:rw,size=16m \
  --mount type=volume,source=mirror-smoke-cut,target=/var/cache/mirror \
  -e "Urls=http://127.0.0.1:$cut_port" \
  -e Mirror__Upstreams__0__Name=docker.io -e "Mirror__Upstreams__0__Url=http://127.0.0.1:$upstream_port" \
  mirror-smoke/mirror:test >/dev/null
wait_for 60 "restarted mirror /readyz answering 200" curl -fsS "http://127.0.0.1:$cut_port/readyz"
[ -z "$(find "$cut_cache/tmp" -type f)" ] || fail "the partial fill was still in tmp/ after the restart"
[ "sha256:$(curl -fsS "http://127.0.0.1:$cut_port/v2/library/smoke/blobs/$big" | sha256sum | cut -d' ' -f1)" = "$big" ] \
  || fail "after the restart the blob does not match its digest"
echo "restarted: tmp/ empty, $big served whole and matching its digest"
d rm -f mirror-smoke-cut >/dev/null

step "deploy/systemd/mirror.service under systemd: a bookworm 'VM' with the runtime, /opt/mirror and /etc/mirror"
# The published folder the image holds, the unit file as shipped, settings in /etc/mirror/appsettings.json (the
# upstream) and /etc/mirror/mirror.env (the listening address): both must be read for the pull to work.
finish_rootfs "$vm_rootfs" "$vm_rootfs_job"
cp "$vm_rootfs" "$work/vm.tar"
stage_dotnet "$work/vm.tar" dotnet host "shared/Microsoft.NETCore.App/$runtime_version" "shared/Microsoft.AspNetCore.App/$runtime_version"
mkdir -p "$work/vm/opt" "$work/vm/etc/mirror" "$work/vm/etc/systemd/system/multi-user.target.wants"
app=$(d create mirror-smoke/mirror:test)
d cp "$app:/app" "$work/vm/opt/mirror"
d rm "$app" >/dev/null
cp "$repo/deploy/systemd/mirror.service" "$work/vm/etc/systemd/system/mirror.service"
ln -s /etc/systemd/system/mirror.service "$work/vm/etc/systemd/system/multi-user.target.wants/mirror.service"
printf '{ "Mirror": { "Upstreams": [ { "Name": "docker.io", "Url": "http://127.0.0.1:%s" } ] } }\n' "$upstream_port" \
  >"$work/vm/etc/mirror/appsettings.json"
echo "Urls=http://127.0.0.1:$vm_port" >"$work/vm/etc/mirror/mirror.env"
tar -rf "$work/vm.tar" -C "$work/vm" opt/mirror etc/mirror etc/systemd/system/mirror.service \
  etc/systemd/system/multi-user.target.wants/mirror.service
d import --change 'ENV container=docker' --change 'CMD ["/lib/systemd/systemd"]' \
  "$work/vm.tar" mirror-smoke/vm:test >/dev/null
rm -f "$work/vm.tar"
# systemd as PID 1 manages cgroups and namespaces for the unit's sandboxing (ProtectSystem=, PrivateTmp=…) and
# installs its own seccomp filter (SystemCallFilter=): all capabilities but CAP_SYS_RESOURCE (--privileged asks for
# that one too, which a sandboxed root such as a CI runner's may lack; systemd does without), no seccomp or AppArmor
# profile of Docker's, the cgroup tree writable. Host network (this dockerd has no bridge), its own /run and /tmp.
d run -d --name mirror-smoke-vm --stop-signal SIGRTMIN+3 --cap-add ALL --cap-drop SYS_RESOURCE --security-opt seccomp=unconfined \
  --security-opt apparmor=unconfined -v /sys/fs/cgroup:/sys/fs/cgroup:rw --network host \
  --tmpfs /run --tmpfs /run/lock --tmpfs /tmp mirror-smoke/vm:test >/dev/null
wait_for 90 "mirror.service answering /readyz on 127.0.0.1:$vm_port" curl -fsS "http://127.0.0.1:$vm_port/readyz"
main_pid=$(d exec mirror-smoke-vm systemctl show -p MainPID --value mirror)
vm_uid=$(d exec mirror-smoke-vm awk '/^Uid:/ { print $2 }' "/proc/$main_pid/status")
[ -n "$vm_uid" ] && [ "$vm_uid" != 0 ] || fail "mirror.service runs as uid '$vm_uid', not a dynamic user"
# DynamicUser keeps the real folder under /var/cache/private (not reachable by other users); /var/cache/mirror links to it.
cache_owner=$(d exec mirror-smoke-vm stat -L -c %u /var/cache/mirror)
[ "$cache_owner" = "$vm_uid" ] || fail "the cache folder belongs to $cache_owner, the service runs as $vm_uid"
echo "mirror.service active as dynamic uid $vm_uid, which owns /var/cache/mirror"
d exec mirror-smoke-vm systemd-analyze security mirror.service 2>/dev/null | tail -n 1 || true
env "${offline_env[@]}" skopeo copy -q --src-tls-verify=false "docker://127.0.0.1:$vm_port/library/smoke:1" "oci:$work/out-vm:smoke" \
  || fail "skopeo copy through mirror.service failed"
[ "$(jq -r '.manifests[0].digest' "$work/out-vm/index.json")" = "$upstream_digest" ] || fail "mirror.service served another manifest"
[ -n "$(d exec mirror-smoke-vm find /var/cache/mirror/blobs/ -type f)" ] || fail "mirror.service cached nothing"
echo "skopeo through mirror.service got $upstream_digest; its blobs are cached under /var/cache/mirror"
d exec mirror-smoke-vm systemctl stop mirror
result=$(d exec mirror-smoke-vm systemctl show -p Result --value mirror)
status=$(d exec mirror-smoke-vm systemctl show -p ExecMainStatus --value mirror)
[ "$result" = success ] && [ "$status" = 0 ] || fail "systemctl stop: result $result, exit status $status (want success and 0)"
echo "systemctl stop: SIGTERM, result success, exit status 0"

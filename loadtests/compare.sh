#!/usr/bin/env bash
# Mirror against the two caches people compare it with, under the same load, on 127.0.0.1 only:
#
#   upstream: docker-registry (filesystem, access log = the upstream fetch count)
#       ▲
#   slow:     nginx limit_rate $UPSTREAM_RATE per connection (a realistic, slow upstream)
#       ▲                 ▲                         ▲
#   Mirror (Release)   nginx proxy_cache         docker-registry with proxy.remoteurl (distribution)
#       ▲                 ▲                         ▲
#   all three run side by side (with bare Kestrel, below, for the wrk scenarios); one at a time gets the same load:
#     cold pull   1 client pulls library/solo:1 (one ~100 MB layer), cache empty       → baseline time
#     cold storm  STORM_CLIENTS clients pull library/storm:1 (another ~100 MB layer) at once, cache empty
#                 → upstream GETs of the big layer (access log lines with 200), slowest first byte, wall time
#     warm storm  the same again, now cached
#     warm mix    WARM_CLIENTS clients pull the small images (one is a multi-arch index) for WARM_DURATION
#     wrk         -t1 -c32 -d$WRK_DURATION, WRK_ROUNDS rounds with the systems alternating: manifest by tag,
#                 manifest by digest, 1 MiB blob, ~100 MB blob (Docker's Accept header; one warm-up request first)
#   with the CPU time each cache process used per scenario (/proc/<pid>/stat), then peak RSS (VmHWM) of each,
#   and, for Mirror alone, cold-storm.sh 1024 50 (1 GiB, 50 clients, peak RSS).
#   ceiling   bare Kestrel, no cache logic (CEILING_SRC, default ../shared/tools/ceiling beside the repository): a
#             fixed 1.1 KB manifest and SendFileAsync of the same 1 MiB and ~100 MB files, in the wrk rounds only —
#             the stack's own limit on this machine; what Mirror costs above it is Mirror's.
# Pulls use Mirror.LoadTests (Docker-like, every blob verified). Writes docs/benchmarks.md (+ docs/benchmarks-*.png
# when matplotlib is there) through compare-report.py. ~11 minutes on 2 cores, half of it the 1 GiB run.
#
#   loadtests/compare.sh     environment (defaults): WRK_DURATION=8s WRK_ROUNDS=2 STORM_CLIENTS=20 BIG_MB=100
#                            UPSTREAM_RATE=20m WARM_CLIENTS=16 WARM_DURATION=8s RSS_1G=1 (0 skips the 1 GiB run)
#                            SYSTEMS="mirror nginx distribution" MIRROR_ARGS="--Key=value …" KEEP_WORK=0
#                            OUT=docs/benchmarks.md (its folder is created) CEILING=1 (0 leaves bare Kestrel out)
#
# The slow link is nginx limit_rate with proxy_buffering ON and proxy_max_temp_file_size 0: with proxy_buffering off,
# nginx 1.22 does not apply limit_rate to a proxied body at all (100 MB arrived in 0.3 s at "limit_rate 20m"), and a
# temp file would let nginx drain the upstream at full speed. 20m: one 100 MB layer takes ~5 s per connection.
set -euo pipefail
WRK_DURATION=${WRK_DURATION:-8s}
WRK_ROUNDS=${WRK_ROUNDS:-2}
STORM_CLIENTS=${STORM_CLIENTS:-20}
BIG_MB=${BIG_MB:-100}
UPSTREAM_RATE=${UPSTREAM_RATE:-20m}
WARM_CLIENTS=${WARM_CLIENTS:-16}
WARM_DURATION=${WARM_DURATION:-8s}
RSS_1G=${RSS_1G:-1}
SYSTEMS=${SYSTEMS:-mirror nginx distribution}
KEEP_WORK=${KEEP_WORK:-0}
root=$(cd "$(dirname "$0")/.." && pwd)
OUT=${OUT:-$root/docs/benchmarks.md}
CEILING=${CEILING:-1}
CEILING_SRC=${CEILING_SRC:-$root/../shared/tools/ceiling}
mkdir -p "$(dirname "$OUT")"
OUT=$(cd "$(dirname "$OUT")" && pwd)/$(basename "$OUT")
work=$(mktemp -d /tmp/mirror-compare.XXXX)
res=$work/results
mkdir -p "$res"
script_start=$(date +%s)
pids=()

cleanup() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ "$KEEP_WORK" = 1 ]; then echo "work folder kept: $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
log() { printf '[%4ds] %s\n' $(($(date +%s) - script_start)) "$*" >&2; }
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_http() { # url — up to 20 s
  local _
  for _ in $(seq 200); do curl -sf -o /dev/null --max-time 2 "$1" && return 0; sleep 0.1; done
  echo "not answering: $1" >&2; return 1
}
stop() { # pid — TERM, then KILL after 10 s; forgotten afterwards, so a reused pid is never signalled
  local p=$1 _ rest=() q
  if kill "$p" 2>/dev/null; then
    for _ in $(seq 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$p" 2>/dev/null || true
  fi
  wait "$p" 2>/dev/null || true
  for q in "${pids[@]}"; do [ "$q" = "$p" ] || rest+=("$q"); done
  pids=("${rest[@]}")
}
hwm_kb() { # pids… — sum of VmHWM (peak resident set) in KiB
  local p sum=0 v
  for p in "$@"; do v=$(awk '/VmHWM/{print $2}' "/proc/$p/status" 2>/dev/null || echo 0); sum=$((sum + ${v:-0})); done
  echo "$sum"
}
rss_kb() { local p sum=0 v; for p in "$@"; do v=$(awk '/VmRSS/{print $2}' "/proc/$p/status" 2>/dev/null || echo 0); sum=$((sum + ${v:-0})); done; echo "$sum"; }

for tool in docker-registry nginx wrk umoci skopeo curl python3 jq dotnet; do
  command -v "$tool" >/dev/null || { echo "missing: $tool (see /work/shared/REAL-CLIENTS.md)" >&2; exit 1; }
done

# ---------------------------------------------------------------- builds
log "building Mirror.Server (Release) and Mirror.LoadTests"
dll=$root/src/Mirror.Server/bin/Release/net10.0/Mirror.Server.dll
if ! dotnet build "$root/src/Mirror.Server" -c Release -v q -nologo > "$work/build-mirror.log" 2>&1; then
  # Other people edit src/ while this runs; a half-edited tree must not stop the benchmark of the last good build.
  [ -f "$dll" ] || { cat "$work/build-mirror.log" >&2; exit 1; }
  log "WARNING: Mirror build failed, using the existing $dll"; echo "build failed, previous dll used" > "$res/mirror-build-note"
fi
runner_dll=$root/loadtests/Mirror.LoadTests/bin/Release/net10.0/Mirror.LoadTests.dll
dotnet build "$root/loadtests/Mirror.LoadTests" -c Release -v q -nologo > "$work/build-runner.log" 2>&1 \
  || { cat "$work/build-runner.log" >&2; exit 1; }
if [ "$CEILING" = 1 ]; then
  if [ -f "$CEILING_SRC/Ceiling.csproj" ]; then
    # Built from a copy: the source may be read-only, and outside the repository no Directory.Build.props applies.
    log "building bare Kestrel (ceiling) from $CEILING_SRC"
    cp -r "$CEILING_SRC" "$work/ceiling-src"
    dotnet publish "$work/ceiling-src" -c Release -o "$work/ceiling" -v q -nologo > "$work/build-ceiling.log" 2>&1 \
      || { cat "$work/build-ceiling.log" >&2; exit 1; }
  else
    log "WARNING: no $CEILING_SRC/Ceiling.csproj (set CEILING_SRC): the report has no bare-Kestrel column"; CEILING=0
  fi
fi

# ---------------------------------------------------------------- machine and versions
{
  echo "date=$(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "nproc=$(nproc)"
  echo "mem=$(free -m | awk '/Mem:/{print $2}') MiB"
  echo "cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
  echo "kernel=$(uname -r)"
  echo "loadavg_start=$(cut -d' ' -f1-3 /proc/loadavg)"
  echo "dotnet=$(dotnet --version)"
  echo "registry=$(docker-registry --version 2>&1 | head -1)"
  echo "nginx=$(nginx -v 2>&1 | head -1)"
  echo "wrk=$(wrk -v 2>&1 | head -1 | sed 's/ Copyright.*//')"
  echo "skopeo=$(skopeo --version 2>&1 | head -1)"
  echo "umoci=$(umoci --version 2>&1 | head -1)"
  echo "commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$root" diff --quiet HEAD -- src 2>/dev/null || echo ' + uncommitted changes in src/')"
  echo "clk_tck=$(getconf CLK_TCK)"; echo "mirror_args=${MIRROR_ARGS:-}"
  echo "wrk_duration=$WRK_DURATION"; echo "wrk_rounds=$WRK_ROUNDS"; echo "storm_clients=$STORM_CLIENTS"; echo "big_mb=$BIG_MB"
  echo "upstream_rate=$UPSTREAM_RATE"; echo "warm_clients=$WARM_CLIENTS"; echo "warm_duration=$WARM_DURATION"
} > "$res/meta.env"

# ---------------------------------------------------------------- upstream + slow nginx in front of it
up_port=$(port); slow_port=$(port)
cat > "$work/up.yml" <<YML
version: 0.1
log: {level: info, accesslog: {disabled: false}}
storage: {filesystem: {rootdirectory: $work/up}, delete: {enabled: true}}
http: {addr: 127.0.0.1:$up_port}
YML
docker-registry serve "$work/up.yml" > "$work/up.log" 2>&1 & pids+=($!)
mkdir -p "$work/slow"
cat > "$work/slow.conf" <<NG
daemon off; worker_processes 1; error_log $work/slow/error.log; pid $work/slow/pid;
events { worker_connections 4096; }
http { access_log off; client_body_temp_path $work/slow; proxy_temp_path $work/slow;
  server { listen 127.0.0.1:$slow_port;
    location / { proxy_pass http://127.0.0.1:$up_port; proxy_buffering on; proxy_max_temp_file_size 0;
                 proxy_request_buffering off; client_max_body_size 0; limit_rate $UPSTREAM_RATE; } } }
NG
nginx -c "$work/slow.conf" & pids+=($!)
wait_http "http://127.0.0.1:$up_port/v2/"
wait_http "http://127.0.0.1:$slow_port/v2/"
upstream=http://127.0.0.1:$slow_port
accept='application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json'

# ---------------------------------------------------------------- seed test images (umoci + skopeo) and a 1 MiB blob
mkimage() { # name tag layer-KiB… — one random-content layer per size, pushed as library/<name>:<tag>
  local name=$1 tag=$2 layout=$work/oci/$1 i=0 kb; shift 2
  [ -d "$layout" ] || umoci init --layout "$layout"
  umoci new --image "$layout:$tag"
  for kb in "$@"; do
    i=$((i + 1))
    umoci unpack --rootless --image "$layout:$tag" "$work/bundle" >/dev/null
    head -c $((kb * 1024)) /dev/urandom > "$work/bundle/rootfs/layer-$tag-$i"
    umoci repack --image "$layout:$tag" "$work/bundle" >/dev/null
    rm -rf "$work/bundle"
  done
}
push() { skopeo copy --quiet "${@:3}" --dest-tls-verify=false "oci:$work/oci/$1:$2" "docker://127.0.0.1:$up_port/library/$1:$2"; }
log "seeding upstream: solo:1 and storm:1 (${BIG_MB} MB layer each), small1..3:1, multi:1 (index amd64+arm64), a 1 MiB blob"
mkimage solo 1 $((BIG_MB * 1024)) 512 && push solo 1
mkimage storm 1 $((BIG_MB * 1024)) 2048 256 && push storm 1
mkimage small1 1 4096 2048 512 && push small1 1
mkimage small2 1 8192 1024 && push small2 1
mkimage small3 1 3072 && push small3 1
mkimage multi amd64 3072 1024
mkimage multi arm64 3072
umoci config --image "$work/oci/multi:arm64" --architecture arm64 >/dev/null
# An OCI index over the two manifests, tagged "1" in the layout (skopeo copy --all pushes index and children).
python3 - "$work/oci/multi" <<'PY'
import hashlib, json, os, sys
layout = sys.argv[1]
top = json.load(open(f"{layout}/index.json"))
refs = {m["annotations"]["org.opencontainers.image.ref.name"]: m for m in top["manifests"]}
index = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": [
    {"mediaType": refs[a]["mediaType"], "digest": refs[a]["digest"], "size": refs[a]["size"],
     "platform": {"architecture": a, "os": "linux"}} for a in ("arm64", "amd64")]}
body = json.dumps(index).encode()
digest = hashlib.sha256(body).hexdigest()
open(f"{layout}/blobs/sha256/{digest}", "wb").write(body)
top["manifests"].append({"mediaType": index["mediaType"], "digest": "sha256:" + digest, "size": len(body),
                         "annotations": {"org.opencontainers.image.ref.name": "1"}})
json.dump(top, open(f"{layout}/index.json", "w"))
PY
push multi 1 --all
rm -rf "$work/oci"

head -c $((1024 * 1024)) /dev/urandom > "$work/blob1m"
blob1m=sha256:$(sha256sum "$work/blob1m" | cut -d' ' -f1)
loc=$(curl -sfi -X POST "http://127.0.0.1:$up_port/v2/library/blobs/blobs/uploads/" | tr -d '\r' | awk -F': ' 'tolower($1)=="location"{print $2}')
case "$loc" in http*) ;; *) loc="http://127.0.0.1:$up_port$loc";; esac
sep='?'; case "$loc" in *\?*) sep='&';; esac
curl -sf -X PUT -H 'Content-Type: application/octet-stream' -T "$work/blob1m" "$loc${sep}digest=$blob1m" >/dev/null

manifest() { curl -sf -H "Accept: $accept" "http://127.0.0.1:$up_port/v2/library/$1/manifests/$2"; }
big_layer() { manifest "$1" 1 | jq -r '.layers | max_by(.size) | .digest'; }
storm_manifest=$(curl -sfI -H "Accept: $accept" "http://127.0.0.1:$up_port/v2/library/storm/manifests/1" | tr -d '\r' | awk -F': ' 'tolower($1)=="docker-content-digest"{print $2}')
storm_layer=$(big_layer storm); solo_layer=$(big_layer solo)
storm_layer_size=$(manifest storm 1 | jq -r '.layers | max_by(.size) | .size')
[ -n "$storm_manifest" ] && [ "$storm_layer" != null ] && [ "$solo_layer" != null ] || { echo "seeding failed" >&2; exit 1; }
# Bare Kestrel sends the same bytes from a file of its own: the 1 MiB blob and the storm layer.
[ "$CEILING" = 1 ] && curl -sf -o "$work/blobbig" "http://127.0.0.1:$up_port/v2/library/storm/blobs/$storm_layer"
{ echo "storm_manifest=$storm_manifest"; echo "storm_layer=$storm_layer"; echo "storm_layer_size=$storm_layer_size"
  echo "solo_layer=$solo_layer"; echo "blob1m=$blob1m"; } >> "$res/meta.env"
log "seeded: storm layer $storm_layer ($storm_layer_size bytes)"

# Upstream GETs of one blob so far, by status, from the upstream's access log ("GET /v2/… HTTP/1.1" 200 …).
upstream_gets() { # digest status
  grep -F "GET /v2/library/" "$work/up.log" | grep -F "/blobs/$1 HTTP" | grep -c "\" $2 " || true
}

# ---------------------------------------------------------------- the three caches
declare -A url main_pid
read -r -a mirror_args <<< "${MIRROR_ARGS:-}"
start_mirror() {
  # Started from its own folder: ASP.NET Core's content root is the working directory, and only from there is the
  # shipped appsettings.json (Microsoft.AspNetCore at Warning) loaded. From anywhere else every request writes
  # five more Information lines to the console (see docs/benchmarks.md).
  (cd "$(dirname "$dll")" && exec dotnet "$dll" --urls "http://127.0.0.1:$1" --Mirror:Cache:Directory="$work/mirror-cache" \
    --Mirror:Upstreams:0:Name=docker.io --Mirror:Upstreams:0:Url="$upstream" "${mirror_args[@]}" > "$work/mirror.log" 2>&1) &
  sys_pid=$!; pids+=($sys_pid)
}
start_nginx() {
  mkdir -p "$work/ngx/cache" "$work/ngx/tmp"
  # The classic pull-through recipe. Registry responses carry Cache-Control (blobs: max-age=31536000), which is
  # ignored so that proxy_cache_valid decides; proxy_cache_lock makes concurrent misses wait for one fill.
  # proxy_cache_lock_timeout is raised from its 5 s default so that a slow fill never lets waiters go upstream
  # uncached: the most favourable setting for nginx in the cold storm.
  # As root, workers would run as nobody and could not write the cache under our 0700 temp folder.
  local user=; [ "$(id -u)" = 0 ] && user="user $(id -un) $(id -gn);"
  cat > "$work/ngx.conf" <<NG
$user daemon off; worker_processes auto; error_log $work/ngx/error.log; pid $work/ngx/pid;
events { worker_connections 4096; }
http {
  access_log off; sendfile on; tcp_nopush on; keepalive_requests 100000;
  client_body_temp_path $work/ngx/tmp; proxy_temp_path $work/ngx/tmp;
  proxy_cache_path $work/ngx/cache levels=1:2 keys_zone=registry:10m max_size=20g inactive=7d use_temp_path=off;
  upstream registry_upstream { server 127.0.0.1:$slow_port; keepalive 16; }
  server {
    listen 127.0.0.1:$1;
    client_max_body_size 0;
    location /v2/ {
      proxy_pass http://registry_upstream;
      proxy_http_version 1.1; proxy_set_header Connection "";
      proxy_cache registry;
      proxy_cache_key \$request_uri;
      proxy_cache_valid 200 7d;
      proxy_cache_lock on; proxy_cache_lock_timeout 60s; proxy_cache_lock_age 60s;
      proxy_ignore_headers Cache-Control Expires Set-Cookie Vary;
      proxy_buffering on; proxy_max_temp_file_size 0;
      add_header X-Cache-Status \$upstream_cache_status;
    }
  }
}
NG
  nginx -c "$work/ngx.conf" > "$work/ngx.log" 2>&1 &
  sys_pid=$!; pids+=($sys_pid)
}
start_distribution() {
  cat > "$work/dist.yml" <<YML
version: 0.1
log: {level: error, accesslog: {disabled: true}}
storage: {filesystem: {rootdirectory: $work/dist}, cache: {blobdescriptor: inmemory}}
http: {addr: 127.0.0.1:$1}
proxy: {remoteurl: $upstream}
YML
  docker-registry serve "$work/dist.yml" > "$work/dist.log" 2>&1 &
  sys_pid=$!; pids+=($sys_pid)
}
start_ceiling() { # port — two processes: one sends the 1 MiB file (and answers the manifest), one the storm layer
  dotnet "$work/ceiling/Ceiling.dll" --urls "http://127.0.0.1:$1" --file "$work/blob1m" > "$work/ceiling.log" 2>&1 &
  sys_pid=$!; pids+=($sys_pid)
  ceiling_big_url=http://127.0.0.1:$(port)
  dotnet "$work/ceiling/Ceiling.dll" --urls "$ceiling_big_url" --file "$work/blobbig" > "$work/ceiling-big.log" 2>&1 &
  ceiling_big_pid=$!; pids+=($ceiling_big_pid)
}
procs_of() { # system — its processes: nginx is a master plus its workers, bare Kestrel its two instances
  case "$1" in
    nginx) echo "${main_pid[$1]} $(pgrep -P "${main_pid[$1]}" | tr '\n' ' ')";;
    ceiling) echo "${main_pid[$1]} $ceiling_big_pid";;
    *) echo "${main_pid[$1]}";;
  esac
}
cpu_ticks() { # system — user + system clock ticks its processes have used so far (/proc/<pid>/stat utime, stime)
  local p sum=0 v
  for p in $(procs_of "$1"); do
    v=$(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null | awk '{print $12 + $13}'); sum=$((sum + ${v:-0}))
  done
  echo "$sum"
}

runner() { # system scenario runner-args… — JSON to results/runner-<system>-<scenario>.json, CPU to results/cpu.tsv
  local sys=$1 scenario=$2 target=${url[$1]} t0; shift 2
  local metrics=(); [ "$sys" = mirror ] && metrics=(--metrics-url "$target/metrics")
  t0=$(cpu_ticks "$sys")
  dotnet "$runner_dll" --target "$target" --label "$sys $scenario" --json "$res/runner-$sys-$scenario.json" \
    --max-duration 5m --timeout 120s "${metrics[@]}" "$@" > "$res/runner-$sys-$scenario.txt" 2> "$work/runner-$sys-$scenario.progress" \
    || log "  $sys $scenario: some pulls failed (see $res/runner-$sys-$scenario.txt)"
  printf '%s\t%s\t%s\n' "$sys" "$scenario" $(($(cpu_ticks "$sys") - t0)) >> "$res/cpu.tsv"
  sed 's/^/    /' "$res/runner-$sys-$scenario.txt" >&2
}

cat > "$work/summary.lua" <<'LUA'
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('WRKJSON {"requests":%d,"bytes":%d,"duration_us":%d,"connect":%d,"read":%d,"write":%d,' ..
    '"status":%d,"timeout":%d,"p50_us":%d,"p99_us":%d,"max_us":%d}\n', summary.requests, summary.bytes,
    summary.duration, e.connect, e.read, e.write, e.status, e.timeout, latency:percentile(50),
    latency:percentile(99), latency.max))
end
LUA
bench() { # system scenario round path [accept] — one warm-up request, then wrk; JSON + the cache's CPU ticks
  local sys=$1 scenario=$2 round=$3 u=${url[$1]}$4 hdr=() t0 out=$work/wrk-$1-$2-r$3.txt
  if [ "$sys" = ceiling ]; then # its own paths: any manifest reference, any blob digest
    case "$scenario" in
      manifest-*) u=${url[$sys]}/v2/m/manifests/1;;
      blob-1m) u=${url[$sys]}/v2/m/blobs/1m;;
      blob-big) u=$ceiling_big_url/v2/m/blobs/big;;
    esac
  fi
  [ -n "${5:-}" ] && hdr=(-H "Accept: $5")
  curl -sf -o /dev/null --max-time 120 "${hdr[@]}" "$u" || log "  $sys $scenario: warm-up request failed: $u"
  t0=$(cpu_ticks "$sys")
  wrk -t1 -c32 -d"$WRK_DURATION" --timeout 30s -s "$work/summary.lua" "${hdr[@]}" "$u" > "$out" 2>&1 || true
  printf '%s\t%s\t%s\n' "$sys" "wrk-$scenario-r$round" $(($(cpu_ticks "$sys") - t0)) >> "$res/cpu.tsv"
  grep '^WRKJSON ' "$out" | sed 's/^WRKJSON //' > "$res/wrk-$sys-$scenario-r$round.json"
  log "  wrk $sys $scenario (round $round): $(grep -E 'Requests/sec|Transfer/sec|Non-2xx' "$out" | tr -s ' ' | tr '\n' ' ')"
}

# All three start now and stay up; only the one under test does any work.
wrk_systems=$SYSTEMS; [ "$CEILING" = 1 ] && wrk_systems="$SYSTEMS ceiling"
for sys in $wrk_systems; do
  url[$sys]=http://127.0.0.1:$(port)
  "start_$sys" "${url[$sys]##*:}"
  main_pid[$sys]=$sys_pid
done
for sys in $wrk_systems; do wait_http "${url[$sys]}/v2/"; done
[ "$CEILING" = 1 ] && wait_http "$ceiling_big_url/v2/"
sleep 1
for sys in $wrk_systems; do echo "idle_rss_kb=$(rss_kb $(procs_of "$sys"))" > "$res/rss-$sys.env"; done

for sys in $SYSTEMS; do
  # One unmeasured pull of another image first, so the cold pull measures a cold cache, not a cold process (.NET
  # compiles each code path on its first use; nginx and Go do not).
  log "== $sys (${url[$sys]}): process warm-up (library/small3:1), then cold pull, 1 client, library/solo:1"
  dotnet "$runner_dll" --target "${url[$sys]}" --images library/small3:1 --quiet > /dev/null 2>&1 \
    || log "  $sys: warm-up pull failed"
  runner "$sys" cold-pull --images library/solo:1 --clients 1 --pulls 1 --mode cold
  log "  cold storm: $STORM_CLIENTS clients, library/storm:1 at once"
  before200=$(upstream_gets "$storm_layer" 200); before206=$(upstream_gets "$storm_layer" 206)
  runner "$sys" cold-storm --images library/storm:1 --clients "$STORM_CLIENTS" --pulls 1 --mode cold
  sleep 1   # docker-registry writes an access-log line when its response ends
  { echo "storm_gets_200=$(( $(upstream_gets "$storm_layer" 200) - before200 ))"
    echo "storm_gets_206=$(( $(upstream_gets "$storm_layer" 206) - before206 ))"; } > "$res/storm-$sys.env"
  log "  upstream GETs of the storm layer: $(tr '\n' ' ' < "$res/storm-$sys.env")"
  log "  warm storm"
  runner "$sys" warm-storm --images library/storm:1 --clients "$STORM_CLIENTS" --pulls 1 --mode warm
  log "  warm mix: $WARM_CLIENTS clients for $WARM_DURATION"
  runner "$sys" warm-mix --images library/small1:1,library/small2:1,library/small3:1,library/multi:1 \
    --clients "$WARM_CLIENTS" --duration "$WARM_DURATION" --mode warm
done

# wrk rounds alternate the systems (and rotate who goes first), so a burst of background load on this shared
# machine does not land on one system only; the report takes each system's best round.
log "== wrk: $WRK_ROUNDS round(s) of -t1 -c32 -d$WRK_DURATION, systems alternating ($wrk_systems)"
read -r -a order <<< "$wrk_systems"
for round in $(seq "$WRK_ROUNDS"); do
  for sys in "${order[@]}"; do bench "$sys" manifest-tag "$round" /v2/library/storm/manifests/1 "$accept"; done
  for sys in "${order[@]}"; do bench "$sys" manifest-digest "$round" "/v2/library/storm/manifests/$storm_manifest" "$accept"; done
  for sys in "${order[@]}"; do bench "$sys" blob-1m "$round" "/v2/library/blobs/blobs/$blob1m"; done
  for sys in "${order[@]}"; do bench "$sys" blob-big "$round" "/v2/library/storm/blobs/$storm_layer"; done
  order=("${order[@]:1}" "${order[0]}")
done

for sys in $wrk_systems; do
  read -r -a procs <<< "$(procs_of "$sys")"
  { echo "peak_rss_kb=$(hwm_kb "${procs[@]}")"; echo "processes=${#procs[@]}"; } >> "$res/rss-$sys.env"
  [ "$sys" = mirror ] && { curl -sf --max-time 5 "${url[$sys]}/metrics" > "$res/mirror-metrics.txt" || true; }
  stop "${main_pid[$sys]}"
  log "$sys peak RSS: $(grep peak "$res/rss-$sys.env")"
done
echo "loadavg_end=$(cut -d' ' -f1-3 /proc/loadavg)" >> "$res/meta.env"

# ---------------------------------------------------------------- Mirror alone: 1 GiB to 50 clients (peak RSS target)
for p in "${pids[@]}"; do stop "$p"; done
if [ "$RSS_1G" = 1 ]; then
  log "cold-storm.sh 1024 50 (Mirror, 1 GiB blob, 50 clients)"
  timeout 600 bash "$root/loadtests/cold-storm.sh" 1024 50 > "$res/rss-1g.md" 2> "$work/rss-1g.err" \
    || log "cold-storm.sh failed: $(tail -3 "$work/rss-1g.err")"
  cat "$res/rss-1g.md" >&2
fi

# ---------------------------------------------------------------- report
echo "total_seconds=$(($(date +%s) - script_start))" >> "$res/meta.env"
py=python3
python3 -c 'import matplotlib' 2>/dev/null || { [ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import matplotlib' 2>/dev/null && py=/usr/bin/python3; } || true
"$py" "$root/loadtests/compare-report.py" "$res" "$OUT"
log "wrote $OUT (raw results in $res$([ "$KEEP_WORK" = 1 ] || echo ', deleted on exit: KEEP_WORK=1 keeps them'))"

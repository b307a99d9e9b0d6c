#!/usr/bin/env bash
# Cold storm: N clients pull the same uncached blob through Mirror at once.
# Measures upstream GETs for the blob (must be 1), each client's time to first byte and total time, the digest of
# every download, and the mirror's peak RSS (VmHWM). Everything runs on 127.0.0.1.
#
#   loadtests/cold-storm.sh [size-MiB=100] [clients=20] [upstream-rate=]   (rate e.g. 200m = nginx limit_rate)
#   WARMUP=1: an unmeasured storm on a 4 MiB blob first, so that .NET's first-use compilation is not counted
# (limit_rate needs proxy_buffering on: with it off, nginx 1.22 does not throttle a proxied body at all; no temp
# file, so nginx reads the upstream no faster than it sends to the mirror.)
set -euo pipefail
size_mb=${1:-100}
clients=${2:-20}
rate=${3:-}
root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=loadtests/lib.sh
. "$root/loadtests/lib.sh"
work=$(mktemp -d /tmp/mirror-storm.XXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

up_port=$(port); mirror_port=$(port)
start_upstream "$work" "$up_port"
upstream_url=http://127.0.0.1:$up_port
if [ -n "$rate" ]; then
  ng_port=$(port)
  mkdir -p "$work/nginx"
  cat > "$work/nginx.conf" <<NG
daemon off; worker_processes 1; error_log $work/nginx/error.log; pid $work/nginx/pid;
events { worker_connections 1024; }
http { access_log off; client_body_temp_path $work/nginx; proxy_temp_path $work/nginx;
  server { listen 127.0.0.1:$ng_port; location / { proxy_pass http://127.0.0.1:$up_port; proxy_buffering on; proxy_max_temp_file_size 0; limit_rate $rate; } } }
NG
  nginx -c "$work/nginx.conf" & pids+=($!)
  upstream_url=http://127.0.0.1:$ng_port
fi
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$up_port/v2/" >/dev/null && break; sleep 0.1; done

head -c $((size_mb * 1024 * 1024)) /dev/urandom > "$work/blob"
digest=$(push_blob "$work/blob" storm/blob "$up_port")

start_mirror "$root" "$mirror_port" "$work/cache" "$upstream_url" "$work/mirror.log"
if [ "${WARMUP:-0}" = 1 ]; then
  # An unmeasured storm on another (small) blob first: the fill and its joined readers are compiled by .NET on first
  # use, a one-time cost of a fresh process that the measured storm should not carry.
  head -c $((4 * 1024 * 1024)) /dev/urandom > "$work/warm"
  warm=$(push_blob "$work/warm" storm/blob "$up_port")
  for round in cold warm; do
    warm_pids=()
    for i in $(seq "$clients"); do curl -sf -o /dev/null "http://127.0.0.1:$mirror_port/v2/storm/blob/blobs/$warm" & warm_pids+=($!); done
    wait "${warm_pids[@]}"
  done
fi
rss_before=$(awk '/VmRSS/{print $2}' /proc/$mirror_pid/status)
cpu_ticks() { sed 's/.*) //' /proc/$mirror_pid/stat | awk '{print $12 + $13}'; } # utime + stime
cpu_before=$(cpu_ticks)

start=$(date +%s.%N)
client_pids=()
for i in $(seq "$clients"); do
  ( curl -s -o >(sha256sum | cut -d' ' -f1 > "$work/sum.$i") -w '%{http_code} %{time_starttransfer} %{time_total}\n' \
      "http://127.0.0.1:$mirror_port/v2/storm/blob/blobs/$digest" > "$work/client.$i" ) & client_pids+=($!)
done
wait "${client_pids[@]}"
end=$(date +%s.%N)
sleep 0.5
cpu_s=$(awk "BEGIN{printf \"%.2f\", ($(cpu_ticks) - $cpu_before) / $(getconf CLK_TCK)}")
peak_kb=$(awk '/VmHWM/{print $2}' /proc/$mirror_pid/status)

ok=0; for i in $(seq "$clients"); do [ "sha256:$(cat "$work/sum.$i")" = "$digest" ] && ok=$((ok+1)); done
gets=$(grep -c "GET /v2/storm/blob/blobs/$digest" "$work/up.log" || true)
ttfb_max=$(cat "$work"/client.* | awk '{print $2}' | sort -n | tail -1)
total_max=$(cat "$work"/client.* | awk '{print $3}' | sort -n | tail -1)
printf '| blob | clients | upstream rate | upstream GETs | correct downloads | slowest first byte (s) | slowest client (s) | storm wall (s) | mirror CPU (s) | RSS idle (MB) | peak RSS (MB) |\n'
printf '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n'
printf '| %s MiB | %s | %s | %s | %s/%s | %s | %s | %.2f | %s | %d | %d |\n' "$size_mb" "$clients" "${rate:-unlimited}" "$gets" "$ok" "$clients" \
  "$ttfb_max" "$total_max" "$(awk "BEGIN{print $end - $start}")" "$cpu_s" $((rss_before / 1024)) $((peak_kb / 1024))

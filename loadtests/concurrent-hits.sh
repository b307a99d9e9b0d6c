#!/usr/bin/env bash
# Concurrent hits: N clients download the same *cached* blob through Mirror at once (issue #15, "how each figure
# scales"). A docker-registry upstream on 127.0.0.1, the blob pushed there and pulled through Mirror once (the fill,
# not measured), then:
#   1. one shot: N connections opened together, each downloads the blob once (loadtests/concurrent-hits.py):
#      per-client completion times → p50/p99/max, fastest vs slowest client (fairness), every body's length and,
#      for blobs up to 4 MiB (VERIFY=1 forces it), its sha256;
#   2. wrk -c N for WRK_DURATION: throughput and wrk's latency percentiles with N connections kept busy.
# Reports Mirror's idle RSS, peak RSS (VmHWM) over each phase and its CPU time (utime + stime).
#
#   loadtests/concurrent-hits.sh [size-MiB=1] [clients=1000]      knobs: WRK_DURATION=10s WRK_THREADS=2 VERIFY= KEEP_WORK=0
set -euo pipefail
size_mb=${1:-1}
clients=${2:-1000}
wrk_duration=${WRK_DURATION:-10s}
wrk_threads=${WRK_THREADS:-2}
verify=${VERIFY:-$([ "$size_mb" -le 4 ] && echo 1 || echo 0)}
root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=loadtests/lib.sh
. "$root/loadtests/lib.sh"

# Every client connection is a descriptor in the client and one in Mirror (plus the blob file it reads): the usual
# soft limit of 1024 would fail the run with EMFILE before it measured anything.
need=$((clients * 2 + 1024))
if [ "$(ulimit -n)" -lt "$need" ]; then
  ulimit -n "$need" || { echo "ulimit -n $need failed (hard limit $(ulimit -Hn)); raise it to run $clients clients" >&2; exit 1; }
fi

work=$(mktemp -d /tmp/mirror-hits.XXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; [ "${KEEP_WORK:-0}" = 1 ] && echo "kept $work" >&2 || rm -rf "$work"; }
trap cleanup EXIT

up_port=$(port); mirror_port=$(port)
start_upstream "$work" "$up_port"
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$up_port/v2/" >/dev/null && break; sleep 0.1; done

head -c $((size_mb * 1024 * 1024)) /dev/urandom > "$work/blob"
digest=$(push_blob "$work/blob" hits/blob "$up_port")

start_mirror "$root" "$mirror_port" "$work/cache" "http://127.0.0.1:$up_port" "$work/mirror.log"
url=http://127.0.0.1:$mirror_port/v2/hits/blob/blobs/$digest

# The fill, then one stored hit (so that the hit path is compiled), both unmeasured.
[ "sha256:$(curl -sf "$url" | sha256sum | cut -d' ' -f1)" = "$digest" ] || { echo "fill through Mirror failed" >&2; exit 1; }
curl -sf -o /dev/null -D "$work/hit.h" "$url"; grep -qi '^x-mirror-cache: hit' "$work/hit.h" || { echo "second GET was not a hit:" >&2; cat "$work/hit.h" >&2; exit 1; }

cpu() { awk -v t="$(getconf CLK_TCK)" '{print ($14 + $15) / t}' "/proc/$mirror_pid/stat"; }
status() { awk -v k="$1:" '$1==k{print int($2/1024)}' "/proc/$mirror_pid/status"; }
rss_idle=$(status VmRSS)

cpu0=$(cpu)
python3 "$root/loadtests/concurrent-hits.py" "$url" --clients "$clients" $([ "$verify" = 1 ] && echo --digest "$digest") > "$work/shot.json"
cpu1=$(cpu); peak_shot=$(status VmHWM); rss_after_shot=$(status VmRSS)
wrk -t"$wrk_threads" -c"$clients" -d"$wrk_duration" --timeout 60s --latency "$url" > "$work/wrk.txt" 2>&1 || true
cpu2=$(cpu); peak_all=$(status VmHWM)
gets=$(grep -c "GET /v2/hits/blob/blobs/$digest" "$work/up.log" || true)

python3 - "$work/shot.json" "$work/wrk.txt" <<PY
import json, re, sys
shot = json.load(open(sys.argv[1])); wrk = open(sys.argv[2]).read()
c = shot["clients"]; n = len(c); size = $size_mb * 1024 * 1024
ok = sum(1 for r in c if r["ok"]); errors = sorted({r["error"] for r in c if r["error"]})
done = sorted(r["done"] for r in c); fb = sorted(r["first_byte"] or 0 for r in c); con = sorted(r["connect"] or 0 for r in c)
pct = lambda xs, p: xs[min(len(xs) - 1, int(p * len(xs)))]
print(f"## {n} clients × $size_mb MiB (cached), upstream GETs of the blob: $gets (the fill)")
print()
print("| phase | correct | wall (s) | MB/s | p50 / p99 / max (s) | fastest / slowest client (s) | clients > 1.5× p50 | slowest connect / first byte (s) | Mirror CPU (s) | RSS idle → peak (MB) |")
print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
print(f"| one shot | {ok}/{n}{' (sha256)' if $verify else ' (length)'} | {shot['wall']:.2f} | {ok * size / shot['wall'] / 1e6:,.0f} | "
      f"{pct(done, .5):.3f} / {pct(done, .99):.3f} / {done[-1]:.3f} | {done[0]:.3f} / {done[-1]:.3f} ({done[-1] / max(done[0], 1e-6):.2f}×) | {sum(1 for d in done if d > 1.5 * pct(done, .5))} | "
      f"{con[-1]:.3f} / {fb[-1]:.3f} | {$cpu1 - $cpu0:.2f} | $rss_idle → $peak_shot (after: $rss_after_shot) |")
rps = re.search(r"Requests/sec:\s+([\d.]+)", wrk); reqs = re.search(r"(\d+) requests in ([\d.]+)(\w+)", wrk)
lat = dict(re.findall(r"^\s+(50|75|90|99)%\s+(\S+)", wrk, re.M)); mx = re.search(r"Latency\s+\S+\s+\S+\s+(\S+)", wrk)
sock = re.search(r"Socket errors:.*", wrk); non2xx = re.search(r"Non-2xx.*", wrk)
if rps:
    r = float(rps.group(1))
    print(f"| wrk -c{n} $wrk_duration | {reqs.group(1) if reqs else '?'} requests{'; ' + sock.group(0) if sock else ''}{'; ' + non2xx.group(0) if non2xx else ''} | $wrk_duration | {r * size / 1e6:,.0f} ({r:,.0f} req/s) | "
          f"{lat.get('50', '?')} / {lat.get('99', '?')} / {mx.group(1) if mx else '?'} | | | | {$cpu2 - $cpu1:.2f} | peak over both: $peak_all |")
else:
    print("wrk failed:\n" + wrk)
if errors:
    print("\nerrors: " + "; ".join(errors[:5]))
PY

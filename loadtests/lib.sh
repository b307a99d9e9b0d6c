# Shared by the loadtests/ scripts (sourced, not run): a free port, the upstream, pushing a blob, starting Mirror.
# The caller keeps the pids of what it starts in the array `pids` (its cleanup kills them).

port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# start_upstream WORK PORT — docker-registry on filesystem storage under WORK/up, access log in WORK/up.log (it
# counts upstream fetches).
start_upstream() {
  local work=$1 port=$2
  cat > "$work/up.yml" <<YML
version: 0.1
log: {level: info, accesslog: {disabled: false}}
storage: {filesystem: {rootdirectory: $work/up}}
http: {addr: 127.0.0.1:$port}
YML
  docker-registry serve "$work/up.yml" > "$work/up.log" 2>&1 & pids+=($!)
}

# push_blob FILE REPOSITORY UPSTREAM_PORT — monolithic upload to docker-registry; prints the blob's digest.
push_blob() {
  local file=$1 repository=$2 port=$3 digest loc sep
  digest=sha256:$(sha256sum "$file" | cut -d' ' -f1)
  loc=$(curl -sfi -X POST "http://127.0.0.1:$port/v2/$repository/blobs/uploads/" | tr -d '\r' | awk -F': ' 'tolower($1)=="location"{print $2}')
  case "$loc" in http*) ;; *) loc="http://127.0.0.1:$port$loc";; esac
  sep='?'; case "$loc" in *\?*) sep='&';; esac
  curl -sf -X PUT -H 'Content-Type: application/octet-stream' -T "$file" "$loc${sep}digest=$digest" >/dev/null
  echo "$digest"
}

# start_mirror ROOT PORT CACHE_DIR UPSTREAM_URL LOG — the Release build (built if missing) with default options, its
# pid in mirror_pid (and appended to pids); returns once /v2/ answers.
start_mirror() {
  local root=$1 port=$2 cache=$3 upstream=$4 log=$5
  local dll=$root/src/Mirror.Server/bin/Release/net10.0/Mirror.Server.dll
  [ -f "$dll" ] || dotnet build "$root/src/Mirror.Server" -c Release -v q >/dev/null
  dotnet "$dll" --urls "http://127.0.0.1:$port" --Mirror:Cache:Directory="$cache" \
    --Mirror:Upstreams:0:Name=docker.io --Mirror:Upstreams:0:Url="$upstream" > "$log" 2>&1 & mirror_pid=$!; pids+=($mirror_pid)
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/v2/" >/dev/null && break; sleep 0.1; done
}

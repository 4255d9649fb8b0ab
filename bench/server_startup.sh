#!/usr/bin/env bash
# Cold start of the promlite server to a ready /-/ready, with an empty data
# directory and with a populated one (a head of N series x M samples written
# by `promlite-tool tsdb bench write`, then a second start on the same
# directory, i.e. WAL + chunks_head replay). Median of REPS starts each.
#
#   bench/server_startup.sh [build-dir] [series] [samples]
#
# Everything listens on 127.0.0.1; every wait is bounded.
set -euo pipefail
BUILD=${1:-build}
SERIES=${2:-100000}
SAMPLES=${3:-120}
REPS=${REPS:-5}
PORT=${PORT:-29590}
BIN="$BUILD/server/promlite"
TOOL="$BUILD/server/promlite-tool"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/promlite-startup.XXXXXX")
trap 'pkill -f "promlite --storage.tsdb.path=$WORK" 2>/dev/null || true; rm -rf "$WORK"' EXIT
cat > "$WORK/prometheus.yml" <<EOF
global:
  scrape_interval: 15s
scrape_configs: []
EOF

# Starts the server on $1 and prints seconds until /-/ready answers 200.
time_to_ready() {
  local dir=$1
  local t0 t1
  t0=$(date +%s.%N)
  "$BIN" --storage.tsdb.path="$dir" --config.file="$WORK/prometheus.yml" \
    --web.listen-address="127.0.0.1:$PORT" >"$WORK/server.log" 2>&1 &
  local pid=$!
  local ok=0
  for _ in $(seq 1 60000); do  # at most ~10 min
    if curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/-/ready" 2>/dev/null | grep -q 200; then
      ok=1
      break
    fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.005
  done
  t1=$(date +%s.%N)
  kill -TERM "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  if [ "$ok" != 1 ]; then
    echo "server did not become ready; log:" >&2
    tail -20 "$WORK/server.log" >&2
    exit 1
  fi
  echo "$t1 - $t0" | bc -l
}

median() { sort -n | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.3f\n", m}'; }

empty=$(for _ in $(seq 1 "$REPS"); do rm -rf "$WORK/empty"; time_to_ready "$WORK/empty"; done | median)
echo "empty data dir: ${empty}s to ready (median of $REPS)"

"$TOOL" tsdb bench write --out "$WORK/full" --series "$SERIES" --samples "$SAMPLES" --keep >"$WORK/write.log"
populated=$(for _ in $(seq 1 "$REPS"); do time_to_ready "$WORK/full"; done | median)
echo "populated data dir ($SERIES series x $SAMPLES samples in the head): ${populated}s to ready (median of $REPS)"

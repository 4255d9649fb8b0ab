#!/usr/bin/env bash
# Records the JSON responses of Debian's Prometheus 2.42 for the requests in
# test/server/golden/requests.txt into test/server/golden/<name>.json, and the
# HTTP status codes into test/server/golden/status.txt. The test
# golden_shapes_test.cc compares the *shapes* of promlite's answers to these
# files (values differ from run to run and are not compared).
#
#   scripts/record-api-golden.sh [PROMETHEUS_BINARY]
#
# Prometheus listens on 127.0.0.1 only, on a free port, with a temporary data
# directory and test/server/golden/prometheus.yml (scrapes itself every
# second, plus a target nobody listens on and a dropped one; rules.yml has a
# recording rule, a firing and a pending alert).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
golden="$root/test/server/golden"
prom=${1:-/usr/bin/prometheus}
[[ -x $prom ]] || { echo "no Prometheus binary at $prom" >&2; exit 1; }

if [[ -x /usr/bin/python3 ]]; then
  py=/usr/bin/python3
else
  py=$(command -v python3 || true)
fi
pretty() {
  if [[ -n $py ]]; then
    "$py" -m json.tool --indent 2
  elif command -v jq >/dev/null; then
    jq .
  else
    cat
  fi
}
[[ -n $py ]] || { echo "python3 is needed to pick a free port" >&2; exit 1; }

port=$("$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
work=$(mktemp -d)
prom_pid=
cleanup() {
  if [[ -n $prom_pid ]]; then
    kill "$prom_pid" 2>/dev/null || true
    wait "$prom_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

sed "s/@PORT@/$port/g" "$golden/prometheus.yml" >"$work/prometheus.yml"
cp "$golden/rules.yml" "$work/rules.yml"
"$prom" --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/data" \
  --web.listen-address="127.0.0.1:$port" --log.level=warn >"$work/prometheus.log" 2>&1 &
prom_pid=$!

base="http://127.0.0.1:$port"
curl_() { curl -sS -g --max-time 10 "$@"; }

# Wait (at most 60 s) until both jobs have been scraped a few times and the
# alert on the down target fires.
scraped=0
for _ in $(seq 1 120); do
  resp=$(curl_ "$base/api/v1/query" --data-urlencode \
    'query=min(count_over_time(up[1m])) and on() count(ALERTS{alertstate="firing"})' 2>/dev/null || true)
  n=$("$py" -c 'import json,sys
try:
  r = json.loads(sys.argv[1])["data"]["result"]
  print(int(float(r[0]["value"][1])) if r else 0)
except Exception:
  print(0)' "$resp")
  if (( n >= 4 )); then scraped=1; break; fi
  sleep 0.5
done
if (( ! scraped )); then
  echo "Prometheus did not scrape in time; log:" >&2
  cat "$work/prometheus.log" >&2
  exit 1
fi

end=$(date +%s)
start=$((end - 10))
subst() { local s=${1//@START@/$start}; echo "${s//@END@/$end}"; }

: >"$golden/status.txt.new"
while read -r name method path body; do
  [[ -z $name || $name == \#* ]] && continue
  path=$(subst "$path")
  out="$work/body"
  if [[ $method == POST ]]; then
    code=$(curl_ -o "$out" -w '%{http_code}' -H 'Content-Type: application/x-www-form-urlencoded' \
      --data-raw "$(subst "${body:-}")" "$base$path")
  else
    code=$(curl_ -o "$out" -w '%{http_code}' "$base$path")
  fi
  pretty <"$out" >"$golden/$name.json"
  echo "$name $code" >>"$golden/status.txt.new"
  echo "$code $name"
done <"$golden/requests.txt"
mv "$golden/status.txt.new" "$golden/status.txt"
echo "recorded $(wc -l <"$golden/status.txt") responses from $("$prom" --version 2>&1 | head -1)"

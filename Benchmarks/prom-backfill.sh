#!/usr/bin/env bash
# Back-fill against a real Prometheus (Debian's): 50 series x 1 hour written as TSDB blocks with
# promtool, served by a Prometheus of its own on loopback, read by chaostui-bench the way the app
# back-fills its sparklines at start. Usage: Benchmarks/prom-backfill.sh [chaostui-bench]
set -euo pipefail
BENCH=${1:-.build/release/chaostui-bench}
if ! command -v prometheus >/dev/null || ! command -v promtool >/dev/null; then echo "prometheus/promtool not installed (lab/up installs them)"; exit 0; fi
DIR=$(mktemp -d)
trap 'kill "$PID" 2>/dev/null; wait "$PID" 2>/dev/null; rm -rf "$DIR"' EXIT
python3 - "$DIR/data.om" <<'PY'
import sys, time
end = int(time.time()) - 60
start = end - 3600
with open(sys.argv[1], "w") as f:
    f.write("# TYPE bench_cpu_seconds counter\n")
    for s in range(50):
        for t in range(start, end + 1, 15):
            f.write('bench_cpu_seconds_total{namespace="bench",pod="pod-%02d"} %f %d\n' % (s, (t - start) * 0.1 * (1 + s % 5), t))
    f.write("# EOF\n")
PY
promtool tsdb create-blocks-from openmetrics "$DIR/data.om" "$DIR/tsdb" >/dev/null
printf 'global: {scrape_interval: 15s}\nscrape_configs: []\n' > "$DIR/prometheus.yml"
PORT=$((20000 + RANDOM % 10000))
prometheus --config.file "$DIR/prometheus.yml" --storage.tsdb.path "$DIR/tsdb" --web.listen-address "127.0.0.1:$PORT" >"$DIR/log" 2>&1 &
PID=$!
for _ in $(seq 1 50); do curl -fsS "http://127.0.0.1:$PORT/-/ready" >/dev/null 2>&1 && break; sleep 0.2; done
"$BENCH" --prometheus "http://127.0.0.1:$PORT" --query 'sum by (namespace, pod) (rate(bench_cpu_seconds_total[1m]))'

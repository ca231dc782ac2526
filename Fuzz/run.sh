#!/usr/bin/env bash
# Fuzzes the exposition parser and the Prometheus response decoder with libFuzzer (the toolchain's
# clang runtime) and AddressSanitizer. Usage: Fuzz/run.sh [SECONDS]   (default 60)
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_TO_RUN=${1:-60}
OUT=${FUZZ_DIR:-/tmp/chaostui-fuzz}
mkdir -p "$OUT/corpus"
cp Tests/PromClientTests/Fixtures/node-exporter.txt Tests/PromClientTests/Fixtures/blackbox-probe.txt "$OUT/corpus/"
printf '{"status":"success","data":{"resultType":"vector","result":[{"metric":{"a":"b"},"value":[1,"NaN"]}]}}' > "$OUT/corpus/vector.json"
printf '{"type":"ADDED","object":{"metadata":{"name":"a","resourceVersion":"7"}}}\n{"type":"ERROR","object":{"code":410}}\n' > "$OUT/corpus/watch.jsonl"
printf '# TYPE a histogram\na_bucket{le="+Inf"} 1 # {t="x"} 1\n# EOF\n' > "$OUT/corpus/om.txt"
# A build that fails fails the run (an old binary is never fuzzed in its place).
rm -f "$OUT/fuzz-prometheus"
# The fuzzed files, from their modules into one (their imports of each other dropped).
mkdir -p "$OUT/src"
rm -f "$OUT"/src/*.swift
for f in Sources/PromClient/Exposition.swift Sources/PromClient/ExpositionPieces.swift Sources/PromClient/PromAPI.swift \
  Sources/ClusterState/MonitoringData.swift Sources/ClusterState/Timestamps.swift \
  Sources/KubeClient/Watch.swift Sources/Transport/LineSplitter.swift; do
  grep -vE '^import (ClusterState|Transport|KubeClient|PromClient)$' "$f" > "$OUT/src/$(basename "$f")"
done
swiftc -O -sanitize=fuzzer,address -parse-as-library -module-name FuzzTarget "$OUT"/src/*.swift \
  Fuzz/PrometheusFuzz.swift -o "$OUT/fuzz-prometheus" 2>&1 | grep -v "Cannot export local symbol" || true
[ -x "$OUT/fuzz-prometheus" ] || { echo "fuzz: the target did not build"; exit 1; }
"$OUT/fuzz-prometheus" -artifact_prefix="$OUT/" -max_total_time="$SECONDS_TO_RUN" -max_len=4096 -print_final_stats=1 "$OUT/corpus" 2>&1 |
  grep -E "stat::number_of_executed_units|stat::peak_rss|cov:|ERROR|SUMMARY|Done" | tail -6

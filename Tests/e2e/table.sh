# shellcheck shell=bash
# Sourced by Tests/e2e/run.sh (its helpers: start, keys, check, wait_for, ok, bad, expect_run).
# 16. The faults added through the fault table, from the keys on the demo at 80x24 (the menu in two
# columns) and 200x60; the command line ArgumentParser owns.
start 80 24 "$BIN" --demo --speed 4 --no-record
check "fault table: the demo starts at 80x24" 'DEMO' 10
keys / flask-7c9d8f5b6d-2pxzf Enter f
check "at 80x24 the fault menu lists every fault in two columns, the new ones too" 'k +Pod kill +o +Stop node' 3
check "... zone outage" 'z +Zone outage' 1
check "... network partition" 'x +Network partition' 1
check "... bandwidth limit" 'b +Bandwidth limit' 1
keys x
check "the partition's confirmation names the database Flask calls" 'no packets both ways between it and postgres' 3
keys y
check "... the pod cut from Postgres makes an incident, detected" '#1 detected after [0-9.]+s: flask (p99|errors)' 15
keys '!' q
check "quits" 'EXIT=0' 10
start 200 60 "$BIN" --demo --speed 4 --no-record
check "fault table: the demo starts at 200x60" 'postgres-1 .*replica' 10
keys / flask-7c9d8f5b6d-2pxzf Enter f b + +
check "bandwidth limit: + narrows the link to 64 kbit/s" 'outgoing traffic at most 64 kbit/s' 3
keys y
check "... Flask's answers queue past the rate: an incident" 'detected after .*flask' 15
keys '!' Escape / flask-7c9d8f5b6d-2pxzf Enter f z
check "zone outage asks, naming the zone's nodes" 'node-b1 stop \(kubelets down\)' 3
keys y
check "... the zone goes down as one fault" 'Zone zone-b is down: 1 node NotReady' 5
check "... its node NotReady" 'node-b1 .*NotReady' 10
keys '!' q
check "quits with nothing left" 'EXIT=0' 10

out=$("$BIN" help run 2>&1)
if echo "$out" | grep -q 'USAGE: chaostui run \[<options>\] <file>' && echo "$out" | grep -q -- '--scrape'; then
  ok "chaostui help run: its usage, with the shared source options (--scrape too)"
else bad "chaostui help run"; echo "$out" | head -5 | sed 's/^/  | /'; fi
out=$("$BIN" faults 2>&1)
if echo "$out" | grep -q '^z    zone-outage' && echo "$out" | grep -q 'strength rate-kbit'; then
  ok "chaostui faults lists the table (zone-outage, bandwidth-limit's fields)"
else bad "chaostui faults"; fi
out=$("$BIN" -n pipeline -A 2>&1); rc=$?
if [ "$rc" -eq 64 ] && echo "$out" | grep -q -- '-n and -A together: pick one'; then ok "-n and -A together are refused in words (exit 64)"; else bad "-n with -A (exit $rc)"; echo "$out" | head -3; fi
expect_run "chaostui run takes the shared --scrape (and checks it)" 64 'take http:// or https:// URLs, got ftp://x' \
  experiments/kill-postgres-primary.yaml --demo --scrape ftp://x
printf 'title: z\ngroups: {experimental: {namespace: pipeline}}\nmethod:\n  - {fault: zone-outage, target: {zone: zone-b}, duration: 30s}\nhypotheses:\n  - recovers-within: 3m\n' > "$WORK/zone.yaml"
expect_run "chaostui run: a zone outage from an experiment file recovers (exit 0)" 0 'verdict: passed' "$WORK/zone.yaml" --demo --speed 20

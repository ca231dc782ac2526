# shellcheck shell=bash
# 16. Several demo clusters in one session (offline: the presenter's DR demo), sourced by run.sh: a
# badge a context, the CTX column at 80x24, a fault in one context reaching that context only, a
# production context asking for its own name and the other context asking nothing more.
cat > "$WORK/contexts.yaml" <<'YAML'
production: {contexts: ["dr-*"]}
YAML
start 80 24 "$BIN" --demo --context primary --context standby=dr-standby --config "$WORK/contexts.yaml" --lever none
check "two demo contexts: a badge each, the production one marked" ' primary +standby PROD' 10
check "the pods table names each pod's context at 80x24" '│CTX +NAME' 3
keys / standby:pipeline/postgres-0 Enter
check "a filter by context finds the standby's pod" '│standby +postgres-0 +2/2 +Running' 3
keys f k y
check "a fault in the production context asks for that context's name" 'dr-standby is PRODUCTION \(matches dr-\*\)' 3
keys -l dr-standby
keys Enter
check "... then kills the standby's pod" '│standby +postgres-0 +0/2 +Terminating' 5
check "... the incident names its context" '#1 pod-kill standby:postgres-0' 5
keys Escape / primary:pipeline/postgres-0 Enter
check "the primary's pod of the same name runs on" '│primary +postgres-0 +2/2 +Running' 3
keys f k y
check "a fault in the other context asks nothing more" 'Injected Pod kill on primary:postgres-0' 3
keys q
check "quits" 'EXIT=0' 10

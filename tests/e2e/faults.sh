#!/usr/bin/env bash
# The fault matrix: each client command against a compozy-devcloud that answers
# badly on purpose (devcloud/README.md, "Fault switches"). Every case must end
# within the HTTP deadline, with its documented exit code, one clear line that
# shows nothing the server said, bounded memory, and the credentials store
# unchanged byte for byte unless the command is meant to change it.
#
# One devcloud serves the whole script. For each fault, six homes sign in while
# the server behaves; then the fault goes on and the six commands run at once,
# so that a row costs its slowest case (a delay or a trickle is bounded by the
# deadline). The table of exit codes, times and memory is printed at the end.
. "$(dirname "$0")/../support/lib.sh"
. "$(dirname "$0")/../support/devcloud.sh"
# The store is chosen, so that a login says nothing about it: these cases count
# the lines that say something went wrong, and only the network goes wrong here.
export COMPOZY_CREDENTIAL_STORE=file

export COMPOZY_HTTP_TIMEOUT=2s
TIME_LIMIT_MS=3500  # the 2 s deadline, and room for a loaded machine to start and stop a process
RSS_LIMIT_KB=65536  # 64 MiB, even when the server sends 20 MiB
# Under AddressSanitizer RSS measures its quarantine more than us: the plain build checks memory.
[ "${COMPOZY_SANITIZED:-0}" = 0 ] || RSS_LIMIT_KB=

COMMANDS=("login --with-token" "auth status" "auth token" "auth refresh" "auth list" "logout")

# What each command should come to, in the order of COMMANDS:
#   1   exit 1 with one error line (auth status: one "Could not check" line), store unchanged
#   0   exit 0, nothing said to be wrong, store unchanged (logout: the profile removed)
#   0+  exit 0, and the store changed as the command is meant to (a new key, new tokens)
#   0!  logout only: exit 0, the profile removed, one warning that the tokens stay valid
declare_rows() {
  ROWS=(
    # fault                                   login status token refresh list logout
    "drop                                      1     1      1     1       1    0!"
    "trickle                                   1     1      1     1       1    0!"
    "status=500                                1     1      1     1       1    0!"
    "status=503                                1     1      1     1       1    0!"
    "status=503,retry-after=1                  1     1      1     1       1    0!"
    "status=429,retry-after=1                  1     1      1     1       1    0!"
    "html                                      1     1      1     1       1    0!"
    "malformed-json                            1     1      1     1       1    0"
    "truncated-json                            1     1      1     1       1    0"
    "wrong-types                               1     1      1     1       1    0"
    "missing                                   1     1      1     1       1    0"
    "missing=access_token                      0+    0      1     1       0    0"
    "absurd                                    0+    0      0+    0+      0    0"
    "absurd=-5                                 0+    0      0+    0+      0    0"
    "absurd=9223372036854775807                0+    0      0+    0+      0    0"
    "oversized                                 1     1      1     1       1    0!"
    "redirect                                  1     1      1     1       1    0!"
    "redirect=307,to=http://localhost:$PORT    1     1      1     1       1    0!"
    # Last: a delayed answer holds a server thread a while after the client gave up.
    "delay=4                                   1     1      1     1       1    0!"
  )
}

# Cases known to fail, as "FAULT|COMMAND" -> why; reported as TAP TODO.
declare -A KNOWN_DEFECTS=()

# What no line on stderr may show: the server's words, markup, JSON, a crash.
SERVER_TEXT='fault switched on|nginx|Bad Gateway|Unavailable|<|\{|padding|faulty|1234567890|e\+300|server_error|temporarily_unavailable|too_many_requests|terminate called|what\(\)|internal error'

# The fault counts its requests down from here as they arrive (the log has a line only
# once the answer is over, a while after the client gave up on a delay).
FAULT_TIMES=1000000
switch_fault() { curl --silent --noproxy '*' --output /dev/null --data-urlencode "fault=$1,times=$FAULT_TIMES" "$DEVCLOUD_URL/_faults"; }
clear_faults() { curl --silent --noproxy '*' --output /dev/null -X DELETE "$DEVCLOUD_URL/_faults"; }
spoiled_requests() {
  curl --silent --noproxy '*' "$DEVCLOUD_URL/_faults" | jq ".faults | map($FAULT_TIMES - .remaining) | add // 0"
}

make_api_key() {
  request POST "$DEVCLOUD_URL/settings/api-keys" --data-urlencode name=faults --data-urlencode account=ada@example.com
  API_KEY_FILE="$SUITE_TMP/api-key"
  new_api_key >"$API_KEY_FILE"
  [ -s "$API_KEY_FILE" ] || { echo "Bail out! no API key from the dashboard"; exit 1; }
}

# A home per command, signed in while the server behaves; the token case's access
# token looks expired, so that `auth token` refreshes.
prepare_homes() {
  local i
  HOMES=()
  for i in "${!COMMANDS[@]}"; do
    fresh_home
    log_in
    [ "${COMMANDS[$i]}" != "auth token" ] || expire_locally
    sha256sum <"$(credentials_file)" >"$TEST_DIR/store.before"
    HOMES+=("$TEST_DIR")
  done
}

# run_case DIR COMMAND: runs it in that home and keeps rc, ms, rss, stdout and stderr there.
run_case() {
  local dir=$1 started
  export HOME="$dir/home" XDG_CONFIG_HOME="$dir/home/.config" XDG_CACHE_HOME="$dir/home/.cache" \
    XDG_STATE_HOME="$dir/home/.local/state"
  started=$(date +%s%3N)
  # shellcheck disable=SC2086 # the command is words
  /usr/bin/time -f %M -o "$dir/rss" "$COMPOZY" $2 --host "$DEVCLOUD_URL" <"$API_KEY_FILE" >"$dir/stdout" 2>"$dir/stderr"
  echo $? >"$dir/rc"
  echo $(($(date +%s%3N) - started)) >"$dir/ms"
}

run_row() {
  local i pids=()
  for i in "${!COMMANDS[@]}"; do
    run_case "${HOMES[$i]}" "${COMMANDS[$i]}" &
    pids+=($!)
  done
  wait "${pids[@]}"
}

# The lines of stderr that say something went wrong.
problem_lines() { grep -cE 'error:|warning:|Could not check|rejected|✗' "$ERR"; }

check_stderr() {  # check_stderr EXPECTATION COMMAND
  local lines problems want=0
  lines=$(wc -l <"$ERR")
  problems=$(problem_lines)
  case $1 in 1 | 0!) want=1 ;; esac
  expect_eq "$problems" "$want" "lines saying what went wrong"
  if [ "$1" = 1 ] && [ "$2" != "auth status" ]; then
    [ "$lines" -le 2 ] || fail "$lines lines on stderr; expected the error and at most a hint"
    [ "$lines" -lt 2 ] || grep -q '^hint: ' "$ERR" || fail "the second line is not a hint"
  fi
  [ "$lines" -le 6 ] || fail "$lines lines on stderr"
  ! LC_ALL=C grep -qP '[\x00-\x09\x0b-\x1f\x7f]|\xc2[\x80-\x9f]' "$ERR" || fail "a control character on stderr"
  ! grep -qE "$SERVER_TEXT" "$ERR" || fail "the server's own text on stderr: $(grep -oE "$SERVER_TEXT" "$ERR" | head -n 1)"
  awk 'length > 300 { exit 1 }' "$ERR" || fail "a line on stderr longer than 300 characters"
}

check_store() {  # check_store EXPECTATION COMMAND
  local before after="" store
  before=$(cat "$TEST_DIR/store.before")
  store=$(credentials_file)
  [ ! -f "$store" ] || after=$(sha256sum <"$store")  # logout removes the file with the last profile
  if [ "$2" = logout ] && [ "$LAST_STATUS" = 0 ]; then
    expect_eq "$(stored access_token)" "" "the stored access token after logout"
  elif [ "$1" = 0+ ]; then
    [ "$after" != "$before" ] || fail "the store did not change"
    [ -n "$(stored access_token)" ] || fail "no access token stored"
    [[ "$(stored expires_at)" =~ ^(|20[0-9][0-9]-.*)$ ]] || fail "an absurd expiry was stored: $(stored expires_at)"
  else
    expect_eq "$after" "$before" "the store's sha256"
  fi
}

check_case() {  # check_case EXPECTATION COMMAND
  local want=${1%[+!]}
  LAST_STATUS=$(cat "$TEST_DIR/rc")
  [ "$LAST_STATUS" = "$want" ] || fail "exited with $LAST_STATUS, expected $want"
  [ "$(cat "$TEST_DIR/ms")" -le "$TIME_LIMIT_MS" ] || fail "took $(cat "$TEST_DIR/ms") ms, more than $TIME_LIMIT_MS"
  [ -z "$RSS_LIMIT_KB" ] || [ "$(tail -n 1 "$TEST_DIR/rss")" -le "$RSS_LIMIT_KB" ] ||
    fail "used $(tail -n 1 "$TEST_DIR/rss") KB"
  if [ "$2" = "auth status" ]; then  # its report is data, on stdout whatever it says: check it as stderr is
    cat "$OUT" >>"$ERR" && : >"$OUT"
  fi
  [ "$LAST_STATUS" = 0 ] || [ ! -s "$OUT" ] || fail "a failure printed to stdout"
  check_stderr "$1" "$2"
  check_store "$1" "$2"
}

NUMBER=0
FAILURES=0
report() {  # report NAME [TODO_REASON]: one TAP line for the case just checked
  NUMBER=$((NUMBER + 1))
  local todo=${2:+ # TODO $2}
  if [ "$CASE_FAILED" = 0 ]; then
    echo "ok $NUMBER - $1$todo"
  else
    echo "not ok $NUMBER - $1$todo"
    [ -n "$todo" ] || FAILURES=$((FAILURES + 1))
  fi
}

MATRIX=()
check_row() {  # check_row FAULT EXPECTATION…
  local fault=$1 i cell=""
  shift
  local expectations=("$@")
  for i in "${!COMMANDS[@]}"; do
    TEST_DIR=${HOMES[$i]} OUT=${HOMES[$i]}/stdout ERR=${HOMES[$i]}/stderr HOME=${HOMES[$i]}/home CASE_FAILED=0
    XDG_CONFIG_HOME=$HOME/.config
    check_case "${expectations[$i]}" "${COMMANDS[$i]}"
    if [ "$CASE_FAILED" != 0 ] || [ -n "${SHOW_OUTPUT:-}" ]; then show_output; fi
    report "$fault × ${COMMANDS[$i]}" "${KNOWN_DEFECTS[$fault|${COMMANDS[$i]}]:-}"
    cell+=$(printf '  %-17s' "$LAST_STATUS $(cat "$TEST_DIR/ms")ms $(tail -n 1 "$TEST_DIR/rss")K")
  done
  MATRIX+=("$(printf '%-40s' "$fault")$cell")
}

print_matrix() {
  echo "# fault matrix (COMPOZY_HTTP_TIMEOUT=$COMPOZY_HTTP_TIMEOUT): exit code, wall time, max RSS"
  local header="" command
  for command in "${COMMANDS[@]}"; do header+=$(printf '  %-17s' "$command"); done
  printf '# %-40s%s\n' fault "$header"
  printf '# %s\n' "${MATRIX[@]}"
}

# faults.sh [FAULT…]: every row, or those whose fault starts with one of the words given.
select_rows() {
  [ $# -gt 0 ] || return 0
  local row word selected=()
  for row in "${ROWS[@]}"; do
    for word in "$@"; do
      [[ "$row" != "$word"* ]] || { selected+=("$row"); break; }
    done
  done
  ROWS=("${selected[@]}")
}

main() {
  fresh_home
  start_devcloud_with_shared_key --faults --auto-approve --user ada@example.com || { echo "Bail out! no devcloud"; exit 1; }
  PORT=${DEVCLOUD_URL##*:}
  make_api_key
  declare_rows
  select_rows "$@"
  echo "1..$((${#ROWS[@]} * (${#COMMANDS[@]} + 1)))"
  local row words spoiled
  for row in "${ROWS[@]}"; do
    read -r -a words <<<"$row"
    clear_faults
    prepare_homes
    switch_fault "${words[0]}"
    run_row
    spoiled=$(spoiled_requests)
    clear_faults
    CASE_FAILED=0
    [ "$spoiled" -ge "${#COMMANDS[@]}" ] || fail "the fault spoiled $spoiled requests, fewer than one per command"
    report "${words[0]} reached every command"
    check_row "${words[@]}"
  done
  print_matrix
  [ "$FAILURES" -eq 0 ]
}

main "$@"

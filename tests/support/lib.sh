# Shared by the end-to-end tests: a hermetic environment, a TAP runner and
# assertions that print what a user would have seen when they fail.
#
#   . "$(dirname "$0")/../support/lib.sh"
#   test_something() { expect_status 0 "$COMPOZY" --version; expect_stdout_has "compozy version"; }
#   run_tests
#
# Every function named test_* runs in its own subshell with a fresh HOME and
# config folder, and becomes one TAP test case that meson counts.
set -uo pipefail

: "${COMPOZY_BUILD_ROOT:?run the tests through meson test (see README)}"
: "${COMPOZY_SOURCE_ROOT:?run the tests through meson test (see README)}"

COMPOZY="$COMPOZY_BUILD_ROOT/compozy/compozy"
PLUGINS_DIR="$COMPOZY_BUILD_ROOT/plugins"
DEVCLOUD="$COMPOZY_BUILD_ROOT/devcloud/compozy-devcloud"
SUPPORT_DIR="$COMPOZY_SOURCE_ROOT/tests/support"
FAKE_BROWSER="$SUPPORT_DIR/fake-browser"

SUITE_TMP=$(mktemp -d "${TMPDIR:-/tmp}/compozy-test.XXXXXX")
trap 'stop_background; rm -rf "$SUITE_TMP"' EXIT

# Nothing from the developer's own environment may leak into a test.
unset COMPOZY_HOST COMPOZY_PROFILE COMPOZY_EXEC_PATH COMPOZY_CONFIG_DIR COMPOZY_CLIENT_ID \
  COMPOZY_DEBUG COMPOZY_BIN FLYZT_API_KEY BROWSER DISPLAY WAYLAND_DISPLAY SSH_CONNECTION \
  SSH_TTY HTTPS_PROXY https_proxy HTTP_PROXY http_proxy NO_PROXY no_proxy SSL_CERT_FILE \
  SSL_CERT_DIR NO_COLOR COMPOZY_CREDENTIAL_STORE COMPOZY_CREDENTIAL_JSON_FILE \
  COMPOZY_CREDENTIAL_HELPER_TIMEOUT DBUS_SESSION_BUS_ADDRESS
export LC_ALL=C.UTF-8
# A run of a script through a credential helper (meson.build: sessions-json-file).
if [ -n "${COMPOZY_TEST_CREDENTIAL_STORE:-}" ]; then export COMPOZY_CREDENTIAL_STORE=$COMPOZY_TEST_CREDENTIAL_STORE; fi

BACKGROUND_PIDS=()
stop_background() {
  local pid
  for pid in "${BACKGROUND_PIDS[@]}"; do kill "$pid" 2>/dev/null; done
  for pid in "${BACKGROUND_PIDS[@]}"; do wait "$pid" 2>/dev/null; done
  BACKGROUND_PIDS=()
}

# A fresh home for one test case.
fresh_home() {
  TEST_DIR=$(mktemp -d "$SUITE_TMP/case.XXXXXX")
  export HOME="$TEST_DIR/home" XDG_CONFIG_HOME="$TEST_DIR/home/.config" \
    XDG_CACHE_HOME="$TEST_DIR/home/.cache" XDG_STATE_HOME="$TEST_DIR/home/.local/state"
  mkdir -p "$HOME"
  OUT="$TEST_DIR/stdout" ERR="$TEST_DIR/stderr"
  : >"$OUT"
  : >"$ERR"
}

CASE_FAILED=0
fail() {
  printf '# FAIL: %s\n' "$*"
  CASE_FAILED=1
}

show_output() {
  printf '# stdout:\n'; sed 's/^/#   /' "$OUT" | head -n 40
  printf '# stderr:\n'; sed 's/^/#   /' "$ERR" | head -n 40
}

# expect_status CODE command...: runs it with stdin from /dev/null unless
# STDIN is set to a file, keeping its output in $OUT and $ERR.
expect_status() {
  local want=$1; shift
  local got=0
  "$@" <"${STDIN:-/dev/null}" >"$OUT" 2>"$ERR" || got=$?
  LAST_STATUS=$got
  if [ "$got" != "$want" ]; then
    fail "'$*' exited with $got, expected $want"
    show_output
  fi
}

expect_eq() {  # expect_eq ACTUAL EXPECTED WHAT
  [ "$1" == "$2" ] || fail "${3:-value}: got '$1', expected '$2'"
}

expect_file_has() {  # expect_file_has FILE TEXT (fixed string)
  grep -qF -- "$2" "$1" || { fail "$(basename "$1") lacks '$2'"; show_output; }
}
expect_file_lacks() {
  [ -f "$1" ] || { fail "$1 does not exist"; return; }
  ! grep -qF -- "$2" "$1" || { fail "$(basename "$1") should not contain '$2'"; show_output; }
}
expect_stdout_has() { expect_file_has "$OUT" "$1"; }
expect_stderr_has() { expect_file_has "$ERR" "$1"; }
expect_stdout_lacks() { expect_file_lacks "$OUT" "$1"; }
expect_stderr_lacks() { expect_file_lacks "$ERR" "$1"; }
expect_stdout_is() { expect_eq "$(cat "$OUT")" "$1" "stdout"; }
expect_stderr_is() { expect_eq "$(cat "$ERR")" "$1" "stderr"; }

# Starts compozy-devcloud on a free loopback port with the given options and
# waits for its "listening" line. Sets DEVCLOUD_URL, DEVCLOUD_PID, DEVCLOUD_LOG.
start_devcloud() {
  DEVCLOUD_LOG=$(mktemp "$SUITE_TMP/devcloud-log.XXXXXX")
  "$DEVCLOUD" --port 0 "$@" >"$DEVCLOUD_LOG" 2>&1 &
  DEVCLOUD_PID=$!
  BACKGROUND_PIDS+=("$DEVCLOUD_PID")
  local i
  for i in $(seq 1 200); do
    DEVCLOUD_URL=$(sed -n 's/^compozy-devcloud listening on \(http[s]*:\/\/[^ ]*\).*/\1/p' "$DEVCLOUD_LOG" | head -n 1)
    [ -n "$DEVCLOUD_URL" ] && return 0
    kill -0 "$DEVCLOUD_PID" 2>/dev/null || break
    sleep 0.05
  done
  fail "compozy-devcloud did not start: $(cat "$DEVCLOUD_LOG")"
  return 1
}

stop_devcloud() {
  kill "$DEVCLOUD_PID" 2>/dev/null
  wait "$DEVCLOUD_PID" 2>/dev/null
}

# --- Signing in with compozy, and what it stored ---------------------------

credentials_file() { printf '%s' "$HOME/.config/compozy/credentials.yaml"; }

# stored FIELD [PROFILE]: a field of the profile's stored credential ('' when none).
stored() { python3 "$SUPPORT_DIR/credentials.py" get "$(credentials_file)" "${2:-default}" "$1"; }

# Makes the profile's access token look an hour expired to the client (the server still takes it).
expire_locally() { python3 "$SUPPORT_DIR/credentials.py" expire "$(credentials_file)" "${1:-default}"; }

# copy_entry PROFILE TO: another profile holding the very same session (a copied entry).
copy_entry() { python3 "$SUPPORT_DIR/credentials.py" copy "$(credentials_file)" "$1" "$2"; }

# log_in [ARGS…]: `compozy login` through the browser flow against the running
# devcloud, with a scripted person at the browser; must succeed.
log_in() { BROWSER="$FAKE_BROWSER" expect_status 0 "$COMPOZY" login --host "$DEVCLOUD_URL" "$@"; }

# wait_for FILE REGEX: prints the first match once it appears (10 s at most).
wait_for() {
  local i match
  for i in $(seq 1 200); do
    match=$(grep -oE -- "$2" "$1" 2>/dev/null | head -n 1)
    [ -n "$match" ] && { printf '%s' "$match"; return 0; }
    sleep 0.05
  done
  fail "'$2' never appeared in $(basename "$1"): $(cat "$1")"
  return 1
}

# A loopback port that nothing listens on (at the moment of asking).
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# Runs every test_* function (or those named on the command line) as TAP.
run_tests() {
  local names number=0 failures=0 name
  if [ $# -gt 0 ]; then names=("${@/#/test_}"); names=("${names[@]/#test_test_/test_}"); else
    mapfile -t names < <(declare -F | awk '{print $3}' | grep '^test_')
  fi
  echo "1..${#names[@]}"
  for name in "${names[@]}"; do
    number=$((number + 1))
    local started_ms
    started_ms=$(date +%s%3N)
    if ! declare -F "$name" >/dev/null; then
      echo "not ok $number - ${name#test_} # no such test"
      failures=$((failures + 1))
      continue
    fi
    if (fresh_home; CASE_FAILED=0; "$name"; stop_background; exit "$CASE_FAILED"); then
      echo "ok $number - ${name#test_}"
    else
      echo "not ok $number - ${name#test_}"
      failures=$((failures + 1))
    fi
    echo "# ${name#test_}: $(( $(date +%s%3N) - started_ms )) ms"
  done
  [ "$failures" -eq 0 ]
}

#!/usr/bin/env bash
# compozy-credential-secret-service against a real GNOME Keyring (issue 11):
# each case starts a session bus of its own in a fresh HOME, with the login
# keyring unlocked by password as a desktop session would, and drives the
# helper over the credential helper protocol, checking the keyring with
# secret-tool, the reference client of libsecret.
. "$(dirname "$0")/../support/lib.sh"
. "$(dirname "$0")/../support/devcloud.sh"

HELPER="$PLUGINS_DIR/compozy-credential-secret-service"
ITEM='"reference":"r-1","profile":"work","host":"https://cloud.compozy.com","account":"ada@example.com"'
STORE_REQUEST='{"version":1,'$ITEM',"secrets":{"access_token":"at-secret-1","refresh_token":"rt-secret-1"}}'
LOGIN_COLLECTION=/org/freedesktop/secrets/collection/login

if [ ! -x "$HELPER" ]; then
  echo "1..0 # SKIP compozy-credential-secret-service was not built (libsecret-1 not found)"
  exit 0
fi
for program in dbus-daemon gnome-keyring-daemon secret-tool dbus-send; do
  if ! command -v "$program" >/dev/null; then
    echo "1..0 # SKIP $program is not installed (scripts/install-deps installs it)"
    exit 0
  fi
done

# A session bus of this case's own, stopped with the case. It is started as
# dbus-run-session would start it, but in the background, so that the test
# functions run in this shell; the keyring daemon it activates ends with it.
# "bare": Debian's session bus without its service folders, so no Secret
# Service can be started; "mute": a bus whose policy drops every reply, as a
# hung bus would; "stuck-prompt": Debian's, where GNOME Keyring's unlock
# prompter starts but never shows itself, as a prompt nobody answers.
start_session_bus() {
  export XDG_RUNTIME_DIR="$TEST_DIR/run" XDG_DATA_HOME="$HOME/.local/share"
  mkdir -p -m 700 "$XDG_RUNTIME_DIR"
  local config=(--session)
  case "${1:-}" in
    bare)
      sed -e '/standard_session_servicedirs/d' -e "s|<listen>.*</listen>|<listen>unix:dir=$XDG_RUNTIME_DIR</listen>|" \
        /usr/share/dbus-1/session.conf >"$TEST_DIR/bus.conf"
      config=(--config-file="$TEST_DIR/bus.conf") ;;
    stuck-prompt)
      mkdir -p "$TEST_DIR/services"
      printf '[D-BUS Service]\nName=org.gnome.keyring.SystemPrompter\nExec=/bin/sleep 60\n' \
        >"$TEST_DIR/services/org.gnome.keyring.SystemPrompter.service"
      sed -e "s|<standard_session_servicedirs */>|<servicedir>$TEST_DIR/services</servicedir>&|" \
        -e "s|<listen>.*</listen>|<listen>unix:dir=$XDG_RUNTIME_DIR</listen>|" \
        /usr/share/dbus-1/session.conf >"$TEST_DIR/bus.conf"
      config=(--config-file="$TEST_DIR/bus.conf") ;;
    mute)
      cat >"$TEST_DIR/bus.conf" <<CONF
<busconfig>
  <type>session</type>
  <listen>unix:dir=$XDG_RUNTIME_DIR</listen>
  <auth>EXTERNAL</auth>
  <policy context="default"><allow send_destination="*"/><allow own="*"/></policy>
</busconfig>
CONF
      config=(--config-file="$TEST_DIR/bus.conf") ;;
  esac
  dbus-daemon "${config[@]}" --nofork --nopidfile --print-address=3 3>"$TEST_DIR/bus-address" 2>/dev/null &
  BACKGROUND_PIDS+=("$!")
  wait_for_nonempty "$TEST_DIR/bus-address" || return 1
  DBUS_SESSION_BUS_ADDRESS=$(head -n 1 "$TEST_DIR/bus-address")
  export DBUS_SESSION_BUS_ADDRESS
}

wait_for_nonempty() {
  local i
  for i in $(seq 1 100); do
    [ -s "$1" ] && return 0
    sleep 0.05
  done
  fail "$(basename "$1") stayed empty"
  return 1
}

# The login keyring, created and unlocked with a password, as a desktop's
# PAM module does at log-in.
start_keyring() {
  start_session_bus "$@" || return 1
  printf 'pw\n' | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1 ||
    { fail "gnome-keyring-daemon did not start"; return 1; }
}

# The object paths of the items in the login keyring, which is the default collection.
login_keyring_items() {
  dbus-send --session --print-reply --dest=org.freedesktop.secrets "$LOGIN_COLLECTION" \
    org.freedesktop.DBus.Properties.Get string:org.freedesktop.Secret.Collection string:Items |
    sed -n 's/^ *object path "\(.*\)"$/\1/p'
}

lock_keyring() {
  dbus-send --session --print-reply --dest=org.freedesktop.secrets /org/freedesktop/secrets \
    org.freedesktop.Secret.Service.Lock "array:objpath:$LOGIN_COLLECTION" >/dev/null ||
    fail "could not lock the login keyring"
}

# helper ACTION REQUEST EXPECTED_STATUS: the helper with REQUEST on stdin,
# killed after 10 s as compozy would kill it.
helper() {
  printf '%s' "$2" >"$TEST_DIR/request"
  local started_ms=$(date +%s%3N)
  STDIN="$TEST_DIR/request" expect_status "$3" timeout 10 "$HELPER" "$1"
  ELAPSED_MS=$(( $(date +%s%3N) - started_ms ))
}

expect_quick() {  # expect_quick WHAT: the last helper call took under 3 s
  [ "$ELAPSED_MS" -lt 3000 ] || fail "$1 took $ELAPSED_MS ms"
}

# The helper gave up (7 s, and 1 s of grace for a cancelled call) with time
# to spare before compozy would kill it.
expect_deadline_kept() {
  [ "$ELAPSED_MS" -lt 9000 ] || fail "the helper took $ELAPSED_MS ms; compozy kills it at 10 s"
}

expect_one_line_error() {  # expect_one_line_error TEXT
  expect_stderr_has "$1"
  expect_eq "$(wc -l <"$ERR")" 1 "lines on stderr"
  expect_eq "$(wc -c <"$OUT")" 0 "bytes on stdout"
}

# secret-tool's view of compozy's items: label, attributes and secret.
keyring_items() { secret-tool search --all --unlock application compozy 2>&1; }

test_store_then_get_returns_the_secrets() {
  start_keyring || return
  helper store "$STORE_REQUEST" 0
  expect_stdout_is '{"version":1}'
  helper get '{"version":1,"reference":"r-1","profile":"work","host":"https://cloud.compozy.com","account":"ada@example.com"}' 0
  expect_stdout_is '{"secrets":{"access_token":"at-secret-1","refresh_token":"rt-secret-1"},"version":1}'
}

test_the_item_is_in_the_login_keyring_as_a_person_sees_it() {
  start_keyring || return
  helper store "$STORE_REQUEST" 0
  keyring_items >"$OUT"
  expect_stdout_has "label = compozy: ada@example.com on https://cloud.compozy.com (profile work)"
  expect_stdout_has "schema = com.compozy.Credential"
  expect_stdout_has "attribute.reference = r-1"
  expect_stdout_has "attribute.profile = work"
  expect_stdout_has "attribute.host = https://cloud.compozy.com"
  expect_stdout_has "attribute.account = ada@example.com"
  expect_stdout_has 'secret = {"access_token":"at-secret-1","refresh_token":"rt-secret-1"}'
  # In the default collection, which GNOME calls the login keyring.
  expect_eq "$(login_keyring_items | wc -l)" 1 "items in the login keyring"
}

test_list_shows_every_compozy_item() {
  start_keyring || return
  helper store "$STORE_REQUEST" 0
  helper store '{"version":1,"reference":"r-2","profile":"default","host":"http://127.0.0.1:8080","account":"","secrets":{"access_token":"at-secret-2","refresh_token":""}}' 0
  printf 'other' | secret-tool store --label="not compozy's" application other-tool
  helper list '{"version":1}' 0
  python3 - "$OUT" <<'PY' || fail "list gave $(cat "$OUT")"
import json, sys
reply = json.load(open(sys.argv[1]))
assert reply["version"] == 1
items = sorted(reply["items"], key=lambda item: item["reference"])
assert items == [
    {"reference": "r-1", "profile": "work", "host": "https://cloud.compozy.com", "account": "ada@example.com"},
    {"reference": "r-2", "profile": "default", "host": "http://127.0.0.1:8080", "account": ""},
], items
PY
  expect_stdout_lacks "secret-"
}

test_an_empty_refresh_token_comes_back_empty() {
  start_keyring || return
  helper store '{"version":1,"reference":"r-3","profile":"ci","host":"h","account":"","secrets":{"access_token":"at-secret-3","refresh_token":""}}' 0
  helper get '{"version":1,"reference":"r-3"}' 0
  expect_stdout_is '{"secrets":{"access_token":"at-secret-3","refresh_token":""},"version":1}'
  keyring_items >"$OUT"
  expect_stdout_has "label = compozy: h (profile ci)"
}

test_erase_removes_the_item() {
  start_keyring || return
  helper store "$STORE_REQUEST" 0
  helper erase '{"version":1,"reference":"r-1","profile":"work","host":"https://cloud.compozy.com","account":"ada@example.com"}' 0
  expect_stdout_is '{"version":1}'
  keyring_items >"$OUT"
  expect_stdout_lacks "compozy"
  helper get '{"version":1,"reference":"r-1"}' 0
  expect_stdout_is '{"secrets":null,"version":1}'
  helper list '{"version":1}' 0
  expect_stdout_is '{"items":[],"version":1}'
}

test_a_missing_item_is_null_and_erasing_it_succeeds() {
  start_keyring || return
  helper get '{"version":1,"reference":"nothing-here"}' 0
  expect_stdout_is '{"secrets":null,"version":1}'
  helper erase '{"version":1,"reference":"nothing-here"}' 0
  expect_stdout_is '{"version":1}'
}

test_storing_the_same_reference_again_replaces_the_item() {
  start_keyring || return
  helper store "$STORE_REQUEST" 0
  helper store '{"version":1,"reference":"r-1","profile":"work","host":"https://cloud.compozy.com","account":"ada@example.com","secrets":{"access_token":"at-secret-9","refresh_token":"rt-secret-9"}}' 0
  helper get '{"version":1,"reference":"r-1"}' 0
  expect_stdout_is '{"secrets":{"access_token":"at-secret-9","refresh_token":"rt-secret-9"},"version":1}'
  expect_eq "$(keyring_items | grep -c '^label = ')" 1 "items after storing the same reference twice"
}

test_bad_requests_are_usage_errors() {
  # No bus at all: a bad request is refused before the keyring is reached.
  unset DBUS_SESSION_BUS_ADDRESS
  helper get 'not json' 2
  expect_one_line_error "bad request: it is not JSON"
  helper get '[1]' 2
  expect_one_line_error "bad request: it is not a JSON object"
  helper get '{"version":2,"reference":"r-1"}' 2
  expect_one_line_error 'bad request: unsupported "version"; this helper speaks version 1'
  helper get '{"reference":"r-1"}' 2
  expect_one_line_error 'bad request: "version" is missing'
  helper get '{"version":1}' 2
  expect_one_line_error 'bad request: "reference" is missing'
  helper erase '{"version":1,"reference":"../etc"}' 2
  expect_one_line_error 'bad request: "reference" is not 1 to 64 of A-Z a-z 0-9 _ -'
  helper store '{"version":1,"reference":"r-1","profile":"p","host":"h","account":"a"}' 2
  expect_one_line_error 'bad request: "secrets" is missing or not an object'
  helper store '{"version":1,"reference":"r-1","profile":"p","account":"a","secrets":{"access_token":"at-secret-1"}}' 2
  expect_one_line_error 'bad request: "host" is missing'
  helper store '{"version":1,"reference":"r-1","profile":"p","host":"h","account":"a","secrets":{"access_token":7}}' 2
  expect_one_line_error 'bad request: "access_token" is not a string'
  expect_stderr_lacks "at-secret"
}

test_an_oversized_request_is_refused() {
  unset DBUS_SESSION_BUS_ADDRESS
  python3 -c 'import sys; sys.stdout.write("{\"version\":1,\"reference\":\"r-1\",\"pad\":\"" + "x" * (1 << 20) + "\"}")' \
    >"$TEST_DIR/big"
  STDIN="$TEST_DIR/big" expect_status 2 timeout 10 "$HELPER" get
  expect_one_line_error "bad request: it is larger than 1 MiB"
}

test_unknown_fields_are_ignored() {
  start_keyring || return
  helper store '{"version":1,"future":{"x":1},'"$ITEM"',"secrets":{"access_token":"at-secret-1","refresh_token":"","kind":"new"}}' 0
  helper get '{"version":1,"reference":"r-1","future":true}' 0
  expect_stdout_has '"access_token":"at-secret-1"'
}

test_an_unknown_action_is_a_usage_error() {
  helper fetch '{"version":1}' 2
  expect_one_line_error "unknown action; expected get, store, erase or list"
  STDIN=/dev/null expect_status 2 "$HELPER"
  expect_stderr_has "usage: compozy-credential-secret-service get|store|erase|list"
}

test_a_locked_keyring_is_refused_at_once_without_a_display() {
  start_keyring || return
  helper store "$STORE_REQUEST" 0
  lock_keyring
  local request keyring_when_locked
  keyring_when_locked=$(sha256sum <"$HOME/.local/share/keyrings/login.keyring")
  for request in "get {\"version\":1,\"reference\":\"r-1\"}" "store $STORE_REQUEST" \
    "erase {\"version\":1,\"reference\":\"r-1\"}" "list {\"version\":1}"; do
    helper "${request%% *}" "${request#* }" 1
    expect_one_line_error "secret service: the keyring 'login' is locked: unlock it (e.g. in Seahorse) and retry"
    expect_stderr_lacks "secret-"
    expect_quick "${request%% *} of a locked keyring"
  done
  # Nothing was written: the keyring file is as it was when locked.
  expect_eq "$(sha256sum <"$HOME/.local/share/keyrings/login.keyring")" "$keyring_when_locked" "login.keyring"
  expect_eq "$(login_keyring_items | wc -l)" 1 "items in the locked login keyring"
}

test_a_keyring_locked_since_its_daemon_started_is_refused_not_taken_for_empty() {
  start_keyring || return
  helper store "$STORE_REQUEST" 0
  # The daemon ends; the next call starts another, whose login keyring is
  # locked and shows its items' attributes only hashed.
  local daemon
  daemon=$(dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
    org.freedesktop.DBus.GetConnectionUnixProcessID string:org.freedesktop.secrets | awk '/uint32/ { print $2 }')
  [ -n "$daemon" ] && kill "$daemon" || { fail "no keyring daemon to stop"; return; }
  wait_for_name_released org.freedesktop.secrets || return
  helper get '{"version":1,"reference":"r-1"}' 1
  expect_one_line_error "secret service: the keyring 'login' is locked: unlock it (e.g. in Seahorse) and retry"
  helper list '{"version":1}' 1
  expect_one_line_error "secret service: the keyring 'login' is locked: unlock it (e.g. in Seahorse) and retry"
}

wait_for_name_released() {
  local i
  for i in $(seq 1 100); do
    dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
      org.freedesktop.DBus.NameHasOwner "string:$1" | grep -q 'boolean false' && return 0
    sleep 0.05
  done
  fail "$1 is still owned"
  return 1
}

test_a_locked_keyring_whose_prompt_cannot_show_is_refused_quickly() {
  start_keyring || return
  helper store "$STORE_REQUEST" 0
  lock_keyring
  # A display that does not exist: the prompter fails, the helper says so.
  DISPLAY=:99 helper get '{"version":1,"reference":"r-1"}' 1
  expect_one_line_error "secret service: the keyring 'login' is still locked (the prompt was dismissed or failed): unlock it (e.g. in Seahorse) and retry"
  expect_quick "get of a locked keyring with a display"
}

test_an_unanswered_unlock_prompt_is_given_up_within_the_deadline() {
  start_keyring stuck-prompt || return
  helper store "$STORE_REQUEST" 0
  lock_keyring
  DISPLAY=:99 helper get '{"version":1,"reference":"r-1"}' 1
  # "unlocking the keyring: " comes first when the cancelled call returns
  # within the grace, which a busy machine may not give it.
  expect_one_line_error "no answer within 7 seconds: is an unlock prompt waiting, or the session bus or keyring daemon hung?"
  expect_deadline_kept
}

test_no_secret_service_on_the_bus_is_a_clear_error() {
  start_session_bus bare || return
  helper get '{"version":1,"reference":"r-1"}' 1
  expect_one_line_error "secret service: no Secret Service on the session bus: start GNOME Keyring or KWallet, or choose another credential store"
  expect_quick "get without a Secret Service"
  helper list '{"version":1}' 1
  expect_one_line_error "no Secret Service on the session bus"
}

test_a_hung_session_bus_is_given_up_within_the_deadline() {
  start_session_bus mute || return
  helper get '{"version":1,"reference":"r-1"}' 1
  expect_one_line_error "secret service: no answer within 7 seconds: is an unlock prompt waiting, or the session bus or keyring daemon hung?"
  expect_deadline_kept
}

test_no_session_bus_is_a_clear_error() {
  unset DBUS_SESSION_BUS_ADDRESS
  export XDG_RUNTIME_DIR="$TEST_DIR/run"
  mkdir -p -m 700 "$XDG_RUNTIME_DIR"
  helper list '{"version":1}' 1
  expect_one_line_error "secret service: connecting to the session bus:"
  expect_quick "list without a session bus"
}

# The whole suite through the keyring (issue 11): with a session bus and a
# Secret Service, login chooses the keyring itself, credentials.yaml keeps no
# secret, auth token reads it back, and logout leaves no item behind.
test_login_token_status_and_logout_go_through_the_keyring_by_default() {
  start_keyring || return
  start_devcloud_with_shared_key --user ada@example.com
  log_in
  expect_stderr_lacks "warning:"
  expect_file_has "$(credentials_file)" "store: secret-service"
  local token
  token=$(keyring_items | sed -n 's/^secret = {"access_token":"\([^"]*\)".*/\1/p' | head -n 1)
  [ -n "$token" ] || fail "no access token in the keyring: $(keyring_items)"
  expect_file_lacks "$(credentials_file)" "$token"
  expect_file_lacks "$(credentials_file)" "refresh_token"
  expect_file_has <(keyring_items) "label = compozy: ada@example.com on $DEVCLOUD_URL (profile default)"
  expect_status 0 "$COMPOZY" auth token --host "$DEVCLOUD_URL"
  expect_stdout_is "$token"
  expect_status 0 "$COMPOZY" auth status --json --host "$DEVCLOUD_URL"
  expect_eq "$(jq -r '.state + " " + .credential.store' "$OUT")" "valid secret-service" "state and store"
  expect_status 0 "$COMPOZY" logout --host "$DEVCLOUD_URL"
  expect_eq "$(keyring_items | grep -c '^label = compozy')" 0 "compozy items left in the keyring"
}

run_tests "$@"

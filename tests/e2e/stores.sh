#!/usr/bin/env bash
# Credential stores (issue 11): a login keeps its tokens in the store chosen
# (the reference helper compozy-credential-json-file here), credentials.yaml
# keeps none, and a helper that crashes, hangs, prints garbage, fails or
# floods gives one error naming it, exit 5, and changes nothing stored.
. "$(dirname "$0")/../support/lib.sh"
. "$(dirname "$0")/../support/devcloud.sh"

items_file() { printf '%s' "$HOME/.config/compozy/credential-items.json"; }

test_a_helper_store_holds_the_tokens_and_the_file_none() {
  start_devcloud --user ada@example.com || return
  log_in --store json-file
  expect_stderr_lacks "warning"
  local token refresh
  token=$(stored access_token)
  refresh=$(stored refresh_token)
  [ -n "$token" ] || { fail "the helper holds no access token"; return; }
  expect_file_lacks "$(credentials_file)" "$token"
  expect_file_lacks "$(credentials_file)" "$refresh"
  expect_file_has "$(credentials_file)" "store: json-file"
  expect_file_has "$HOME/.config/compozy/config.yaml" "credential_store: json-file"
  expect_eq "$(stat -c %a "$(items_file)")" 600 "the items file's mode"

  expect_status 0 "$COMPOZY" auth status
  expect_stdout_has "stored in credential store 'json-file'"
  expect_status 0 "$COMPOZY" auth status --json
  expect_eq "$(jq -r .credential.store "$OUT")" json-file "the store in auth status --json"
  expect_status 0 "$COMPOZY" auth token
  expect_stdout_is "$token"
  expect_status 0 "$COMPOZY" auth token --json
  expect_eq "$(jq -r .credential.store "$OUT")" json-file "the store in auth token --json"

  expire_locally
  expect_status 0 "$COMPOZY" auth token
  [ "$(cat "$OUT")" != "$token" ] || fail "auth token did not refresh the expired token"
  expect_stdout_is "$(stored access_token)"
  expect_file_lacks "$(credentials_file)" "$(stored access_token)"
  expect_eq "$(jq '.items | length' "$(items_file)")" 1 "items left after the refresh"

  expect_status 0 "$COMPOZY" logout
  expect_eq "$(jq '.items | length' "$(items_file)")" 0 "items left after logout"
}

test_logging_in_with_another_store_moves_the_tokens() {
  start_devcloud --user ada@example.com || return
  log_in --store file
  expect_file_has "$(credentials_file)" "access_token:"
  log_in --store json-file
  expect_file_lacks "$(credentials_file)" "access_token:"
  expect_eq "$(jq '.items | length' "$(items_file)")" 1 "items in the helper"
  log_in --store file
  expect_file_has "$(credentials_file)" "access_token:"
  expect_eq "$(jq '.items | length' "$(items_file)")" 0 "items left in the helper"
}

test_the_default_without_a_session_bus_is_the_file_and_says_so() {
  start_devcloud --user ada@example.com || return
  log_in
  expect_stderr_has "warning: no Secret Service on this machine (no D-Bus session): the credentials are stored in '$(credentials_file)', readable by you alone"
  expect_file_has "$(credentials_file)" "access_token:"
}

# A stand-in for compozy-credential-secret-service, found first through
# COMPOZY_EXEC_PATH: BODY, else the reference helper's behaviour.
fake_secret_service() {
  mkdir -p "$TEST_DIR/exec"
  printf '#!/usr/bin/env bash\n%s\nexec "%s" "$@"\n' "${1:-}" "$PLUGINS_DIR/compozy-credential-json-file" \
    >"$TEST_DIR/exec/compozy-credential-secret-service"
  chmod +x "$TEST_DIR/exec/compozy-credential-secret-service"
  export COMPOZY_EXEC_PATH="$TEST_DIR/exec:$PLUGINS_DIR"
}

test_the_default_with_a_secret_service_is_the_secret_service() {
  start_devcloud --user ada@example.com || return
  fake_secret_service
  DBUS_SESSION_BUS_ADDRESS=unix:path=/nonexistent log_in
  expect_stderr_lacks "warning"
  expect_file_has "$(credentials_file)" "store: secret-service"
  expect_file_lacks "$(credentials_file)" "access_token:"
  expect_status 0 "$COMPOZY" auth status --json
  expect_eq "$(jq -r .credential.store "$OUT")" secret-service "the store in auth status --json"
}

test_a_secret_service_that_does_not_answer_is_passed_over_by_default_and_said() {
  start_devcloud --user ada@example.com || return
  fake_secret_service 'exec sleep 30'
  local started=$SECONDS
  DBUS_SESSION_BUS_ADDRESS=unix:path=/nonexistent log_in
  [ $((SECONDS - started)) -lt 8 ] || fail "the probe took $((SECONDS - started)) s"
  expect_stderr_has "warning: the Secret Service did not answer (credential store 'secret-service' ($TEST_DIR/exec/compozy-credential-secret-service): list did not finish in time): the credentials are stored in '$(credentials_file)', readable by you alone"
  expect_file_has "$(credentials_file)" "access_token:"
}

test_a_secret_service_named_that_does_not_answer_is_an_error() {
  start_devcloud --user ada@example.com || return
  fake_secret_service 'echo "the keyring is locked" >&2; exit 1'
  BROWSER="$FAKE_BROWSER" DBUS_SESSION_BUS_ADDRESS=unix:path=/nonexistent expect_status 5 \
    "$COMPOZY" login --host "$DEVCLOUD_URL" --store secret-service
  expect_stderr_has "credential store 'secret-service' ($TEST_DIR/exec/compozy-credential-secret-service): list failed (exit 1): the keyring is locked"
  [ ! -e "$(credentials_file)" ] || fail "a credentials file was written"
}

test_inline_tokens_of_another_profile_are_warned_about_and_moved() {
  start_devcloud --user ada@example.com || return
  log_in --store file --profile old
  log_in --store json-file
  expect_stderr_has "still holds the tokens of profile 'old' in plain text: run \`compozy login --store json-file --move-inline-tokens\`"
  expect_status 0 "$COMPOZY" auth status
  expect_stderr_has "still holds the tokens of profile 'old' in plain text"
  log_in --store json-file --move-inline-tokens
  expect_file_lacks "$(credentials_file)" "access_token:"
  expect_status 0 "$COMPOZY" auth token --profile old
  expect_stdout_is "$(stored access_token old)"
}

# On a terminal, login asks instead of warning; "y" moves them, "n" keeps them.
test_on_a_terminal_login_asks_to_move_inline_tokens() {
  start_devcloud --user ada@example.com || return
  log_in --store file --profile old
  local login="BROWSER=$FAKE_BROWSER $COMPOZY login --host $DEVCLOUD_URL --store json-file"
  printf 'n\n' | script -qec "$login" /dev/null >"$OUT" 2>&1
  expect_stdout_has "Move the plain-text tokens of 'old' in '$(credentials_file)' to credential store 'json-file'"
  expect_file_has "$(credentials_file)" "access_token:"
  printf 'y\n' | script -qec "$login" /dev/null >"$OUT" 2>&1
  expect_stdout_has "Moved the tokens of 'old' to credential store 'json-file'"
  expect_file_lacks "$(credentials_file)" "access_token:"
  expect_status 0 "$COMPOZY" auth token --profile old
  expect_stdout_is "$(stored access_token old)"
}

test_an_explicit_store_that_is_missing_is_an_error_not_a_fallback() {
  start_devcloud --user ada@example.com || return
  BROWSER="$FAKE_BROWSER" expect_status 5 "$COMPOZY" login --host "$DEVCLOUD_URL" --store nosuch
  expect_stderr_has "credential store 'nosuch': compozy-credential-nosuch is not installed"
  [ ! -e "$(credentials_file)" ] || fail "a credentials file was written"
}

# fake_helper NAME BODY: a helper on PATH whose every action runs BODY (bash).
fake_helper() {
  mkdir -p "$TEST_DIR/helpers"
  printf '#!/usr/bin/env bash\n%s\n' "$2" >"$TEST_DIR/helpers/compozy-credential-$1"
  chmod +x "$TEST_DIR/helpers/compozy-credential-$1"
}

# Each misbehaving helper, first at login, then for a profile already stored there.
check_broken_helper() {
  local name=$1 message=$2
  start_devcloud --user ada@example.com || return
  export PATH="$TEST_DIR/helpers:$PATH" COMPOZY_CREDENTIAL_HELPER_TIMEOUT=1
  log_in --store json-file
  local before
  before=$(sha256sum "$(credentials_file)")
  # The first login's store in config.yaml stays; the broken helper is named for this login only.
  BROWSER="$FAKE_BROWSER" expect_status 5 "$COMPOZY" login --host "$DEVCLOUD_URL" --store "$name"
  expect_eq "$(grep -c . "$ERR")" 2 "lines on stderr (error and hint)"
  expect_stderr_has "compozy login: error: credential store '$name' ($TEST_DIR/helpers/compozy-credential-$name): list $message"
  expect_eq "$(sha256sum "$(credentials_file)")" "$before" "credentials.yaml"
  # An entry held by the broken helper: reading it fails the same way.
  sed -i "s/store: json-file/store: $name/" "$(credentials_file)"
  before=$(sha256sum "$(credentials_file)")
  expect_status 5 "$COMPOZY" auth token
  expect_stderr_has "credential store '$name' ($TEST_DIR/helpers/compozy-credential-$name): get $message"
  expect_stdout_is ""
  expect_status 5 "$COMPOZY" auth status
  expect_stdout_has "✗ Could not read the credential: reading the tokens of profile 'default': credential store '$name'"
  # A listing runs no helper: it neither waits for nor fails with the broken one.
  expect_status 0 "$COMPOZY" profile list
  expect_stdout_has "ada@example.com"
  expect_stdout_has "signed in"
  expect_eq "$(sha256sum "$(credentials_file)")" "$before" "credentials.yaml"
  expect_file_lacks "$(credentials_file)" "access_token"
}

test_a_helper_that_crashes() {
  fake_helper crashing 'kill -SEGV $$'
  check_broken_helper crashing "was killed by signal 11"
}

test_a_helper_that_hangs() {
  fake_helper hanging 'exec sleep 30'
  check_broken_helper hanging "did not finish in time"
}

test_a_helper_that_prints_garbage() {
  fake_helper garbage 'cat >/dev/null; echo "<html>not json"'
  check_broken_helper garbage "answered something else than the protocol's JSON (not one JSON object)"
}

test_a_helper_that_fails() {
  fake_helper failing 'cat >/dev/null; echo "vault sealed: run vault unseal" >&2; exit 3'
  check_broken_helper failing "failed (exit 3): vault sealed: run vault unseal"
}

test_a_helper_that_floods() {
  fake_helper flooding 'cat >/dev/null; head -c 3000000 /dev/zero | tr "\0" x'
  check_broken_helper flooding "printed more than 1048576 bytes"
}

run_tests "$@"

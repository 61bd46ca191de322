#!/usr/bin/env bash
# The plugin contract: `compozy api` and `compozy auth token --json` against a
# compozy-devcloud on loopback, with the host from the profile as plugins get
# it. The branches of request building, paging and exit codes are unit tests
# (tests/unit/api_test.cpp); these are the wiring, one case per flow.
. "$(dirname "$0")/../support/lib.sh"
. "$(dirname "$0")/../support/devcloud.sh"

# A profile 'work' whose host is only in config.yaml, signed in: no --host, no COMPOZY_HOST.
sign_in_work() {
  mkdir -p "$HOME/.config/compozy"
  printf 'profiles:\n  work:\n    host: %s\n' "$DEVCLOUD_URL" >"$HOME/.config/compozy/config.yaml"
  BROWSER="$FAKE_BROWSER" expect_status 0 "$COMPOZY" login --profile work
}

test_api_calls_the_profiles_host_with_its_token() {
  start_devcloud_with_shared_key --user ada@example.com
  sign_in_work
  expect_status 0 "$COMPOZY" api --profile work /api/v1/me
  expect_eq "$(jq -r .email "$OUT")" ada@example.com "the account /api/v1/me answered"
  expect_status 0 "$COMPOZY" api --profile work /api/v1/auth/sessions
  expect_eq "$(jq -r '.sessions[] | select(.current) | .client_id' "$OUT")" compozy-cli "this machine's session"
  expect_file_has "$DEVCLOUD_LOG" "GET /api/v1/me 200"
  expect_file_has "$DEVCLOUD_LOG" "GET /api/v1/auth/sessions 200"
  expect_stdout_lacks "$(stored access_token work)"
  expect_stderr_lacks "$(stored access_token work)"
}

test_api_refuses_another_origin_and_sends_it_nothing() {
  start_devcloud_with_shared_key --user eve@example.com
  local other=$DEVCLOUD_URL other_log=$DEVCLOUD_LOG
  start_devcloud_with_shared_key --user ada@example.com
  sign_in_work
  expect_status 2 "$COMPOZY" api --profile work "$other/api/v1/me"
  expect_stderr_has "compozy api: error: refusing to send the credential for '$DEVCLOUD_URL' to '$other'"
  expect_file_lacks "$other_log" "/api/v1/me"
  # The same origin written as a URL is the profile's host.
  expect_status 0 "$COMPOZY" api --profile work "$DEVCLOUD_URL/api/v1/me"
  expect_eq "$(jq -r .email "$OUT")" ada@example.com "the account from the full URL"
}

test_api_exit_codes_follow_the_status_and_the_body_is_kept() {
  start_devcloud_with_shared_key --user ada@example.com
  sign_in_work
  expect_status 1 "$COMPOZY" api --profile work /api/v1/nothing-here
  expect_eq "$(jq -r .error "$OUT")" not_found "the error body on stdout"
  expect_stderr_is "compozy api: error: '$DEVCLOUD_URL/api/v1/nothing-here' answered HTTP 404"
  FLYZT_API_KEY=czk_not_a_key expect_status 4 "$COMPOZY" api --profile work /api/v1/me
  expect_stderr_has "compozy api: error: the server rejected the API key in FLYZT_API_KEY (HTTP 401)"
  expect_status 2 "$COMPOZY" api --profile work -H 'Authorization: Bearer mine' /api/v1/me
  expect_stderr_has "refusing to set the Authorization header"
  expect_status 4 "$COMPOZY" api --profile nobody /api/v1/me
}

test_api_deletes_a_session_and_its_token_then_gets_401_as_exit_4() {
  start_devcloud_with_shared_key --user ada@example.com
  sign_in_work
  BROWSER="$FAKE_BROWSER" expect_status 0 "$COMPOZY" login --profile laptop --host "$DEVCLOUD_URL"
  local laptop
  laptop=$("$COMPOZY" api --profile laptop --host "$DEVCLOUD_URL" /api/v1/auth/sessions |
    jq -r '.sessions[] | select(.current) | .id')
  [ -n "$laptop" ] || { fail "no session ID for the laptop profile"; return; }
  expect_status 0 "$COMPOZY" api --profile work -X DELETE "/api/v1/auth/sessions/$laptop"
  expect_status 4 "$COMPOZY" api --profile laptop --host "$DEVCLOUD_URL" /api/v1/me
  expect_stderr_has "compozy api: error: the server rejected the credential (HTTP 401)"
  # The hint signs in to the same profile and host as the command.
  expect_stderr_has "hint: run \`compozy login --profile laptop --host $DEVCLOUD_URL\`"
}

test_api_json_is_pretty_on_a_terminal_and_as_sent_when_piped() {
  start_devcloud_with_shared_key --user ada@example.com
  sign_in_work
  "$COMPOZY" api --profile work /api/v1/me >"$TEST_DIR/piped" 2>"$ERR" || fail "piped: $(cat "$ERR")"
  # Byte for byte what the server sends, with the token passed on no command line.
  "$COMPOZY" auth token --profile work | sed 's/^/Authorization: Bearer /' |
    curl -fsS --noproxy '*' -H @- "$DEVCLOUD_URL/api/v1/me" >"$TEST_DIR/curl" || fail "curl failed"
  cmp -s "$TEST_DIR/piped" "$TEST_DIR/curl" || fail "piped output differs from the body: $(cat "$TEST_DIR/piped")"
  expect_file_lacks "$TEST_DIR/piped" '  "email": '
  script -qec "$COMPOZY api --profile work /api/v1/me" /dev/null >"$OUT" 2>&1 </dev/null
  expect_stdout_has '  "email": "ada@example.com",'
  expect_eq "$(tr -d '\r' <"$OUT" | jq -r .email)" ada@example.com "the pretty document, read back"
}

test_auth_token_json_gives_the_host_and_token_from_one_read() {
  start_devcloud_with_shared_key --user ada@example.com
  sign_in_work
  expect_status 0 "$COMPOZY" auth token --json --profile work
  expect_eq "$(jq -r '[.schema_version, .host, .profile, .credential.type, .credential.source] | join(" ")' "$OUT")" \
    "1 $DEVCLOUD_URL work oauth credentials_file" "the document"
  expect_eq "$(jq -r .token "$OUT")" "$(stored access_token work)" "the token"
  jq -e '.credential.expires_at | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$")' "$OUT" >/dev/null ||
    fail "expires_at is not RFC 3339: $(cat "$OUT")"
  # An expired token is refreshed by compozy-auth-refresh, which answers in the same form.
  local before
  before=$(stored access_token work)
  expire_locally work
  expect_status 0 "$COMPOZY" auth token --json --profile work
  expect_eq "$(jq -r .token "$OUT")" "$(stored access_token work)" "the refreshed token"
  [ "$(jq -r .token "$OUT")" != "$before" ] || fail "the expired token was printed"
  expect_eq "$(jq -r '.host + " " + .profile' "$OUT")" "$DEVCLOUD_URL work" "host and profile after a refresh"
  expect_eq "$(grep -c 'grant_type=refresh_token 200' "$DEVCLOUD_LOG")" 1 "refreshes"

  FLYZT_API_KEY=czk_from_ci expect_status 0 "$COMPOZY" auth token --json --profile work
  local fields='[.token, .credential.type, .credential.source, .credential.variable, .credential.expires_at]'
  expect_eq "$(jq -r "$fields | map(tostring) | join(\" \")" "$OUT")" \
    "czk_from_ci api_key environment FLYZT_API_KEY null" "with FLYZT_API_KEY"
  expect_status 2 "$PLUGINS_DIR/compozy-auth-refresh" --json
  expect_stderr_has "--json goes with --print-token"
}

run_tests "$@"

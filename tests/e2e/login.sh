#!/usr/bin/env bash
# Signing in for real: compozy login, logout, auth status and auth token
# against a compozy-devcloud on loopback, with a scripted person at the
# browser. One case per flow and command: the branches of each are unit tests
# (tests/unit/sign_in_test.cpp, refresh_test.cpp, status_test.cpp).
. "$(dirname "$0")/../support/lib.sh"
. "$(dirname "$0")/../support/devcloud.sh"

# Runs `compozy login ARGS…` in the background; LOGIN_PID, and its stderr in LOGIN_ERR.
start_login() {
  LOGIN_ERR="$TEST_DIR/login.err"
  "$COMPOZY" login --host "$DEVCLOUD_URL" "$@" >"$TEST_DIR/login.out" 2>"$LOGIN_ERR" </dev/null &
  LOGIN_PID=$!
}

finish_login() {  # finish_login EXPECTED_STATUS
  local status=0
  wait "$LOGIN_PID" || status=$?
  expect_eq "$status" "$1" "login exit status"
  [ "$status" = "$1" ] || sed 's/^/#   /' "$LOGIN_ERR"
}

new_key() {  # new_key NAME: an API key from the dashboard's "Generate New Key"
  request POST "$DEVCLOUD_URL/settings/api-keys" --data-urlencode "name=$1" --data-urlencode expires_in_days=
  new_api_key
}

test_browser_login_stores_a_private_session_and_says_who() {
  start_devcloud_with_shared_key --user ada@example.com
  FAKE_BROWSER_LOG="$TEST_DIR/visited" log_in
  expect_stderr_has "✓ Logged in to $DEVCLOUD_URL as ada@example.com"
  expect_stderr_has "$DEVCLOUD_URL/oauth/authorize?"
  expect_file_has "$TEST_DIR/visited" "code_challenge_method=S256"
  expect_eq "$(stat -c %a "$HOME/.config/compozy")" 700 "config folder mode"
  expect_eq "$(stat -c %a "$(credentials_file)")" 600 "credentials file mode"
  expect_eq "$(stored type)" oauth "stored type"
  expect_eq "$(stored account)" ada@example.com "stored account"
  [ -n "$(stored refresh_token)" ] || fail "no refresh token was stored"
  # The tokens never reach the terminal or the server's log.
  expect_stderr_lacks "$(stored access_token)"
  expect_file_lacks "$DEVCLOUD_LOG" "$(stored access_token)"
  expect_file_lacks "$DEVCLOUD_LOG" "$(stored refresh_token)"
  expect_file_has "$DEVCLOUD_LOG" "POST /oauth/token grant_type=authorization_code 200"
}

test_a_denied_browser_login_fails_and_stores_nothing() {
  start_devcloud_with_shared_key --user ada@example.com
  FAKE_BROWSER_DECISION=deny BROWSER="$FAKE_BROWSER" expect_status 1 "$COMPOZY" login --host "$DEVCLOUD_URL"
  expect_stderr_has "compozy login: error: the sign-in was denied"
  [ ! -e "$(credentials_file)" ] || fail "credentials were stored after a denial"
}

test_device_login_when_there_is_no_browser() {
  start_devcloud_with_shared_key --user ada@example.com --device-interval 1
  start_login
  local page
  page=$(wait_for "$LOGIN_ERR" "$DEVCLOUD_URL/device\?user_code=[A-Z-]+") || return
  grep -q "First copy your one-time code: " "$LOGIN_ERR" || fail "the code was not shown"
  "$FAKE_BROWSER" "$page" || fail "approving the device code failed"
  finish_login 0
  expect_file_has "$LOGIN_ERR" "✓ Logged in to $DEVCLOUD_URL as ada@example.com"
  expect_file_has "$DEVCLOUD_LOG" "grant_type=urn:ietf:params:oauth:grant-type:device_code 200"
  expect_status 0 "$COMPOZY" auth status --host "$DEVCLOUD_URL"
}

test_device_login_opens_the_verification_page_when_there_is_a_browser() {
  start_devcloud_with_shared_key --user ada@example.com --device-interval 1
  BROWSER="$FAKE_BROWSER" FAKE_BROWSER_LOG="$TEST_DIR/visited" \
    expect_status 0 "$COMPOZY" login --device --host "$DEVCLOUD_URL"
  expect_file_has "$TEST_DIR/visited" "$DEVCLOUD_URL/device?user_code="
  expect_stderr_has "✓ Logged in"
}

test_a_forged_callback_with_a_wrong_state_is_turned_away() {
  start_devcloud_with_shared_key --user ada@example.com
  start_login --no-browser --callback-port "$(free_port)"
  local url callback
  url=$(wait_for "$LOGIN_ERR" "$DEVCLOUD_URL/oauth/authorize\?[^ ]+") || return
  callback=$(query_param "$url" redirect_uri)
  expect_request 400 GET "$callback?code=attacker-code&state=forged"
  expect_body_has "does not belong to the login"
  "$FAKE_BROWSER" "$url" || fail "the real sign-in failed"
  finish_login 0
  expect_file_has "$LOGIN_ERR" "warning: ignored a sign-in response that does not belong to this login"
  expect_file_lacks "$DEVCLOUD_LOG" "attacker"
}

test_a_busy_callback_port_is_refused_not_shared() {
  start_devcloud_with_shared_key --user ada@example.com
  python3 -c 'import socket,time
s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1); s.bind(("127.0.0.1",0)); s.listen(1)
print(s.getsockname()[1], flush=True); time.sleep(60)' >"$TEST_DIR/busy.port" &
  BACKGROUND_PIDS+=($!)
  local port
  port=$(wait_for "$TEST_DIR/busy.port" "[0-9]+") || return
  expect_status 1 "$COMPOZY" login --web --no-browser --callback-port "$port" --host "$DEVCLOUD_URL"
  expect_stderr_has "compozy login: error: cannot listen on 127.0.0.1:$port for the browser's redirect"
  expect_stderr_has "hint: choose another --callback-port, or free that one"
}

test_login_gives_up_at_its_timeout_and_stops_on_ctrl_c() {
  start_devcloud_with_shared_key --user ada@example.com
  local started=$SECONDS
  expect_status 1 "$COMPOZY" login --no-browser --timeout 1s --host "$DEVCLOUD_URL"
  expect_stderr_has "compozy login: error: timed out waiting for the sign-in in the browser"
  [ $((SECONDS - started)) -le 5 ] || fail "login took $((SECONDS - started)) s to give up after 1 s"
  expect_status 2 "$COMPOZY" login --timeout soon
  expect_stderr_has "--timeout takes a duration such as 90s or 5m, not 'soon'"

  start_login --no-browser
  wait_for "$LOGIN_ERR" "Open this page" >/dev/null || return
  kill -INT "$LOGIN_PID"
  finish_login 130
  expect_file_has "$LOGIN_ERR" "compozy login: error: interrupted"
}

test_status_asks_the_server_and_prints_text_or_json() {
  start_devcloud_with_shared_key --user ada@example.com
  expect_status 1 "$COMPOZY" auth status --host "$DEVCLOUD_URL"
  expect_stdout_has "Not logged in: run \`compozy login --host $DEVCLOUD_URL\`"  # the report is data, on stdout
  expect_stderr_is ""
  log_in
  expect_status 0 "$COMPOZY" auth status --host "$DEVCLOUD_URL"
  expect_stdout_has "✓ Logged in as ada@example.com"
  expect_stdout_has "Credential: OAuth session, stored in $(credentials_file)"
  expect_status 0 "$COMPOZY" auth status --json --host "$DEVCLOUD_URL"
  expect_eq "$(jq -r '[.schema_version, .state, .checked, .account, .credential.type] | join(" ")' "$OUT")" \
    "1 valid true ada@example.com oauth" "status JSON"
  expect_file_has "$DEVCLOUD_LOG" "GET /oauth/userinfo 200"
  expect_stdout_lacks "$(stored access_token)"
  # Revoked at the server behind our back: the server's verdict shows.
  request POST "$DEVCLOUD_URL/oauth/revoke" --data-urlencode "token=$(stored refresh_token)" -d client_id=compozy-cli
  expect_status 1 "$COMPOZY" auth status --json --host "$DEVCLOUD_URL"
  expect_eq "$(jq -r .state "$OUT")" rejected "state after revocation"
}

test_colour_only_on_a_terminal_and_never_with_no_color() {
  start_devcloud_with_shared_key --user ada@example.com
  log_in
  expect_stderr_lacks $'\e['
  script -qec "$COMPOZY auth status --host $DEVCLOUD_URL" /dev/null >"$OUT" 2>&1 </dev/null
  expect_stdout_has $'\e[32m✓'
  NO_COLOR=1 script -qec "$COMPOZY auth status --host $DEVCLOUD_URL" /dev/null >"$OUT" 2>&1 </dev/null
  expect_stdout_has "✓ Logged in as ada@example.com"
  expect_stdout_lacks $'\e['
}

test_auth_token_prints_the_stored_token_without_the_network() {
  start_devcloud_with_shared_key --user ada@example.com
  log_in
  stop_devcloud
  expect_status 0 "$COMPOZY" auth token --host "$DEVCLOUD_URL"
  expect_stdout_is "$(stored access_token)"
  expect_status 4 "$COMPOZY" auth token --host "$DEVCLOUD_URL" --profile nobody
  expect_stderr_is $'compozy auth token: error: not logged in to \''"$DEVCLOUD_URL"$'\' (profile \'nobody\')\nhint: run `compozy login --profile nobody --host '"$DEVCLOUD_URL"$'`, or set FLYZT_API_KEY'
}

test_auth_token_hands_an_expired_token_to_auth_refresh_which_rotates_it() {
  start_devcloud_with_shared_key --user ada@example.com
  log_in
  local first_access first_refresh
  first_access=$(stored access_token)
  first_refresh=$(stored refresh_token)
  expire_locally
  expect_status 0 "$COMPOZY" auth token --host "$DEVCLOUD_URL"
  [ "$(cat "$OUT")" != "$first_access" ] || fail "the expired token was printed"
  expect_stdout_is "$(stored access_token)"
  [ "$(stored refresh_token)" != "$first_refresh" ] || fail "the refresh token did not rotate"
  expect_eq "$(grep -c 'grant_type=refresh_token 200' "$DEVCLOUD_LOG")" 1 "refreshes"
  # A failed refresh is auth token's failure, whichever tool did the work.
  expire_locally
  stop_devcloud
  expect_status 1 "$COMPOZY" auth token --host "$DEVCLOUD_URL"
  expect_stderr_has "compozy auth token: error: refreshing the access token: cannot connect to '$DEVCLOUD_URL'"
}

test_logout_revokes_at_the_server_then_forgets() {
  start_devcloud_with_shared_key --user ada@example.com
  log_in
  local access refresh
  access=$(stored access_token)
  refresh=$(stored refresh_token)
  expect_status 0 "$COMPOZY" logout --host "$DEVCLOUD_URL"
  expect_stderr_has "✓ Logged out of $DEVCLOUD_URL (ada@example.com)"
  [ ! -e "$(credentials_file)" ] || fail "the credentials file outlived its last profile"
  expect_eq "$(grep -c 'POST /oauth/revoke 200' "$DEVCLOUD_LOG")" 2 "revocations"
  as "$access" GET /api/v1/me
  expect_eq "$STATUS" 401 "the old access token at /api/v1/me"
  refresh "$refresh"
  expect_eq "$STATUS" 400 "the old refresh token at the token endpoint"
  expect_status 4 "$COMPOZY" logout --host "$DEVCLOUD_URL"
  expect_stderr_has "not logged in to '$DEVCLOUD_URL'"
}

test_logout_without_the_server_still_forgets_and_says_so() {
  start_devcloud_with_shared_key --user ada@example.com
  log_in
  stop_devcloud
  expect_status 0 "$COMPOZY" logout --host "$DEVCLOUD_URL"
  expect_stderr_has "warning: the tokens could not be revoked (cannot connect to '$DEVCLOUD_URL'"
  expect_stderr_has "they stay valid until they expire"
  expect_status 4 "$COMPOZY" auth token --host "$DEVCLOUD_URL"

  start_devcloud_with_shared_key --user ada@example.com
  log_in
  expect_status 0 "$COMPOZY" logout --local-only --host "$DEVCLOUD_URL"
  expect_stderr_has "the tokens were not revoked (--local-only)"
  expect_file_lacks "$DEVCLOUD_LOG" "/oauth/revoke"
}

test_with_token_reads_an_api_key_from_stdin_and_checks_it() {
  start_devcloud_with_shared_key --user ada@example.com
  local key
  key=$(new_key laptop)
  [ -n "$key" ] || { fail "the dashboard gave no key"; return; }
  printf '%s\n' "$key" >"$TEST_DIR/key"
  STDIN="$TEST_DIR/key" expect_status 0 "$COMPOZY" login --with-token --host "$DEVCLOUD_URL"
  expect_stderr_has "✓ Logged in to $DEVCLOUD_URL as ada@example.com"
  expect_eq "$(stored type)" api_key "stored type"
  expect_status 0 "$COMPOZY" auth token --host "$DEVCLOUD_URL"
  expect_stdout_is "$key"

  : >"$TEST_DIR/empty"
  STDIN="$TEST_DIR/empty" expect_status 2 "$COMPOZY" login --with-token --host "$DEVCLOUD_URL"
  expect_stderr_has "no API key on standard input"
  printf 'two keys\n' >"$TEST_DIR/two"
  STDIN="$TEST_DIR/two" expect_status 2 "$COMPOZY" login --with-token --host "$DEVCLOUD_URL"
  expect_status 2 "$COMPOZY" login --with-token "$key"
  expect_stderr_has "unexpected argument"
}

test_flyzt_api_key_wins_over_stored_credentials() {
  start_devcloud_with_shared_key --user ada@example.com --user bob@example.com
  log_in
  local key
  request POST "$DEVCLOUD_URL/settings/api-keys" --data-urlencode name=ci --data-urlencode account=bob@example.com
  key=$(new_api_key)
  FLYZT_API_KEY=$key expect_status 0 "$COMPOZY" auth token --host "$DEVCLOUD_URL"
  expect_stdout_is "$key"
  FLYZT_API_KEY=$key expect_status 0 "$COMPOZY" auth status --json --host "$DEVCLOUD_URL"
  expect_eq "$(jq -r '[.state, .account, .credential.source] | join(" ")' "$OUT")" \
    "valid bob@example.com environment" "status with FLYZT_API_KEY"
  FLYZT_API_KEY=$key BROWSER="$FAKE_BROWSER" expect_status 0 "$COMPOZY" login --host "$DEVCLOUD_URL"
  expect_stderr_has "warning: FLYZT_API_KEY is set: it takes precedence over the credentials this login stores"
}

test_two_profiles_are_kept_apart() {
  start_devcloud_with_shared_key --user ada@example.com
  local first=$DEVCLOUD_URL
  start_devcloud_with_shared_key --user bob@example.com
  local second=$DEVCLOUD_URL
  DEVCLOUD_URL=$first log_in
  DEVCLOUD_URL=$second log_in --profile work
  expect_status 0 env COMPOZY_PROFILE=work "$COMPOZY" auth status --json --host "$second"
  expect_eq "$(jq -r .account "$OUT")" bob@example.com "work profile account"
  local ada_token
  ada_token=$("$COMPOZY" auth token --host "$first")
  expect_status 0 "$COMPOZY" logout --profile work --host "$second"
  expect_status 0 "$COMPOZY" auth token --host "$first"
  expect_stdout_is "$ada_token"
  # A profile's tokens never go to another host.
  expect_status 4 "$COMPOZY" auth token --host "$second"
}

test_the_profile_host_comes_from_config_yaml() {
  start_devcloud_with_shared_key --user ada@example.com
  mkdir -p "$HOME/.config/compozy"
  printf 'profiles:\n  dev:\n    host: %s\n' "$DEVCLOUD_URL" >"$HOME/.config/compozy/config.yaml"
  BROWSER="$FAKE_BROWSER" expect_status 0 "$COMPOZY" --profile dev login
  expect_stderr_has "Logged in to $DEVCLOUD_URL as ada@example.com (profile 'dev')"
  expect_status 0 "$COMPOZY" --profile dev auth status
}

test_a_malformed_config_names_file_and_line() {
  mkdir -p "$HOME/.config/compozy"
  printf 'profiles:\n  default:\n    host: {a: b}\n' >"$HOME/.config/compozy/config.yaml"
  expect_status 1 "$COMPOZY" auth token
  expect_stderr_is "compozy auth token: error: config file '$HOME/.config/compozy/config.yaml', line 3, key 'profiles.default.host': expected a string
hint: fix or remove the file"
}

test_an_unreachable_host_or_plain_http_is_reported_at_once() {
  local port started
  port=$(free_port)
  started=$SECONDS
  expect_status 1 "$COMPOZY" login --host "http://127.0.0.1:$port"
  expect_stderr_has "compozy login: error: discovering the server: cannot connect to 'http://127.0.0.1:$port'"
  [ $((SECONDS - started)) -le 5 ] || fail "an unreachable host took $((SECONDS - started)) s"
  expect_status 1 "$COMPOZY" login --host "http://example.com"
  expect_stderr_has "refusing plain http for 'http://example.com'"
  COMPOZY_HTTP_TIMEOUT=abc expect_status 2 "$COMPOZY" auth status --host "http://127.0.0.1:$port"
  expect_stderr_has "compozy auth status: error: COMPOZY_HTTP_TIMEOUT is not a duration ('abc')"
}

run_tests "$@"

#!/usr/bin/env bash
# Sessions: auth list, refresh, revoke and revoke-all against compozy-devcloud,
# and a refresh that never loses a session, even with 64 processes at once or
# a process killed in the middle. The branches of each command are unit tests
# (tests/unit/status_test.cpp, refresh_test.cpp); these prove the wiring.
. "$(dirname "$0")/../support/lib.sh"
. "$(dirname "$0")/../support/devcloud.sh"

refreshes() { grep -c 'grant_type=refresh_token 200' "$DEVCLOUD_LOG"; }

# A second session of the same account, made by another client (curl).
other_session() {
  sign_in
  OTHER_TOKEN=$ACCESS_TOKEN
}

# The id of the session whose `current` flag the server sets for TOKEN.
session_of() {
  as "$1" GET /api/v1/auth/sessions
  json '.sessions[] | select(.current) | .id'
}

test_auth_list_shows_every_session_and_marks_this_machines() {
  start_devcloud_with_shared_key --user ada@example.com
  log_in
  other_session
  expect_status 0 "$COMPOZY" auth list --host "$DEVCLOUD_URL"
  expect_eq "$(wc -l <"$OUT")" 2 "sessions listed"
  local ours
  ours=$(session_of "$(stored access_token)")
  expect_stdout_has "*	$ours	$(hostname)	"
  grep -qE "^	ses_[^	]+	curl/" "$OUT" || fail "the other session is not listed as curl's: $(cat "$OUT")"
  awk -F'\t' '{ if (NF != 9) exit 1 }' "$OUT" || fail "piped rows are not 9 tab-separated fields"
  grep -qE '	20[0-9-]+T[0-9:]+Z	' "$OUT" || fail "piped times are not RFC 3339"

  expect_status 0 "$COMPOZY" auth list --json --host "$DEVCLOUD_URL"
  expect_eq "$(jq -r '.schema_version' "$OUT")" 1 "schema_version"
  expect_eq "$(jq -r '[.sessions[] | select(.current)] | length' "$OUT")" 1 "current sessions"
  expect_eq "$(jq -r '.sessions[] | select(.current) | .id' "$OUT")" "$ours" "current session"
  expect_eq "$(jq -r '.sessions[0] | keys | join(",")' "$OUT")" \
    "client_id,created_at,current,device_name,device_os,expires_at,id,inactive,last_used_at,last_used_from,user_agent" \
    "session fields"
}

test_auth_refresh_rotates_stores_and_prints_the_expiry() {
  start_devcloud_with_shared_key --user ada@example.com
  log_in
  local access refresh
  access=$(stored access_token)
  refresh=$(stored refresh_token)
  expect_status 0 "$COMPOZY" auth refresh --host "$DEVCLOUD_URL"
  expect_stderr_has "✓ Refreshed the access token for ada@example.com on $DEVCLOUD_URL; it expires in 1 hour"
  [ "$(stored access_token)" != "$access" ] || fail "the access token did not change"
  [ "$(stored refresh_token)" != "$refresh" ] || fail "the refresh token did not rotate"
  expect_eq "$(refreshes)" 1 "refreshes"
  as "$(stored access_token)" GET /api/v1/me
  expect_eq "$STATUS" 200 "the new access token"
  expect_stderr_lacks "$(stored access_token)"
}

test_auth_revoke_ends_one_session() {
  start_devcloud_with_shared_key --user ada@example.com
  log_in
  other_session
  local theirs
  theirs=$(session_of "$OTHER_TOKEN")
  expect_status 0 "$COMPOZY" auth revoke "$theirs" --host "$DEVCLOUD_URL"
  expect_stderr_is "✓ Revoked session $theirs"
  as "$OTHER_TOKEN" GET /api/v1/me
  expect_eq "$STATUS" 401 "the revoked session's token"
  expect_status 0 "$COMPOZY" auth status --host "$DEVCLOUD_URL"

  expect_status 1 "$COMPOZY" auth revoke ses_nonexistent --host "$DEVCLOUD_URL"
  expect_stderr_is "compozy auth revoke: error: no active session with id 'ses_nonexistent'
hint: see \`compozy auth list\` for the sessions of your account"
  expect_status 1 "$COMPOZY" auth revoke "$theirs" --host "$DEVCLOUD_URL"
  expect_status 2 "$COMPOZY" auth revoke --host "$DEVCLOUD_URL"
  expect_stderr_has "which session? give its ID"
}

test_revoking_this_machines_session_removes_its_credentials() {
  start_devcloud_with_shared_key --user ada@example.com
  log_in
  local ours
  ours=$(session_of "$(stored access_token)")
  expect_status 0 "$COMPOZY" auth revoke "$ours" --host "$DEVCLOUD_URL"
  expect_stderr_is "✓ Revoked session $ours
Removed the stored credentials of profile 'default' (its session was revoked); run \`compozy login\` to sign in again."
  expect_status 4 "$COMPOZY" auth token --host "$DEVCLOUD_URL"
}

test_revoke_all_asks_on_a_terminal_and_refuses_without_one() {
  start_devcloud_with_shared_key --user ada@example.com
  log_in
  other_session
  expect_status 2 "$COMPOZY" auth revoke-all --host "$DEVCLOUD_URL"
  expect_stderr_has "refusing to revoke every session without confirmation; pass --yes"
  printf 'n\n' | script -qec "$COMPOZY auth revoke-all --host $DEVCLOUD_URL" /dev/null >"$OUT" 2>&1
  expect_stdout_has "Revoke every session of ada@example.com on $DEVCLOUD_URL, this machine's included? [y/N]"
  expect_stdout_has "nothing was revoked"
  as "$OTHER_TOKEN" GET /api/v1/me
  expect_eq "$STATUS" 200 "a session after declining"
  # The question shows the stored account, which came from the server: made safe first.
  python3 "$SUPPORT_DIR/credentials.py" set "$(credentials_file)" default account $'ada\e]0;pwned\a@example.com'
  printf 'n\n' | script -qec "$COMPOZY auth revoke-all --host $DEVCLOUD_URL" /dev/null >"$OUT" 2>&1
  expect_stdout_has 'Revoke every session of ada\x1b]0;pwned\x07@example.com on'
  ! grep -q $'\e]0;pwned' "$OUT" || fail "the account's escape sequence reached the terminal"
  printf 'y\n' | script -qec "$COMPOZY auth revoke-all --host $DEVCLOUD_URL" /dev/null >"$OUT" 2>&1
  expect_stdout_has "Revoked 2 sessions on $DEVCLOUD_URL"
  as "$OTHER_TOKEN" GET /api/v1/me
  expect_eq "$STATUS" 401 "a session after revoke-all"
}

test_revoke_all_with_yes_ends_everything_and_forgets_this_machine() {
  start_devcloud_with_shared_key --user ada@example.com
  log_in
  other_session
  local ours=$(stored access_token)
  expect_status 0 "$COMPOZY" auth revoke-all --yes --host "$DEVCLOUD_URL"
  expect_stderr_is "✓ Revoked 2 sessions on $DEVCLOUD_URL
Removed the stored credentials of profile 'default' (its session was revoked); run \`compozy login\` to sign in again."
  as "$ours" GET /api/v1/me
  expect_eq "$STATUS" 401 "this machine's old token"
  expect_status 4 "$COMPOZY" auth list --host "$DEVCLOUD_URL"
}

# Issue 10: two profiles of one account on one machine. Revoking everything in
# one ends the other's session too, and its dead tokens go with it.
test_revoke_all_clears_every_profile_of_the_account() {
  start_devcloud_with_shared_key --user ada@example.com --user bob@example.com
  log_in
  log_in --profile work
  FAKE_BROWSER_ACCOUNT=bob@example.com log_in --profile bob
  local theirs
  theirs=$(stored access_token work)
  [ -n "$(stored session_id work)" ] || fail "login stored no session id"
  expect_status 0 "$COMPOZY" auth revoke-all --yes --host "$DEVCLOUD_URL"
  expect_stderr_is "✓ Revoked 2 sessions on $DEVCLOUD_URL
Removed the stored credentials of profiles 'default' and 'work' (their sessions were revoked); run \`compozy login \
--profile NAME\` to sign in again."
  as "$theirs" GET /api/v1/me
  expect_eq "$STATUS" 401 "the other profile's token"
  expect_status 4 "$COMPOZY" auth token --profile work --host "$DEVCLOUD_URL"
  expect_stderr_is "compozy auth token: error: not logged in to '$DEVCLOUD_URL' (profile 'work')
hint: run \`compozy login --profile work --host $DEVCLOUD_URL\`, or set FLYZT_API_KEY"
  expect_stdout_is ""
  expect_status 0 "$COMPOZY" auth token --profile bob --host "$DEVCLOUD_URL"
}

test_revoking_another_profiles_session_removes_its_credentials() {
  start_devcloud_with_shared_key --user ada@example.com
  log_in
  log_in --profile work
  local theirs
  theirs=$(session_of "$(stored access_token work)")
  expect_eq "$(stored session_id work)" "$theirs" "the stored session id"
  expect_status 0 "$COMPOZY" auth revoke "$theirs" --host "$DEVCLOUD_URL"
  expect_stderr_is "✓ Revoked session $theirs
Removed the stored credentials of profile 'work' (its session was revoked); run \`compozy login --profile work\` \
to sign in again."
  expect_status 4 "$COMPOZY" auth token --profile work --host "$DEVCLOUD_URL"
  expect_status 0 "$COMPOZY" auth token --host "$DEVCLOUD_URL"
  as "$(cat "$OUT")" GET /api/v1/me
  expect_eq "$STATUS" 200 "this profile's session"
}

# An entry stored before its server named sessions is asked, through the
# sessions API's current marker, which session it belongs to.
test_revoke_finds_a_session_that_a_credential_does_not_name() {
  start_devcloud_with_shared_key --user ada@example.com
  log_in
  log_in --profile work
  local theirs
  theirs=$(stored session_id work)
  python3 - "$(credentials_file)" <<'PY'
import sys, yaml
path = sys.argv[1]
document = yaml.safe_load(open(path))
del document["profiles"]["work"]["session_id"]
yaml.safe_dump(document, open(path, "w"))
PY
  expect_status 0 "$COMPOZY" auth revoke "$theirs" --host "$DEVCLOUD_URL"
  expect_stderr_has "Removed the stored credentials of profile 'work' (its session was revoked)"
  expect_eq "$(stored access_token work)" "" "the other profile's access token"
}

# Revoked from another machine (curl), a session whose access token has expired
# here is no longer shown as logged in: status refreshes and hears the verdict.
test_status_after_a_remote_revoke_all_refreshes_and_shows_no_check_mark() {
  start_devcloud_with_shared_key --user ada@example.com
  log_in
  other_session
  expire_locally
  expect_status 1 "$COMPOZY" auth status --offline --host "$DEVCLOUD_URL"
  expect_stdout_lacks "✓"
  expect_stdout_has "Not checked whether the session of ada@example.com still works: its access token has expired"

  as "$OTHER_TOKEN" POST /api/v1/auth/sessions/revoke-all
  expect_eq "$STATUS" 200 "the revoke-all from elsewhere"
  expect_status 1 "$COMPOZY" auth status --host "$DEVCLOUD_URL"
  expect_stdout_lacks "✓"
  expect_stdout_has "✗ The session of profile 'default' has ended: the server refused its refresh token (invalid_grant"
  expect_stdout_has "; its stored credentials were removed."
  expect_eq "$(stored access_token)" "" "the stored access token"
  expect_status 1 "$COMPOZY" auth status --json --host "$DEVCLOUD_URL"
  expect_eq "$(jq -r .state "$OUT")" "not_logged_in" "the state afterwards"
}

test_status_refreshes_an_expired_access_token_of_a_live_session() {
  start_devcloud_with_shared_key --user ada@example.com
  log_in
  expire_locally
  expect_status 0 "$COMPOZY" auth status --json --host "$DEVCLOUD_URL"
  expect_eq "$(jq -r '.state + " " + (.checked | tostring)' "$OUT")" "valid true" "the state"
  expect_eq "$(refreshes)" 1 "refreshes"
  as "$(stored access_token)" GET /api/v1/me
  expect_eq "$STATUS" 200 "the refreshed token"
}

# A refresh refused with invalid_grant removes every profile holding that session.
test_an_ended_session_goes_from_a_copied_profile_too() {
  start_devcloud_with_shared_key --user ada@example.com
  log_in
  other_session
  copy_entry default copy  # python writes the profiles sorted: copy first
  as "$OTHER_TOKEN" POST /api/v1/auth/sessions/revoke-all
  expire_locally
  expect_status 4 "$COMPOZY" auth token --host "$DEVCLOUD_URL"
  expect_stderr_has "has ended: the server refused its refresh token (invalid_grant"
  expect_stderr_has "; the stored credentials of profiles 'copy' and 'default', which held it, were removed"
  expect_status 4 "$COMPOZY" auth token --profile copy --host "$DEVCLOUD_URL"
}

test_flyzt_api_key_is_the_credential_for_session_commands() {
  start_devcloud_with_shared_key --user ada@example.com
  other_session
  request POST "$DEVCLOUD_URL/settings/api-keys" --data-urlencode name=ci
  local key
  key=$(new_api_key)
  FLYZT_API_KEY=$key expect_status 0 "$COMPOZY" auth list --json --host "$DEVCLOUD_URL"
  expect_eq "$(jq -r '.sessions | length' "$OUT")" 1 "sessions seen with the key"
  expect_eq "$(jq -r '[.sessions[] | select(.current)] | length' "$OUT")" 0 "current sessions with a key"
  FLYZT_API_KEY=$key expect_status 0 "$COMPOZY" auth revoke-all --yes --host "$DEVCLOUD_URL"
  expect_stderr_has "✓ Revoked 1 session on"
  expect_stderr_has "API keys are managed in the dashboard (Settings > API Keys) and are not revoked by this."
  as "$key" GET /api/v1/me
  expect_eq "$STATUS" 200 "the API key after revoke-all"
  FLYZT_API_KEY=$key expect_status 1 "$COMPOZY" auth refresh --host "$DEVCLOUD_URL"
  expect_stderr_has "nothing to refresh: FLYZT_API_KEY holds an API key, which is not refreshed"
}

# 64 processes find the access token expired at once: all of them succeed,
# the server sees one refresh, and the session lives on. Five times over here;
# tests/unit/refresh_test.cpp runs the same race many more times, without exec.
test_64_concurrent_processes_refresh_once_and_keep_the_session() {
  start_devcloud_with_shared_key --user ada@example.com
  log_in
  local round i failures expected
  for round in $(seq 1 5); do
    expire_locally
    expected=$(($(refreshes) + 1))
    local pids=()
    for i in $(seq 1 64); do
      "$COMPOZY" auth token --host "$DEVCLOUD_URL" >"$TEST_DIR/token.$i" 2>"$TEST_DIR/err.$i" &
      pids+=($!)
    done
    failures=0
    for i in "${pids[@]}"; do wait "$i" || failures=$((failures + 1)); done
    [ "$failures" -eq 0 ] || { fail "round $round: $failures of 64 failed: $(cat "$TEST_DIR"/err.* | sort | uniq -c)"; break; }
    expect_eq "$(refreshes)" "$expected" "refreshes after round $round"
    expect_eq "$(cat "$TEST_DIR"/token.* | sort -u | wc -l)" 1 "distinct tokens printed in round $round"
    expect_eq "$(cat "$TEST_DIR/token.1")" "$(stored access_token)" "the printed token in round $round"
    [ "$CASE_FAILED" = 0 ] || break
  done
  as "$(stored access_token)" GET /api/v1/me
  expect_eq "$STATUS" 200 "the session after 5 rounds"
  expect_eq "$(grep -c 'grant_type=refresh_token 400' "$DEVCLOUD_LOG")" 0 "refused refreshes"
  if [ "${COMPOZY_CREDENTIAL_STORE:-}" = json-file ]; then  # the run through the reference helper (meson.build)
    expect_file_has "$(credentials_file)" "store: json-file"
    expect_file_lacks "$(credentials_file)" "$(stored access_token)"
    expect_eq "$(jq '.items | length' "$HOME/.config/compozy/credential-items.json")" 1 "items in the helper's store"
  fi
}

# Killed with SIGKILL anywhere in a refresh, a process leaves the credentials
# readable: the next one either goes on with the session or is told, with
# exit 4, to log in again. Never a damaged file.
test_a_refresh_killed_at_any_moment_never_corrupts_the_credentials() {
  start_devcloud_with_shared_key --user ada@example.com
  log_in
  local attempt pid status went_on=0 ended=0
  for attempt in $(seq 0 29); do
    expire_locally
    "$COMPOZY" auth token --host "$DEVCLOUD_URL" >/dev/null 2>&1 &
    pid=$!
    sleep "0.00$((attempt % 10))$((attempt / 10))"
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    status=0
    "$COMPOZY" auth token --host "$DEVCLOUD_URL" >"$OUT" 2>"$ERR" || status=$?
    case $status in
      0) went_on=$((went_on + 1))
         as "$(cat "$OUT")" GET /api/v1/me
         expect_eq "$STATUS" 200 "the token after kill $attempt" ;;
      4) ended=$((ended + 1))
         expect_stderr_has "run \`compozy login\`"
         log_in ;;
      *) fail "after kill $attempt: exit $status: $(cat "$ERR")"; break ;;
    esac
  done
  printf '# %d times the session went on, %d times it had ended\n' "$went_on" "$ended"
}

# A client killed after the server answered a refresh and before it stored the
# answer, played by curl, whose answer is thrown away. Within devcloud's reuse
# interval the token the client still holds is answered again: the session lives.
test_a_refresh_whose_answer_was_lost_is_answered_again() {
  start_devcloud_with_shared_key --user ada@example.com
  log_in
  refresh "$(stored refresh_token)"
  expect_eq "$STATUS" 200 "the refresh whose answer is lost"
  expect_status 0 "$COMPOZY" auth refresh --host "$DEVCLOUD_URL"
  as "$(stored access_token)" GET /api/v1/me
  expect_eq "$STATUS" 200 "the session after the lost answer"
  expect_status 0 "$COMPOZY" auth refresh --host "$DEVCLOUD_URL"
  expect_eq "$(grep -c 'grant_type=refresh_token 400' "$DEVCLOUD_LOG")" 0 "refused refreshes"
}

# What remains against a server without a reuse interval: the session ends, and
# the user is told to log in again.
test_without_a_reuse_interval_a_lost_answer_ends_the_session() {
  start_devcloud_with_shared_key --user ada@example.com --refresh-reuse-interval 0
  log_in
  refresh "$(stored refresh_token)"
  expect_eq "$STATUS" 200 "the refresh whose answer is lost"
  expect_status 4 "$COMPOZY" auth refresh --host "$DEVCLOUD_URL"
  expect_stderr_is "compozy auth refresh: error: the session of profile 'default' has ended: the server refused \
its refresh token (invalid_grant: the refresh token was already used; the session is revoked); its stored \
credentials were removed
hint: run \`compozy login --host $DEVCLOUD_URL\`"
  expect_status 4 "$COMPOZY" auth token --host "$DEVCLOUD_URL"
}

run_tests "$@"

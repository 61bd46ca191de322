#!/usr/bin/env bash
# Profiles (issue 10) against two compozy-devclouds, A and B: login --host
# records the host, profile list/use/add/remove, auth status --all, a re-login
# on another host revoking the old session, and config.yaml edits that never
# lose each other. The branches are unit tests (tests/unit/profile_test.cpp,
# config_test.cpp); these prove the wiring and the sessions at the servers.
. "$(dirname "$0")/../support/lib.sh"
. "$(dirname "$0")/../support/devcloud.sh"

config_file() { printf '%s' "$HOME/.config/compozy/config.yaml"; }

# Two servers with different accounts: A_URL (ada) and B_URL (bo).
start_two_devclouds() {
  start_devcloud_with_shared_key --user ada@a.example.com || return
  A_URL=$DEVCLOUD_URL
  start_devcloud_with_shared_key --user bo@b.example.com || return
  B_URL=$DEVCLOUD_URL
}

# still_alive URL TOKEN: whether the server takes the token (sets STATUS).
status_at() { DEVCLOUD_URL=$1 as "$2" GET /api/v1/me; }

sign_in_to() {  # sign_in_to PROFILE URL
  BROWSER="$FAKE_BROWSER" expect_status 0 "$COMPOZY" login --profile "$1" --host "$2"
}

test_login_with_a_host_records_it_in_the_profile() {
  start_two_devclouds || return
  sign_in_to work "$B_URL"
  expect_stderr_has "Profile 'work' now uses $B_URL"
  grep -qF "host: $B_URL" "$(config_file)" || fail "config.yaml lacks the host: $(cat "$(config_file)")"
  # Without --host, the profile's host is the one checked.
  expect_status 0 "$COMPOZY" auth status --profile work
  expect_stdout_has "$B_URL (profile 'work', from --profile)"
  expect_stdout_has "✓ Logged in as bo@b.example.com"
  expect_status 0 "$COMPOZY" auth status --profile work --json
  expect_eq "$(jq -r .host "$OUT")" "$B_URL" "the host checked"
  expect_eq "$(jq -r .profile_source "$OUT")" flag "where the profile came from"
  # The default profile is not signed in, and its hint signs in to the default's host.
  expect_status 1 "$COMPOZY" auth status
  expect_stdout_has "Not logged in: run \`compozy login\`"
}

test_profile_list_shows_every_profile_with_its_state() {
  start_two_devclouds || return
  sign_in_to work "$B_URL"
  sign_in_to lab "$A_URL"
  expect_status 0 "$COMPOZY" profile add staging --host "$A_URL/"
  expect_stderr_has "✓ Added profile 'staging' for $A_URL"
  expect_status 0 "$COMPOZY" profile list
  expect_stdout_has "	lab	$A_URL	ada@a.example.com	signed in"
  expect_stdout_has "	staging	$A_URL		not signed in"
  expect_stdout_has "*	default	https://cloud.compozy.com		not signed in"
  expect_status 0 "$COMPOZY" profile list --json
  expect_eq "$(jq -r .schema_version "$OUT")" 1 "schema_version"
  expect_eq "$(jq -r '[.profiles[].name] | join(",")' "$OUT")" "default,lab,staging,work" "profiles"
  expect_eq "$(jq -r '.profiles[] | select(.name == "work") | .state + " " + .account + " " + .host' "$OUT")" \
    "signed_in bo@b.example.com $B_URL" "work"
  expect_stdout_lacks "$(stored access_token work)"
}

test_profile_use_switches_the_default_and_the_shell_still_wins() {
  start_two_devclouds || return
  sign_in_to work "$B_URL"
  sign_in_to lab "$A_URL"
  expect_status 0 "$COMPOZY" profile use work
  expect_stderr_is "✓ Using profile 'work' ($B_URL) from now on"
  expect_status 0 "$COMPOZY" auth status
  expect_stdout_has "$B_URL (profile 'work', from \`compozy profile use\`)"
  expect_stdout_has "✓ Logged in as bo@b.example.com"
  expect_status 0 "$COMPOZY" profile list
  expect_stdout_has "*	work	"
  # Another terminal that set COMPOZY_PROFILE keeps its profile.
  COMPOZY_PROFILE=lab expect_status 0 "$COMPOZY" auth status
  expect_stdout_has "✓ Logged in as ada@a.example.com"
  COMPOZY_PROFILE=lab expect_status 0 "$COMPOZY" profile use work
  expect_stderr_has "COMPOZY_PROFILE is set to 'lab': it still wins in this shell"
  expect_status 0 "$COMPOZY" auth token --json
  expect_eq "$(jq -r .host "$OUT")" "$B_URL" "the token's host after profile use"

  expect_status 2 "$COMPOZY" profile use nope
  expect_stderr_has "hint: add it with \`compozy profile add nope --host URL\`"
  # Hints name the profile when it is not the active one.
  expect_status 1 "$COMPOZY" auth status --profile default
  expect_stdout_has "Not logged in: run \`compozy login --profile default\`"
}

test_profile_remove_revokes_the_session_at_the_server() {
  start_two_devclouds || return
  sign_in_to work "$B_URL"
  expect_status 0 "$COMPOZY" profile use work
  local token
  token=$(stored refresh_token work)
  status_at "$B_URL" "$(stored access_token work)"
  expect_eq "$STATUS" 200 "the session before remove"
  local access
  access=$(stored access_token work)
  expect_status 0 "$COMPOZY" profile remove work
  expect_stderr_has "Logged out of $B_URL (bo@b.example.com), profile 'work': the session was revoked"
  expect_stderr_has "'default' is active again"
  status_at "$B_URL" "$access"
  expect_eq "$STATUS" 401 "the removed profile's token at the server"
  DEVCLOUD_URL=$B_URL refresh "$token"
  expect_eq "$STATUS" 400 "the removed profile's refresh token at the server"
  [ -z "$(stored access_token work)" ] || fail "the credential is still stored"
  ! grep -q "work" "$(config_file)" || fail "config.yaml still names work: $(cat "$(config_file)")"
  expect_status 2 "$COMPOZY" profile remove work
}

test_auth_status_all_checks_every_profile_at_its_host() {
  start_two_devclouds || return
  sign_in_to work "$B_URL"
  sign_in_to lab "$A_URL"
  expect_status 0 "$COMPOZY" auth status --all
  expect_stdout_has "$A_URL (profile 'lab')"
  expect_stdout_has "✓ Logged in as ada@a.example.com"
  expect_stdout_has "$B_URL (profile 'work')"
  expect_stdout_has "✓ Logged in as bo@b.example.com"
  expect_status 0 "$COMPOZY" auth status --all --json
  expect_eq "$(jq -r '[.profiles[] | .profile + "=" + .state] | join(",")' "$OUT")" \
    "default=not_logged_in,lab=valid,work=valid" "states"
  # A session ended at its server makes --all fail, and names the way back in.
  DEVCLOUD_URL=$A_URL as "$(stored access_token lab)" POST /api/v1/auth/sessions/revoke-all
  expect_status 1 "$COMPOZY" auth status --all
  expect_stdout_has "compozy login --profile lab"
  expect_status 2 "$COMPOZY" auth status --all --profile work
}

test_a_login_on_another_host_revokes_the_old_session() {
  start_two_devclouds || return
  sign_in_to work "$A_URL"
  local old_access old_refresh
  old_access=$(stored access_token work)
  old_refresh=$(stored refresh_token work)
  sign_in_to work "$B_URL"
  expect_stderr_has "Replaced the session of ada@a.example.com at $A_URL: it was revoked."
  expect_stderr_has "Profile 'work' now uses $B_URL (was $A_URL)"
  status_at "$A_URL" "$old_access"
  expect_eq "$STATUS" 401 "the replaced session's token at A"
  DEVCLOUD_URL=$A_URL refresh "$old_refresh"
  expect_eq "$STATUS" 400 "the replaced session's refresh token at A"
  expect_eq "$(stored host work)" "$B_URL" "the stored credential's host"
  # A profile that holds a credential keeps its host.
  expect_status 1 "$COMPOZY" profile add work --host "$A_URL"
  expect_stderr_has "hint: run \`compozy logout --profile work\` first"
}

test_concurrent_edits_never_lose_an_alias_or_a_profile() {
  mkdir -p "$HOME/.config/compozy"
  printf 'aliases:\n  st: auth status\n' >"$(config_file)"
  local i pids=()
  for i in $(seq 1 20); do
    "$COMPOZY" profile add "p$i" --host "https://p$i.example.com" >/dev/null 2>&1 &
    pids+=($!)
    "$COMPOZY" profile use default >/dev/null 2>&1 &
    pids+=($!)
  done
  local pid failed=0
  for pid in "${pids[@]}"; do wait "$pid" || failed=$((failed + 1)); done
  expect_eq "$failed" 0 "failed edits"
  expect_status 0 "$COMPOZY" profile list --json
  expect_eq "$(jq '[.profiles[] | select(.in_config)] | length' "$OUT")" 20 "profiles in config.yaml"
  expect_status 0 "$COMPOZY" alias --json
  expect_eq "$(jq -r .aliases.st "$OUT")" "auth status" "the alias"
}

test_a_malformed_config_is_not_overwritten() {
  mkdir -p "$HOME/.config/compozy"
  printf 'aliases:\n  st: auth status\nprofiles: [\n' >"$(config_file)"
  cp "$(config_file)" "$TEST_DIR/before"
  expect_status 1 "$COMPOZY" profile add work --host https://work.example.com
  expect_stderr_has "config file '$(config_file)', line "
  cmp -s "$(config_file)" "$TEST_DIR/before" || fail "config.yaml was changed"
}

run_tests "$@"

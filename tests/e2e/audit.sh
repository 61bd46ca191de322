#!/usr/bin/env bash
# Auditing sessions: device names in auth list, auth revoke --inactive, and
# auth token --scope (token exchange) against compozy-devcloud. The logic (width,
# inactivity, the exchange's answers) is unit tested; these prove the wiring.
. "$(dirname "$0")/../support/lib.sh"
. "$(dirname "$0")/../support/devcloud.sh"

os_name() { sed -n 's/^PRETTY_NAME="\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' /etc/os-release | head -n 1; }

test_auth_list_names_each_device_and_its_os() {
  start_devcloud_with_shared_key --user ada@example.com
  log_in --profile laptop --device-name "Zoë's laptop"
  log_in --device-name "desk 東京"
  expect_status 0 "$COMPOZY" auth list --json
  expect_eq "$(jq -r '[.sessions[].device_name] | sort | join(",")' "$OUT")" "Zoë's laptop,desk 東京" "device names"
  expect_eq "$(jq -r '.sessions[] | select(.current) | .device_os' "$OUT")" "$(os_name)" "device OS"
  expect_eq "$(jq -r '.sessions[] | select(.current) | .last_used_from' "$OUT")" "127.0.0.1" "last used from"
  expect_eq "$(jq -r '[.sessions[] | select(.inactive)] | length' "$OUT")" 0 "inactive sessions"
  expect_status 0 "$COMPOZY" auth list
  expect_stdout_has "	desk 東京	$(os_name)	"
}

test_auth_revoke_inactive_ends_the_sessions_unused_for_30_days() {
  # Sessions made 31 days ago: the clock starts behind and is moved back to the real time;
  # tokens live 40 days, so that those issued then are still good now.
  start_devcloud_with_shared_key --user ada@example.com --faults --clock-offset -31d \
    --access-token-ttl 3456000 --refresh-token-ttl 7776000
  log_in --profile old --device-name old-laptop
  expect_request 200 POST "$DEVCLOUD_URL/_clock" --data advance=31d
  log_in --device-name new-laptop
  expect_status 0 "$COMPOZY" auth list --json
  expect_eq "$(jq -r '.sessions[] | select(.inactive) | .device_name' "$OUT")" "old-laptop" "inactive session"
  expect_status 0 "$COMPOZY" auth list --json --inactive-age 40d
  expect_eq "$(jq -r '[.sessions[] | select(.inactive)] | length' "$OUT")" 0 "inactive after 40 days"

  expect_status 2 "$COMPOZY" auth revoke --inactive 30d </dev/null
  expect_stderr_has "refusing to revoke sessions without confirmation; pass --yes to do it anyway"
  expect_status 0 "$COMPOZY" auth revoke --inactive 30d --yes
  expect_stderr_has "✓ Revoked 1 session unused for more than 30d on $DEVCLOUD_URL:"
  expect_stderr_has "old-laptop ($(os_name)), last used 31 days ago from 127.0.0.1"
  expect_stderr_has "Removed the stored credentials of profile 'old'"
  expect_eq "$(stored access_token old)" "" "the old profile's token"
  expect_status 0 "$COMPOZY" auth list --json
  expect_eq "$(jq -r '[.sessions[].device_name] | join(",")' "$OUT")" "new-laptop" "sessions left"
  expect_status 0 "$COMPOZY" auth revoke --inactive 30d --yes
  expect_stderr_has "No session on $DEVCLOUD_URL has been unused for more than 30d."
}

test_auth_token_scope_is_narrowed_and_refused_outside_its_scope() {
  start_devcloud_with_shared_key --user ada@example.com
  log_in
  expect_status 0 "$COMPOZY" auth token --scope read
  local narrowed
  narrowed=$(cat "$OUT")
  [ -n "$narrowed" ] && [ "$narrowed" != "$(stored access_token)" ] || fail "no narrowed token: '$narrowed'"
  as "$narrowed" GET /api/v1/auth/sessions
  expect_eq "$STATUS" 200 "listing with a read token"
  as "$narrowed" POST /api/v1/auth/sessions/revoke-all
  expect_eq "$STATUS" 403 "revoke-all with a read token"
  expect_json .error insufficient_scope
  expect_status 0 "$COMPOZY" auth token --scope read --scope openid --json
  expect_eq "$(jq -r '.credential.scopes | join(" ")' "$OUT")" "openid read" "narrowed scopes"
  expect_eq "$(jq -r '.credential.store' "$OUT")" null "store of a narrowed token"
  expect_status 1 "$COMPOZY" auth token --scope profile
  expect_stderr_has "the server refused the scopes 'profile'"
  expect_status 2 "$COMPOZY" auth token --scope 'read write'
}

test_auth_token_scope_against_a_server_without_token_exchange() {
  start_devcloud_with_shared_key --user ada@example.com --without-token-exchange
  log_in
  expect_status 1 "$COMPOZY" auth token --scope read
  expect_stderr_has "error: the server at '$DEVCLOUD_URL' does not offer token exchange (RFC 8693)"
  expect_stdout_is ""
}

run_tests

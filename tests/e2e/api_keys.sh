#!/usr/bin/env bash
# `compozy auth keys create|list|revoke|rotate` and API key hygiene in `auth
# status`, against a compozy-devcloud on loopback: scopes enforced with 403
# insufficient_scope, expiry and grace periods through devcloud's clock
# (POST /_clock, with --faults), never a sleep. Parsing, formatting and the
# warnings themselves are unit tests (tests/unit/api_keys_test.cpp).
. "$(dirname "$0")/../support/lib.sh"
. "$(dirname "$0")/../support/devcloud.sh"

# devcloud with a clock to move, and this machine signed in to it. Only devcloud's
# clock moves: the session's access token lives longer than any move, so that
# compozy (whose clock stays) never holds one that devcloud takes for expired.
start_signed_in() {
  start_devcloud_with_shared_key --faults --access-token-ttl 3000000 --user ada@example.com || return
  log_in
}

advance_clock() { expect_request 200 POST "$DEVCLOUD_URL/_clock" -d "advance=$1"; }

# new_key NAME [options…]: creates a key with the signed-in session and prints it.
new_key() {
  "$COMPOZY" auth keys create --host "$DEVCLOUD_URL" "$@" 2>/dev/null
}

with_key() {  # with_key KEY STATUS command…: runs compozy with FLYZT_API_KEY=KEY
  local key=$1
  shift
  FLYZT_API_KEY=$key expect_status "$@"
}

test_create_prints_the_key_once_and_list_shows_it_without_the_secret() {
  start_signed_in || return
  expect_status 0 "$COMPOZY" auth keys create ci --scope read --expires 90d --environment production \
    --host "$DEVCLOUD_URL"
  expect_eq "$(wc -l <"$OUT")" 1 "lines on stdout"
  grep -qE '^czk_[A-Za-z0-9_-]{43}$' "$OUT" || fail "stdout is not one key: $(cat "$OUT")"
  local key
  key=$(cat "$OUT")
  expect_stderr_has "it will not be shown again"
  expect_stderr_has "Created API key 'ci'"
  expect_status 0 "$COMPOZY" auth keys list --json --host "$DEVCLOUD_URL"
  expect_eq "$(jq -r '.schema_version, (.api_keys[0] | .name, (.scopes | join(",")), .environment, .never_used,
    .expired, (.prefix | length))' "$OUT" | tr '\n' ' ')" "1 ci read production true false 12 " "the listed key"
  expect_eq "$(jq -r '.api_keys[0].prefix' "$OUT")" "${key:0:12}" "the prefix"
  expect_stdout_lacks "$key"
  expect_status 0 "$COMPOZY" auth keys list --host "$DEVCLOUD_URL"
  expect_stdout_has "${key:0:12}"
  expect_stdout_has "never used"
  expect_stdout_lacks "$key"
  expect_status 2 "$COMPOZY" auth keys create --host "$DEVCLOUD_URL"
  expect_status 2 "$COMPOZY" auth keys create x --expires soon --host "$DEVCLOUD_URL"
  expect_stderr_has "--expires is a duration such as 90d"
  expect_status 1 "$COMPOZY" auth keys create x --scope admin --host "$DEVCLOUD_URL"
  expect_stderr_has "unknown scope 'admin'"
}

test_a_key_is_refused_outside_its_scopes_with_403_and_the_scope_named() {
  start_signed_in || return
  local key
  key=$(new_key ci --scope read)
  with_key "$key" 0 "$COMPOZY" auth list --host "$DEVCLOUD_URL"
  with_key "$key" 1 "$COMPOZY" auth revoke ses_nothing --host "$DEVCLOUD_URL"
  expect_stderr_has "error: the API key in FLYZT_API_KEY lacks the scope 'write' that '$DEVCLOUD_URL/api/v1/auth/sessions/ses_nothing' needs (HTTP 403)"
  expect_stderr_has "hint: use a key that has it: \`compozy auth keys create NAME --scope write\`"
  with_key "$key" 1 "$COMPOZY" auth keys list --host "$DEVCLOUD_URL"
  expect_stderr_has "lacks the scope 'keys:manage'"
  with_key "$key" 1 "$COMPOZY" api -X POST /api/v1/auth/sessions/revoke-all --host "$DEVCLOUD_URL"
  expect_stderr_has "lacks the scope 'write'"
  expect_request 403 POST "$DEVCLOUD_URL/api/v1/auth/sessions/revoke-all" -H "Authorization: Bearer $key"
  expect_header WWW-Authenticate 'Bearer realm="compozy-devcloud", error="insufficient_scope", scope="write", error_description="this credential lacks the scope '"'write'"' that this request needs"'
  # keys:manage lets a key manage keys.
  local manager
  manager=$(new_key keys --scope keys:manage)
  with_key "$manager" 0 "$COMPOZY" auth keys list --host "$DEVCLOUD_URL"
}

test_an_expired_key_is_refused_and_flagged() {
  start_signed_in || return
  local key
  key=$(new_key short --expires 1h)
  with_key "$key" 0 "$COMPOZY" api /api/v1/me --host "$DEVCLOUD_URL"
  advance_clock 2h
  with_key "$key" 4 "$COMPOZY" api /api/v1/me --host "$DEVCLOUD_URL"
  expect_stderr_has "the server rejected the API key in FLYZT_API_KEY (HTTP 401)"
  expect_request 401 GET "$DEVCLOUD_URL/api/v1/me" -H "Authorization: Bearer $key"
  expect_json .error_description "the API key has expired"
  expect_status 0 "$COMPOZY" auth keys list --json --host "$DEVCLOUD_URL"
  expect_eq "$(jq -r '.api_keys[0] | [.name, .expired, .never_used] | join(" ")' "$OUT")" "short true false" "flags"
}

test_rotate_keeps_the_old_key_for_the_grace_period_then_refuses_it() {
  start_signed_in || return
  local old new
  old=$(new_key ci --scope read --expires 30d)
  expect_status 0 "$COMPOZY" auth keys rotate ci --grace 24h --host "$DEVCLOUD_URL"
  new=$(cat "$OUT")
  grep -qE '^czk_[A-Za-z0-9_-]{43}$' "$OUT" || fail "stdout is not one key: $(cat "$OUT")"
  [ "$new" != "$old" ] || fail "the rotation printed the old key"
  expect_stderr_has "works until"
  with_key "$old" 0 "$COMPOZY" auth list --host "$DEVCLOUD_URL"
  with_key "$new" 0 "$COMPOZY" auth list --host "$DEVCLOUD_URL"
  expect_status 0 "$COMPOZY" auth keys list --json --host "$DEVCLOUD_URL"
  expect_eq "$(jq -r '[.api_keys[] | .name + ":" + (.scopes | join(",")) + ":" + (.replaced_by != null | tostring)] | sort | join(" ")' "$OUT")" \
    "ci:read:false ci:read:true" "both keys, the old one rotated"
  advance_clock 25h
  with_key "$old" 4 "$COMPOZY" auth list --host "$DEVCLOUD_URL"
  with_key "$new" 0 "$COMPOZY" auth list --host "$DEVCLOUD_URL"
  expect_status 0 "$COMPOZY" auth keys rotate ci --host "$DEVCLOUD_URL"
  expect_stderr_has "no longer works"
  expect_status 1 "$COMPOZY" auth keys rotate nothing --host "$DEVCLOUD_URL"
  expect_stderr_has "no API key with the ID or name 'nothing'"
}

test_revoke_by_name_or_id_and_a_shared_name_lists_the_ids() {
  start_signed_in || return
  local key
  key=$(new_key deploys)
  new_key twin >/dev/null
  new_key twin >/dev/null
  expect_status 1 "$COMPOZY" auth keys revoke twin --host "$DEVCLOUD_URL"
  expect_stderr_has "error: 2 API keys are named 'twin': key_"
  expect_stderr_has "hint: name the one you mean by its ID"
  expect_status 0 "$COMPOZY" auth keys revoke deploys --host "$DEVCLOUD_URL"
  expect_stderr_has "Revoked API key 'deploys'"
  with_key "$key" 4 "$COMPOZY" api /api/v1/me --host "$DEVCLOUD_URL"
  local id
  id=$("$COMPOZY" auth keys list --json --host "$DEVCLOUD_URL" | jq -r '.api_keys[0].id')
  expect_status 0 "$COMPOZY" auth keys revoke "$id" --host "$DEVCLOUD_URL"
  expect_status 0 "$COMPOZY" auth keys list --json --host "$DEVCLOUD_URL"
  expect_eq "$(jq -r '.api_keys | length' "$OUT")" 1 "keys left"
}

test_auth_status_names_the_key_and_warns_of_expiry_age_and_scopes() {
  start_signed_in || return
  local key
  key=$(new_key ci --scope read --scope write --expires 3d --environment production)
  mkdir -p "$HOME/.config/compozy"
  printf 'profiles:\n  default:\n    api_key_scopes: [read]\n' >>"$HOME/.config/compozy/config.yaml"
  with_key "$key" 0 "$COMPOZY" auth status --host "$DEVCLOUD_URL"
  expect_stdout_has "Key name: 'ci' (key_"
  expect_stdout_has "environment production"
  expect_stdout_has "Scopes: read write"
  expect_stderr_has "warning: the API key 'ci' expires in"
  expect_stderr_has "warning: the API key 'ci' has scopes beyond the profile's api_key_scopes (read): write"
  with_key "$key" 0 "$COMPOZY" auth status --json --host "$DEVCLOUD_URL"
  expect_eq "$(jq -r '[.credential.api_key.name, (.credential.scopes | join(",")), (.warnings | length)] | join(" ")' "$OUT")" \
    "ci read,write 2" "the document"
  # A key past api_key_rotation_age.
  local old
  old=$(new_key old --scope read)
  printf 'api_key_rotation_age: 30d\n' >>"$HOME/.config/compozy/config.yaml"
  advance_clock 31d
  with_key "$old" 0 "$COMPOZY" auth status --host "$DEVCLOUD_URL"
  expect_stderr_has "warning: the API key 'old' is 31 days old, past api_key_rotation_age (30d)"
  with_key "$key" 1 "$COMPOZY" auth status --host "$DEVCLOUD_URL"
}

run_tests "$@"

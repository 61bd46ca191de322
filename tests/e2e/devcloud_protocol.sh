#!/usr/bin/env bash
# compozy-devcloud on the wire: what only a real server, process and socket can show.
# The logic behind each endpoint (every check, flow, expiry and error) is unit-tested
# without HTTP in tests/unit/devcloud_authority_test.cpp, and every route's status,
# headers and body in-process in tests/unit/devcloud_routes_test.cpp; here each
# endpoint answers once, through httplib, with the headers it adds.
. "$(dirname "$0")/../support/lib.sh"
. "$SUPPORT_DIR/devcloud.sh"

DEVICE_GRANT=urn:ietf:params:oauth:grant-type:device_code

start_device_flow() {  # [scope]
  expect_request 200 POST "$DEVCLOUD_URL/oauth/device" -d client_id=compozy-cli \
    --data-urlencode "scope=${1:-openid email offline_access}"
  DEVICE_CODE=$(json .device_code) USER_CODE=$(json .user_code)
}

poll() {
  request POST "$DEVCLOUD_URL/oauth/token" --data-urlencode "grant_type=$DEVICE_GRANT" -d client_id=compozy-cli \
    --data-urlencode "device_code=$DEVICE_CODE"
}

# Headers httplib adds to every answer, whatever the route.
expect_served_by_devcloud() {
  expect_header Cache-Control no-store
  expect_header X-Content-Type-Options nosniff
  expect_header Referrer-Policy same-origin
}

test_every_endpoint_answers_over_http() {
  start_devcloud_with_shared_key --user ada.lovelace@example.com --device-interval 1 || return
  expect_request 200 GET "$DEVCLOUD_URL/.well-known/oauth-authorization-server"
  expect_header Content-Type application/json
  expect_served_by_devcloud
  expect_json .issuer "$DEVCLOUD_URL"
  expect_json .token_endpoint "$DEVCLOUD_URL/oauth/token"
  cp "$BODY" "$TEST_DIR/oauth.json"
  expect_request 200 GET "$DEVCLOUD_URL/.well-known/openid-configuration"
  expect_eq "$(jq -S . "$BODY")" "$(jq -S . "$TEST_DIR/oauth.json")" "the OpenID Connect document"

  # The code flow, with an ID token any relying party can verify against the JWK set.
  authorize nonce=nonce-42 state="a b&c=d"
  expect_eq "$(query_param "$LOCATION" state)" "a b&c=d" "state in the redirect"
  expect_eq "$(query_param "$LOCATION" iss)" "$DEVCLOUD_URL" "iss in the redirect (RFC 9207)"
  redeem_code -A "compozy-test/1.0"
  expect_header Content-Type application/json
  expect_header Pragma no-cache
  expect_served_by_devcloud
  expect_json .token_type Bearer
  expect_json .scope "openid email profile offline_access"
  expect_request 200 GET "$DEVCLOUD_URL/oauth/jwks"
  cp "$BODY" "$TEST_DIR/jwks.json"
  expect_json '.keys[0].alg' RS256
  expect_eq "$(jwt_part "$ID_TOKEN" 1 | jq -r .kid)" "$(json '.keys[0].kid')" "the ID token's kid"
  verify_jwt "$ID_TOKEN" "$TEST_DIR/jwks.json" || fail "the ID token's signature does not verify with the JWK set"
  local forged_claims
  forged_claims=$(jwt_part "$ID_TOKEN" 2 | jq -c '.email = "mallory@example.com"' | base64url)
  verify_jwt "${ID_TOKEN%%.*}.$forged_claims.${ID_TOKEN##*.}" "$TEST_DIR/jwks.json" &&
    fail "an ID token with forged claims verifies"
  expect_eq "$(jwt_part "$ID_TOKEN" 2 | jq -r .nonce)" nonce-42 "the nonce in the ID token"

  as "$ACCESS_TOKEN" GET /oauth/userinfo
  expect_eq "$STATUS" 200 "GET /oauth/userinfo"
  expect_json .email ada.lovelace@example.com
  as "$ACCESS_TOKEN" GET /api/v1/me
  expect_eq "$STATUS" 200 "GET /api/v1/me"
  expect_json .name "Ada Lovelace"
  as "$ACCESS_TOKEN" GET /api/v1/auth/sessions
  expect_json '.sessions[0].user_agent' compozy-test/1.0
  expect_json '.sessions[0].current' true
  refresh "$REFRESH_TOKEN"
  expect_eq "$STATUS" 200 "a refresh"
  expect_header Pragma no-cache
  local refreshed_access
  refreshed_access=$(json .access_token)

  start_device_flow
  expect_json .verification_uri "$DEVCLOUD_URL/device"
  poll
  expect_eq "$STATUS $(json .error)" "400 authorization_pending" "the first poll"
  expect_request 200 POST "$DEVCLOUD_URL/device/decision" --data-urlencode "user_code=$USER_CODE" -d decision=approve
  poll
  expect_eq "$STATUS" 200 "the poll after approval"
  as "$(json .access_token)" GET /api/v1/me
  local device_session
  device_session=$(json .credential.id)

  expect_request 200 POST "$DEVCLOUD_URL/oauth/revoke" --data-urlencode "token=$ACCESS_TOKEN"
  expect_eq "$(wc -c <"$BODY")" 0 "the revocation response body size"
  as "$refreshed_access" DELETE "/api/v1/auth/sessions/$device_session"
  expect_eq "$STATUS" 204 "DELETE /api/v1/auth/sessions/ID"
  as "$refreshed_access" POST /api/v1/auth/sessions/revoke-all
  expect_eq "$STATUS" 200 "POST /api/v1/auth/sessions/revoke-all"
  expect_json .revoked 1
  as "$refreshed_access" GET /api/v1/me
  expect_eq "$STATUS" 401 "a token of a revoked session"
  expect_header WWW-Authenticate "Bearer realm=\"compozy-devcloud\", error=\"invalid_token\", \
error_description=\"the access token is unknown, expired or revoked\""
}

# What httplib answers before any route runs gets the same JSON shape as the routes' errors.
test_malformed_http_gets_json_errors() {
  start_devcloud_with_shared_key || return
  local token_url="$DEVCLOUD_URL/oauth/token"
  head -c 70000 /dev/zero | tr '\0' a >"$TEST_DIR/big"
  expect_oauth_error 413 invalid_request POST "$token_url" --data-binary "@$TEST_DIR/big"
  expect_json .error_description "the request body is larger than 64 KiB"
  expect_oauth_error 413 invalid_request POST "$token_url" -H "Transfer-Encoding: chunked" \
    --data-binary "@$TEST_DIR/big"
  # Form bodies up to the cap are read (httplib alone would stop at 8 KiB).
  { printf 'grant_type=refresh_token&padding='; head -c 20000 /dev/zero | tr '\0' a; } >"$TEST_DIR/medium"
  expect_oauth_error 401 invalid_client POST "$token_url" --data-binary "@$TEST_DIR/medium"
  expect_json .error_description "client_id is missing"
  # httplib reads multipart bodies itself; the route still refuses them.
  expect_oauth_error 400 invalid_request POST "$token_url" -F grant_type=refresh_token
  expect_oauth_error 405 method_not_allowed TRACE "$DEVCLOUD_URL/oauth/userinfo"
  expect_request 204 OPTIONS "$token_url"
  expect_header Allow "POST, OPTIONS"
  expect_oauth_error 404 not_found GET "$DEVCLOUD_URL/$(head -c 600 /dev/zero | tr '\0' a)"
  expect_oauth_error 414 invalid_request GET "$DEVCLOUD_URL/?q=$(head -c 9000 /dev/zero | tr '\0' a)"

  local answer port=${DEVCLOUD_URL##*:}
  exec 3<>"/dev/tcp/127.0.0.1/$port"
  printf 'NONSENSE\r\n\r\n' >&3
  # Up to the end of the JSON body: the server keeps the connection open, so reading to EOF would wait.
  IFS= read -r -d '}' -t 5 answer <&3
  answer=${answer//$'\r'/}
  exec 3<&-
  case $answer in
    "HTTP/1.1 400 Bad Request"*invalid_request*) ;;
    *) fail "a garbage request line got '${answer:0:200}'" ;;
  esac
  # No DNS rebinding: only loopback names and --public-host are answered.
  expect_oauth_error 400 invalid_request GET "$DEVCLOUD_URL/.well-known/openid-configuration" -H "Host: evil.example"
  expect_header Connection close
  expect_request 200 GET "$DEVCLOUD_URL/.well-known/openid-configuration" -H "Host: localhost:$port"
  expect_request 200 GET "$DEVCLOUD_URL/.well-known/openid-configuration" -H "Range: bytes=0-5"
  expect_json .issuer "$DEVCLOUD_URL"
  kill -0 "$DEVCLOUD_PID" || fail "compozy-devcloud died"
}

test_the_log_has_one_line_per_request_and_no_secrets() {
  start_devcloud_with_shared_key --device-interval 1 || return
  sign_in nonce=secret-nonce
  local secrets=("$CODE" "$VERIFIER" "$ACCESS_TOKEN" "$REFRESH_TOKEN" "$ID_TOKEN")
  refresh "$REFRESH_TOKEN"
  secrets+=("$(json .access_token)" "$(json .refresh_token)")
  start_device_flow
  secrets+=("$DEVICE_CODE" "$USER_CODE")
  expect_request 200 GET "$DEVCLOUD_URL/device?user_code=$USER_CODE"
  expect_request 200 POST "$DEVCLOUD_URL/device/decision" --data-urlencode "user_code=$USER_CODE" -d decision=approve
  poll
  secrets+=("$(json .access_token)")
  expect_request 200 POST "$DEVCLOUD_URL/settings/api-keys" -d name=ci
  secrets+=("$(new_api_key)")
  expect_request 200 POST "$DEVCLOUD_URL/oauth/revoke" --data-urlencode "token=${secrets[2]}"
  request POST "$DEVCLOUD_URL/oauth/token" -d client_id=compozy-cli --data-urlencode "grant_type=${secrets[3]}"
  stop_devcloud  # every line is written

  local secret
  for secret in "${secrets[@]}"; do
    [ ${#secret} -ge 8 ] || { fail "a secret of the test is empty"; continue; }
    grep -qF -- "$secret" "$DEVCLOUD_LOG" && fail "the log contains the secret '$secret'"
  done
  grep -q 'secret-nonce\|state-123' "$DEVCLOUD_LOG" && fail "the log contains a query string"
  expect_eq "$(head -n 1 "$DEVCLOUD_LOG")" "compozy-devcloud listening on $DEVCLOUD_URL" "the first line"
  local bad_lines
  bad_lines=$(tail -n +2 "$DEVCLOUD_LOG" |
    grep -Evx '(GET|POST|DELETE) /[^ ?]*( grant_type=[a-z_:-]+)? [0-9]{3} [0-9]+\.[0-9]{2}ms')
  expect_eq "$bad_lines" "" "log lines not of the form 'METHOD PATH[ grant_type=…] STATUS DURATIONms'"
  expect_file_has "$DEVCLOUD_LOG" "POST /oauth/token grant_type=authorization_code 200 "
  expect_file_has "$DEVCLOUD_LOG" "POST /oauth/token grant_type=refresh_token 200 "
  expect_file_has "$DEVCLOUD_LOG" "POST /oauth/token grant_type=urn:ietf:params:oauth:grant-type:device_code 200 "
  expect_file_has "$DEVCLOUD_LOG" "POST /oauth/token grant_type=unsupported 400 "
  expect_file_has "$DEVCLOUD_LOG" "GET /device 200 "
}

# The signing key too: this case lets devcloud make its own.
test_state_file_keeps_sessions_keys_and_the_signing_key_across_a_restart() {
  local state="$TEST_DIR/devcloud-state.json"
  start_devcloud --state "$state" --user keep@example.com || return
  sign_in
  local access=$ACCESS_TOKEN refresh_token=$REFRESH_TOKEN
  expect_request 200 POST "$DEVCLOUD_URL/settings/api-keys" -d name=deploys
  local key kid
  key=$(new_api_key)
  expect_request 200 GET "$DEVCLOUD_URL/oauth/jwks"
  kid=$(json '.keys[0].kid')
  local port=${DEVCLOUD_URL##*:}
  stop_devcloud

  expect_eq "$(stat -c %a "$state")" 600 "the state file's mode"
  local secret
  for secret in "$access" "$refresh_token" "$key" "$CODE"; do
    grep -qF -- "$secret" "$state" && fail "the state file holds a secret in plain form"
  done

  start_devcloud --state "$state" --user keep@example.com --port "$port" || return
  expect_eq "$DEVCLOUD_URL" "http://127.0.0.1:$port" "the URL after the restart"
  as "$access" GET /api/v1/me
  expect_eq "$STATUS" 200 "the access token after a restart"
  as "$key" GET /api/v1/me
  expect_eq "$STATUS" 200 "the API key after a restart"
  refresh "$refresh_token"
  expect_eq "$STATUS" 200 "the refresh token after a restart"
  expect_request 200 GET "$DEVCLOUD_URL/oauth/jwks"
  expect_json '.keys[0].kid' "$kid"
}

# The state file is written a moment after a change, never for a refusal or a read
# (each write replaces the file: a new inode); SIGTERM writes what is still pending.
test_state_is_written_after_changes_only_and_at_sigterm() {
  local state="$TEST_DIR/devcloud-state.json"
  start_devcloud_with_shared_key --state "$state" --user keep@example.com || return
  sign_in
  sleep 0.5
  local written
  written=$(stat -c '%i %y' "$state")
  refresh made-up-token
  expect_eq "$STATUS" 400 "a made-up refresh token"
  as made-up-token GET /api/v1/me
  expect_eq "$STATUS" 401 "a made-up access token"
  as "$ACCESS_TOKEN" GET /api/v1/me
  expect_eq "$STATUS" 200 "a read"
  expect_request 200 GET "$DEVCLOUD_URL/.well-known/openid-configuration"
  sleep 0.5
  expect_eq "$(stat -c '%i %y' "$state")" "$written" "the state file after refusals and reads"

  refresh "$REFRESH_TOKEN"
  expect_eq "$STATUS" 200 "a refresh just before SIGTERM"
  local rotated
  rotated=$(json .refresh_token)
  kill -TERM "$DEVCLOUD_PID"
  local status=0
  wait "$DEVCLOUD_PID" || status=$?
  expect_eq "$status" 0 "the exit status after SIGTERM"
  start_devcloud_with_shared_key --state "$state" --user keep@example.com || return
  refresh "$rotated"
  expect_eq "$STATUS" 200 "the refresh token issued just before SIGTERM, after a restart"
}

test_a_state_file_that_cannot_be_used_stops_the_start() {
  local state="$TEST_DIR/state.json"
  printf 'not json' >"$state"
  expect_status 1 "$DEVCLOUD" --state "$state"
  expect_stderr_is "compozy-devcloud: error: reading state file '$state': not valid JSON"
  expect_status 1 "$DEVCLOUD" --signing-key "$(shared_signing_key)" --state "$TEST_DIR/missing-folder/state.json"
  expect_stderr_has "compozy-devcloud: error: writing '$TEST_DIR/missing-folder/state.json': "
}

test_discovery_option_serves_only_the_chosen_document() {
  start_devcloud_with_shared_key --discovery oauth || return
  expect_request 200 GET "$DEVCLOUD_URL/.well-known/oauth-authorization-server"
  expect_oauth_error 404 not_found GET "$DEVCLOUD_URL/.well-known/openid-configuration"
  stop_devcloud
  start_devcloud_with_shared_key --discovery openid || return
  expect_request 200 GET "$DEVCLOUD_URL/.well-known/openid-configuration"
  expect_oauth_error 404 not_found GET "$DEVCLOUD_URL/.well-known/oauth-authorization-server"
}

test_without_compozy_api_serves_only_standard_endpoints() {
  start_devcloud_with_shared_key --without-compozy-api || return
  sign_in
  as "$ACCESS_TOKEN" GET /oauth/userinfo
  expect_eq "$STATUS" 200 "userinfo without the Compozy API"
  as "$ACCESS_TOKEN" GET /api/v1/me
  expect_eq "$STATUS $(json .error)" "404 not_found" "/api/v1/me without the Compozy API"
  expect_oauth_error 404 not_found GET "$DEVCLOUD_URL/settings/api-keys"
}

test_tls_with_a_throwaway_certificate_authority() {
  # EC keys: as good a test of TLS as RSA, and made in no time.
  local pki="$TEST_DIR/pki" ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
  mkdir -p "$pki"
  openssl req -x509 "${ec[@]}" -days 1 -subj "/CN=compozy test CA" \
    -keyout "$pki/ca.key" -out "$pki/ca.pem" 2>/dev/null || { fail "could not make a CA"; return; }
  openssl req "${ec[@]}" -subj "/CN=localhost" -keyout "$pki/server.key" \
    -out "$pki/server.csr" 2>/dev/null || { fail "could not make a certificate request"; return; }
  printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >"$pki/san.cnf"
  openssl x509 -req -in "$pki/server.csr" -CA "$pki/ca.pem" -CAkey "$pki/ca.key" -CAcreateserial -days 1 \
    -extfile "$pki/san.cnf" -out "$pki/server.pem" 2>/dev/null || { fail "could not sign the certificate"; return; }

  start_devcloud_with_shared_key --public-host localhost --tls-cert "$pki/server.pem" --tls-key "$pki/server.key" ||
    return
  case $DEVCLOUD_URL in
    https://localhost:[0-9]*) ;;
    *) fail "the listening line names '$DEVCLOUD_URL', expected https://localhost:PORT" ;;
  esac
  local port=${DEVCLOUD_URL##*:}
  expect_request 200 GET "$DEVCLOUD_URL/.well-known/openid-configuration" --cacert "$pki/ca.pem" \
    --resolve "localhost:$port:127.0.0.1"
  expect_json .issuer "$DEVCLOUD_URL"
  expect_json .token_endpoint "$DEVCLOUD_URL/oauth/token"
  request GET "$DEVCLOUD_URL/.well-known/openid-configuration" --resolve "localhost:$port:127.0.0.1"
  expect_eq "$STATUS" 000 "a request that does not trust the throwaway CA"
  request GET "http://127.0.0.1:$port/.well-known/openid-configuration"
  [ "$STATUS" != 200 ] || fail "plain HTTP was answered on the TLS port"
  expect_request 200 POST "$DEVCLOUD_URL/oauth/device" --cacert "$pki/ca.pem" --resolve "localhost:$port:127.0.0.1" \
    -d client_id=compozy-cli -d scope=openid
  expect_json .verification_uri "$DEVCLOUD_URL/device"
  expect_status 1 "$DEVCLOUD" --signing-key "$(shared_signing_key)" --tls-cert "$pki/server.pem" \
    --tls-key "$pki/ca.key"
  expect_stderr_has "compozy-devcloud: error: loading TLS certificate"
}

# Each usage error and its wording is unit-tested (tests/unit/devcloud_options_test.cpp);
# here, that main prints them and exits as the README says.
test_command_line() {
  expect_status 0 "$DEVCLOUD" --help
  expect_stdout_has "usage: compozy-devcloud [--port N]"
  expect_status 0 "$DEVCLOUD" --version
  expect_stdout_has "compozy-devcloud version "
  expect_status 2 "$DEVCLOUD" --no-such-option
  expect_stderr_is "compozy-devcloud: error: unknown option '--no-such-option'"
  expect_status 1 "$DEVCLOUD" --signing-key "$TEST_DIR/no-such-key.pem"
  expect_stderr_is "compozy-devcloud: error: reading signing key '$TEST_DIR/no-such-key.pem': no such file"

  start_devcloud_with_shared_key || return
  expect_status 1 "$DEVCLOUD" --signing-key "$(shared_signing_key)" --port "${DEVCLOUD_URL##*:}"
  expect_stderr_is "compozy-devcloud: error: cannot listen on 127.0.0.1:${DEVCLOUD_URL##*:}: Address already in use"
}

test_signals_stop_the_server_cleanly() {
  local signal status
  for signal in INT TERM; do
    start_devcloud_with_shared_key || return
    kill -s "$signal" "$DEVCLOUD_PID"
    status=0
    wait "$DEVCLOUD_PID" || status=$?
    expect_eq "$status" 0 "the exit status after SIG$signal"
  done
  # A signal straight after the listening line must not be lost.
  "$DEVCLOUD" --signing-key "$(shared_signing_key)" >"$TEST_DIR/quick.log" 2>&1 &
  local pid=$! tries=0
  until grep -q listening "$TEST_DIR/quick.log" || [ $((tries += 1)) -gt 500 ]; do sleep 0.01; done
  kill -s TERM "$pid"
  status=0
  wait "$pid" || status=$?
  expect_eq "$status" 0 "the exit status after an early SIGTERM"
}

# What only a socket shows of the fault switches (devcloud/README.md); the specs
# and the rewritten answers are unit tests, the client against each is faults.sh.
test_fault_switches_answer_on_the_wire_and_only_when_asked_for() {
  start_devcloud_with_shared_key || return
  expect_oauth_error 404 not_found POST "$DEVCLOUD_URL/_faults" -d fault=drop
  stop_devcloud

  start_devcloud_with_shared_key --faults --fault "status=503,retry-after=7,path=/oauth/jwks,times=1" || return
  expect_request 503 GET "$DEVCLOUD_URL/oauth/jwks"
  expect_header Retry-After 7
  expect_request 200 GET "$DEVCLOUD_URL/oauth/jwks"
  expect_oauth_error 400 invalid_request POST "$DEVCLOUD_URL/_faults" -d fault=explode

  expect_request 200 POST "$DEVCLOUD_URL/_faults" --data-urlencode "fault=drop,path=/oauth/jwks,times=1"
  request GET "$DEVCLOUD_URL/oauth/jwks"
  expect_eq "$STATUS" 000 "curl's verdict on a body cut off before its Content-Length"
  expect_request 200 POST "$DEVCLOUD_URL/_faults" --data-urlencode "fault=trickle,path=/oauth/jwks,times=1"
  request GET "$DEVCLOUD_URL/oauth/jwks" --max-time 1.5
  [ "$(wc -c <"$BODY")" -le 2 ] || fail "a trickle sent $(wc -c <"$BODY") bytes in 1.5 s"

  # A stop does not wait for a delay (nor a trickle) to run out.
  expect_request 200 POST "$DEVCLOUD_URL/_faults" --data-urlencode "fault=delay=60,path=/oauth/jwks"
  curl --silent --noproxy '*' --max-time 30 -H 'Connection: close' "$DEVCLOUD_URL/oauth/jwks" >/dev/null &
  local client=$! started
  sleep 0.3
  started=$(date +%s%3N)
  stop_devcloud
  [ $(($(date +%s%3N) - started)) -lt 3000 ] || fail "stopping devcloud waited for the delay"
  wait "$client"
  expect_file_has "$DEVCLOUD_LOG" "GET /oauth/jwks fault=status 503 "
  expect_file_has "$DEVCLOUD_LOG" "GET /oauth/jwks fault=drop 200 "
  expect_file_has "$DEVCLOUD_LOG" "GET /oauth/jwks fault=delay 200 "
}

run_tests "$@"

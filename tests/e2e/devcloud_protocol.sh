#!/usr/bin/env bash
# compozy-devcloud at the protocol level: the OAuth 2.0 / OpenID Connect endpoints and
# the account API, driven with curl against the running executable.
. "$(dirname "$0")/../support/lib.sh"
. "$SUPPORT_DIR/devcloud.sh"

# Polls of the device flow in these tests come faster than a person approves.
DEVICE_GRANT=urn:ietf:params:oauth:grant-type:device_code

test_both_metadata_documents_describe_every_endpoint() {
  start_devcloud || return
  expect_request 200 GET "$DEVCLOUD_URL/.well-known/oauth-authorization-server"
  expect_header Content-Type application/json
  cp "$BODY" "$TEST_DIR/oauth.json"
  expect_json .issuer "$DEVCLOUD_URL"
  expect_json .authorization_endpoint "$DEVCLOUD_URL/oauth/authorize"
  expect_json .token_endpoint "$DEVCLOUD_URL/oauth/token"
  expect_json .device_authorization_endpoint "$DEVCLOUD_URL/oauth/device"
  expect_json .revocation_endpoint "$DEVCLOUD_URL/oauth/revoke"
  expect_json .userinfo_endpoint "$DEVCLOUD_URL/oauth/userinfo"
  expect_json .jwks_uri "$DEVCLOUD_URL/oauth/jwks"
  expect_json '.response_types_supported | join(",")' code
  expect_json '.grant_types_supported | join(",")' \
    "authorization_code,refresh_token,urn:ietf:params:oauth:grant-type:device_code"
  expect_json '.code_challenge_methods_supported | join(",")' S256
  expect_json '.token_endpoint_auth_methods_supported | join(",")' none
  expect_json '.revocation_endpoint_auth_methods_supported | join(",")' none
  expect_json '.scopes_supported | join(",")' "openid,email,profile,offline_access"
  expect_json '.subject_types_supported | join(",")' public
  expect_json '.id_token_signing_alg_values_supported | join(",")' RS256
  expect_json '.claims_supported | index("email") != null' true
  expect_json .authorization_response_iss_parameter_supported true
  expect_request 200 GET "$DEVCLOUD_URL/.well-known/openid-configuration"
  expect_eq "$(jq -S . "$BODY")" "$(jq -S . "$TEST_DIR/oauth.json")" "the OpenID Connect document"
}

test_discovery_option_serves_only_the_chosen_document() {
  start_devcloud --discovery oauth || return
  expect_request 200 GET "$DEVCLOUD_URL/.well-known/oauth-authorization-server"
  expect_oauth_error 404 not_found GET "$DEVCLOUD_URL/.well-known/openid-configuration"
  stop_devcloud
  start_devcloud --discovery openid || return
  expect_request 200 GET "$DEVCLOUD_URL/.well-known/openid-configuration"
  expect_json .issuer "$DEVCLOUD_URL"
  expect_oauth_error 404 not_found GET "$DEVCLOUD_URL/.well-known/oauth-authorization-server"
}

test_code_flow_with_pkce_issues_tokens_and_a_signed_id_token() {
  start_devcloud --user ada.lovelace@example.com || return
  authorize nonce=nonce-42 state="a b&c=d"
  expect_eq "$(query_param "$LOCATION" state)" "a b&c=d" "state in the redirect"
  expect_eq "$(query_param "$LOCATION" iss)" "$DEVCLOUD_URL" "iss in the redirect (RFC 9207)"
  expect_eq "${LOCATION%%\?*}" "$REDIRECT_URI" "the redirect target"
  redeem_code -A "compozy-test/1.0"
  expect_header Content-Type application/json
  expect_header Cache-Control no-store
  expect_header Pragma no-cache
  expect_json .token_type Bearer
  expect_json .expires_in 3600
  expect_json .scope "openid email profile offline_access"
  [ ${#ACCESS_TOKEN} -ge 43 ] || fail "the access token '$ACCESS_TOKEN' is too short to be random"
  [ ${#REFRESH_TOKEN} -ge 43 ] || fail "no refresh token for offline_access"
  [ "$ACCESS_TOKEN" != "$REFRESH_TOKEN" ] || fail "the access and refresh tokens are the same"

  jwt_part "$ID_TOKEN" 2 >"$TEST_DIR/claims.json"
  jwt_part "$ID_TOKEN" 1 >"$TEST_DIR/jose.json"
  expect_request 200 GET "$DEVCLOUD_URL/oauth/jwks"
  cp "$BODY" "$TEST_DIR/jwks.json"
  expect_json '.keys[0].kty' RSA
  expect_json '.keys[0].alg' RS256
  expect_eq "$(jq -r .alg "$TEST_DIR/jose.json")" RS256 "the ID token's alg"
  expect_eq "$(jq -r .kid "$TEST_DIR/jose.json")" "$(json '.keys[0].kid')" "the ID token's kid"
  verify_jwt "$ID_TOKEN" "$TEST_DIR/jwks.json" || fail "the ID token's signature does not verify with the JWK set"
  local forged_claims
  forged_claims=$(jq -c '.email = "mallory@example.com"' "$TEST_DIR/claims.json" | base64url)
  verify_jwt "${ID_TOKEN%%.*}.$forged_claims.${ID_TOKEN##*.}" "$TEST_DIR/jwks.json" &&
    fail "an ID token with forged claims verifies"

  BODY="$TEST_DIR/claims.json"
  expect_json .iss "$DEVCLOUD_URL"
  expect_json .aud compozy-cli
  expect_json .nonce nonce-42
  expect_json .email ada.lovelace@example.com
  expect_json .email_verified true
  expect_json .name "Ada Lovelace"
  expect_json '.sub | startswith("usr_")' true
  expect_json '.exp - .iat' 3600
  expect_json '(.auth_time | type)' number
  local subject
  subject=$(json .sub)

  as "$ACCESS_TOKEN" GET /api/v1/me
  expect_eq "$STATUS" 200 "GET /api/v1/me"
  expect_json .id "$subject"
  expect_json .email ada.lovelace@example.com
  expect_json .credential.type session
  expect_json '.credential.scopes | join(" ")' "openid email profile offline_access"
  expect_json '.credential.expires_at | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$")' true
}

test_a_wrong_code_verifier_is_refused() {
  start_devcloud || return
  authorize
  local right=$VERIFIER
  VERIFIER=$(head -c 32 /dev/urandom | base64url)
  expect_oauth_error 400 invalid_grant POST "$DEVCLOUD_URL/oauth/token" -d grant_type=authorization_code \
    -d client_id=compozy-cli --data-urlencode "code=$CODE" --data-urlencode "redirect_uri=$REDIRECT_URI" \
    --data-urlencode "code_verifier=$VERIFIER"
  expect_json .error_description "code_verifier does not match the code_challenge"
  expect_oauth_error 400 invalid_request POST "$DEVCLOUD_URL/oauth/token" -d grant_type=authorization_code \
    -d client_id=compozy-cli --data-urlencode "code=$CODE" --data-urlencode "redirect_uri=$REDIRECT_URI"
  # A refused attempt does not burn the code: the client holding the verifier still gets its tokens.
  VERIFIER=$right
  redeem_code
}

test_a_code_is_bound_to_its_client_and_redirect_uri() {
  start_devcloud --client compozy-cli --client other-app || return
  authorize
  expect_oauth_error 400 invalid_grant POST "$DEVCLOUD_URL/oauth/token" -d grant_type=authorization_code \
    -d client_id=other-app --data-urlencode "code=$CODE" --data-urlencode "redirect_uri=$REDIRECT_URI" \
    --data-urlencode "code_verifier=$VERIFIER"
  expect_json .error_description "the authorization code was issued to another client"
  expect_oauth_error 400 invalid_grant POST "$DEVCLOUD_URL/oauth/token" -d grant_type=authorization_code \
    -d client_id=compozy-cli --data-urlencode "code=$CODE" \
    --data-urlencode "redirect_uri=http://127.0.0.1:9/other" --data-urlencode "code_verifier=$VERIFIER"
  expect_oauth_error 401 invalid_client POST "$DEVCLOUD_URL/oauth/token" -d grant_type=authorization_code \
    -d client_id=nobody --data-urlencode "code=$CODE"
  redeem_code
}

test_a_reused_code_is_refused_and_revokes_what_it_issued() {
  start_devcloud || return
  sign_in
  as "$ACCESS_TOKEN" GET /oauth/userinfo
  expect_eq "$STATUS" 200 "userinfo before the replay"
  expect_oauth_error 400 invalid_grant POST "$DEVCLOUD_URL/oauth/token" -d grant_type=authorization_code \
    -d client_id=compozy-cli --data-urlencode "code=$CODE" --data-urlencode "redirect_uri=$REDIRECT_URI" \
    --data-urlencode "code_verifier=$VERIFIER"
  expect_json .error_description "the authorization code was already used; the tokens issued for it are revoked"
  as "$ACCESS_TOKEN" GET /oauth/userinfo
  expect_eq "$STATUS" 401 "userinfo with the access token of a replayed code"
  refresh "$REFRESH_TOKEN"
  expect_eq "$STATUS" 400 "refreshing the session of a replayed code"
  expect_json .error invalid_grant
}

test_refresh_rotates_the_refresh_token() {
  start_devcloud || return
  sign_in
  local first_access=$ACCESS_TOKEN first_refresh=$REFRESH_TOKEN
  refresh "$first_refresh" -A "compozy-test/2.0"
  expect_eq "$STATUS" 200 "the first refresh"
  expect_header Cache-Control no-store
  expect_json .token_type Bearer
  expect_json .scope "openid email profile offline_access"
  local second_access second_refresh
  second_access=$(json .access_token) second_refresh=$(json .refresh_token)
  [ -n "$second_refresh" ] && [ "$second_refresh" != "$first_refresh" ] || fail "the refresh token did not rotate"
  [ "$second_access" != "$first_access" ] || fail "the access token did not change"
  expect_json '.id_token | length > 0' true
  jwt_part "$(json .id_token)" 2 >"$TEST_DIR/claims.json"
  expect_eq "$(jq -r '.nonce // "none"' "$TEST_DIR/claims.json")" none "the nonce in a refreshed ID token"
  as "$second_access" GET /api/v1/me
  expect_eq "$STATUS" 200 "the new access token"

  # A narrower scope applies to the new access token only (RFC 6749 §6).
  refresh "$second_refresh" -d "scope=openid"
  expect_eq "$STATUS" 200 "a refresh with a narrower scope"
  expect_json .scope openid
  local narrow_access=$(json .access_token) third_refresh=$(json .refresh_token)
  as "$narrow_access" GET /oauth/userinfo
  expect_json 'keys | join(",")' sub
  refresh "$third_refresh" -d "scope=openid email"
  expect_json .scope "openid email"
  refresh "$(json .refresh_token)" -d "scope=openid admin"
  expect_eq "$STATUS" 400 "a refresh asking for an unknown scope"
  expect_json .error invalid_scope
  expect_eq "$(grep -c 'grant_type=refresh_token 200' "$DEVCLOUD_LOG")" 3 "refreshes counted in the log"
}

test_a_reused_refresh_token_ends_the_whole_session() {
  start_devcloud || return
  sign_in
  local old_refresh=$REFRESH_TOKEN old_access=$ACCESS_TOKEN
  refresh "$old_refresh"
  local new_refresh new_access
  new_refresh=$(json .refresh_token) new_access=$(json .access_token)
  as "$new_access" GET /api/v1/auth/sessions
  expect_json '.sessions | length' 1
  refresh "$old_refresh"
  expect_eq "$STATUS" 400 "presenting a used refresh token"
  expect_json .error invalid_grant
  expect_json .error_description "the refresh token was already used; the session is revoked"
  # RFC 9700 §4.14.2: the thief and the client lose the session alike.
  refresh "$new_refresh"
  expect_json .error invalid_grant
  as "$new_access" GET /api/v1/me
  expect_eq "$STATUS" 401 "the newest access token of the revoked session"
  as "$old_access" GET /api/v1/me
  expect_eq "$STATUS" 401 "the first access token of the revoked session"
  expect_header WWW-Authenticate "Bearer realm=\"compozy-devcloud\", error=\"invalid_token\", \
error_description=\"the access token is unknown, expired or revoked\""
}

start_device_flow() {  # [scope]
  expect_request 200 POST "$DEVCLOUD_URL/oauth/device" -d client_id=compozy-cli \
    --data-urlencode "scope=${1:-openid email offline_access}"
  DEVICE_CODE=$(json .device_code) USER_CODE=$(json .user_code)
}

poll() {
  request POST "$DEVCLOUD_URL/oauth/token" --data-urlencode "grant_type=$DEVICE_GRANT" -d client_id=compozy-cli \
    --data-urlencode "device_code=$DEVICE_CODE"
}

test_device_flow_goes_through_every_state() {
  start_devcloud --device-interval 1 || return
  start_device_flow
  expect_header Cache-Control no-store
  expect_json '.user_code | test("^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$")' true
  expect_json .verification_uri "$DEVCLOUD_URL/device"
  expect_json .verification_uri_complete "$DEVCLOUD_URL/device?user_code=$USER_CODE"
  expect_json .expires_in 600
  expect_json .interval 1
  [ ${#DEVICE_CODE} -ge 43 ] || fail "the device code '$DEVICE_CODE' is too short to be random"

  poll
  expect_eq "$STATUS $(json .error)" "400 authorization_pending" "the first poll"
  poll
  expect_eq "$STATUS $(json .error)" "400 slow_down" "a poll sooner than the interval"
  expect_json .error_description "polling too fast; wait 6 seconds between requests"

  # The person approves, typing the code in lower case and without its dash.
  local typed
  typed=$(printf '%s' "${USER_CODE//-/}" | tr 'A-Z' 'a-z')
  expect_request 200 GET "$DEVCLOUD_URL/device?user_code=$typed"
  expect_body_has 'action="/device/decision"'
  expect_request 200 POST "$DEVCLOUD_URL/device/decision" --data-urlencode "user_code=$typed" -d decision=approve
  expect_body_has "You can return to your terminal"

  poll
  expect_eq "$STATUS" 200 "the poll after approval"
  expect_json .token_type Bearer
  expect_json .scope "openid email offline_access"
  local access_token
  access_token=$(json .access_token)
  expect_json '.refresh_token | length > 0' true
  expect_json '.id_token | length > 0' true
  poll
  expect_eq "$STATUS $(json .error)" "400 invalid_grant" "a poll after the tokens were issued"
  as "$access_token" GET /oauth/userinfo
  expect_json .email developer@example.com
  expect_eq "$(grep -c "grant_type=$DEVICE_GRANT 200" "$DEVCLOUD_LOG")" 1 "device grants in the log"
}

test_device_flow_denied_and_expired() {
  start_devcloud --device-interval 1 --device-code-ttl 1 || return
  start_device_flow
  expect_json .expires_in 1
  local denied=$DEVICE_CODE
  expect_request 200 POST "$DEVCLOUD_URL/device/decision" --data-urlencode "user_code=$USER_CODE" -d decision=deny
  expect_body_has "Request denied"
  poll
  expect_eq "$STATUS $(json .error)" "400 access_denied" "polling a denied request"

  start_device_flow
  sleep 2.05
  poll
  expect_eq "$STATUS $(json .error)" "400 expired_token" "polling an expired device code"
  expect_request 404 GET "$DEVCLOUD_URL/device?user_code=$USER_CODE"
  DEVICE_CODE=$denied
  poll
  expect_eq "$STATUS $(json .error)" "400 expired_token" "polling the denied code after it expired"
  DEVICE_CODE=not-a-device-code
  poll
  expect_eq "$STATUS $(json .error)" "400 invalid_grant" "polling an unknown device code"
}

test_revocation_follows_rfc_7009() {
  start_devcloud || return
  sign_in
  # An access token alone: the session and its refresh token live on.
  expect_request 200 POST "$DEVCLOUD_URL/oauth/revoke" --data-urlencode "token=$ACCESS_TOKEN" \
    -d token_type_hint=access_token -d client_id=compozy-cli
  expect_eq "$(wc -c <"$BODY")" 0 "the revocation response body size"
  as "$ACCESS_TOKEN" GET /oauth/userinfo
  expect_eq "$STATUS" 401 "a revoked access token"
  refresh "$REFRESH_TOKEN"
  expect_eq "$STATUS" 200 "refreshing after the access token was revoked"
  local access=$(json .access_token) refresh_token=$(json .refresh_token)

  # A refresh token ends the session, whatever the (unsupported) hint says.
  expect_request 200 POST "$DEVCLOUD_URL/oauth/revoke" --data-urlencode "token=$refresh_token" \
    -d token_type_hint=something_else
  as "$access" GET /oauth/userinfo
  expect_eq "$STATUS" 401 "an access token of a session whose refresh token was revoked"
  refresh "$refresh_token"
  expect_json .error invalid_grant

  expect_request 200 POST "$DEVCLOUD_URL/oauth/revoke" -d token=never-issued
  expect_request 200 POST "$DEVCLOUD_URL/oauth/revoke" --data-urlencode "token=$refresh_token"
  expect_oauth_error 400 invalid_request POST "$DEVCLOUD_URL/oauth/revoke" -d client_id=compozy-cli
  expect_oauth_error 401 invalid_client POST "$DEVCLOUD_URL/oauth/revoke" -d token=x -d client_id=nobody
}

test_userinfo_follows_the_granted_scopes() {
  start_devcloud --user grace@example.com || return
  sign_in scope=openid
  expect_json .scope openid
  [ -z "$REFRESH_TOKEN" ] || fail "a refresh token without offline_access"
  as "$ACCESS_TOKEN" GET /oauth/userinfo
  expect_eq "$STATUS" 200 "userinfo with openid only"
  expect_json 'keys | join(",")' sub
  sign_in scope="openid email profile"
  as "$ACCESS_TOKEN" POST /oauth/userinfo
  expect_eq "$STATUS" 200 "userinfo by POST"
  expect_json .email grace@example.com
  expect_json .email_verified true
  expect_json .name Grace
  sign_in scope="email"
  [ -z "$ID_TOKEN" ] || fail "an ID token without the openid scope"

  expect_oauth_error 401 invalid_token GET "$DEVCLOUD_URL/oauth/userinfo"
  expect_eq "$(header_value WWW-Authenticate | cut -d, -f2)" ' error="invalid_token"' "the challenge"
  expect_oauth_error 401 invalid_token GET "$DEVCLOUD_URL/oauth/userinfo" -H "Authorization: Basic Zm9vOmJhcg=="
  expect_oauth_error 401 invalid_token GET "$DEVCLOUD_URL/oauth/userinfo" -H "Authorization: Bearer forged"
}

test_tokens_expire_after_their_ttl() {
  # Lifetimes count whole seconds, so a token of N seconds lives at least N, and less than N+1.
  start_devcloud --access-token-ttl 1 --refresh-token-ttl 3 || return
  sign_in
  expect_json .expires_in 1
  sleep 2.05
  as "$ACCESS_TOKEN" GET /api/v1/me
  expect_eq "$STATUS" 401 "an expired access token"
  refresh "$REFRESH_TOKEN"
  expect_eq "$STATUS" 200 "refreshing within the refresh token's lifetime"
  local access=$(json .access_token) refresh_token=$(json .refresh_token)
  as "$access" GET /api/v1/auth/sessions
  expect_json '.sessions | length' 1
  sleep 4.05
  refresh "$refresh_token"
  expect_eq "$STATUS $(json .error)" "400 invalid_grant" "refreshing an expired refresh token"
}

test_sessions_api_lists_and_revokes_the_callers_sessions() {
  start_devcloud --user ada@example.com --user bob@example.com || return
  USER_AGENT=first-client/1.0 SIGN_IN_ACCOUNT=ada@example.com sign_in
  local ada_first=$ACCESS_TOKEN
  USER_AGENT=second-client/2.0 SIGN_IN_ACCOUNT=ada@example.com sign_in
  local ada_second=$ACCESS_TOKEN
  SIGN_IN_ACCOUNT=bob@example.com sign_in
  local bob=$ACCESS_TOKEN

  as "$ada_second" GET /api/v1/auth/sessions
  expect_eq "$STATUS" 200 "listing sessions"
  expect_json '.sessions | length' 2
  expect_json '[.sessions[].user_agent] | sort | join(",")' "first-client/1.0,second-client/2.0"
  expect_json '[.sessions[] | select(.current) | .user_agent] | join(",")' "second-client/2.0"
  expect_json '[.sessions[].client_id] | unique | join(",")' compozy-cli
  expect_json '[.sessions[] | .created_at, .last_used_at, .expires_at | test("^[0-9-]{10}T[0-9:]{8}Z$")] | all' true
  expect_json '[.sessions[].id | startswith("ses_")] | all' true
  local first_id
  first_id=$(json '.sessions[] | select(.user_agent == "first-client/1.0") | .id')
  as "$bob" GET /api/v1/auth/sessions
  expect_json '.sessions | length' 1
  local bob_session
  bob_session=$(json '.sessions[0].id')

  as "$ada_second" DELETE "/api/v1/auth/sessions/$bob_session"
  expect_eq "$STATUS" 404 "deleting another account's session"
  expect_json .error not_found
  expect_json .error_description "no active session with id $bob_session"
  as "$bob" GET /api/v1/me
  expect_eq "$STATUS" 200 "the other account's token after the refused delete"
  as "$ada_second" DELETE /api/v1/auth/sessions/ses_unknown
  expect_json .error_description "no active session with id ses_unknown"

  as "$ada_second" DELETE "/api/v1/auth/sessions/$first_id"
  expect_eq "$STATUS" 204 "deleting one's own session"
  expect_eq "$(wc -c <"$BODY")" 0 "the 204 body size"
  as "$ada_first" GET /api/v1/me
  expect_eq "$STATUS" 401 "the token of the deleted session"
  as "$ada_second" DELETE "/api/v1/auth/sessions/$first_id"
  expect_eq "$STATUS" 404 "deleting an already revoked session"

  SIGN_IN_ACCOUNT=ada@example.com sign_in
  as "$ada_second" POST /api/v1/auth/sessions/revoke-all
  expect_eq "$STATUS" 200 "revoke-all"
  expect_json .revoked 2
  as "$ada_second" GET /api/v1/auth/sessions
  expect_eq "$STATUS" 401 "the caller's own token after revoke-all"
  as "$bob" GET /api/v1/auth/sessions
  expect_json '.sessions | length' 1
  expect_json '.sessions[0].current' true
}

test_non_loopback_redirect_uris_are_refused_without_redirecting() {
  start_devcloud || return
  new_pkce
  local uri
  for uri in "https://127.0.0.1:8000/callback" "http://localhost:8000/callback" "http://example.com/callback" \
    "http://127.0.0.2:8000/callback" "http://127.0.0.1:8000/callback#fragment" "/callback" \
    "http://user@127.0.0.1:8000/callback" "http://127.0.0.1.example.com/callback"; do
    expect_request 400 GET "$(authorize_url redirect_uri="$uri")"
    expect_eq "$(header_value Location)" "" "Location for redirect_uri '$uri'"
    expect_header Content-Type "text/html; charset=utf-8"
    expect_body_has "This sign-in link is not valid"
  done
  expect_request 400 GET "$(authorize_url -redirect_uri)"
  expect_eq "$(header_value Location)" "" "Location without a redirect_uri"
  expect_request 400 GET "$(authorize_url client_id=unknown-app)"
  expect_eq "$(header_value Location)" "" "Location for an unknown client"
  expect_body_has "is not a registered client"
  # IPv6 loopback and any port are fine (RFC 8252 §7.3).
  expect_request 200 GET "$(authorize_url redirect_uri="http://[::1]:61234/cb")"
  expect_request 200 GET "$(authorize_url redirect_uri="http://127.0.0.1:1/any/path?x=1")"
}

# expect_error_redirect ERROR [authorize params…]
expect_error_redirect() {
  local error=$1
  shift
  expect_request 302 GET "$(authorize_url state=s-1 "$@")"
  local location
  location=$(header_value Location)
  expect_eq "${location%%\?*}" "$REDIRECT_URI" "the error redirect target"
  expect_eq "$(query_param "$location" error)" "$error" "the error in the redirect"
  expect_eq "$(query_param "$location" state)" s-1 "the state in the error redirect"
  expect_eq "$(query_param "$location" iss)" "$DEVCLOUD_URL" "the iss in the error redirect"
  [ -n "$(query_param "$location" error_description)" ] || fail "no error_description in '$location'"
}

test_authorization_errors_go_back_to_the_client() {
  start_devcloud || return
  new_pkce
  expect_error_redirect unsupported_response_type response_type=token
  expect_error_redirect invalid_request -response_type
  expect_error_redirect invalid_request -code_challenge
  expect_error_redirect invalid_request code_challenge_method=plain
  expect_error_redirect invalid_request -code_challenge_method
  expect_error_redirect invalid_request code_challenge=short
  expect_error_redirect invalid_scope scope="openid admin"
  expect_error_redirect invalid_scope -scope
  expect_error_redirect consent_required prompt=none
  DECISION=deny authorize state=s-2
  expect_eq "$(query_param "$LOCATION" error)" access_denied "the error after Deny"
  expect_eq "$(query_param "$LOCATION" state)" s-2 "the state after Deny"
  expect_eq "$CODE" "" "a code after Deny"
  # RFC 6749 §3.1: a parameter given twice is refused.
  expect_request 302 GET "$(authorize_url)&scope=openid"
  expect_eq "$(query_param "$(header_value Location)" error)" invalid_request "a repeated parameter"
}

test_auto_approve_answers_without_a_page() {
  start_devcloud --auto-approve --user first@example.com --user second@example.com --device-interval 1 || return
  new_pkce
  expect_request 302 GET "$(authorize_url login_hint=second@example.com prompt=none)"
  CODE=$(query_param "$(header_value Location)" code)
  redeem_code
  as "$ACCESS_TOKEN" GET /api/v1/me
  expect_json .email second@example.com
  sign_in
  as "$ACCESS_TOKEN" GET /api/v1/me
  expect_json .email first@example.com

  start_device_flow
  expect_request 200 GET "$DEVCLOUD_URL/device?user_code=$USER_CODE"
  expect_body_has "Device connected"
  poll
  expect_eq "$STATUS" 200 "polling an auto-approved device code"
}

test_malformed_requests_get_json_errors() {
  start_devcloud || return
  local token_url="$DEVCLOUD_URL/oauth/token"
  expect_oauth_error 400 invalid_request POST "$token_url" -H "Content-Type: application/json" \
    -d '{"grant_type":"refresh_token"}'
  expect_json .error_description "expected Content-Type application/x-www-form-urlencoded, not application/json"
  expect_oauth_error 400 invalid_request POST "$token_url" -H "Content-Type:"
  expect_oauth_error 400 invalid_request POST "$token_url" -F grant_type=refresh_token
  expect_oauth_error 400 invalid_request POST "$token_url" -d 'grant_type=%zz&client_id=compozy-cli'
  expect_oauth_error 400 invalid_request POST "$token_url" -d 'grant_type=%ff&client_id=compozy-cli'
  expect_oauth_error 400 invalid_request POST "$token_url" -d client_id=compozy-cli \
    -d grant_type=refresh_token -d grant_type=authorization_code
  expect_json .error_description "'grant_type' is given more than once"
  expect_oauth_error 400 invalid_request POST "$token_url" -d client_id=compozy-cli
  expect_oauth_error 400 unsupported_grant_type POST "$token_url" -d client_id=compozy-cli -d grant_type=password
  expect_oauth_error 401 invalid_client POST "$token_url" -d grant_type=refresh_token
  expect_oauth_error 400 invalid_request POST "$token_url" -d client_id=compozy-cli -d grant_type=refresh_token
  expect_oauth_error 400 invalid_request POST "$token_url" -d client_id=compozy-cli -d grant_type=authorization_code
  expect_oauth_error 400 invalid_scope POST "$DEVCLOUD_URL/oauth/device" -d client_id=compozy-cli -d scope=admin
  expect_oauth_error 401 invalid_client POST "$DEVCLOUD_URL/oauth/device" -d scope=openid

  expect_oauth_error 405 method_not_allowed GET "$token_url"
  expect_header Allow "POST, OPTIONS"
  expect_oauth_error 405 method_not_allowed PUT "$DEVCLOUD_URL/oauth/userinfo" -d x=1
  expect_oauth_error 405 method_not_allowed TRACE "$DEVCLOUD_URL/oauth/userinfo"
  expect_oauth_error 404 not_found GET "$DEVCLOUD_URL/no/such/endpoint"
  expect_oauth_error 404 not_found DELETE "$DEVCLOUD_URL/oauth"
  expect_oauth_error 404 not_found GET "$DEVCLOUD_URL/$(head -c 600 /dev/zero | tr '\0' a)"
  expect_oauth_error 414 invalid_request GET "$DEVCLOUD_URL/?q=$(head -c 9000 /dev/zero | tr '\0' a)"

  head -c 70000 /dev/zero | tr '\0' a >"$TEST_DIR/big"
  expect_oauth_error 413 invalid_request POST "$token_url" --data-binary "@$TEST_DIR/big"
  expect_json .error_description "the request body is larger than 64 KiB"
  expect_oauth_error 413 invalid_request POST "$token_url" -H "Transfer-Encoding: chunked" \
    --data-binary "@$TEST_DIR/big"
  # Form bodies up to the cap are read (httplib alone would stop at 8 KiB).
  { printf 'grant_type=refresh_token&padding='; head -c 20000 /dev/zero | tr '\0' a; } >"$TEST_DIR/medium"
  expect_oauth_error 401 invalid_client POST "$token_url" --data-binary "@$TEST_DIR/medium"
  expect_json .error_description "client_id is missing"

  local answer port=${DEVCLOUD_URL##*:}
  exec 3<>"/dev/tcp/127.0.0.1/$port"
  printf 'NONSENSE\r\n\r\n' >&3
  answer=$(timeout 1 cat <&3 | tr -d '\r')
  exec 3<&-
  case $answer in
    "HTTP/1.1 400 Bad Request"*invalid_request*) ;;
    *) fail "a garbage request line got '${answer:0:200}'" ;;
  esac
  expect_oauth_error 400 invalid_request GET "$DEVCLOUD_URL/.well-known/openid-configuration" -H "Host: evil.example"
  expect_request 200 GET "$DEVCLOUD_URL/.well-known/openid-configuration" -H "Range: bytes=0-5"
  expect_json .issuer "$DEVCLOUD_URL"
  expect_request 204 OPTIONS "$token_url"
  expect_header Allow "POST, OPTIONS"

  expect_request 200 GET "$DEVCLOUD_URL/.well-known/openid-configuration"
  kill -0 "$DEVCLOUD_PID" || fail "compozy-devcloud died"
}

test_the_log_has_one_line_per_request_and_no_secrets() {
  start_devcloud --device-interval 1 || return
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
  expect_file_has "$DEVCLOUD_LOG" "POST /oauth/token grant_type=urn:ietf:params:oauth:grant-type:device_code 200 "
  expect_file_has "$DEVCLOUD_LOG" "POST /oauth/token grant_type=unsupported 400 "
  expect_file_has "$DEVCLOUD_LOG" "GET /device 200 "
}

test_state_file_keeps_sessions_keys_and_the_signing_key_across_a_restart() {
  local state="$TEST_DIR/devcloud-state.json"
  start_devcloud --state "$state" --user keep@example.com || return
  sign_in
  local access=$ACCESS_TOKEN refresh_token=$REFRESH_TOKEN
  expect_request 200 POST "$DEVCLOUD_URL/settings/api-keys" -d name=deploys
  local key
  key=$(new_api_key)
  expect_request 200 GET "$DEVCLOUD_URL/oauth/jwks"
  local kid
  kid=$(json '.keys[0].kid')
  as "$access" GET /api/v1/me
  local account_id
  account_id=$(json .id)
  # A consent page and a device code left open across the restart.
  new_pkce
  expect_request 200 GET "$(authorize_url)"
  local request_id pending_verifier=$VERIFIER
  request_id=$(form_field request_id)
  start_device_flow
  local port=${DEVCLOUD_URL##*:}
  stop_devcloud

  expect_eq "$(stat -c %a "$state")" 600 "the state file's mode"
  local secret
  for secret in "$access" "$refresh_token" "$key" "$CODE"; do
    grep -qF -- "$secret" "$state" && fail "the state file holds a secret in plain form"
  done
  jq -e . "$state" >/dev/null || fail "the state file is not JSON"

  start_devcloud --state "$state" --user keep@example.com --port "$port" || return
  expect_eq "$DEVCLOUD_URL" "http://127.0.0.1:$port" "the URL after the restart"
  as "$access" GET /api/v1/me
  expect_eq "$STATUS" 200 "the access token after a restart"
  expect_json .id "$account_id"
  as "$key" GET /api/v1/me
  expect_eq "$STATUS" 200 "the API key after a restart"
  expect_json .credential.type api_key
  as "$access" GET /api/v1/auth/sessions
  expect_json '.sessions | length' 1
  refresh "$refresh_token"
  expect_eq "$STATUS" 200 "the refresh token after a restart"
  expect_request 200 GET "$DEVCLOUD_URL/oauth/jwks"
  expect_json '.keys[0].kid' "$kid"

  expect_request 302 POST "$DEVCLOUD_URL/oauth/authorize/decision" --data-urlencode "request_id=$request_id" \
    -d decision=approve
  CODE=$(query_param "$(header_value Location)" code) VERIFIER=$pending_verifier
  redeem_code
  expect_request 200 POST "$DEVCLOUD_URL/device/decision" --data-urlencode "user_code=$USER_CODE" -d decision=approve
  poll
  expect_eq "$STATUS" 200 "a device code approved after a restart"
}

test_a_malformed_state_file_is_refused() {
  local state="$TEST_DIR/state.json"
  printf '{"format": "something else"}' >"$state"
  expect_status 1 "$DEVCLOUD" --state "$state"
  expect_stderr_is "compozy-devcloud: error: reading state file '$state': not a compozy-devcloud state file"
  printf 'not json' >"$state"
  expect_status 1 "$DEVCLOUD" --state "$state"
  expect_stderr_is "compozy-devcloud: error: reading state file '$state': not valid JSON"
  expect_status 1 "$DEVCLOUD" --state "$TEST_DIR/missing-folder/state.json"
  expect_stderr_has "compozy-devcloud: error: writing '$TEST_DIR/missing-folder/state.json': "
}

test_without_compozy_api_serves_only_standard_endpoints() {
  start_devcloud --without-compozy-api || return
  sign_in
  as "$ACCESS_TOKEN" GET /oauth/userinfo
  expect_eq "$STATUS" 200 "userinfo without the Compozy API"
  as "$ACCESS_TOKEN" GET /api/v1/me
  expect_json .error not_found
  expect_eq "$STATUS" 404 "/api/v1/me without the Compozy API"
  expect_oauth_error 404 not_found GET "$DEVCLOUD_URL/settings/api-keys"
  expect_oauth_error 404 not_found POST "$DEVCLOUD_URL/api/v1/auth/sessions/revoke-all" \
    -H "Authorization: Bearer $ACCESS_TOKEN"
  expect_request 200 GET "$DEVCLOUD_URL/.well-known/oauth-authorization-server"
}

test_tls_with_a_throwaway_certificate_authority() {
  local pki="$TEST_DIR/pki"
  mkdir -p "$pki"
  openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=compozy test CA" \
    -keyout "$pki/ca.key" -out "$pki/ca.pem" 2>/dev/null || { fail "could not make a CA"; return; }
  openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout "$pki/server.key" \
    -out "$pki/server.csr" 2>/dev/null || { fail "could not make a certificate request"; return; }
  printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >"$pki/san.cnf"
  openssl x509 -req -in "$pki/server.csr" -CA "$pki/ca.pem" -CAkey "$pki/ca.key" -CAcreateserial -days 1 \
    -extfile "$pki/san.cnf" -out "$pki/server.pem" 2>/dev/null || { fail "could not sign the certificate"; return; }

  start_devcloud --public-host localhost --tls-cert "$pki/server.pem" --tls-key "$pki/server.key" || return
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
  expect_status 1 "$DEVCLOUD" --tls-cert "$pki/server.pem" --tls-key "$pki/ca.key"
  expect_stderr_has "compozy-devcloud: error: loading TLS certificate"
}

test_command_line() {
  expect_status 0 "$DEVCLOUD" --help
  expect_stdout_has "usage: compozy-devcloud [--port N]"
  expect_status 0 "$DEVCLOUD" --version
  expect_stdout_has "compozy-devcloud version "
  expect_status 2 "$DEVCLOUD" --no-such-option
  expect_stderr_is "compozy-devcloud: error: unknown option '--no-such-option'"
  expect_status 2 "$DEVCLOUD" --port 70000
  expect_stderr_is "compozy-devcloud: error: invalid value '70000' for --port: expected a whole number from 0 to 65535"
  expect_status 2 "$DEVCLOUD" --user not-an-email
  expect_stderr_is "compozy-devcloud: error: invalid --user 'not-an-email': expected an e-mail address"
  expect_status 2 "$DEVCLOUD" --tls-cert cert.pem
  expect_stderr_is "compozy-devcloud: error: --tls-cert needs --tls-key"
  expect_status 2 "$DEVCLOUD" --discovery webfinger
  expect_stderr_is "compozy-devcloud: error: invalid --discovery 'webfinger': expected both, oauth or openid"
  expect_status 2 "$DEVCLOUD" --access-token-ttl 0
  expect_status 2 "$DEVCLOUD" stray-argument
  expect_stderr_is "compozy-devcloud: error: unexpected argument 'stray-argument'"

  start_devcloud || return
  expect_status 1 "$DEVCLOUD" --port "${DEVCLOUD_URL##*:}"
  expect_stderr_is "compozy-devcloud: error: cannot listen on 127.0.0.1:${DEVCLOUD_URL##*:}: Address already in use"
}

test_signals_stop_the_server_cleanly() {
  local signal status
  for signal in INT TERM; do
    start_devcloud || return
    kill -s "$signal" "$DEVCLOUD_PID"
    status=0
    wait "$DEVCLOUD_PID" || status=$?
    expect_eq "$status" 0 "the exit status after SIG$signal"
  done
  # A signal straight after the listening line must not be lost.
  "$DEVCLOUD" >"$TEST_DIR/quick.log" 2>&1 &
  local pid=$! tries=0
  until grep -q listening "$TEST_DIR/quick.log" || [ $((tries += 1)) -gt 500 ]; do sleep 0.01; done
  kill -s TERM "$pid"
  status=0
  wait "$pid" || status=$?
  expect_eq "$status" 0 "the exit status after an early SIGTERM"
}

run_tests "$@"

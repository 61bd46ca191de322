#!/usr/bin/env bash
# compozy-devcloud as a person meets it: the consent and device pages, the
# "Settings › API Keys" dashboard, and tests/support/fake-browser, which plays that
# person in the client's login tests.
. "$(dirname "$0")/../support/lib.sh"
. "$SUPPORT_DIR/devcloud.sh"

FAKE_BROWSER="$SUPPORT_DIR/fake-browser"

expect_html_page() {  # expect_html_page: the headers every page carries
  expect_header Content-Type "text/html; charset=utf-8"
  expect_header X-Frame-Options DENY
  expect_header Cache-Control no-store
  case $(header_value Content-Security-Policy) in
    *"default-src 'none'"*"frame-ancestors 'none'"*) ;;
    *) fail "the page's Content-Security-Policy is '$(header_value Content-Security-Policy)'" ;;
  esac
}

test_consent_page_shows_the_app_the_account_and_the_scopes() {
  start_devcloud --user ada.lovelace@example.com || return
  new_pkce
  expect_request 200 GET "$(authorize_url scope="openid email profile offline_access")"
  expect_html_page
  expect_body_has "<title>Authorize compozy-cli"
  expect_body_has "<strong>compozy-cli</strong> wants to access your Compozy account"
  expect_body_has "Ada Lovelace"
  expect_body_has "ada.lovelace@example.com"
  expect_body_has '<input type="hidden" name="account" value="ada.lovelace@example.com">'
  expect_body_has "Confirm who you are"
  expect_body_has "See your e-mail address"
  expect_body_has "See your name"
  expect_body_has "Stay signed in until you sign out or revoke access"
  expect_body_has '<form method="post" action="/oauth/authorize/decision">'
  expect_body_has '<button type="submit" name="decision" value="approve" class="primary">Approve</button>'
  expect_body_has '<button type="submit" name="decision" value="deny" class="secondary">Deny</button>'
  expect_body_has "you will be sent back to <code>http://127.0.0.1:9</code>"
  local request_id
  request_id=$(form_field request_id)
  [ ${#request_id} -ge 43 ] || fail "the request_id '$request_id' is too short to be unguessable"

  # Only the scopes asked for are listed.
  expect_request 200 GET "$(authorize_url scope=openid)"
  expect_body_has "Confirm who you are"
  expect_body_lacks "See your e-mail address"
  expect_body_lacks "Stay signed in"
}

test_consent_page_escapes_what_the_request_carries() {
  start_devcloud --client '<script>alert(1)</script>' || return
  new_pkce
  expect_request 200 GET "$(authorize_url client_id='<script>alert(1)</script>')"
  expect_body_lacks "<script>"
  expect_body_has "&lt;script&gt;alert(1)&lt;/script&gt;"
}

test_consent_page_picks_among_several_accounts() {
  start_devcloud --user ada@example.com --user bob.smith@example.com || return
  new_pkce
  expect_request 200 GET "$(authorize_url login_hint=bob.smith@example.com)"
  expect_body_has '<select id="account" name="account">'
  expect_body_has '<option value="ada@example.com">Ada'
  expect_body_has '<option value="bob.smith@example.com" selected>Bob Smith'
  SIGN_IN_ACCOUNT=bob.smith@example.com sign_in
  as "$ACCESS_TOKEN" GET /api/v1/me
  expect_json .email bob.smith@example.com
  expect_json .name "Bob Smith"

  expect_request 200 GET "$(authorize_url)"
  expect_request 400 POST "$DEVCLOUD_URL/oauth/authorize/decision" \
    --data-urlencode "request_id=$(form_field request_id)" -d account=mallory@example.com -d decision=approve
  expect_body_has "is not an account here"
}

test_a_consent_request_is_answered_once() {
  start_devcloud || return
  new_pkce
  expect_request 200 GET "$(authorize_url)"
  local request_id
  request_id=$(form_field request_id)
  expect_request 302 POST "$DEVCLOUD_URL/oauth/authorize/decision" --data-urlencode "request_id=$request_id" \
    -d decision=approve
  expect_request 400 POST "$DEVCLOUD_URL/oauth/authorize/decision" --data-urlencode "request_id=$request_id" \
    -d decision=approve
  expect_html_page
  expect_body_has "This sign-in request cannot be answered"
  expect_body_has "this sign-in request has expired or was already answered"
  expect_request 400 POST "$DEVCLOUD_URL/oauth/authorize/decision" -d request_id=made-up -d decision=approve
  expect_request 400 POST "$DEVCLOUD_URL/oauth/authorize/decision" -d request_id=made-up -d decision=maybe
  expect_body_has "decision must be approve or deny"
}

test_forms_posted_from_another_origin_are_refused() {
  start_devcloud || return
  new_pkce
  expect_request 200 GET "$(authorize_url)"
  local request_id
  request_id=$(form_field request_id)
  expect_request 403 POST "$DEVCLOUD_URL/oauth/authorize/decision" -H "Origin: http://evil.example" \
    --data-urlencode "request_id=$request_id" -d decision=approve
  expect_body_has "Request blocked"
  expect_request 403 POST "$DEVCLOUD_URL/settings/api-keys" -H "Origin: http://127.0.0.1:1" -d name=stolen
  expect_request 403 POST "$DEVCLOUD_URL/device/decision" -H "Sec-Fetch-Site: cross-site" -d user_code=BCDF-GHJK \
    -d decision=approve
  # The page's own origin is fine, as a browser sends it.
  expect_request 302 POST "$DEVCLOUD_URL/oauth/authorize/decision" -H "Origin: $DEVCLOUD_URL" \
    -H "Sec-Fetch-Site: same-origin" --data-urlencode "request_id=$request_id" -d decision=approve
}

test_device_pages_take_a_code_and_an_answer() {
  start_devcloud --user ada@example.com --user bob@example.com --device-interval 1 || return
  expect_request 200 GET "$DEVCLOUD_URL/device"
  expect_html_page
  expect_body_has "Enter the code shown in your terminal."
  expect_body_has '<form method="get" action="/device">'
  expect_body_has 'name="user_code"'

  expect_request 400 GET "$DEVCLOUD_URL/device?user_code=AEIOU"
  expect_body_has "That does not look like a code"
  expect_request 404 GET "$DEVCLOUD_URL/device?user_code=BCDF-GHJK"
  expect_body_has "That code is unknown or has expired."

  expect_request 200 POST "$DEVCLOUD_URL/oauth/device" -d client_id=compozy-cli -d "scope=openid email"
  local user_code device_code
  user_code=$(json .user_code) device_code=$(json .device_code)
  expect_request 200 GET "$(json .verification_uri_complete)"
  expect_body_has '<form method="post" action="/device/decision">'
  expect_body_has "<div class=\"user-code\">$user_code</div>"
  expect_body_has "<input type=\"hidden\" name=\"user_code\" value=\"$user_code\">"
  expect_body_has '<option value="bob@example.com">'
  expect_body_has "See your e-mail address"
  expect_request 200 POST "$DEVCLOUD_URL/device/decision" --data-urlencode "user_code=$user_code" \
    -d account=bob@example.com -d decision=approve
  expect_body_has "Device connected"
  expect_body_has "You can return to your terminal"
  expect_request 400 GET "$DEVCLOUD_URL/device?user_code=$user_code"
  expect_body_has "This code was already used"
  expect_request 400 POST "$DEVCLOUD_URL/device/decision" --data-urlencode "user_code=$user_code" -d decision=deny

  request POST "$DEVCLOUD_URL/oauth/token" -d grant_type=urn:ietf:params:oauth:grant-type:device_code \
    -d client_id=compozy-cli --data-urlencode "device_code=$device_code"
  expect_eq "$STATUS" 200 "the device grant after approval"
  as "$(json .access_token)" GET /api/v1/me
  expect_json .email bob@example.com
}

test_api_keys_dashboard_generates_lists_and_revokes_keys() {
  start_devcloud --user ada@example.com || return
  expect_request 200 GET "$DEVCLOUD_URL/settings/api-keys"
  expect_html_page
  expect_body_has "<title>Settings › API Keys"
  expect_body_has "Settings › API Keys"
  expect_body_has '<form class="grid-form" method="post" action="/settings/api-keys">'
  expect_body_has 'name="expires_in_days"'
  expect_body_has "Generate New Key"
  expect_body_has "No API keys yet."

  expect_request 200 POST "$DEVCLOUD_URL/settings/api-keys" -d "name=CI deploys" -d expires_in_days=30 \
    -d account=ada@example.com
  expect_html_page
  local key
  key=$(new_api_key)
  [[ $key =~ ^czk_[A-Za-z0-9_-]{43}$ ]] || fail "the new key '$key' is not czk_ and 32 random bytes"
  expect_body_has "Copy it now, it will not be shown again."
  expect_body_has '<td class="name">CI deploys</td>'
  local key_id
  key_id=$(grep -o 'data-key-id="key_[^"]*"' "$BODY" | head -n 1 | cut -d'"' -f2)

  expect_request 200 GET "$DEVCLOUD_URL/settings/api-keys?account=ada@example.com"
  expect_body_lacks "$key"
  expect_body_lacks 'id="new-api-key"'
  expect_body_has '<td class="name">CI deploys</td>'
  expect_body_has "<td><span class=\"muted\">Never</span></td>"  # last used

  as "$key" GET /api/v1/me
  expect_eq "$STATUS" 200 "the API key as a bearer credential"
  expect_json .email ada@example.com
  expect_json .credential.type api_key
  expect_json .credential.id "$key_id"
  expect_json '.credential.expires_at | test("^[0-9-]{10}T[0-9:]{8}Z$")' true
  as "$key" GET /oauth/userinfo
  expect_json .email ada@example.com
  sign_in
  as "$key" GET /api/v1/auth/sessions
  expect_json '.sessions | length' 1
  expect_json '.sessions[0].current' false
  as "$key" POST /api/v1/auth/sessions/revoke-all
  expect_json .revoked 1
  as "$key" GET /api/v1/me
  expect_eq "$STATUS" 200 "the API key after revoke-all (keys are not sessions)"
  expect_request 200 GET "$DEVCLOUD_URL/settings/api-keys"
  expect_body_lacks "<td><span class=\"muted\">Never</span></td>"

  expect_request 303 POST "$DEVCLOUD_URL/settings/api-keys/$key_id/revoke" -d account=ada@example.com
  expect_header Location "/settings/api-keys?account=ada%40example.com"
  as "$key" GET /api/v1/me
  expect_eq "$STATUS" 401 "a revoked API key"
  expect_json .error invalid_token
  expect_request 200 GET "$DEVCLOUD_URL/settings/api-keys"
  expect_body_lacks '<td class="name">CI deploys</td>'
  expect_body_has "No API keys yet."
  expect_request 404 POST "$DEVCLOUD_URL/settings/api-keys/$key_id/revoke" -d account=ada@example.com
  as "czk_$(head -c 32 /dev/urandom | base64url)" GET /api/v1/me
  expect_eq "$STATUS" 401 "a made-up API key"
}

test_an_expired_api_key_is_refused_and_marked() {
  local state="$TEST_DIR/state.json"
  start_devcloud --state "$state" || return
  expect_request 200 POST "$DEVCLOUD_URL/settings/api-keys" -d name=short-lived -d expires_in_days=1
  local key
  key=$(new_api_key)
  as "$key" GET /api/v1/me
  expect_eq "$STATUS" 200 "a key that expires tomorrow"
  expect_json '.credential.expires_at > (now | todate)' true
  stop_devcloud
  # A day is too long to wait for: move its expiry into the past.
  jq '.api_keys[0].expires_at = "2020-01-01T00:00:00Z"' "$state" >"$state.new" && mv "$state.new" "$state"
  start_devcloud --state "$state" || return
  as "$key" GET /api/v1/me
  expect_eq "$STATUS" 401 "an expired key"
  expect_json .error_description "the API key has expired"
  expect_request 200 GET "$DEVCLOUD_URL/settings/api-keys"
  expect_body_has '<td class="name">short-lived</td>'
  expect_body_has '<span class="pill bad">Expired</span>'
}

test_api_keys_dashboard_refuses_bad_forms() {
  start_devcloud || return
  expect_request 400 POST "$DEVCLOUD_URL/settings/api-keys" -d "name=  " -d expires_in_days=
  expect_body_has "give the key a name"
  expect_body_lacks 'id="new-api-key"'
  expect_request 400 POST "$DEVCLOUD_URL/settings/api-keys" -d "name=x" -d expires_in_days=soon
  expect_body_has "the expiry is a number of days from 0 (never) to 3650"
  expect_body_has 'value="soon"'
  expect_request 400 POST "$DEVCLOUD_URL/settings/api-keys" -d "name=x" -d expires_in_days=99999
  expect_request 400 POST "$DEVCLOUD_URL/settings/api-keys" -H "Content-Type: text/plain" -d "name=x"
  expect_request 404 GET "$DEVCLOUD_URL/settings/api-keys?account=nobody@example.com"
  expect_body_has "is not an account here"
  expect_request 200 GET "$DEVCLOUD_URL/settings/api-keys"
  expect_body_has "No API keys yet."
}

test_api_keys_belong_to_one_account() {
  start_devcloud --user ada@example.com --user bob@example.com || return
  expect_request 200 GET "$DEVCLOUD_URL/settings/api-keys?account=bob@example.com"
  expect_body_has '<form class="switcher" method="get" action="/settings/api-keys">'
  expect_body_has '<option value="bob@example.com" selected>'
  expect_request 200 POST "$DEVCLOUD_URL/settings/api-keys" -d name=bobs -d account=bob@example.com
  local key key_id
  key=$(new_api_key)
  key_id=$(grep -o 'data-key-id="key_[^"]*"' "$BODY" | head -n 1 | cut -d'"' -f2)
  expect_request 200 GET "$DEVCLOUD_URL/settings/api-keys?account=ada@example.com"
  expect_body_lacks bobs
  expect_request 404 POST "$DEVCLOUD_URL/settings/api-keys/$key_id/revoke" -d account=ada@example.com
  as "$key" GET /api/v1/me
  expect_json .email bob@example.com
}

test_home_page_links_to_the_dashboard() {
  start_devcloud || return
  expect_request 200 GET "$DEVCLOUD_URL/"
  expect_html_page
  expect_body_has '<a href="/settings/api-keys">'
  expect_body_has "<code>$DEVCLOUD_URL</code>"
}

# A stand-in for the client's loopback listener: it logs each request line, query included.
start_callback_listener() {
  CALLBACK_LOG="$TEST_DIR/callback.log"
  : >"$TEST_DIR/callback.out"
  python3 -u -m http.server --bind 127.0.0.1 0 >"$TEST_DIR/callback.out" 2>"$CALLBACK_LOG" &
  BACKGROUND_PIDS+=($!)
  local tries=0
  until CALLBACK_PORT=$(sed -n 's/.* port \([0-9]*\) .*/\1/p' "$TEST_DIR/callback.out") && [ -n "$CALLBACK_PORT" ]; do
    [ $((tries += 1)) -lt 200 ] || { fail "the callback listener did not start"; return 1; }
    sleep 0.05
  done
  REDIRECT_URI="http://127.0.0.1:$CALLBACK_PORT/callback"
}

# The query the callback listener received last.
callback_query() { sed -n 's/.*"GET \/callback?\([^ ]*\) HTTP.*/\1/p' "$CALLBACK_LOG" | tail -n 1; }

test_fake_browser_approves_and_delivers_the_code_to_the_client() {
  start_devcloud --user ada@example.com --user bob@example.com || return
  start_callback_listener || return
  new_pkce
  FAKE_BROWSER_LOG="$TEST_DIR/urls" FAKE_BROWSER_ACCOUNT=bob@example.com \
    expect_status 0 "$FAKE_BROWSER" "$(authorize_url state=from-test)"
  expect_file_has "$TEST_DIR/urls" "$DEVCLOUD_URL/oauth/authorize?"
  local query
  query=$(callback_query)
  expect_eq "$(query_param "?$query" state)" from-test "the state the client received"
  CODE=$(query_param "?$query" code)
  KEEP_PKCE=1 redeem_code
  as "$ACCESS_TOKEN" GET /api/v1/me
  expect_json .email bob@example.com
}

test_fake_browser_denies_when_told() {
  start_devcloud || return
  start_callback_listener || return
  new_pkce
  FAKE_BROWSER_DECISION=deny expect_status 0 "$FAKE_BROWSER" "$(authorize_url)"
  local query
  query=$(callback_query)
  expect_eq "$(query_param "?$query" error)" access_denied "the error the client received"
  expect_eq "$(query_param "?$query" code)" "" "a code after Deny"
}

test_fake_browser_follows_auto_approve_and_waits_when_asked() {
  start_devcloud --auto-approve || return
  start_callback_listener || return
  new_pkce
  local started=$SECONDS
  FAKE_BROWSER_DELAY=1 expect_status 0 "$FAKE_BROWSER" "$(authorize_url)"
  [ $((SECONDS - started)) -ge 1 ] || fail "FAKE_BROWSER_DELAY=1 did not wait"
  [ -n "$(query_param "?$(callback_query)" code)" ] || fail "no code reached the callback"
}

test_fake_browser_approves_a_device() {
  start_devcloud --device-interval 1 || return
  expect_request 200 POST "$DEVCLOUD_URL/oauth/device" -d client_id=compozy-cli -d scope=openid
  local device_code complete
  device_code=$(json .device_code) complete=$(json .verification_uri_complete)
  expect_status 0 "$FAKE_BROWSER" "$complete"
  request POST "$DEVCLOUD_URL/oauth/token" -d grant_type=urn:ietf:params:oauth:grant-type:device_code \
    -d client_id=compozy-cli --data-urlencode "device_code=$device_code"
  expect_eq "$STATUS" 200 "the device grant after the fake browser approved"

  expect_request 200 POST "$DEVCLOUD_URL/oauth/device" -d client_id=compozy-cli -d scope=openid
  device_code=$(json .device_code) complete=$(json .verification_uri_complete)
  FAKE_BROWSER_DECISION=deny expect_status 0 "$FAKE_BROWSER" "$complete"
  request POST "$DEVCLOUD_URL/oauth/token" -d grant_type=urn:ietf:params:oauth:grant-type:device_code \
    -d client_id=compozy-cli --data-urlencode "device_code=$device_code"
  expect_json .error access_denied
}

test_fake_browser_reports_what_went_wrong() {
  start_devcloud || return
  new_pkce
  expect_status 1 "$FAKE_BROWSER" "$(authorize_url client_id=unknown-app)"
  expect_stderr_is "fake-browser: the sign-in page answered HTTP 400: This sign-in link is not valid: \
'unknown-app' is not a registered client"
  expect_status 1 "$FAKE_BROWSER" "$(authorize_url)"  # nothing listens at 127.0.0.1:9
  expect_stderr_is "fake-browser: nothing answered at the redirect URI 'http://127.0.0.1:9/callback'"
  expect_status 1 "$FAKE_BROWSER" "$DEVCLOUD_URL/device?user_code=BCDF-GHJK"
  expect_stderr_has "fake-browser: the device page answered HTTP 404"
  expect_status 1 "$FAKE_BROWSER" "https://example.com/elsewhere"
  expect_stderr_is "fake-browser: not a devcloud sign-in URL: 'https://example.com/elsewhere'"
  FAKE_BROWSER_DECISION=maybe expect_status 1 "$FAKE_BROWSER" "$(authorize_url)"
  expect_stderr_is "fake-browser: FAKE_BROWSER_DECISION must be approve or deny, not 'maybe'"
  expect_status 1 "$FAKE_BROWSER"
  expect_stderr_is "fake-browser: usage: fake-browser URL"
}

run_tests "$@"

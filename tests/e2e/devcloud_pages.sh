#!/usr/bin/env bash
# compozy-devcloud as a person meets it, on the wire: each page once with its headers,
# the refusal of forms posted from other sites, and tests/support/fake-browser, which
# plays that person in the client's login tests.
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

# Each page once, through httplib: what every page says about itself in its headers,
# and that its form posts back. What the pages show in each case is unit-tested in
# tests/unit/devcloud_routes_test.cpp.
test_each_page_is_served_with_its_headers() {
  start_devcloud_with_shared_key --user ada@example.com --device-interval 1 || return
  expect_request 200 GET "$DEVCLOUD_URL/"
  expect_html_page
  expect_body_has "<code>$DEVCLOUD_URL</code>"

  new_pkce
  expect_request 200 GET "$(authorize_url)"
  expect_html_page
  expect_body_has "<strong>compozy-cli</strong> wants to access your Compozy account"
  expect_request 302 POST "$DEVCLOUD_URL/oauth/authorize/decision" --data-urlencode "request_id=$(form_field request_id)" \
    -d decision=approve
  expect_request 400 POST "$DEVCLOUD_URL/oauth/authorize/decision" -d request_id=made-up -d decision=approve
  expect_html_page
  expect_body_has "This sign-in request cannot be answered"

  expect_request 200 POST "$DEVCLOUD_URL/oauth/device" -d client_id=compozy-cli -d "scope=openid email"
  local user_code complete
  user_code=$(json .user_code) complete=$(json .verification_uri_complete)
  expect_request 200 GET "$DEVCLOUD_URL/device"
  expect_html_page
  expect_request 200 GET "$complete"
  expect_html_page
  expect_body_has "<div class=\"user-code\">$user_code</div>"
  expect_request 200 POST "$DEVCLOUD_URL/device/decision" --data-urlencode "user_code=$user_code" -d decision=approve
  expect_html_page
  expect_body_has "Device connected"

  expect_request 200 GET "$DEVCLOUD_URL/settings/api-keys"
  expect_html_page
  expect_body_has "No API keys yet."
  expect_request 200 POST "$DEVCLOUD_URL/settings/api-keys" -d "name=CI deploys" -d expires_in_days=30
  expect_html_page
  local key key_id
  key=$(new_api_key)
  [[ $key =~ ^czk_[A-Za-z0-9_-]{43}$ ]] || fail "the new key '$key' is not czk_ and 32 random bytes"
  key_id=$(grep -o 'data-key-id="key_[^"]*"' "$BODY" | head -n 1 | cut -d'"' -f2)
  as "$key" GET /api/v1/me
  expect_eq "$STATUS" 200 "the API key as a bearer credential"
  expect_request 303 POST "$DEVCLOUD_URL/settings/api-keys/$key_id/revoke" -d account=ada@example.com
  expect_header Location "/settings/api-keys?account=ada%40example.com"
  as "$key" GET /api/v1/me
  expect_eq "$STATUS" 401 "a revoked API key"
}

test_forms_posted_from_another_origin_are_refused() {
  start_devcloud_with_shared_key || return
  new_pkce
  expect_request 200 GET "$(authorize_url)"
  local request_id
  request_id=$(form_field request_id)
  expect_request 403 POST "$DEVCLOUD_URL/oauth/authorize/decision" -H "Origin: http://evil.example" \
    --data-urlencode "request_id=$request_id" -d decision=approve
  expect_html_page
  expect_body_has "Request blocked"
  expect_request 403 POST "$DEVCLOUD_URL/settings/api-keys" -H "Origin: http://127.0.0.1:1" -d name=stolen
  expect_request 403 POST "$DEVCLOUD_URL/device/decision" -H "Sec-Fetch-Site: cross-site" -d user_code=BCDF-GHJK \
    -d decision=approve
  # The page's own origin is fine, as a browser sends it.
  expect_request 302 POST "$DEVCLOUD_URL/oauth/authorize/decision" -H "Origin: $DEVCLOUD_URL" \
    -H "Sec-Fetch-Site: same-origin" --data-urlencode "request_id=$request_id" -d decision=approve
}

# A stand-in for the client's loopback listener: it logs each request line, query included.
start_callback_listener() {
  CALLBACK_LOG="$TEST_DIR/callback.log"
  : >"$TEST_DIR/callback.out"
  python3 -u -m http.server --bind 127.0.0.1 0 >"$TEST_DIR/callback.out" 2>"$CALLBACK_LOG" &
  BACKGROUND_PIDS+=($!)
  local tries=0
  until CALLBACK_PORT=$(sed -n 's/.* port \([0-9]*\) .*/\1/p' "$TEST_DIR/callback.out") && [ -n "$CALLBACK_PORT" ]; do
    [ $((tries += 1)) -lt 500 ] || { fail "the callback listener did not start"; return 1; }
    sleep 0.02
  done
  REDIRECT_URI="http://127.0.0.1:$CALLBACK_PORT/callback"
}

# The query the callback listener received last.
callback_query() { sed -n 's/.*"GET \/callback?\([^ ]*\) HTTP.*/\1/p' "$CALLBACK_LOG" | tail -n 1; }

test_fake_browser_approves_or_denies_and_delivers_the_answer_to_the_client() {
  start_devcloud_with_shared_key --user ada@example.com --user bob@example.com || return
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

  FAKE_BROWSER_DECISION=deny FAKE_BROWSER_ACCOUNT=ada@example.com expect_status 0 "$FAKE_BROWSER" "$(authorize_url)"
  query=$(callback_query)
  expect_eq "$(query_param "?$query" error)" access_denied "the error the client received"
  expect_eq "$(query_param "?$query" code)" "" "a code after Deny"
}

test_fake_browser_follows_auto_approve_and_waits_when_asked() {
  start_devcloud_with_shared_key --auto-approve || return
  start_callback_listener || return
  new_pkce
  local url started
  url=$(authorize_url)
  started=${EPOCHREALTIME/./}
  FAKE_BROWSER_DELAY=0.3 expect_status 0 "$FAKE_BROWSER" "$url"
  [ $((${EPOCHREALTIME/./} - started)) -ge 300000 ] || fail "FAKE_BROWSER_DELAY=0.3 did not wait"
  [ -n "$(query_param "?$(callback_query)" code)" ] || fail "no code reached the callback"
}

test_fake_browser_approves_a_device() {
  start_devcloud_with_shared_key --device-interval 1 || return
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
  start_devcloud_with_shared_key || return
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

#!/usr/bin/env bash
# compozy login with a real browser: headless Chromium (tests/browser/sign-in.mjs,
# through playwright-core) is the BROWSER, answers devcloud's pages as a person
# would, and screenshots each at desktop and phone width into meson-logs/browser/.
# What each page says is checked here from the report the script writes.
. "$(dirname "$0")/../support/lib.sh"
. "$SUPPORT_DIR/devcloud.sh"

BROWSER_TESTS="$COMPOZY_SOURCE_ROOT/tests/browser"
CHROMIUM=${SIGN_IN_CHROMIUM:-/usr/bin/chromium}
SHOTS="$COMPOZY_BUILD_ROOT/meson-logs/browser"

skip_all() { echo "1..0 # SKIP $*"; exit 0; }
[ -x "$CHROMIUM" ] || skip_all "no Chromium at $CHROMIUM (scripts/install-deps installs it)"
command -v node >/dev/null || skip_all "no node (scripts/install-deps installs it)"
[ -d "$BROWSER_TESTS/node_modules/playwright-core" ] ||
  skip_all "no playwright-core: run npm ci in tests/browser (scripts/install-deps does)"

export SIGN_IN_SHOTS="$SHOTS" SIGN_IN_CHROMIUM="$CHROMIUM"
SIGN_IN="node $BROWSER_TESTS/sign-in.mjs"

# wait_for_report: waits for the browser's report (it outlives compozy login), and
# fails with the browser's error if it has one.
wait_for_report() {
  local give_up=$((SECONDS + 90))
  until [ -s "$SIGN_IN_REPORT" ]; do
    [ $SECONDS -lt $give_up ] || { fail "the browser wrote no report within 90 s"; return 1; }
    sleep 0.1
  done
  local error
  error=$(jq -r '.error // empty' "$SIGN_IN_REPORT")
  [ -z "$error" ] || { fail "the browser: $error"; return 1; }
}

page() { jq -r ".pages[\"$1\"]$2" "$SIGN_IN_REPORT"; }

# expect_page NAME HEADING TEXT…: the page's heading, and each TEXT somewhere on it;
# at phone width without sideways scrolling; every text at WCAG AA contrast.
expect_page() {
  local name=$1 heading=$2 text
  shift 2
  [ "$(page "$name" '')" != null ] || { fail "the browser never reached the $name page"; return; }
  expect_eq "$(page "$name" .heading)" "$heading" "the $name page's heading"
  page "$name" .text >"$TEST_DIR/$name.txt"
  for text in "$@"; do expect_file_has "$TEST_DIR/$name.txt" "$text"; done
  expect_eq "$(page "$name" .has_viewport_meta)" true "a viewport meta tag on the $name page"
  expect_eq "$(page "$name" .horizontal_scroll_at_phone_width)" false "sideways scrolling of the $name page at 390 px"
  expect_eq "$(page "$name" '.low_contrast | map("\(.text) (\(.ratio):1)") | join(", ")')" "" \
    "text below WCAG AA contrast on the $name page"
  printf '# screenshots: %s\n' "$(page "$name" '.screenshots | join(" ")')"
}

expect_console_is() {  # a style the Content-Security-Policy refused, for one, shows up there
  expect_eq "$(jq -r '.console // [] | join(" | ")' "$SIGN_IN_REPORT")" "$1" "the browser console"
}

test_approving_in_the_browser_signs_in() {
  start_devcloud_with_shared_key --user ada@example.com || return
  export SIGN_IN_REPORT="$TEST_DIR/approve.json"
  BROWSER="$SIGN_IN" expect_status 0 "$COMPOZY" login --host "$DEVCLOUD_URL" --timeout 90s
  expect_stderr_has "✓ Logged in to $DEVCLOUD_URL as ada@example.com"
  wait_for_report || return
  expect_page consent "compozy-cli wants to access your Compozy account" "ada@example.com" \
    "Confirm who you are" "See your e-mail address" "Stay signed in" "Approve" "Deny"
  expect_page success "You are signed in" "close this tab" "terminal"
  expect_console_is ""
  expect_status 0 "$COMPOZY" auth status --host "$DEVCLOUD_URL"
  expect_stdout_has "ada@example.com"
}

test_denying_in_the_browser_fails_the_login() {
  start_devcloud_with_shared_key --user ada@example.com || return
  export SIGN_IN_REPORT="$TEST_DIR/deny.json" SIGN_IN_DECISION=deny
  BROWSER="$SIGN_IN" expect_status 1 "$COMPOZY" login --host "$DEVCLOUD_URL" --timeout 90s
  expect_stderr_has "compozy login: error: the sign-in was denied"
  expect_stderr_has "again and approve the request"
  wait_for_report || return
  expect_page denial "Sign-in denied" "compozy login" "terminal"
  expect_eq "$(page denial .status)" 400 "the denial page's HTTP status"
  expect_console_is "Failed to load resource: the server responded with a status of 400 (Bad Request)"
  [ ! -e "$(credentials_file)" ] || fail "credentials were stored after a denial"
}

test_typing_the_device_code_in_the_browser_signs_in() {
  start_devcloud_with_shared_key --user ada@example.com --device-interval 1 || return
  local err="$TEST_DIR/login.err" status=0
  "$COMPOZY" login --device --host "$DEVCLOUD_URL" --timeout 90s >"$TEST_DIR/login.out" 2>"$err" </dev/null &
  local login=$!
  BACKGROUND_PIDS+=("$login")
  local code
  code=$(wait_for "$err" "one-time code: [A-Z]{4}-[A-Z]{4}") || return
  grep -qF "Then open $DEVCLOUD_URL/device in a browser" "$err" || fail "no verification page was named"
  export SIGN_IN_REPORT="$TEST_DIR/device.json" SIGN_IN_USER_CODE=${code#one-time code: }
  $SIGN_IN "$DEVCLOUD_URL/device" || fail "the browser failed"
  wait "$login" || status=$?
  expect_eq "$status" 0 "login --device's exit status"
  expect_file_has "$err" "✓ Logged in to $DEVCLOUD_URL as ada@example.com"
  wait_for_report || return
  expect_page device-entry "Connect a device" "Enter the code"
  expect_page device-consent "compozy-cli on another device wants to access your Compozy account" \
    "$SIGN_IN_USER_CODE" "ada@example.com" "Confirm who you are"
  expect_page device-done "Device connected" "signed in as ada@example.com" "terminal"
  expect_console_is ""
  expect_status 0 "$COMPOZY" auth status --host "$DEVCLOUD_URL"
}

run_tests "$@"

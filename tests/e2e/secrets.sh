#!/usr/bin/env bash
# Where secrets go (issue 8): through every flow and command, no access or
# refresh token, API key, authorization code or PKCE verifier reaches stdout
# (but `auth token`'s), stderr with COMPOZY_DEBUG=1, the browser's argv or
# environment, the server's log, or any file but credentials.yaml; and a tool
# holding them cannot dump core.
. "$(dirname "$0")/../support/lib.sh"
. "$(dirname "$0")/../support/devcloud.sh"

# step NAME COMMAND…: runs it with debug logging, its output kept as NAME.stdout/.stderr; must succeed.
step() {
  local name=$1 status=0
  shift
  COMPOZY_DEBUG=1 "$@" >"$TEST_DIR/seen/$name.stdout" 2>"$TEST_DIR/seen/$name.stderr" </dev/null || status=$?
  [ "$status" = 0 ] || { fail "$name exited $status"; sed 's/^/#   /' "$TEST_DIR/seen/$name.stderr"; }
  remember_stored_tokens
}

remember_stored_tokens() {
  [ -f "$(credentials_file)" ] || return 0
  { stored access_token; echo; stored refresh_token; echo; } >>"$TEST_DIR/secrets/values"
}

# A browser that writes down how it was started, then does what the person would.
recording_browser() {
  cat >"$TEST_DIR/browser" <<EOF
#!/usr/bin/env bash
printf '%s\n' "\$0" "\$@" >>"$TEST_DIR/seen/browser-argv"
env >>"$TEST_DIR/seen/browser-environment"
FAKE_BROWSER_REDIRECTS="$TEST_DIR/secrets/redirects" exec "$FAKE_BROWSER" "\$@"
EOF
  chmod +x "$TEST_DIR/browser"
  printf '%s' "$TEST_DIR/browser"
}

# Every secret of $TEST_DIR/secrets, and any PKCE verifier of the challenges the
# browser saw (a string whose SHA-256 is one), looked for in every file given;
# fails when one is found.
search_for_secrets() {
  python3 - "$TEST_DIR/secrets" "$@" <<'EOF'
import base64, hashlib, pathlib, re, sys, urllib.parse
secrets_dir, files = pathlib.Path(sys.argv[1]), [pathlib.Path(f) for f in sys.argv[2:]]
values = {v for v in (secrets_dir / "values").read_text().split("\n") if len(v) >= 8}
challenges = set()
for line in (secrets_dir / "redirects").read_text().splitlines():
    values.update(urllib.parse.parse_qs(urllib.parse.urlsplit(line).query).get("code", []))
for line in (pathlib.Path(secrets_dir).parent / "seen" / "browser-argv").read_text().splitlines():
    challenges.update(urllib.parse.parse_qs(urllib.parse.urlsplit(line).query).get("code_challenge", []))
if not values or not challenges:
    sys.exit(print("# FAIL: nothing to look for: the flows stored no tokens or opened no sign-in page") or 1)
leaks = 0
for path in files:
    text = path.read_text(errors="replace")
    for value in values:
        if value in text:
            leaks += 1
            print(f"# {path.name} holds a secret ({value[:4]}…, {len(value)} characters)")
    for word in re.findall(r"[A-Za-z0-9._~-]{43,128}", text):
        digest = base64.urlsafe_b64encode(hashlib.sha256(word.encode()).digest()).rstrip(b"=").decode()
        if digest in challenges:
            leaks += 1
            print(f"# {path.name} holds the PKCE verifier")
print(f"# looked for {len(values)} secrets and {len(challenges)} verifiers in {len(files)} files")
sys.exit(1 if leaks else 0)
EOF
}

test_no_token_key_code_or_verifier_leaves_the_store() {
  mkdir -p "$TEST_DIR/seen" "$TEST_DIR/secrets"
  : >"$TEST_DIR/secrets/values"
  : >"$TEST_DIR/secrets/redirects"
  start_devcloud_with_shared_key --user ada@example.com --device-interval 1 || return
  export COMPOZY_HOST=$DEVCLOUD_URL
  local browser key
  browser=$(recording_browser)
  request POST "$DEVCLOUD_URL/settings/api-keys" --data-urlencode name=ci --data-urlencode expires_in_days=
  key=$(new_api_key)
  rm -f "$BODY" "$HEADERS"
  printf '%s\n' "$key" >>"$TEST_DIR/secrets/values"
  printf '%s\n' "$key" >"$TEST_DIR/secrets/key.txt"

  BROWSER=$browser FLYZT_API_KEY=$key step login "$COMPOZY" login
  step status "$COMPOZY" auth status
  step list "$COMPOZY" auth list
  expire_locally
  step api "$COMPOZY" api --include /api/v1/me
  expire_locally
  step token "$COMPOZY" auth token
  expect_eq "$(cat "$TEST_DIR/seen/token.stdout")" "$(stored access_token)" "auth token's output"
  step token-json "$COMPOZY" auth token --json
  step refresh "$COMPOZY" auth refresh
  BROWSER=$browser step device "$COMPOZY" login --device
  FLYZT_API_KEY=$key step status-with-key "$COMPOZY" auth status
  step key-login sh -c '"$0" login --with-token <"$1"' "$COMPOZY" "$TEST_DIR/secrets/key.txt"
  step logout "$COMPOZY" logout

  [ -s "$TEST_DIR/seen/browser-argv" ] || fail "the browser was never opened"
  local seen=() file
  for file in "$TEST_DIR"/seen/*; do
    case $file in */token.stdout | */token-json.stdout) ;; *) seen+=("$file") ;; esac
  done
  while IFS= read -r -d '' file; do seen+=("$file"); done < <(find "$HOME" -type f ! -name credentials.yaml -print0)
  search_for_secrets "${seen[@]}" "$DEVCLOUD_LOG" || fail "a secret leaked (above)"
  # The search itself must find what auth token rightly printed.
  ! search_for_secrets "$TEST_DIR/seen/token.stdout" >/dev/null || fail "the search missed auth token's token"
}

test_a_tool_holding_secrets_cannot_dump_core() {
  start_devcloud_with_shared_key --user ada@example.com || return
  mkdir -p "$TEST_DIR/login" "$TEST_DIR/control"
  # A browser that never answers: the login waits, holding its PKCE verifier.
  printf '#!/bin/sh\nexec sleep 60\n' >"$TEST_DIR/browser"
  chmod +x "$TEST_DIR/browser"
  (ulimit -c unlimited; cd "$TEST_DIR/login" &&
    BROWSER="$TEST_DIR/browser" exec "$PLUGINS_DIR/compozy-login" --host "$DEVCLOUD_URL") \
    >/dev/null 2>"$TEST_DIR/login.err" &
  local login=$!
  BACKGROUND_PIDS+=("$login")
  wait_for "$TEST_DIR/login.err" "oauth/authorize" >"$TEST_DIR/url" || { cat "$TEST_DIR/url"; return; }
  expect_eq "$(prlimit --pid "$login" --core --output SOFT,HARD --noheadings | xargs)" "0 0" "its core size limit"

  # Where this machine's core_pattern writes core files at all, the login must write none.
  (ulimit -c unlimited; cd "$TEST_DIR/control" && exec sleep 60) &
  local control=$!
  sleep 0.2
  kill -SEGV "$control" "$login"
  wait "$control" "$login" 2>/dev/null
  sleep 0.2
  if [ -n "$(ls "$TEST_DIR/control")" ]; then
    expect_eq "$(ls "$TEST_DIR/login")" "" "files the crashed login left"
  else
    printf '# core files do not land in the working folder here (%s): checked the limit only\n' \
      "$(cat /proc/sys/kernel/core_pattern)"
  fi
}

run_tests "$@"

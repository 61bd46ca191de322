#!/usr/bin/env bash
# The client's network: TLS verification against a throwaway CA, HTTPS_PROXY
# and NO_PROXY, debug logging that shows no secret, and a plain OpenID
# Connect provider (no Compozy API, OIDC discovery only).
. "$(dirname "$0")/../support/lib.sh"
. "$(dirname "$0")/../support/devcloud.sh"

FAKE_BROWSER="$COMPOZY_SOURCE_ROOT/tests/support/fake-browser"
stored() { sed -n "s/^ *$1: //p" "$HOME/.config/compozy/credentials.yaml" | head -n 1; }

# make_certificate NAME SUBJECT_ALT_NAMES: a key and a certificate signed by
# the test CA ($TEST_DIR/pki/ca.pem), made on first use.
make_certificate() {
  local pki="$TEST_DIR/pki"
  mkdir -p "$pki"
  if [ ! -f "$pki/ca.pem" ]; then
    openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=compozy test CA" \
      -keyout "$pki/ca.key" -out "$pki/ca.pem" 2>/dev/null || fail "could not make a CA"
  fi
  openssl req -newkey rsa:2048 -nodes -subj "/CN=$1" -keyout "$pki/$1.key" -out "$pki/$1.csr" 2>/dev/null &&
    printf 'subjectAltName=%s\n' "$2" >"$pki/$1.cnf" &&
    openssl x509 -req -in "$pki/$1.csr" -CA "$pki/ca.pem" -CAkey "$pki/ca.key" -CAcreateserial -days 1 \
      -extfile "$pki/$1.cnf" -out "$pki/$1.pem" 2>/dev/null || fail "could not make a certificate for $1"
}

start_tls_devcloud() {  # start_tls_devcloud NAME [options…]
  local name=$1
  shift
  start_devcloud_with_shared_key --public-host "$name" --tls-cert "$TEST_DIR/pki/$name.pem" --tls-key "$TEST_DIR/pki/$name.key" "$@"
}

start_proxy() {
  PROXY_LOG="$TEST_DIR/proxy.log"
  : >"$PROXY_LOG"
  "$SUPPORT_DIR/connect-proxy" "$PROXY_LOG" "$@" >"$TEST_DIR/proxy.port" &
  BACKGROUND_PIDS+=($!)
  local i
  for i in $(seq 1 100); do
    PROXY_PORT=$(head -n 1 "$TEST_DIR/proxy.port")
    [ -n "$PROXY_PORT" ] && return 0
    sleep 0.05
  done
  fail "the proxy did not start"
}

test_https_with_a_private_ca_in_ssl_cert_file_or_ssl_cert_dir() {
  make_certificate localhost "DNS:localhost,IP:127.0.0.1"
  start_tls_devcloud localhost --user ada@example.com || return
  SSL_CERT_FILE="$TEST_DIR/pki/ca.pem" BROWSER="$FAKE_BROWSER" \
    expect_status 0 "$COMPOZY" login --host "$DEVCLOUD_URL"
  expect_stderr_has "✓ Logged in to $DEVCLOUD_URL as ada@example.com"

  mkdir -p "$TEST_DIR/certs"
  cp "$TEST_DIR/pki/ca.pem" "$TEST_DIR/certs/"
  openssl rehash "$TEST_DIR/certs" 2>/dev/null || fail "openssl rehash failed"
  SSL_CERT_DIR="$TEST_DIR/certs" expect_status 0 "$COMPOZY" auth status --json --host "$DEVCLOUD_URL"
  expect_eq "$(jq -r .state "$OUT")" valid "state over https with SSL_CERT_DIR"
}

test_an_untrusted_certificate_is_refused_and_says_why() {
  make_certificate localhost "DNS:localhost,IP:127.0.0.1"
  start_tls_devcloud localhost --user ada@example.com || return
  expect_status 1 "$COMPOZY" login --host "$DEVCLOUD_URL"
  expect_stderr_has "compozy login: error: discovering the server: the TLS certificate of '$DEVCLOUD_URL' is not trusted: "
  expect_stderr_has "hint: if a proxy or a private CA signs it, set SSL_CERT_FILE to that CA's certificate"
  expect_file_lacks "$DEVCLOUD_LOG" "GET /.well-known"
}

test_a_certificate_for_another_name_is_refused() {
  make_certificate elsewhere.test "DNS:elsewhere.test"
  start_tls_devcloud elsewhere.test --user ada@example.com || return
  local port=${DEVCLOUD_URL##*:}
  SSL_CERT_FILE="$TEST_DIR/pki/ca.pem" expect_status 1 "$COMPOZY" login --host "https://localhost:$port"
  expect_stderr_has "the TLS certificate of 'https://localhost:$port' is not trusted: it is not valid for the name 'localhost'"
}

test_https_proxy_carries_every_request_and_no_proxy_bypasses_it() {
  make_certificate cloud.test "DNS:cloud.test"
  start_tls_devcloud cloud.test --user ada@example.com || return
  local port=${DEVCLOUD_URL##*:}
  start_proxy cloud.test=127.0.0.1 || return
  # The dashboard, reached the way a browser on this machine would.
  curl --silent --cacert "$TEST_DIR/pki/ca.pem" --resolve "cloud.test:$port:127.0.0.1" --noproxy '*' \
    --data-urlencode name=proxy "$DEVCLOUD_URL/settings/api-keys" >"$TEST_DIR/page"
  local key
  key=$(sed -n 's/.*<code id="new-api-key">\([^<]*\)<\/code>.*/\1/p' "$TEST_DIR/page" | head -n 1)
  [ -n "$key" ] || { fail "no API key from the dashboard"; return; }
  printf '%s\n' "$key" >"$TEST_DIR/key"
  export SSL_CERT_FILE="$TEST_DIR/pki/ca.pem"

  STDIN="$TEST_DIR/key" HTTPS_PROXY="http://user:secret@127.0.0.1:$PROXY_PORT" \
    expect_status 0 "$COMPOZY" login --with-token --host "$DEVCLOUD_URL"
  expect_stderr_has "✓ Logged in to $DEVCLOUD_URL as ada@example.com"
  expect_file_has "$PROXY_LOG" "CONNECT cloud.test:$port auth=yes"
  https_proxy="127.0.0.1:$PROXY_PORT" expect_status 0 "$COMPOZY" auth status --host "$DEVCLOUD_URL"
  expect_file_has "$PROXY_LOG" "CONNECT cloud.test:$port auth=no"

  # Bypassed, the name is looked up directly, and nothing here resolves it.
  local before
  before=$(wc -l <"$PROXY_LOG")
  HTTPS_PROXY="http://127.0.0.1:$PROXY_PORT" NO_PROXY="example.com,.test" \
    expect_status 1 "$COMPOZY" auth status --json --host "$DEVCLOUD_URL"
  expect_eq "$(jq -r .state "$OUT")" offline "state when NO_PROXY sends it past the proxy"
  expect_eq "$(wc -l <"$PROXY_LOG")" "$before" "proxy requests with NO_PROXY"
}

test_debug_logging_shows_requests_but_no_secret() {
  start_devcloud_with_shared_key --user ada@example.com --access-token-ttl 2
  COMPOZY_DEBUG=1 BROWSER="$FAKE_BROWSER" expect_status 0 "$COMPOZY" login --host "$DEVCLOUD_URL"
  expect_stderr_has "compozy: http: GET $DEVCLOUD_URL/.well-known/oauth-authorization-server -> 200 in "
  expect_stderr_has "compozy: http: POST $DEVCLOUD_URL/oauth/token -> 200 in "
  expect_stderr_has "compozy: http: GET $DEVCLOUD_URL/oauth/userinfo -> 200 in "
  local access refresh
  access=$(stored access_token)
  refresh=$(stored refresh_token)
  expect_stderr_lacks "$access"
  expect_stderr_lacks "$refresh"
  sleep 2.2
  COMPOZY_DEBUG=1 expect_status 0 "$COMPOZY" auth token --host "$DEVCLOUD_URL"
  expect_stderr_has "compozy: http: POST $DEVCLOUD_URL/oauth/token -> 200 in "
  expect_stderr_lacks "$refresh"
  expect_stderr_lacks "$(stored refresh_token)"
  expect_stderr_lacks "$(cat "$OUT")"
}

test_a_plain_openid_provider_works_with_oidc_discovery_only() {
  start_devcloud_with_shared_key --user ada@example.com --without-compozy-api --discovery openid
  BROWSER="$FAKE_BROWSER" expect_status 0 "$COMPOZY" login --host "$DEVCLOUD_URL"
  expect_stderr_has "✓ Logged in to $DEVCLOUD_URL as ada@example.com"
  expect_file_has "$DEVCLOUD_LOG" "GET /.well-known/oauth-authorization-server 404"
  expect_file_has "$DEVCLOUD_LOG" "GET /.well-known/openid-configuration 200"
  expect_status 0 "$COMPOZY" auth status --json --host "$DEVCLOUD_URL"
  expect_eq "$(jq -r '.state + " " + .account' "$OUT")" "valid ada@example.com" "status against a plain provider"
  expect_status 0 "$COMPOZY" auth refresh --host "$DEVCLOUD_URL"
  expect_status 0 "$COMPOZY" logout --host "$DEVCLOUD_URL"
  expect_file_has "$DEVCLOUD_LOG" "POST /oauth/revoke 200"
}

test_a_server_that_names_another_issuer_is_refused() {
  start_devcloud_with_shared_key --user ada@example.com --public-host localhost
  local port=${DEVCLOUD_URL##*:}
  expect_status 1 "$COMPOZY" login --host "http://127.0.0.1:$port"
  expect_stderr_has "names the issuer 'http://localhost:$port', not 'http://127.0.0.1:$port'"
}

run_tests "$@"

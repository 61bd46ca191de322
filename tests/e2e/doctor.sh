#!/usr/bin/env bash
# compozy doctor against a real compozy-devcloud: a healthy setup, then each
# finding provoked for real (a skewed Date, a wrong or missing issuer, a
# certificate from an unexpected CA, the network down, a folder anyone can
# write to on PATH), and a support report that must hold none of the secrets
# planted everywhere. The checks' logic is in tests/unit/doctor_test.cpp.
. "$(dirname "$0")/../support/lib.sh"
. "$(dirname "$0")/../support/devcloud.sh"

# make_ca NAME: a throwaway CA in $TEST_DIR/pki/NAME.{pem,key}.
make_ca() {
  mkdir -p "$TEST_DIR/pki"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 -subj "/CN=$1" \
    -keyout "$TEST_DIR/pki/$1.key" -out "$TEST_DIR/pki/$1.pem" 2>/dev/null || fail "could not make the CA $1"
}

# serve_tls_signed_by CA: devcloud on https://localhost with a certificate CA signed.
serve_tls_signed_by() {
  local pki="$TEST_DIR/pki"
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=localhost" \
    -keyout "$pki/server.key" -out "$pki/server.csr" 2>/dev/null &&
    printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >"$pki/san.cnf" &&
    openssl x509 -req -in "$pki/server.csr" -CA "$pki/$1.pem" -CAkey "$pki/$1.key" -CAcreateserial -days 1 \
      -extfile "$pki/san.cnf" -out "$pki/server.pem" 2>/dev/null || { fail "could not sign with $1"; return 1; }
  start_devcloud_with_shared_key --public-host localhost --tls-cert "$pki/server.pem" --tls-key "$pki/server.key" \
    --user ada@example.com
}

doctor() { expect_status "$1" "$COMPOZY" doctor "${@:2}"; }

test_a_healthy_setup_passes_every_check_and_exits_0() {
  start_devcloud_with_shared_key --user ada@example.com || return
  log_in
  doctor 0
  expect_stdout_has "✓ config: "
  expect_stdout_has "✓ profile and host: profile 'default' (from the default), host $DEVCLOUD_URL (from config.yaml)"
  expect_stdout_has "✓ DNS: 127.0.0.1 is 127.0.0.1"
  expect_stdout_has "✓ server metadata: $DEVCLOUD_URL/.well-known/oauth-authorization-server, issuer $DEVCLOUD_URL"
  expect_stdout_has "✓ clock: "
  expect_stdout_has "✓ credential: the stored session works, as ada@example.com"
  expect_stdout_lacks "✗"
  doctor 0 --json
  expect_eq "$(jq -r '.schema_version, .ok' "$OUT" | tr '\n' ' ')" "1 true " "schema_version and ok"
  expect_eq "$(jq -r '[.checks[].id] | join(",")' "$OUT")" \
    "config,profile,credential_store,api_key,proxy,dns,tcp,tls,metadata,clock,credential,plugins" "the checks in order"
}

test_an_expired_session_is_reported_and_left_as_it_was() {
  start_devcloud_with_shared_key --user ada@example.com || return
  log_in
  expire_locally
  local before token_requests
  before=$(sha256sum "$(credentials_file)")
  token_requests=$(grep -c /oauth/token "$DEVCLOUD_LOG")
  doctor 0
  expect_stdout_has "! credential: the access token expired "
  expect_stdout_has "doctor changes nothing"
  expect_eq "$(sha256sum "$(credentials_file)")" "$before" "credentials.yaml after doctor"
  expect_eq "$(grep -c /oauth/token "$DEVCLOUD_LOG")" "$token_requests" "token requests after doctor"
}

test_a_server_clock_ten_minutes_ahead_fails_and_45_seconds_warns() {
  start_devcloud_with_shared_key --clock-offset 600 || return
  doctor 1 --host "$DEVCLOUD_URL"
  expect_stdout_has "✗ clock: this machine's clock is 600 seconds behind the server's"
  expect_stdout_has "fix: set this machine's clock right: \`sudo timedatectl set-ntp true\`"
  stop_devcloud
  start_devcloud_with_shared_key --clock-offset -45 || return
  doctor 0 --host "$DEVCLOUD_URL"
  expect_stdout_has "! clock: this machine's clock is 4"  # 45 s ahead, give or take the second it took
}

test_metadata_naming_another_issuer_or_none_fails() {
  start_devcloud_with_shared_key --metadata-issuer https://evil.example.com || return
  doctor 1 --host "$DEVCLOUD_URL"
  expect_stdout_has "✗ server metadata: $DEVCLOUD_URL/.well-known/oauth-authorization-server names the issuer 'https://evil.example.com', not '$DEVCLOUD_URL'"
  stop_devcloud
  start_devcloud_with_shared_key --metadata-issuer none || return
  doctor 1 --host "$DEVCLOUD_URL"
  expect_stdout_has "names no issuer (RFC 8414 §3.3 requires the host's)"
}

test_a_certificate_from_an_unexpected_ca_is_named_and_fails() {
  make_ca "compozy test CA"
  make_ca "Interception Proxy CA"
  serve_tls_signed_by "Interception Proxy CA" || return
  SSL_CERT_FILE="$TEST_DIR/pki/compozy test CA.pem" doctor 1 --host "$DEVCLOUD_URL"
  expect_stdout_has "✗ TLS: TLSv1.3, certificate for 'localhost' issued by 'Interception Proxy CA' is not trusted"
  expect_stdout_has "- server metadata: could not check: TLS failed"
  stop_devcloud
  # The CA given in SSL_CERT_FILE is trusted, and said to be no public one.
  serve_tls_signed_by "compozy test CA" || return
  SSL_CERT_FILE="$TEST_DIR/pki/compozy test CA.pem" doctor 0 --host "$DEVCLOUD_URL"
  expect_stdout_has "! TLS: TLSv1.3, certificate for 'localhost' issued by 'compozy test CA', trusted only through SSL_CERT_FILE"
  expect_stdout_has "✓ server metadata: "
}

test_with_the_network_down_every_check_ends_within_the_deadline() {
  local started elapsed
  started=$(date +%s)
  # A name that cannot resolve, as with no network: DNS fails or times out.
  COMPOZY_HTTP_TIMEOUT=6 doctor 1 --host https://compozy-doctor-test.invalid
  elapsed=$(($(date +%s) - started))
  [ "$elapsed" -le 8 ] || fail "doctor took ${elapsed}s with a 6s deadline"
  expect_stdout_has "✗ DNS: compozy-doctor-test.invalid: "
  expect_stdout_has "- TCP: could not check: DNS failed"
  expect_stdout_has "- credential: could not check: DNS failed"
  # Nothing listens: TCP fails at once, and the rest is not tried.
  doctor 1 --host "http://127.0.0.1:$(free_port)"
  expect_stdout_has "✗ TCP: 127.0.0.1:"
  expect_stdout_has "- clock: could not check: TCP failed"
}

test_a_folder_on_path_that_anyone_can_write_fails_the_plugin_check() {
  mkdir -p "$TEST_DIR/shared"
  chmod 0777 "$TEST_DIR/shared"
  PATH="$TEST_DIR/shared:$PATH" doctor 1 --host "http://127.0.0.1:$(free_port)"
  expect_stdout_has "✗ plugins: $TEST_DIR/shared is searched for commands and anyone can write to it"
  chmod 0755 "$TEST_DIR/shared"
  printf '#!/bin/sh\n' >"$TEST_DIR/shared/compozy-login"
  chmod +x "$TEST_DIR/shared/compozy-login"
  PATH="$TEST_DIR/shared:$PATH" doctor 1 --host "http://127.0.0.1:$(free_port)"
  expect_stdout_has "! plugins: $TEST_DIR/shared/compozy-login is shadowed by"
}

test_a_broken_config_is_a_finding_with_its_line() {
  mkdir -p "$HOME/.config/compozy"
  printf 'profiles:\n  default: [\n' >"$HOME/.config/compozy/config.yaml"
  doctor 1 --host "http://127.0.0.1:$(free_port)"
  expect_stdout_has "✗ config: "
  expect_stdout_has "line"
}

test_the_report_holds_no_secret_planted_anywhere() {
  start_devcloud_with_shared_key --user ada@example.com || return
  log_in
  local access refresh key=czk_PLANTEDplantedPLANTEDplantedPLANTEDplanted0
  access=$(stored access_token)
  refresh=$(stored refresh_token)
  [ -n "$access" ] && [ -n "$refresh" ] || { fail "no tokens to plant"; return; }
  printf 'client_secret: PLANTED-CONFIG-SECRET\napi_token: "PLANTED-QUOTED"\n' >>"$HOME/.config/compozy/config.yaml"
  FLYZT_API_KEY=$key HTTPS_PROXY="http://doctor:PLANTED-PROXY-PASSWORD@127.0.0.1:9" \
    COMPOZY_CLIENT_ID=compozy-cli doctor 1 --report "$TEST_DIR/report.txt"
  expect_stderr_has "Wrote $TEST_DIR/report.txt"
  expect_eq "$(stat -c %a "$TEST_DIR/report.txt")" 600 "the report's mode"
  expect_file_has "$TEST_DIR/report.txt" "== checks =="
  expect_file_has "$TEST_DIR/report.txt" "system: "
  expect_file_has "$TEST_DIR/report.txt" "compozy keeps no log"
  expect_file_has "$TEST_DIR/report.txt" "host: $DEVCLOUD_URL"
  local secret
  for secret in "$access" "$refresh" "$key" PLANTED-CONFIG-SECRET PLANTED-QUOTED PLANTED-PROXY-PASSWORD; do
    expect_file_lacks "$TEST_DIR/report.txt" "$secret"
  done
}

run_tests "$@"

# Speaking OAuth to compozy-devcloud from end-to-end tests, with curl, jq and the
# openssl command. Source it after lib.sh; start_devcloud sets DEVCLOUD_URL.
#
#   start_devcloud --user a@example.com
#   sign_in                       # the code flow through the consent page
#   expect_request 200 GET "$DEVCLOUD_URL/api/v1/me" -H "Authorization: Bearer $ACCESS_TOKEN"
#   expect_json .email a@example.com

# One RSA signing key for a whole script, made on first use: compozy-devcloud would
# otherwise generate one at every start, 0.1 s or more (longer under sanitizers).
shared_signing_key() {
  local key="$SUITE_TMP/signing-key.pem"
  [ -s "$key" ] || openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$key" 2>/dev/null
  printf '%s' "$key"
}

# start_devcloud, signing with shared_signing_key: for every case but those about the key itself.
start_devcloud_with_shared_key() { start_devcloud --signing-key "$(shared_signing_key)" "$@"; }

# Nothing listens here: codes are read from the Location header, never delivered.
REDIRECT_URI="http://127.0.0.1:9/callback"
CLIENT_ID=compozy-cli

# request METHOD URL [curl options…]: sets STATUS, with the body in $BODY and the
# response headers in $HEADERS.
request() {
  local method=$1 url=$2
  shift 2
  BODY="$TEST_DIR/body" HEADERS="$TEST_DIR/headers"
  local method_option=(-X "$method")
  [ "$method" != HEAD ] || method_option=(--head)
  STATUS=$(curl --silent --max-time 20 --noproxy '*' --output "$BODY" --dump-header "$HEADERS" \
    --write-out '%{http_code}' "${method_option[@]}" "$@" -- "$url") || STATUS=000
}

show_response() {
  printf '# response headers:\n'
  tr -d '\r' <"$HEADERS" | sed 's/^/#   /' | head -n 20
  printf '# response body:\n'
  head -c 3000 "$BODY" | sed 's/^/#   /'
  printf '\n'
}

# expect_request STATUS METHOD URL [curl options…]
expect_request() {
  local want=$1
  shift
  request "$@"
  if [ "$STATUS" != "$want" ]; then
    fail "$1 ${2%%\?*} answered $STATUS, expected $want"
    show_response
  fi
}

json() { jq -r "$1" "$BODY" 2>/dev/null; }

expect_json() {  # expect_json JQ_FILTER EXPECTED
  local got
  got=$(jq -r "$1" "$BODY" 2>/dev/null) || got="(not JSON)"
  if [ "$got" != "$2" ]; then
    fail "$1 is '$got', expected '$2'"
    show_response
  fi
}

# The RFC 6749 §5.2 error shape: expect_oauth_error STATUS ERROR METHOD URL [curl options…]
expect_oauth_error() {
  local status=$1 error=$2
  shift 2
  expect_request "$status" "$@"
  expect_json .error "$error"
  expect_json '.error_description | type' string
}

header_value() { tr -d '\r' <"$HEADERS" | sed -n "s/^$1: *//Ip" | tail -n 1; }
expect_header() { expect_eq "$(header_value "$1")" "$2" "header $1"; }
expect_body_has() { grep -qF -- "$1" "$BODY" || { fail "the body lacks '$1'"; show_response; }; }
expect_body_lacks() { ! grep -qF -- "$1" "$BODY" || { fail "the body should not contain '$1'"; show_response; }; }

base64url() { base64 -w 0 | tr '+/' '-_' | tr -d '='; }
base64url_decode() {
  local text
  text=$(tr '_-' '/+')
  while [ $((${#text} % 4)) -ne 0 ]; do text+="="; done
  printf '%s' "$text" | base64 -d
}

url_decode() { local text=${1//+/ }; printf '%b' "${text//%/\\x}"; }

# Percent-encodes all but the RFC 3986 unreserved characters, byte by byte, without
# starting a process: authorize_url calls it once per parameter.
url_encode() {
  local LC_ALL=C text=$1 encoded="" char i
  for ((i = 0; i < ${#text}; i++)); do
    char=${text:i:1}
    case $char in
      [A-Za-z0-9._~-]) encoded+=$char ;;
      *) printf -v char '%%%02X' "'$char"; encoded+=$char ;;
    esac
  done
  printf '%s' "$encoded"
}

# query_param URL NAME: the decoded value of NAME in the query of URL.
query_param() {
  local value
  value=$(printf '%s' "$1" | sed -n "s/^[^?]*?\(.*&\)\{0,1\}$2=\([^&#]*\).*/\2/p")
  url_decode "$value"
}

# A PKCE pair (RFC 7636): sets VERIFIER and CHALLENGE.
new_pkce() {
  VERIFIER=$(head -c 32 /dev/urandom | base64url)
  CHALLENGE=$(printf '%s' "$VERIFIER" | openssl dgst -sha256 -binary | base64url)
}

# authorize_url [NAME=VALUE | -NAME]…: an authorization URL with sensible defaults,
# each replaced by NAME=VALUE or left out by -NAME.
authorize_url() {
  local -A params=(
    [response_type]=code [client_id]=$CLIENT_ID [redirect_uri]=$REDIRECT_URI
    [scope]="openid email profile offline_access" [state]=state-123
    [code_challenge]=$CHALLENGE [code_challenge_method]=S256
  )
  local item name query=""
  for item in "$@"; do
    if [ "${item:0:1}" = - ]; then unset "params[${item:1}]"; else params[${item%%=*}]=${item#*=}; fi
  done
  for name in "${!params[@]}"; do
    query+="${query:+&}$name=$(url_encode "${params[$name]}")"
  done
  printf '%s/oauth/authorize?%s' "$DEVCLOUD_URL" "$query"
}

# The hidden field NAME of the form in $BODY.
form_field() { grep -ao "name=\"$1\" value=\"[^\"]*\"" "$BODY" | head -n 1 | sed 's/.*value="\([^"]*\)"/\1/'; }

# authorize [NAME=VALUE | -NAME]…: the code flow up to the code, answering the consent
# page as $SIGN_IN_ACCOUNT (default: the one offered) with $DECISION (default approve).
# Sets CODE (empty when denied) and LOCATION; a fresh PKCE pair unless KEEP_PKCE is set.
authorize() {
  [ -n "${KEEP_PKCE:-}" ] || new_pkce
  request GET "$(authorize_url "$@")"
  if [ "$STATUS" = 200 ]; then
    local request_id
    request_id=$(form_field request_id)
    request POST "$DEVCLOUD_URL/oauth/authorize/decision" --data-urlencode "request_id=$request_id" \
      --data-urlencode "decision=${DECISION:-approve}" ${SIGN_IN_ACCOUNT:+--data-urlencode "account=$SIGN_IN_ACCOUNT"}
  fi
  if [ "$STATUS" != 302 ]; then
    fail "the authorization did not redirect (HTTP $STATUS)"
    show_response
  fi
  LOCATION=$(header_value Location)
  CODE=$(query_param "$LOCATION" code)
}

# redeem_code [curl options…]: exchanges CODE and VERIFIER, as USER_AGENT when set;
# sets ACCESS_TOKEN, REFRESH_TOKEN and ID_TOKEN (empty when not issued).
redeem_code() {
  expect_request 200 POST "$DEVCLOUD_URL/oauth/token" -d grant_type=authorization_code \
    --data-urlencode "client_id=$CLIENT_ID" --data-urlencode "code=$CODE" \
    --data-urlencode "redirect_uri=$REDIRECT_URI" --data-urlencode "code_verifier=$VERIFIER" \
    ${USER_AGENT:+--user-agent "$USER_AGENT"} "$@"
  ACCESS_TOKEN=$(json .access_token)
  REFRESH_TOKEN=$(json '.refresh_token // empty')
  ID_TOKEN=$(json '.id_token // empty')
}

sign_in() { authorize "$@" && redeem_code; }

# refresh TOKEN [curl options…]: a refresh_token grant; the answer is in $BODY.
refresh() {
  local token=$1
  shift
  request POST "$DEVCLOUD_URL/oauth/token" -d grant_type=refresh_token --data-urlencode "client_id=$CLIENT_ID" \
    --data-urlencode "refresh_token=$token" "$@"
}

# as TOKEN METHOD PATH [curl options…]: an API request with a bearer credential.
as() {
  local token=$1 method=$2 path=$3
  shift 3
  request "$method" "$DEVCLOUD_URL$path" -H "Authorization: Bearer $token" "$@"
}

# verify_jwt JWT JWKS_FILE: checks the RS256 signature against the first key of the
# JWK set with the openssl command, as any relying party would.
verify_jwt() {
  local header payload signature n e folder
  IFS=. read -r header payload signature <<<"$1"
  folder=$(mktemp -d "$TEST_DIR/jwt.XXXXXX")
  n=$(jq -r '.keys[0].n' "$2" | base64url_decode | od -An -tx1 -v | tr -d ' \n')
  e=$(jq -r '.keys[0].e' "$2" | base64url_decode | od -An -tx1 -v | tr -d ' \n')
  printf 'asn1=SEQUENCE:key\n[key]\nn=INTEGER:0x%s\ne=INTEGER:0x%s\n' "$n" "$e" >"$folder/key.cnf"
  openssl asn1parse -genconf "$folder/key.cnf" -out "$folder/key.der" -noout >/dev/null &&
    openssl rsa -RSAPublicKey_in -inform DER -in "$folder/key.der" -pubout -out "$folder/key.pem" 2>/dev/null &&
    printf '%s' "$header.$payload" >"$folder/signed" &&
    printf '%s' "$signature" | base64url_decode >"$folder/signature" &&
    openssl dgst -sha256 -verify "$folder/key.pem" -signature "$folder/signature" "$folder/signed" >/dev/null 2>&1
}

# The key that "Generate New Key" shows once, from the dashboard page in $BODY.
new_api_key() { sed -n 's/.*<code id="new-api-key">\([^<]*\)<\/code>.*/\1/p' "$BODY" | head -n 1; }

jwt_part() { printf '%s' "$1" | cut -d. -f"$2" | base64url_decode; }  # jwt_part JWT 1|2

#!/usr/bin/env bash
# The example plugins of examples/, as a third party writes them, against a
# compozy-devcloud on loopback: the shell and Python ones from the source
# tree, the C++ one built from a staged `meson install` through pkg-config.
# Each is put on PATH, as a user installs a plugin, and signed in to through
# a profile whose host is only in config.yaml.
. "$(dirname "$0")/../support/lib.sh"
. "$(dirname "$0")/../support/devcloud.sh"

EXAMPLES="$COMPOZY_SOURCE_ROOT/examples"

# The SDK staged once for the whole script, and compozy-greet built from it
# once (the one slow step): prints the folder holding the plugin and its manifest.
greet_plugin_dir() {
  local dir="$SUITE_TMP/greet"
  if [ ! -x "$dir/compozy-greet" ]; then
    local stage="$SUITE_TMP/stage" log="$SUITE_TMP/greet-build.log"
    meson install -C "$COMPOZY_BUILD_ROOT" --no-rebuild --quiet --destdir "$stage" >"$log" 2>&1 ||
      { fail "meson install failed: $(cat "$log")"; return 1; }
    local pc
    pc=$(find "$stage" -name compozy.pc | head -n 1)
    [ -n "$pc" ] || { fail "meson install put no compozy.pc in the stage"; return 1; }
    cp -r "$EXAMPLES/cpp" "$dir"
    # As a third party builds it: from its own folder, against the SDK that pkg-config finds.
    make -C "$dir" PKG_CONFIG_PATH="$(dirname "$pc")" PKG_CONFIG_SYSROOT_DIR="$stage" >"$log" 2>&1 ||
      { fail "building examples/cpp against the staged SDK failed: $(cat "$log")"; return 1; }
    [ "${COMPOZY_SANITIZED:-0}" = 1 ] || ! grep -q 'warning:' "$log" ||
      fail "examples/cpp builds with warnings: $(cat "$log")"
  fi
  printf '%s' "$dir"
}

# A signed-in profile 'default' whose host is only in config.yaml, and the
# examples on PATH (the C++ one only when asked, as it needs building).
setup_examples() {
  start_devcloud_with_shared_key --user ada@example.com || return
  local folders="$EXAMPLES/shell:$EXAMPLES/python"
  if [ "${1-}" = with-cpp ]; then
    local greet
    greet=$(greet_plugin_dir) || return
    folders+=":$greet"
  fi
  export PATH="$folders:$PATH"
  mkdir -p "$HOME/.config/compozy"
  printf 'profiles:\n  default:\n    host: %s\n' "$DEVCLOUD_URL" >"$HOME/.config/compozy/config.yaml"
  BROWSER="$FAKE_BROWSER" expect_status 0 "$COMPOZY" login
}

# check_help NAME: --help and `compozy help NAME` print the manual and exit 0.
check_help() {
  expect_status 0 "$COMPOZY" "$1" --help
  expect_eq "$(head -n 1 "$OUT")" "compozy $1 - $2" "the first line of 'compozy $1 --help'"
  expect_stdout_has "usage: compozy "
  expect_stdout_has "4 not signed in"
  expect_status 0 "$COMPOZY" help "$1"
  expect_eq "$(head -n 1 "$OUT")" "compozy $1 - $2" "the first line of 'compozy help $1'"
}

# check_not_signed_in NAME: another profile, with no credential, exits 4.
check_not_signed_in() {
  expect_status 4 "$COMPOZY" --profile nobody "$1"
  expect_stderr_has "error: not logged in to 'https://cloud.compozy.com'"
  expect_stdout_is ""
}

test_the_shell_example_greets_the_account() {
  setup_examples || return
  expect_status 0 "$COMPOZY" hello
  expect_stdout_is "Hello, ada@example.com!"
  expect_file_has "$DEVCLOUD_LOG" "GET /api/v1/me 200"
  check_help hello "say hello to the signed-in account"
  expect_status 2 "$COMPOZY" hello extra
  expect_stderr_is "compozy hello: error: unexpected argument 'extra'
usage: compozy [--profile NAME] hello"
  check_not_signed_in hello
}

test_the_python_example_shows_the_account_and_its_host() {
  setup_examples || return
  expect_status 0 "$COMPOZY" whoami
  expect_stdout_is "ada@example.com"
  expect_stderr_is "on $DEVCLOUD_URL, profile 'default', oauth credential from credentials_file"
  check_help whoami "show the signed-in account and where it is signed in"
  expect_status 2 "$COMPOZY" whoami --verbose
  expect_stderr_has "compozy whoami: error: unexpected argument '--verbose'"
  check_not_signed_in whoami
  # Its own HTTP client: a 401 from the server is exit 4 too.
  FLYZT_API_KEY=czk_not_a_key expect_status 4 "$COMPOZY" whoami
  expect_stderr_is "compozy whoami: error: '$DEVCLOUD_URL/api/v1/me' answered HTTP 401"
}

test_the_cpp_example_built_against_the_installed_sdk_greets_the_account() {
  setup_examples with-cpp || return
  expect_status 0 "$COMPOZY" greet
  expect_stdout_is "Hello, ada@example.com!"
  expect_stderr_is "(profile 'default' on $DEVCLOUD_URL)"
  # The settings come from the harness: the dispatcher's --profile, the plugin's own --host.
  BROWSER="$FAKE_BROWSER" expect_status 0 "$COMPOZY" login --profile work --host "$DEVCLOUD_URL"
  expect_status 0 "$COMPOZY" --profile work greet --host "$DEVCLOUD_URL"
  expect_stderr_is "(profile 'work' on $DEVCLOUD_URL)"
  check_help greet "greet the signed-in account"
  expect_status 2 "$COMPOZY" greet --loud
  expect_stderr_has "compozy greet: error: option 'loud' does not exist"
  check_not_signed_in greet
  FLYZT_API_KEY=czk_not_a_key expect_status 4 "$COMPOZY" greet
  expect_stderr_has "compozy greet: error: the server rejected the API key in FLYZT_API_KEY (HTTP 401)"
}

test_every_example_comes_with_a_manifest() {
  local plugin manifest count=0
  for plugin in "$EXAMPLES"/shell/compozy-* "$EXAMPLES"/python/compozy-* "$EXAMPLES"/cpp/Makefile; do
    case $plugin in *.manifest) continue ;; esac
    count=$((count + 1))
    [ "$(basename "$plugin")" != Makefile ] || plugin="$EXAMPLES/cpp/compozy-greet"
    manifest="$plugin.manifest"
    [ -f "$manifest" ] || { fail "$(basename "$plugin") has no manifest beside it"; continue; }
    expect_eq "$(sed -n 1,2p "$manifest")" "# compozy plugin manifest
manifest: 1" "the head of $(basename "$manifest")"
    grep -q '^summary: [a-zA-Z]' "$manifest" || fail "$(basename "$manifest") has no summary"
  done
  expect_eq "$count" 3 "the example plugins"
}

run_tests "$@"

#!/usr/bin/env bash
# Every example in the README and in --help, run as written (placeholders such
# as SESSION_ID and key.txt filled in) against a compozy-devcloud on loopback,
# with `compozy` on PATH as an installation puts it there.
. "$(dirname "$0")/../support/lib.sh"
. "$(dirname "$0")/../support/devcloud.sh"

README="$COMPOZY_SOURCE_ROOT/README.md"

# The indented `compozy …` lines of the README, in order, without their comments.
readme_commands() { sed -n 's/^    \(compozy [^#]*\).*/\1/p' "$README" | sed 's/ *$//'; }

# The fenced block of LANGUAGE that follows the first line matching TEXT.
readme_block() {  # readme_block TEXT LANGUAGE
  awk -v text="$1" -v fence="\`\`\`$2" '
    index($0, text) { found = 1 }
    found && $0 == fence { inside = 1; next }
    inside && $0 == "```" { exit }
    inside { print }' "$README"
}

# A signed-in HOME with compozy on PATH, in a working folder holding key.txt.
setup_examples() {
  start_devcloud_with_shared_key --user ada@example.com --device-interval 1 || return
  export COMPOZY_HOST=$DEVCLOUD_URL BROWSER=$FAKE_BROWSER PATH="$TEST_DIR/bin:$PATH"
  mkdir -p "$TEST_DIR/bin" "$TEST_DIR/work"
  ln -s "$COMPOZY" "$TEST_DIR/bin/compozy"
  request POST "$DEVCLOUD_URL/settings/api-keys" --data-urlencode name=readme --data-urlencode expires_in_days=
  new_api_key >"$TEST_DIR/work/key.txt"
  cd "$TEST_DIR/work" || return
}

signed_in() { [ -n "$(stored access_token)" ]; }

# run_completion_example 'compozy completion SHELL > FILE': into a folder that
# exists, as the README says; FILE then holds that shell's script.
run_completion_example() {
  local command file
  command=$(printf '%s' "${1%%#*}" | sed 's/ *$//')
  file=${command##*> }
  file=${file/#\~/$HOME}
  mkdir -p "$(dirname "$file")"
  run_example "$command"
  local shell=${command#compozy completion }
  "$COMPOZY" completion "${shell%% *}" | cmp -s - "$file" || fail "'$command' wrote no $shell script to $file"
}

# run_example COMMAND: runs it through the shell as a person would type it; must succeed.
run_example() {
  local status=0
  bash -c "$1" >"$OUT" 2>"$ERR" </dev/null || status=$?
  [ "$status" = 0 ] || { fail "'$1' exited $status"; show_output; }
}

test_every_command_in_the_readme_runs() {
  setup_examples || return
  # A second session, for `auth revoke SESSION_ID` to end.
  expect_status 0 compozy login --profile laptop
  local other ran=0 command
  other=$(compozy auth list --json --profile laptop | jq -r '.sessions[] | select(.current) | .id')
  [ -n "$other" ] || fail "no session ID to revoke"
  while IFS= read -r command; do
    ran=$((ran + 1))
    case $command in
      "compozy devcloud"*) continue ;;  # a server: its own case below
      "compozy login"*) ;;
      *) signed_in || expect_status 0 compozy login ;;  # the commands of the Sessions list need a session
    esac
    case $command in
      *SESSION_ID*) run_example "${command/SESSION_ID/$other}" ;;
      "compozy completion"*) run_completion_example "$command" ;;
      *https://compozy.example.com*) run_example "${command//https:\/\/compozy.example.com/$DEVCLOUD_URL}" ;;
      *revoke-all*)  # it asks first on a terminal: one is given, and the answer yes
        printf 'y\n' | script -qec "$command" /dev/null >"$OUT" 2>&1
        expect_file_has "$OUT" "Revoked" ;;
      *) run_example "$command" ;;
    esac
  done < <(readme_commands)
  [ "$ran" -ge 11 ] || fail "found only $ran commands in the README"
}

test_the_devcloud_example_in_the_readme_runs() {
  mkdir -p "$TEST_DIR/bin"
  ln -s "$COMPOZY" "$TEST_DIR/bin/compozy"
  local command port
  command=$(readme_commands | grep '^compozy devcloud' | head -n 1)
  [ -n "$command" ] || { fail "no devcloud example in the README"; return; }
  port=$(free_port)
  PATH="$TEST_DIR/bin:$PATH" bash -c "exec ${command/--port 8080/--port $port}" >"$TEST_DIR/devcloud.log" 2>&1 &
  local devcloud=$!
  BACKGROUND_PIDS+=("$devcloud")
  wait_for "$TEST_DIR/devcloud.log" "listening on http://127.0.0.1:$port" >/dev/null || return
  BROWSER=$FAKE_BROWSER expect_status 0 "$COMPOZY" login --host "http://127.0.0.1:$port"
  expect_stderr_has "as you@example.com"
  kill -INT "$devcloud"
  local status=0
  wait "$devcloud" || status=$?
  expect_eq "$status" 0 "devcloud's exit status after Ctrl-C"
  expect_eq "$(stat -c %a "$HOME/.devcloud.json")" 600 "the state file's mode"
}

# The host only in config.yaml, as most people have it: then COMPOZY_HOST is
# unset, and a plugin falling back to a default host would miss it.
host_only_in_the_profile() {
  unset COMPOZY_HOST
  mkdir -p "$HOME/.config/compozy"
  printf 'profiles:\n  default:\n    host: %s\n' "$DEVCLOUD_URL" >"$HOME/.config/compozy/config.yaml"
  expect_status 0 compozy login
}

test_the_plugin_examples_in_the_readme_run_with_the_host_from_the_profile() {
  setup_examples || return
  host_only_in_the_profile
  local anchor
  for anchor in "A plugin that calls the Compozy API" "A plugin with its own HTTP client"; do
    readme_block "$anchor" sh >"$TEST_DIR/bin/compozy-me"
    [ -s "$TEST_DIR/bin/compozy-me" ] || { fail "no example after '$anchor' in the README"; continue; }
    chmod +x "$TEST_DIR/bin/compozy-me"
    expect_status 0 compozy me
    expect_eq "$(jq -r .email "$OUT")" ada@example.com "the account the plugin fetched ($anchor)"
  done
}

test_the_manifest_example_in_the_readme_describes_a_plugin() {
  setup_examples || return
  printf '#!/bin/sh\necho hello\n' >"$TEST_DIR/bin/compozy-hello"
  chmod +x "$TEST_DIR/bin/compozy-hello"
  readme_block "A plugin describes itself" yaml >"$TEST_DIR/bin/compozy-hello.manifest"
  [ -s "$TEST_DIR/bin/compozy-hello.manifest" ] || { fail "no manifest example in the README"; return; }
  expect_status 0 compozy help
  grep -qxE '  hello +Say hello to the signed-in account' "$OUT" || fail "help lacks the summary: $(cat "$OUT")"
  expect_status 0 compozy plugin list
  expect_stderr_is ""
}

test_the_alias_examples_in_the_readme_and_help_run() {
  setup_examples || return
  mkdir -p "$HOME/.config/compozy"
  readme_block "## Aliases" yaml >"$HOME/.config/compozy/config.yaml"
  expect_status 0 compozy login
  expect_status 0 compozy st
  expect_stdout_has "✓ Logged in as ada@example.com"
  expect_status 0 compozy who
  expect_stdout_is ada@example.com
  # compozy alias --help shows the same kind of config.
  compozy alias --help | sed -n 's/^ *\(who: .*\)/aliases:\n  \1/p' >"$HOME/.config/compozy/config.yaml"
  expect_status 0 compozy who
  expect_stdout_is ada@example.com
}

test_the_auth_token_help_example_runs() {
  setup_examples || return
  host_only_in_the_profile
  { echo '#!/bin/sh'; compozy auth token --help | sed -n 's/^  \(auth=.*\|host=.*\|printf .*\)/\1/p'; } \
    >"$TEST_DIR/bin/compozy-me"
  [ "$(grep -c . "$TEST_DIR/bin/compozy-me")" = 4 ] ||
    fail "the manual's example changed: $(cat "$TEST_DIR/bin/compozy-me")"
  chmod +x "$TEST_DIR/bin/compozy-me"
  expect_status 0 compozy me
  expect_eq "$(jq -r .email "$OUT")" ada@example.com "the account the example fetched"
}

test_the_completion_help_examples_run() {
  setup_examples || return
  local ran=0 command
  while IFS= read -r command; do
    ran=$((ran + 1))
    run_completion_example "$command"
  done < <(compozy completion --help | sed -n 's/^    \(compozy completion .*\)/\1/p')
  [ "$ran" = 3 ] || fail "found $ran examples in compozy completion --help, expected 3"
}

test_the_api_help_examples_run() {
  setup_examples || return
  expect_status 0 compozy login
  local ran=0 command
  while IFS= read -r command; do
    ran=$((ran + 1))
    run_example "$command"
    case $command in
      *"jq -r .email") expect_stdout_is ada@example.com ;;
      *" -i "*) expect_stdout_has "HTTP/1.1 200" ;;
      *) jq -e . "$OUT" >/dev/null || fail "'$command' printed no JSON: $(cat "$OUT")" ;;
    esac
  done < <(compozy api --help | sed -n 's/^  \(compozy api .*\)/\1/p')
  [ "$ran" -ge 4 ] || fail "found only $ran examples in compozy api --help"
}

test_the_doctor_help_examples_run() {
  setup_examples || return
  expect_status 0 compozy login
  local ran=0 command
  while IFS= read -r command; do
    ran=$((ran + 1))
    run_example "$command"
  done < <(compozy doctor --help | sed -n 's/^  \(compozy doctor.*\)/\1/p')
  [ "$ran" -ge 2 ] || fail "found only $ran examples in compozy doctor --help"
}

# `gh secret set` stands in as a script that keeps what it read, so the pipe is
# checked end to end: the one line on stdout is a key that works.
test_the_auth_keys_help_examples_run() {
  setup_examples || return
  expect_status 0 compozy login
  printf '#!/bin/sh\ncat >"%s/secret"\n' "$TEST_DIR" >"$TEST_DIR/bin/gh"
  chmod +x "$TEST_DIR/bin/gh"
  local ran=0 command name
  for name in create rotate; do
    while IFS= read -r command; do
      ran=$((ran + 1))
      run_example "$command"
      expect_eq "$(wc -l <"$TEST_DIR/secret")" 1 "lines gh read from '$command'"
      FLYZT_API_KEY=$(cat "$TEST_DIR/secret") expect_status 0 compozy api /api/v1/me
    done < <(compozy auth keys "$name" --help | sed -n 's/^    \(compozy auth keys .*\)/\1/p')
  done
  [ "$ran" -ge 2 ] || fail "found only $ran examples in compozy auth keys create and rotate --help"
}

run_tests "$@"

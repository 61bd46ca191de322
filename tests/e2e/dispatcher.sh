#!/usr/bin/env bash
# The `compozy` dispatcher against fake plugins in temporary folders: what it
# runs, with what, and what the shell sees afterwards.
. "$(dirname "$0")/../support/lib.sh"

# plugin DIR NAME BODY: a shell-script plugin compozy-NAME in DIR.
plugin() {
  mkdir -p "$1"
  printf '#!/bin/sh\n%s\n' "$3" >"$1/compozy-$2"
  chmod +x "$1/compozy-$2"
}

# Runs the dispatcher with only our folders and the system's on PATH, and no
# installed plugins, so nothing of the build tree interferes.
compozy_with_path() {
  local path=$1; shift
  env PATH="$path:/usr/bin:/bin" COMPOZY_EXEC_PATH="$TEST_DIR/no-exec-dir" "$COMPOZY" "$@"
}

test_longest_dash_joined_name_runs_first() {
  plugin "$TEST_DIR/bin" a 'echo "a $*"'
  plugin "$TEST_DIR/bin" a-b 'echo "a-b $*"'
  expect_status 0 compozy_with_path "$TEST_DIR/bin" a b c
  expect_stdout_is "a-b c"
  expect_status 0 compozy_with_path "$TEST_DIR/bin" a x b
  expect_stdout_is "a x b"
  # Joining stops at the first option.
  expect_status 0 compozy_with_path "$TEST_DIR/bin" a --flag b
  expect_stdout_is "a --flag b"
}

test_exec_path_comes_before_path_and_earlier_path_folders_win() {
  plugin "$TEST_DIR/exec" who 'echo exec-path'
  plugin "$TEST_DIR/first" who 'echo first'
  plugin "$TEST_DIR/second" who 'echo second'
  plugin "$TEST_DIR/second" only-second 'echo second'
  expect_status 0 env PATH="$TEST_DIR/first:$TEST_DIR/second:/usr/bin:/bin" \
    COMPOZY_EXEC_PATH="$TEST_DIR/exec" "$COMPOZY" who
  expect_stdout_is "exec-path"
  expect_status 0 compozy_with_path "$TEST_DIR/first:$TEST_DIR/second" who
  expect_stdout_is "first"
  expect_status 0 compozy_with_path "$TEST_DIR/first:$TEST_DIR/second" only-second
  expect_stdout_is "second"
}

test_relative_path_entries_are_never_searched() {
  plugin "$TEST_DIR/work" here 'echo planted'
  plugin "$TEST_DIR/work/bin" there 'echo planted'
  cd "$TEST_DIR/work" || return
  for path in ".:/usr/bin:/bin" ":/usr/bin:/bin" "/usr/bin::/bin" "bin:/usr/bin:/bin"; do
    expect_status 1 env PATH="$path" COMPOZY_EXEC_PATH="$TEST_DIR/none" "$COMPOZY" here
    expect_stdout_is ""
    expect_status 1 env PATH="$path" COMPOZY_EXEC_PATH="$TEST_DIR/none" "$COMPOZY" there
  done
}

test_names_that_could_leave_the_folder_are_never_tried() {
  mkdir -p "$TEST_DIR/bin/sub"
  plugin "$TEST_DIR/bin" x 'echo "x $*"'
  plugin "$TEST_DIR/bin/sub" compozy-y 'echo escaped'
  expect_status 0 compozy_with_path "$TEST_DIR/bin" x ../sub
  expect_stdout_is "x ../sub"
  expect_status 1 compozy_with_path "$TEST_DIR/bin" ../bin/sub/compozy-y
  expect_stdout_is ""
}

test_arguments_pass_byte_for_byte_to_a_compiled_plugin() {
  mkdir -p "$TEST_DIR/bin"
  cp "$PRINT_ARGS" "$TEST_DIR/bin/compozy-print-args"
  local args=("with space" $'new\nline' "ünïcødé ✓" "" "--flag=1" "-" "--" "'quoted'" '$HOME' '*')
  compozy_with_path "$TEST_DIR/bin" print args "${args[@]}" >"$TEST_DIR/got" 2>"$ERR"
  expect_eq "$?" 0 "exit status"
  printf '%s\0' "${args[@]}" >"$TEST_DIR/want"
  cmp -s "$TEST_DIR/got" "$TEST_DIR/want" || fail "arguments differ: $(od -c "$TEST_DIR/got" | head -5)"
}

test_exit_codes_pass_through() {
  mkdir -p "$TEST_DIR/bin"
  cp "$PRINT_ARGS" "$TEST_DIR/bin/compozy-status"
  local code
  for code in 0 1 3 255; do
    expect_status "$code" env PRINT_ARGS_EXIT="$code" PATH="$TEST_DIR/bin:/usr/bin:/bin" \
      COMPOZY_EXEC_PATH="$TEST_DIR/none" "$COMPOZY" status
  done
}

test_a_signal_death_reaches_the_shell() {
  plugin "$TEST_DIR/bin" die 'kill -TERM $$; sleep 5'
  compozy_with_path "$TEST_DIR/bin" die
  expect_eq "$?" 143 "status after SIGTERM (128 + 15)"
  # The dispatcher does not stay around as a parent: the plugin has its pid.
  plugin "$TEST_DIR/bin" pid 'echo "plugin $$"'
  local pids
  pids=$(PATH="$TEST_DIR/bin:/usr/bin:/bin" COMPOZY_EXEC_PATH="$TEST_DIR/none" bash -c \
    '"$0" pid & echo "launched $!"; wait' "$COMPOZY")
  expect_eq "$(echo "$pids" | sed -n 's/^plugin //p')" "$(echo "$pids" | sed -n 's/^launched //p')" "plugin pid"
}

test_standard_streams_pass_through() {
  plugin "$TEST_DIR/bin" cat 'cat; echo err >&2'
  printf 'line 1\nline 2\n' >"$TEST_DIR/in"
  STDIN="$TEST_DIR/in" expect_status 0 compozy_with_path "$TEST_DIR/bin" cat
  expect_stdout_is $'line 1\nline 2'
  expect_stderr_is "err"
}

test_the_plugin_learns_about_the_suite_from_its_environment() {
  plugin "$TEST_DIR/bin" env 'echo "$COMPOZY_EXEC_PATH|$COMPOZY_BIN|${COMPOZY_HOST-unset}|${COMPOZY_PROFILE-unset}"'
  expect_status 0 compozy_with_path "$TEST_DIR/bin" env
  expect_stdout_is "$TEST_DIR/no-exec-dir|$(readlink -f "$COMPOZY")|unset|unset"
  expect_status 0 compozy_with_path "$TEST_DIR/bin" --host https://cloud.example --profile=work env
  expect_stdout_is "$TEST_DIR/no-exec-dir|$(readlink -f "$COMPOZY")|https://cloud.example|work"
  expect_status 0 compozy_with_path "$TEST_DIR/bin" --host=http://127.0.0.1:1 -- env
  expect_stdout_has "|http://127.0.0.1:1|"
}

test_global_option_mistakes_are_usage_errors() {
  expect_status 2 "$COMPOZY" --bogus
  expect_stderr_has "compozy: unknown option '--bogus'"
  expect_stderr_has "usage: compozy"
  expect_status 2 "$COMPOZY" --host
  expect_stderr_has "compozy: option '--host' needs a value"
}

test_version_help_and_exec_path() {
  expect_status 0 "$COMPOZY" --version
  expect_stdout_has "compozy version "
  expect_status 0 "$COMPOZY" version
  expect_stdout_has "compozy version "
  expect_status 0 env COMPOZY_EXEC_PATH="/x/y:/z" "$COMPOZY" --exec-path
  expect_stdout_is "/x/y:/z"
  expect_status 0 "$COMPOZY" --exec-path
  expect_stdout_is "$COMPOZY_BUILD_ROOT/plugins:$COMPOZY_BUILD_ROOT/devcloud"
  expect_status 0 "$COMPOZY"
  expect_stdout_has "Core commands:"
  expect_stdout_has "auth status"
  expect_status 0 "$COMPOZY" help
  expect_stdout_has "Core commands:"
}

test_help_for_a_command_runs_the_plugin_with_help() {
  plugin "$TEST_DIR/bin" deploy-preview 'echo "help? $*"'
  expect_status 0 compozy_with_path "$TEST_DIR/bin" help deploy preview
  expect_stdout_is "help? --help"
  expect_status 0 compozy_with_path "$TEST_DIR/bin" help
  expect_stdout_has "deploy preview"
  expect_stdout_has "$TEST_DIR/bin/compozy-deploy-preview"
}

test_a_group_lists_its_commands() {
  plugin "$TEST_DIR/bin" grp-one 'true'
  plugin "$TEST_DIR/bin" grp-two 'true'
  plugin "$TEST_DIR/bin" grpx 'true'
  expect_status 0 compozy_with_path "$TEST_DIR/bin" grp
  expect_stdout_has "usage: compozy grp <command>"
  expect_stdout_has "  one"
  expect_stdout_has "  two"
  expect_stdout_lacks "grpx"
  expect_status 0 compozy_with_path "$TEST_DIR/bin" help grp
  expect_stdout_has "  two"
}

test_an_unknown_command_gets_suggestions() {
  plugin "$TEST_DIR/bin" hello 'echo hi'
  plugin "$TEST_DIR/bin" auth-status 'echo status'
  expect_status 1 compozy_with_path "$TEST_DIR/bin" helo
  expect_stderr_is $'compozy: \'helo\' is not a compozy command; see \'compozy help\'\n\nThe most similar command is\n\thello'
  expect_status 1 compozy_with_path "$TEST_DIR/bin" auth stauts --json
  expect_stderr_has "compozy: 'auth stauts' is not a compozy command"
  expect_stderr_has $'\tauth status'
  expect_status 1 compozy_with_path "$TEST_DIR/bin" frobnicate
  expect_stderr_is "compozy: 'frobnicate' is not a compozy command; see 'compozy help'"
}

test_a_plugin_that_cannot_run_is_named_with_the_reason() {
  plugin "$TEST_DIR/bin" noexec 'echo never'
  chmod -x "$TEST_DIR/bin/compozy-noexec"
  expect_status 126 compozy_with_path "$TEST_DIR/bin" noexec
  expect_stderr_is "compozy: cannot run 'noexec' ($TEST_DIR/bin/compozy-noexec): it is not executable (permission denied); try chmod +x"

  printf '#!/nonexistent/interpreter -x\necho never\n' >"$TEST_DIR/bin/compozy-badinterp"
  chmod +x "$TEST_DIR/bin/compozy-badinterp"
  expect_status 126 compozy_with_path "$TEST_DIR/bin" badinterp
  expect_stderr_is "compozy: cannot run 'badinterp' ($TEST_DIR/bin/compozy-badinterp): bad interpreter '/nonexistent/interpreter': no such file"

  printf '\x7fELF garbage' >"$TEST_DIR/bin/compozy-garbage"
  chmod +x "$TEST_DIR/bin/compozy-garbage"
  expect_status 126 compozy_with_path "$TEST_DIR/bin" garbage
  expect_stderr_has "compozy: cannot run 'garbage' ($TEST_DIR/bin/compozy-garbage): it is not in an executable format"
}

test_plugin_list_shows_what_runs_and_warns_about_the_rest() {
  plugin "$TEST_DIR/exec" login 'true'
  plugin "$TEST_DIR/exec" hello 'true'
  plugin "$TEST_DIR/bin" hello 'true'
  plugin "$TEST_DIR/bin" help 'true'
  plugin "$TEST_DIR/bin" logout 'true'
  plugin "$TEST_DIR/bin" broken 'true'
  chmod -x "$TEST_DIR/bin/compozy-broken"
  expect_status 0 env PATH="$TEST_DIR/bin:/usr/bin:/bin" COMPOZY_EXEC_PATH="$TEST_DIR/exec" "$COMPOZY" plugin list
  expect_stdout_has "$TEST_DIR/exec/compozy-hello"
  expect_stdout_has "$TEST_DIR/exec/compozy-login"
  expect_stdout_lacks "$TEST_DIR/bin/compozy-hello"
  expect_stderr_has "warning: $TEST_DIR/bin/compozy-hello is shadowed by $TEST_DIR/exec/compozy-hello"
  expect_stderr_has "warning: $TEST_DIR/bin/compozy-help is shadowed by the built-in command 'help'"
  expect_stderr_has "warning: $TEST_DIR/bin/compozy-broken is not executable; it will not run"
  expect_stderr_has "warning: $TEST_DIR/bin/compozy-logout overrides the core command 'logout'"

  expect_status 0 env PATH="$TEST_DIR/bin:/usr/bin:/bin" COMPOZY_EXEC_PATH="$TEST_DIR/exec" "$COMPOZY" plugin list --json
  local d=$TEST_DIR
  jq -e --arg d "$d" '.schema_version == 1 and
    ([.plugins[] | {(.path): .}] | add) as $by |
    $by[$d + "/exec/compozy-hello"].active == true and
    $by[$d + "/exec/compozy-login"].core == true and
    $by[$d + "/bin/compozy-hello"].shadowed_by == $d + "/exec/compozy-hello" and
    $by[$d + "/bin/compozy-broken"].executable == false and
    $by[$d + "/bin/compozy-help"].shadowed_by == "built-in" and
    ($by[$d + "/bin/compozy-logout"].warnings | length) > 0' "$OUT" >/dev/null ||
    fail "plugin list --json is not as documented: $(cat "$OUT")"
  expect_status 2 "$COMPOZY" plugin frob
  expect_stderr_has "compozy: unknown subcommand 'plugin frob'"
}

test_the_build_tree_finds_its_own_plugins_and_each_says_its_summary() {
  expect_status 0 "$COMPOZY" plugin list --json
  local built
  built=$(jq -r '[.plugins[] | select(.active and .core) | .name] | sort | join(",")' "$OUT")
  expect_eq "$built" "alias,api,auth keys create,auth keys list,auth keys revoke,auth keys rotate,auth list,auth refresh,auth revoke,auth revoke-all,auth status,auth token,completion,devcloud,doctor,login,logout,profile add,profile list,profile remove,profile use" \
    "core commands built"
  expect_status 0 "$COMPOZY" help
  expect_stdout_lacks "(not installed)"
  # The overview and each tool's own --help show the one summary of the command table.
  local overview name summary
  overview=$(cat "$OUT")
  for name in login logout "auth status" "auth token" "auth list" "auth refresh" "auth revoke" "auth revoke-all" api alias doctor; do
    summary=$(printf '%s\n' "$overview" | sed -n "s/^  $name  *//p" | head -n 1)
    [ -n "$summary" ] || { fail "'$name' is not in the overview"; continue; }
    # shellcheck disable=SC2086
    expect_status 0 "$COMPOZY" help $name
    expect_eq "$(head -n 1 "$OUT")" "compozy $name - $summary" "the first line of 'compozy help $name'"
  done
}

test_a_staged_install_moved_elsewhere_still_dispatches() {
  meson install -C "$COMPOZY_BUILD_ROOT" --no-rebuild --quiet --destdir "$TEST_DIR/stage" >/dev/null 2>"$ERR" ||
    { fail "meson install failed"; show_output; return; }
  local prefix
  prefix=$(cd "$TEST_DIR/stage" && dirname "$(dirname "$(find . -path '*/bin/compozy' | head -n 1)")")
  mv "$TEST_DIR/stage/$prefix" "$TEST_DIR/moved"
  local moved="$TEST_DIR/moved"
  local libexec
  libexec=$(dirname "$(find "$moved" -name 'compozy-*' -not -path '*/bin/*' -not -path '*/share/*' | head -n 1)")
  expect_status 0 env PATH=/usr/bin:/bin "$moved/bin/compozy" --exec-path
  expect_stdout_is "$libexec"
  plugin "$libexec" hello 'echo "hello from $COMPOZY_EXEC_PATH"'
  expect_status 0 env PATH=/usr/bin:/bin "$moved/bin/compozy" hello
  expect_stdout_is "hello from $libexec"
  expect_status 0 env PATH=/usr/bin:/bin "$moved/bin/compozy" devcloud --version
  [ ! -e "$moved/bin/.compozy-build-tree" ] || fail "the build-tree marker was installed"
}

# manifest DIR NAME TEXT: the manifest of compozy-NAME in DIR (docs/plugin-manifest.md).
manifest() { printf '%s' "$3" >"$1/compozy-$2.manifest"; }

# Credential helpers are run by compozy, not typed: plugin list shows them, help does not.
test_credential_helpers_are_in_plugin_list_not_in_help() {
  plugin "$TEST_DIR/bin" credential-vault 'true'
  plugin "$TEST_DIR/bin" hello 'true'
  expect_status 0 compozy_with_path "$TEST_DIR/bin" help
  expect_stdout_has "  hello "
  expect_stdout_lacks "credential vault"
  expect_status 0 compozy_with_path "$TEST_DIR/bin" plugin list
  expect_stdout_has "$TEST_DIR/bin/compozy-credential-vault"
}

test_a_plugin_manifest_gives_its_summary_in_help_and_plugin_list() {
  plugin "$TEST_DIR/bin" hello 'echo "hello $*"'
  manifest "$TEST_DIR/bin" hello $'# compozy plugin manifest\nmanifest: 1\nsummary: Say hello to the signed-in account\nusage: "[--json] NAME"\n'
  plugin "$TEST_DIR/bin" deploy-preview 'true'
  manifest "$TEST_DIR/bin" deploy-preview $'manifest: 1\nsummary: Deploy a preview\n'
  plugin "$TEST_DIR/bin" plain 'true'
  plugin "$TEST_DIR/bin" name-longer-than-any-core-command 'true'
  manifest "$TEST_DIR/bin" name-longer-than-any-core-command $'manifest: 1\nsummary: Long\n'
  expect_status 0 compozy_with_path "$TEST_DIR/bin" help
  expect_stdout_has "Other commands found:"
  grep -qE '^  hello +Say hello to the signed-in account$' "$OUT" || fail "no summary for hello in help: $(cat "$OUT")"
  grep -qE '^  name longer than any core command {2,}Long$' "$OUT" || fail "a long name runs into its summary: $(cat "$OUT")"
  expect_stdout_has "$TEST_DIR/bin/compozy-plain"
  expect_status 0 compozy_with_path "$TEST_DIR/bin" deploy
  grep -qE '^  preview +Deploy a preview$' "$OUT" || fail "no summary in the group: $(cat "$OUT")"
  expect_status 0 compozy_with_path "$TEST_DIR/bin" plugin list
  grep -qxE "hello +Say hello to the signed-in account +$TEST_DIR/bin/compozy-hello" "$OUT" ||
    fail "no summary for hello in plugin list: $(cat "$OUT")"
  expect_stdout_lacks ".manifest"
  expect_stderr_is ""
  expect_status 0 compozy_with_path "$TEST_DIR/bin" plugin list --json
  jq -e --arg d "$TEST_DIR/bin" '([.plugins[] | {(.name): .}] | add) as $by |
    $by.hello.summary == "Say hello to the signed-in account" and $by.hello.usage == "[--json] NAME" and
    $by.hello.manifest == $d + "/compozy-hello.manifest" and $by.plain.summary == null and
    ([.plugins[] | select(.path | endswith(".manifest"))] | length) == 0' "$OUT" >/dev/null ||
    fail "plugin list --json lacks the summaries: $(cat "$OUT")"
  # Running the plugin never reads the manifest, and a manifest is never run.
  expect_status 0 compozy_with_path "$TEST_DIR/bin" hello x
  expect_stdout_is "hello x"
  chmod +x "$TEST_DIR/bin/compozy-hello.manifest"
  expect_status 1 compozy_with_path "$TEST_DIR/bin" hello.manifest
  expect_stderr_is "compozy: 'hello.manifest' is not a compozy command; see 'compozy help'"
}

test_a_bad_manifest_never_stops_its_plugin_and_lists_safely() {
  local name
  for name in garbage huge escapes long; do plugin "$TEST_DIR/bin" "$name" "echo $name ran"; done
  head -c 3000 /dev/urandom >"$TEST_DIR/bin/compozy-garbage.manifest"
  { printf 'manifest: 1\nsummary: big\n'; head -c 1048576 /dev/zero | tr '\0' '#'; } >"$TEST_DIR/bin/compozy-huge.manifest"
  manifest "$TEST_DIR/bin" escapes $'manifest: 1\nsummary: \e[31mred\e]0;title\a\n'
  manifest "$TEST_DIR/bin" long $'manifest: 1\nsummary: right\u202eto left '"$(printf 'x%.0s' $(seq 1 200))"$'\n'
  mkfifo "$TEST_DIR/bin/compozy-fifo.manifest"
  plugin "$TEST_DIR/bin" fifo 'echo fifo ran'
  for name in garbage huge escapes long fifo; do
    expect_status 0 compozy_with_path "$TEST_DIR/bin" "$name"
    expect_stdout_is "$name ran"
  done
  expect_status 0 timeout 10 env PATH="$TEST_DIR/bin:/usr/bin:/bin" COMPOZY_EXEC_PATH="$TEST_DIR/none" "$COMPOZY" plugin list
  expect_stderr_has "warning: $TEST_DIR/bin/compozy-huge.manifest is not a usable manifest (larger than 4096 bytes); see docs/plugin-manifest.md"
  expect_stderr_has "warning: $TEST_DIR/bin/compozy-escapes.manifest is not a usable manifest (line 2: a control character, a tab or bytes that are not UTF-8)"
  expect_stderr_has "warning: $TEST_DIR/bin/compozy-garbage.manifest is not a usable manifest ("
  expect_stderr_has "warning: $TEST_DIR/bin/compozy-fifo.manifest is not a usable manifest (not a regular file)"
  expect_stdout_has "right\\u202eto left xxx"
  local row
  row=$(grep '^long ' "$OUT" | sed "s#  *$TEST_DIR/bin/compozy-long\$##; s/^long  *//")
  expect_eq "$(printf '%s' "$row" | wc -m)" 80 "columns of a long summary"
  ! grep -q $'[\x01-\x08\x0b-\x1f\x7f]' "$OUT" "$ERR" || fail "a control character reached the terminal: $(cat -v "$OUT" "$ERR")"
  expect_status 0 compozy_with_path "$TEST_DIR/bin" help
  expect_stdout_has "$TEST_DIR/bin/compozy-escapes"
  ! grep -q $'[\x01-\x08\x0b-\x1f\x7f]' "$OUT" || fail "a control character reached the terminal: $(cat -v "$OUT")"
  # A file name is outside text too, in every listing and suggestion.
  plugin "$TEST_DIR/bin" $'hello\e[31m' 'true'
  expect_status 1 compozy_with_path "$TEST_DIR/bin" hello
  expect_stderr_has $'\thello\\x1b[31m'
  ! grep -q $'[\x01-\x08\x0b-\x1f\x7f]' "$ERR" || fail "a control character reached the terminal: $(cat -v "$ERR")"
  expect_status 0 compozy_with_path "$TEST_DIR/bin" help
  expect_stdout_has 'hello\x1b[31m'
  ! grep -q $'[\x01-\x08\x0b-\x1f\x7f]' "$OUT" || fail "a control character reached the terminal: $(cat -v "$OUT")"
  expect_status 0 compozy_with_path "$TEST_DIR/bin" plugin list --json
  jq -e '[.plugins[] | select(.name == "huge") | .summary == null and (.warnings | length) == 1] | all' "$OUT" >/dev/null ||
    fail "plugin list --json: $(cat "$OUT")"
}

test_a_missing_tool_names_the_package_that_provides_it() {
  # The build tree without its devcloud/ folder is an installation without compozy-devcloud.
  expect_status 127 env PATH=/usr/bin:/bin COMPOZY_EXEC_PATH="$PLUGINS_DIR" "$COMPOZY" devcloud --port 0
  expect_stderr_is "compozy: 'devcloud' is not installed: it is in the Debian package compozy-devcloud (apt install compozy-devcloud)"
  expect_status 127 env PATH=/usr/bin:/bin COMPOZY_EXEC_PATH="$PLUGINS_DIR" "$COMPOZY" help devcloud
  expect_stderr_has "it is in the Debian package compozy-devcloud"
  expect_status 0 env PATH=/usr/bin:/bin COMPOZY_EXEC_PATH="$PLUGINS_DIR" "$COMPOZY" help
  expect_stdout_lacks "devcloud"
  expect_stdout_lacks "(not installed)"
  # A tool of the compozy package itself missing is a broken installation.
  mkdir -p "$TEST_DIR/exec"
  ln -s "$PLUGINS_DIR/compozy-login" "$TEST_DIR/exec/compozy-login"
  expect_status 127 env PATH=/usr/bin:/bin COMPOZY_EXEC_PATH="$TEST_DIR/exec" "$COMPOZY" auth status --json
  expect_stderr_is "compozy: 'auth status' is missing from this installation, which is incomplete; reinstall it (apt install --reinstall compozy)"
  expect_status 0 env PATH=/usr/bin:/bin COMPOZY_EXEC_PATH="$TEST_DIR/exec" "$COMPOZY" help
  expect_stdout_has "Show the account you are signed in as, and check it (not installed)"
}

test_what_gh_and_fly_users_type_gets_the_compozy_command() {
  local typed
  while IFS='|' read -r typed hint; do
    # shellcheck disable=SC2086
    expect_status 1 "$COMPOZY" $typed
    expect_stderr_is "compozy: '${typed% --*}' is not a compozy command; see 'compozy help'"$'\n'"hint: $hint"
  done <<'CASES'
auth login --web|to sign in, run `compozy login --web`
auth logout|to sign out, run `compozy logout`
auth whoami|to see the account you are signed in as, run `compozy auth status`
whoami|to see the account you are signed in as, run `compozy auth status`
auth switch work|to use another profile from now on, run `compozy profile use work`
auth switch|to use another profile from now on, run `compozy profile use NAME`
CASES
  # What followed the synonym is kept, quoted as a shell reads it back, so the hint signs in to the same place.
  expect_status 1 "$COMPOZY" auth login --profile work --host "https://x.example.com/a b" "it's"
  expect_stderr_has "run \`compozy login --profile work --host 'https://x.example.com/a b' 'it'\\''s'\`"
  expect_status 1 "$COMPOZY" auth login $'\e[2J'
  expect_stderr_lacks $'\e'
  expect_status 1 "$COMPOZY" $'\e]0;x\a'
  expect_stderr_lacks $'\e'
}

# Aliases come from config.yaml through the installation's compozy-alias.
with_aliases() {
  mkdir -p "$TEST_DIR/exec" "$HOME/.config/compozy"
  ln -sf "$PLUGINS_DIR/compozy-alias" "$TEST_DIR/exec/compozy-alias"
  printf 'aliases:\n%s\n' "$1" >"$HOME/.config/compozy/config.yaml"
}
compozy_with_aliases() {
  env PATH="$TEST_DIR/bin:/usr/bin:/bin" COMPOZY_EXEC_PATH="$TEST_DIR/exec" "$COMPOZY" "$@"
}

test_an_alias_runs_its_expansion_with_the_rest_of_the_line() {
  plugin "$TEST_DIR/bin" auth-status 'echo "status $*"'
  with_aliases "  st: auth status --offline
  quoted: auth status 'two words'"
  expect_status 0 compozy_with_aliases st --json
  expect_stdout_is "status --offline --json"
  expect_status 0 compozy_with_aliases quoted
  expect_stdout_is "status two words"
  expect_status 0 compozy_with_aliases help st
  expect_stdout_is "'st' is aliased to 'auth status --offline'"
  expect_status 0 compozy_with_aliases alias
  expect_stdout_has "st	auth status --offline"
}

test_an_alias_never_shadows_a_command() {
  plugin "$TEST_DIR/bin" hello 'echo "the command"'
  with_aliases "  hello: auth status"
  expect_status 0 compozy_with_aliases hello
  expect_stdout_is "the command"
}

test_shell_aliases_run_in_sh_with_the_arguments() {
  with_aliases "  greet: \"!printf '%s|' hello\""
  expect_status 0 compozy_with_aliases greet "a b" c
  expect_stdout_is "hello|a b|c|"
}

test_alias_loops_and_missing_targets_are_reported() {
  with_aliases "  one: two
  two: one
  gone: nothing here"
  expect_status 1 compozy_with_aliases one
  expect_stderr_is "compozy: alias loop detected: one -> two -> one"
  expect_status 127 compozy_with_aliases gone
  expect_stderr_is "compozy: alias 'gone' runs 'nothing here', which is not a compozy command"
  expect_status 1 compozy_with_aliases gon
  expect_stderr_has $'The most similar command is\n\tgone'
}

test_a_broken_config_does_not_stop_plugins_and_is_reported_for_aliases() {
  plugin "$TEST_DIR/bin" hello 'echo hi'
  with_aliases "  st: [auth"
  expect_status 0 compozy_with_aliases hello
  expect_stdout_is "hi"
  expect_status 1 compozy_with_aliases st
  expect_stderr_has "compozy alias: error: config file '$HOME/.config/compozy/config.yaml', line"
  expect_stderr_has "compozy: 'st' is not a compozy command"
}

# What a binary was linked with: the shared libraries it needs, and the C++
# names of what was linked into it statically.
linked_into() {
  { readelf -d "$1" 2>/dev/null | sed -n 's/.*(NEEDED).*\[\(.*\)\]/needed \1/p'; nm -C "$1" 2>/dev/null; } >"$OUT"
  [ -s "$OUT" ] || fail "cannot read the symbols of $1 (stripped?)"
}

test_the_hot_paths_link_no_tls_no_http_and_no_yaml_parser() {
  # The dispatcher execs a plugin without OpenSSL, httplib or yaml-cpp in it,
  # and compozy-auth-token (before every API call of a script) has no TLS and no HTTP.
  linked_into "$COMPOZY"
  expect_stdout_lacks "libssl"
  expect_stdout_lacks "libcrypto"
  expect_stdout_lacks "libyaml-cpp"
  expect_stdout_lacks "YAML::"
  expect_stdout_lacks "httplib::"
  expect_stdout_lacks " SSL_"
  linked_into "$PLUGINS_DIR/compozy-auth-token"
  expect_stdout_lacks "libssl"
  expect_stdout_lacks "libcrypto"
  expect_stdout_lacks "httplib::"
  expect_stdout_lacks " SSL_"
  # The same check on a tool that does talk to servers finds them: it can fail.
  linked_into "$PLUGINS_DIR/compozy-login"
  expect_stdout_has "needed libcpp-httplib"
  expect_stdout_has "needed libcrypto"
  expect_stdout_has "httplib::"
}

run_tests "$@"

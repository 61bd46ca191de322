#!/usr/bin/env bash
# Completion in the real shells (bash with bash-completion, zsh, fish), each
# driven through tmux with the script the build generated, and the candidates
# that `compozy completion __complete` gives them against a real devcloud.
. "$(dirname "$0")/../support/lib.sh"
. "$(dirname "$0")/../support/devcloud.sh"

COMPLETIONS="$COMPOZY_BUILD_ROOT/completions"

# compozy on PATH as installed, a third-party plugin beside it, and two profiles.
setup_commands() {
  mkdir -p "$TEST_DIR/bin"
  ln -s "$COMPOZY" "$TEST_DIR/bin/compozy"
  printf '#!/bin/sh\necho xyzzy\n' >"$TEST_DIR/bin/compozy-xyzzy"
  chmod +x "$TEST_DIR/bin/compozy-xyzzy"
  export PATH="$TEST_DIR/bin:$PATH"
  compozy profile add lab --host https://lab.example.com >/dev/null 2>&1 || fail "profile add lab failed"
  compozy profile add work --host https://work.example.com >/dev/null 2>&1 || fail "profile add work failed"
}

have_shell() { command -v "$1" >/dev/null && command -v tmux >/dev/null; }

tmux_do() { tmux -S "$TEST_DIR/tmux.sock" "$@"; }

# start_shell COMMAND…: the shell in a detached 150x40 terminal, its prompt "$ ".
start_shell() {
  tmux_do -f /dev/null new-session -d -x 150 -y 40 "$@" || { fail "tmux could not start $1"; return 1; }
  BACKGROUND_PIDS+=("$(tmux_do display-message -p '#{pid}')")
  wait_screen '^\$ ?$' 10 || return 1
}

# wait_screen REGEX [SECONDS]: polls the screen until a line matches, within a
# deadline; quiet unless FAIL_AFTER is left set. tmux drops the blanks at the end of each line.
wait_screen() {
  local deadline=$(( $(date +%s%3N) + ${2:-5} * 1000 ))
  while [ "$(date +%s%3N)" -lt "$deadline" ]; do
    tmux_do capture-pane -p >"$TEST_DIR/screen" 2>/dev/null
    grep -qE -- "$1" "$TEST_DIR/screen" && return 0
    sleep 0.02
  done
  [ -n "${QUIET:-}" ] && return 1
  fail "the screen never showed /$1/:"
  grep -v '^$' "$TEST_DIR/screen" | sed 's/^/#   | /'
  return 1
}

# An empty line on a cleared screen, made with the line editor's own keys
# (end of line, kill to its start, clear the screen), the same in the three
# shells: a Ctrl-C would race the shell's own handling of the signal.
fresh_line() {
  local attempt
  for attempt in 1 2 3 4; do
    tmux_do send-keys C-e C-u C-l
    QUIET=1 wait_screen '^\$ ?$' 1 && [ "$(grep -c . "$TEST_DIR/screen")" = 1 ] && return 0
  done
  fail "no empty line to type on:"
  sed 's/^/#   | /' "$TEST_DIR/screen"
  return 1
}

# complete_line TYPED TABS EXPECTED_REGEX: on a fresh line, TYPED, then TABS
# Tab keys once the shell shows it, then the screen.
complete_line() {
  fresh_line || return
  tmux_do send-keys -l "$1"
  wait_screen "^\\\$ $(printf '%s' "$1" | sed 's/[][\\.*^$+?(){}|]/\\&/g; s/ *$//')\$" || return
  local tab
  for tab in $(seq 1 "$2"); do tmux_do send-keys Tab; done
  wait_screen "$3"
}

# The cases every shell must pass; LIST_TABS is how many Tabs that shell needs to list candidates.
check_completion_in() {
  local list_tabs=$1
  complete_line "compozy au" 1 '^\$ compozy auth$'
  complete_line "compozy auth st" 1 '^\$ compozy auth status$'
  complete_line "compozy xy" 1 '^\$ compozy xyzzy$'
  complete_line "compozy profile use la" 1 '^\$ compozy profile use lab$'
  complete_line "compozy --profile wo" 1 '^\$ compozy --profile work$'
  complete_line "compozy login --with-t" 1 '^\$ compozy login --with-token$'
  complete_line "compozy login --" "$list_tabs" '--callback-port'
  grep -q -- '--move-inline-tokens' "$TEST_DIR/screen" || fail "the options listed lack --move-inline-tokens"
  complete_line "compozy profile use " "$list_tabs" 'work'
  grep -qw lab "$TEST_DIR/screen" || fail "the profiles listed lack lab"
  tmux_do kill-server 2>/dev/null
}

test_bash_with_bash_completion_completes() {
  have_shell bash || { echo "# skipped: bash or tmux missing"; return; }
  [ -r /usr/share/bash-completion/bash_completion ] || { echo "# skipped: bash-completion missing"; return; }
  setup_commands
  cat >"$TEST_DIR/bashrc" <<RC
. /usr/share/bash-completion/bash_completion
. "$COMPLETIONS/compozy"
PS1='\$ '
RC
  start_shell env TERM=xterm bash --noprofile --rcfile "$TEST_DIR/bashrc" -i || return
  check_completion_in 2
}

test_zsh_completes() {
  have_shell zsh || { echo "# skipped: zsh or tmux missing"; return; }
  setup_commands
  mkdir -p "$TEST_DIR/zfunc"
  cp "$COMPLETIONS/_compozy" "$TEST_DIR/zfunc/"
  cat >"$TEST_DIR/.zshrc" <<RC
fpath=("$TEST_DIR/zfunc" \$fpath)
autoload -Uz compinit && compinit -u -d "$TEST_DIR/zcompdump"
PROMPT='$ '
RC
  start_shell env TERM=xterm ZDOTDIR="$TEST_DIR" zsh -i || return
  check_completion_in 1
}

test_fish_completes() {
  have_shell fish || { echo "# skipped: fish or tmux missing"; return; }
  setup_commands
  mkdir -p "$TEST_DIR/fish/completions" "$XDG_CONFIG_HOME/fish"
  cp "$COMPLETIONS/compozy.fish" "$TEST_DIR/fish/completions/"
  cat >"$XDG_CONFIG_HOME/fish/config.fish" <<RC
set -g fish_greeting
function fish_prompt; echo -n '\$ '; end
set -p fish_complete_path "$TEST_DIR/fish/completions"
RC
  start_shell env TERM=xterm fish -i || return
  check_completion_in 1
}

test_the_scripts_printed_are_the_ones_installed() {
  local shell file
  for shell in bash zsh fish; do
    case $shell in bash) file=compozy ;; zsh) file=_compozy ;; fish) file=compozy.fish ;; esac
    expect_status 0 "$COMPOZY" completion "$shell"
    cmp -s "$OUT" "$COMPLETIONS/$file" || fail "compozy completion $shell differs from $file"
  done
  expect_status 2 "$COMPOZY" completion tcsh
  expect_stderr_has "compozy completion: error: no completion for the shell 'tcsh': give bash, zsh or fish"
}

# Each option offered for a core command is one its tool accepts: given with
# --help after it (and a value when it takes one), the tool answers its help
# rather than "option does not exist".
test_every_option_offered_is_accepted_by_its_tool() {
  local command option checked=0
  while IFS= read -r command; do
    # shellcheck disable=SC2086
    while IFS= read -r option; do
      checked=$((checked + 1))
      # --help after it is its value when it takes one: then a value goes first.
      "$COMPOZY" $command "$option" --help >/dev/null 2>"$ERR" || "$COMPOZY" $command "$option=1" --help >/dev/null 2>>"$ERR" ||
        fail "'compozy $command $option' is refused: $(cat "$ERR")"
    done < <("$COMPOZY" completion __complete -- $command --)
  done < <("$COMPOZY" help | sed -n 's/^  \([a-z][a-z -]*[a-z]\)  .*/\1/p' | grep -v '^devcloud$')
  [ "$checked" -ge 40 ] || fail "only $checked options were offered"
}

test_session_ids_of_the_signed_in_account_complete_auth_revoke() {
  start_devcloud_with_shared_key || return
  log_in
  log_in --profile laptop
  local ids
  ids=$("$COMPOZY" auth list --json | jq -r '.sessions[].id' | sort)
  [ "$(printf '%s\n' "$ids" | wc -l)" = 2 ] || fail "expected two sessions: $ids"
  expect_status 0 env COMPOZY_HOST="$DEVCLOUD_URL" "$COMPOZY" completion __complete -- auth revoke ""
  expect_eq "$(cat "$OUT")" "$ids" "the session IDs offered"
  # Signed out: nothing, without an error on the line being edited.
  expect_status 0 env COMPOZY_HOST="$DEVCLOUD_URL" COMPOZY_PROFILE=nobody "$COMPOZY" completion __complete -- auth revoke ""
  expect_stdout_is ""
}

test_session_ids_never_refresh_nor_wait_for_a_silent_server() {
  start_devcloud_with_shared_key --faults || return
  log_in
  local before
  before=$(cat "$(credentials_file)")
  expire_locally
  local expired
  expired=$(cat "$(credentials_file)")
  expect_status 0 env COMPOZY_HOST="$DEVCLOUD_URL" "$COMPOZY" completion __complete -- auth revoke ""
  expect_stdout_is ""
  expect_eq "$(cat "$(credentials_file)")" "$expired" "credentials.yaml after completing (no refresh)"
  [ "$before" != "$expired" ] || fail "expire_locally changed nothing"
  # A server that accepts and never answers: nothing is offered, within the deadline.
  printf '%s' "$before" >"$(credentials_file)"
  expect_status 0 curl -fsS --noproxy '*' -X POST "$DEVCLOUD_URL/_faults" -d fault=delay=5,path=/api/v1/auth/sessions
  local started elapsed
  started=$(date +%s%3N)
  expect_status 0 env COMPOZY_HOST="$DEVCLOUD_URL" "$COMPOZY" completion __complete -- auth revoke ""
  elapsed=$(( $(date +%s%3N) - started ))
  expect_stdout_is ""
  [ "$elapsed" -lt 1000 ] || fail "completing took $elapsed ms against a silent server"
}

run_tests "$@"

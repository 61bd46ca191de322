#!/usr/bin/env bash
# The man pages made at build time from each executable's --help
# (man/help_to_man.py): one per executable, rendered by groff without a
# warning, with the usage and every option that --help shows.
. "$(dirname "$0")/../support/lib.sh"

MAN_DIR="$COMPOZY_BUILD_ROOT/man"

# Every executable of the build that is ours to document: the dispatcher, each
# plugin and credential helper, and compozy-devcloud.
executables() {
  printf '%s\n' "$COMPOZY"
  find "$PLUGINS_DIR" "$COMPOZY_BUILD_ROOT/devcloud" -maxdepth 1 -type f -name 'compozy-*' -perm -u+x | sort
}

# The page as a person reads it, one line per line, without bold or underline.
render() { MANWIDTH=100 man -l "$1" 2>/dev/null | col -bx; }
squeeze() { tr -s ' \n' '  '; }

test_every_executable_has_a_page() {
  local exe count=0
  while IFS= read -r exe; do
    count=$((count + 1))
    [ -s "$MAN_DIR/$(basename "$exe").1" ] || fail "no man page for $(basename "$exe")"
  done < <(executables)
  [ "$count" -ge 17 ] || fail "found only $count executables"
}

test_each_page_renders_without_a_warning() {
  local page
  for page in "$MAN_DIR"/*.1; do
    groff -man -Tutf8 -ww -z "$page" >"$OUT" 2>"$ERR" || fail "groff failed on $(basename "$page")"
    [ ! -s "$ERR" ] || { fail "groff warns about $(basename "$page"): $(head -3 "$ERR")"; }
    render "$page" >"$OUT"
    local section
    for section in NAME SYNOPSIS DESCRIPTION "EXIT STATUS" "SEE ALSO"; do
      grep -qx "$section" "$OUT" || fail "$(basename "$page") has no $section section"
    done
  done
}

test_each_page_has_the_usage_and_every_option_of_its_help() {
  local exe name page usage option
  while IFS= read -r exe; do
    name=$(basename "$exe")
    page="$MAN_DIR/$name.1"
    "$exe" --help >"$TEST_DIR/help" 2>&1 || fail "$name --help failed"
    render "$page" >"$TEST_DIR/page"
    grep -q "^$name - ." "$TEST_DIR/page" || grep -q "^ *$name - ." "$TEST_DIR/page" || fail "$name.1 lacks its NAME line"
    usage=$(sed -n '/^usage: /,/^$/p' "$TEST_DIR/help" | sed 's/^usage: //' | squeeze)
    [ -n "$usage" ] || fail "$name --help shows no usage"
    squeeze <"$TEST_DIR/page" | grep -qF -- "${usage% }" || fail "$name.1 lacks the usage '$usage'"
    while IFS= read -r option; do
      grep -qE -- "(^|[ ,])$option( |,|\$)" "$TEST_DIR/page" || fail "$name.1 lacks the option $option"
    done < <(grep -oE '^ {1,6}(-[A-Za-z0-9], )?--[A-Za-z0-9][A-Za-z0-9_-]*' "$TEST_DIR/help" | grep -oE -- '--[A-Za-z0-9_-]+$')
    grep -q -- '--help' "$TEST_DIR/page" || fail "$name.1 lists no option"
  done < <(executables)
}

test_the_dispatchers_page_leads_to_every_other() {
  render "$MAN_DIR/compozy.1" | squeeze >"$OUT"
  local page
  for page in "$MAN_DIR"/compozy-*.1; do
    expect_stdout_has "$(basename "$page" .1)(1)"
  done
}

run_tests "$@"

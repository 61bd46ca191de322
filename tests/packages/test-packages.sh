#!/usr/bin/env bash
# The Debian packages, as a user gets them: built from this tree with
# dpkg-buildpackage, checked by lintian, installed into this machine with
# apt-get, used from the installed paths (a login against `compozy devcloud`,
# a plugin built against libcompozy-dev), then removed and purged.
#
#   tests/packages/test-packages.sh        (as root; scripts/run-tests runs it)
#
# TAP on stdout. It changes the machine, so it is not a meson test: it needs
# root, takes a lock against a second run at once, and purges the packages
# when it ends, even on failure. Without root or dpkg-buildpackage it skips.
set -uo pipefail
SOURCE=$(cd "$(dirname "$0")/../.." && pwd)

skip_all() { echo "1..0 # SKIP $*"; exit 0; }
[ "$(id -u)" = 0 ] || skip_all "not root: the packages are installed into the machine"
command -v dpkg-buildpackage >/dev/null || skip_all "dpkg-buildpackage is missing (scripts/install-deps installs dpkg-dev)"

# lib.sh names the tools of a build folder; this script uses the installed ones.
export COMPOZY_SOURCE_ROOT=$SOURCE COMPOZY_BUILD_ROOT=$SOURCE/build
. "$SOURCE/tests/support/lib.sh"
COMPOZY=/usr/bin/compozy
PACKAGES=(compozy compozy-devcloud libcompozy-dev)
DEBS="$SUITE_TMP/debs"  # the .deb files, kept for the cases after the build
# The cache of the user running the test: debhelper gives the build a HOME of
# its own, where ccache would find neither its cache nor its settings.
CCACHE_FOLDER=$(command -v ccache >/dev/null && ccache -k cache_dir)
APT=(apt-get -y -q -o DPkg::Lock::Timeout=300)

installed() { [ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null)" = installed ]; }
known_to_dpkg() { dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null | grep -qv '^not-installed$'; }

purge_packages() {
  local package present=()
  for package in "${PACKAGES[@]}"; do known_to_dpkg "$package" && present+=("$package"); done
  [ ${#present[@]} -eq 0 ] || DEBIAN_FRONTEND=noninteractive "${APT[@]}" purge "${present[@]}" >/dev/null 2>&1
}

# The machine is shared: one run at a time, and it never purges an
# installation it did not make.
exec 9>/run/lock/compozy-test-packages.lock
flock --timeout 900 9 || skip_all "another run of the package test held its lock for 15 minutes"
for package in "${PACKAGES[@]}"; do
  if known_to_dpkg "$package"; then
    echo "1..1"
    echo "not ok 1 - package $package is already on this machine: run 'apt-get purge ${PACKAGES[*]}' first"
    exit 1
  fi
done
trap 'purge_packages; stop_background; rm -rf "$SUITE_TMP"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The first indented dpkg-buildpackage line of the README's Packages section:
# the test builds the way the README tells a packager to.
readme_build_command() { sed -n 's/^    \(dpkg-buildpackage [^#]*\).*/\1/p' "$SOURCE/README.md" | sed 's/ *$//' | head -n 1; }

# A copy of the tree without build folders, in a folder of its own, since
# dpkg-buildpackage writes the packages into the parent folder.
copy_source() {
  mkdir -p "$1"
  tar -C "$SOURCE" --exclude=./.git --exclude='./build*' --exclude='./.ci-*' -cf - . | tar -C "$1" -xf -
}

test_the_packages_build_with_debian_tools() {
  local command tree="$SUITE_TMP/source/compozy-0.1.0" log="$SUITE_TMP/dpkg-buildpackage.log"
  command=$(readme_build_command)
  [ -n "$command" ] || { fail "the README shows no dpkg-buildpackage command"; return; }
  copy_source "$tree"
  # The test suite never runs inside the package build (debian/rules says why);
  # the debug symbol packages, not tried here, would double the build's time.
  export DEB_BUILD_OPTIONS="nocheck noddebs ${DEB_BUILD_OPTIONS:-}"
  if [ -n "$CCACHE_FOLDER" ]; then
    # meson finds ccache itself; the paths of the temporary copy are hashed
    # relative to it, so that the next run hits the cache.
    export CCACHE_DIR=$CCACHE_FOLDER CCACHE_BASEDIR=$SUITE_TMP/source CCACHE_NOHASHDIR=true
  fi
  local started=$SECONDS status=0
  (cd "$tree" && bash -c "$command") >"$log" 2>&1 || status=$?
  echo "# '$command' took $((SECONDS - started)) s"
  [ "$status" = 0 ] || { fail "'$command' exited $status"; tail -n 30 "$log" | sed 's/^/#   /'; return; }
  mkdir -p "$DEBS"
  mv "$SUITE_TMP"/source/*.deb "$SUITE_TMP"/source/*.changes "$SUITE_TMP"/source/*.buildinfo "$DEBS"/
  local package
  for package in "${PACKAGES[@]}"; do
    ls "$DEBS/${package}_"*.deb >/dev/null 2>&1 || fail "no ${package} package was built"
  done
  ls -l "$DEBS"/*.deb | sed 's/^/# /'
  check_contents
}

# contents PACKAGE: the files of its .deb, one path a line.
contents() { dpkg-deb --fsys-tarfile "$DEBS/${1}_"*.deb | tar -t | sed 's#^\./#/#'; }

check_contents() {
  contents compozy >"$TEST_DIR/compozy"
  contents compozy-devcloud >"$TEST_DIR/devcloud"
  contents libcompozy-dev >"$TEST_DIR/dev"
  local file
  for file in /usr/bin/compozy /usr/libexec/compozy/compozy-login /usr/libexec/compozy/compozy-auth-token \
    /usr/libexec/compozy/compozy-credential-json-file /usr/libexec/compozy/compozy-credential-json-file.manifest \
    /usr/share/doc/compozy/copyright; do
    grep -qx "$file" "$TEST_DIR/compozy" || fail "the compozy package lacks $file"
  done
  ! grep -q devcloud "$TEST_DIR/compozy" || fail "the compozy package holds devcloud: $(grep devcloud "$TEST_DIR/compozy")"
  grep -qx /usr/libexec/compozy/compozy-devcloud "$TEST_DIR/devcloud" || fail "compozy-devcloud lacks its tool"
  [ "$(grep -c '^/usr/libexec/compozy/.' "$TEST_DIR/devcloud")" = 1 ] || fail "compozy-devcloud holds other tools"
  for file in /usr/include/compozy/command.hpp /usr/include/compozy/version.hpp \
    /usr/lib/x86_64-linux-gnu/libcompozy-base.a /usr/lib/x86_64-linux-gnu/pkgconfig/compozy.pc; do
    grep -qx "$file" "$TEST_DIR/dev" || fail "the libcompozy-dev package lacks $file"
  done
  ! grep -q /libexec/ "$TEST_DIR/dev" || fail "libcompozy-dev holds tools"
}

test_lintian_finds_no_error_or_warning() {
  [ -d "$DEBS" ] || { fail "no packages were built"; return; }
  # Each tag left is shown (O:) with the reason it is overridden; an overridden
  # one may still set lintian's status, so the verdict is read from the tags.
  local status=0
  lintian --fail-on none -I --pedantic --show-overrides "$DEBS"/*.changes >"$OUT" 2>"$ERR" || status=$?
  sed 's/^/# lintian: /' "$OUT" "$ERR"
  [ "$status" = 0 ] || fail "lintian could not check the packages (exit $status)"
  ! grep -qE '^[EW]: ' "$OUT" || fail "lintian found an error or warning that no override explains"
}

test_the_packages_install_with_apt() {
  [ -d "$DEBS" ] || { fail "no packages were built"; return; }
  local debs=()
  debs=("$DEBS"/compozy_*.deb "$DEBS"/compozy-devcloud_*.deb "$DEBS"/libcompozy-dev_*.deb)
  DEBIAN_FRONTEND=noninteractive expect_status 0 "${APT[@]}" install "${debs[@]}"
  local package
  for package in "${PACKAGES[@]}"; do installed "$package" || fail "$package is not installed"; done
  expect_status 0 "$COMPOZY" help
  expect_stdout_has "devcloud"
  # Every file in /usr/libexec/compozy is a working tool or a manifest beside one.
  expect_status 0 "$COMPOZY" plugin list
  expect_stderr_is ""
  expect_stdout_lacks ".manifest"
}

# Starts the installed `compozy devcloud` on a free loopback port with a state
# file of the case's own, and waits until it listens. Sets DEVCLOUD_URL.
start_installed_devcloud() {
  local log="$TEST_DIR/devcloud.log"
  "$COMPOZY" devcloud --port 0 --state "$TEST_DIR/devcloud.json" --user ada@example.com >"$log" 2>&1 &
  BACKGROUND_PIDS+=($!)
  DEVCLOUD_URL=$(wait_for "$log" 'listening on http://127\.0\.0\.1:[0-9]+') || return
  DEVCLOUD_URL=${DEVCLOUD_URL#listening on }
}

# Signs in to the installed devcloud through the browser flow, as tests/e2e/login.sh does.
log_in_to_installed_devcloud() {
  start_installed_devcloud || return
  BROWSER="$FAKE_BROWSER" expect_status 0 "$COMPOZY" login --host "$DEVCLOUD_URL" --store file
  expect_stderr_has "as ada@example.com"
}

test_login_and_status_run_from_the_installed_paths() {
  installed compozy-devcloud || { fail "the packages are not installed"; return; }
  log_in_to_installed_devcloud || return
  expect_status 0 "$COMPOZY" auth status --host "$DEVCLOUD_URL"
  expect_stdout_has "Logged in as ada@example.com"
  [ -f "$TEST_DIR/devcloud.json" ] || fail "compozy devcloud kept no --state file"
}

test_a_plugin_builds_against_libcompozy_dev() {
  installed libcompozy-dev || { fail "libcompozy-dev is not installed"; return; }
  expect_status 0 pkg-config --libs compozy
  expect_stdout_has "-lcompozy-net -lcompozy-cli -lcompozy-base"
  cp -r "$SOURCE/examples/cpp" "$TEST_DIR/plugin"
  expect_status 0 make -C "$TEST_DIR/plugin"
  expect_stderr_lacks "warning:"
  log_in_to_installed_devcloud || return
  PATH="$TEST_DIR/plugin:$PATH" expect_status 0 "$COMPOZY" greet --host "$DEVCLOUD_URL"
  expect_stdout_is "Hello, ada@example.com!"
}

test_without_compozy_devcloud_the_dispatcher_names_its_package() {
  installed compozy || { fail "compozy is not installed"; return; }
  DEBIAN_FRONTEND=noninteractive expect_status 0 "${APT[@]}" remove compozy-devcloud
  ! installed compozy-devcloud || fail "compozy-devcloud is still installed"
  expect_status 0 "$COMPOZY" help
  expect_stdout_lacks "devcloud"
  expect_status 127 "$COMPOZY" devcloud
  expect_stderr_is "compozy: 'devcloud' is not installed: it is in the Debian package compozy-devcloud (apt install compozy-devcloud)"
  # The rest still works: not signed in is exit 4, as on any machine.
  expect_status 4 "$COMPOZY" auth token
  expect_stderr_has "error: not logged in"
}

test_purge_leaves_nothing_behind() {
  installed compozy || { fail "compozy is not installed"; return; }
  DEBIAN_FRONTEND=noninteractive expect_status 0 "${APT[@]}" purge compozy libcompozy-dev
  local package path
  for package in "${PACKAGES[@]}"; do known_to_dpkg "$package" && fail "dpkg still knows $package"; done
  for path in /usr/libexec/compozy /usr/bin/compozy /usr/include/compozy /usr/share/doc/compozy; do
    [ ! -e "$path" ] || fail "$path is left after the purge: $(ls -A "$path" 2>/dev/null)"
  done
}

run_tests \
  the_packages_build_with_debian_tools \
  lintian_finds_no_error_or_warning \
  the_packages_install_with_apt \
  login_and_status_run_from_the_installed_paths \
  a_plugin_builds_against_libcompozy_dev \
  without_compozy_devcloud_the_dispatcher_names_its_package \
  purge_leaves_nothing_behind

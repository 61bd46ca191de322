"""Counts test cases in a meson testlog.json and prints "N passed, N failed".

A TAP script counts each "ok"/"not ok" line; a Boost.Test executable counts the
test cases of its short report. A test that died before reporting counts as
one failure. Exits non-zero when anything failed.

    count_results.py TESTLOG [TAP_FILE…]

Each TAP_FILE is the output of a TAP script run outside meson (the package test
of scripts/run-tests), counted the same way. In both, a case marked "# SKIP" is
neither passed nor failed.
"""
import json
import re
import sys

OK = re.compile(r"^ok \d+(?!.*# SKIP)", re.M)
NOT_OK = re.compile(r"^not ok \d+", re.M)


def count_tap(output):
    return len(OK.findall(output)), len(NOT_OK.findall(output))


def count_meson_test(test):
    output = test.get("stdout", "") or ""
    # Boost.Test writes its report to stderr; meson keeps the two apart.
    report = output + (test.get("stderr", "") or "")
    ok, not_ok = count_tap(output)
    boost_passed = sum(int(n) for n in re.findall(r"^\s+(\d+) test cases? out of \d+ passed", report, re.M))
    boost_failed = sum(int(n) for n in re.findall(r"^\s+(\d+) test cases? out of \d+ failed", report, re.M))
    good, bad = ok + boost_passed, not_ok + boost_failed
    if test["result"] not in ("OK", "SKIP", "EXPECTEDFAIL") and bad == 0:
        bad = 1  # it crashed, timed out, or failed without saying which case
    if good + bad == 0 and test["result"] == "OK":
        good = 1
    return good, bad


def count_tap_file(path):
    try:
        with open(path, encoding="utf-8") as tap:
            output = tap.read()
    except OSError:
        return 0, 1
    good, bad = count_tap(output)
    plan = re.search(r"^1\.\.(\d+)", output, re.M)
    if plan is None or good + bad + len(re.findall(r"^ok \d+.*# SKIP", output, re.M)) != int(plan.group(1)):
        bad = max(bad, 1)  # it died before its plan was done
    return good, bad


passed = failed = 0
with open(sys.argv[1], encoding="utf-8") as log:
    for line in log:
        good, bad = count_meson_test(json.loads(line))
        passed += good
        failed += bad
for path in sys.argv[2:]:
    good, bad = count_tap_file(path)
    passed += good
    failed += bad
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)

"""Counts test cases in a meson testlog.json and prints "N passed, N failed".

A TAP script counts each "ok"/"not ok" line; a Boost.Test executable counts the
test cases of its short report. A test that died before reporting counts as
one failure. Exits non-zero when anything failed.
"""
import json
import re
import sys

passed = failed = 0
with open(sys.argv[1], encoding="utf-8") as log:
    for line in log:
        test = json.loads(line)
        output = test.get("stdout", "") or ""
        # Boost.Test writes its report to stderr; meson keeps the two apart.
        report = output + (test.get("stderr", "") or "")
        ok = len(re.findall(r"^ok \d+", output, re.M))
        not_ok = len(re.findall(r"^not ok \d+", output, re.M))
        boost_passed = sum(int(n) for n in re.findall(r"^\s+(\d+) test cases? out of \d+ passed", report, re.M))
        boost_failed = sum(int(n) for n in re.findall(r"^\s+(\d+) test cases? out of \d+ failed", report, re.M))
        good, bad = ok + boost_passed, not_ok + boost_failed
        if test["result"] not in ("OK", "SKIP", "EXPECTEDFAIL") and bad == 0:
            bad = 1  # it crashed, timed out, or failed without saying which case
        if good + bad == 0 and test["result"] == "OK":
            good = 1
        passed += good
        failed += bad
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)

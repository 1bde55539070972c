"""Run Odoo's own test runner and end with one plain line:
`N passed, N failed, N skipped`.

Called by `tools/devenv.py test` with the usual Odoo command-line arguments
(`-d DB -i support_contract --test-enable --stop-after-init ...`). Odoo runs
the at-install and post-install tests itself (HTTP server and Chromium
included); this wrapper only adds up every suite's result.

The run fails when any test fails or errors, when Odoo's own run fails (a
module that does not install, an error logged during the tests), when no test
ran at all, and when any test was skipped: Odoo quietly skips browser tests
when Chromium or websocket-client is missing, and that must not pass for green.

`tools/devenv.py test` runs lint before the tests and passes its closing line
in SUPPORT_LINT_RESULT; it goes at the end of the closing line here. When
SUPPORT_LINT_FAILED is set (SUPPORT_LINT=enforce and lint found something),
the run fails.
"""

import os
import sys

import odoo.cli.server
from odoo.tests import loader, result

totals = {"run": 0, "failures": 0, "errors": 0, "skipped": 0}
skips = []

_run_suite = loader.run_suite
_add_skip = result.OdooTestResult.addSkip


def run_suite(suite, global_report=None):
    res = _run_suite(suite, global_report=global_report)
    totals["run"] += res.testsRun
    totals["failures"] += res.failures_count
    totals["errors"] += res.errors_count
    totals["skipped"] += res.skipped
    return res


def add_skip(self, test, reason):
    skips.append(f"{self.getDescription(test)}: {reason}")
    return _add_skip(self, test, reason)


loader.run_suite = run_suite
result.OdooTestResult.addSkip = add_skip


def main():
    try:
        odoo.cli.server.main(sys.argv[1:])
        rc = 0
    except SystemExit as exc:
        rc = exc.code if isinstance(exc.code, int) else (1 if exc.code else 0)
    failed = totals["failures"] + totals["errors"]
    passed = totals["run"] - failed - totals["skipped"]
    problems = []
    if rc and not failed:
        problems.append(f"Odoo exited with status {rc} (see the errors above)")
        failed += 1
    if totals["run"] == 0:
        problems.append("no test ran")
    for skip in skips:
        problems.append(f"skipped: {skip}")
    lint = os.environ.get("SUPPORT_LINT_RESULT")
    if os.environ.get("SUPPORT_LINT_FAILED"):
        problems.append(f"{lint} (SUPPORT_LINT=enforce; `make lint` lists them)")
    for problem in problems:
        print(f"FAILED: {problem}", flush=True)
    closing = f"{passed} passed, {failed} failed, {totals['skipped']} skipped"
    print(f"{closing}; {lint}" if lint else closing, flush=True)
    sys.exit(1 if (failed or problems) else 0)


if __name__ == "__main__":
    main()

"""Lint as OCA does: the hooks of .pre-commit-config.yaml, checking only.

    .local/venv/bin/python tools/lint.py            (make lint)
    .local/venv/bin/python tools/lint.py --brief    (the lint step of make test)

Runs `pre-commit run --all-files --hook-stage manual`: every check-only hook
on every file git tracks (ruff, ruff format --check, pylint-odoo with
.pylintrc-mandatory, OCA's module checks, whitespace and XML checks). Nothing
is changed, and nothing is stashed. Then it sums up the findings by rule and
file, and ends with one line:

    lint: passed
    lint: 1331 findings (ruff 1285, ruff-format 39, pylint 21, ...)

It exits 0 when every check passes, 1 on findings, 2 when the checks could
not run. --brief prints each check's result and the summary, not every
finding; --summary-file writes the last line to a file too (for make test);
--skip leaves out checks by hook id, as pre-commit's SKIP does.

    python tools/lint.py staged TOOL [ARG...] [FILE...]

is how the pylint-odoo and OCA module check hooks run: TOOL runs on a copy of
the addon in a folder named support_contract below a repository root (OCA's
layout; see tools/addon_files.py), with the FILEs and --rcfile mapped into
it, and the copy's paths in its output mapped back. Standard library only.
"""

import argparse
import collections
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from addon_files import ADDON, ROOT, addon_files, stage, tracked_files  # noqa: E402

VENV_BIN = ROOT / ".local" / "venv" / "bin"
PRE_COMMIT_HOME = ROOT / ".local" / "pre-commit"

STATUS = re.compile(
    r"^(?P<name>.+?)\.{3,}(?:\(no files to check\))?(?P<status>Passed|Failed|Skipped)$"
)
HOOK_ID = re.compile(r"^- hook id: (?P<id>\S+)")
ANSI = re.compile(r"\x1b\[[0-9;]*m")
LOCATION = re.compile(r"^(?P<path>[^\s:][^:]*):(?:\d+:)?")
RULES = {
    # hook id prefix: how a finding line names its rule
    "ruff-check": re.compile(r"^[^:]+:\d+:\d+: (?P<rule>[A-Z]+[0-9]+)\b"),
    "pylint": re.compile(r"\[[A-Z]\d+\((?P<rule>[a-z0-9-]+)\)"),
    "oca-checks": re.compile(r"^[^:]+:\d+: (?P<rule>[a-z0-9-]+)\b"),
}
# Hooks whose findings never fail the run (OCA's optional pylint checks).
NON_FAILING = {"pylint_odoo-optional"}


# --------------------------------------------------------------------------
# `staged`: a tool on the addon laid out as in an OCA repository
# --------------------------------------------------------------------------
def run_staged(argv):
    if not argv:
        raise SystemExit("usage: lint.py staged TOOL [ARG...] [FILE...]")
    tool, *args = argv
    ours = set(addon_files())
    with tempfile.TemporaryDirectory(prefix="support_contract-lint-") as tmp:
        # A repository root above the addon's folder: the tools look for
        # __manifest__.py up to it, and name the module after its folder.
        subprocess.run(["git", "init", "-q", tmp], check=True)
        stage(tmp, extra=())
        mapped = []
        for arg in args:
            if arg in ours:
                mapped.append(f"{ADDON}/{arg}")
            elif arg.startswith(("--rcfile=", "--config=")):
                option, path = arg.split("=", 1)
                mapped.append(f"{option}={(ROOT / path).resolve()}")
            elif not arg.startswith("-") and (ROOT / arg).exists():
                mapped.append(str(ROOT / arg))
            else:
                mapped.append(arg)
        exe = str(ROOT / tool) if os.sep in tool else tool
        proc = subprocess.run([exe, *mapped], cwd=tmp, capture_output=True, text=True)
    staged_prefix = re.compile(rf"(?m)^(\W*)(?:{re.escape(tmp)}/)?{ADDON}/")
    for text, stream in ((proc.stdout, sys.stdout), (proc.stderr, sys.stderr)):
        stream.write(staged_prefix.sub(r"\1", text.replace(f"{tmp}/{ADDON}/", "")))
    return proc.returncode


# --------------------------------------------------------------------------
# make lint
# --------------------------------------------------------------------------
def parse(lines, tracked):
    """Findings as (hook id, rule, path) from pre-commit's output, and each
    hook's status by id (hooks that pass quietly are known by name only)."""
    findings, status = [], {}
    hook = name = None
    for raw in lines:
        line = ANSI.sub("", raw.rstrip("\n"))
        m = STATUS.match(line)
        if m:
            name, hook = m["name"].strip(), None
            status[name] = m["status"]
            continue
        m = HOOK_ID.match(line)
        if m and name:
            hook = m["id"]
            status[hook] = status.pop(name)
            continue
        if not hook:
            continue
        if hook == "ruff-format-check" and line.startswith("Would reformat: "):
            findings.append((hook, "ruff-format", line.split(": ", 1)[1]))
            continue
        m = LOCATION.match(line)
        if not m or m["path"] not in tracked:
            continue
        rule = hook
        for prefix, pattern in RULES.items():
            if hook.startswith(prefix):
                r = pattern.search(line)
                rule = r["rule"] if r else hook
        findings.append((hook, rule, m["path"]))
    return findings, status


def tool_of(hook):
    for prefix in ("ruff-format", "ruff", "pylint", "oca-checks"):
        if hook.startswith(prefix):
            return prefix
    return hook


def summarize(findings, status):
    failing = [f for f in findings if f[0] not in NON_FAILING]
    optional = collections.Counter()
    mandatory = {(r, p) for h, r, p in failing if h.startswith("pylint")}
    for hook, rule, path in findings:
        if hook in NON_FAILING and (rule, path) not in mandatory:
            optional[rule] += 1
    lines = []
    if failing:
        lines.append("lint findings by rule (count, then count per file):")
        by_rule = collections.defaultdict(collections.Counter)
        for hook, rule, path in failing:
            by_rule[(tool_of(hook), rule)][path] += 1
        for (tool, rule), files in sorted(
            by_rule.items(), key=lambda kv: (-sum(kv[1].values()), kv[0])
        ):
            per_file = ", ".join(
                f"{p} {n}"
                for p, n in sorted(files.items(), key=lambda kv: (-kv[1], kv[0]))
            )
            label = tool if rule == tool else f"{tool} {rule}"
            lines.append(f"  {label}: {sum(files.values())}  ({per_file})")
    if optional:
        lines.append(
            "optional pylint checks (reported, never failing): "
            + ", ".join(f"{r} {n}" for r, n in optional.most_common())
        )
    failed = sorted(h for h, s in status.items() if s == "Failed")
    if not failed:
        verdict = "lint: passed"
    else:
        tools = collections.Counter(tool_of(h) for h, _r, _p in failing)
        unexplained = [h for h in failed if tool_of(h) not in tools]
        parts = [f"{t} {n}" for t, n in tools.most_common()] + [
            f"{h} failed" for h in unexplained
        ]
        verdict = f"lint: {len(failing)} findings ({', '.join(parts)})"
    return lines, verdict


def run_lint(brief, skip):
    pre_commit = VENV_BIN / "pre-commit"
    if not pre_commit.exists():
        return (
            None,
            "lint: could not run (no .local/venv/bin/pre-commit: run make setup)",
        )
    env = dict(os.environ, PRE_COMMIT_HOME=str(PRE_COMMIT_HOME))
    env["SKIP"] = ",".join(filter(None, [os.environ.get("SKIP", ""), *skip]))
    proc = subprocess.Popen(
        [pre_commit, "run", "--all-files", "--hook-stage", "manual", "--color=never"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines = []
    for line in proc.stdout:
        lines.append(line)
        if not brief or STATUS.match(line.rstrip("\n")):
            print(line, end="", flush=True)
    rc = proc.wait()
    if rc not in (0, 1):
        if brief:
            print("".join(lines[-20:]), end="")
        return None, f"lint: could not run (pre-commit exited with {rc}, see above)"
    findings, status = parse(lines, set(tracked_files()))
    details, verdict = summarize(findings, status)
    print("\n".join(details))
    return rc, verdict


def main(argv):
    if argv[:1] == ["staged"]:
        sys.exit(run_staged(argv[1:]))
    parser = argparse.ArgumentParser(
        description="Lint as OCA does, checking only (make lint)."
    )
    parser.add_argument(
        "--brief", action="store_true", help="results and summary, not every finding"
    )
    parser.add_argument(
        "--summary-file", help="also write the closing line to this file"
    )
    parser.add_argument(
        "--skip", default="", help="hook ids to leave out, comma-separated"
    )
    args = parser.parse_args(argv)
    rc, verdict = run_lint(args.brief, [s for s in args.skip.split(",") if s])
    print(verdict, flush=True)
    if args.summary_file:
        Path(args.summary_file).write_text(verdict + "\n")
    sys.exit(2 if rc is None else rc)


if __name__ == "__main__":
    main(sys.argv[1:])

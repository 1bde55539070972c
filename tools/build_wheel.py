"""Build the addon's wheel, odoo_addon_support_contract-<version>-py3-none-any.whl.

    .local/venv/bin/python tools/build_wheel.py [--outdir DIR]   (make wheel)

OCA's build backend whool (pyproject.toml) makes the distribution
`odoo-addon-support_contract` from __manifest__.py: the manifest's version,
a dependency on `odoo==19.0.*` for Odoo's own addons and one on
`odoo-addon-<name>==19.0.*` for each other addon (helpdesk_mgmt). It packs the
addon as odoo/addons/support_contract. whool names the distribution after the
folder it builds in, so the addon's files are first copied into a folder named
support_contract (tools/addon_files.py: what git tracks, less the development
files); the build itself is pip's, without build isolation and without any
package index, so it uses the whool of this environment and fetches nothing.

Prints the wheel's path.
"""

import argparse
import importlib.util
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from addon_files import ROOT, stage  # noqa: E402


def build(outdir):
    if importlib.util.find_spec("whool") is None:
        raise SystemExit(
            "whool is not installed in this Python: run `make setup`, and "
            "this script with .local/venv/bin/python"
        )
    outdir = Path(outdir).resolve()
    outdir.mkdir(parents=True, exist_ok=True)
    before = set(outdir.glob("*.whl"))
    with tempfile.TemporaryDirectory(prefix="support_contract-wheel-") as tmp:
        addon_dir = stage(tmp)
        env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
        env["PIP_CONFIG_FILE"] = os.devnull
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "wheel",
                "--no-deps",
                "--no-build-isolation",
                "--no-index",
                "--disable-pip-version-check",
                "-q",
                "--wheel-dir",
                outdir,
                addon_dir,
            ],
            env=env,
            cwd=tmp,
            capture_output=True,
            text=True,
        )
        if proc.returncode:
            raise SystemExit(f"building the wheel failed:\n{proc.stdout}{proc.stderr}")
    wheels = set(outdir.glob("odoo_addon_support_contract-*.whl"))
    new = (
        sorted(wheels - before) or sorted(wheels, key=lambda p: p.stat().st_mtime)[-1:]
    )
    if not new:
        raise SystemExit(f"pip reported success but left no wheel in {outdir}")
    return new[-1]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--outdir",
        default=ROOT / ".local" / "dist",
        help="where to put the wheel (default: .local/dist)",
    )
    args = parser.parse_args()
    print(build(args.outdir))


if __name__ == "__main__":
    main()

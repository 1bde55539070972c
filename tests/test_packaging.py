"""The addon as a Python distribution, the way OCA ships its addons.

SLOW (about 15 seconds, in subprocesses): builds the wheel with
tools/build_wheel.py (whool), installs it into a new virtual environment and
asks Odoo there where the addon is. Run it alone with
`TEST_TAGS=/support_contract:TestPackaging make test`.

The new environment gets Odoo as the project's environment does (Odoo's folder
on its path, see tools/devenv.py) and, for Odoo's Python libraries and OCA's
helpdesk_mgmt, the project environment's site-packages on its path as well;
the repository is on neither, and is not on the addons path. pip installs the
wheel with no package index and no configuration (`--no-index`,
PIP_CONFIG_FILE=/dev/null): it must find every dependency the wheel declares
(`odoo==19.0.*`, `odoo-addon-helpdesk_mgmt==19.0.*`) already installed, and it
can never fetch one (PyPI has no `odoo` at all).

It needs the source repository (tools/, git): installed from a wheel
elsewhere, the addon skips it.
"""

import ast
import email.parser
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import zipfile
from pathlib import Path

import odoo.release
from odoo.tests import TransactionCase, tagged

ADDON_DIR = Path(__file__).resolve().parent.parent
PREFIX = "odoo/addons/support_contract/"

# Asked in the new environment, run from a folder outside the repository.
CHECK = """
import json, sys
import odoo.addons
from odoo.tools import config
config.parse_config(["--data-dir", sys.argv[1]], setup_logging=False)
from odoo.modules import module
module.initialize_sys_path()
manifest = module.Manifest.for_addon("support_contract")
helpdesk = module.Manifest.for_addon("helpdesk_mgmt")
import odoo.addons.support_contract as addon
print(json.dumps({
    "path": manifest and manifest.path,
    "version": manifest and manifest["version"],
    "helpdesk_mgmt": helpdesk and helpdesk.path,
    "init": addon.__file__,
    "listed": "support_contract" in module.get_modules(),
    "addons_path": list(odoo.addons.__path__),
    "sys_path": sys.path,
}))
"""


def run(cmd, **kw):
    proc = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, **kw)
    if proc.returncode:
        raise AssertionError(
            f"{' '.join(map(str, cmd))} failed ({proc.returncode}):\n"
            f"{proc.stdout}{proc.stderr}"
        )
    return proc.stdout


def offline_pip_env():
    """No package index, no pip configuration: nothing can be downloaded."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "PYTHON"))}
    env["PIP_CONFIG_FILE"] = os.devnull
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


@tagged("post_install", "-at_install", "packaging")
class TestPackaging(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manifest = ast.literal_eval((ADDON_DIR / "__manifest__.py").read_text())
        cls.tmp = Path(tempfile.mkdtemp(prefix="support_contract-packaging-"))
        cls.addClassCleanup(shutil.rmtree, cls.tmp, ignore_errors=True)
        build = ADDON_DIR / "tools" / "build_wheel.py"
        cls.source = build.is_file() and (ADDON_DIR / ".git").exists()
        if not cls.source:
            return
        out = run([sys.executable, build, "--outdir", cls.tmp / "dist"])
        cls.wheel = Path(out.strip().splitlines()[-1])
        with zipfile.ZipFile(cls.wheel) as zf:
            cls.names = set(zf.namelist())
            meta = next(n for n in cls.names if n.endswith(".dist-info/METADATA"))
            cls.metadata = email.parser.HeaderParser().parsestr(zf.read(meta).decode())
        cls.tracked = run(["git", "ls-files"], cwd=ADDON_DIR).splitlines()

    def setUp(self):
        super().setUp()
        if not self.source:
            self.skipTest("needs the source repository (tools/build_wheel.py, git)")

    def test_wheel_name_version_and_dependencies(self):
        self.assertEqual(self.metadata["Name"], "odoo-addon-support_contract")
        self.assertEqual(self.metadata["Version"], self.manifest["version"])
        self.assertEqual(
            self.wheel.name,
            f"odoo_addon_support_contract-{self.manifest['version']}-py3-none-any.whl",
        )
        requires = sorted(self.metadata.get_all("Requires-Dist"))
        # Odoo's own addons (sale_timesheet, portal) are Odoo; OCA's are distributions.
        self.assertEqual(requires, ["odoo-addon-helpdesk_mgmt==19.0.*", "odoo==19.0.*"])

    def test_wheel_holds_the_addon_and_nothing_else(self):
        files = {n[len(PREFIX) :] for n in self.names if n.startswith(PREFIX)}
        others = {n for n in self.names if not n.startswith(PREFIX)}
        self.assertTrue(
            all(
                n.startswith("odoo_addon_support_contract-") and ".dist-info/" in n
                for n in others
            ),
            sorted(others),
        )
        # Every file the manifest loads, and every tracked file of the addon's folders.
        listed = [
            *self.manifest["data"],
            *self.manifest.get("demo", []),
            "__init__.py",
            "__manifest__.py",
        ]
        self.assertFalse(
            [n for n in listed if n not in files],
            "files of the manifest missing from the wheel (not added to git?)",
        )
        folders = (
            "controllers/",
            "data/",
            "demo/",
            "i18n/",
            "lib/",
            "models/",
            "report/",
            "security/",
            "static/",
            "tests/",
            "views/",
            "wizards/",
        )
        missing = [n for n in self.tracked if n.startswith(folders) and n not in files]
        self.assertFalse(missing, "tracked files of the addon missing from the wheel")
        self.assertTrue(any(n.startswith("static/tests/tours/") for n in files))
        # The development environment and its tools are no part of the addon.
        dev_files = {
            "Makefile",
            "setup.cfg",
            "pyproject.toml",
            ".pre-commit-config.yaml",
        }
        dev_files |= {".ruff.toml", ".pylintrc", ".pylintrc-mandatory"}
        dev_dirs = (".local/", ".ci/", ".git", "benchmarks/", "tools/")
        dev = [n for n in files if n.startswith(dev_dirs) or n in dev_files]
        self.assertFalse(dev, "development files in the wheel")

    def test_odoo_finds_the_installed_addon(self):
        venv = self.tmp / "venv"
        run([sys.executable, "-m", "venv", venv])
        python = venv / "bin" / "python"
        purelib = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
        site = Path(run([python, "-c", purelib]).strip())
        # Odoo's folder (Debian's package or ODOO_SRC), and the project's libraries.
        odoo_dir = Path(odoo.release.__file__).resolve().parent.parent
        libraries = Path(sysconfig.get_paths()["purelib"])
        (site / "odoo-19.pth").write_text(f"{odoo_dir}\n")
        (site / "project-libraries.pth").write_text(f"{libraries}\n")

        out = run(
            [python, "-m", "pip", "install", "--no-index", self.wheel],
            env=offline_pip_env(),
            cwd=self.tmp,
        )
        self.assertIn("Successfully installed odoo-addon-support-contract", out)

        check = self.tmp / "check.py"
        check.write_text(CHECK)
        env = dict(offline_pip_env(), ODOO_RC=os.devnull)  # no configuration file
        found = json.loads(
            run([python, check, self.tmp / "data"], env=env, cwd=self.tmp)
            .strip()
            .splitlines()[-1]
        )
        installed = site / "odoo" / "addons" / "support_contract"
        self.assertEqual(Path(found["path"]), installed)
        self.assertEqual(Path(found["init"]), installed / "__init__.py")
        self.assertEqual(found["version"], self.manifest["version"])
        self.assertTrue(found["listed"])
        self.assertEqual(
            Path(found["helpdesk_mgmt"]).parent, libraries / "odoo" / "addons"
        )
        # Neither the repository nor a link to it (.local/addons) is where Odoo looks.
        repo = ADDON_DIR.resolve()
        for entry in [*found["addons_path"], *found["sys_path"]]:
            self.assertNotEqual(
                Path(entry).resolve(), repo, f"{entry} is the repository"
            )
        for entry in found["addons_path"]:
            candidate = Path(entry) / "support_contract"
            if candidate.exists():
                self.assertEqual(candidate.resolve(), installed.resolve(), entry)
        for name in [*self.manifest["data"], *self.manifest.get("demo", [])]:
            self.assertTrue((installed / name).is_file(), name)

"""The addon's own files, and a copy of them in a folder named after the addon.

The repository root is the addon, and the clone's folder may be called
anything. Tools made for OCA's layout (one folder per addon, named after it,
below the repository root) get that layout from `stage()`:

- whool names the distribution after the folder and packs every file git
  tracks in it (tools/build_wheel.py);
- pylint-odoo and OCA's module checks look for `__manifest__.py` only in the
  folders *below* the repository root, and take the module's name from its
  folder; on this repository's root they silently skip every module-level
  check (tools/lint.py).

The addon's files are the ones git tracks (as whool packs them), as they are
in the working tree, less the development files listed in DEV_ONLY: in an OCA
repository those would live beside the addon folders, not inside one, and they
are no part of the installed addon. Standard library only: OCA's module checks
run this under their own interpreter.
"""

import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ADDON = "support_contract"

# Folders (ending in "/") and files of the repository that are not the addon's.
DEV_ONLY = (
    ".ci/",
    "benchmarks/",
    "tools/",
    ".gitignore",
    ".pre-commit-config.yaml",
    ".pylintrc",
    ".pylintrc-mandatory",
    ".ruff.toml",
    "Makefile",
    "setup.cfg",
)


def is_dev_only(relpath):
    return any(
        relpath.startswith(p) if p.endswith("/") else relpath == p for p in DEV_ONLY
    )


def tracked_files(root=ROOT):
    """Repository-relative paths of the files in git's index that exist."""
    try:
        out = subprocess.run(
            ["git", "ls-files", "-z"], cwd=root, capture_output=True, check=True
        ).stdout
    except (OSError, subprocess.CalledProcessError) as exc:
        raise SystemExit(
            f"{root} is not a git checkout (git ls-files failed: {exc}); "
            "the addon's files are the ones git tracks"
        ) from exc
    names = [n for n in out.decode().split("\0") if n]
    return [n for n in names if (root / n).is_file() or (root / n).is_symlink()]


def addon_files(root=ROOT):
    """The files of the installed addon: tracked, not development files."""
    return sorted(n for n in tracked_files(root) if not is_dev_only(n))


def stage(parent, root=ROOT, extra=("pyproject.toml",)):
    """Copy the addon's files to `parent`/support_contract; return that folder.

    `extra` files are copied too (whool reads pyproject.toml there and leaves
    it out of the wheel)."""
    dest = Path(parent) / ADDON
    dest.mkdir(parents=True)
    for name in sorted(
        {*addon_files(root), *(e for e in extra if (root / e).is_file())}
    ):
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(root / name, target, follow_symlinks=False)
    return dest

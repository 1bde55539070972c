#!/usr/bin/env python3
"""Set up, run and test the support_contract addon on Odoo 19.

Usage (normally through the Makefile):

    python3 tools/devenv.py setup   # everything below, nothing else
    python3 tools/devenv.py run     # setup, create/update the database, serve
    python3 tools/devenv.py test    # setup, fresh database, run every test
    python3 tools/devenv.py bench   # setup, the run database, run benchmarks/*.py
    python3 tools/devenv.py load    # setup, the portal load benchmark
                                    # (benchmarks/load_portal.py)
    python3 tools/devenv.py lint    # setup, OCA's lint, checking only (tools/lint.py)
    python3 tools/devenv.py wheel   # setup, the addon's wheel (tools/build_wheel.py)

Every step is idempotent and leaves a stamp only once it has completed, so a
second run skips what is done and an interrupted run redoes only the step it
was killed in. Everything it builds lives in `.local/` (ignored by git), except
the downloaded .deb files, which are shared by the clones of one user in
`~/.cache/support_contract/`.

Environment variables (all optional):

    ODOO_SRC        an existing Odoo 19 source tree to use instead of Debian's package
    ODOO_PORT       HTTP port for `run` (default 8069)
    ODOO_INTERFACE  address `run` listens on (default 127.0.0.1; 0.0.0.0 for all)
    SUPPORT_DB      database name for `run` (default: support_contract_<clone id>)
    PGHOST PGPORT PGUSER PGPASSWORD
                    an existing PostgreSQL server and the role Odoo uses; without
                    them: 127.0.0.1:5432 and role `odoo` (created if missing),
                    else a private cluster in .local/pg
    SUPPORT_PG=private
                    always use the private cluster in .local/pg
    ODOO_DEB_MIRROR the Debian archive to fetch odoo-19 from (default: the one in
                    this machine's apt sources)
    KEEP_TEST_DB=1  keep the test database after `test`
    SUPPORT_LINT    what `test` does with lint, which it runs first: `warn` reports
                    the findings and lets the tests decide the result, `enforce`
                    fails the run on a finding too, `off` skips lint (default:
                    LINT_DEFAULT below)
"""

import contextlib
import glob
import hashlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCAL = ROOT / ".local"
CACHE = (
    Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    / "support_contract"
)
CLONE_ID = hashlib.sha256(str(ROOT).encode()).hexdigest()[:8]
ADDON = "support_contract"
# What `test` does with lint findings (SUPPORT_LINT overrides it): `enforce`,
# so that `make test`, and CI with it, fails on a lint finding.
LINT_DEFAULT = "enforce"
LINT_MODES = ("enforce", "warn", "off")

# Debian packages the runtime needs from the machine's own suite. The
# JavaScript and font packages are the targets of odoo-19's symlinks.
DEB_PACKAGES = [
    "libjs-jquery",
    "libjs-jquery-form",
    "libjs-underscore",
    "fonts-font-awesome",
    "fonts-roboto-unhinted",
    "fonts-inconsolata",
    "fonts-ocr-b",
    "chromium",  # browser tests (HttpCase.browser_js, tours)
    "wkhtmltopdf",  # PDF reports
    "libmagic1",  # python-magic
]
# Taken from the `unstable` suite through the private apt configuration.
# fonts-montserrat is not in Debian 12; odoo-19's web fonts point at it.
UNSTABLE_PACKAGES = ["odoo-19", "fonts-montserrat"]
DEBIAN_KEYRING = "/usr/share/keyrings/debian-archive-keyring.gpg"
# Bump when the extraction below changes, so existing extractions are redone.
EXTRACT_VERSION = "2"
# Files that Debian's repack leaves out (debian/copyright: Files-Excluded) but
# that Odoo's asset bundles list: a missing one breaks every page's assets.
DFSG_STANDINS = {
    "odoo/addons/mail/static/lib/selfie_segmentation/selfie_segmentation.js": (
        "/* Stand-in: Debian's odoo-19 package leaves out MediaPipe's minified\n"
        " * selfie_segmentation.js. Background blur in Discuss video calls is\n"
        " * unavailable; everything else works. (support_contract tools/devenv.py) */\n"
    ),
}


def log(msg):
    print(f"[devenv] {msg}", flush=True)


def die(msg):
    print(f"[devenv] ERROR: {msg}", file=sys.stderr, flush=True)
    sys.exit(2)


def run(cmd, **kw):
    kw.setdefault("check", True)
    return subprocess.run([str(c) for c in cmd], **kw)


def digest(*parts):
    h = hashlib.sha256()
    for part in parts:
        h.update(part if isinstance(part, bytes) else str(part).encode())
        h.update(b"\0")
    return h.hexdigest()[:16]


def stamp_ok(path, value):
    return path.exists() and path.read_text() == value


@contextlib.contextmanager
def setup_lock():
    """Serialize the setup steps of concurrent runs in one clone (they wait, not
    race)."""
    import fcntl

    LOCAL.mkdir(exist_ok=True)
    with open(LOCAL / "setup.lock", "w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log("another setup of this clone is running; waiting for it")
            fcntl.flock(fh, fcntl.LOCK_EX)
        yield


def write_atomic(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    tmp.replace(path)


# --------------------------------------------------------------------------
# Debian packages of the machine's own suite
# --------------------------------------------------------------------------
def as_root_prefix():
    if os.geteuid() == 0:
        return []
    if (
        shutil.which("sudo")
        and run(
            ["sudo", "-n", "true"], check=False, stderr=subprocess.DEVNULL
        ).returncode
        == 0
    ):
        return ["sudo", "-n"]
    return None


def missing_debs(names):
    out = run(
        ["dpkg-query", "-W", "-f=${Package} ${db:Status-Status}\n", *names],
        check=False,
        capture_output=True,
        text=True,
    ).stdout
    installed = {
        line.split()[0] for line in out.splitlines() if line.endswith(" installed")
    }
    return [n for n in names if n not in installed]


def apt_install(names):
    prefix = as_root_prefix()
    if prefix is None:
        die(
            "these Debian packages are missing and I cannot become root to install "
            f"them: {' '.join(names)}\n"
            f"  Install them with: sudo apt-get install {' '.join(names)}"
        )
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    cmd = [*prefix, "apt-get", "install", "-y", "--no-install-recommends", *names]
    log(f"installing Debian packages: {' '.join(names)}")
    if run(cmd, check=False, env=env).returncode != 0:
        log("apt-get install failed; refreshing the package lists once and retrying")
        run([*prefix, "apt-get", "update"], env=env)
        run(cmd, env=env)


def ensure_debs():
    names = list(DEB_PACKAGES)
    if not venv_capable(python_for_venv()):
        names.append("python3-venv")
    missing = missing_debs(names)
    if missing:
        apt_install(missing)


# --------------------------------------------------------------------------
# Odoo 19 from Debian's `unstable`, through a private apt configuration
# --------------------------------------------------------------------------
def machine_archive():
    """(uri, keyring) of the machine's main Debian archive, read from its apt
    sources."""
    if os.environ.get("ODOO_DEB_MIRROR"):
        return os.environ["ODOO_DEB_MIRROR"], DEBIAN_KEYRING
    codename = ""
    with contextlib.suppress(OSError):
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("VERSION_CODENAME="):
                codename = line.split("=", 1)[1].strip().strip('"')
    entries = []  # (uri, suites, keyring)
    for path in sorted(glob.glob("/etc/apt/sources.list.d/*.sources")):
        for stanza in re.split(r"\n\s*\n", Path(path).read_text()):
            fields = {}
            for line in stanza.splitlines():
                if line.startswith("#") or ":" not in line or line[:1].isspace():
                    continue
                key, value = line.split(":", 1)
                fields[key.strip().lower()] = value.strip()
            if (
                fields.get("enabled", "yes").lower() == "no"
                or "deb" not in fields.get("types", "").split()
            ):
                continue
            for uri in fields.get("uris", "").split():
                entries.append(
                    (uri, fields.get("suites", "").split(), fields.get("signed-by"))
                )
    for path in [
        "/etc/apt/sources.list",
        *sorted(glob.glob("/etc/apt/sources.list.d/*.list")),
    ]:
        with contextlib.suppress(OSError):
            for line in Path(path).read_text().splitlines():
                m = re.match(
                    r"^\s*deb\s+(?:\[(?P<opts>[^\]]*)\]\s+)?(?P<uri>\S+)\s+(?P<suite>\S+)",
                    line,
                )
                if m:
                    opts = dict(
                        o.split("=", 1) for o in (m["opts"] or "").split() if "=" in o
                    )
                    entries.append((m["uri"], [m["suite"]], opts.get("signed-by")))
    for uri, suites, keyring in entries:
        if codename in suites and "security" not in uri:
            if not keyring or not os.path.isfile(keyring):
                keyring = DEBIAN_KEYRING
            return uri.rstrip("/"), keyring
    die(
        "could not find the machine's Debian archive in its apt sources; "
        "set ODOO_DEB_MIRROR to the archive's address"
    )


def private_apt():
    """apt-get options for a private configuration: own sources list, lists and
    cache."""
    base = LOCAL / "apt"
    for sub in ("lists/partial", "cache/archives/partial", "preferences.d"):
        (base / sub).mkdir(parents=True, exist_ok=True)
    uri, keyring = machine_archive()
    write_atomic(
        base / "sources.list", f"deb [signed-by={keyring}] {uri} unstable main\n"
    )
    return [
        "-o",
        f"Dir::Etc::sourcelist={base / 'sources.list'}",
        "-o",
        "Dir::Etc::sourceparts=/nonexistent",
        "-o",
        f"Dir::Etc::preferencesparts={base / 'preferences.d'}",
        "-o",
        f"Dir::State::lists={base / 'lists'}",
        "-o",
        f"Dir::Cache={base / 'cache'}",
        "-o",
        "Dir::State::status=/dev/null",
        "-o",
        "Debug::NoLocking=1",
        # apt's download sandbox user cannot write into our folders.
        *(["-o", "APT::Sandbox::User=root"] if os.geteuid() == 0 else []),
    ]


def deb_valid(path):
    return (
        run(
            ["dpkg-deb", "--info", path],
            check=False,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        ).returncode
        == 0
    )


def fetch_debs(names):
    """Download the newest .deb of each name from `unstable` into the shared cache."""
    debs_dir = CACHE / "debs"
    debs_dir.mkdir(parents=True, exist_ok=True)
    found = {}
    for name in names:
        cached = sorted(p for p in debs_dir.glob(f"{name}_*.deb") if deb_valid(p))
        if cached:
            found[name] = cached[-1]
    todo = [n for n in names if n not in found]
    if todo:
        opts = private_apt()
        log("reading the package list of Debian unstable (private apt configuration)")
        run(["apt-get", *opts, "-q", "update"], stdout=subprocess.DEVNULL)
        work = debs_dir / f"partial-{os.getpid()}"
        work.mkdir(exist_ok=True)
        log(f"downloading {' '.join(todo)}")
        run(["apt-get", *opts, "-q", "download", *todo], cwd=work)
        for deb in work.glob("*.deb"):
            deb.replace(debs_dir / deb.name)
        shutil.rmtree(work, ignore_errors=True)
        for name in todo:
            cached = sorted(p for p in debs_dir.glob(f"{name}_*.deb") if deb_valid(p))
            if not cached:
                die(f"apt-get download gave no usable {name} package")
            found[name] = cached[-1]
    return found


def repoint_symlinks(tree):
    """odoo-19's symlinks are relative to /usr; point the dangling ones at
    /usr/share."""
    usr = tree / "usr"
    for dirpath, dirnames, filenames in os.walk(usr):
        for name in dirnames + filenames:
            link = Path(dirpath) / name
            if not link.is_symlink():
                continue
            target = os.readlink(link)
            resolved = (link.parent / target).resolve()
            if resolved.exists():
                continue  # inside the extraction (e.g. fonts-montserrat)
            with contextlib.suppress(ValueError):
                system = Path("/usr") / resolved.relative_to(usr.resolve())
                link.unlink()
                link.symlink_to(system)


def odoo_from_debian():
    """Extract odoo-19 (and its missing fonts) into .local/odoo; return its python
    path."""
    dest = LOCAL / "odoo"
    stamp = dest / ".complete"
    if stamp.exists() and stamp.read_text().startswith(f"v{EXTRACT_VERSION} "):
        return dest / "usr/lib/python3/dist-packages"
    debs = fetch_debs(UNSTABLE_PACKAGES)
    tmp = LOCAL / "odoo.partial"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    for deb in debs.values():
        log(f"extracting {deb.name}")
        run(["dpkg-deb", "-x", deb, tmp])
    repoint_symlinks(tmp)
    pypath = tmp / "usr/lib/python3/dist-packages"
    # The package also ships a copy of the addons' Python files outside the
    # `odoo` package; Odoo does not use it.
    shutil.rmtree(pypath / "addons", ignore_errors=True)
    # Odoo's metadata asks for `psycopg2`, which PyPI only has as a source
    # build; the virtual environment has the same module from psycopg2-binary.
    pkg_info = pypath / "odoo-19.0.egg-info" / "PKG-INFO"
    pkg_info.write_text(
        pkg_info.read_text().replace(
            "Requires-Dist: psycopg2>=2.2", "Requires-Dist: psycopg2-binary>=2.2"
        )
    )
    for relpath, text in DFSG_STANDINS.items():
        standin = pypath / relpath
        if not standin.exists():
            standin.parent.mkdir(parents=True, exist_ok=True)
            standin.write_text(text)
    (tmp / ".complete").write_text(
        f"v{EXTRACT_VERSION} " + " ".join(d.name for d in debs.values())
    )
    shutil.rmtree(dest, ignore_errors=True)
    tmp.rename(dest)
    return dest / "usr/lib/python3/dist-packages"


def odoo_from_source(src):
    src = Path(src).expanduser().resolve()
    release = src / "odoo" / "release.py"
    if not release.exists() or not re.search(
        r"version_info\s*=\s*\(\s*19\s*,", release.read_text()
    ):
        die(
            f"ODOO_SRC={src} is not an Odoo 19 source tree "
            "(no odoo/release.py of version 19)"
        )
    return src


def ensure_odoo():
    src = os.environ.get("ODOO_SRC")
    pypath = odoo_from_source(src) if src else odoo_from_debian()
    addons = [p for p in (pypath / "addons", pypath / "odoo" / "addons") if p.is_dir()]
    return pypath, addons


# --------------------------------------------------------------------------
# Virtual environment
# --------------------------------------------------------------------------
def python_for_venv():
    if sys.version_info[:2] == (3, 11):
        return sys.executable
    for name in ("python3.11",):
        if shutil.which(name):
            return shutil.which(name)
    die(
        "Python 3.11 is needed (Odoo 19's dependencies are pinned for it); "
        "install it (Debian 12: apt-get install python3 python3-venv)"
    )


def venv_capable(python):
    return (
        run(
            [python, "-c", "import ensurepip, venv"],
            check=False,
            stderr=subprocess.DEVNULL,
        ).returncode
        == 0
    )


VENV = LOCAL / "venv"
VENV_PY = VENV / "bin" / "python"


def site_packages():
    return Path(
        run(
            [
                VENV_PY,
                "-c",
                "import sysconfig; print(sysconfig.get_paths()['purelib'])",
            ],
            capture_output=True,
            text=True,
        ).stdout.strip()
    )


def ensure_venv(pypath):
    requirements = (ROOT / "tools" / "requirements.txt").read_text()
    stamp = VENV / ".complete"
    want = digest(requirements, pypath)
    if stamp_ok(stamp, want) and VENV_PY.exists():
        return
    if not VENV_PY.exists() or run([VENV_PY, "-c", "pass"], check=False).returncode:
        shutil.rmtree(VENV, ignore_errors=True)
        log(f"creating the virtual environment in {VENV}")
        run([python_for_venv(), "-m", "venv", VENV])
    site = site_packages()
    # Odoo itself is not on PyPI: its folder goes on the environment's path,
    # where pip sees it as the installed distribution `odoo 19.0`.
    (site / "odoo-19.pth").write_text(f"{pypath}\n")
    if not any(pypath.glob("odoo-19.0*-info")):
        dist = site / "odoo-19.0.dist-info"
        dist.mkdir(exist_ok=True)
        (dist / "METADATA").write_text(
            "Metadata-Version: 2.1\nName: odoo\nVersion: 19.0\n"
        )
        (dist / "INSTALLER").write_text("support_contract devenv\n")
        (dist / "RECORD").write_text("")
    log("installing Odoo's Python dependencies, OCA helpdesk_mgmt and the test tools")
    run(
        [
            VENV_PY,
            "-m",
            "pip",
            "install",
            "-q",
            "--disable-pip-version-check",
            "-r",
            ROOT / "tools" / "requirements.txt",
        ],
        env=dict(os.environ, PIP_NO_WARN_SCRIPT_LOCATION="1"),
    )
    write_atomic(stamp, want)


# --------------------------------------------------------------------------
# PostgreSQL
# --------------------------------------------------------------------------
def pg_connect(host, port, user, password=None, dbname="postgres"):
    import psycopg2  # only inside the virtual environment

    return psycopg2.connect(
        host=host,
        port=port,
        user=user,
        password=password,
        dbname=dbname,
        connect_timeout=5,
    )


def pg_try(host, port, user, password=None):
    import psycopg2

    try:
        pg_connect(host, port, user, password).close()
        return "ok"
    except psycopg2.OperationalError as exc:
        text = str(exc)
        if "does not exist" in text and "role" in text:
            return "no-role"
        if "password" in text or "authentication" in text:
            return "auth"
        return "down"


def pg_server_bin():
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"),
        key=lambda p: int(Path(p).parent.parent.name),
    )
    return Path(found[-1]).parent if found else None


def private_cluster():
    """A PostgreSQL cluster of this clone in .local/pg, on a Unix socket only."""
    bindir = pg_server_bin()
    if bindir is None:
        apt_install(["postgresql"])
        bindir = pg_server_bin()
        if bindir is None:
            die("PostgreSQL was installed but its server binaries were not found")
    pgdir = LOCAL / "pg"
    data = pgdir / "data"
    sockdir = Path(f"/tmp/support_contract-pg-{CLONE_ID}")
    sockdir.mkdir(exist_ok=True)
    user_cmd = []
    if os.geteuid() == 0:
        # PostgreSQL refuses to run as root: run it as the `postgres` account.
        if run(["id", "-u", "postgres"], check=False, capture_output=True).returncode:
            die(
                "running as root and no `postgres` account exists to run the "
                "private cluster"
            )
        user_cmd = ["runuser", "-u", "postgres", "--"]
        pgdir.mkdir(parents=True, exist_ok=True)
        run(["chown", "postgres", pgdir, sockdir])
    else:
        pgdir.mkdir(parents=True, exist_ok=True)
    if not (data / "PG_VERSION").exists():
        tmp = pgdir / "data.partial"
        run([*user_cmd, "rm", "-rf", tmp])
        log(f"creating a private PostgreSQL cluster in {data}")
        run(
            [
                *user_cmd,
                bindir / "initdb",
                "-D",
                tmp,
                "-U",
                "odoo",
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
            ],
            stdout=subprocess.DEVNULL,
        )
        run([*user_cmd, "mv", tmp, data])
    port = "5432"
    status = pg_try(str(sockdir), port, "odoo")
    if status != "ok":
        log("starting the private PostgreSQL cluster")
        run(
            [
                *user_cmd,
                bindir / "pg_ctl",
                "-D",
                data,
                "-l",
                pgdir / "server.log",
                "-w",
                "-t",
                "60",
                "-o",
                f"-c listen_addresses='' -c unix_socket_directories='{sockdir}' "
                f"-p {port}",
                "start",
            ]
        )
    return {"host": str(sockdir), "port": port, "user": "odoo", "password": None}


def ensure_postgres():
    """Connection settings of a running server where role `user` may create
    databases."""
    if os.environ.get("SUPPORT_PG") == "private":
        return private_cluster()
    host = os.environ.get("PGHOST", "127.0.0.1")
    port = os.environ.get("PGPORT", "5432")
    user = os.environ.get("PGUSER", "odoo")
    password = os.environ.get("PGPASSWORD")
    if user == "postgres":
        die("Odoo refuses to connect as `postgres`; set PGUSER to another role")
    status = pg_try(host, port, user, password)
    if status == "no-role":
        # Create the role through a superuser: trust on TCP, or the postgres account.
        created = False
        if pg_try(host, port, "postgres") == "ok":
            conn = pg_connect(host, port, "postgres")
            conn.autocommit = True
            with conn.cursor() as cr:
                from psycopg2 import sql

                cr.execute(
                    sql.SQL("CREATE ROLE {} LOGIN CREATEDB").format(
                        sql.Identifier(user)
                    )
                )
            conn.close()
            created = True
        elif os.geteuid() == 0 and shutil.which("psql"):
            created = (
                run(
                    [
                        "runuser",
                        "-u",
                        "postgres",
                        "--",
                        "psql",
                        "-q",
                        "-c",
                        f'CREATE ROLE "{user}" LOGIN CREATEDB',
                    ],
                    check=False,
                ).returncode
                == 0
            )
        if created:
            log(f"created PostgreSQL role {user}")
            status = pg_try(host, port, user, password)
    if status == "ok":
        return {"host": host, "port": port, "user": user, "password": password}
    if status == "auth":
        die(f"PostgreSQL at {host}:{port} refused role {user}: set PGUSER/PGPASSWORD")
    if "PGHOST" in os.environ or "PGPORT" in os.environ:
        die(f"no PostgreSQL answers at {host}:{port} (PGHOST/PGPORT are set)")
    return private_cluster()


# --------------------------------------------------------------------------
# Odoo configuration
# --------------------------------------------------------------------------
def write_config(pg, odoo_addons):
    links = LOCAL / "addons"
    links.mkdir(parents=True, exist_ok=True)
    link = links / ADDON
    if not link.is_symlink() or os.readlink(link) != "../..":
        with contextlib.suppress(FileNotFoundError):
            link.unlink()
        link.symlink_to("../..")
    oca = site_packages() / "odoo" / "addons"
    addons_path = [links, oca, *odoo_addons]
    lines = [
        "[options]",
        f"addons_path = {','.join(str(p) for p in addons_path)}",
        f"data_dir = {LOCAL / 'data'}",
        f"db_host = {pg['host']}",
        f"db_port = {pg['port']}",
        f"db_user = {pg['user']}",
        *([f"db_password = {pg['password']}"] if pg["password"] else []),
        f"http_interface = {os.environ.get('ODOO_INTERFACE', '127.0.0.1')}",
        f"http_port = {os.environ.get('ODOO_PORT', '8069')}",
        "max_cron_threads = 1",
        "proxy_mode = False",
    ]
    write_atomic(LOCAL / "odoo.conf", "\n".join(lines) + "\n")
    return LOCAL / "odoo.conf"


def ensure_lint_hooks():
    """pre-commit's environment for OCA's module checks, the one lint tool
    not in the virtual environment (its polib pin clashes with Odoo's)."""
    config = ROOT / ".pre-commit-config.yaml"
    if not config.exists() or not (ROOT / ".git").exists():
        return  # not a git checkout: lint cannot run anyway
    home = LOCAL / "pre-commit"
    stamp = home / ".complete"
    want = digest(config.read_text(), (ROOT / "tools" / "requirements.txt").read_text())
    if stamp_ok(stamp, want):
        return
    log("installing the environment of OCA's module checks (pre-commit install-hooks)")
    run(
        [VENV / "bin" / "pre-commit", "install-hooks"],
        cwd=ROOT,
        env=dict(os.environ, PRE_COMMIT_HOME=str(home)),
    )
    write_atomic(stamp, want)


def setup():
    with setup_lock():
        ensure_debs()
        pypath, odoo_addons = ensure_odoo()
        ensure_venv(pypath)
        ensure_lint_hooks()
    return pypath, odoo_addons


def in_venv(command, pypath, odoo_addons):
    """Continue `command` under the virtual environment's Python (psycopg2 is there)."""
    os.execv(
        str(VENV_PY),
        [
            str(VENV_PY),
            str(Path(__file__).resolve()),
            f"_{command}",
            json.dumps(
                {"pypath": str(pypath), "addons": [str(a) for a in odoo_addons]}
            ),
        ],
    )


# --------------------------------------------------------------------------
# Databases
# --------------------------------------------------------------------------
def db_exists(pg, name):
    conn = pg_connect(pg["host"], pg["port"], pg["user"], pg["password"])
    try:
        with conn.cursor() as cr:
            cr.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            return bool(cr.fetchone())
    finally:
        conn.close()


def db_admin(pg, statement, *names):
    from psycopg2 import sql

    conn = pg_connect(pg["host"], pg["port"], pg["user"], pg["password"])
    conn.autocommit = True
    try:
        with conn.cursor() as cr:
            cr.execute(sql.SQL(statement).format(*(sql.Identifier(n) for n in names)))
    finally:
        conn.close()


def drop_db(pg, name):
    db_admin(pg, "DROP DATABASE IF EXISTS {} WITH (FORCE)", name)
    shutil.rmtree(LOCAL / "data" / "filestore" / name, ignore_errors=True)


def addon_manifest():
    import ast

    return ast.literal_eval((ROOT / "__manifest__.py").read_text())


def addon_digest():
    """Content hash of the addon's files, to know when a database needs an update."""
    files = run(
        ["git", "ls-files", "-co", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.split()
    h = hashlib.sha256()
    for name in sorted(files):
        path = ROOT / name
        if path.is_file():
            h.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()[:16]


def odoo_cmd(config, *args):
    return [VENV_PY, "-m", "odoo", "-c", config, *args]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_taken(port):
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("0.0.0.0", port))
        except OSError:
            return True
    return False


def template_db(pg, config):
    """A database with the addon's dependencies installed, cloned for each test run."""
    depends = sorted(addon_manifest()["depends"])
    key = digest(
        depends,
        (ROOT / "tools" / "requirements.txt").read_text(),
        (LOCAL / "odoo" / ".complete").read_text()
        if (LOCAL / "odoo" / ".complete").exists()
        else os.environ.get("ODOO_SRC", ""),
    )[:10]
    name = f"sc_tpl_{CLONE_ID}_{key}"
    if db_exists(pg, name):
        return name
    # Older templates of this clone are dropped; a half-built one is redone.
    conn = pg_connect(pg["host"], pg["port"], pg["user"], pg["password"])
    with conn.cursor() as cr:
        cr.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE %s",
            [f"sc_tpl_{CLONE_ID}_%"],
        )
        stale = [r[0] for r in cr.fetchall()]
    conn.close()
    for old in stale:
        drop_db(pg, old)
    building = name + "_building"
    log(
        f"building the template database {name} with {', '.join(depends)} "
        "(once per machine)"
    )
    t0 = time.time()
    run(
        odoo_cmd(
            config,
            "-d",
            building,
            "-i",
            ",".join(depends),
            "--with-demo",
            "--stop-after-init",
            "--max-cron-threads=0",
            "--http-port",
            str(free_port()),
            "--log-level=warn",
        )
    )
    rename_db(pg, building, name)
    log(f"template ready in {time.time() - t0:.0f}s")
    return name


def rename_db(pg, old, new):
    db_admin(pg, "ALTER DATABASE {} RENAME TO {}", old, new)
    store = LOCAL / "data" / "filestore"
    if (store / old).exists():
        (store / old).rename(store / new)


def clone_template(pg, config, name):
    """A new database `name` copied from the dependencies' template, filestore
    included."""
    template = template_db(pg, config)
    store = LOCAL / "data" / "filestore"
    drop_db(pg, name)
    db_admin(pg, "CREATE DATABASE {} TEMPLATE {}", name, template)
    if (store / template).exists():
        shutil.copytree(store / template, store / name)
    return name


def cmd_run(pypath, odoo_addons):
    with setup_lock():
        db, port, config = prepare_run_db(odoo_addons)
    print(
        f"\n  Odoo is starting at http://localhost:{port}  (database {db})\n"
        f"  Log in as admin / admin. Stop with Ctrl+C.\n",
        flush=True,
    )
    cmd = odoo_cmd(config, "-d", db, f"--db-filter=^{db}$", "--http-port", str(port))
    os.execv(str(cmd[0]), [str(c) for c in cmd])


def prepare_run_db(odoo_addons, serve=True):
    pg = ensure_postgres()
    config = write_config(pg, odoo_addons)
    port = int(os.environ.get("ODOO_PORT", "8069"))
    if serve and port_taken(port):
        die(
            f"port {port} is taken (another Odoo running?). Stop it, or choose another "
            f"port: ODOO_PORT=8070 make run"
        )
    db = os.environ.get("SUPPORT_DB", f"support_contract_{CLONE_ID}")
    stamp = LOCAL / f"run-{db}.stamp"
    want = addon_digest()
    if not db_exists(pg, db):
        stamp.unlink(missing_ok=True)
        building = clone_template(pg, config, db + "_building")
        log(f"installing {ADDON} with its demo data in database {db}")
        run(
            odoo_cmd(
                config,
                "-d",
                building,
                "-i",
                ADDON,
                "--with-demo",
                "--stop-after-init",
                "--max-cron-threads=0",
                "--log-level=warn",
            )
        )
        rename_db(pg, building, db)
        write_atomic(stamp, want)
    elif not stamp_ok(stamp, want):
        log(f"updating {ADDON} in database {db}")
        run(
            odoo_cmd(
                config,
                "-d",
                db,
                "-u",
                ADDON,
                "--stop-after-init",
                "--max-cron-threads=0",
                "--log-level=warn",
            )
        )
        write_atomic(stamp, want)
    return db, port, config


def cmd_bench(pypath, odoo_addons):
    """Run each benchmarks/*.py in `odoo shell` on the run database (they roll back).
    The load benchmarks (load_*.py) are standalone scripts: `load` runs them."""
    with setup_lock():
        db, _port, config = prepare_run_db(odoo_addons, serve=False)
    for script in sorted((ROOT / "benchmarks").glob("*.py")):
        if script.name.startswith("load_"):
            continue
        print(f"== {script.name} (database {db})", flush=True)
        with open(script) as stdin:
            run(
                [
                    VENV_PY,
                    "-m",
                    "odoo",
                    "shell",
                    "-c",
                    config,
                    "-d",
                    db,
                    "--no-http",
                    "--log-level=warn",
                ],
                stdin=stdin,
            )


def cmd_load(pypath, odoo_addons):
    """Run the portal load benchmark: a database and a server of its own."""
    with setup_lock():
        write_config(ensure_postgres(), odoo_addons)
    sys.exit(
        run([VENV_PY, ROOT / "benchmarks" / "load_portal.py"], check=False).returncode
    )


def lint_step():
    """Run lint before the tests: its closing line, and whether it fails the run."""
    mode = os.environ.get("SUPPORT_LINT", LINT_DEFAULT)
    if mode not in LINT_MODES:
        die(f"SUPPORT_LINT={mode!r}: use one of {', '.join(LINT_MODES)}")
    if mode == "off":
        return "lint: not run (SUPPORT_LINT=off)", False
    log(f"lint first (SUPPORT_LINT={mode}); `make lint` lists every finding")
    summary = LOCAL / f"lint-{os.getpid()}.txt"
    try:
        # The optional pylint checks never fail: leave out their second pylint run.
        rc = run(
            [
                VENV_PY,
                ROOT / "tools" / "lint.py",
                "--brief",
                "--skip",
                "pylint_odoo-optional",
                "--summary-file",
                summary,
            ],
            check=False,
        ).returncode
        verdict = (
            summary.read_text().strip()
            if summary.exists()
            else f"lint: could not run (status {rc})"
        )
    finally:
        summary.unlink(missing_ok=True)
    if rc == 0:
        return verdict, False
    if mode == "warn":
        return f"{verdict}, not enforced (SUPPORT_LINT=warn)", False
    return verdict, True


def cmd_test(pypath, odoo_addons):
    lint_result, lint_failed = lint_step()
    with setup_lock():
        pg = ensure_postgres()
        config = write_config(pg, odoo_addons)
        db = clone_template(pg, config, f"sc_test_{CLONE_ID}_{os.getpid()}")
    tags = os.environ.get("TEST_TAGS", f"/{ADDON}")
    # odoo_test.py adds lint's result to its closing line (and fails if lint fails).
    env = dict(
        os.environ,
        SUPPORT_LINT_RESULT=lint_result,
        SUPPORT_LINT_FAILED="1" if lint_failed else "",
    )
    try:
        rc = run(
            [
                VENV_PY,
                ROOT / "tools" / "odoo_test.py",
                "-c",
                config,
                "-d",
                db,
                "-i",
                ADDON,
                "--with-demo",
                "--test-enable",
                f"--test-tags={tags}",
                "--stop-after-init",
                "--max-cron-threads=0",
                "--http-port",
                str(free_port()),
                "--log-level=info",
                "--log-handler=werkzeug:WARNING",
            ],
            check=False,
            env=env,
        ).returncode
    finally:
        if os.environ.get("KEEP_TEST_DB") != "1":
            drop_db(pg, db)
        else:
            log(f"kept the test database {db}")
    sys.exit(rc)


def cmd_lint(pypath, odoo_addons):
    os.execv(str(VENV_PY), [str(VENV_PY), str(ROOT / "tools" / "lint.py")])


def cmd_wheel(pypath, odoo_addons):
    os.execv(
        str(VENV_PY),
        [
            str(VENV_PY),
            str(ROOT / "tools" / "build_wheel.py"),
            "--outdir",
            str(LOCAL / "dist"),
        ],
    )


def main(argv):
    command = argv[1] if len(argv) > 1 else "setup"
    if command.startswith("_"):  # second stage, inside the virtual environment
        state = json.loads(argv[2])
        pypath, addons = Path(state["pypath"]), [Path(a) for a in state["addons"]]
        {
            "_run": cmd_run,
            "_test": cmd_test,
            "_bench": cmd_bench,
            "_load": cmd_load,
            "_lint": cmd_lint,
            "_wheel": cmd_wheel,
            "_setup": lambda *a: None,
        }[command](pypath, addons)
        if command == "_setup":
            with setup_lock():
                write_config(ensure_postgres(), addons)
            log(f"ready: {LOCAL / 'odoo.conf'}")
        return
    if command not in ("setup", "run", "test", "bench", "load", "lint", "wheel"):
        die(
            f"unknown command {command!r}: "
            "use setup, run, test, bench, load, lint or wheel"
        )
    pypath, addons = setup()
    in_venv(command, pypath, addons)


if __name__ == "__main__":
    main(sys.argv)

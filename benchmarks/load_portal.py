#!/usr/bin/env python3
"""Load benchmark of the customer's support account in the portal.

Run it with `make load` (or directly with the virtual environment's Python:
`.local/venv/bin/python benchmarks/load_portal.py`). It is NOT an `odoo shell`
script: `make bench` skips the files named `load_*.py`.

What it does, in order:

1. creates a database of its own, `sc_load_<pid>`, and installs
   `support_contract` with its demo data in it (`-i support_contract`), with the
   configuration of `make run` (`.local/odoo.conf`);
2. creates the fixtures through `odoo shell`: 10 organizations of 5 portal
   users each, credits granted through the ledger API, one deployment with an
   active contract and one ticket per organization, a few Support Credit
   Cards (their codes are read back as superuser) and an engineer (user and
   employee) who logs time;
3. serves that database with several workers, on a free port of 127.0.0.1;
4. drives the portal for a bounded time: every session logs in through
   /web/login, then repeats visits: the overview and the credit history,
   and in some visits the credit statement (PDF) and a card claim, with a
   person's reading time between two requests, while engineer threads log timesheet
   lines (JSON-RPC) on the same organizations' tickets, consuming their
   credits;
5. prints the throughput and, per route, the count, median and 95th percentile
   latency and the errors; then checks the ledger (every lot's remaining
   credits equal the sum of its moves, every organization's balance equals
   its unexpired lots and what it was granted minus what it consumed) and the
   cards (none claimed twice), and prints a verdict line;
6. stops the server and drops the database (keep it with KEEP=1).

Settings (environment variables, all optional):

    LOAD_DURATION   seconds of measured load, after the ramp-up (default 60)
    LOAD_RAMP       seconds of ramp-up before them (default 10): the sessions
                    start one by one over it, as people arrive, and what they
                    ask then is reported apart (its own line, and its errors
                    count as any other)
    LOAD_SESSIONS   concurrent portal sessions (default 50, one per portal user;
                    more sessions share the users)
    LOAD_ENGINEERS  engineer threads logging time (default 2)
    LOAD_WORKERS    Odoo HTTP workers (default 8: a PDF download holds its worker
                    while wkhtmltopdf renders, so more workers than cores)
    LOAD_THINK      seconds a person reads a page before the next request: each
                    pause is drawn between 0.5 and 1.5 times it (default 2; 0
                    sends every next request at once, which no person does:
                    the server is then saturated and every latency is queueing)
    LOAD_ENGINEER_THINK
                    seconds between two timesheet lines of one engineer thread,
                    drawn the same way (default 1: an engineer logs far less
                    often; 0 logs as fast as the server answers)
    LOAD_LOGINS_AT_ONCE
                    at most this many sessions log in at the same time (default 4:
                    people do not all log in in the same second, and a login's
                    password hash takes a core for a while)
    LOAD_STATEMENT_SHARE
                    share of the visits that download a statement (default 0.2)
    LOAD_CLAIM_SHARE
                    share of the visits that claim a card (default 0.5)
    LOAD_REAL_CLAIM share of the looping claims that use a real card code
                    (default 0.1; the others use well-formed unknown codes)
    LOAD_STATEMENT_SLOTS
                    at most this many statement downloads in flight at once,
                    over all sessions; a session that finds every slot taken
                    skips its download (counted). Default 0: no limit.
    LOAD_LOG_LEVEL  the server's log level (default info: one line per request,
                    which the figures read; warn leaves them out)
    KEEP=1          keep the database (and print its name) instead of dropping it

Everything goes to 127.0.0.1, one connection per request (`Connection:
close`, as behind Odoo's usual reverse proxy). Note on the card claim
throttle: it blocks a user after 5 failed claims within 15 minutes, and an
address after the company's limit (default 30). Every session comes from
127.0.0.1, so after the first failures all claims are answered with the "Too
many failed attempts" message: the figures count those answers apart
("throttled"). To see real claims (and races on one card) anyway, some
sessions *race* before the clock starts: two sessions of different
organizations post the same real code at the same moment, before any failure
was recorded. The race is kept out of the measured window: Odoo retries a
request that lost a serialization race after a pause of up to seconds, with
its worker held, which is a test of the lock, not of the latency.

The clock starts once every session has logged in, warmed up and raced; each
session then starts within one think time, as people arrive spread over time.
The server logs every request (LOAD_LOG_LEVEL, default info), and the figures
add where each page's time goes: the server's own time (from its access log:
every GET carries a `?_r=<n>` tag) and the waiting before it.

Note on the statement: it is a PDF made by wkhtmltopdf, which fetches the
page's stylesheets over HTTP from the server at `report.url`. Were that the
HTTP workers' port, a worker rendering a statement would wait for another
worker, and as many simultaneous downloads as workers would block the server
until `limit_time_real`. The benchmark sets `report.url` to the server's
gevent port, as the README's "Reports under load" advises for production.
"""

import configparser
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path

import psycopg2
import requests

ROOT = Path(__file__).resolve().parent.parent
LOCAL = ROOT / ".local"
CONFIG = LOCAL / "odoo.conf"
VENV_PY = LOCAL / "venv" / "bin" / "python"

DURATION = float(os.environ.get("LOAD_DURATION", "60"))
RAMP = float(os.environ.get("LOAD_RAMP", "10"))
SESSIONS = int(os.environ.get("LOAD_SESSIONS", "50"))
ENGINEERS = int(os.environ.get("LOAD_ENGINEERS", "2"))
WORKERS = int(os.environ.get("LOAD_WORKERS", "8"))
THINK = float(os.environ.get("LOAD_THINK", "2"))
ENGINEER_THINK = float(os.environ.get("LOAD_ENGINEER_THINK", "1"))
LOGINS_AT_ONCE = int(os.environ.get("LOAD_LOGINS_AT_ONCE", "4"))
STATEMENT_SHARE = float(os.environ.get("LOAD_STATEMENT_SHARE", "0.2"))
CLAIM_SHARE = float(os.environ.get("LOAD_CLAIM_SHARE", "0.5"))
REAL_CLAIM_SHARE = float(os.environ.get("LOAD_REAL_CLAIM", "0.1"))
STATEMENT_SLOTS = int(os.environ.get("LOAD_STATEMENT_SLOTS", "0"))
KEEP = os.environ.get("KEEP") == "1"

ORGANIZATIONS = 10
USERS_PER_ORGANIZATION = 5
CARDS = 8  # cards issued; the first RACED_CARDS are raced at the start
RACED_CARDS = 5
CARD_CREDITS = 30
GRANTS = [
    (300, 20),
    (900, 300),
]  # (credits, days to expiry) granted to each organization
MAX_LOOPS = 100_000  # a bound on every loop, beside the time
REQUEST_TIMEOUT = 120
OVERVIEW_P95_TARGET_MS = 300
RACE_ROUTE = "POST claim race (before the clock)"

DB = f"sc_load_{os.getpid()}"
CODE_ALPHABET = (
    "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # card codes' alphabet (lib/card_code.py)
)
CSRF_RE = re.compile(r'name="csrf_token"\s+value="([^"]+)"')


def log(msg):
    print(f"[load] {msg}", flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def odoo(command, *args, **kw):
    """Run an Odoo command (`server`, `shell`) with the configuration of `make run`."""
    return subprocess.run(
        [str(VENV_PY), "-m", "odoo", command, "-c", str(CONFIG), *args], **kw
    )


def odoo_shell(script, marker, **payload):
    """Run ``script`` in `odoo shell` on the load database, each keyword of
    ``payload`` in its environment as JSON. Returns the process and what the
    script printed after ``<marker>=`` (None when it printed no such line)."""
    out = odoo(
        "shell",
        "-d",
        DB,
        "--no-http",
        "--log-level=error",
        input=script,
        text=True,
        capture_output=True,
        env=dict(os.environ, **{k: json.dumps(v) for k, v in payload.items()}),
    )
    prefix = f"{marker}="
    line = next(
        (ln[len(prefix) :] for ln in out.stdout.splitlines() if ln.startswith(prefix)),
        None,
    )
    return out, line


# ---------------------------------------------------------------------------
# PostgreSQL: the server and role of .local/odoo.conf
# ---------------------------------------------------------------------------
def pg_params():
    conf = configparser.ConfigParser()
    conf.read(CONFIG)
    opts = conf["options"]
    params = {
        "host": opts.get("db_host"),
        "port": opts.get("db_port"),
        "user": opts.get("db_user"),
    }
    if opts.get("db_password"):
        params["password"] = opts.get("db_password")
    return params


def pg_connect(dbname="postgres"):
    conn = psycopg2.connect(dbname=dbname, connect_timeout=10, **pg_params())
    conn.autocommit = True
    return conn


def drop_database():
    conn = pg_connect()
    with conn.cursor() as cr:
        cr.execute(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
    conn.close()
    shutil.rmtree(LOCAL / "data" / "filestore" / DB, ignore_errors=True)


# ---------------------------------------------------------------------------
# 1. Database and fixtures
# ---------------------------------------------------------------------------
def create_database():
    log(
        f"installing support_contract with its demo data in a new database {DB} "
        "(a few minutes)"
    )
    t0 = time.time()
    install_log = LOCAL / f"{DB}-install.log"  # Odoo's deprecation warnings are noisy
    with open(install_log, "w") as out:
        rc = odoo(
            "server",
            "-d",
            DB,
            "-i",
            "support_contract",
            "--with-demo",
            "--stop-after-init",
            "--max-cron-threads=0",
            "--no-http",
            "--log-level=warn",
            stdout=out,
            stderr=subprocess.STDOUT,
        ).returncode
    if rc:
        sys.exit(f"the install failed (exit code {rc}); see {install_log}")
    install_log.unlink()
    log(f"installed in {time.time() - t0:.0f} s")


# Run inside `odoo shell` (as superuser, `env` given); parameters come in the
# environment variable LOAD_PARAMS, the result goes out as one JSON line.
FIXTURES = r"""
import json, os
from datetime import timedelta
from odoo import Command, fields

p = json.loads(os.environ["LOAD_PARAMS"])
env = env(context=dict(env.context, no_reset_password=True, tz="UTC"))
company = env.company
today = fields.Date.context_today(env.user)
# wkhtmltopdf fetches the statement's stylesheets from the server: through the
# gevent port (see start_server), never through the HTTP workers it would wait for
env["ir.config_parameter"].set_param("report.url", p["report_url"])

portal = env.ref("base.group_portal")
plan = env.ref("support_contract.support_plan_premium")
engineer = env["res.users"].create({
    "name": "Load Engineer", "login": "load-engineer",
    "password": p["engineer_password"],
    "company_id": company.id, "company_ids": [Command.set(company.ids)], "tz": "UTC",
    "group_ids": [Command.set([env.ref(x).id for x in (
        "base.group_user", "helpdesk_mgmt.group_helpdesk_user",
        "support_contract.group_support_user",
        "hr_timesheet.group_hr_timesheet_user")])],
})
employee = env["hr.employee"].create(
    {"name": engineer.name, "user_id": engineer.id, "company_id": company.id}
)

orgs = []
for i in range(1, p["organizations"] + 1):
    org = env["res.partner"].create({"name": f"Load Org {i:02d}", "is_company": True,
                                     "email": f"org{i:02d}@load.example.com"})
    users = []
    for j in range(1, p["users_per_organization"] + 1):
        login = f"load-{i:02d}-{j}"
        contact = env["res.partner"].create({"name": f"Load User {i:02d}-{j}",
                                             "parent_id": org.id,
                                             "email": f"{login}@load.example.com"})
        env["res.users"].create({
            "name": contact.name, "login": login, "password": p["portal_password"],
            "partner_id": contact.id, "company_id": company.id,
            "company_ids": [Command.set(company.ids)], "tz": "UTC",
            "group_ids": [Command.set(portal.ids)],
        })
        users.append(login)
    deployment = env["support.deployment"].create({"name": f"LOAD-DEP-{i:02d}",
                                                  "kind": "deployment",
                                                  "partner_id": org.id})
    contract = env["support.contract"].create({
        "deployment_id": deployment.id, "plan_id": plan.id, "partner_id": org.id,
        "term_ids": [Command.create({"date_start": today - timedelta(days=30),
                                     "date_end": today + timedelta(days=335)})],
    })
    for quantity, days in p["grants"]:
        env["support.credit.lot"]._grant(
            org, quantity, today + timedelta(days=days), "Load test grant"
        )
    ticket = env["helpdesk.ticket"].create({
        "name": f"Load ticket {i:02d}", "description": "<p>Load test.</p>",
        "partner_id": org.child_ids[:1].id, "support_deployment_id": deployment.id,
        "user_id": engineer.id,
    })
    orgs.append({"id": org.id, "name": org.name, "users": users, "ticket_id": ticket.id,
                 "contract_state": contract.state})

cards = env["support.credit.card"]._issue([
    {"credits": p["card_credits"], "buyer_partner_id": orgs[k % len(orgs)]["id"]}
    for k in range(p["cards"])
])
env.cr.commit()
print("LOAD_FIXTURES=" + json.dumps({
    "orgs": orgs,
    "cards": [
        {"id": c.id, "code": c.code, "buyer_id": c.buyer_partner_id.id} for c in cards
    ],
    "engineer": {"login": engineer.login, "employee_id": employee.id},
    "company_id": company.id,
}), flush=True)
"""


def create_fixtures(base_url, report_url):
    log("creating the fixtures (odoo shell)")
    params = {
        "base_url": base_url,
        "report_url": report_url,
        "organizations": ORGANIZATIONS,
        "users_per_organization": USERS_PER_ORGANIZATION,
        "grants": GRANTS,
        "cards": CARDS,
        "card_credits": CARD_CREDITS,
        "portal_password": "load-portal-Pa55word",
        "engineer_password": "load-engineer-Pa55word",
    }
    out, line = odoo_shell(FIXTURES, "LOAD_FIXTURES", LOAD_PARAMS=params)
    if out.returncode or not line:
        sys.exit(f"fixtures failed:\n{out.stdout[-3000:]}\n{out.stderr[-3000:]}")
    fixtures = json.loads(line)
    fixtures["portal_password"] = params["portal_password"]
    fixtures["engineer"]["password"] = params["engineer_password"]
    inactive = [o["name"] for o in fixtures["orgs"] if o["contract_state"] != "active"]
    if inactive:
        log(f"WARNING: contracts not active for {inactive}")
    return fixtures


# ---------------------------------------------------------------------------
# 2. The server
# ---------------------------------------------------------------------------
def start_server(port, gevent_port, logfile):
    """Odoo with WORKERS workers on 127.0.0.1:port, in a process group of its own.

    The gevent port (Odoo's asynchronous server, started beside the workers)
    is the `report.url` of the database: wkhtmltopdf fetches a report's
    stylesheets there, so that a PDF being rendered never waits for a free
    HTTP worker while holding one (see README, "Reports under load")."""
    cmd = [
        str(VENV_PY),
        "-m",
        "odoo",
        "server",
        "-c",
        str(CONFIG),
        "-d",
        DB,
        f"--db-filter=^{DB}$",
        "--http-interface=127.0.0.1",
        f"--http-port={port}",
        f"--gevent-port={gevent_port}",
        f"--workers={WORKERS}",
        "--max-cron-threads=0",
        f"--log-level={os.environ.get('LOAD_LOG_LEVEL', 'info')}",
        f"--logfile={logfile}",
    ]
    log(
        f"serving {DB} on http://127.0.0.1:{port} with {WORKERS} workers "
        f"(log: {logfile})"
    )
    proc = subprocess.Popen(
        cmd,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 120
    while time.time() < deadline:
        if proc.poll() is not None:
            sys.exit(f"the server exited with code {proc.returncode}; see {logfile}")
        try:
            if (
                requests.get(
                    f"http://127.0.0.1:{port}/web/login", timeout=5
                ).status_code
                == 200
            ):
                return proc
        except requests.RequestException:
            pass
        time.sleep(1)
    stop_server(proc)
    sys.exit("the server did not answer within 120 s")


def stop_server(proc):
    """SIGTERM to the server's process group (the master and its workers), then
    SIGKILL."""
    if proc is None or proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


# ---------------------------------------------------------------------------
# 3. The load
# ---------------------------------------------------------------------------
class Stats:
    """Latencies and outcomes per route, shared by all threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.latencies = defaultdict(list)  # route -> [seconds]
        # the ramp-up's requests, reported apart (set when the clock starts)
        self.ramp_latencies = defaultdict(list)
        self.ramp_start = self.measure_from = float("inf")
        # tag -> (route, client seconds, wall clock at send): the GET pages
        # carry ?_r=<tag>, which the server's access log repeats
        self.tagged = {}
        self.tags = iter(range(1, 10**9))
        self.errors = defaultdict(lambda: defaultdict(int))  # route -> kind -> count
        self.claims = defaultdict(int)  # outcome -> count
        self.claimed_codes = set()  # codes the server said we claimed
        self.timesheet_ids = []  # lines the server created
        self.statement_slots = (
            threading.Semaphore(STATEMENT_SLOTS) if STATEMENT_SLOTS else None
        )
        self.login_slots = (
            threading.Semaphore(LOGINS_AT_ONCE) if LOGINS_AT_ONCE else None
        )

    def record(self, route, seconds, error=None, tag=None, started=None):
        if started is None:
            started = time.time() - seconds
        with self.lock:
            if tag is not None:
                self.tagged[tag] = (route, seconds, started)
            if self.ramp_start <= started < self.measure_from:
                self.ramp_latencies[route].append(seconds)
            else:
                self.latencies[route].append(seconds)
            if error:
                self.errors[route][error] += 1


def timed(stats, route, session, method, url, **kw):
    """One request, recorded under `route`. Returns the response, or None on an
    exception. A GET without a query string is tagged (`?_r=<n>`), so that
    its time in the server can be read back from the access log
    (LOAD_LOG_LEVEL=info)."""
    tag = None
    if method == "GET" and "?" not in url:
        with stats.lock:
            tag = next(stats.tags)
        url = f"{url}?_r={tag}"
    started = time.time()
    t0 = time.perf_counter()
    try:
        resp = session.request(method, url, timeout=REQUEST_TIMEOUT, **kw)
    except requests.RequestException as exc:
        stats.record(
            route,
            time.perf_counter() - t0,
            f"exception {type(exc).__name__}: {str(exc)[-60:]}",
        )
        return None
    elapsed = time.perf_counter() - t0
    stats.record(
        route,
        elapsed,
        f"HTTP {resp.status_code}" if resp.status_code >= 400 else None,
        tag=tag,
        started=started,
    )
    return resp


def csrf_of(html):
    match = CSRF_RE.search(html or "")
    return match.group(1) if match else None


def classify_claim(html):
    if "o_support_claim_success" in html:
        return "claimed"
    if "Too many failed attempts" in html:
        return "throttled"
    if "already been claimed" in html:
        return "refused: already claimed"
    if "This code is not valid" in html:
        return "refused: unknown code"
    if "o_support_claim_error" in html:
        return "refused: other"
    return "no outcome on the page"


def random_code():
    return "".join(random.choice(CODE_ALPHABET) for _ in range(24))


class PortalSession(threading.Thread):
    """One customer: log in, then loop over the four routes until the deadline."""

    def __init__(
        self, base, login, password, stats, start_barrier, race_code, real_codes
    ):
        super().__init__(daemon=True)
        self.base, self.login, self.password, self.stats = base, login, password, stats
        self.start_barrier, self.race_code, self.real_codes = (
            start_barrier,
            race_code,
            real_codes,
        )
        self.deadline = 0  # set when the barrier opens
        self.race_barrier = None  # shared by the racing sessions
        self.http = requests.Session()
        self.http.headers["Connection"] = "close"
        self.csrf = None
        self.logged_in = False

    def run(self):
        try:
            self.log_in()
            if self.logged_in:
                self.warm_up()
            if self.race_code:
                self.race()
        finally:
            # everyone starts together, logged in or not
            self.start_barrier.wait()
        if not self.logged_in:
            return
        # people arrive spread over time, not all in the clock's first
        # millisecond: each session starts at a random moment of the ramp-up
        # (of one think time without one)
        time.sleep(random.uniform(0, RAMP or THINK))
        for _ in range(MAX_LOOPS):
            for step in self.visit():
                if time.time() >= self.deadline:
                    return
                step()
                if THINK:
                    time.sleep(random.uniform(0.5 * THINK, 1.5 * THINK))

    def race(self):
        """The race, before the clock: every racing session posts its card's
        code at the same moment as the other session racing for it. It tests
        the claim's lock, not the latency: Odoo answers a serialization
        failure by retrying the request after a pause of up to seconds,
        which would weigh on the first seconds of the measured window."""
        if not self.logged_in:
            self.race_barrier.abort()  # the others race anyway
            return
        try:
            self.race_barrier.wait()
        except threading.BrokenBarrierError:
            pass
        self.claim(self.race_code, route=RACE_ROUTE)

    def warm_up(self):
        """Before the clock: the pages once each, unmeasured, so that every
        worker has compiled their templates (a running server has; the
        figures are the steady state, not the first requests after a start)."""
        for path in ("/my/support", "/my/support/credits"):
            try:
                self.http.get(f"{self.base}{path}", timeout=REQUEST_TIMEOUT)
            except requests.RequestException:
                pass

    def visit(self):
        """One visit of the support account: the overview and the history,
        and in some visits a statement download and a card claim."""
        steps = [self.overview, self.history]
        if random.random() < STATEMENT_SHARE:
            steps.append(self.statement)
        if random.random() < CLAIM_SHARE:
            steps.append(self.loop_claim)
        return steps

    def log_in(self):
        if self.stats.login_slots:
            with self.stats.login_slots:
                return self._log_in()
        return self._log_in()

    def _log_in(self):
        resp = timed(
            self.stats, "login page", self.http, "GET", f"{self.base}/web/login"
        )
        if resp is None:
            return  # the exception is counted
        token = csrf_of(resp.text)
        if not token:
            self.stats.record("login", 0, "no CSRF token on the login page")
            return
        resp = timed(
            self.stats,
            "login",
            self.http,
            "POST",
            f"{self.base}/web/login",
            data={
                "login": self.login,
                "password": self.password,
                "csrf_token": token,
                "redirect": "/my/support/cards/claim",
            },
        )
        if resp is None:
            return
        if "/web/login" in resp.url:
            self.stats.record("login", 0, "login refused")
            return
        self.csrf = csrf_of(resp.text)  # the claim form's token (bound to this session)
        self.logged_in = bool(self.csrf)

    def overview(self):
        timed(
            self.stats, "GET /my/support", self.http, "GET", f"{self.base}/my/support"
        )

    def history(self):
        timed(
            self.stats,
            "GET /my/support/credits",
            self.http,
            "GET",
            f"{self.base}/my/support/credits",
        )

    def statement(self):
        slots = self.stats.statement_slots
        if slots and not slots.acquire(blocking=False):
            self.stats.record("statement skipped (slots busy)", 0)
            return
        try:
            self._statement()
        finally:
            if slots:
                slots.release()

    def _statement(self):
        resp = timed(
            self.stats,
            "GET /my/support/credits/statement",
            self.http,
            "GET",
            f"{self.base}/my/support/credits/statement",
        )
        if (
            resp is not None
            and resp.status_code == 200
            and not resp.content.startswith(b"%PDF")
        ):
            self.stats.record(
                "statement not a PDF", 0, resp.headers.get("Content-Type", "?")
            )

    def loop_claim(self):
        unclaimed = [c for c in self.real_codes if c not in self.stats.claimed_codes]
        if unclaimed and random.random() < REAL_CLAIM_SHARE:
            self.claim(random.choice(unclaimed))
        else:
            self.claim(random_code())

    def claim(self, code, route="POST /my/support/cards/claim"):
        resp = timed(
            self.stats,
            route,
            self.http,
            "POST",
            f"{self.base}/my/support/cards/claim",
            data={"code": code, "csrf_token": self.csrf},
        )
        if resp is None or resp.status_code != 200:
            return
        outcome = classify_claim(resp.text)
        with self.stats.lock:
            self.stats.claims[outcome] += 1
            if outcome == "claimed":
                self.stats.claimed_codes.add(code)
        self.csrf = csrf_of(resp.text) or self.csrf


class JsonRpc:
    """A logged-in JSON-RPC session of the web client (/web/session/authenticate)."""

    def __init__(self, base, login, password):
        self.base = base
        self.http = requests.Session()
        self.http.headers["Connection"] = "close"
        self.call(
            "/web/session/authenticate",
            {"db": DB, "login": login, "password": password},
        )

    def call(self, path, params):
        resp = self.http.post(
            f"{self.base}{path}",
            timeout=REQUEST_TIMEOUT,
            json={"jsonrpc": "2.0", "method": "call", "id": 1, "params": params},
        )
        resp.raise_for_status()
        body = resp.json()
        if body.get("error"):
            raise RuntimeError(
                body["error"].get("data", {}).get("message") or body["error"]
            )
        return body["result"]

    def call_kw(self, model, method, args, **kwargs):
        return self.call(
            f"/web/dataset/call_kw/{model}/{method}",
            {"model": model, "method": method, "args": args, "kwargs": kwargs},
        )


class Engineer(threading.Thread):
    """Logs timesheet lines on the organizations' tickets until the deadline."""

    def __init__(self, base, fixtures, stats, start_barrier):
        super().__init__(daemon=True)
        self.base, self.fixtures, self.stats = base, fixtures, stats
        self.start_barrier = start_barrier
        self.deadline = 0  # set when the barrier opens

    def run(self):
        eng = self.fixtures["engineer"]
        try:
            rpc = JsonRpc(self.base, eng["login"], eng["password"])
        except Exception as exc:  # noqa: BLE001 - reported in the figures
            self.stats.record("timesheet", 0, f"login failed: {exc}")
            rpc = None
        self.start_barrier.wait()
        if rpc is None:
            return
        tickets = [org["ticket_id"] for org in self.fixtures["orgs"]]
        for n in range(MAX_LOOPS):
            if time.time() >= self.deadline:
                return
            vals = {
                "ticket_id": random.choice(tickets),
                "unit_amount": random.choice([0.1, 0.25, 0.5]),
                "employee_id": eng["employee_id"],
                "name": f"Load work {n}",
            }
            t0 = time.perf_counter()
            try:
                line_id = rpc.call_kw("account.analytic.line", "create", [vals])
            except Exception as exc:  # noqa: BLE001 - every failure is a figure
                self.stats.record(
                    "RPC timesheet create",
                    time.perf_counter() - t0,
                    f"{type(exc).__name__}: {str(exc)[:80]}",
                )
                continue
            self.stats.record("RPC timesheet create", time.perf_counter() - t0)
            with self.stats.lock:
                self.stats.timesheet_ids.append(
                    line_id if isinstance(line_id, int) else line_id[0]
                )
            if ENGINEER_THINK:
                time.sleep(random.uniform(0.5 * ENGINEER_THINK, 1.5 * ENGINEER_THINK))


def baseline(base, fixtures, count=20):
    """The overview's latency for one session alone, before the load: what a
    request costs, apart from the queueing under load."""
    stats = Stats()
    session = PortalSession(
        base,
        fixtures["orgs"][0]["users"][0],
        fixtures["portal_password"],
        stats,
        threading.Barrier(1),
        None,
        [],
    )
    session.log_in()
    if not session.logged_in:
        return None
    for _ in range(count):
        session.overview()
    return stats.latencies["GET /my/support"]


def run_load(base, fixtures):
    stats = Stats()
    users = [login for org in fixtures["orgs"] for login in org["users"]]
    cards = fixtures["cards"]
    all_codes = [c["code"] for c in cards]
    # The race: each of the first RACED_CARDS cards is posted by two users of
    # two organizations (neither its buyer) as their first claim, at once.
    race = {}  # login -> code
    free_users = {org["id"]: list(org["users"]) for org in fixtures["orgs"]}
    for k, card in enumerate(cards[:RACED_CARDS]):
        others = [org for org in fixtures["orgs"] if org["id"] != card["buyer_id"]]
        for org in (others[(2 * k) % len(others)], others[(2 * k + 1) % len(others)]):
            race[free_users[org["id"]].pop()] = card["code"]

    # Logins take a while (password hashing): the load's clock starts once
    # every thread has logged in, when the barrier opens. Its action runs in
    # the last thread to arrive, before any thread goes on.
    threads = []
    clock = {}

    def start_clock():
        clock["start"] = time.time()
        stats.ramp_start = clock["start"]
        stats.measure_from = clock["start"] + RAMP
        for t in threads:
            t.deadline = stats.measure_from + DURATION
        log(
            f"all logged in after {clock['start'] - logins_start:.0f} s; "
            f"load for {DURATION:.0f} s"
        )

    barrier = threading.Barrier(SESSIONS + ENGINEERS, action=start_clock, timeout=900)
    for k in range(SESSIONS):
        login = users[k % len(users)]
        # only a user's first session races (the second one of the same user
        # would share the first one's throttle, nothing more)
        threads.append(
            PortalSession(
                base,
                login,
                fixtures["portal_password"],
                stats,
                barrier,
                race.get(login) if k < len(users) else None,
                all_codes,
            )
        )
    racers = [t for t in threads if t.race_code]
    race_barrier = threading.Barrier(max(len(racers), 1), timeout=900)
    for t in racers:
        t.race_barrier = race_barrier
    threads += [Engineer(base, fixtures, stats, barrier) for _ in range(ENGINEERS)]

    log(f"logging in {SESSIONS} portal sessions and {ENGINEERS} engineer thread(s)")
    logins_start = time.time()
    for t in threads:
        t.start()
    for t in threads:  # bounded: the requests time out, the loops stop at the deadline
        t.join(timeout=RAMP + DURATION + 2 * REQUEST_TIMEOUT + 600)
    load_seconds = time.time() - stats.measure_from if clock else 0
    stuck = [t for t in threads if t.is_alive()]
    if stuck:
        log(f"WARNING: {len(stuck)} thread(s) still running after the time limit")
    return (
        stats,
        load_seconds,
        sum(1 for t in threads if isinstance(t, PortalSession) and t.logged_in),
        stats.measure_from if clock else 0,
    )


# ---------------------------------------------------------------------------
# 4. Figures and checks
# ---------------------------------------------------------------------------
def percentile(values, pct):
    values = sorted(values)
    if not values:
        return float("nan")
    index = max(0, min(len(values) - 1, int(round(pct / 100 * len(values) + 0.5)) - 1))
    return values[index]


LOAD_ROUTES = [
    "GET /my/support",
    "GET /my/support/credits",
    "GET /my/support/credits/statement",
    "POST /my/support/cards/claim",
    "RPC timesheet create",
]


def print_figures(stats, load_seconds, logged_in):
    print()
    print(
        f"== Load: {logged_in}/{SESSIONS} portal sessions logged in, "
        f"{ENGINEERS} engineer thread(s), "
        f"{WORKERS} workers, think time {THINK:g} s, "
        f"statements in {STATEMENT_SHARE:.0%} and claims in "
        f"{CLAIM_SHARE:.0%} of the visits, "
        f"statement slots {STATEMENT_SLOTS or 'unlimited'}"
    )
    print(
        f"   ramp-up {RAMP:.0f} s (reported apart, below), then a measured window "
        f"of {DURATION:.0f} s; its last answer came {load_seconds:.0f} s after "
        "its start (requests sent before the deadline are waited for)"
    )
    total = sum(len(stats.latencies[r]) for r in LOAD_ROUTES)
    portal = sum(len(stats.latencies[r]) for r in LOAD_ROUTES[:4])
    print(
        f"   requests: {total} in {load_seconds:.1f} s = "
        f"{total / load_seconds:.1f} req/s overall "
        f"({portal / load_seconds:.1f} req/s portal, logins not counted)"
    )
    print(
        f"   {'route':36} {'count':>6} {'median ms':>10} {'p95 ms':>8} "
        f"{'max ms':>8}  errors"
    )
    for route in ["login page", "login", *LOAD_ROUTES]:
        lat = stats.latencies.get(route, [])
        errors = dict(stats.errors.get(route, {}))
        if not lat and not errors:
            continue
        print(
            f"   {route:36} {len(lat):6d} {percentile(lat, 50) * 1000:10.0f} "
            f"{percentile(lat, 95) * 1000:8.0f} {max(lat) * 1000 if lat else 0:8.0f}  "
            f"{sum(errors.values())} {errors if errors else ''}"
        )
    for route in sorted(set(stats.latencies) | set(stats.errors)):
        if route not in ["login page", "login", *LOAD_ROUTES]:
            errors = dict(stats.errors.get(route, {}))
            print(
                f"   {route}: {len(stats.latencies.get(route, []))} "
                f"{errors if errors else ''}"
            )
    for route in LOAD_ROUTES:
        lat = stats.ramp_latencies.get(route, [])
        if lat:
            print(
                f"   {'ramp-up: ' + route:36} {len(lat):6d} "
                f"{percentile(lat, 50) * 1000:10.0f} {percentile(lat, 95) * 1000:8.0f} "
                f"{max(lat) * 1000:8.0f}  (sessions arriving, cold caches)"
            )
    print(f"   claims: {dict(sorted(stats.claims.items()))}")
    throttled = stats.claims.get("throttled", 0)
    claims = sum(stats.claims.values())
    if claims:
        print(
            f"   {throttled} of {claims} claims ({100 * throttled / claims:.0f}%) "
            "were throttled: all "
            "sessions come from 127.0.0.1; the throttle blocks a user after "
            "5 failed claims in 15 "
            "minutes and an address after the company's limit (default 30)"
        )


ACCESS_LOG_RE = re.compile(
    r"^(?P<stamp>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) (?P<pid>\d+) .*"
    r'"GET \S+?\?_r=(?P<tag>\d+) HTTP/[\d.]+" \d+ \S+ '
    r"(?P<queries>\d+) (?P<query_time>[\d.]+) (?P<other_time>[\d.]+)"
)


def server_times(logfile):
    """{tag: (server seconds, queries, worker pid)} from the access log lines
    (written at level info): the time Odoo spent on the request, from the
    moment its WSGI application got it to the end of the answer."""
    times = {}
    try:
        with open(logfile, errors="replace") as lines:
            for line in lines:
                match = ACCESS_LOG_RE.match(line)
                if match:
                    times[int(match["tag"])] = (
                        float(match["query_time"]) + float(match["other_time"]),
                        int(match["queries"]),
                        int(match["pid"]),
                    )
    except OSError:
        pass
    return times


def print_breakdown(stats, logfile, start):
    """Per route: the client's time against the server's own, and what lies
    between them (waiting for a free worker, the connection, the client
    process); then the slowest overview requests one by one."""
    times = server_times(logfile)
    if not times:
        print(
            "\n   (LOAD_LOG_LEVEL=info prints where the time goes, "
            "from the server's log)"
        )
        return
    print("\n== Where the time goes (client time = server time + waiting before it)")
    print(
        f"   {'route':36} {'count':>6} {'client p50/p95 ms':>18} "
        f"{'server p50/p95 ms':>18} {'waiting p50/p95 ms':>19} {'queries p50':>11}"
    )
    by_route = defaultdict(list)
    for tag, (route, client, started) in stats.tagged.items():
        if tag in times and started >= start:
            server, queries, pid = times[tag]
            by_route[route].append((client, server, queries, pid, started))

    def ms(values):
        return (
            f"{percentile(values, 50) * 1000:.0f}/{percentile(values, 95) * 1000:.0f}"
        )

    for route, rows in sorted(by_route.items()):
        clients = [r[0] for r in rows]
        servers = [r[1] for r in rows]
        waits = [max(0.0, r[0] - r[1]) for r in rows]
        queries = [r[2] for r in rows]
        print(
            f"   {route:36} {len(rows):6d} {ms(clients):>18} {ms(servers):>18} "
            f"{ms(waits):>19} {percentile(queries, 50):11.0f}"
        )
    slowest = sorted(by_route.get("GET /my/support", []), reverse=True)[:12]
    if slowest:
        print(
            "   slowest overviews: at s, client ms = server ms + waiting ms "
            "(queries, worker)"
        )
        for client, server, queries, pid, started in slowest:
            print(
                f"      at {started - start:6.1f} s: {client * 1000:6.0f} = "
                f"{server * 1000:5.0f} + {(client - server) * 1000:6.0f} "
                f"({queries} q, {pid})"
            )


BALANCES = r"""
import json, os
ids = json.loads(os.environ["LOAD_ORG_IDS"])
partners = env["res.partner"].browse(ids)
print(
    "LOAD_BALANCES="
    + json.dumps({p.id: p.support_credit_balance for p in partners}),
    flush=True,
)
"""


def orm_balances(org_ids):
    """Each organization's balance as the ORM computes it
    (res.partner.support_credit_balance)."""
    out, line = odoo_shell(BALANCES, "LOAD_BALANCES", LOAD_ORG_IDS=org_ids)
    if not line:
        log(f"could not read the balances:\n{out.stderr[-2000:]}")
        return {}
    return {int(k): v for k, v in json.loads(line).items()}


def ledger_checks(fixtures, stats):
    """Check the ledger and the cards; return a list of problems (empty: all good)."""
    problems = []
    conn = pg_connect(DB)
    cr = conn.cursor()
    org_ids = [org["id"] for org in fixtures["orgs"]]
    company_id = fixtures["company_id"]

    # a) every lot: remaining = sum of its moves, never negative
    cr.execute("""
        SELECT l.id, l.remaining, COALESCE(SUM(m.quantity), 0)
          FROM support_credit_lot l
          LEFT JOIN support_credit_move m ON m.lot_id = l.id
         GROUP BY l.id
        HAVING l.remaining <> COALESCE(SUM(m.quantity), 0) OR l.remaining < 0
    """)
    bad_lots = cr.fetchall()
    cr.execute("SELECT count(*) FROM support_credit_lot")
    print(
        f"\n== Ledger: {cr.fetchone()[0]} lots, "
        f"{len(bad_lots)} whose remaining differs from "
        f"the sum of their moves (or is negative)"
    )
    if bad_lots:
        problems.append(f"lots not equal to their moves: {bad_lots[:10]}")

    # b) every organization: balance (ORM) = remaining of its unexpired lots
    #    (SQL) = sum of the moves of those lots = granted + claimed cards -
    #    consumed by the timesheet lines of its ticket
    orm = orm_balances(org_ids)
    cr.execute(
        """
        SELECT l.partner_id, SUM(l.remaining),
               (SELECT COALESCE(SUM(m.quantity), 0) FROM support_credit_move m
                  JOIN support_credit_lot l2 ON l2.id = m.lot_id
                 WHERE l2.partner_id = l.partner_id AND l2.company_id = %s
                   AND l2.expiry_date >= CURRENT_DATE)
          FROM support_credit_lot l
         WHERE l.partner_id = ANY(%s) AND l.company_id = %s
           AND l.expiry_date >= CURRENT_DATE
         GROUP BY l.partner_id
    """,
        [company_id, org_ids, company_id],
    )
    sql = {row[0]: (row[1], row[2]) for row in cr.fetchall()}
    cr.execute(
        """
        SELECT c.claimed_partner_id, SUM(c.credits) FROM support_credit_card c
         WHERE c.state = 'claimed' AND c.claimed_partner_id = ANY(%s) GROUP BY 1
    """,
        [org_ids],
    )
    claimed = dict(cr.fetchall())
    cr.execute(
        """
        SELECT t.support_paying_partner_id, SUM(a.support_covered_minutes), COUNT(*)
          FROM account_analytic_line a JOIN helpdesk_ticket t ON t.id = a.ticket_id
         WHERE t.support_paying_partner_id = ANY(%s) GROUP BY 1
    """,
        [org_ids],
    )
    consumed = {row[0]: row[1] for row in cr.fetchall()}
    granted = sum(q for q, _days in GRANTS)
    print(
        f"   {'organization':14} {'balance':>8} {'lots':>6} {'moves':>6} "
        f"{'expected':>8} "
        f"{'granted':>8} {'cards':>6} {'consumed':>8}"
    )
    for org in fixtures["orgs"]:
        oid = org["id"]
        lots, moves = sql.get(oid, (0, 0))
        expected = granted + claimed.get(oid, 0) - consumed.get(oid, 0)
        ok = orm.get(oid) == lots == moves == expected
        print(
            f"   {org['name']:14} {orm.get(oid)!s:>8} {lots:6d} {moves:6d} "
            f"{expected:8d} "
            f"{granted:8d} {claimed.get(oid, 0):6d} {consumed.get(oid, 0):8d}  "
            f"{'ok' if ok else 'MISMATCH'}"
        )
        if not ok:
            problems.append(
                f"{org['name']}: balance {orm.get(oid)}, lots {lots}, moves {moves}, "
                f"expected {expected}"
            )

    # c) every timesheet line: its covered minutes = the credits its moves took
    cr.execute("""
        SELECT a.id, a.support_covered_minutes, COALESCE(-SUM(m.quantity), 0)
          FROM account_analytic_line a
          LEFT JOIN support_credit_move m ON m.timesheet_id = a.id
         WHERE a.ticket_id IS NOT NULL
         GROUP BY a.id
        HAVING a.support_covered_minutes <> COALESCE(-SUM(m.quantity), 0)
            OR a.support_minutes
               <> a.support_covered_minutes + a.support_uncovered_minutes
    """)
    bad_lines = cr.fetchall()
    cr.execute(
        "SELECT count(*) FROM account_analytic_line WHERE ticket_id = ANY(%s)",
        [[org["ticket_id"] for org in fixtures["orgs"]]],
    )
    lines_in_db = cr.fetchone()[0]
    print(
        f"   timesheet lines: {lines_in_db} in the database, "
        f"{len(stats.timesheet_ids)} created "
        f"by the engineers; {len(bad_lines)} whose covered minutes differ "
        f"from their moves"
    )
    if bad_lines:
        problems.append(f"timesheet lines not equal to their moves: {bad_lines[:10]}")
    if lines_in_db != len(stats.timesheet_ids):
        # not a ledger error: a request the client gave up on may have committed
        print("   note: the difference is requests that timed out on the client side")

    # d) cards: one lot per claimed card, never two
    cr.execute(
        """
        SELECT c.id, c.state,
               (SELECT count(*) FROM support_credit_lot l WHERE l.card_id = c.id)
          FROM support_credit_card c WHERE c.id = ANY(%s) ORDER BY c.id
    """,
        [[c["id"] for c in fixtures["cards"]]],
    )
    cards = cr.fetchall()
    cr.execute(
        "SELECT card_id, count(*) FROM support_credit_lot WHERE card_id IS NOT NULL "
        "GROUP BY card_id HAVING count(*) > 1"
    )
    doubled = cr.fetchall()
    claimed_cards = [c for c in cards if c[1] == "claimed"]
    wrong = [c for c in cards if (c[1] == "claimed") != (c[2] == 1) or c[2] > 1]
    print(
        f"\n== Cards: {len(cards)} issued, "
        f"{len(claimed_cards)} claimed in the database, "
        f"{len(stats.claimed_codes)} claims answered as successful; "
        f"{len(doubled)} card(s) with more than one lot; "
        f"{len(wrong)} card(s) whose lots "
        f"do not match their state"
    )
    if doubled or wrong:
        problems.append(f"cards claimed twice or inconsistent: {doubled or wrong}")
    if len(claimed_cards) != len(stats.claimed_codes):
        print("   note: the difference is claims that timed out on the client side")
    conn.close()
    return problems


def server_log_errors(logfile):
    """The server log's ERROR/CRITICAL lines, by kind: serialization failures
    (Odoo retries those requests: expected when two claims race), worker
    timeouts (limit_time_real) and the others."""
    try:
        lines = Path(logfile).read_text(errors="replace").splitlines()
    except OSError:
        return {}
    kinds = defaultdict(list)
    for i, line in enumerate(lines):
        if " ERROR " not in line and " CRITICAL " not in line:
            continue
        following = lines[i + 1] if i + 1 < len(lines) else ""
        if "bad query" in line and "could not serialize" in following:
            kinds["serialization failure (request retried)"].append(line)
        elif "timeout after" in line:
            kinds["worker killed (limit_time_real)"].append(line)
        else:
            kinds["other"].append(line)
    return kinds


# ---------------------------------------------------------------------------
def main():
    if Path(sys.executable).resolve() != VENV_PY.resolve() and not os.environ.get(
        "VIRTUAL_ENV"
    ):
        log(f"note: run me with {VENV_PY} (it has requests and psycopg2)")
    if not CONFIG.exists():
        sys.exit(f"{CONFIG} is missing: run `make setup` first")
    port = free_port()
    gevent_port = free_port()
    while gevent_port == port:
        gevent_port = free_port()
    base = f"http://127.0.0.1:{port}"
    logfile = LOCAL / f"{DB}.log"
    server = None
    try:
        create_database()
        fixtures = create_fixtures(base, f"http://127.0.0.1:{gevent_port}")
        log(
            f"{len(fixtures['orgs'])} organizations, "
            f"{sum(len(o['users']) for o in fixtures['orgs'])} portal users, "
            f"{len(fixtures['cards'])} cards"
        )
        server = start_server(port, gevent_port, logfile)
        alone = baseline(base, fixtures)
        stats, load_seconds, logged_in, load_start = run_load(base, fixtures)
        stop_server(server)
        server = None
        print_figures(stats, load_seconds, logged_in)
        print_breakdown(stats, logfile, load_start)
        if alone:
            print(
                f"   GET /my/support for one session alone, before the load: "
                f"{len(alone)} requests, "
                f"median {percentile(alone, 50) * 1000:.0f} ms, "
                f"p95 {percentile(alone, 95) * 1000:.0f} ms"
            )
        problems = ledger_checks(fixtures, stats)

        server_errors = sum(
            v
            for r in stats.errors.values()
            for k, v in r.items()
            if k.startswith("HTTP 5") or k.startswith("exception")
        )
        rpc_errors = sum(stats.errors.get("RPC timesheet create", {}).values())
        log_errors = server_log_errors(logfile)
        print(
            f"\n== Server log ({logfile}): "
            f"{sum(len(v) for v in log_errors.values())} ERROR/CRITICAL line(s)"
        )
        for kind, lines in log_errors.items():
            print(f"   {kind}: {len(lines)}")
            for line in lines[:3]:
                print(f"      {line[:180]}")
        overview_p95 = percentile(stats.latencies.get("GET /my/support", []), 95) * 1000
        fast = overview_p95 < OVERVIEW_P95_TARGET_MS
        log_bad = sum(
            len(v) for k, v in log_errors.items() if not k.startswith("serialization")
        )
        ok = (
            not server_errors
            and not rpc_errors
            and not log_bad
            and not problems
            and logged_in == SESSIONS
        )
        ledger = (
            "LEDGER/CARD PROBLEMS: " + "; ".join(problems)
            if problems
            else "no lost or doubled credit"
        )
        print(
            f"\nVERDICT: {'PASS' if ok and fast else 'FAIL'}: "
            f"server errors (5xx/exceptions) {server_errors}, RPC errors {rpc_errors}, "
            f"server log errors {log_bad} (retried serialization failures aside), "
            f"{ledger}, "
            f"overview p95 {overview_p95:.0f} ms "
            f"({'under' if fast else 'NOT under'} {OVERVIEW_P95_TARGET_MS} ms)"
        )
        return 0 if ok and fast else 1
    finally:
        stop_server(server)
        if KEEP:
            log(f"kept the database {DB} (KEEP=1); the server log is {logfile}")
        else:
            drop_database()
            log(f"dropped the database {DB}")


if __name__ == "__main__":
    sys.exit(main())

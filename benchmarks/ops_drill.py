"""Operations drill: the real stack on loopback under bounded mixed load with injected faults.

Starts (own PostgreSQL database ``test_ops_drill``, Redis db 1, ports 7100-7199):
  host A: nginx (shipped site, plain HTTP on 127.0.0.1:7100) → gunicorn (shipped config,
          127.0.0.1:7101) + ``catalogue search worker``; host B: gunicorn 127.0.0.1:7102 +
          its own worker and index. Uploads are shared.
Load: visitors (pages, search, health), members (record needs), a curator (approves submitted
solutions through the review form). Faults: kill -9 of worker A, kill -9 of a gunicorn worker,
a PostgreSQL restart (``pg_ctlcluster … restart``; other users of the server see it too — one
short restart per run), kill -9 of a rebuild on host B. Verification: ledger of acknowledged
writes against the database, ``catalogue search check`` on both hosts, every approved solution
findable on both hosts, reverse-match notifications expected vs sent; then approve latency with
3,000 open needs. Prints a table and, last, one JSON line.

    .venv/bin/python -m benchmarks.ops_drill --quick      # < 5 minutes
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import sqlalchemy as sa

from benchmarks.ops_stack import GUNICORN_CONF, ROOT, main_conf, render_site

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
DB_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test_ops_drill"
PORT_NGINX, PORT_A, PORT_B = 7100, 7101, 7102
BIN = Path(sys.executable).parent


class Stack:
    def __init__(self, work: Path):
        self.work = work
        self.procs: dict[str, subprocess.Popen] = {}
        self.logs = work / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)

    def env(self, host: str) -> dict[str, str]:
        return {
            **os.environ,
            "CATALOGUE_ENV": "production",
            "CATALOGUE_SECRET_KEY": "drill-secret",
            "CATALOGUE_DATABASE_URL": DB_URL,
            "CATALOGUE_RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/1",
            "CATALOGUE_SEARCH_SYNC": "worker",
            "CATALOGUE_SEARCH_INDEX_DIR": str(self.work / f"index-{host}"),
            "CATALOGUE_UPLOAD_DIR": str(self.work / "uploads"),
            "CATALOGUE_HOST_ID": f"drill-{host}",
            "CATALOGUE_TRUSTED_PROXIES": "1",
            "CATALOGUE_SESSION_COOKIE_SECURE": "false",
            "CATALOGUE_BASE_URL": f"http://127.0.0.1:{PORT_NGINX}",
            "GUNICORN_BIND": f"127.0.0.1:{PORT_A if host == 'a' else PORT_B}",
            "GUNICORN_WORKERS": "3",
            "PYTHONWARNINGS": "ignore",
        }

    def run(self, host: str, *args: str, stdin: str | None = None, check: bool = True) -> str:
        result = subprocess.run(
            args, cwd=ROOT, env=self.env(host), input=stdin, capture_output=True, text=True
        )
        if check and result.returncode != 0:
            raise RuntimeError(f"{args} failed: {result.stderr[-2000:]}")
        return result.stdout

    def cli(self, host: str, *args: str, check: bool = True) -> str:
        return self.run(host, str(BIN / "catalogue"), *args, check=check)

    def step(self, host: str, *args: str, stdin: str | None = None) -> dict:
        out = self.run(host, sys.executable, "-m", "benchmarks.ops_drill_steps", *args, stdin=stdin)
        return json.loads(out.strip().splitlines()[-1])

    def start(self, name: str, host: str, *args: str) -> None:
        log = open(self.logs / f"{name}.log", "ab")  # noqa: SIM115 - closed with the process
        self.procs[name] = subprocess.Popen(
            args, cwd=ROOT, env=self.env(host), stdout=log, stderr=subprocess.STDOUT
        )

    def start_worker(self, host: str) -> None:
        self.start(
            f"worker-{host}", host, str(BIN / "catalogue"), "search", "worker", "--interval", "0.5"
        )

    def start_web(self, host: str) -> None:
        self.start(
            f"web-{host}",
            host,
            str(BIN / "gunicorn"),
            "-c",
            str(GUNICORN_CONF),
            "catalogue:create_app()",
        )

    def start_nginx(self) -> None:
        prefix = self.work / "nginx"
        prefix.mkdir(exist_ok=True)
        site = prefix / "site.conf"
        site.write_text(
            render_site(
                listen=f"127.0.0.1:{PORT_NGINX}", upstream=f"127.0.0.1:{PORT_A}", log_dir=prefix
            )
        )
        (prefix / "nginx.conf").write_text(main_conf(site, prefix))
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        self.start(
            "nginx",
            "a",
            nginx,
            "-p",
            str(prefix),
            "-c",
            str(prefix / "nginx.conf"),
            "-g",
            "daemon off;",
        )

    def stop_all(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs.values():
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()


class Load:
    """Bounded mixed load; every response is recorded with its time and status."""

    def __init__(self, base: str, base_b: str):
        self.base, self.base_b = base, base_b
        self.records: list[tuple[float, int, str]] = []
        self.lock = threading.Lock()
        self.ledger: dict[str, list] = {"needs": [], "approved": []}
        self.approve_ms: list[float] = []
        self.stop = threading.Event()

    def request(self, opener, url: str, data: dict | None = None, kind: str = "get"):
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        started = time.monotonic()
        try:
            with opener.open(urllib.request.Request(url, data=body), timeout=40) as response:
                status, text = response.status, response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as error:
            status, text = error.code, error.read().decode("utf-8", "replace")
        except (urllib.error.URLError, OSError):
            status, text = 599, ""
        with self.lock:
            self.records.append((time.time(), status, kind if kind != "get" else url[-50:]))
        return status, text, (time.monotonic() - started) * 1000

    @staticmethod
    def opener():
        return urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect()
        )

    def login(self, opener, email: str, password: str) -> None:
        _, html, _ = self.request(opener, f"{self.base}/anmelden")
        status, _, _ = self.request(
            opener, f"{self.base}/anmelden",
            {"csrf_token": _csrf(html), "email": email, "password": password, "next": ""}, "login",
        )  # fmt: skip
        if status != 302:
            raise RuntimeError(f"login of {email} failed with {status}")

    def visitor(self, slugs: list[str]) -> None:
        opener = self.opener()
        words = ["Bürgerbüro", "Terminvergabe", "Schiedsamt", "Zählerstand", "Sensor", "Parken"]
        while not self.stop.is_set():
            base = random.choice([self.base, self.base, self.base_b])
            url = random.choice(
                [f"{base}/", f"{base}/suche?q={urllib.parse.quote(random.choice(words))}",
                 f"{base}/loesungen/{random.choice(slugs)}", f"{base}/readyz"]
            )  # fmt: skip
            self.request(opener, url)
            time.sleep(random.uniform(0.1, 0.5))  # think time

    def member(self, email: str, password: str, tag: str) -> None:
        opener = self.opener()
        self.login(opener, email, password)
        n = 0
        while not self.stop.is_set():
            _, html, _ = self.request(opener, f"{self.base}/bedarfe/neu")
            title = f"Drill-Bedarf {tag}-{n}"
            status, _, _ = self.request(
                opener, f"{self.base}/bedarfe/neu",
                {"csrf_token": _csrf(html), "title": title, "visibility": "public",
                 "text": f"Wir suchen eine digitale Lösung für Vorgang {tag} {n} im Rathaus."},
                "need",
            )  # fmt: skip
            if status == 302:
                with self.lock:
                    self.ledger["needs"].append(title)
            n += 1
            time.sleep(0.3)

    def approve(self, opener, solution_id: int) -> bool:
        url = f"{self.base}/pruefung/loesungen/{solution_id}"
        _, html, _ = self.request(opener, url)
        status, _, ms = self.request(
            opener, url, {"csrf_token": _csrf(html), "action": "approve", "comment": ""}, "approve"
        )
        if status == 302:
            with self.lock:
                self.ledger["approved"].append(solution_id)
                self.approve_ms.append(ms)
            return True
        return False

    def curator(self, email: str, password: str, queue: list[int], pause: float) -> None:
        opener = self.opener()
        self.login(opener, email, password)
        for solution_id in queue:
            if self.stop.is_set():
                return
            for _ in range(5):
                if self.approve(opener, solution_id):
                    break
                time.sleep(1)
            time.sleep(pause)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None

    def http_error_302(self, req, fp, code, msg, headers):
        return fp

    http_error_303 = http_error_301 = http_error_302


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', html
    )
    return match.group(1) if match else ""


def p95(values: list[float]) -> float:
    if not values:
        return 0.0
    return round(statistics.quantiles(values, n=20)[-1] if len(values) > 1 else values[0], 1)


def wait_http(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except (urllib.error.URLError, OSError):
            time.sleep(0.3)
    raise RuntimeError(f"{url} did not come up")


def utcnow():
    from datetime import UTC, datetime

    return datetime.now(UTC).replace(tzinfo=None)


def heartbeat(engine, host: str):
    try:
        with engine.connect() as conn:
            return conn.execute(
                sa.text("SELECT last_success_at, lag_rows FROM worker_heartbeat WHERE host = :h"),
                {"h": host},
            ).one_or_none()
    except sa.exc.DBAPIError:
        return None


def reset_database() -> None:
    admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text("DROP DATABASE IF EXISTS test_ops_drill WITH (FORCE)"))
        conn.execute(sa.text("CREATE DATABASE test_ops_drill"))
    admin.dispose()


def restart_postgres() -> None:
    version = sorted(os.listdir("/etc/postgresql"))[0]
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart"],
        check=True, capture_output=True,
    )  # fmt: skip


def drill(args) -> dict:
    work = Path(tempfile.mkdtemp(prefix="ops-drill-"))
    stack = Stack(work)
    windows: list[tuple[float, float, str]] = []
    figures: dict = {}
    engine = sa.create_engine(DB_URL, pool_pre_ping=True)
    try:
        reset_database()
        stack.cli("a", "db", "upgrade")
        for what in ("municipalities", "modellregion", "demo"):
            stack.cli("a", "seed", what)
        main = stack.step("a", "prepare", str(25 if args.quick else 60), "main")
        for host in ("a", "b"):
            stack.cli(host, "search", "rebuild")
        stack.start_web("a"), stack.start_web("b"), stack.start_nginx()
        stack.start_worker("a"), stack.start_worker("b")
        base, base_b = f"http://127.0.0.1:{PORT_NGINX}", f"http://127.0.0.1:{PORT_B}"
        # Ready, not only alive: the load asks /readyz too, and a host whose worker has not
        # yet succeeded once answers 503 there (a load balancer would not send it traffic yet).
        for url in (f"{base}/readyz", f"{base_b}/readyz"):
            wait_http(url)
        slugs = [s["slug"] for s in main["submitted"]]
        with engine.connect() as conn:
            slugs += list(
                conn.execute(sa.text("SELECT slug FROM solution WHERE state='published'")).scalars()
            )
        load = Load(base, base_b)
        threads = [threading.Thread(target=load.visitor, args=(slugs,)) for _ in range(4)]
        threads += [
            threading.Thread(target=load.member, args=(email, main["password"], f"m{n}"))
            for n, email in enumerate(main["members"])
        ]
        queue = [s["id"] for s in main["submitted"]]
        duration = 60 if args.quick else 180
        pause = max(duration / max(len(queue), 1) * 0.6, 0.2)
        threads.append(
            threading.Thread(
                target=load.curator, args=(main["curator"], main["password"], queue, pause)
            )
        )
        started = time.time()
        for t in threads:
            t.start()
        at = lambda s: time.sleep(max(0.0, started + s - time.time()))  # noqa: E731

        at(duration * 0.12)  # kill -9 of worker A; the service manager restarts it
        stack.procs["worker-a"].kill()
        time.sleep(1)
        stack.start_worker("a")
        windows.append((time.time() - 1, time.time(), "kill -9 worker"))

        at(duration * 0.25)  # kill -9 of one gunicorn worker of host A
        master = stack.procs["web-a"].pid
        children = subprocess.run(
            ["pgrep", "-P", str(master)], capture_output=True, text=True
        ).stdout.split()
        t0 = time.time()
        if children:
            os.kill(int(children[0]), signal.SIGKILL)
        time.sleep(3)
        windows.append((t0, time.time(), "kill -9 gunicorn worker"))

        at(duration * 0.4)  # PostgreSQL restart; the worker must recover by itself
        t0 = time.time()
        restart_postgres()  # returns once the server accepts connections again
        restarted, ready_at = utcnow(), time.time()
        figures["pg_restart_s"] = round(ready_at - t0, 1)
        recovered = None
        while time.time() - t0 < 60:
            beat = heartbeat(engine, "drill-a")
            if beat is not None and beat[0] is not None and beat[0] > restarted:
                recovered = time.time()
                break
            time.sleep(0.2)
        figures["worker_recovered_after_pg_restart_s"] = (
            round(recovered - ready_at, 1) if recovered else None
        )
        windows.append((t0, (recovered or time.time()) + 3, "PostgreSQL restart"))

        at(duration * 0.6)  # kill -9 of a rebuild on host B
        rebuild = subprocess.Popen(
            [str(BIN / "catalogue"), "search", "rebuild"], cwd=ROOT, env=stack.env("b"),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        time.sleep(1.5)
        rebuild.kill()
        rebuild.wait()

        at(duration)
        load.stop.set()
        for t in threads:
            t.join(60)
        # Convergence: both hosts' workers applied everything, no reverse match pending.
        deadline = time.time() + 120
        while time.time() < deadline:
            with engine.connect() as conn:
                pending = conn.execute(
                    sa.text("SELECT count(*) FROM job WHERE done_at IS NULL")
                ).scalar()
                lag = conn.execute(
                    sa.text("SELECT coalesce(max(lag_rows), 1) FROM worker_heartbeat")
                ).scalar()
            if not pending and not lag:
                break
            time.sleep(1)
        checks = {h: stack.cli(h, "search", "check", check=False) for h in ("a", "b")}
        drift = [h for h in ("a", "b") if "stimmen überein" not in checks[h]]
        ledger = {**load.ledger, "designed": main["designed"]}
        verified = stack.step("a", "verify", stdin=json.dumps(ledger))
        findable = {
            h: stack.step(h, "findable", stdin=json.dumps(load.ledger["approved"]))["missing"]
            for h in ("a", "b")
        }
        outside = [
            r for r in load.records
            if r[1] >= 500 and not any(s - 1 <= r[0] <= e + 2 for s, e, _ in windows)
        ]  # fmt: skip
        figures.update(
            requests=len(load.records),
            errors_5xx_outside_faults=len(outside),
            errors_5xx_outside_detail=[(round(r[0] - started, 1), r[1], r[2]) for r in outside[:5]],
            errors_5xx_in_fault_windows=sum(1 for r in load.records if r[1] >= 500) - len(outside),
            acknowledged_writes=len(load.ledger["needs"]) + len(load.ledger["approved"]),
            lost_writes=len(verified["lost_needs"]) + len(verified["lost_approvals"]),
            drift_hosts=len(drift),
            approved=len(load.ledger["approved"]),
            approved_not_findable=sum(len(v) for v in findable.values()),
            approve_p95_ms=p95(load.approve_ms),
            reverse_match_notifications_expected=verified["reverse_match_notifications_expected"],
            reverse_match_notifications_sent=verified["reverse_match_notifications_sent"],
            reverse_match_duplicates=verified["reverse_match_duplicates"],
        )
        # Approve latency with 3,000 open needs (the request must not depend on it).
        # Same sequence, no other load: first with the few open needs of the run, then with 3,000.
        per_phase = 10 if args.quick else 30
        big = [s["id"] for s in stack.step("a", "prepare", str(2 * per_phase), "big")["submitted"]]
        with engine.connect() as conn:
            figures["open_needs_before"] = conn.execute(
                sa.text("SELECT count(*) FROM need WHERE status = 'open'")
            ).scalar()
        few = Load(base, base_b)
        few.curator(main["curator"], main["password"], big[:per_phase], 0.2)
        figures["approve_p95_ms_few_open_needs"] = p95(few.approve_ms)
        figures["open_needs"] = stack.step("a", "bulk_needs", "3000")["open_needs"]
        many = Load(base, base_b)
        many.curator(main["curator"], main["password"], big[per_phase:], 0.2)
        figures["approve_p95_ms_3000_open_needs"] = p95(many.approve_ms)
        figures["approved_3000_open_needs"] = len(many.approve_ms)
        figures["fault_windows"] = [w[2] for w in windows]
        return figures
    finally:
        stack.stop_all()
        engine.dispose()
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"work directory kept: {work}", file=sys.stderr)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="shorter load phase (< 5 minutes)")
    parser.add_argument("--keep", action="store_true", help="keep the work directory and logs")
    args = parser.parse_args()
    started = time.monotonic()
    figures = drill(args)
    figures["duration_s"] = round(time.monotonic() - started, 1)
    width = max(len(k) for k in figures)
    print(f"{'figure':<{width}}  value")
    for key, value in figures.items():
        print(f"{key:<{width}}  {value}")
    print(json.dumps(figures, ensure_ascii=False))


if __name__ == "__main__":
    main()

"""Web benchmark: the customer 360 page and API under concurrent clients on loopback.

One command builds (or reuses, with ``--dir``) a SQLite project of the generic edition
with its four plugins, filled through the bulk APIs with the storage benchmark's
deterministic rows (1,000,000 customers and 2,000,000 interactions by default), starts
``guanxi serve`` in its own process, and drives it from this process with ``--clients``
concurrent clients (asyncio streams, keep-alive connections) for ``--seconds`` per
phase, each client asking for random customers:

* **baseline** — ``GET /api/me``: authentication and the framework, no customer data;
* **360 API** — ``GET /api/customers/{id}/360``: record, rollups, last 50 interactions,
  open tasks and every plugin's 360 section, as JSON;
* **360 page** — ``GET /customers/{id}``: the same, rendered as the console page.

Each phase prints requests/s, p50 and p99 latency and the ratio of its throughput to
the baseline's, all measured in the same run against the same server. The target is
p99 < 50 ms with 50 clients. A client waits ``--think`` seconds between its requests
(default 0.5 s, a person clicking through records, as locust's ``wait_time`` does);
``--think 0`` drives the server flat out, where latency is queueing and only the
throughput says something.

    python benchmarks/bench_web.py [--customers N] [--interactions M] [--clients C]
                                   [--seconds S] [--think T] [--workers W] [--dir PATH]
    python benchmarks/bench_web.py --quick          # 50k customers, 100k interactions
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import platform
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx
from bench_storage import customer_batches, interaction_batches, percentile

from guanxi.app import App, create_app
from guanxi.db.migrate import upgrade
from guanxi.identity.settings import SECTION, match_rules
from guanxi.services.credentials import issue_token, set_password
from guanxi.services.customers import add_customers
from guanxi.services.interactions import log_interactions
from guanxi.services.staff import add_staff, grant_role

SEED = 20261123
USER = "bench.admin"
PASSWORD = "bench-password"
BUILT_MARK = "bench-web-built.txt"


def build(folder: Path, customers: int, interactions: int, batch: int) -> None:
    """A project in ``folder`` (generic edition, its plugins) with the benchmark rows."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "guanxi.toml").write_text('edition = "generic"\n', encoding="utf-8")
    app = create_app(folder, environ={})
    upgrade(app)
    with app.transaction() as uow:
        add_staff(uow, username=USER, display_name="Bench Admin")
        grant_role(uow, staff=USER, role="admin")
        set_password(uow, USER, PASSWORD)
    rules = match_rules(app.settings_for(SECTION), app.settings.default_region)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    started = time.monotonic()
    for number, part in enumerate(customer_batches(customers, batch, now, rules)):
        with app.transaction() as uow:
            add_customers(uow, part.given, check=False)
        _progress("customers", (number + 1) * batch, customers, started)
    for number, part in enumerate(interaction_batches(interactions, batch, customers, now)):
        with app.transaction() as uow:
            log_interactions(uow, part.given)
        _progress("interactions", (number + 1) * batch, interactions, started)
    app.close()
    (folder / BUILT_MARK).write_text(f"{customers} {interactions}\n", encoding="utf-8")


def _progress(what: str, done: int, total: int, started: float) -> None:
    if done % (20 * max(1, total // 200)) < max(1, total // 200) or done >= total:
        elapsed = time.monotonic() - started
        print(f"  … {what}: {min(done, total):,}/{total:,} ({elapsed:.0f} s)", file=sys.stderr)


def api_token(folder: Path) -> str:
    """A fresh API token of the benchmark's admin."""
    app: App = create_app(folder, environ={})
    try:
        with app.transaction() as uow:
            return issue_token(uow, USER, name="bench").secret
    finally:
        app.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(folder: Path, port: int, workers: int) -> subprocess.Popen[bytes]:
    """``guanxi serve`` on ``port``, waited for until it answers."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GUANXI_")}
    server = subprocess.Popen(
        [sys.executable, "-m", "guanxi", "-C", str(folder), "serve", "--port", str(port),
         "--workers", str(workers)],
        env=env,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/openapi.json", timeout=2).is_success:
                return server
        except httpx.HTTPError:
            time.sleep(0.3)
        if server.poll() is not None:
            raise SystemExit(f"guanxi serve exited with status {server.returncode}")
    server.terminate()
    raise SystemExit("guanxi serve did not answer within 120 s")


async def console_cookie(base: str) -> str:
    """The session cookie of a console login as the benchmark's admin."""
    async with httpx.AsyncClient(base_url=base) as client:
        response = await client.post("/login", data={"username": USER, "password": PASSWORD})
        if response.status_code != 303:  # a login redirects to the home page
            raise SystemExit(f"console login failed: {response.status_code}")
        return str(client.cookies["guanxi_session"])


@dataclass
class Phase:
    """The results of one phase."""

    name: str
    latencies: list[float]
    seconds: float
    errors: int

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds


async def get(reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
              request: bytes) -> int:
    """Send one keep-alive HTTP/1.1 request and read its whole answer; the status.

    A hand-rolled client, because the load generator shares the machine's two cores
    with the server: httpx spends ~1 ms of CPU a request, this a few dozen µs, so the
    figures measure the server rather than the client (what wrk would do, in Python).
    """
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = None
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    if length is None:
        raise SystemExit("the server answered without Content-Length (chunked?)")
    await reader.readexactly(length)
    return status


async def drive(host: str, port: int, path_of, *, clients: int, seconds: float,
                think: float, headers: dict[str, str], name: str) -> Phase:
    """``clients`` concurrent clients asking for ``path_of(rng)`` for ``seconds``."""
    latencies: list[float] = []
    errors = 0
    extra = "".join(f"{key}: {value}\r\n" for key, value in headers.items())
    stop = time.monotonic() + seconds

    async def one_client(number: int) -> None:
        nonlocal errors
        rng = random.Random(SEED + number)
        reader, writer = await asyncio.open_connection(host, port)
        await asyncio.sleep(rng.random() * max(think, 0.05))  # do not start in step
        try:
            while time.monotonic() < stop:
                request = (f"GET {path_of(rng)} HTTP/1.1\r\nHost: {host}:{port}\r\n"
                           f"{extra}\r\n").encode()
                started = time.perf_counter()
                status = await get(reader, writer, request)
                elapsed = (time.perf_counter() - started) * 1000
                if status == 200:
                    latencies.append(elapsed)
                else:
                    errors += 1
                if think:
                    await asyncio.sleep(think * rng.uniform(0.5, 1.5))
        finally:
            writer.close()

    began = time.monotonic()
    await asyncio.gather(*(one_client(n) for n in range(clients)))
    return Phase(name, latencies, time.monotonic() - began, errors)


def report(phase: Phase, baseline: Phase | None) -> None:
    if not phase.latencies:
        print(f"{phase.name:<34} no successful requests ({phase.errors} errors)")
        return
    ratio = f"{phase.rate / baseline.rate:5.2f}" if baseline else "  1.00"
    print(
        f"{phase.name:<34} {phase.rate:8.1f} req/s   p50 {percentile(phase.latencies, 50):6.1f} ms"
        f"   p99 {percentile(phase.latencies, 99):6.1f} ms   x baseline {ratio}"
        f"   errors {phase.errors}"
    )


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--interactions", type=int, default=2_000_000)
    parser.add_argument("--batch", type=int, default=10_000, help="rows per transaction")
    parser.add_argument("--clients", type=int, default=50, help="concurrent clients")
    parser.add_argument("--seconds", type=float, default=30.0, help="length of each phase")
    parser.add_argument("--think", type=float, default=0.5,
                        help="seconds a client waits between requests (0: flat out)")
    parser.add_argument("--workers", type=int, default=2,
                        help="server processes (default 2: one per core of the reference "
                             "machine)")
    parser.add_argument("--quick", action="store_true", help="50k customers, 100k interactions")
    parser.add_argument("--dir", type=Path,
                        help="project folder, reused if already built (default: a temp dir)")
    args = parser.parse_args(argv)
    if args.quick:
        args.customers, args.interactions = 50_000, 100_000
    return args


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    folder = args.dir or Path(tempfile.mkdtemp(prefix="guanxi-bench-web-"))
    mark = folder / BUILT_MARK
    wanted = f"{args.customers} {args.interactions}\n"
    if not mark.exists() or mark.read_text(encoding="utf-8") != wanted:
        if folder.exists() and any(folder.iterdir()):
            if args.dir is not None and not mark.exists():
                raise SystemExit(f"{folder} is not empty and not a benchmark project")
            shutil.rmtree(folder)
        print(f"building {args.customers:,} customers and {args.interactions:,} interactions "
              f"in {folder} …", file=sys.stderr)
        build(folder, args.customers, args.interactions, args.batch)
    token = api_token(folder)
    port = free_port()
    server = start_server(folder, port, args.workers)
    base = f"http://127.0.0.1:{port}"
    try:
        session = asyncio.run(console_cookie(base))
        auth = {"Authorization": f"Bearer {token}"}
        console = {"Cookie": f"guanxi_session={session}"}

        def customer(rng: random.Random) -> int:
            return rng.randint(1, args.customers)

        phases = [
            ("baseline  GET /api/me", lambda rng: "/api/me", auth),
            ("360 API   GET /api/customers/{id}/360",
             lambda rng: f"/api/customers/{customer(rng)}/360", auth),
            ("360 page  GET /customers/{id}", lambda rng: f"/customers/{customer(rng)}",
             console),
        ]
        print(
            f"guanxi web benchmark — Python {platform.python_version()}, {platform.machine()}, "
            f"{os.cpu_count()} CPUs; {args.customers:,} customers, "
            f"{args.interactions:,} interactions; {args.workers} server worker(s); "
            f"{args.clients} clients, think {args.think:g} s, {args.seconds:g} s per phase"
        )
        results: list[Phase] = []
        for name, path_of, headers in phases:
            options = {"clients": args.clients, "think": args.think, "headers": headers,
                       "name": name}
            asyncio.run(drive("127.0.0.1", port, path_of, seconds=min(5, args.seconds),
                              **options))  # warm-up: caches, connections, SQLite pages
            results.append(asyncio.run(drive("127.0.0.1", port, path_of,
                                              seconds=args.seconds, **options)))
            report(results[-1], results[0] if len(results) > 1 else None)
        print("target: p99 < 50 ms for the 360 API and page")
    finally:
        server.terminate()
        server.wait(timeout=30)
        if args.dir is None:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()

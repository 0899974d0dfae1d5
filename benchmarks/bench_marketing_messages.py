"""Messages benchmark: render and hand a campaign to a local SMTP server, against smtplib.

One command, one run, one SQLite database (schema made by our migrations), one local
SMTP server (:class:`LeanSmtp`, an asyncio server in a child process, so it does not
share our interpreter lock; the tests use aiosmtpd, the reference implementation).
``--messages`` customers (100,000 by default) with a Chinese name and an email address
are targeted by one email campaign with the bundled ``newsletter`` templates (HTML and
text part, Chinese subject). Then, against the same server:

* **baseline** — plain ``smtplib.SMTP.sendmail`` of one pre-built, identical message
  (our MIME for the first customer) ``--messages`` times over ``--connections``
  connections (one thread each): the cost of SMTP itself, with no rendering and no
  bookkeeping;
* **ours** — ``send_campaign(app, campaign_id)``: every member's consent checked, every
  message rendered (three templates) and built as MIME, claimed in the ledger, sent over
  the same number of connections, recorded (member marked sent,
  ``marketing.message_sent`` logged) in batches of ``batch_size``.

It prints messages/s of both, the ratio ours/baseline, ours split into the render phase
and the send phase, the CPU each side (sender, server) spent per message, and checks
that the server received exactly one message per member.
Target: ours ≥ 2,000 messages/s.

    python benchmarks/bench_marketing_messages.py                   # 100,000 messages
    python benchmarks/bench_marketing_messages.py --messages 10000  # quick
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import platform
import shutil
import smtplib
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from guanxi.app import App, create_app
from guanxi.db.migrate import upgrade
from guanxi.services.customers import add_customers

SECRET = "benchmark-unsubscribe-key-0123456789"
CUSTOMER_BATCH = 10_000


BASELINE_RECIPIENT = "baseline@example.cn"
SERVER_NAME = "LeanSmtp (asyncio Protocol, buffer search for the end of DATA)"


class Tally:
    """What the server saw: messages, members reached, members reached more than once."""

    def __init__(self) -> None:
        self.received = multiprocessing.Value("l", 0, lock=False)
        self.members = multiprocessing.Value("l", 0, lock=False)
        self.repeated = multiprocessing.Value("l", 0, lock=False)
        self.malformed = multiprocessing.Value("l", 0, lock=False)


class LeanSmtp(asyncio.Protocol):
    """A small but real SMTP server (RFC 5321) that accepts and counts every message.

    It speaks EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP and QUIT, offers PIPELINING and
    8BITMIME, keeps the command order (503 for MAIL twice, RCPT before MAIL, DATA
    without RCPT) and replies to pipelined commands in order. Unlike aiosmtpd it finds
    the end of DATA by searching the buffer for CRLF.CRLF instead of reading the body
    line by line in Python, then undoes the dot-stuffing: it costs a few microseconds
    per message, like a production MTA, so the benchmark measures the sending side.
    Each message must have a header block and one recipient; the tally counts members
    reached and members reached twice.
    """

    def __init__(self, tally: Tally, seen: set[str]):
        self.tally, self.seen = tally, seen
        self.buffer = bytearray()
        self.in_data = False
        self.sender: bytes | None = None
        self.recipients: list[str] = []

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.transport.write(b"220 sink.local ESMTP lean benchmark server\r\n")

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        replies: list[bytes] = []
        while True:
            if self.in_data:
                body = self.take_body()
                if body is None:
                    break
                replies.append(self.accept(body))
                continue
            line_end = self.buffer.find(b"\r\n")
            if line_end == -1:
                break
            line = bytes(self.buffer[:line_end])
            del self.buffer[: line_end + 2]
            replies.append(self.command(line))
            if replies[-1].startswith(b"221"):
                self.transport.write(b"".join(replies))
                self.transport.close()  # type: ignore[attr-defined]
                return
        if replies:
            self.transport.write(b"".join(replies))

    def take_body(self) -> bytes | None:
        """The message body once its end has arrived (removed from the buffer), else None."""
        if self.buffer.startswith(b".\r\n"):  # DATA's own CRLF ended the (empty) body
            del self.buffer[:3]
            return b""
        end = self.buffer.find(b"\r\n.\r\n")
        if end == -1:
            return None
        body = bytes(self.buffer[: end + 2])
        del self.buffer[: end + 5]
        return body

    def command(self, line: bytes) -> bytes:
        """The reply to one command line."""
        verb, _, argument = line.partition(b" ")
        verb = verb.upper()
        if verb == b"EHLO":
            self.sender, self.recipients = None, []
            return b"250-sink.local\r\n250-PIPELINING\r\n250-8BITMIME\r\n250 SIZE 33554432\r\n"
        if verb == b"HELO":
            self.sender, self.recipients = None, []
            return b"250 sink.local\r\n"
        if verb == b"MAIL":
            if self.sender is not None:
                return b"503 5.5.1 Error: nested MAIL command\r\n"
            if not argument.upper().startswith(b"FROM:"):
                return b"501 5.5.4 Syntax: MAIL FROM:<address>\r\n"
            self.sender = argument[5:]
            return b"250 2.1.0 OK\r\n"
        if verb == b"RCPT":
            if self.sender is None:
                return b"503 5.5.1 Error: need MAIL command\r\n"
            if not argument.upper().startswith(b"TO:<") or not argument.endswith(b">"):
                return b"501 5.5.4 Syntax: RCPT TO:<address>\r\n"
            self.recipients.append(argument[4:-1].decode())
            return b"250 2.1.5 OK\r\n"
        if verb == b"DATA":
            if not self.recipients:
                return b"503 5.5.1 Error: need RCPT command\r\n"
            self.in_data = True
            return b"354 End data with <CR><LF>.<CR><LF>\r\n"
        if verb == b"RSET":
            self.sender, self.recipients = None, []
            return b"250 2.0.0 OK\r\n"
        if verb == b"NOOP":
            return b"250 2.0.0 OK\r\n"
        if verb == b"QUIT":
            return b"221 2.0.0 Bye\r\n"
        return b"500 5.5.2 Error: command not recognized\r\n"

    def accept(self, body: bytes) -> bytes:
        """Count one message (dot-unstuffed) and its recipients; the reply to its end."""
        if body.startswith(b".."):
            body = body[1:]
        body = body.replace(b"\r\n..", b"\r\n.")
        tally = self.tally
        tally.received.value += 1  # one writer: this process's event loop
        if len(self.recipients) != 1 or b"\r\n\r\n" not in body:
            tally.malformed.value += 1
        for recipient in self.recipients:
            if recipient == BASELINE_RECIPIENT:
                continue
            if recipient in self.seen:
                tally.repeated.value += 1
            self.seen.add(recipient)
            tally.members.value = len(self.seen)
        self.in_data, self.sender, self.recipients = False, None, []
        return b"250 2.0.0 OK: queued\r\n"


def _serve(port: int, tally: Tally, ready: Any) -> None:
    """The child process: the lean SMTP server in its own event loop.

    In its own process, so the server never competes with the sender for the
    interpreter lock (on a machine with a core to spare, it gets a core of its own).
    """
    seen: set[str] = set()
    loop = asyncio.new_event_loop()
    loop.run_until_complete(loop.create_server(lambda: LeanSmtp(tally, seen), "127.0.0.1", port))
    ready.set()
    loop.run_forever()


def cpu_seconds(pid: int | None = None) -> float | None:
    """CPU seconds (user + system) used so far by this process or by ``pid`` (Linux)."""
    if pid is None:
        used = os.times()
        return used.user + used.system
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class CpuMeter:
    """CPU milliseconds per message of the sender (this process) and of the server."""

    def __init__(self, server_pid: int | None):
        self.server_pid = server_pid
        self.started = (cpu_seconds(), cpu_seconds(server_pid))

    def line(self, label: str, messages: int) -> str:
        """``label``: CPU ms per message on each side since this meter was made."""
        ours, server = cpu_seconds(), cpu_seconds(self.server_pid)
        client_ms = 1000 * (ours - self.started[0]) / messages  # type: ignore[operator]
        server_ms = ("n/a" if server is None or self.started[1] is None
                     else f"{1000 * (server - self.started[1]) / messages:.3f}")
        return f"  CPU per message, {label}: sender {client_ms:.3f} ms, server {server_ms} ms"


def free_port() -> int:
    """A local TCP port nobody listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def build_app(folder: Path, port: int, batch: int, connections: int) -> App:
    """The generic edition with marketing on a fresh SQLite database in ``folder``."""
    settings = {
        "core": {"database_url": f"sqlite:///{folder / 'bench.db'}"},
        # Everyone has opted in: consent is still checked per member, but no consent
        # events need loading.
        "privacy": {"purposes": {"marketing": True, "service": True, "analytics": True}},
        "marketing": {"messages": {
            "smtp_port": port, "from_address": "news@shop.example", "from_name": "关系商城",
            "base_url": "https://crm.example", "unsubscribe_secret": SECRET,
            "batch_size": batch, "connections": connections,
        }},
    }
    app = create_app(folder, enable=["marketing"], settings=settings, environ={})
    upgrade(app)
    return app


def load_campaign(app: App, count: int) -> int:
    """``count`` customers and one email campaign targeting them all; the campaign id."""
    from guanxi_marketing.campaigns.service import add_members, create_campaign

    ids: list[int] = []
    for start in range(0, count, CUSTOMER_BATCH):
        rows = [{"name": f"客户{n:06d}", "given_name": f"小{n % 1000}",
                 "emails": [f"c{n}@example.cn"]}
                for n in range(start, min(count, start + CUSTOMER_BATCH))]
        with app.transaction() as uow:
            ids += [c.id for c in add_customers(uow, rows) if c.id is not None]
    with app.transaction() as uow:
        campaign = create_campaign(
            uow, name="春季促销", type="email", template="newsletter",
            subject="{{ customer.preferred_name }},春季新品 {{ campaign.name }}",
            description="全场八折,欢迎选购。")
        assert campaign.id is not None
        add_members(uow, campaign.id, ids)
    return campaign.id


def baseline(app: App, campaign_id: int, port: int, count: int, connections: int) -> float:
    """Seconds plain smtplib takes to send ``count`` copies of one pre-built message.

    Over ``connections`` connections at once (one thread each), like ours.
    """
    from sqlmodel import select

    from guanxi_marketing.campaigns.models import CampaignMember
    from guanxi_marketing.messages.mime import email_bytes
    from guanxi_marketing.messages.service import preview

    with app.transaction() as uow:
        first = uow.session.exec(select(CampaignMember.customer_id).where(
            CampaignMember.campaign_id == campaign_id).limit(1)).one()
        message = preview(uow, campaign_id, first)
    raw = email_bytes(message, from_address="news@shop.example", from_name="关系商城")

    def send(copies: int) -> None:
        connection = smtplib.SMTP("127.0.0.1", port)
        connection.ehlo()
        for _ in range(copies):
            connection.sendmail("news@shop.example", [BASELINE_RECIPIENT], raw)
        connection.quit()

    shares = [count // connections + (n < count % connections) for n in range(connections)]
    threads = [threading.Thread(target=send, args=(share,)) for share in shares]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started


def ours(app: App, campaign_id: int) -> tuple[float, float, int]:
    """(render seconds, total seconds, messages sent) of ``send_campaign``."""
    from guanxi_marketing.messages import sending
    from guanxi_marketing.messages.service import send_campaign

    phases: dict[str, float] = {}
    prepare = sending.prepare

    def timed_prepare(*args: Any, **kwargs: Any) -> Any:
        began = time.perf_counter()
        try:
            return prepare(*args, **kwargs)
        finally:
            phases["render"] = time.perf_counter() - began

    sending.prepare = timed_prepare  # type: ignore[assignment]
    try:
        started = time.perf_counter()
        report = send_campaign(app, campaign_id)
        total = time.perf_counter() - started
    finally:
        sending.prepare = prepare  # type: ignore[assignment]
    if report.error:
        sys.exit(f"send_campaign stopped: {report.error}")
    return phases["render"], total, report.sent


def main() -> None:
    """Parse the options, run both sides, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=1000, help="ledger batch size")
    parser.add_argument("--connections", type=int, default=4,
                        help="SMTP connections in parallel, ours and the baseline's")
    parser.add_argument("--dir", type=Path, default=None, help="where the database goes")
    parser.add_argument("--keep", action="store_true", help="keep the database")
    options = parser.parse_args()
    folder = options.dir or Path(tempfile.mkdtemp(prefix="bench-messages-"))
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    tally, ready = Tally(), multiprocessing.Event()
    server = multiprocessing.Process(target=_serve, args=(port, tally, ready), daemon=True)
    server.start()
    ready.wait(30)
    connections = options.connections
    try:
        print(f"python {platform.python_version()} on {platform.machine()}, "
              f"{multiprocessing.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}; "
              f"{options.messages:,} messages over {connections} connection(s) each side")
        print(f"server: {SERVER_NAME} in its own process (pid {server.pid})")
        app = build_app(folder, port, options.batch, connections)
        began = time.perf_counter()
        campaign_id = load_campaign(app, options.messages)
        print(f"setup: {options.messages:,} customers and members in "
              f"{time.perf_counter() - began:.1f} s")
        meter = CpuMeter(server.pid)
        plain = baseline(app, campaign_id, port, options.messages, connections)
        baseline_cpu = meter.line("baseline", options.messages)
        meter = CpuMeter(server.pid)
        before = tally.received.value
        render, total, sent = ours(app, campaign_id)
        our_cpu = meter.line("ours", max(sent, 1))
        arrived = tally.received.value - before
        plain_rate, our_rate = options.messages / plain, sent / total
        print(f"baseline (smtplib.sendmail, pre-built message, {connections} connection(s)): "
              f"{plain_rate:8,.0f} messages/s ({plain:.1f} s)")
        print(f"ours (send_campaign, {connections} connection(s)):"
              f"{' ' * 27}{our_rate:8,.0f} messages/s "
              f"({total:.1f} s: render {render:.1f} s, send and record {total - render:.1f} s)")
        print(f"{baseline_cpu}\n{our_cpu}")
        print(f"ratio ours/baseline: {our_rate / plain_rate:.2f}; target ≥ 2,000 messages/s: "
              f"{'met' if our_rate >= 2000 else 'NOT met'}; load average now "
              f"{os.getloadavg()[0]:.1f}")
        members, repeated = tally.members.value, tally.repeated.value
        malformed = tally.malformed.value
        if (arrived != sent or sent != options.messages or members != sent or repeated
                or malformed):
            sys.exit(f"the server received {arrived} messages for {sent} sent: "
                     f"{members} members, {repeated} repeated, {malformed} malformed")
        print(f"server received {arrived:,} messages: one per member, none twice")
        app.close()
    finally:
        server.terminate()
        if not options.keep and options.dir is None:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()

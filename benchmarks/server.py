"""VC-API server benchmarks (issue 13): a real `vcportable serve` (HTTPS, 2 uvicorn workers)
loaded by a Python client on the same machine.

    python benchmarks/server.py [--seconds 3] [--rounds 3] [--pg URL] [--workers 2] [--clients 8]
                                [--issue-clients 32] [--plain-http]

1. POST /credentials/verify of an eddsa-rdfc-2022 credential: throughput against the in-process
   ``Verifier`` on as many processes as the server has workers, in the same run. Target: >= 60%.
2. p99 latency of verify at half that in-process rate (paced requests). Target: < 20 ms.
3. POST /<issuer>/credentials/issue with status allocation, on SQLite and on PostgreSQL, against
   in-process ``Issuer.issue`` on as many processes. Target (PostgreSQL): >= 50%. Measured with
   ``--clients`` and with ``--issue-clients``: the server records the issue requests that wait
   together in one transaction, so with few clients its rate is bound by the registry's commit
   latency (one durable commit at a time holds the audit chain's head), with the CPU partly
   idle; more clients make larger batches. Both rows are reported, each with its ratio.

How it measures: the client is this process, apart from the server's, and shares the machine's
cores with it, as the issue asks. To take as little of them as it can, it is a minimal HTTP/1.1
client over keep-alive TLS sockets (one per client thread) sending bodies encoded before the
clock starts; its CPU time per request is measured and reported. Its connections are spread
evenly over the server's workers (:func:`balanced`), as a load balancer would spread them. The
baselines run on as many processes as the server has workers, so both sides use the same
cores. Every measure runs ``--rounds`` times, alternating baseline and server, and the medians
are reported with the load average. Results go to benchmarks/results/server.json.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import resource
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from multiprocessing.pool import Pool
from pathlib import Path
from typing import Any

import httpx
from common import ROOT, ops_per_second, print_table, save, unsigned_sample
from registry import PG_DEFAULT, pg_url

sys.path.insert(0, str(ROOT / "src"))

from vcportable.clock import SystemClock  # noqa: E402
from vcportable.issuer import Issuer  # noqa: E402
from vcportable.keys import KeyPair, KeyType  # noqa: E402
from vcportable.server.app import open_services  # noqa: E402
from vcportable.server.config import load_config  # noqa: E402
from vcportable.server.dev import self_signed_certificate  # noqa: E402
from vcportable.server.tokens import create_token  # noqa: E402
from vcportable.verifier import Verifier  # noqa: E402


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _credential() -> dict[str, Any]:
    return {**unsigned_sample(), "id": f"urn:uuid:{uuid.uuid4()}"}


# -- in-process baselines (one process per server worker) --------------------------------------


def _measured(fn: Callable[[], Any], seconds: float) -> tuple[float, float]:
    """Operations per second, and CPU milliseconds per operation."""
    wall, cpu = time.perf_counter(), time.process_time()
    rate = ops_per_second(fn, seconds=seconds)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return rate, cpu / (rate * wall) * 1000


def _verify_rate(args: tuple[dict[str, Any], float]) -> tuple[float, float]:
    signed, seconds = args
    verifier = Verifier()
    return _measured(lambda: verifier.verify(signed), seconds)


def _sign_rate(args: tuple[Path, float]) -> tuple[float, float]:
    key_path, seconds = args
    issuer = Issuer(KeyPair.load(key_path, None))
    return _measured(lambda: issuer.issue(_credential()), seconds)


def in_process(pool: Pool, fn: Any, arg: Any, processes: int) -> dict[str, float]:
    """The summed rate of ``processes`` processes, and their CPU milliseconds per operation."""
    found = pool.map(fn, [arg] * processes)
    return {
        "rps": float(sum(rate for rate, _ in found)),
        "cpu_ms": statistics.mean(cpu for _, cpu in found),
    }


# -- load --------------------------------------------------------------------------------------


class Connection:
    """One keep-alive HTTPS connection that posts ready-made bodies and reads the status and
    body: a few microseconds of Python per request, where httpx took about 0.8 ms of CPU."""

    def __init__(self, port: int, headers: dict[str, str], *, tls: bool = True) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if tls:
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            self.sock = context.wrap_socket(self.sock)
        self.head = "".join(f"{k}: {v}\r\n" for k, v in headers.items()).encode()
        self.buffer = b""

    def post(self, path: str, body: bytes) -> int:
        return self.exchange(
            b"POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            b"Content-Length: %d\r\n%s\r\n%s" % (path.encode(), len(body), self.head, body)
        )[0]

    def worker(self) -> str:
        """Which server process answers this connection: the process's prefix of the
        ``X-Request-Id`` it sends back."""
        status, head = self.exchange(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        found = head.get(b"x-request-id")
        if status != 200 or found is None:
            raise SystemExit(f"/healthz answered {status} without X-Request-Id")
        return found[:8].decode()

    def exchange(self, request: bytes) -> tuple[int, dict[bytes, bytes]]:
        """Send ``request``; the answer's status and headers (its body read and dropped)."""
        self.sock.sendall(request)
        while b"\r\n\r\n" not in self.buffer:
            self._read()
        head, _, self.buffer = self.buffer.partition(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        fields = {}
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            fields[name.strip().lower()] = value.strip()
        length = int(fields.get(b"content-length", b"0"))
        while len(self.buffer) < length:
            self._read()
        self.buffer = self.buffer[length:]
        return int(lines[0].split(b" ", 2)[1]), fields

    def _read(self) -> None:
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("the server closed the connection")
        self.buffer += chunk

    def close(self) -> None:
        self.sock.close()


def balanced(
    port: int, headers: dict[str, str], clients: int, workers: int, tls: bool
) -> list[Connection]:
    """``clients`` keep-alive connections spread evenly over the server's ``workers``
    processes, as a load balancer or many clients would spread them. uvicorn's workers share
    one listening socket and whichever is awake accepts every pending connection: 8
    connections opened at once were seen all on one worker, which made the rates of
    otherwise equal runs differ by half. Surplus connections are closed."""
    share = -(-clients // workers)
    kept: dict[str, list[Connection]] = {}
    for _ in range(clients * 20):
        if sum(len(group) for group in kept.values()) >= clients:
            break
        connection = Connection(port, headers, tls=tls)
        group = kept.setdefault(connection.worker(), [])
        if len(group) < share:
            group.append(connection)
        else:
            connection.close()
    found = [c for group in kept.values() for c in group]
    found += [Connection(port, headers, tls=tls) for _ in range(clients - len(found))]
    if len(kept) != workers or len(found) != clients:
        counts = sorted(len(group) for group in kept.values())
        print(f"  (connections per worker: {counts}, wanted {clients} over {workers})")
    return found[:clients]


def tree_cpu_seconds(root: int) -> float:
    """CPU seconds (user + system) of ``root`` and every process below it, from /proc: what the
    server spent, whatever else shares the machine."""
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry.name)] = int(fields[1])
        times[int(entry.name)] = (int(fields[11]) + int(fields[12])) / tick
    tree, grown = {root}, True
    while grown:
        below = {pid for pid, parent in parents.items() if parent in tree} - tree
        tree |= below
        grown = bool(below)
    return sum(times.get(pid, 0.0) for pid in tree)


def closed_loop(
    port: int,
    path: str,
    bodies: Callable[[], bytes],
    seconds: float,
    clients: int,
    headers: dict[str, str],
    server_pid: int,
    tls: bool,
    workers: int,
) -> dict[str, float]:
    """``clients`` connections (:func:`balanced`) sending back to back: requests per second,
    answers that were not 2xx, and the client's and the server's (``server_pid`` and below)
    CPU milliseconds per request."""
    connections = balanced(port, headers, clients, workers, tls)
    counts = [0] * clients
    errors = [0] * clients
    stop = time.perf_counter() + seconds

    def client(n: int) -> None:
        http = connections[n]
        while time.perf_counter() < stop:
            if http.post(path, bodies()) >= 300:
                errors[n] += 1
            counts[n] += 1

    cpu = resource.getrusage(resource.RUSAGE_SELF)
    server_cpu = tree_cpu_seconds(server_pid)
    start = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(client, range(clients)))
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_SELF)
    server_used = tree_cpu_seconds(server_pid) - server_cpu
    for http in connections:
        http.close()
    used = (after.ru_utime + after.ru_stime) - (cpu.ru_utime + cpu.ru_stime)
    done = max(1, sum(counts))
    return {
        "rps": sum(counts) / elapsed,
        "errors": sum(errors),
        "client_cpu_ms": used / done * 1000,
        "server_cpu_ms": server_used / done * 1000,
    }


def paced(
    port: int, body: bytes, rate: float, seconds: float, clients: int, tls: bool, workers: int
) -> list[float]:
    """Latencies (s) of verify requests started at ``rate`` per second, spread over clients
    (connections made and tried before timing, :func:`balanced`)."""
    interval = clients / rate
    latencies: list[float] = []
    lock = threading.Lock()
    connections = balanced(port, {}, clients, workers, tls)
    end = time.perf_counter() + seconds

    def client(n: int) -> None:
        http = connections[n]
        due = time.perf_counter() + n * interval / clients
        while due < end:
            time.sleep(max(0.0, due - time.perf_counter()))
            start = time.perf_counter()
            http.post("/credentials/verify", body)
            with lock:
                latencies.append(time.perf_counter() - start)
            due += interval
        http.close()

    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(client, range(clients)))
    return sorted(latencies)


def _p99(latencies: list[float]) -> float | None:
    return latencies[max(0, int(len(latencies) * 0.99) - 1)] * 1000 if latencies else None


def _issue_bodies() -> Callable[[], bytes]:
    """A new credential id per request, spliced into one encoded body (encoding each body
    would cost the client more than the request)."""
    marker = "urn:uuid:00000000-0000-0000-0000-000000000000"
    before, after = (
        json.dumps({"credential": {**_credential(), "id": marker}}).encode().split(marker.encode())
    )
    return lambda: before + f"urn:uuid:{uuid.uuid4()}".encode() + after


def serve(
    folder: Path, workers: int, pg: str | None, tls: bool
) -> tuple[subprocess.Popen[bytes], int, dict[str, str]]:
    port = _free_port()
    KeyPair.generate(KeyType.ED25519).save(folder / "issuer.json", None)
    self_signed_certificate(folder / "cert.pem", folder / "key.pem", now=datetime.now(UTC))
    transport = 'tls_cert = "cert.pem"\ntls_key = "key.pem"' if tls else "insecure_http = true"
    lines = [
        f'[server]\nport = {port}\n{transport}\nlog_level = "warning"\nworkers = {workers}\n',
        '[[issuers]]\nname = "sqlite"\nkey = "issuer.json"\nstatus = true\n',
    ]
    if pg:
        lines.append(
            f'[[issuers]]\nname = "pg"\nkey = "issuer.json"\nstatus = true\ndatabase = "{pg}"\n'
        )
    (folder / "server.toml").write_text("\n".join(lines))
    services = open_services(load_config(folder / "server.toml"), SystemClock())
    tokens = {}
    for name, service in services.items():
        tokens[name] = create_token(service.store, name, ("issue",), now=datetime.now(UTC))[1]
        service.store.close()
    process = subprocess.Popen(
        [sys.executable, "-m", "vcportable", "serve", "--config", str(folder / "server.toml")],
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
    )
    base = f"{'https' if tls else 'http'}://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/readyz", verify=False, timeout=2).status_code == 200:
                return process, port, tokens
        except httpx.TransportError:
            time.sleep(0.3)
    process.kill()
    raise SystemExit("the server did not start")


def _median(values: list[float | None]) -> float | None:
    found = [v for v in values if v is not None]
    return statistics.median(found) if found else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument(
        "--issue-clients",
        type=int,
        default=32,
        help="issuing is also measured with this many clients (the server records concurrent "
        "requests in batches: with --clients it is bound by commit latency, not by the CPU)",
    )
    parser.add_argument(
        "--plain-http",
        action="store_true",
        help="serve without TLS (insecure_http: TLS ends at a proxy in front), to see its cost",
    )
    parser.add_argument("--pg", default=os.environ.get("VCPORTABLE_TEST_PG_URL", PG_DEFAULT))
    args = parser.parse_args()
    seconds = max(args.seconds, 2.0)
    issue_clients = sorted({args.clients, args.issue_clients})
    load_before = os.getloadavg()
    rounds: list[dict[str, Any]] = []
    with (
        tempfile.TemporaryDirectory() as tmp,
        pg_url(args.pg) as pg,
        multiprocessing.get_context("spawn").Pool(args.workers) as pool,
    ):
        folder = Path(tmp)
        process, port, tokens = serve(folder, args.workers, pg, not args.plain_http)
        try:
            signed = Issuer(KeyPair.load(folder / "issuer.json", None)).issue(_credential())
            verify_body = json.dumps({"verifiableCredential": signed}).encode()
            for _ in range(args.rounds):  # baseline and server alternately, each round
                found: dict[str, Any] = {}
                found["verify_in_process"] = in_process(
                    pool, _verify_rate, (signed, seconds), args.workers
                )
                found["verify"] = closed_loop(
                    port,
                    "/credentials/verify",
                    lambda: verify_body,
                    seconds,
                    args.clients,
                    {},
                    process.pid,
                    not args.plain_http,
                    args.workers,
                )
                half = found["verify_in_process"]["rps"] / 2
                found["p99_ms_at_half_rate"] = _p99(
                    paced(
                        port,
                        verify_body,
                        half,
                        seconds,
                        args.clients,
                        not args.plain_http,
                        args.workers,
                    )
                )
                found["sign_in_process"] = in_process(
                    pool, _sign_rate, (folder / "issuer.json", seconds), args.workers
                )
                for name, text in tokens.items():
                    for clients in issue_clients:
                        found[f"issue_{name}_{clients}"] = closed_loop(
                            port,
                            f"/{name}/credentials/issue",
                            _issue_bodies(),
                            seconds,
                            clients,
                            {"Authorization": f"Bearer {text}"},
                            process.pid,
                            not args.plain_http,
                            args.workers,
                        )
                rounds.append(found)
        finally:
            process.terminate()
            process.wait(timeout=30)
    load_after = os.getloadavg()

    def median(key: str, field: str | None = None) -> float | None:
        return _median([r[key][field] if field else r[key] for r in rounds if key in r])

    def ratio(key: str, base: str, field: str = "rps") -> float | None:
        """Throughput against the baseline; for ``cpu_ms``, the baseline's CPU per operation
        against the server's (the same efficiency, less moved by other jobs' load)."""
        if field == "rps":
            return _median([r[key]["rps"] / r[base]["rps"] for r in rounds if key in r])
        return _median([r[base]["cpu_ms"] / r[key]["server_cpu_ms"] for r in rounds if key in r])

    verify_ratio = ratio("verify", "verify_in_process")
    p99 = median("p99_ms_at_half_rate")
    where = {"sqlite": "SQLite", "pg": "PostgreSQL"}
    measures = {"verify": ("verify_in_process", f"verify via server, {args.clients} clients")}
    for name in tokens:
        for clients in issue_clients:
            label = f"issue + status via server, {where[name]}, {clients} clients"
            measures[f"issue_{name}_{clients}"] = ("sign_in_process", label)
    summary = {
        key: {
            "rps": median(key, "rps"),
            "ratio": ratio(key, base),
            "server_cpu_ms": median(key, "server_cpu_ms"),
            "cpu_ratio": ratio(key, base, "cpu_ms"),
            "client_cpu_ms": median(key, "client_cpu_ms"),
        }
        for key, (base, _) in measures.items()
    }
    result: dict[str, Any] = {
        "workers": args.workers,
        "clients": args.clients,
        "issue_clients": issue_clients,
        "cores": os.cpu_count(),
        "rounds": rounds,
        "load_average_before": load_before,
        "load_average_after": load_after,
        "in_process": {
            base: {"rps": median(base, "rps"), "cpu_ms": median(base, "cpu_ms")}
            for base in ("verify_in_process", "sign_in_process")
        },
        "server": summary,
        "p99_ms_at_half_rate": p99,
    }
    rows = []
    for key, (base, label) in measures.items():
        found = summary[key]
        if key == "verify" or key == f"issue_sqlite_{issue_clients[0]}":
            what = "Verifier.verify" if key == "verify" else "Issuer.issue"
            rows.append(
                (
                    f"{what} in process ({args.workers} processes)",
                    f"{median(base, 'rps'):6.0f} /s  {median(base, 'cpu_ms'):5.2f} ms CPU",
                )
            )
        rows.append(
            (
                label,
                f"{found['rps']:6.0f} /s  {found['server_cpu_ms']:5.2f} ms CPU  "
                f"({found['ratio']:.0%} of the rate, {found['cpu_ratio']:.0%} of the CPU "
                "efficiency)",
            )
        )
        if key == "verify":
            rows.append(("verify p99 at half the in-process rate", f"{p99:6.1f} ms"))
    rows.append(("client CPU per verify request", f"{summary['verify']['client_cpu_ms']:6.2f} ms"))
    rows.append(("load average before / after", f"{load_before[0]:.2f} / {load_after[0]:.2f}"))
    print_table(f"VC-API server (median of {args.rounds} rounds)", rows)
    targets = [
        {"target": "server verify vs in-process Verifier (issue 13: >= 60%)",
         "value": (verify_ratio or 0) * 100, "goal": 60.0, "unit": "%",
         "met": verify_ratio is not None and verify_ratio >= 0.6},
        {"target": "server verify p99 at half the in-process rate (issue 13: < 20 ms)",
         "value": p99, "goal": 20.0, "unit": " ms", "met": p99 is not None and p99 < 20},
    ]  # fmt: skip
    for clients in issue_clients:
        pg_ratio = summary.get(f"issue_pg_{clients}", {}).get("ratio")
        if pg_ratio is not None:
            targets.append(
                {"target": "issue with status on PostgreSQL vs in-process signing, "
                 f"{clients} clients (issue 13: >= 50%)",
                 "value": pg_ratio * 100, "goal": 50.0, "unit": "%", "met": pg_ratio >= 0.5}
            )  # fmt: skip
    result["targets"] = targets
    print(f"\nsaved {save('server', result)}")


if __name__ == "__main__":
    main()

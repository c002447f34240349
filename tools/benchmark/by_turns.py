#!/usr/bin/env python3
"""Two builds of aidledger timed by turns (A, B, A, B, ...) on this machine.

This virtual machine drifts by up to 30% between minutes, so one run of each
build cannot show a 5% difference; alternating them and comparing medians
can. Each build is a BINARY:LEDGER pair (its own ledger: a ledger's layout
may differ between builds).

  by_turns.py http   --a BIN:DB --b BIN:DB [--rounds 5] [--pause 0]
                     [--keepalive-requests 200] [--series-requests 21] [--append]
      serves each ledger in turn (serve --insecure-local on 127.0.0.1:0) and
      times 200 GET /healthz on one kept-alive connection (with the server's
      CPU time per request, from /proc) and 21 (--series-requests)
      GET /v1/series?region=410000&period=month each on a new connection
      (also with the server's CPU time per request), as aidledger_bench does, `--pause` seconds after the port is open.
      With --append, then two POST /v1/events (a sale, each on a new
      connection): the first append after a start and the one after it.
      They stay in the ledgers, the same number in each.
  by_turns.py import --a BIN --b BIN --workload CSV --dir DIR [--rounds 3]
      `init` then `import --batch-size 10000` of the workload into a fresh
      ledger under DIR, each build in turn.

Prints one line per run and the medians with [min-max].
"""
import argparse
import http.client
import os
import re
import shutil
import statistics
import subprocess
import sys
import time

KEEPALIVE_REQUESTS_MAX = 1_000_000
SERIES_REQUESTS = 21  # as aidledger_bench times them
SERIES_REQUESTS_MAX = 1_000_000
SERIES_PATH = "/v1/series?region=410000&period=month"
SERIES_POINTS_MIN = 120  # ten years by month
APPENDS = 2  # the first after a start, then one more
# A county of the workload (tools/benchmark/workload.cc), as the bench's
# SaleJson writes it.
APPEND_BODY = ('{{"event_id":"{}","effective_date":"2025-12-31",'
               '"sale_recorded":{{"region_code":"410101","amount_fen":"1000"}}}}')
PORT_WAIT_STEPS = 60_000  # 2 ms each: 120 s


def serve(binary, db, log):
    with open(log, "w") as out:
        server = subprocess.Popen(
            [binary, "serve", "--db", db, "--listen", "127.0.0.1:0", "--insecure-local"],
            stdout=out, stderr=out)
    for _ in range(PORT_WAIT_STEPS):
        with open(log) as text:
            found = re.search(r"127\.0\.0\.1:(\d+)", text.read())
        if found:
            return server, int(found.group(1))
        if server.poll() is not None:
            sys.exit(f"{binary} serve exited; see {log}")
        time.sleep(0.002)
    server.kill()
    sys.exit(f"{binary} serve did not listen; see {log}")


def cpu_seconds(pid):
    """User and system CPU time of a process, from /proc/PID/stat."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def time_appends(port):
    """Milliseconds of each of APPENDS appends, each on a new connection."""
    times = []
    for i in range(APPENDS):
        body = APPEND_BODY.format(f"by-turns-{os.getpid()}-{time.time_ns()}-{i}")
        start = time.perf_counter()
        connection = http.client.HTTPConnection("127.0.0.1", port)
        connection.request("POST", "/v1/events", body, {"Content-Type": "application/json"})
        response = connection.getresponse()
        text = response.read()
        connection.close()
        times.append((time.perf_counter() - start) * 1000)
        if response.status != 201:
            sys.exit(f"POST /v1/events: {response.status} {text[:200]!r}")
    return times


def time_http(binary, db, pause, keepalive_requests, series_requests, append, log):
    server, port = serve(binary, db, log)
    try:
        time.sleep(pause)
        connection = http.client.HTTPConnection("127.0.0.1", port)
        connection.request("GET", "/healthz")  # the connect, not counted
        connection.getresponse().read()
        later = []
        cpu_before = cpu_seconds(server.pid)
        for _ in range(keepalive_requests):
            start = time.perf_counter()
            connection.request("GET", "/healthz")
            response = connection.getresponse()
            response.read()
            later.append((time.perf_counter() - start) * 1000)
            if response.status != 200:
                sys.exit(f"GET /healthz: {response.status}")
        server_cpu_us = (cpu_seconds(server.pid) - cpu_before) / keepalive_requests * 1e6
        connection.close()
        series = []
        cpu_before = cpu_seconds(server.pid)
        for _ in range(series_requests):
            start = time.perf_counter()
            connection = http.client.HTTPConnection("127.0.0.1", port)
            connection.request("GET", SERIES_PATH)
            response = connection.getresponse()
            body = response.read()
            connection.close()
            series.append((time.perf_counter() - start) * 1000)
            if response.status != 200 or body.count(b'{"period"') < SERIES_POINTS_MIN:
                sys.exit(f"GET {SERIES_PATH}: {response.status} {body[:200]!r}")
        series_cpu_us = (cpu_seconds(server.pid) - cpu_before) / series_requests * 1e6
        figures = {"keepalive_p50_ms": statistics.median(later),
                   "keepalive_server_cpu_us": server_cpu_us,
                   "series_p50_ms": statistics.median(series),
                   "series_server_cpu_us": series_cpu_us}
        if append:
            figures["first_append_ms"], figures["second_append_ms"] = time_appends(port)
        return figures
    finally:
        server.terminate()
        server.wait()


def time_import(binary, workload, ledger):
    shutil.rmtree(ledger, ignore_errors=True)
    if os.path.exists(ledger + ".key"):
        os.remove(ledger + ".key")
    subprocess.run([binary, "--db", ledger, "init"], check=True, capture_output=True)
    start = time.perf_counter()
    subprocess.run([binary, "--db", ledger, "import", "--batch-size", "10000", workload],
                   check=True, capture_output=True)
    return {"import_s": time.perf_counter() - start}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["http", "import"])
    parser.add_argument("--a", required=True)
    parser.add_argument("--b", required=True)
    parser.add_argument("--rounds", type=int)
    parser.add_argument("--pause", type=float, default=0)
    parser.add_argument("--keepalive-requests", type=int, default=200)
    parser.add_argument("--series-requests", type=int, default=SERIES_REQUESTS)
    parser.add_argument("--append", action="store_true")
    parser.add_argument("--workload")
    parser.add_argument("--dir", default="/tmp/by-turns")
    args = parser.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    rounds = args.rounds or (5 if args.what == "http" else 3)
    if not 1 <= args.keepalive_requests <= KEEPALIVE_REQUESTS_MAX:
        sys.exit(f"--keepalive-requests must be 1 to {KEEPALIVE_REQUESTS_MAX}")
    if not 1 <= args.series_requests <= SERIES_REQUESTS_MAX:
        sys.exit(f"--series-requests must be 1 to {SERIES_REQUESTS_MAX}")
    runs = {"a": [], "b": []}
    for round_number in range(rounds):
        for name in ("a", "b"):
            spec = getattr(args, name)
            if args.what == "http":
                binary, db = spec.split(":", 1)
                figures = time_http(binary, db, args.pause, args.keepalive_requests,
                                    args.series_requests, args.append, os.path.join(args.dir, "serve.log"))
            else:
                if not args.workload:
                    sys.exit("import needs --workload CSV")
                figures = time_import(spec, args.workload, os.path.join(args.dir, "ledger-" + name))
            runs[name].append(figures)
            print(name, round_number, " ".join(f"{k}={v:.3f}" for k, v in figures.items()),
                  flush=True)
    for name in ("a", "b"):
        for key in runs[name][0]:
            values = [run[key] for run in runs[name]]
            print(f"{name} {key}: median {statistics.median(values):.3f} "
                  f"[{min(values):.3f}-{max(values):.3f}]")


if __name__ == "__main__":
    main()

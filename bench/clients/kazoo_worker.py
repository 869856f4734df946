"""bench/clients.ts worker for kazoo (Debian's python3-kazoo, 2.8), mirroring shared.ts.

Pipelining uses kazoo's async API: requests are issued with *_async, keeping at most
`inflight` unanswered by waiting on the oldest (replies come back in order). CPU time comes
from resource.getrusage (user + system of this process, kazoo's threads included).
Prints one `RESULT {json}` line.
"""
import collections
import json
import math
import os
import resource
import sys
import threading
import time

from kazoo.client import KazooClient

CLIENT = "kazoo 2.8"
DEFAULTS = {
    "latencyWarmup": 3000, "latencyCount": 2000, "readWarmup": 20000, "readTotal": 50000,
    "inflight": 256, "writeWarmup": 5000, "writeTotal": 20000, "writeSize": 1024,
    "createWarmup": 1000, "createCount": 5000, "bigWarmup": 100, "bigCount": 300, "bigInflight": 16,
    "bigSize": 102400, "sessionWarmup": 5, "sessions": 25, "watches": 1000, "lockClients": 3,
    "lockMillis": 3000, "lockWarmupMillis": 1000, "lockMaxCycles": 3000,
}
WORKER_TIMEOUT = 150.0


def need(name):
    value = os.environ.get(name, "")
    if value == "":
        raise SystemExit(f"{name} is not set (workers are started by bench/clients.ts)")
    return value


HOSTS = need("ZK_HOSTS")
WORKLOAD = need("BENCH_WORKLOAD")
P = dict(DEFAULTS, **json.loads(os.environ.get("BENCH_PARAMS", "{}")))
BASE = need("BENCH_BASE")
SCRATCH = need("BENCH_SCRATCH")
SMALL = BASE + "/small"
BIG = BASE + "/big"


def watched(i):
    return f"{BASE}/watch/w{i:05d}"


def cpu_micros():
    u = resource.getrusage(resource.RUSAGE_SELF)
    return (u.ru_utime + u.ru_stime) * 1e6


def rss_mib():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def percentile(samples, p):
    s = sorted(samples)
    return s[min(len(s) - 1, max(0, math.ceil(p * len(s)) - 1))]


def report(metrics):
    print("RESULT " + json.dumps({"client": CLIENT, "workload": WORKLOAD, "metrics": metrics}), flush=True)
    os._exit(0)


def open_client():
    zk = KazooClient(hosts=HOSTS, timeout=30.0)
    zk.start(timeout=15)
    return zk


def close_client(zk):
    zk.stop()
    zk.close()


def pipeline(count, inflight, issue):
    """Issues issue(i) for i in range(count), at most `inflight` unanswered."""
    window = collections.deque()
    for i in range(count):
        if len(window) >= inflight:
            window.popleft().get()
        window.append(issue(i))
    while window:
        window.popleft().get()


def timed(run):
    cpu0 = cpu_micros()
    t0 = time.perf_counter()
    run()
    return (time.perf_counter() - t0) * 1000, cpu_micros() - cpu0


def data_of(size, seed=7):
    return bytes(((i * 31 + seed) & 0xFF) for i in range(size))


def main():
    if WORKLOAD == "session":
        samples = []
        for _ in range(P["sessions"]):
            t0 = time.perf_counter()
            zk = open_client()
            samples.append((time.perf_counter() - t0) * 1000)
            close_client(zk)
        report({"millis": percentile(samples[P["sessionWarmup"]:], 0.5)})

    if WORKLOAD == "lock":
        clients = [open_client() for _ in range(P["lockClients"])]
        locks = [zk.Lock(SCRATCH, f"c{i}") for i, zk in enumerate(clients)]
        counter = {"cycles": 0}
        guard = threading.Lock()

        def contend_all(millis):
            counter["cycles"] = 0
            deadline = time.perf_counter() + millis / 1000

            def contend(lock):
                while time.perf_counter() < deadline and counter["cycles"] < P["lockMaxCycles"]:
                    with lock:
                        with guard:
                            counter["cycles"] += 1

            threads = [threading.Thread(target=contend, args=(lock,)) for lock in locks]
            for t in threads:
                t.start()
            for t in threads:
                t.join()

        contend_all(P["lockWarmupMillis"])
        t0 = time.perf_counter()
        contend_all(P["lockMillis"])
        seconds = time.perf_counter() - t0
        report({"cyclesPerSecond": counter["cycles"] / seconds})

    zk = open_client()
    if WORKLOAD == "latency":
        for _ in range(P["latencyWarmup"]):
            zk.get(SMALL)
        samples = []
        for _ in range(P["latencyCount"]):
            t0 = time.perf_counter()
            zk.get(SMALL)
            samples.append((time.perf_counter() - t0) * 1e6)
        report({"p50Micros": percentile(samples, 0.5), "p99Micros": percentile(samples, 0.99)})

    if WORKLOAD == "read":
        pipeline(P["readWarmup"], P["inflight"], lambda i: zk.get_async(SMALL))
        ms, cpu = timed(lambda: pipeline(P["readTotal"], P["inflight"], lambda i: zk.get_async(SMALL)))
        report({"opsPerSecond": P["readTotal"] * 1000 / ms, "cpuMicrosPerOp": cpu / P["readTotal"], "rssMiB": rss_mib()})

    if WORKLOAD == "write":
        data = data_of(P["writeSize"])
        zk.create(SCRATCH, data)
        pipeline(P["writeWarmup"], P["inflight"], lambda i: zk.set_async(SCRATCH, data))
        ms, cpu = timed(lambda: pipeline(P["writeTotal"], P["inflight"], lambda i: zk.set_async(SCRATCH, data)))
        report({"opsPerSecond": P["writeTotal"] * 1000 / ms, "cpuMicrosPerOp": cpu / P["writeTotal"]})

    if WORKLOAD == "createDelete":
        zk.create(SCRATCH, b"")
        n = P["createCount"]

        def cycle(count, prefix):
            pipeline(count, P["inflight"], lambda i: zk.create_async(f"{SCRATCH}/{prefix}{i}", b""))
            pipeline(count, P["inflight"], lambda i: zk.delete_async(f"{SCRATCH}/{prefix}{i}"))

        cycle(P["createWarmup"], "w")
        ms, cpu = timed(lambda: cycle(n, "n"))
        report({"opsPerSecond": 2 * n * 1000 / ms, "cpuMicrosPerOp": cpu / (2 * n)})

    if WORKLOAD == "big":
        pipeline(P["bigWarmup"], P["bigInflight"], lambda i: zk.get_async(BIG))
        ms, cpu = timed(lambda: pipeline(P["bigCount"], P["bigInflight"], lambda i: zk.get_async(BIG)))
        report({"mbPerSecond": P["bigCount"] * P["bigSize"] / 1e6 / (ms / 1000), "cpuMicrosPerOp": cpu / P["bigCount"]})

    if WORKLOAD == "watch":
        n = P["watches"]

        def cycle():
            fired = {"count": 0}
            done = threading.Event()

            def on_event(_event):
                fired["count"] += 1  # watch callbacks run one at a time on kazoo's callback thread
                if fired["count"] == n:
                    done.set()

            pipeline(n, P["inflight"], lambda i: zk.get_async(watched(i), watch=on_event))
            data = data_of(8)

            def run():
                pipeline(n, P["inflight"], lambda i: zk.set_async(watched(i), data))
                if not done.wait(60):
                    raise SystemExit(f"only {fired['count']} of {n} watch events arrived")

            return timed(run)[0]

        cycle()
        report({"millis": cycle()})

    raise SystemExit(f"unknown workload {WORKLOAD}")


if __name__ == "__main__":
    watchdog = threading.Timer(WORKER_TIMEOUT, lambda: os._exit(3))
    watchdog.daemon = True
    watchdog.start()
    main()

"""A kazoo process the interop tests drive, one JSON line at a time.

Usage: /usr/bin/python3 driver.py HOSTS   (HOSTS may carry a chroot: 127.0.0.1:2181/x)

Every stdin line is a command {"id": n, "op": "...", ...}. Each command runs in a thread of its
own, so a blocking one (a lock acquire) does not stop the next; its reply is one stdout line,
{"id": n, "ok": true, "result": ...} or {"id": n, "ok": false, "error": "ExceptionName: ..."}.
Lines without an id are events: {"event": "ready"} once connected, {"event": "elected",
"name": ...} when an election's leader function starts. The process exits on "exit", on end
of input, or when killed.
"""
import datetime
import json
import sys
import threading

from kazoo.client import KazooClient

client = KazooClient(hosts=sys.argv[1], timeout=10)
objects = {}
resign = {}
out_lock = threading.Lock()


def emit(message):
    with out_lock:
        sys.stdout.write(json.dumps(message) + "\n")
        sys.stdout.flush()


def number(kind, value):
    return float(value) if kind == "float" else int(value)


def op_lock(cmd):
    kinds = {"Lock": client.Lock, "ReadLock": client.ReadLock, "WriteLock": client.WriteLock}
    objects[cmd["name"]] = kinds[cmd.get("kind", "Lock")](cmd["path"], cmd.get("identifier"))


def op_semaphore(cmd):
    objects[cmd["name"]] = client.Semaphore(
        cmd["path"], cmd.get("identifier"), max_leases=cmd.get("max_leases", 1)
    )


def op_acquire(cmd):
    return objects[cmd["name"]].acquire(
        blocking=cmd.get("blocking", True), timeout=cmd.get("timeout")
    )


def op_release(cmd):
    return objects[cmd["name"]].release()


def op_contenders(cmd):
    return objects[cmd["name"]].contenders()


def op_lease_holders(cmd):
    return objects[cmd["name"]].lease_holders()


def op_counter(cmd):
    kind = cmd.get("kind", "int")
    objects[cmd["name"]] = (
        kind,
        client.Counter(
            cmd["path"],
            default=number(kind, cmd.get("default", 0)),
            support_curator=cmd.get("curator", False),
        ),
    )


def op_counter_add(cmd):
    kind, counter = objects[cmd["name"]]
    counter += number(kind, cmd["value"])
    return {"pre": repr(counter.pre_value), "post": repr(counter.post_value)}


def op_counter_value(cmd):
    kind, counter = objects[cmd["name"]]
    return repr(counter.value)


def op_election(cmd):
    objects[cmd["name"]] = client.Election(cmd["path"], cmd.get("identifier"))
    resign[cmd["name"]] = threading.Event()


def op_election_run(cmd):
    name = cmd["name"]

    def lead():
        emit({"event": "elected", "name": name})
        resign[name].wait(60)

    objects[name].run(lead)
    return True


def op_resign(cmd):
    resign[cmd["name"]].set()


def op_cancel(cmd):
    objects[cmd["name"]].cancel()


def op_lease(cmd):
    duration = datetime.timedelta(seconds=cmd["seconds"])
    return bool(client.NonBlockingLease(cmd["path"], duration, identifier=cmd["identifier"]))


def op_multi_lease(cmd):
    duration = datetime.timedelta(seconds=cmd["seconds"])
    return bool(
        client.MultiNonBlockingLease(
            cmd["count"], cmd["path"], duration, identifier=cmd["identifier"]
        )
    )


def op_barrier_create(cmd):
    client.Barrier(cmd["path"]).create()


def op_barrier_remove(cmd):
    return client.Barrier(cmd["path"]).remove()


def op_barrier_wait(cmd):
    return client.Barrier(cmd["path"]).wait(cmd.get("timeout"))


def op_double_barrier(cmd):
    objects[cmd["name"]] = client.DoubleBarrier(
        cmd["path"], cmd["num_clients"], identifier=cmd.get("identifier")
    )


def op_enter(cmd):
    objects[cmd["name"]].enter()
    return objects[cmd["name"]].participating


def op_leave(cmd):
    objects[cmd["name"]].leave()
    return objects[cmd["name"]].participating


def op_get(cmd):
    data, _ = client.get(cmd["path"])
    return data.decode("latin-1")


def op_set(cmd):
    client.set(cmd["path"], cmd["data"].encode("latin-1"))


def op_children(cmd):
    return sorted(client.get_children(cmd["path"]))


OPS = {name[3:]: fn for name, fn in list(globals().items()) if name.startswith("op_")}


def run(cmd):
    try:
        result = OPS[cmd["op"]](cmd)
        emit({"id": cmd["id"], "ok": True, "result": result})
    except Exception as e:  # report every failure to the test
        emit({"id": cmd["id"], "ok": False, "error": "%s: %s" % (type(e).__name__, e)})


def main():
    client.start(timeout=15)
    emit({"event": "ready"})
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        cmd = json.loads(line)
        if cmd["op"] == "exit":
            break
        threading.Thread(target=run, args=(cmd,), daemon=True).start()
    client.stop()
    client.close()


if __name__ == "__main__":
    main()

"""A kazoo process for the Recipes II interop tests (Queue, LockingQueue, Party).

Usage: /usr/bin/python3 driver.py HOSTS   (HOSTS may end in a chroot)

Reads one JSON command per line on stdin: {"id": n, "op": "...", ...}; writes one JSON reply
per line on stdout: {"id": n, "ok": true, "result": ...} or {"id": n, "ok": false, "error": "..."}.
The first line written is {"event": "ready"} once connected. Every wait is bounded: the
connection (20 s), a LockingQueue get (its "timeout", at most 20 s). Exits on "stop", on end of
input, or when the parent goes away (stdin closes).
"""
import json
import sys

from kazoo.client import KazooClient

MAX_WAIT = 20.0


def reply(message):
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def main():
    client = KazooClient(hosts=sys.argv[1], timeout=10.0)
    client.start(timeout=MAX_WAIT)
    queues = {}
    locking = {}
    parties = {}

    def queue(path):
        if path not in queues:
            queues[path] = client.Queue(path)
        return queues[path]

    def locking_queue(path):
        if path not in locking:
            locking[path] = client.LockingQueue(path)
        return locking[path]

    def party(path, identifier, shallow):
        key = (path, identifier, shallow)
        if key not in parties:
            cls = client.ShallowParty if shallow else client.Party
            parties[key] = cls(path, identifier=identifier)
        return parties[key]

    def text(value):
        return None if value is None else value.decode("utf-8")

    def run(cmd):
        op = cmd["op"]
        if op == "queue_put":
            return queue(cmd["path"]).put(cmd["value"].encode("utf-8"), priority=cmd.get("priority", 100))
        if op == "queue_get":
            return text(queue(cmd["path"]).get())
        if op == "queue_len":
            return len(queue(cmd["path"]))
        if op == "lqueue_put":
            return locking_queue(cmd["path"]).put(cmd["value"].encode("utf-8"), priority=cmd.get("priority", 100))
        if op == "lqueue_put_all":
            values = [v.encode("utf-8") for v in cmd["values"]]
            return locking_queue(cmd["path"]).put_all(values, priority=cmd.get("priority", 100))
        if op == "lqueue_get":
            timeout = min(float(cmd.get("timeout", MAX_WAIT)), MAX_WAIT)
            return text(locking_queue(cmd["path"]).get(timeout=timeout))
        if op == "lqueue_consume":
            return locking_queue(cmd["path"]).consume()
        if op == "lqueue_release":
            return locking_queue(cmd["path"]).release()
        if op == "lqueue_holds_lock":
            return locking_queue(cmd["path"]).holds_lock()
        if op == "lqueue_len":
            return len(locking_queue(cmd["path"]))
        if op == "party_join":
            return party(cmd["path"], cmd["identifier"], cmd["shallow"]).join()
        if op == "party_leave":
            return party(cmd["path"], cmd["identifier"], cmd["shallow"]).leave()
        if op == "party_members":
            p = party(cmd["path"], cmd["identifier"], cmd["shallow"])
            return sorted(list(p))
        if op == "party_len":
            return len(party(cmd["path"], cmd["identifier"], cmd["shallow"]))
        if op == "children":
            return sorted(client.get_children(cmd["path"]))
        raise ValueError("unknown op %r" % op)

    reply({"event": "ready"})
    try:
        for line in sys.stdin:
            line = line.strip()
            if not line:
                continue
            cmd = json.loads(line)
            if cmd.get("op") == "stop":
                reply({"id": cmd.get("id"), "ok": True, "result": None})
                break
            try:
                reply({"id": cmd.get("id"), "ok": True, "result": run(cmd)})
            except Exception as exc:  # reported to the test, which fails
                reply({"id": cmd.get("id"), "ok": False, "error": "%s: %s" % (type(exc).__name__, exc)})
    finally:
        client.stop()
        client.close()


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""What an upgrade or a crash must keep of the daemon's state (hw-tests/rig/systemd.sh).

  state.py snap FILE       pairings, bookings, the outbox and each lock's log cursor, as JSON
  state.py keeps OLD NEW   exit 0 when NEW kept everything OLD had (events may have been added,
                           cursors may have moved on), with one line saying what was compared
"""
import json
import subprocess
import sys


def cli(*args):
    out = subprocess.run(["/usr/bin/latchkey", "--json", *args], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def snap(path):
    # As the daemon's user: root's sqlite3 must not create files in its directory.
    rows = subprocess.run(["setpriv", "--reuid=latchkey", "--regid=latchkey", "--init-groups", "sqlite3", "-json",
                           "/var/lib/latchkey/state.db",
                           "SELECT lock, max(idx) AS cursor, count(*) AS entries FROM log_entries GROUP BY lock"],
                          capture_output=True, text=True, check=True).stdout
    state = {
        "locks": sorted(json.dumps(x, sort_keys=True) for x in cli("locks")["locks"]),
        "grants": sorted([g["id"], g["status"]] for g in cli("grants", "list", "--all")["grants"]),
        "events": sorted(e["id"] for e in cli("outbox", "list", "--limit", "100000")["events"]),
        "cursors": {r["lock"]: r["cursor"] for r in json.loads(rows or "[]")},
    }
    json.dump(state, open(path, "w"))


def keeps(old_path, new_path):
    a, b = json.load(open(old_path)), json.load(open(new_path))
    lost = set(a["events"]) - set(b["events"])
    back = {k: (v, b["cursors"].get(k)) for k, v in a["cursors"].items() if (b["cursors"].get(k) or 0) < v}
    print(f"pairings {len(a['locks'])} -> {len(b['locks'])} (same: {a['locks'] == b['locks']}); "
          f"bookings {a['grants']} -> {b['grants']}; outbox {len(a['events'])} -> {len(b['events'])} "
          f"({len(lost)} lost); log cursors {a['cursors']} -> {b['cursors']}")
    ok = a["locks"] == b["locks"] and a["grants"] == b["grants"] and not lost and not back
    return 0 if ok else 1


if __name__ == "__main__":
    if sys.argv[1] == "snap":
        snap(sys.argv[2])
        sys.exit(0)
    sys.exit(keeps(sys.argv[2], sys.argv[3]))

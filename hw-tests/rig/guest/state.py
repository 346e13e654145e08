#!/usr/bin/python3
"""What an upgrade or a crash must keep of the daemon's state (hw-tests/rig/systemd.sh).

  state.py snap FILE       pairings, bookings, the outbox and each lock's log cursor, as JSON
  state.py keeps OLD NEW   exit 0 when NEW kept everything OLD had (events may have been added,
                           cursors may have moved on), with one line saying what was compared
"""
import json
import subprocess
import sys


# As the daemon's user, on its directory: every release's CLI can do that (root's switch to the
# state's owner came after 0.1.0), and root's sqlite3 must not create files in it.
AS_DAEMON = ["setpriv", "--reuid=latchkey", "--regid=latchkey", "--init-groups",
             "env", "HOME=/var/lib/latchkey", "LATCHKEY_STATE_DIR=/var/lib/latchkey"]


def cli(*args):
    out = subprocess.run([*AS_DAEMON, "/usr/bin/latchkey", "--json", *args], capture_output=True, text=True,
                         check=True)
    return json.loads(out.stdout)


def snap(path):
    rows = subprocess.run([*AS_DAEMON, "sqlite3", "-json", "/var/lib/latchkey/state.db",
                           "SELECT lock, max(idx) AS cursor, count(*) AS entries FROM log_entries GROUP BY lock"],
                          capture_output=True, text=True, check=True).stdout
    state = {
        # A pairing is its name, the lock's model and our authorization on it; newer releases
        # may show more about a lock, which is not a change.
        "locks": sorted([x["name"], x["generation"], x["auth_id"]] for x in cli("locks")["locks"]),
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

#!/bin/sh
# Root's CLI on the daemon's state (docs/config.md): with /var/lib/latchkey owned by the
# daemon's user, `sudo latchkey grants import FILE` must work, leave every file the daemon's
# (0600 in 0700 directories), read a bookings file only root can read, and leave the state
# usable by the daemon's user. 77 (skip) when not run as root: it needs to switch users.
# Usage: tests/root-state.sh LATCHKEY_BINARY
set -eu
LK=$1
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (switches to the state directory's owner)"; exit 77; }
owner=nobody
getent passwd $owner >/dev/null || { echo "SKIP: no user '$owner'"; exit 77; }
uid=$(id -u $owner) gid=$(id -g $owner)
T=$(mktemp -d /tmp/lk-root-state.XXXXXX)
trap 'rm -rf "$T"' EXIT
chmod 755 "$T"
export ASAN_OPTIONS=detect_leaks=0

# The daemon's state directory, as StateDirectory= / tmpfiles.d leave it.
mkdir -m 700 "$T/state" && chown "$uid:$gid" "$T/state"
# A bookings file in a directory only root can enter.
mkdir -m 700 "$T/root-only"
cat > "$T/root-only/bookings.json" <<'JSON'
{"version": 1,
 "properties": [{"id": "flat", "locks": ["front"]}],
 "grants": [{"id": "BK-1", "property": "flat", "guest": "Root Test",
             "check_in": "2030-01-01T15:00:00Z", "check_out": "2030-01-03T10:00:00Z"}]}
JSON

echo "root: latchkey grants import (state owned by $owner)"
LATCHKEY_STATE_DIR="$T/state" "$LK" --json grants import "$T/root-only/bookings.json"
echo "root: latchkey grants list"
LATCHKEY_STATE_DIR="$T/state" "$LK" --json grants list | tee "$T/list.json"
grep -q '"BK-1"' "$T/list.json"

bad=$(find "$T/state" ! -user "$owner" -o ! -group "$(id -gn $owner)")
[ -z "$bad" ] || { echo "FAIL: not the owner's: $bad"; ls -laR "$T/state"; exit 1; }
bad=$(find "$T/state" \( -type d ! -perm 0700 \) -o \( -type f -perm /077 \))
[ -z "$bad" ] || { echo "FAIL: loosened: $bad"; ls -laR "$T/state"; exit 1; }
echo "every file is $owner's, 0600 in 0700 directories"

echo "$owner (the daemon's user): latchkey grants list"
setpriv --reuid="$uid" --regid="$gid" --clear-groups \
        env LATCHKEY_STATE_DIR="$T/state" "$LK" --json grants list | grep -q '"BK-1"'

# The switch is for good and keeps nothing but reading: root's files stay unwritable.
echo "root on a state directory it owns itself: no switch"
mkdir -m 700 "$T/root-state"
LATCHKEY_STATE_DIR="$T/root-state" "$LK" --json grants import "$T/root-only/bookings.json" > /dev/null
[ "$(stat -c %U "$T/root-state/state.db")" = root ]
echo "PASS"

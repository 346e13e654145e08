#!/bin/sh
# Opt-in checks against a real Nuki lock over the machine's own Bluetooth adapter.
#   LATCHKEY_HW_LOCK=AA:BB:CC:DD:EE:FF   the lock (required; otherwise skip with 77)
#   LATCHKEY_HW_PIN_FILE=FILE            its security PIN (0600), for PIN-guarded reads
#   LATCHKEY_HW_ADAPTER=hci0             the adapter (default: the first powered one)
#   LATCHKEY_HW_STATE_DIR=DIR            where latchkey keeps the pairing (default: a fresh
#                                        temporary dir, which means pairing: press the button)
#   LATCHKEY_HW_WRITE=1                  also run the write checks: add, update and remove a
#                                        keypad code named "latchkey-hw-test", unlock + lock.
# Read-only by default: scan, pair (only when no pairing is stored), state, battery,
# config, code list, log. Usage: hw-tests/real-lock/run.sh BUILD_DIR
set -u
build=${1:?usage: run.sh BUILD_DIR}
LK=$build/bin/latchkey
[ -n "${LATCHKEY_HW_LOCK:-}" ] || { echo "SKIP: real-lock tests: set LATCHKEY_HW_LOCK=<address> to run them"; exit 77; }
[ -x "$LK" ] || { echo "SKIP: $LK is not built"; exit 77; }
command -v busctl >/dev/null && busctl --system status org.bluez >/dev/null 2>&1 ||
        { echo "SKIP: bluetoothd is not running on this machine"; exit 77; }

addr=$LATCHKEY_HW_LOCK
ad=${LATCHKEY_HW_ADAPTER:+--adapter $LATCHKEY_HW_ADAPTER}
export LATCHKEY_STATE_DIR=${LATCHKEY_HW_STATE_DIR:-$(mktemp -d /tmp/latchkey-hw.XXXXXX)}
pin=${LATCHKEY_HW_PIN_FILE:+--pin-file $LATCHKEY_HW_PIN_FILE}
fails=0
check() {
        name=$1; shift
        t0=$(date +%s.%N)
        if "$@" > "$LATCHKEY_STATE_DIR/$name.out" 2>&1; then r=PASS; else r=FAIL; fails=$((fails + 1)); fi
        echo "$t0 $(date +%s.%N)" | awk -v n="$name" -v r="$r" '{ printf "HW %-16s %s %6.2fs\n", n, r, $2 - $1 }'
        [ "$r" = PASS ] || tail -n 5 "$LATCHKEY_STATE_DIR/$name.out"
}

# shellcheck disable=SC2086
check scan sh -c "$LK --json $ad scan --via ble --timeout 15 | grep -qi '$addr'"
if ! $LK locks 2>/dev/null | grep -q hwlock; then
        echo "Hold the lock's button for 5 s (pairing mode), then press Enter."
        read -r _ < /dev/tty || true
        # shellcheck disable=SC2086
        check pair $LK --json $ad pair --via "ble:$addr" --name hwlock $pin
fi
for c in state battery "config show" "code list" "log --all"; do
        # shellcheck disable=SC2086
        check "$(echo "$c" | cut -d' ' -f1-2 | tr ' ' -)" $LK --json $ad --lock hwlock $c
done
if [ "${LATCHKEY_HW_WRITE:-0}" = 1 ]; then
        # shellcheck disable=SC2086
        check code-add sh -c "printf '246813\n' | $LK --json $ad --lock hwlock code add --name latchkey-hw-test --code-file - > $LATCHKEY_STATE_DIR/id.json"
        id=$(/usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["code"]["id"])' < "$LATCHKEY_STATE_DIR/id.json" 2>/dev/null || echo 0)
        # shellcheck disable=SC2086
        check code-update $LK --json $ad --lock hwlock code update "$id" --disable
        # shellcheck disable=SC2086
        check code-remove $LK --json $ad --lock hwlock code remove "$id"
        # shellcheck disable=SC2086
        check unlock $LK --json $ad --lock hwlock unlock
        # shellcheck disable=SC2086
        check lock $LK --json $ad --lock hwlock lock
else
        echo "(write checks skipped: set LATCHKEY_HW_WRITE=1 to add/remove a code and unlock)"
fi
echo "real lock $addr: $fails failed"
[ "$fails" -eq 0 ]

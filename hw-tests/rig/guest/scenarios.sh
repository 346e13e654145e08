#!/bin/sh
# The rig's scenarios, run in the guest once bluetoothd has hci0..hci2 (guest/init.sh).
# The virtual lock on hci0 (and a second one on hci2), the real latchkey on hci1. Each
# scenario prints "SCENARIO <name> PASS|FAIL <seconds>s <writes>w <indications>i": the ATT
# round trips are the lock's own count of client writes and of indications it sent.
set -u
. "$RIG/env"
OUT=$RIG/out
B=$BUILD/bin
LK=$B/latchkey
SIM=$B/latchkey-sim
PY=/usr/bin/python3
W=/tmp/w
mkdir -p "$W" && chmod 700 "$W"
export LATCHKEY_STATE_DIR=$W/state
export ASAN_OPTIONS=detect_leaks=0:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1
fails=0

now() { date +%s.%N; }
att() { # writes and indications the lock $1 logged so far
        [ -f "$W/sim$1.log" ] || { echo "0 0"; return; }
        printf '%s %s' "$(grep -c 'BLE: write' "$W/sim$1.log")" \
                       "$(grep -c 'BLE: indication' "$W/sim$1.log")"
}
# scenario NAME LOCK CMD...: run, time, count; output in $OUT/NAME.out. The commands make
# bench reads (connect, pair, code-add, log-200) run with -v: their "Link up in" and "Link
# released in" lines split the time into connecting, the work on the link, and releasing it.
scenario() {
        name=$1 lockn=$2; shift 2
        set -- "$@"
        a0=$(att "$lockn"); t0=$(now)
        if "$@" > "$OUT/$name.out" 2>&1; then res=PASS; else res=FAIL; fails=$((fails + 1)); fi
        t1=$(now); a1=$(att "$lockn")
        echo "$t0 $t1 $a0 $a1" | awk -v n="$name" -v r="$res" \
                '{ printf "SCENARIO %-26s %s %7.2fs %4dw %4di\n", n, r, $2 - $1, $5 - $3, $6 - $4 }'
        [ "$res" = PASS ] || sed 's/^/    | /' "$OUT/$name.out" | tail -n 15
}
jget() { $PY -c 'import json,sys
d=json.load(sys.stdin)
for k in sys.argv[1].split("."):
    d=d[int(k)] if isinstance(d,list) else d[k]
print(d)' "$1"; }
addr_of() { busctl --system get-property org.bluez "/org/bluez/$1" org.bluez.Adapter1 Address | cut -d'"' -f2; }
ctl() { n=$1; shift; "$SIM" ctl --socket "$W/sim$n.sock" "$@"; }
. "$RIG_SRC/guest/follow.sh"
# Wait (at most SECONDS) until lock N's log shows COUNT more lines matching PATTERN than the
# BASE it had before: event-driven (follow.sh), nothing polls on a timer.
wait_log() { # N PATTERN BASE COUNT SECONDS
        follow "$W/sim$1.log" "$2" $(($3 + $4)) "$5"
}

start_lock() { # N ADAPTER
        printf '1234\n' > "$W/pin$1"; chmod 600 "$W/pin$1"
        # The motor at once where timing does not matter; t_motor sets seconds.
        "$SIM" run --socket "$W/sim$1.sock" --state "$W/sim$1.state" --pin-file "$W/pin$1" \
                --motor-ms 0 --ble --adapter "$2" --verbose > "$W/sim$1.log" 2>&1 &
        eval "SIMPID$1=$!"
        wait_log "$1" 'GATT ready' 0 1 20 && return 0
        cat "$W/sim$1.log"; return 1
}

# ---- the scenarios ----

t_scan() { # the lock must show up with its Nuki ID and generation
        $LK --json --adapter hci1 scan --via ble --timeout 20 > "$W/scan.json" || return 1
        cat "$W/scan.json"
        $PY - "$W/scan.json" "$LOCK1" <<'PYEOF'
import json, sys
d = json.load(open(sys.argv[1]))
devs = [x for x in d["devices"] if x["address"] == sys.argv[2]]
assert devs, "lock not found"
assert devs[0]["name"].startswith("Nuki_"), devs[0]
PYEOF
}
t_pair() {
        ctl 1 press-button > /dev/null || return 1
        $LK -v --json --adapter hci1 pair --via "ble:$LOCK1" --name front --pin-file "$W/pin1"
}
t_state() { $LK --json --adapter hci1 state; }
t_code_add() {
        printf '234567\n' | $LK -v --json --adapter hci1 code add --name "Guest Rig" --code-file - > "$W/add.json" || return 1
        cat "$W/add.json"; CODE_ID=$(jget code.id < "$W/add.json")
}
t_code_list() { $LK --json --adapter hci1 code list | tee "$W/list.json" | grep -q 'Guest Rig'; }
t_code_update() { $LK --json --adapter hci1 code update "$CODE_ID" --name "Guest Rig 2"; }
t_keypad() { ctl 1 type-code 234567 unlock && ctl 1 type-code 999999 unlock; }
t_log() { $LK --json --adapter hci1 log | tee "$W/log.json" | grep -q 'Guest Rig'; }
t_code_remove() { $LK --json --adapter hci1 code remove "$CODE_ID"; }
t_unlock() { $LK --json --adapter hci1 unlock; }
actions_sent() { # lock actions latchkey's authorization sent to lock 1 (the sim's count)
        ctl 1 state | $PY -c 'import json,sys
d=json.load(sys.stdin)["state"]
print(sum(a["lock_count"] for a in d["authorizations"] if a["name"] == "latchkey"))'
}
t_motor() { # the motor on, 2-4 s: each outcome from COMPLETE; a jam is 4; a drop mid-action is 5, not repeated
        ctl 1 motor unlock 2000 > /dev/null && ctl 1 motor lock 3000 > /dev/null &&
                ctl 1 motor unlatch 4000 > /dev/null || return 1
        for step in lock:3:locked unlock:2:unlocked unlatch:4:unlocked; do
                a=${step%%:*}; rest=${step#*:}; secs=${rest%%:*}; final=${rest#*:}
                t0=$(now)
                $LK --json --adapter hci1 "$a" > "$W/motor-$a.json" || { cat "$W/motor-$a.json"; return 1; }
                t1=$(now)
                echo "$a: $(cat "$W/motor-$a.json")"
                grep -q '"outcome":"complete"' "$W/motor-$a.json" &&
                        grep -q "\"lock_state\":\"$final\"" "$W/motor-$a.json" || return 1
                # a lower bound only: COMPLETE cannot come before the motor stops
                awk -v a="$t0" -v b="$t1" -v m="$secs" 'BEGIN { printf "  %.2f s (motor %d s)\n", b - a, m; exit !(b - a >= m) }' ||
                        return 1
        done
        ctl 1 fault jam > /dev/null
        $LK --json --adapter hci1 lock > "$W/motor-jam.json"; rc=$?
        echo "jam: exit $rc $(cat "$W/motor-jam.json")"
        [ "$rc" = 4 ] && grep -q 'the motor was blocked' "$W/motor-jam.json" || return 1
        # The lock's side drops the link once its motor turns: outcome unknown, never repeated.
        n0=$(actions_sent)
        ctl 1 fault drop-in-motion > /dev/null
        timeout 60 $LK --json --adapter hci1 unlock > "$W/motor-drop.json"; rc=$?
        n1=$(actions_sent)
        echo "drop: exit $rc, lock actions sent $n0 -> $n1: $(cat "$W/motor-drop.json")"
        ctl 1 motor 0 > /dev/null   # the run under way keeps its time; later scenarios need none
        [ "$rc" = 5 ] && grep -q 'outcome unknown' "$W/motor-drop.json" && [ "$n1" = $((n0 + 1)) ]
}
t_corrupt() { # one reply from the air fails its MAC: a clear refusal (8), then all is well
        ctl 1 fault corrupt > /dev/null || return 1
        $LK --json --adapter hci1 state > "$W/corrupt.json"; rc=$?
        cat "$W/corrupt.json"; echo "exit $rc"
        [ "$rc" = 8 ] && grep -q 'failed its checks' "$W/corrupt.json" &&
        $LK --json --adapter hci1 state > /dev/null
}
t_fill_log() { # 200 refused keypad entries, four ctl clients at a time
        for i in $(seq 1 50); do
                pids=
                for k in 1 2 3 4; do ctl 1 type-code 999999 lock > /dev/null & pids="$pids $!"; done
                wait $pids
        done
        ctl 1 turn-knob unlock > /dev/null; }
t_log_200() { $LK -v --json --adapter hci1 log --all > "$W/log200.json" || return 1
        n=$($PY -c 'import json,sys; print(len(json.load(sys.stdin)["entries"]))' < "$W/log200.json")
        echo "entries: $n"; [ "$n" -ge 200 ]; }
t_connect() { # connect, discover GATT, subscribe, and let go: no protocol message
        $LK -v --json --adapter hci1 scan --via "ble:$LOCK1"
}
t_drop() { # the lock's side drops the link in the middle of a long read
        central=$(echo "$CENTRAL" | tr : _)
        ctl 1 link indicate-ms 20 > /dev/null   # 200 entries now take seconds: a real middle
        base=$(grep -c 'BLE: indication' "$W/sim1.log")
        ( $LK --json --adapter hci1 log --all > "$W/drop.json" 2>&1; echo $? > "$W/drop.rc" ) &
        p=$!
        # Drop once the answer is streaming: 20 indications into the read.
        wait_log 1 'BLE: indication' "$base" 20 60 || { echo "the read never started"; kill $p; return 1; }
        busctl --system call org.bluez "/org/bluez/hci0/dev_$central" org.bluez.Device1 Disconnect || true
        # latchkey must give up by itself (its timeouts), never hang: bound the wait at 60 s.
        timeout 60 sh -c "while kill -0 $p 2>/dev/null; do wait $p 2>/dev/null || true; done" ||
                { echo "latchkey still running 60 s after the drop"; kill $p; return 1; }
        wait $p 2>/dev/null
        ctl 1 link indicate-ms 0 > /dev/null
        sent=$(($(grep -c 'BLE: indication' "$W/sim1.log") - base))
        rc=$(cat "$W/drop.rc"); echo "interrupted command: exit $rc after $sent of 203 indications"
        cat "$W/drop.json"
        # The drop must have landed mid-read, and latchkey must report a link failure (5).
        [ "$sent" -lt 203 ] && [ "$rc" = 5 ] && grep -q '"exit_code":5' "$W/drop.json"
}
t_recover() { # the next command reads the whole log again over a fresh link
        $LK --json --adapter hci1 log --all > "$W/recover.json" || return 1
        n=$($PY -c 'import json,sys; print(len(json.load(sys.stdin)["entries"]))' < "$W/recover.json")
        echo "entries: $n"; [ "$n" -ge 200 ]; }
t_second_lock() { # a second lock beside the first: found by a scan, paired
        start_lock 2 hci2 || return 1
        LOCK2=$(addr_of hci2)
        ctl 2 press-button > /dev/null &&
        wait_log 2 'advertising .*pairing mode' 0 1 15 &&
        # The central has never seen this lock: scan first, as a technician would.
        $LK --json --adapter hci1 scan --via ble --timeout 20 | grep -q "$LOCK2" &&
        $LK --json --adapter hci1 pair --via "ble:$LOCK2" --name back --pin-file "$W/pin2"
}
t_two_locks() { # one after the other, back and forth: each link is released before the next
        $LK --json --adapter hci1 --lock front state &&
        $LK --json --adapter hci1 --lock back state &&
        $LK --json --adapter hci1 --lock front state
}
t_booking() { # a booking becomes the same code on both doors, each write verified
        from=$(date -u -d "@$(($(date +%s) - 3600))" +%Y-%m-%dT%H:%M:00Z)
        to=$(date -u -d "@$(($(date +%s) + 2 * 86400))" +%Y-%m-%dT%H:%M:00Z)
        cat > "$W/bookings.json" <<JSON
{"version": 1,
 "properties": [{"id": "rig-flat", "locks": ["front", "back"]}],
 "grants": [{"id": "BK-RIG-1", "property": "rig-flat", "guest": "Rig Guest",
             "code": "735914", "check_in": "$from", "check_out": "$to"}]}
JSON
        $LK --json grants import "$W/bookings.json" &&
        $LK --json --adapter hci1 reconcile --no-clock | tee "$W/reconcile.json" &&
        $LK --json --adapter hci1 --lock front code list | grep -q 'Rig Guest' &&
        $LK --json --adapter hci1 --lock back code list | grep -q 'Rig Guest' &&
        ctl 2 type-code 735914 unlock > /dev/null
}

echo "bluez $(/usr/libexec/bluetooth/bluetoothd -v), kernel $(uname -r)"
start_lock 1 hci0 || { echo "the virtual lock did not come up"; exit 1; }
LOCK1=$(addr_of hci0); CENTRAL=$(addr_of hci1)
echo "lock $LOCK1 on hci0, latchkey on hci1 ($CENTRAL)"
CODE_ID=0

scenario scan 1 t_scan
scenario pair 1 t_pair
scenario connect 1 t_connect
scenario state 1 t_state
scenario code-add 1 t_code_add
scenario code-list 1 t_code_list
scenario code-update 1 t_code_update
scenario keypad-entry 1 t_keypad
scenario log 1 t_log
scenario code-remove 1 t_code_remove
scenario unlock 1 t_unlock
scenario motor-2-4s 1 t_motor
scenario corrupt-reply 1 t_corrupt
t_fill_log > /dev/null 2>&1
scenario log-200 1 t_log_200
scenario link-drop 1 t_drop
scenario link-recovered 1 t_recover
scenario second-lock 2 t_second_lock
scenario two-locks 1 t_two_locks
scenario booking-two-locks 2 t_booking

kill $SIMPID1 ${SIMPID2:-} 2>/dev/null
wait 2>/dev/null
cp "$W"/sim*.log "$W"/*.json "$OUT/" 2>/dev/null
echo "failed: $fails"
[ "$fails" -eq 0 ]

#!/bin/sh
# The rig's scenarios, run in the guest once bluetoothd has hci0..hci2 (guest/init.sh).
# The virtual lock on hci0 (a second one on hci2, at the end an Opener there), the real latchkey on hci1. Each
# scenario prints "SCENARIO <name> PASS|FAIL <seconds>s <writes>w <indications>i": the ATT
# round trips are the lock's own count of client writes and of indications it sent.
# Both locks hide their pairing service outside pairing mode (--hide-pairing): every command
# after pairing runs without it. With RIG_BENCH=N (make bench) the figures' jobs run N times
# each at the end (bench.log).
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
# btvirt 5.66 cannot carry two LE links on one controller (docs/bluetooth.md: its LE
# Connection Complete gives the peripheral the central's handle). Real controllers can; here
# latchkey lets a link still in BlueZ's 2-s release hold drop before it brings up another.
export LATCHKEY_BLE_ONE_LINK=1
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
        [ "$res" = PASS ] && return 0
        sed 's/^/    | /' "$OUT/$name.out" | tail -n 15
        cp "$W"/sim*.log "$OUT/" 2>/dev/null # as they were at the failure, should the rig stop
        return 0
}
jget() { $PY -c 'import json,sys
d=json.load(sys.stdin)
for k in sys.argv[1].split("."):
    d=d[int(k)] if isinstance(d,list) else d[k]
print(d)' "$1"; }
addr_of() { busctl --system get-property org.bluez "/org/bluez/$1" org.bluez.Adapter1 Address | cut -d'"' -f2; }
ctl() { _lock=$1; shift; "$SIM" ctl --socket "$W/sim$_lock.sock" "$@"; }
. "$RIG_SRC/guest/follow.sh"
# Wait (at most SECONDS) until lock N's log shows COUNT more lines matching PATTERN than the
# BASE it had before: event-driven (follow.sh), nothing polls on a timer.
wait_log() { # N PATTERN BASE COUNT SECONDS
        follow "$W/sim$1.log" "$2" $(($3 + $4)) "$5"
}

start_lock() { # N ADAPTER [--show-pairing] [FLAGS...]: the log goes on where an earlier run of lock N left it
        n=$1 adapter=$2 hide=--hide-pairing; shift 2
        eval "SHOWN$n="
        [ "${1:-}" = --show-pairing ] && { hide=; eval "SHOWN$n=1"; shift; }
        [ -f "$W/pin$n" ] || { printf '1234\n' > "$W/pin$n"; chmod 600 "$W/pin$n"; }
        base=$(grep -c 'GATT ready' "$W/sim$n.log" 2>/dev/null)
        # The motor at once where timing does not matter; t_motor sets seconds.
        "$SIM" run --socket "$W/sim$n.sock" --state "$W/sim$n.state" --pin-file "$W/pin$n" \
                --motor-ms 0 --ble --adapter "$adapter" $hide --verbose "$@" >> "$W/sim$n.log" 2>&1 &
        eval "SIMPID$n=$!"
        wait_log "$n" 'GATT ready' "${base:-0}" 1 20 && return 0
        cat "$W/sim$n.log"; return 1
}
# Lock N's last link has dropped (BlueZ releases 2 s after latchkey's Disconnect): as many
# disconnections in its log as connections. Before a lock is stopped or another link needed on
# btvirt, whose second concurrent link breaks (docs/bluetooth.md).
link_down() { # N
        up=$(grep -c 'BLE: connected' "$W/sim$1.log")
        [ "$up" -eq 0 ] || follow "$W/sim$1.log" 'BLE: disconnected' "$up" 15
}
stop_lock() { # N
        eval "kill \$SIMPID$1; wait \$SIMPID$1" 2>/dev/null
}
# Pairing mode, and the pairing service shown: a lock started with --hide-pairing registers
# it only now (logged); one started with --show-pairing has it already, and its advertisement
# says pairing mode (the callers wait for that).
pairing_mode() { # N
        base=$(grep -c 'pairing service shown' "$W/sim$1.log")
        ctl "$1" press-button > /dev/null || return 1
        eval "shown=\${SHOWN$1:-}"
        [ -n "$shown" ] || wait_log "$1" 'pairing service shown' "$base" 1 15
}

# After a pairing, before the next command: the pairing link has dropped and the lock
# advertises its iBeacon again (a new LE advertising instance). Linux 6.1 on btvirt re-enables
# advertising after a peripheral link with that link's instance; a link made while the lock
# swapped instances came back to a removed one and left the lock non-connectable (ADV_NONCONN_IND
# from a random address, docs/bluetooth.md). A real lock has no such host; this is the rig's.
beacons() { grep -c 'advertising .*iBeacon' "$W/sim$1.log"; }
settled() { # N BASE: BASE = beacons N before the pairing
        link_down "$1" && wait_log "$1" 'advertising .*iBeacon' "$2" 1 15
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
        base=$(beacons 1)
        pairing_mode 1 || return 1
        $LK -v --json --adapter hci1 pair --via "ble:$LOCK1" --name front --pin-file "$W/pin1" &&
        settled 1 "$base"
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
        # Its pairing service stays shown until older-firmware restarts it (lock 1 hides its
        # own): both ways are covered.
        start_lock 2 hci2 --show-pairing || return 1
        LOCK2=$(addr_of hci2)
        pairing_mode 2 &&
        wait_log 2 'advertising .*pairing mode' 0 1 15 &&
        # The central has never seen this lock: scan first, as a technician would.
        $LK --json --adapter hci1 scan --via ble --timeout 20 | grep -q "$LOCK2" &&
        base=$(beacons 2) &&
        $LK --json --adapter hci1 pair --via "ble:$LOCK2" --name back --pin-file "$W/pin2" &&
        settled 2 "$base"
}
t_two_locks() { # one after the other, back and forth: each link is released before the next
        $LK --json --adapter hci1 --lock front state &&
        $LK --json --adapter hci1 --lock back state &&
        $LK --json --adapter hci1 --lock front state
}
# When does the link really drop? latchkey hands it back and exits; BlueZ holds it 2 s, then
# the controller reports Disconnect Complete (btmon on hci1, guest/init.sh; btmon cuts the
# name to "Disconnect Compl.." at 80 columns) and the lock sees the link go.
t_release() {
        hci=$OUT/btmon-hci1.txt
        base=$(grep -c 'HCI Event: Disconnect Compl' "$hci") lbase=$(grep -c 'BLE: disconnected' "$W/sim1.log")
        $LK --json --adapter hci1 state > /dev/null || return 1
        t_exit=$(now)
        follow "$hci" 'HCI Event: Disconnect Compl' $((base + 1)) 15 || { echo "no Disconnect Complete on hci1"; return 1; }
        wait_log 1 'BLE: disconnected' "$lbase" 1 15 || { echo "the lock never saw the link go"; return 1; }
        t_lock=$(now)
        line=$(grep 'HCI Event: Disconnect Compl' "$hci" | tail -n 1)
        t_dc=$(date -d "$(echo "$line" | grep -o '[0-9]*-[0-9]*-[0-9]* [0-9:.]*$')" +%s.%N) || return 1
        echo "$t_exit $t_dc $t_lock" | awk -v l="$line" '{
                printf "latchkey exited; HCI Disconnect Complete on hci1 %.2f s later; the lock saw the link go %.2f s after exit\n", $2 - $1, $3 - $1
                print "  btmon: " l
                exit ($2 > $1 && $2 - $1 < 10) ? 0 : 1 }'
}
t_back_to_back() { # a second command on the same lock right after the first: it waits out the hold
        $LK --json --adapter hci1 state > /dev/null &&
        $LK -v --json --adapter hci1 state > "$W/b2b.json" 2> "$W/b2b.err" || { cat "$W/b2b.err"; return 1; }
        grep 'Link up in' "$W/b2b.err"
}
# Answers before the ATT Write Response (--answer-first), motor time 0: 50 lock actions.
t_answer_first() {
        link_down 1; stop_lock 1; start_lock 1 hci0 --answer-first || return 1   # start_lock: motor time 0
        base=$(grep -c 'ATT response after the answer' "$W/sim1.log")
        ok=0
        for i in $(seq 1 25); do
                $LK --json --adapter hci1 unlock > "$W/af.json" 2>&1 && ok=$((ok + 1)) || cat "$W/af.json"
                $LK --json --adapter hci1 lock > "$W/af.json" 2>&1 && ok=$((ok + 1)) || cat "$W/af.json"
        done
        held=$(($(grep -c 'ATT response after the answer' "$W/sim1.log") - base))
        echo "$ok of 50 lock actions succeeded; $held write responses went after their answer"
        link_down 1; stop_lock 1; start_lock 1 hci0 || return 1
        [ "$ok" = 50 ] && [ "$held" -ge 100 ]
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

# The daemon, one pass over both locks (reconcile, then the logs): each lock's connect and
# release are loop events; the gap from one lock's work to the next lock's connect is logged.
t_daemon() {
        printf '[agent]\nstate_dir = %s\nadapter = hci1\n' "$LATCHKEY_STATE_DIR" > "$W/daemon.conf"
        chmod 600 "$W/daemon.conf"
        $LK -v --json daemon --once --config "$W/daemon.conf" > "$W/daemon.json" 2> "$W/daemon.err"; rc=$?
        cat "$W/daemon.json"; echo "exit $rc"
        grep -E 'event=lock-(connect|work)|Link (up|released) in' "$W/daemon.err"
        [ "$rc" = 0 ] && grep -q 'event=lock-connect lock=back' "$W/daemon.err"
}

# Older firmware (issue 14) on lock 2 over BlueZ: API v1 layouts and silence for what it lacks,
# unencrypted Error Reports on the keyturner GDIO, then on the USDIO. What it has works; the
# rest fails saying why; a wrong PIN is 6, unauthenticated, and the stored PIN stays.
wrong_pin() { # a wrong PIN answered unencrypted: exit 6, said unauthenticated
        printf '9999\n' > "$W/wrong-pin"; chmod 600 "$W/wrong-pin"
        $LK --json --adapter hci1 --lock back --pin-file "$W/wrong-pin" pin verify > "$W/old-pin.json"; rc=$?
        echo "wrong PIN: exit $rc $(cat "$W/old-pin.json")"
        [ "$rc" = 6 ] && grep -q 'unauthenticated' "$W/old-pin.json" &&
                $LK --json --adapter hci1 --lock back pin verify > /dev/null
}
t_older_firmware() {
        link_down 2; stop_lock 2; start_lock 2 hci2 --legacy-firmware --plain-errors keyturner || return 1
        for cmd in state lock unlock "time sync"; do
                $LK --json --adapter hci1 --lock back $cmd > "$W/old.json" || { echo "$cmd:"; cat "$W/old.json"; return 1; }
        done
        $LK --json --adapter hci1 --lock back config show > "$W/old-config.json" || { cat "$W/old-config.json"; return 1; }
        grep -q '"lacks":\[[^]]*"advanced"' "$W/old-config.json" || { cat "$W/old-config.json"; return 1; }
        $LK --json --adapter hci1 --lock back battery > "$W/old-battery.json"; rc=$?
        echo "battery: exit $rc $(cat "$W/old-battery.json")"
        [ "$rc" = 5 ] && grep -q 'probably does not support it' "$W/old-battery.json" || return 1
        wrong_pin || return 1
        link_down 2; stop_lock 2; start_lock 2 hci2 --plain-errors usdio || return 1
        wrong_pin || return 1
        link_down 2; stop_lock 2; start_lock 2 hci2
}

# ---- make bench: each job N times (RIG_BENCH), the lock's link model at 15 ms per indication ----

# One run of a job: its -v timings and the lock's ATT counts, as a line of bench.txt:
# BENCH job total_s up_ms waited_ms work_ms after_ms writes indications
bench_run() { # JOB CMD...
        job=$1; shift
        a0=$(att 1); t0=$(now)
        "$@" > "$W/bench.out" 2> "$W/bench.err" || { echo "bench $job failed:"; cat "$W/bench.out" "$W/bench.err"; return 1; }
        t1=$(now); a1=$(att 1)
        awk -v job="$job" -v t0="$t0" -v t1="$t1" -v a0="$a0" -v a1="$a1" '
                /Link up in [0-9]+ ms/ { for (k = 1; k < NF; k++) { if ($k == "in") up = $(k + 1); if ($k == "it") w = $(k - 2) } }
                /Link released in [0-9]+ ms, after [0-9]+ ms up/ {
                        for (k = 1; k < NF; k++) { if ($k == "in") rel = $(k + 1); if ($k == "after") used = $(k + 1) } }
                END { split(a0, x, " "); split(a1, y, " "); sub(/\(ATT/, "", w)
                      printf "BENCH %s %.3f %d %d %d %d %d %d\n", job, t1 - t0, up, w, used, rel, y[1] - x[1], y[2] - x[2] }
        ' "$W/bench.err" >> "$OUT/bench.txt"
        # Clean figures: the next run starts once this link has dropped (back-to-back has its own
        # scenario above). A probe's link never reaches the virtual lock's GATT server, which
        # logs only the links it serves: nothing to wait for then.
        link_down 1
}
t_bench() {
        runs=$BENCH i=0
        : > "$OUT/bench.txt"
        link_down 1; link_down 2 # best effort: a wait, never a verdict
        ctl 1 link indicate-ms 15 > /dev/null || return 1
        while [ $i -lt "$runs" ]; do
                i=$((i + 1))
                bench_run connect $LK -v --json --adapter hci1 scan --via "ble:$LOCK1" || return 1
                bench_run state $LK -v --json --adapter hci1 --lock front state || return 1
                base=$(beacons 1)
                pairing_mode 1 || return 1
                bench_run pair $LK -v --json --adapter hci1 pair --via "ble:$LOCK1" --name bench --force \
                        --pin-file "$W/pin1" || return 1
                settled 1 "$base" || return 1
                printf '34567%d\n' "$i" > "$W/bench-code"; chmod 600 "$W/bench-code" # a secret: 0600 or refused
                bench_run code-add $LK -v --json --adapter hci1 --lock front code add --name "Bench $i" \
                        --code-file "$W/bench-code" || return 1
                bench_run log-200 $LK -v --json --adapter hci1 --lock front log --all || return 1
        done
        ctl 1 link indicate-ms 0 > /dev/null
        # The daemon's gaps, N passes over both locks.
        i=0
        while [ $i -lt "$runs" ]; do
                i=$((i + 1))
                t_daemon > /dev/null || return 1
                sed -n 's/.*event=lock-connect lock=\([^ ]*\) gap_ms=\([0-9.]*\).*/DAEMON-GAP \1 \2/p' "$W/daemon.err" >> "$OUT/bench.txt"
                sed -n 's/.*Link up in \([0-9]*\) ms.* \([0-9]*\) ms of it waiting.*/DAEMON-UP \1 \2/p' "$W/daemon.err" >> "$OUT/bench.txt"
        done
        cat "$OUT/bench.txt"
}

# ---- the Opener (nuki-opener.md), last, on hci2 in place of the second lock ----
# A fourth btvirt controller broke links among the other three (the rig's connects after
# pairing timed out), so the Opener takes lock 2's controller once lock 2 is done. The central
# forgets that address first: BlueZ would otherwise keep the Smart Lock's GATT for it.

t_opener_pair() { # probed as an Opener (its keyturner service), paired by the Smart Lock 1-4 flow
        link_down 2; stop_lock 2
        OPENER=$(addr_of hci2)
        busctl --system call org.bluez /org/bluez/hci1 org.bluez.Adapter1 RemoveDevice o \
                "/org/bluez/hci1/dev_$(echo "$OPENER" | tr : _)" > /dev/null 2>&1
        start_lock 3 hci2 --generation opener || return 1
        pairing_mode 3 &&
        wait_log 3 'advertising .*pairing mode' 0 1 15 &&
        # A probe, not a 20-s listen (the rig's added time): the advertisement's family is the
        # unit tests' (tests/ble/test-opener-ids.c); second-lock's scan shows discovery here.
        $LK --json --adapter hci1 scan --via "ble:$OPENER" > "$W/scan3.json" &&
        grep -q '"generation":"Opener"' "$W/scan3.json" &&
        base=$(beacons 3) &&
        $LK --json --adapter hci1 pair --via "ble:$OPENER" --name gate --pin-file "$W/pin3" | tee "$W/pair3.json" &&
        grep -q '"generation":"Opener"' "$W/pair3.json" && settled 3 "$base"
}
t_opener_rto_ring() { # ring to open on, a ring at the door opens it once, the log says so
        $LK --json --adapter hci1 --lock gate rto on | tee "$W/rto.json" | grep -q '"ring_to_open":true' &&
        ctl 3 ring | tee "$W/ring.json" | grep -q '"opened":true' &&
        $LK --json --adapter hci1 --lock gate state | tee "$W/gate-state.json" | grep -q '"ring_to_open":false' &&
        $LK --json --adapter hci1 --lock gate log | tee "$W/gate-log.json" |
                grep -q '"ring_while":"ring to open active"' &&
        grep -q '"action":"electric strike actuation"' "$W/gate-log.json" &&
        # a Smart Lock's command is refused before anything goes out
        { $LK --json --adapter hci1 --lock gate unlock > "$W/gate-unlock.json"; [ $? = 11 ]; }
}
t_opener_booking() { # a booking's code on the Opener and on the Smart Lock of the same property
        from=$(date -u -d "@$(($(date +%s) - 3600))" +%Y-%m-%dT%H:%M:00Z)
        to=$(date -u -d "@$(($(date +%s) + 2 * 86400))" +%Y-%m-%dT%H:%M:00Z)
        cat > "$W/bookings3.json" <<JSON
{"version": 1,
 "properties": [{"id": "rig-house", "locks": ["gate", "front"]}],
 "grants": [{"id": "BK-RIG-2", "property": "rig-house", "guest": "Rig Opener Guest",
             "code": "836152", "check_in": "$from", "check_out": "$to"}]}
JSON
        # its own source: this file does not speak for (and cancel) the booking above
        $LK --json grants import --source rig-opener "$W/bookings3.json" &&
        $LK --json --adapter hci1 reconcile --no-clock --lock gate | tee "$W/reconcile3.json" &&
        $LK --json --adapter hci1 --lock gate code list | grep -q 'Rig Opener Guest' &&
        $LK --json --adapter hci1 reconcile --no-clock --lock front > /dev/null &&
        $LK --json --adapter hci1 --lock front code list | grep -q 'Rig Opener Guest' &&
        ctl 3 type-code 836152 | grep -q '"completion":"success"'
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
scenario release 1 t_release
scenario back-to-back 1 t_back_to_back
scenario answer-first-50 1 t_answer_first
scenario corrupt-reply 1 t_corrupt
t_fill_log > /dev/null 2>&1
scenario log-200 1 t_log_200
scenario link-drop 1 t_drop
scenario link-recovered 1 t_recover
scenario second-lock 2 t_second_lock
scenario two-locks 1 t_two_locks
scenario booking-two-locks 2 t_booking
scenario daemon-two-locks 2 t_daemon
scenario older-firmware 2 t_older_firmware
[ -n "${BENCH:-}" ] && scenario bench 1 t_bench
scenario opener-pair 3 t_opener_pair
scenario opener-rto-ring-log 3 t_opener_rto_ring
scenario opener-booking 3 t_opener_booking

kill $SIMPID1 ${SIMPID2:-} ${SIMPID3:-} 2>/dev/null
wait 2>/dev/null
cp "$W"/sim*.log "$W"/*.json "$OUT/" 2>/dev/null
echo "failed: $fails"
[ "$fails" -eq 0 ]

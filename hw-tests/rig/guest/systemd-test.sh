#!/bin/sh
# The package under real systemd (hw-tests/rig/systemd.sh): run by latchkey-rig-test.service in
# a guest whose PID 1 is systemd. Installs the .deb, starts the service with no configuration,
# pairs the virtual lock over BLE as root on the daemon's state, imports bookings, and checks
# the code reaches the lock; kill -9, reload with a refused file, stop, upgrade.
# Prints "STEP <name> PASS|FAIL <seconds>s"; $RIG/out/rc is 0 when every step passed.
set -u
. "$(dirname "$0")/../../env"
OUT=$RIG/out
W=/tmp/w
mkdir -p "$W" && chmod 700 "$W"
export PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root
fails=0
finish() {
        echo "failed: $fails"
        journalctl -b --no-pager -o short-monotonic > "$OUT/journal.txt" 2>&1
        cp "$W"/*.log "$W"/*.json "$OUT/" 2>/dev/null
        echo "$1" > "$OUT/rc"
        sync
        echo o > /proc/sysrq-trigger
}
trap 'finish 99' EXIT
now() { date +%s.%N; }
# step NAME CMD...: run, time, report; the command's output goes to the log, indented.
step() {
        name=$1; shift
        t0=$(now)
        if "$@" > "$OUT/step-$name.out" 2>&1; then res=PASS; else res=FAIL; fails=$((fails + 1)); fi
        t1=$(now)
        echo "$t0 $t1" | awk -v n="$name" -v r="$res" '{ printf "STEP %-24s %s %6.2fs\n", n, r, $2 - $1 }'
        sed 's/^/    | /' "$OUT/step-$name.out" | tail -n 25
}
. "$RIG_SRC/guest/follow.sh"
jget() { /usr/bin/python3 -c 'import json,sys
d=json.load(sys.stdin)
for k in sys.argv[1].split("."):
    d=d[int(k)] if isinstance(d,list) else d[k]
print(d)' "$1"; }
prop() { systemctl show -P "$1" latchkey; }
LK=/usr/bin/latchkey
# The last release first when the host could build it (packaging/last-release), then this tree's.
FIRST=$RIG/latchkey.deb
[ -f "$RIG/latchkey-old.deb" ] && FIRST=$RIG/latchkey-old.deb
SIM=/usr/bin/latchkey-sim
ctl() { "$SIM" ctl --socket "$W/sim.sock" "$@"; }
state() { /usr/bin/python3 "$RIG_SRC/guest/state.py" "$@"; }
# Follow the daemon's journal from here on: waits are for its events, never sleeps.
journalctl -f -n 0 -o cat -u latchkey > "$W/daemon.log" 2>&1 &
# wait_event PATTERN COUNT SECONDS: the daemon logged PATTERN COUNT times since the test began.
wait_event() { follow "$W/daemon.log" "$1" "$2" "$3"; }

echo "pid 1: $(cat /proc/1/comm), $(systemctl --version | head -n1), kernel $(uname -r)"
echo "virtualization: $(systemd-detect-virt)"

# ---- the radio: btvirt's three controllers, bluetoothd as the distribution runs it ----------
t_radio() {
        modprobe -a bluetooth hci_vhci af_alg algif_hash algif_skcipher ecb cmac aesni_intel sha3_generic \
                sha512_generic jitterentropy_rng drbg ctr ccm ecdh_generic || return 1
        # A 9p modprobe per autoload pushed HCI_Reset past its timeout (virtual-radio.md).
        old=$(cat /proc/sys/kernel/modprobe)
        echo /bin/true > /proc/sys/kernel/modprobe
        stdbuf -oL btmon > "$W/btmon-index.log" 2>&1 &
        btmon_pid=$!
        btvirt -L -l3 > "$W/btvirt.log" 2>&1 &
        follow "$W/btmon-index.log" 'New Index' 3 20
        kill "$btmon_pid"
        echo "$old" > /proc/sys/kernel/modprobe
        # The rig's bluetoothd settings (one ATT bearer, as Nuki locks use), then the real unit.
        cp "$RIG_SRC/guest/main.conf" /etc/bluetooth/main.conf
        stdbuf -oL dbus-monitor --system "type='signal',interface='org.freedesktop.DBus.ObjectManager',member='InterfacesAdded'" \
                > "$W/dbus-added.log" 2>&1 &
        mon=$!
        systemctl start bluetooth.service || return 1
        busctl --system tree org.bluez 2>/dev/null | grep -q /org/bluez/hci2 ||
                follow "$W/dbus-added.log" 'object path "/org/bluez/hci2"' 1 30 || return 1
        kill "$mon"
        systemctl --no-pager status bluetooth | head -n 3
}
step radio t_radio

# ---- install: nothing configured, no token: the service must come up by itself ---------------
t_install() {
        [ ! -e /etc/latchkey ] && ! getent passwd latchkey || { echo "not a fresh system"; return 1; }
        # The host's / is the lower layer: a /var/lib/latchkey that a run as root left there
        # (owned by root) would be this fresh system's daemon state. Gone in the overlay only.
        [ ! -e /var/lib/latchkey ] || { echo "the host's /var/lib/latchkey hidden"; rm -rf /var/lib/latchkey; }
        # man-db's trigger would index every manual page over 9p under TCG (minutes): off, as
        # container images have it; `man latchkey` below reads the page directly.
        rm -f /var/lib/man-db/auto-update
        if [ "$FIRST" != "$RIG/latchkey.deb" ]; then
                # The last release's unit needed this file (its empty SetCredential= fallback is
                # refused by systemd 252); the upgrade below removes it and starts without.
                mkdir -p /etc/latchkey && install -m 600 /dev/null /etc/latchkey/upstream-token
        fi
        timeout 300 dpkg -i "$FIRST" || return 1
        getent passwd latchkey && getent group latchkey || return 1
        stat -c '%n %U:%G %a' /var/lib/latchkey /etc/latchkey/latchkey.conf
        [ "$(stat -c %U:%a /var/lib/latchkey)" = latchkey:700 ] || return 1
        echo "dpkg -s: $(dpkg -s latchkey | grep -E '^(Status|Version)' | tr '\n' ' ')"
        grep -q '^/etc/latchkey/latchkey.conf' /var/lib/dpkg/info/latchkey.conffiles
}
step dpkg-i t_install

write_bookings() {
        from=$(date -u -d "@$(($(date +%s) - 3600))" +%Y-%m-%dT%H:%M:00Z)
        to=$(date -u -d "@$(($(date +%s) + 2 * 86400))" +%Y-%m-%dT%H:%M:00Z)
        mkdir -m 700 -p /root/secrets
        cat > /root/secrets/bookings.json <<JSON
{"version": 1,
 "properties": [{"id": "rig-flat", "locks": ["front"]}],
 "grants": [{"id": "BK-SD-1", "property": "rig-flat", "guest": "Systemd Guest",
             "code": "735914", "check_in": "$from", "check_out": "$to"}]}
JSON
}
write_bookings
# upgrade DEB TAG: install DEB over what is there; everything the daemon kept must still be there.
upgrade() {
        state snap "$W/before-$2.json" || return 1
        echo "from $(dpkg-query -W -f '${Version}' latchkey) to $(dpkg-deb -f "$1" Version)"
        starts=$(grep -c 'event=start' "$W/daemon.log")
        # As unattended upgrades do: an operator's edited conffile stays, the package's new
        # version of it lands beside it as latchkey.conf.dpkg-dist (no prompt to hang on).
        timeout 300 dpkg -i --force-confdef --force-confold "$1" || return 1
        echo "installed: $(dpkg-query -W -f '${Version}' latchkey)"
        wait_event 'event=start' $((starts + 1)) 60 || return 1
        grep -q 'adapter = hci1' /etc/latchkey/latchkey.conf || { echo "the conffile lost its change"; return 1; }
        state snap "$W/after-$2.json" && state keeps "$W/before-$2.json" "$W/after-$2.json"
}
# As the daemon's user on its directory: what every release's CLI can do (0.1.0's had no
# switch from root to the state's owner).
as_daemon() { setpriv --reuid=latchkey --regid=latchkey --init-groups \
        env HOME=/var/lib/latchkey LATCHKEY_STATE_DIR=/var/lib/latchkey "$@"; }
# From the last release's layout: what it kept (a pairing, a code, a log cursor, bookings),
# written by its own CLI against its own virtual lock, then this tree's package over it (its
# service ran meanwhile, as the empty token file lets it: its unit's empty SetCredential= is
# refused by systemd 252).
t_upgrade_release() {
        [ "$FIRST" != "$RIG/latchkey.deb" ] || { echo "no older release was built: see the re-versioned upgrade below"; return 0; }
        d=/run/latchkey-rig-release
        mkdir -m 700 -p "$d" && printf '1234\n' > "$d/pin" && printf '246813\n' > "$d/code" &&
                cp /root/secrets/bookings.json "$d/" &&
                chmod 600 "$d/pin" "$d/code" "$d/bookings.json" && chown -R latchkey:latchkey "$d" || return 1
        # Its daemon stopped meanwhile, so it does not visit the lock the CLI is using; the
        # upgrade's restart starts this tree's.
        systemctl stop latchkey
        : > "$W/release-sim.log"
        as_daemon /usr/bin/latchkey-sim run --socket "$d/sim.sock" --state "$d/sim.state" --pin-file "$d/pin" \
                >> "$W/release-sim.log" 2>&1 &
        sim=$!
        follow "$W/release-sim.log" 'listening on' 1 30 || { cat "$W/release-sim.log"; return 1; }
        ok=0
        as_daemon /usr/bin/latchkey-sim ctl --socket "$d/sim.sock" press-button &&
                as_daemon $LK --json pair --via "sim:$d/sim.sock" --name release --pin-file "$d/pin" &&
                as_daemon $LK --json --lock release code add --name Before --code-file "$d/code" &&
                as_daemon /usr/bin/latchkey-sim ctl --socket "$d/sim.sock" type-code 246813 unlock &&
                as_daemon $LK --json --lock release log > /dev/null &&
                as_daemon $LK --json grants import "$d/bookings.json" || ok=1
        kill "$sim"; wait "$sim" 2>/dev/null
        [ "$ok" = 0 ] || return 1
        # The operator's edit of the conffile, which the upgrade must keep.
        sed -i 's/^#adapter =.*/adapter = hci1/' /etc/latchkey/latchkey.conf
        upgrade "$RIG/latchkey.deb" release || return 1
        grep -q '"cursors": {"release": [1-9]' "$W/after-release.json" || { echo "no log cursor kept"; return 1; }
        # The release's virtual lock is gone with its run: only the lock paired below stays.
        $LK --lock release forget
}
step upgrade-from-release t_upgrade_release

t_ready() { # Type=notify: active means READY=1 was sent
        echo "ActiveState=$(prop ActiveState) SubState=$(prop SubState) MainPID=$(prop MainPID)"
        echo "StatusText=$(prop StatusText)"
        [ "$(prop ActiveState)" = active ] || { journalctl -u latchkey --no-pager | tail; return 1; }
        prop StatusText | grep -q 'Waiting until .*offline (no upstream)' || return 1
        systemctl --no-pager status latchkey | head -n 12
        # The optional token: no file, an empty credential, and the service started anyway.
        ls -la /run/credentials/latchkey.service/
        [ -z "$(cat /run/credentials/latchkey.service/upstream-token)" ]
}
step ready-no-config t_ready



t_lock() { # the virtual lock on hci0, as root (it registers a GATT application)
        printf '1234\n' > "$W/simpin" && chmod 600 "$W/simpin"
        "$SIM" run --socket "$W/sim.sock" --state "$W/sim.state" --pin-file "$W/simpin" --ble --adapter hci0 \
                --verbose > "$W/sim.log" 2>&1 &
        follow "$W/sim.log" 'GATT ready' 1 30 || { cat "$W/sim.log"; busctl --system tree org.bluez; pgrep -a btvirt
                btmgmt info | grep '^hci'; systemctl --no-pager status bluetooth | tail -n 8; return 1; }
        LOCK=$(busctl --system get-property org.bluez /org/bluez/hci0 org.bluez.Adapter1 Address | cut -d'"' -f2)
        echo "virtual lock $LOCK on hci0"
}
step virtual-lock t_lock
LOCK=$(busctl --system get-property org.bluez /org/bluez/hci0 org.bluez.Adapter1 Address | cut -d'"' -f2)


# ---- the operator: root's CLI on the daemon's state ------------------------------------------
t_config() { # the daemon on hci1 (the lock is on hci0); reload re-reads the file
        sed -i 's/^#adapter =.*/adapter = hci1/' /etc/latchkey/latchkey.conf
        base=$(grep -c 'event=config-reloaded' "$W/daemon.log")
        systemctl reload latchkey || return 1
        wait_event 'event=config-reloaded' $((base + 1)) 30
}
step reload-config t_config

t_upgrade_again() { # this package over itself re-versioned: pairings, provisioned codes, log cursors
        rm -rf "$W/deb" && dpkg-deb -R "$RIG/latchkey.deb" "$W/deb" || return 1
        v=$(sed -n 's/^Version: //p' "$W/deb/DEBIAN/control")
        sed -i "s/^Version: .*/Version: $v+rig1/" "$W/deb/DEBIAN/control"
        dpkg-deb -b "$W/deb" "$W/latchkey-newer.deb" > /dev/null || return 1
        upgrade "$W/latchkey-newer.deb" again || return 1
        $LK --json grants list | grep -q '"provisioned"'
}

t_no_token() { # no token file at all: systemd 252 starts the service anyway
        rm -f /etc/latchkey/upstream-token
        systemctl restart latchkey || return 1
        echo "ActiveState=$(prop ActiveState) StatusText=$(prop StatusText)"
        ls -la /run/credentials/latchkey.service/
        [ "$(prop ActiveState)" = active ] && [ -z "$(cat /run/credentials/latchkey.service/upstream-token)" ]
}
step no-token-file t_no_token

t_pair() { # root pairs over BLE; the CLI acts as user latchkey, through the package's D-Bus policy
        printf '1234\n' > /root/secrets/pin && chmod 600 /root/secrets/pin
        ctl press-button > /dev/null || return 1
        $LK --json --adapter hci1 pair --via "ble:$LOCK" --name front --pin-file /root/secrets/pin || return 1
        ls -la /var/lib/latchkey /var/lib/latchkey/locks
        bad=$(find /var/lib/latchkey ! -user latchkey -o -type f -perm /077 -o -type d ! -perm 0700)
        [ -z "$bad" ] || { echo "not the daemon's or loosened: $bad"; return 1; }
}
step pair-as-root t_pair

t_bookings() { # a bookings file imported by root, provisioned by the daemon after a reload
        $LK --json grants import /root/secrets/bookings.json || return 1
        base=$(grep -c 'event=reconcile-complete locks=1' "$W/daemon.log")
        systemctl reload latchkey || return 1
        wait_event 'event=reconcile-complete locks=1' $((base + 1)) 120 || { tail "$W/daemon.log"; return 1; }
        $LK --json grants list | tee "$W/grants.json" | grep -q '"provisioned"'
}
step bookings-to-lock t_bookings

t_keypad() { # the guest's code opens the virtual lock
        ctl type-code 735914 unlock | tee "$W/right.json" && ctl type-code 111111 unlock > "$W/wrong.json" || return 1
        [ "$(jget completion < "$W/right.json")" = success ] || return 1
        [ "$(jget completion < "$W/wrong.json")" != success ] || { echo "a wrong code opened the lock"; return 1; }
        echo "StatusText=$(prop StatusText)"
}
step code-opens-lock t_keypad
step upgrade-keeps-state t_upgrade_again



t_surface() {
        $LK --version || return 1
        MANPAGER=cat MANWIDTH=80 man latchkey 2>/dev/null | head -n 12 | tee "$W/man.txt"
        grep -q 'latchkey' "$W/man.txt" || return 1
        # bash completion of "latchkey gr<TAB>", through bash-completion as a shell would.
        words=$(bash -c '. /usr/share/bash-completion/bash_completion
                . /usr/share/bash-completion/completions/latchkey
                f=$(complete -p latchkey | sed "s/.*-F \([^ ]*\) .*/\1/")
                COMP_LINE="latchkey gr"; COMP_POINT=${#COMP_LINE}; COMP_WORDS=(latchkey gr); COMP_CWORD=1
                $f latchkey gr latchkey; echo "${COMPREPLY[@]}"')
        echo "latchkey gr<TAB> -> $words"
        [ "$words" = grants ]
}
step version-man-completion t_surface

t_start() { # systemctl start, as an operator would after a stop
        systemctl stop latchkey && systemctl start latchkey || return 1
        echo "ActiveState=$(prop ActiveState) NRestarts=$(prop NRestarts)"
        [ "$(prop ActiveState)" = active ]
}
step systemctl-start t_start

t_kill() { # SIGKILL: systemd restarts it, nothing is lost
        state snap "$W/before-kill.json" || return 1
        n0=$(prop NRestarts) starts=$(grep -c 'event=start' "$W/daemon.log")
        systemctl kill -s KILL latchkey || return 1
        wait_event 'event=start' $((starts + 1)) 60 || return 1
        n1=$(prop NRestarts)
        echo "NRestarts $n0 -> $n1, ActiveState=$(prop ActiveState)"
        [ "$n1" = $((n0 + 1)) ] && [ "$(prop ActiveState)" = active ] || return 1
        state snap "$W/after-kill.json" && state keeps "$W/before-kill.json" "$W/after-kill.json"
}
step kill-9-restart t_kill

t_refused() { # a file the new rules refuse: named in the journal and in STATUS=, then fixed
        cp /etc/latchkey/latchkey.conf "$W/good.conf"
        printf '[lifecycle]\ngrace = 1h\ngrace = 2h\n' >> /etc/latchkey/latchkey.conf
        base=$(grep -c 'event=config-refused' "$W/daemon.log")
        systemctl reload latchkey || return 1
        wait_event 'event=config-refused' $((base + 1)) 30 || return 1
        grep 'event=config-refused' "$W/daemon.log" | tail -n 1
        echo "StatusText=$(prop StatusText)"
        prop StatusText | grep -q "Configuration refused, running with the previous one: /etc/latchkey/latchkey.conf:[0-9]*: 'grace' in \[lifecycle\] is set a second time: keep one" || return 1
        chmod 666 /etc/latchkey/latchkey.conf && cp "$W/good.conf" /etc/latchkey/latchkey.conf
        systemctl restart latchkey || return 1
        echo "after a restart with a world-writable file: StatusText=$(prop StatusText)"
        prop StatusText | grep -q "Not working, configuration refused: .*chmod go-w /etc/latchkey/latchkey.conf" || return 1
        chmod 644 /etc/latchkey/latchkey.conf
        base=$(grep -c 'event=config-reloaded' "$W/daemon.log")
        systemctl reload latchkey && wait_event 'event=config-reloaded' $((base + 1)) 30 || return 1
        echo "fixed: StatusText=$(prop StatusText)"
        prop StatusText | grep -q '^Waiting until'
}
step refused-config t_refused


t_stop() { # a clean stop: SIGTERM, event=stop, exit 0
        base=$(grep -c 'event=stop' "$W/daemon.log")
        systemctl stop latchkey || return 1
        wait_event 'event=stop' $((base + 1)) 10 || return 1
        echo "ActiveState=$(prop ActiveState) Result=$(prop Result) ExecMainStatus=$(prop ExecMainStatus)"
        [ "$(prop Result)" = success ] && [ "$(prop ExecMainStatus)" = 0 ]
}
step systemctl-stop t_stop

echo "--- journal of latchkey.service ---"
journalctl -u latchkey --no-pager -o short-monotonic | tail -n 40
trap - EXIT
finish $([ "$fails" -eq 0 ] && echo 0 || echo 1)

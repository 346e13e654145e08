#!/usr/bin/env python3
"""make demo prints commands a reader can paste into a shell as they are.

Runs scripts/demo, takes every line it prints after "$ ", and checks that each one is a shell
command as written: it parses, its program is found with the environment line the demo prints
first, and the ones the demo offers to go on with run as printed (the virtual lock's line with
--ready-fd added, so nothing here waits by sleeping). Usage: demo-pasteable.py SRC BUILD
"""
import os
import re
import shlex
import subprocess
import sys
import tempfile

src, build = sys.argv[1], sys.argv[2]
env = {k: v for k, v in os.environ.items() if k not in ("LATCHKEY_STATE_DIR", "XDG_STATE_HOME")}
env["PATH"] = "/usr/bin:/bin"  # nothing of ours on PATH: the printed line must put it there
demo = subprocess.run(["bash", os.path.join(src, "scripts/demo"), build], env=env, stdout=subprocess.PIPE,
                      stderr=subprocess.STDOUT, text=True, timeout=900)
out = re.sub(r"\x1b\[[0-9;]*m", "", demo.stdout)
if demo.returncode != 0:
    sys.exit("make demo failed (%d):\n%s" % (demo.returncode, out))
lines = [l[2:] for l in out.splitlines() if l.startswith("$ ")]
exports = [l for l in lines if l.startswith("export ")]
if not exports or lines[0] != exports[0]:
    sys.exit("the demo does not print its environment line first:\n" + "\n".join(lines[:3]))
export = exports[0]
failures = []


def shell(cmd, **kw):
    return subprocess.run(["bash", "-c", export + "\n" + cmd], env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, timeout=120, **kw)


for line in lines:
    if subprocess.run(["bash", "-n", "-c", line]).returncode != 0:
        failures.append("does not parse: " + line)
        continue
    words = shlex.split(line.rstrip("&").strip())
    prog = words[0]
    if prog in ("export", "rm"):
        continue
    if shell("type -P %s >/dev/null" % shlex.quote(prog)).returncode != 0:
        failures.append("no program %r on the printed PATH: %s" % (prog, line))
    if prog == "latchkey-sim" and words[1] in ("press-button", "type-code") and "--socket" not in words:
        failures.append("names no socket: " + line)

# What the demo offers to go on with, as printed.
sim_line = next((l for l in lines if l.startswith("latchkey-sim run ")), None)
state_line = next((l for l in reversed(lines) if l.endswith(" state") and l.startswith("latchkey ")), None)
rm_line = next((l for l in lines if l.startswith("rm -rf ")), None)
if not (sim_line and state_line and rm_line):
    failures.append("the closing lines (virtual lock, state, rm) are missing")
else:
    with tempfile.TemporaryDirectory() as tmp:
        fifo = os.path.join(tmp, "ready")
        os.mkfifo(fifo)
        sim = subprocess.Popen(["bash", "-c", "%s\nexec %s --ready-fd 3 3>%s >/dev/null" %
                                (export, sim_line.rstrip("&").strip(), shlex.quote(fifo))], env=env)
        with open(fifo) as f:
            ready = f.readline()  # READY once it listens
        try:
            if not ready:
                failures.append("the printed virtual lock did not start: " + sim_line)
            else:
                for cmd in ("latchkey locks", state_line):
                    r = shell(cmd)
                    if r.returncode != 0:
                        failures.append("%s: exit %d: %s" % (cmd, r.returncode, r.stdout.strip()))
        finally:
            sim.terminate()
            sim.wait()
    if shell(rm_line).returncode != 0 or os.path.exists(shlex.split(rm_line)[2]):
        failures.append("the printed clean-up did not remove the demo's files: " + rm_line)

if failures:
    sys.exit("make demo's printed commands are not pasteable:\n  " + "\n  ".join(failures))
print("%d printed commands checked" % len(lines))

#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""
The command examples of README.md and docs/*.md work as written.

Every code block that runs latchkey or latchkey-sim carries a marker on the line before it:

    <!-- example: run ... -->     run it, as written, in the reader's session
    <!-- example: skip (why) -->  leave it out (a radio, a system service, a placeholder), saying why

A block without a marker fails this test, so no example is left out silently. The blocks marked
run execute in document order (README.md first, then docs/ by name) as one bash session with
`set -euo pipefail`, the way a reader types them in one terminal: in a scratch directory that
holds `examples/` and `build/` as in a checkout, with HOME there too (nothing of the machine's
own state is touched), no controlling terminal (a prompt fails at once instead of waiting),
and the built binaries first on PATH. Every process the blocks start is stopped at the end.

Usage: doc-examples.py BUILD_DIR SOURCE_DIR
"""
import os
import re
import signal
import subprocess
import sys
import tempfile

BUILD, SOURCE = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
MARKER = re.compile(r"^\s*<!--\s*example:\s*(run|skip)\b(.*?)-->\s*$")
COMMAND = re.compile(r"(?:^|[|;&(`]|\$\()\s*(?:sudo\s+)?(?:[A-Z_]+=\S*\s+)*(?:\S*/)?(latchkey|latchkey-sim)(?:\s|$)")


def blocks(path):
    """(start line, marker kind or None, marker text, lines) of each fenced or indented block."""
    lines = open(path, encoding="utf-8").read().splitlines()
    i, prev_blank = 0, True
    while i < len(lines):
        line = lines[i]
        fence = re.match(r"^(\s*)```", line)
        indented = line.startswith("    ") and prev_blank and line.strip()
        if fence or indented:
            start = i
            if fence:
                body, i = [], i + 1
                while i < len(lines) and not lines[i].strip().startswith("```"):
                    body.append(lines[i][len(fence.group(1)):])
                    i += 1
            else:
                body = []
                while i < len(lines) and (lines[i].startswith("    ") or not lines[i].strip()):
                    body.append(lines[i][4:])
                    i += 1
                i -= 1
                while body and not body[-1].strip():
                    body.pop()
            k = start - 1
            while k >= 0 and not lines[k].strip():
                k -= 1
            m = MARKER.match(lines[k]) if k >= 0 else None
            yield start + 1, (m.group(1) if m else None), (m.group(2).strip() if m else ""), body
            prev_blank = False
        else:
            prev_blank = not line.strip()
        i += 1


def main():
    docs = [os.path.join(SOURCE, "README.md")]
    docs += sorted(os.path.join(SOURCE, "docs", f) for f in os.listdir(os.path.join(SOURCE, "docs"))
                   if f.endswith(".md"))
    problems, script, where = [], ["set -euo pipefail"], {}
    runs = skips = 0
    for path in docs:
        rel = os.path.relpath(path, SOURCE)
        for start, kind, why, body in blocks(path):
            if not any(COMMAND.search(l) for l in body):
                continue
            if kind is None:
                problems.append("%s:%d: a block with latchkey commands has no '<!-- example: run|skip (why) -->' "
                                "marker" % (rel, start))
            elif kind == "skip":
                skips += 1
                if not why:
                    problems.append("%s:%d: '<!-- example: skip -->' needs its reason" % (rel, start))
            else:
                runs += 1
                script.append("echo '### %s:%d' >&2" % (rel, start))
                for n, l in enumerate(body, start + 1):
                    where[len(script) + 2] = "%s:%d" % (rel, n)
                    script.append(l)
    if problems:
        for p in problems:
            print("FAIL: " + p)
        return 1

    with tempfile.TemporaryDirectory(prefix="latchkey-doc-examples.") as tmp:
        os.symlink(os.path.join(SOURCE, "examples"), os.path.join(tmp, "examples"))
        os.symlink(BUILD, os.path.join(tmp, "build"))
        os.mkdir(os.path.join(tmp, "home"))
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("LATCHKEY_", "XDG_", "CREDENTIALS_DIRECTORY"))}
        env.update(HOME=os.path.join(tmp, "home"), TMPDIR=tmp, ASAN_OPTIONS="detect_leaks=0",
                   PATH=os.path.join(BUILD, "bin") + ":/usr/bin:/bin")
        if os.geteuid() == 0:
            # Root's default state directory is the machine's /var/lib/latchkey (the daemon's):
            # the examples keep theirs in the scratch directory like everyone else's.
            env["LATCHKEY_STATE_DIR"] = os.path.join(tmp, "home", "state")
        text = "\n".join(script) + "\n"
        # Output to a file, not a pipe: a lock left in the background keeps a pipe open forever.
        with open(os.path.join(tmp, "output"), "w+") as log:
            p = subprocess.Popen(["bash", "-c", 'trap \'echo "FAILED at script line $LINENO: $BASH_COMMAND" >&2\' ERR\n'
                                  + text], cwd=tmp, env=env, stdin=subprocess.DEVNULL, stdout=log,
                                 stderr=subprocess.STDOUT, text=True, start_new_session=True)
            try:
                p.wait(timeout=600)
            finally:
                try:
                    os.killpg(p.pid, signal.SIGKILL)  # the locks the blocks started, if any remain
                except ProcessLookupError:
                    pass
                p.wait()
            log.seek(0)
            out = log.read()
        print(out, end="")
        if p.returncode != 0:
            m = re.search(r"FAILED at script line (\d+): (.*)", out)
            line = int(m.group(1)) if m else 0
            print("FAIL: the example at %s exits %d: %s" % (where.get(line, "?"), p.returncode,
                                                          m.group(2) if m else ""))
            return 1
    print("doc-examples: %d blocks run as written, %d skipped with a reason" % (runs, skips))
    return 0


if __name__ == "__main__":
    sys.exit(main())

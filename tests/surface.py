#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""
The command-line surface agrees with itself. The command tables (src/cli/cli-table.c for latchkey,
hw-tests/sim/prog-cli.c and prog-ctl.c for latchkey-sim), read through `latchkey-surface
list`, are the reference; this checks against them:

  help        latchkey --help, every COMMAND --help and GROUP --help; latchkey-sim's helps
  parser      every flag in the table is taken and handled by its command
  man pages   the generated latchkey(1) and latchkey-sim(1): groff reports nothing, every
              command, flag, control request and exit code is there, references resolve
  completion  the generated bash completion, driven through bash-completion
  docs        every latchkey / latchkey-sim line in README.md, docs/ and the man templates
              names commands and flags that exist; every repository path they name exists;
              README's exit codes are the table's

Usage: surface.py BUILD_DIR SOURCE_DIR
"""
import glob
import os
import re
import shlex
import subprocess
import sys
import tempfile

BUILD, SOURCE = sys.argv[1], sys.argv[2]
LATCHKEY = os.path.join(BUILD, "bin", "latchkey")
SIM = os.path.join(BUILD, "bin", "latchkey-sim")
SURFACE = os.path.join(BUILD, "tools", "latchkey-surface")
MAN = os.path.join(BUILD, "man")
COMPLETION = os.path.join(BUILD, "completion", "latchkey")
ENV = dict(os.environ, ASAN_OPTIONS="detect_leaks=0", LC_ALL="C.UTF-8", TZ="UTC")

failures = []


def fail(what):
    failures.append(what)


def run(argv, timeout=60, env=None):
    p = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, env=env or ENV)
    return p.returncode, p.stdout, p.stderr


# ---- the tables ----------------------------------------------------------------------------

class Table:
    def __init__(self, rows):
        self.groups = []
        self.commands = {}     # name -> synopsis, in table order
        self.flags = {}        # command -> [(long, short, arg, values)]
        self.globals = []      # [(long, short, arg, values)]
        self.exits = []        # [(code, meaning)]
        self.sim_commands = {}
        self.sim_flags = {}
        self.sim_requests = {}  # name -> usage
        self.sim_exits = []
        for row in rows:
            kind, rest = row[0], row[1:]
            if kind == "group":
                self.groups.append(rest[0])
            elif kind == "command":
                self.commands[rest[0]] = rest[1]
                self.flags.setdefault(rest[0], [])
            elif kind == "flag":
                self.flags[rest[0]].append(tuple(rest[1:5]))
            elif kind == "global":
                self.globals.append(tuple(rest[1:5]))
            elif kind == "exit":
                self.exits.append((int(rest[0]), rest[1]))
            elif kind == "sim-command":
                self.sim_commands[rest[0]] = rest[1]
                self.sim_flags.setdefault(rest[0], [])
            elif kind == "sim-flag":
                self.sim_flags[rest[0]].append(tuple(rest[1:5]))
            elif kind == "sim-request":
                self.sim_requests[rest[0]] = rest[1]
            elif kind == "sim-exit":
                self.sim_exits.append((int(rest[0]), rest[1]))
            else:
                fail("latchkey-surface list: unknown row %r" % row)

    def all_flags(self, cmd):
        return self.flags.get(cmd, []) + self.globals

    def flag_names(self, cmd):
        return {f[0] for f in self.all_flags(cmd)} | {f[1] for f in self.all_flags(cmd) if f[1]}

    def group_verbs(self, group):
        return [c.split(" ", 1)[1] for c in self.commands if c.startswith(group + " ")]

    def top_words(self):
        words = []
        for c in self.commands:
            w = c.split(" ")[0]
            if w not in words:
                words.append(w)
        return words


def load_table():
    code, out, err = run([SURFACE, "list"])
    if code != 0:
        sys.exit("latchkey-surface list failed: " + err)
    return Table([line.split("\t") for line in out.splitlines()])


def check_table(t):
    """The table itself: no flag twice in a command, no command flag shadowing a global."""
    glong = {f[0] for f in t.globals}
    gshort = {f[1] for f in t.globals if f[1]}
    for cmd, flags in t.flags.items():
        longs = [f[0] for f in flags]
        shorts = [f[1] for f in flags if f[1]]
        for dup in {x for x in longs + shorts if (longs + shorts).count(x) > 1}:
            fail("table: %s has %s twice" % (cmd, dup))
        for x in set(longs) & glong | set(shorts) & gshort:
            fail("table: %s's %s is also a global flag" % (cmd, x))
        for tok in re.findall(r"--[a-z][a-z0-9-]*", t.commands[cmd]):
            if tok not in t.flag_names(cmd):
                fail("table: %s's synopsis names %s, which it does not take" % (cmd, tok))
    for g in t.groups:
        if not t.group_verbs(g):
            fail("table: group %s has no commands" % g)
    for c in t.commands:
        if " " in c and c.split(" ")[0] not in t.groups:
            fail("table: %s is not in a known group" % c)


# ---- help ------------------------------------------------------------------------------------

def help_flags(text):
    return set(re.findall(r"(?<![\w-])(--[a-z][a-z0-9-]*)", text))


def check_help(t):
    code, out, _ = run([LATCHKEY, "--help"])
    if code != 0:
        fail("latchkey --help exits %d" % code)
    listed = re.findall(r"^  ([a-z]+(?: [a-z]+)?)  ", out.split("Options")[0], re.M)
    if listed != list(t.commands):
        fail("latchkey --help lists %s, the table %s" % (listed, list(t.commands)))
    for f in t.globals:
        if f[0] not in out:
            fail("latchkey --help leaves out %s" % f[0])
    if "ble:ADDRESS" not in out:
        fail("latchkey --help does not say --via ble:ADDRESS")
    for c, meaning in t.exits:
        if not re.search(r"^  %d +%s" % (c, re.escape(meaning.split(" ")[0])), out, re.M):
            fail("latchkey --help leaves out exit code %d" % c)
    for f in help_flags(out.split("\nOptions")[1]) - {f[0] for f in t.globals} - {"--daily"}:
        fail("latchkey --help names %s, which is not a global flag" % f)
    for line in re.findall(r"^  ([a-z]+(?: [a-z]+)?)  +(.*)$", out.split("Options")[0], re.M):
        for f in help_flags(line[1]) - t.flag_names(line[0]):
            fail("latchkey --help: %s's summary names %s, which it does not take" % (line[0], f))

    for cmd, synopsis in t.commands.items():
        code, out, _ = run([LATCHKEY] + cmd.split(" ") + ["--help"])
        first = out.splitlines()[0] if out else ""
        want = ("Usage: latchkey %s [OPTIONS] %s" % (cmd, synopsis)).rstrip()
        if code != 0 or first != want:
            fail("latchkey %s --help: exit %d, first line %r, want %r" % (cmd, code, first, want))
        options = out.split("\nOptions:\n", 1)[-1].split("\nGlobal options", 1)[0]
        for f in t.flags[cmd]:
            if not re.search(r"^  %s--%s\b" % (re.escape(f[1] + ", ") if f[1] else "    ", re.escape(f[0][2:])), options, re.M):
                fail("latchkey %s --help does not explain %s" % (cmd, f[0]))
        for f in help_flags(out) - t.flag_names(cmd):
            fail("latchkey %s --help names %s, which it does not take" % (cmd, f))
        for f in t.globals:
            if f[0] not in out:
                fail("latchkey %s --help does not mention the global %s" % (cmd, f[0]))

    for g in t.groups:
        code, out, _ = run([LATCHKEY, g, "--help"])
        if code != 0:
            fail("latchkey %s --help exits %d" % (g, code))
        for v in t.group_verbs(g):
            if not re.search(r"^  %s %s\b" % (g, v), out, re.M):
                fail("latchkey %s --help leaves out %s %s" % (g, g, v))

    code, out, _ = run([SIM, "--help"])
    if code != 0:
        fail("latchkey-sim --help exits %d" % code)
    for c in t.sim_commands:
        if not re.search(r"^  %s\b" % re.escape(c), out, re.M):
            fail("latchkey-sim --help leaves out %s" % c)
    for usage in t.sim_requests.values():
        if usage not in out:
            fail("latchkey-sim --help leaves out the request %r" % usage)
    for c, flags in t.sim_flags.items():
        if not flags:
            continue  # 'help': it is the help
        code, out, _ = run([SIM, c, "--help"])
        if code != 0 or not out.startswith("Usage: latchkey-sim %s" % c):
            fail("latchkey-sim %s --help: exit %d" % (c, code))
        for f in flags:
            if not re.search(r"^  %s\b" % re.escape(f[0]), out, re.M):
                fail("latchkey-sim %s --help does not explain %s" % (c, f[0]))
        for f in help_flags(out.split("\nControl requests")[0]) - {f[0] for f in flags}:
            fail("latchkey-sim %s --help names %s, which it does not take" % (c, f))
    code, out, _ = run([SIM, "--version"])
    if code != 0 or not out.startswith("latchkey-sim "):
        fail("latchkey-sim --version: exit %d %r" % (code, out))


# ---- parser ----------------------------------------------------------------------------------

SAMPLE = {"FILE": "/nonexistent/surface-test", "NAME": "surface-test", "TIME": "now", "DURATION": "1h",
          "N": "1", "URL": "https://127.0.0.1:9", "LIST": "mon", "HH:MM-HH:MM": "08:00-09:00", "DIR": "/nonexistent"}


def check_parser(t):
    """Each command takes and handles every flag its table row lists: given one, it fails later
    for what it is for (nothing paired, no such file), never with "unknown option" or exit 1
    (the bare "failed" of an id its code does not handle, or cli_getopt_none's internal error)."""
    import json
    with tempfile.TemporaryDirectory() as state:
        for cmd, flags in t.flags.items():
            for f in flags:
                argv = [LATCHKEY, "--json", "--state-dir", state, "--timeout", "1"] + cmd.split(" ") + [f[0]]
                if f[2]:
                    argv.append(f[3].split(" ")[0] if f[3] else SAMPLE.get(f[2], "x"))
                if cmd == "daemon":
                    argv += ["--config", "/nonexistent/surface-test.conf"]
                if t.commands[cmd].startswith(("ID", "AUTH_ID")):
                    argv.append("1")
                code, out, err = run(argv, timeout=60)
                try:
                    msg = json.loads(out)["error"]["message"] if code else ""
                except (ValueError, KeyError):
                    fail("latchkey %s %s: no JSON (exit %d): %r %r" % (cmd, f[0], code, out, err))
                    continue
                if "unknown option" in msg or "needs a value" in msg or code == 1:
                    fail("latchkey %s does not handle %s: exit %d, %r" % (cmd, f[0], code, msg))


# ---- man pages -------------------------------------------------------------------------------

def render(page):
    code, _, err = run(["groff", "-man", "-Tutf8", "-ww", "-z", page])
    if code != 0 or err.strip():
        fail("groff warns about %s: %s" % (os.path.basename(page), err.strip()))
    code, out, err = run(["groff", "-man", "-Tutf8", "-P-cbou", page], env=dict(ENV, MANWIDTH="200"))
    if code != 0:
        fail("groff cannot render %s: %s" % (page, err))
    return out


def sections(text):
    """{section title: text} of a rendered page, and {subsection: text} within each."""
    out, title = {}, None
    for line in text.splitlines():
        if re.match(r"^[A-Z][A-Z ]+$", line):
            title = line.strip()
            out[title] = ""
        elif title:
            out[title] += line + "\n"
    return out


def subsections(text):
    out, title = {}, None
    for line in text.splitlines():
        m = re.match(r"^   (\S.*)$", line)
        if m:
            title = m.group(1).strip()
            out[title] = ""
        elif title:
            out[title] += line + "\n"
    return out


def check_references(name, text):
    ours = {"latchkey", "latchkey-sim"}
    for page, sec in set(re.findall(r"(?<![\w/.-])([a-z][a-z0-9._-]*)\((\d)\)", text)):
        if page in ours and sec == "1":
            continue
        if run(["man", "-w", "%s.%s" % (page, sec)])[0] != 0:
            fail("%s points to %s(%s), which does not exist here" % (name, page, sec))


def check_man(t):
    text = render(os.path.join(MAN, "latchkey.1"))
    s = sections(text)
    subs = subsections(s.get("COMMANDS", ""))
    if list(subs) != list(t.commands):
        fail("latchkey(1) COMMANDS has %s, the table %s" % (list(subs), list(t.commands)))
    for cmd in t.commands:
        body = subs.get(cmd, "")
        if ("latchkey %s [OPTIONS] %s" % (cmd, t.commands[cmd])).strip() not in " ".join(body.split()):
            fail("latchkey(1) %s has no synopsis line" % cmd)
        for f in t.flags[cmd]:
            if f[0] not in body:
                fail("latchkey(1) %s does not explain %s" % (cmd, f[0]))
        for f in help_flags(body) - t.flag_names(cmd):
            fail("latchkey(1) %s names %s, which it does not take" % (cmd, f))
    for f in t.globals:
        if f[0] not in s.get("OPTIONS", ""):
            fail("latchkey(1) OPTIONS leaves out %s" % f[0])
    for c, _ in t.exits:
        if not re.search(r"^       %d\b" % c, s.get("EXIT STATUS", ""), re.M):
            fail("latchkey(1) EXIT STATUS leaves out %d" % c)
    check_references("latchkey(1)", text)

    text = render(os.path.join(MAN, "latchkey-sim.1"))
    s = sections(text)
    subs = subsections(s.get("COMMANDS", ""))
    if list(subs) != list(t.sim_commands):
        fail("latchkey-sim(1) COMMANDS has %s, the table %s" % (list(subs), list(t.sim_commands)))
    for c, flags in t.sim_flags.items():
        for f in flags:
            if f[0] not in subs.get(c, ""):
                fail("latchkey-sim(1) %s does not explain %s" % (c, f[0]))
    for usage in t.sim_requests.values():
        if usage not in " ".join(s.get("CONTROL REQUESTS", "").split()):
            fail("latchkey-sim(1) CONTROL REQUESTS leaves out %r" % usage)
    for c, _ in t.sim_exits:
        if not re.search(r"^       %d\b" % c, s.get("EXIT STATUS", ""), re.M):
            fail("latchkey-sim(1) EXIT STATUS leaves out %d" % c)
    check_references("latchkey-sim(1)", text)


# ---- completion ------------------------------------------------------------------------------

def check_completion(t):
    bc = "/usr/share/bash-completion/bash_completion"
    if not os.path.exists(bc):
        fail("bash-completion is not installed (scripts/install-deps installs it)")
        return
    cases = [(["latchkey", ""], t.top_words()), (["latchkey", "gr"], ["grants"])]
    for g in t.groups:
        cases.append((["latchkey", g, ""], t.group_verbs(g)))
        cases.append((["latchkey", "--lock", "x", g, ""], t.group_verbs(g)))
    for cmd in t.commands:
        cases.append((["latchkey"] + cmd.split(" ") + ["--"], [f[0] for f in t.all_flags(cmd)]))
        for f in t.all_flags(cmd):
            if f[3] and not f[3].endswith(":"):
                cases.append((["latchkey"] + cmd.split(" ") + [f[0], ""], f[3].split(" ")))
    cases.append((["latchkey", "--", ""], [f[0] for f in t.globals]))
    # Lock names come from the state directory on the line (its locks/NAME.lock files).
    states = tempfile.TemporaryDirectory()
    os.makedirs(os.path.join(states.name, "locks"))
    for name in ("front-door", "flat-door"):
        open(os.path.join(states.name, "locks", name + ".lock"), "w").close()
    cases.append((["latchkey", "--state-dir", states.name, "state", "--lock", "f"], ["front-door", "flat-door"]))
    script = ["source %s" % bc, "source %s" % shlex.quote(COMPLETION), "compopt() { :; }",
              'c() { COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}; '
              'COMPREPLY=(); _latchkey latchkey "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"; '
              'printf "%s\\n" "${COMPREPLY[*]}"; }']
    for words, _ in cases:
        if words == ["latchkey", "--", ""]:
            words = ["latchkey", "--"]
        script.append("c " + " ".join(shlex.quote(w) for w in words))
    code, out, err = run(["bash", "-c", "\n".join(script)])
    got = out.split("\n")
    if code != 0 or len(got) < len(cases):
        fail("the completion script failed (exit %d): %s" % (code, err))
        return
    for (words, want), line in zip(cases, got):
        if sorted(line.split()) != sorted(want):
            fail("completing %r offers %s, want %s" % (" ".join(words), sorted(line.split()), sorted(want)))


# ---- docs ------------------------------------------------------------------------------------

def doc_snippets(path):
    """(line number, text) of the code in a Markdown file (fenced and indented blocks, inline
    spans) or a man template (.nf blocks)."""
    text = open(path, encoding="utf-8").read()
    if path.endswith(".1.in"):
        nf = False
        for n, line in enumerate(text.splitlines(), 1):
            if line.startswith((".nf", ".fi")):
                nf = line.startswith(".nf")
            elif nf:
                yield n, re.sub(r"\\f[BIRP]", "", line).replace("\\-", "-").replace("\\e", "\\")
        return
    fenced, prev_code, prev_blank = False, False, True
    for n, line in enumerate(text.splitlines(), 1):
        if line.lstrip().startswith("```"):
            fenced = not fenced
            continue
        code = fenced or (line.startswith("    ") and (prev_blank or prev_code))
        if code:
            yield n, line
        else:
            for span in re.findall(r"`([^`]+)`", line):
                yield n, span
        prev_code, prev_blank = code and not fenced, not line.strip()


def commands_in(snippet):
    """(program, words after it) for each latchkey / latchkey-sim at a command position."""
    for piece in re.split(r"\|\|?|&&|;|\$\(|^\s*\(|`", snippet):
        words = piece.split()
        while words and (re.match(r"^[A-Z_]+=", words[0]) or words[0] in ("$", "sudo", "exec", "run", "time")):
            words = words[1:]
        if words and os.path.basename(words[0]) in ("latchkey", "latchkey-sim"):
            yield os.path.basename(words[0]), words_of(piece.split(words[0], 1)[1])


SHELL_STOP = {"|", "||", "&&", ";", "&", ">", ">>", "<", "2>", "#"}


def words_of(text):
    try:
        lex = shlex.shlex(text, posix=True, punctuation_chars="|&;<>")
        lex.whitespace_split = True
        lex.commenters = "#"
        words = list(lex)
    except ValueError:
        words = text.split()
    out = []
    for w in words:
        if w in SHELL_STOP or w.startswith(("|", "&", ";", ">", "<")):
            break
        out.append(w)
    return out


def check_line(t, where, words):
    """words start after 'latchkey'. Commands and flags must exist; CAPS are placeholders."""
    cmd, i = None, 0
    while i < len(words):
        w = words[i].strip("[]()|")
        if not w:
            i += 1
            continue
        if w.startswith("-"):
            name = w.split("=")[0]
            f = next((f for f in t.globals if name in (f[0], f[1])), None)
            if cmd is None and f is None:
                break  # a command's flag before the command: checked below with it
            i += 2 if f and f[2] and "=" not in w else 1
            continue
        if w.isupper() or not re.match(r"^[a-z]+$", w):
            return  # COMMAND, GROUP, a path: a placeholder line, not an example
        two = " ".join([w] + [x.strip("[]()|") for x in words[i + 1:i + 2]])
        if two in t.commands:
            cmd, i = two, i + 2
        elif w in t.commands:
            cmd, i = w, i + 1
        elif w in t.groups:
            return  # 'latchkey code' alone, or with --help: a group
        else:
            fail("%s: 'latchkey %s' is not a command" % (where, " ".join(words)))
            return
        break
    for w in words[i:]:
        for name in re.findall(r"(?<![\w-])(--[a-z][a-z0-9-]*|-[a-z])\b", w.split("=")[0]):
            if cmd and name not in t.flag_names(cmd) or not cmd and name not in {f[0] for f in t.globals} | {f[1] for f in t.globals}:
                fail("%s: 'latchkey %s': %s is not a flag of %s" % (where, " ".join(words), name, cmd or "latchkey"))


def check_sim_line(t, where, words):
    if not words or not re.match(r"^[a-z-]+$", words[0]):
        return
    cmd = words[0]
    if cmd not in t.sim_commands:
        if not cmd.startswith("-"):
            fail("%s: 'latchkey-sim %s' is not a command" % (where, " ".join(words)))
        return
    names = {f[0] for f in t.sim_flags[cmd]}
    rest = words[1:]
    for k, w in enumerate(rest):
        if w.startswith("--") and w.split("=")[0] not in names and w != "--help":
            fail("%s: 'latchkey-sim %s': %s is not a flag of %s" % (where, " ".join(words), w, cmd))
    if cmd == "ctl":
        req = [w for k, w in enumerate(rest) if not w.startswith("-") and (k == 0 or rest[k - 1] != "--socket")]
        if req and req[0] not in t.sim_requests and not req[0].isupper():
            fail("%s: 'latchkey-sim ctl %s': no such control request" % (where, req[0]))


PATH_RE = re.compile(r"(?<![\w./-])((?:docs|src|tests|hw-tests|packaging|completion|examples|scripts|include|"
                     r"proto|ble|bench|tools|\.ci)/[\w./*-]*[\w/*])")


def check_docs(t):
    files = [os.path.join(SOURCE, "README.md")]
    files += sorted(os.path.join(SOURCE, "docs", f) for f in os.listdir(os.path.join(SOURCE, "docs"))
                    if f.endswith((".md", ".1.in")))
    for path in files:
        rel = os.path.relpath(path, SOURCE)
        for n, snippet in doc_snippets(path):
            where = "%s:%d" % (rel, n)
            for prog, words in commands_in(snippet):
                (check_sim_line if prog == "latchkey-sim" else check_line)(t, where, words)
        if path.endswith(".md"):
            for n, line in enumerate(open(path, encoding="utf-8").read().splitlines(), 1):
                for p in PATH_RE.findall(line):
                    if re.search(r"[A-Z]{3,}|<", p) or p.startswith("tests/fuzz/corpus/"):
                        continue
                    if not glob.glob(os.path.join(SOURCE, p)):
                        fail("%s:%d names %s, which does not exist" % (rel, n, p))
    # README's exit codes are the table's.
    readme = open(os.path.join(SOURCE, "README.md"), encoding="utf-8").read()
    m = re.search(r"\*\*Exit codes\b(.*?)(?:\n\n|\n- |\n#)", readme, re.S)
    if not m:
        fail("README.md has no **Exit codes:** line")
    else:
        codes = sorted(int(x) for x in re.findall(r"(?<![\w.])(\d+) [a-z]", m.group(1)))
        if codes != sorted(c for c, _ in t.exits):
            fail("README.md's exit codes %s are not the table's %s" % (codes, sorted(c for c, _ in t.exits)))


def main():
    t = load_table()
    for check in (check_table, check_help, check_parser, check_man, check_completion, check_docs):
        before = len(failures)
        check(t)
        print("%-18s %s" % (check.__name__, "ok" if len(failures) == before else "%d problems" % (len(failures) - before)))
    for f in failures:
        print("FAIL: " + f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The house's size and shape limits (GUIDE "The house", issue 16), checked on every build:

  - every C source and header in proto/, ble/, src/, hw-tests/ and tests/ has at most
    MAX_FILE_LINES lines;
  - every function in them has at most MAX_FUNCTION_LINES lines, as pmccabe counts them (its
    fifth column: the lines from the function's first to its closing brace);
  - no circle between files, of includes (a header that includes, through others, itself) or
    of calls: one source file depends on another when its object references a symbol the
    other's object defines (a call, or a table of function pointers), as nm reads the objects
    the build made, so a circle hidden behind a shared declarations header is seen too.

Known exceptions are listed in tests/limits-exceptions.txt. One that no longer applies is named
(remove it) but does not fail the check: several engineers land at once, and the one who fixes a
listed file should not turn main red for the next.

Usage: check-limits.py SOURCE_DIR BUILD_DIR
"""
import collections
import json
import os
import re
import shlex
import shutil
import subprocess
import sys

MAX_FILE_LINES = 800
MAX_FUNCTION_LINES = 100
TREES = ("proto", "ble", "src", "hw-tests", "tests")
SOURCE_SUFFIXES = (".c", ".h")


def sources(root):
    out = []
    for tree in TREES:
        for d, dirs, files in os.walk(os.path.join(root, tree)):
            dirs[:] = sorted(x for x in dirs if not x.startswith("."))
            for f in sorted(files):
                if f.endswith(SOURCE_SUFFIXES):
                    out.append(os.path.relpath(os.path.join(d, f), root))
    return out


def read_exceptions(path):
    """Lines: 'file PATH', 'function PATH NAME', 'circle MODULE MODULE ...'; '#' comments."""
    exc = {"file": set(), "function": set(), "circle": set()}
    if not os.path.exists(path):
        return exc
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.split("#", 1)[0].split()
            if not line:
                continue
            kind, args = line[0], line[1:]
            if kind == "file" and len(args) == 1:
                exc["file"].add(args[0])
            elif kind == "function" and len(args) == 2:
                exc["function"].add((args[0], args[1]))
            elif kind == "circle" and len(args) >= 2:
                exc["circle"].add(frozenset(args))
            else:
                sys.exit(f"{path}:{n}: cannot read this exception line")
    return exc


def count_lines(path):
    with open(path, "rb") as f:
        return sum(1 for _ in f)


def check_files(root, files, exc, problems, used):
    for rel in files:
        n = count_lines(os.path.join(root, rel))
        if n > MAX_FILE_LINES:
            if rel in exc["file"]:
                used["file"].add(rel)
            else:
                problems.append(f"{rel}: {n} lines (the limit is {MAX_FILE_LINES}): split it by concern")
    return len(files)


PMCCABE_LINE = re.compile(r"^\d+\t\d+\t\d+\t(\d+)\t(\d+)\t(.+)\((\d+)\): (.+)$")


def check_functions(root, files, exc, problems, used):
    cfiles = [f for f in files if f.endswith(".c") or f.endswith(".h")]
    if not shutil.which("pmccabe"):
        sys.exit("check-limits: pmccabe is missing (scripts/install-deps installs it)")
    res = subprocess.run(["pmccabe"] + cfiles, cwd=root, capture_output=True, text=True)
    if res.returncode != 0 and not res.stdout:
        sys.exit(f"pmccabe failed: {res.stderr.strip()}")
    count = 0
    for line in res.stdout.splitlines():
        m = PMCCABE_LINE.match(line)
        if not m:
            continue
        count += 1
        lines, path, first, name = int(m.group(2)), m.group(3), m.group(4), m.group(5)
        if lines > MAX_FUNCTION_LINES:
            if (path, name) in exc["function"]:
                used["function"].add((path, name))
            else:
                problems.append(f"{path}:{first}: {name}() has {lines} lines (the limit is "
                                f"{MAX_FUNCTION_LINES}): split it where it has parts")
    return count


INCLUDE = re.compile(r'^\s*#\s*include\s*"([^"]+)"', re.M)


def include_edges(root, files, include_dirs):
    """file -> {file: 'includes'} for the quoted includes that resolve inside the tree."""
    known = set(files)
    edges = collections.defaultdict(dict)
    for rel in files:
        with open(os.path.join(root, rel), encoding="utf-8", errors="replace") as f:
            text = f.read()
        for inc in INCLUDE.findall(text):
            cands = [os.path.normpath(os.path.join(os.path.dirname(rel), inc))]
            cands += [os.path.normpath(os.path.join(d, inc)) for d in include_dirs]
            target = next((c for c in cands if c in known), None)
            if target and target != rel:
                edges[rel].setdefault(target, "includes")
    return edges


def objects(root, build):
    """source (relative) -> [object paths] from the build's compile_commands.json."""
    with open(os.path.join(build, "compile_commands.json"), encoding="utf-8") as f:
        db = json.load(f)
    out = collections.defaultdict(list)
    include_dirs = set()
    for e in db:
        args = shlex.split(e["command"])
        obj = None
        for i, a in enumerate(args):
            if a == "-o" and i + 1 < len(args):
                obj = os.path.join(e["directory"], args[i + 1])
            elif a.startswith("-I"):
                d = a[2:] or (args[i + 1] if i + 1 < len(args) else "")
                d = os.path.relpath(os.path.realpath(d), os.path.realpath(root))
                if not d.startswith(".."):
                    include_dirs.add(d)
            elif a == "-isystem" and i + 1 < len(args):
                d = os.path.relpath(os.path.realpath(args[i + 1]), os.path.realpath(root))
                if not d.startswith(".."):
                    include_dirs.add(d)
        rel = os.path.relpath(os.path.realpath(e["file"]), os.path.realpath(root))
        if obj and not rel.startswith(".."):
            out[rel].append(obj)
    return out, sorted(include_dirs)


def symbol_edges(objs):
    """source -> {source: 'references SYMBOL'}: a symbol one object leaves undefined and exactly one
    source defines (main, the fuzz entry and the like are defined by many and name no file)."""
    defined = collections.defaultdict(set)
    undefined = collections.defaultdict(set)
    source_of = {}
    for src, paths in objs.items():
        for p in paths:
            if not os.path.exists(p):
                sys.exit(f"{p}: no object: build first (make build)")
            source_of[p] = src
    # One nm for every object: "OBJECT: [ADDRESS] TYPE SYMBOL" lines.
    res = subprocess.run(["nm", "-A"] + sorted(source_of), capture_output=True, text=True, check=True)
    for line in res.stdout.splitlines():
        path, _, rest = line.partition(":")
        src = source_of.get(path)
        parts = rest.split()
        if src is None:
            continue
        if len(parts) == 2 and parts[0] == "U":
            undefined[src].add(parts[1])
        elif len(parts) == 3 and parts[1] in "TDRBVWCG":
            defined[parts[2]].add(src)
    edges = collections.defaultdict(dict)
    for src, syms in undefined.items():
        for s in sorted(syms):
            owners = defined.get(s, set())
            if len(owners) != 1:
                continue
            (owner,) = owners
            if owner != src:
                edges[src].setdefault(owner, f"references {s}")
    return edges


def circles(nodes, edges):
    """Strongly connected components with more than one node (Tarjan, iterative)."""
    index, low, on, stack, out = {}, {}, set(), [], []
    counter = [0]
    for start in sorted(nodes):
        if start in index:
            continue
        work = [(start, iter(sorted(edges.get(start, {}))))]
        index[start] = low[start] = counter[0]
        counter[0] += 1
        stack.append(start)
        on.add(start)
        while work:
            v, it = work[-1]
            nxt = next(it, None)
            if nxt is not None:
                if nxt not in index:
                    index[nxt] = low[nxt] = counter[0]
                    counter[0] += 1
                    stack.append(nxt)
                    on.add(nxt)
                    work.append((nxt, iter(sorted(edges.get(nxt, {})))))
                elif nxt in on:
                    low[v] = min(low[v], index[nxt])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop()
                    on.discard(w)
                    comp.append(w)
                    if w == v:
                        break
                if len(comp) > 1:
                    out.append(sorted(comp))
    return out


def check_circles(root, build, files, exc, problems, used):
    objs, include_dirs = objects(root, build)
    nedges = 0
    for kind, edges in (("includes", include_edges(root, files, include_dirs)),
                        ("calls", symbol_edges(objs))):
        nodes = set(edges) | {b for t in edges.values() for b in t}
        nedges += sum(len(t) for t in edges.values())
        for comp in circles(nodes, edges):
            key = frozenset(comp)
            if key in exc["circle"]:
                used["circle"].add(key)
                continue
            members = set(comp)
            detail = "; ".join(f"{a} {why} {b}" for a in comp for b, why in sorted(edges[a].items())
                               if b in members)
            problems.append(f"a circle of {kind} between files: {' '.join(comp)} ({detail}): "
                            "make the dependency run one way")
    return len(files), nedges


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    root, build = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    exc = read_exceptions(os.path.join(root, "tests", "limits-exceptions.txt"))
    used = {"file": set(), "function": set(), "circle": set()}
    problems = []
    files = sources(root)
    nfiles = check_files(root, files, exc, problems, used)
    nfuncs = check_functions(root, files, exc, problems, used)
    _, nedges = check_circles(root, build, files, exc, problems, used)
    for kind in ("file", "function", "circle"):
        for stale in sorted(exc[kind] - used[kind], key=str):
            what = " ".join(sorted(stale)) if kind == "circle" else " ".join(stale) if kind == "function" else stale
            print(f"note: tests/limits-exceptions.txt: '{kind} {what}' no longer applies: remove it")
    for p in problems:
        print(p)
    known = sum(len(v) for v in used.values())
    print(f"limits: {nfiles} files (<= {MAX_FILE_LINES} lines), {nfuncs} functions "
          f"(<= {MAX_FUNCTION_LINES} lines), {nedges} includes and references between files (no circle); "
          f"{known} known exceptions, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

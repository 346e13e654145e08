#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""A test upstream for latchkey's sync (docs/openapi.yaml), HTTPS on 127.0.0.1, standard
library only.

  GET  /v1/grants   the grants document with an ETag; 304 when If-None-Match matches
  POST /v1/events   dedupes events by id and counts accepted vs duplicates

Readiness: prints "PORT <n>" on stdout once it listens (port 0 = any free port).
Control: one command per line on stdin, one line of answer on stdout:
  mode MODE [N]   the next N requests (default 1; 0 = until changed) get MODE (replacing any
                  earlier mode; "mode ok" clears):
                  ok, 500, 503, 429, 401, 404, hang (no answer until 'release' or 60 s),
                  garbage (200 with a body that is not JSON), drop (events are recorded,
                  then the connection is closed with no answer: a lost response),
                  huge (200 with 1 MiB of JSON)
  grants JSON     replace the grants document (one line); its ETag changes
  stats           {"accepted":n,"duplicates":n,"rejected":n,"requests":n,"grants_200":n,
                   "grants_304":n,"events_posts":n,"ids":[accepted ids in order],
                   "types":{...},"auth_failures":n}
  events [TYPE]   the events received (of TYPE), in arrival order, as one JSON line
  batches         every POST /v1/events body as received (parsed), in order, as one JSON line
                  (tests/daemon/test-contract.c validates them against docs/openapi.yaml)
  reset           forget events, counters and modes
  release         let hung requests go
  quit            exit
Events whose payload has "reject": true are answered as rejected (per event); a batch with an
event whose payload has "poison": true is refused whole with 422 (a strict upstream).
"""
import argparse
import hashlib
import http.server
import json
import re
import socket
import ssl
import sys
import threading

ID_RE = re.compile(r"^[0-9a-f]{32}$")
MAX_BODY = 8 * 1024 * 1024
MAX_BATCH = 1000

lock = threading.Lock()
released = threading.Event()


class State:
    def __init__(self):
        self.reset()

    def reset(self):
        self.events = {}  # id -> event
        self.order = []
        self.batches = []  # POST bodies as received
        self.stats = dict(accepted=0, duplicates=0, rejected=0, requests=0, grants_200=0, grants_304=0,
                          events_posts=0, auth_failures=0)
        self.modes = []  # [mode, remaining] ; remaining 0 = forever
        self.set_grants(DEFAULT_GRANTS)

    def set_grants(self, doc):
        self.grants = json.dumps(doc, separators=(",", ":")).encode()
        self.etag = '"' + hashlib.sha256(self.grants).hexdigest()[:20] + '"'

    def next_mode(self):
        if not self.modes:
            return "ok"
        mode, left = self.modes[0]
        if left == 1:
            self.modes.pop(0)
        elif left > 1:
            self.modes[0][1] = left - 1
        return mode


DEFAULT_GRANTS = {
    "version": 1,
    "properties": [{"id": "villa-7", "locks": [{"lock": "front-door", "guest_access": True}]}],
    "grants": [{
        "id": "bk-1042", "property": "villa-7", "guest": "Ana Silva",
        "check_in": "2026-11-22T15:00:00+01:00", "check_out": "2026-11-25T11:00:00+01:00",
        "status": "active",
    }],
}

state = State()
token = b""


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "latchkey-test-upstream"

    def log_message(self, fmt, *args):  # quiet: stdout is the control channel
        pass

    def reply(self, status, obj=None, raw=None, headers=()):
        body = raw if raw is not None else (json.dumps(obj).encode() if obj is not None else b"")
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        if body:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body:
            self.wfile.write(body)

    def drop(self):
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def common(self):
        """Auth and the scripted mode. Returns the mode to carry on with, or None if answered."""
        with lock:
            state.stats["requests"] += 1
            mode = state.next_mode()
        if self.headers.get("Authorization", "") != "Bearer " + token.decode():
            with lock:
                state.stats["auth_failures"] += 1
            self.reply(401, {"error": "unauthorized"}, headers=[("WWW-Authenticate", "Bearer")])
            return None
        if mode in ("500", "503", "429", "401", "404"):
            hdrs = [("Retry-After", "1")] if mode in ("503", "429") else []
            self.reply(int(mode), {"error": "scripted " + mode}, headers=hdrs)
            return None
        if mode == "hang":
            released.wait(60)
            self.drop()
            return None
        if mode == "garbage":
            self.reply(200, raw=b"<html>this is not json{{{")
            return None
        if mode == "huge":
            self.reply(200, raw=b'{"grants":[' + b'"x",' * (1024 * 1024 // 4) + b'"x"]}')
            return None
        return mode

    def do_GET(self):
        if self.path != "/v1/grants":
            self.reply(404, {"error": "not found"})
            return
        mode = self.common()
        if mode is None:
            return
        with lock:
            body, etag = state.grants, state.etag
        if self.headers.get("If-None-Match") == etag:
            with lock:
                state.stats["grants_304"] += 1
            self.reply(304, headers=[("ETag", etag)])
            return
        with lock:
            state.stats["grants_200"] += 1
        self.reply(200, raw=body, headers=[("ETag", etag), ("Cache-Control", "no-cache")])

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        if length > MAX_BODY:
            self.reply(413, {"error": "too large"})
            self.close_connection = True
            return
        data = self.rfile.read(length)
        if self.path != "/v1/events":
            self.reply(404, {"error": "not found"})
            return
        mode = self.common()
        if mode is None:
            return
        try:
            doc = json.loads(data)
            events = doc["events"]
            assert isinstance(events, list) and 1 <= len(events) <= MAX_BATCH
            for e in events:
                assert ID_RE.match(e["id"]) and isinstance(e["type"], str) and isinstance(e["payload"], dict)
        except Exception:
            self.reply(400, {"error": "malformed batch"})
            return
        if any(e["payload"].get("poison") for e in events):
            self.reply(422, {"error": "event payload failed validation"})
            return
        accepted, duplicates, rejected = [], [], []
        with lock:
            state.batches.append(doc)
            state.stats["events_posts"] += 1
            for e in events:
                if e["payload"].get("reject"):
                    rejected.append({"id": e["id"], "reason": "test: rejected by the upstream"})
                    state.stats["rejected"] += 1
                elif e["id"] in state.events:
                    duplicates.append(e["id"])
                    state.stats["duplicates"] += 1
                else:
                    state.events[e["id"]] = e
                    state.order.append(e["id"])
                    accepted.append(e["id"])
                    state.stats["accepted"] += 1
        if mode == "drop":
            self.drop()  # recorded, but the agent never hears so: it must retry harmlessly
            return
        self.reply(200, {"accepted": accepted, "duplicates": duplicates, "rejected": rejected})


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        # Refused handshakes, dropped and timed-out connections are what the tests do.
        if not isinstance(sys.exc_info()[1], (ssl.SSLError, OSError)):
            super().handle_error(request, client_address)


def control(httpd):
    out = sys.stdout
    for line in sys.stdin:
        cmd, _, arg = line.strip().partition(" ")
        with lock:
            if cmd == "mode":
                parts = arg.split()
                n = int(parts[1]) if len(parts) > 1 else 1
                state.modes = [] if parts[0] == "ok" else [[parts[0], n]]
                released.clear()
                answer = "OK"
            elif cmd == "grants":
                state.set_grants(json.loads(arg))
                answer = "OK " + state.etag
            elif cmd == "stats":
                s = dict(state.stats)
                s["ids"] = list(state.order)
                types = {}
                for e in state.events.values():
                    types[e["type"]] = types.get(e["type"], 0) + 1
                s["types"] = types
                answer = json.dumps(s)
            elif cmd == "events":
                # the events received, optionally of one type, in arrival order (one line)
                answer = json.dumps([state.events[i] for i in state.order
                                     if not arg or state.events[i].get("type") == arg])
            elif cmd == "batches":
                answer = json.dumps(state.batches)
            elif cmd == "reset":
                state.reset()
                released.set()
                answer = "OK"
            elif cmd == "release":
                released.set()
                answer = "OK"
            elif cmd == "quit":
                break
            else:
                answer = "ERR unknown command"
        out.write(answer + "\n")
        out.flush()
    released.set()
    httpd.shutdown()


def main():
    global token
    ap = argparse.ArgumentParser()
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--client-ca", help="require a client certificate signed by this CA")
    ap.add_argument("--token-file", required=True)
    ap.add_argument("--port", type=int, default=0)
    a = ap.parse_args()
    with open(a.token_file, "rb") as f:
        token = f.read().strip()
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(a.cert, a.key)
    if a.client_ca:
        ctx.verify_mode = ssl.CERT_REQUIRED
        ctx.load_verify_locations(a.client_ca)
    httpd = Server(("127.0.0.1", a.port), Handler)
    httpd.socket = ctx.wrap_socket(httpd.socket, server_side=True, do_handshake_on_connect=False)
    t = threading.Thread(target=httpd.serve_forever, daemon=True)
    t.start()
    sys.stdout.write("PORT %d\n" % httpd.server_address[1])
    sys.stdout.flush()
    control(httpd)


if __name__ == "__main__":
    main()

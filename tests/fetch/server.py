#!/usr/bin/env python3
"""Test servers for the fetch suite (standard library only), all on 127.0.0.1.

  server.py proxy PORT UPSTREAM_PORT LOG [--cut-after N] [--cuts K] [--exit-after-cut]
                  [--rate BYTES_PER_SEC] [--up-rate BYTES_PER_SEC]
      TCP proxy to a registry.  Appends what clients send to LOG (request
      headers, to check Range requests).  With --cut-after, the first K
      connections whose response passes N bytes are cut there; with
      --exit-after-cut the proxy then exits (the "registry" dies mid-pull).
      With --rate, each connection's responses flow at most that fast; with
      --up-rate, what clients send (uploads) does.

  server.py token PORT KEY CERT ISSUER LOG [--user U --password P] [--lifetime S]
                  [--expires-in S]
      Docker token server: GET /token?service=..&scope=.. returns a JWT
      signed RS256 (by openssl) with the certificate in the x5c header, and
      its expires_in and issued_at (the whole second the lifetime counts
      from).  Each request appends "USER SCOPES" to LOG.  With --user,
      requests must carry those Basic credentials.  With --lifetime, the
      registry accepts a token for S seconds from issued_at: the registry
      allows 60 seconds of clock skew past "exp", so exp is set to
      issued_at + S - 60.  With --expires-in, the response announces S
      seconds whatever the token's real lifetime (a server that claims more
      than the registry grants).

  server.py static PORT DIR [--fail-first N] [LOG]
      A fake registry answering GET /v2/ with 200 and any other path with
      DIR/<path with / replaced by _> and its content type from the same name
      plus ".type"; 404 with a registry error when missing.  With
      --fail-first, the first N requests for each file get a 503 (logged to
      LOG as "503 PATH").
"""
import base64
import http.server
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


# ---------------------------------------------------------------- proxy
def proxy(argv):
    port, up_port, log = int(argv[0]), int(argv[1]), argv[2]
    cut_after, cuts, exit_after, rate, up_rate = None, 1, False, None, None
    i = 3
    while i < len(argv):
        if argv[i] == "--cut-after":
            cut_after = int(argv[i + 1]); i += 2
        elif argv[i] == "--cuts":
            cuts = int(argv[i + 1]); i += 2
        elif argv[i] == "--exit-after-cut":
            exit_after = True; i += 1
        elif argv[i] == "--rate":
            rate = int(argv[i + 1]); i += 2
        elif argv[i] == "--up-rate":
            up_rate = int(argv[i + 1]); i += 2
        else:
            sys.exit("proxy: unknown option " + argv[i])
    state = {"cuts": cuts}
    lock = threading.Lock()
    logf = open(log, "ab", buffering=0)

    def send_at(s, d, bps):
        # small pieces, so a request that follows an upload is not held
        # back long by the pause after the upload's last piece
        for k in range(0, len(d), 4096):
            s.sendall(d[k:k + 4096])
            time.sleep(len(d[k:k + 4096]) / bps)

    def pump_up(c, u):
        try:
            while True:
                d = c.recv(65536)
                if not d:
                    break
                with lock:
                    logf.write(d)
                if up_rate:
                    send_at(u, d, up_rate)
                else:
                    u.sendall(d)
        except OSError:
            pass
        try:
            u.shutdown(socket.SHUT_WR)
        except OSError:
            pass

    def pump_down(c, u):
        n = 0
        try:
            while True:
                d = u.recv(65536)
                if not d:
                    break
                if cut_after is not None and n + len(d) > cut_after:
                    with lock:
                        cut = state["cuts"] > 0
                        if cut:
                            state["cuts"] -= 1
                    if cut:
                        c.sendall(d[: max(0, cut_after - n)])
                        for s in (c, u):
                            try:
                                s.shutdown(socket.SHUT_RDWR)
                            except OSError:
                                pass
                            s.close()
                        if exit_after:
                            os._exit(0)
                        return
                n += len(d)
                if rate:
                    step = min(16384, rate)  # a slow rate trickles
                    for k in range(0, len(d), step):
                        c.sendall(d[k:k + step])
                        time.sleep(len(d[k:k + step]) / rate)
                else:
                    c.sendall(d)
        except OSError:
            pass
        try:
            c.shutdown(socket.SHUT_WR)
        except OSError:
            pass

    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", port))
    ls.listen(64)
    while True:
        c, _ = ls.accept()
        try:
            u = socket.create_connection(("127.0.0.1", up_port))
        except OSError:
            c.close()
            continue
        threading.Thread(target=pump_up, args=(c, u), daemon=True).start()
        threading.Thread(target=pump_down, args=(c, u), daemon=True).start()


# ---------------------------------------------------------------- token
def token(argv):
    port, key, cert, issuer, log = int(argv[0]), argv[1], argv[2], argv[3], argv[4]
    user = password = None
    lifetime, expires_in, announce = 300, 300, None
    i = 5
    while i < len(argv):
        if argv[i] == "--lifetime":
            expires_in = int(argv[i + 1]); lifetime = expires_in - 60; i += 2
        elif argv[i] == "--expires-in":
            announce = int(argv[i + 1]); i += 2
        elif argv[i] == "--user":
            user = argv[i + 1]; i += 2
        elif argv[i] == "--password":
            password = argv[i + 1]; i += 2
        else:
            sys.exit("token: unknown option " + argv[i])
    der = subprocess.run(["openssl", "x509", "-in", cert, "-outform", "DER"],
                         check=True, capture_output=True).stdout
    x5c = base64.b64encode(der).decode()

    def sign(claims):
        header = {"typ": "JWT", "alg": "RS256", "x5c": [x5c]}
        signing = (b64url(json.dumps(header).encode()) + "." +
                   b64url(json.dumps(claims).encode())).encode()
        sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", key],
                             input=signing, check=True, capture_output=True).stdout
        return signing.decode() + "." + b64url(sig)

    class H(http.server.BaseHTTPRequestHandler):
        def log_message(self, *a):
            pass

        def do_GET(self):
            u = urllib.parse.urlparse(self.path)
            q = urllib.parse.parse_qs(u.query)
            authz = self.headers.get("Authorization", "")
            who = "anonymous"
            if authz.startswith("Basic "):
                try:
                    who, _, pw = base64.b64decode(authz[6:]).decode().partition(":")
                except Exception:
                    who, pw = "", ""
                if user is not None and (who != user or pw != password):
                    self.reply(401, {"errors": [{"code": "UNAUTHORIZED",
                                                 "message": "incorrect username or password"}]})
                    return
            elif user is not None:
                who = "anonymous"
            with open(log, "a") as f:
                f.write("%s %s\n" % (who, " ".join(q.get("scope", []))))
            access = []
            if who != "anonymous" or user is None:
                for s in q.get("scope", []):
                    parts = s.split(":")
                    if len(parts) >= 3:
                        access.append({"type": parts[0], "name": ":".join(parts[1:-1]),
                                       "actions": parts[-1].split(",")})
            now = int(time.time())
            claims = {"iss": issuer, "sub": who, "aud": q.get("service", [""])[0],
                      "exp": now + lifetime, "nbf": now - 10, "iat": now,
                      "jti": uuid.uuid4().hex, "access": access}
            tok = sign(claims)
            issued = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now))
            self.reply(200, {"token": tok, "access_token": tok, "issued_at": issued,
                             "expires_in": expires_in if announce is None else announce})

        def reply(self, code, obj):
            body = json.dumps(obj).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    http.server.ThreadingHTTPServer(("127.0.0.1", port), H).serve_forever()


# ---------------------------------------------------------------- static
def static(argv):
    port, root = int(argv[0]), argv[1]
    fail_first, log = 0, None
    if len(argv) > 2 and argv[2] == "--fail-first":
        fail_first, log = int(argv[3]), argv[4]
    failed = {}
    lock = threading.Lock()

    class H(http.server.BaseHTTPRequestHandler):
        def log_message(self, *a):
            pass

        def do_GET(self):
            if self.path == "/v2/":
                self.reply(200, b"{}", "application/json")
                return
            name = os.path.join(root, self.path.lstrip("/").replace("/", "_"))
            if not os.path.isfile(name):
                self.reply(404, json.dumps({"errors": [{"code": "MANIFEST_UNKNOWN",
                                                        "message": "manifest unknown"}]}).encode(),
                           "application/json")
                return
            with lock:
                n = failed.get(name, 0)
                failed[name] = n + 1
            if n < fail_first:
                with open(log, "a") as f:
                    f.write("503 %s\n" % self.path)
                self.reply(503, b'{"errors":[{"code":"UNAVAILABLE","message":"try later"}]}',
                           "application/json")
                return
            ctype = "application/octet-stream"
            if os.path.isfile(name + ".type"):
                with open(name + ".type") as f:
                    ctype = f.read().strip()
            with open(name, "rb") as f:
                self.reply(200, f.read(), ctype)

        def reply(self, code, body, ctype):
            self.send_response(code)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    http.server.ThreadingHTTPServer(("127.0.0.1", port), H).serve_forever()


if __name__ == "__main__":
    modes = {"proxy": proxy, "token": token, "static": static}
    if len(sys.argv) < 2 or sys.argv[1] not in modes:
        sys.exit(__doc__)
    modes[sys.argv[1]](sys.argv[2:])

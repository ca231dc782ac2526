"""A server for the HTTP probes' tests: answers well, slowly, wrongly, with 500s; prints its port.

Paths: /ok {"status": "ok"}; /slow the same after 1.5 s; /wrong {"status": "degraded"};
/fail 500 with an HTML page holding a terminal escape; /auth 200 only with X-Token: s3cret, else
401; /post echoes a POST's body; /big 4 MiB; /go True and /nogo False (a Cerberus go/no-go), /maybe
neither (with an escape). Stops when its standard input closes.
"""

import http.server
import json
import sys
import threading
import time


class Handler(http.server.BaseHTTPRequestHandler):
    def answer(self, code, body, ctype="application/json"):
        data = body if isinstance(body, bytes) else body.encode()
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path == "/ok":
            self.answer(200, json.dumps({"status": "ok", "items": [{"n": 2}]}))
        elif self.path == "/slow":
            time.sleep(1.5)
            self.answer(200, json.dumps({"status": "ok"}))
        elif self.path == "/wrong":
            self.answer(200, json.dumps({"status": "degraded\x1b]0;PWNED\x07"}))
        elif self.path == "/fail":
            self.answer(500, "<html>oops \x1b]0;PWNED\x07</html>", "text/html")
        elif self.path == "/auth":
            ok = self.headers.get("X-Token") == "s3cret"
            self.answer(200 if ok else 401, "{}")
        elif self.path == "/go":
            self.answer(200, "True", "text/plain")
        elif self.path == "/nogo":
            self.answer(200, "False\n", "text/plain")
        elif self.path == "/maybe":
            self.answer(200, "Maybe\x1b[2J", "text/plain")
        elif self.path == "/big":
            self.answer(200, b"x" * (4 << 20), "text/plain")
        else:
            self.answer(404, "{}")

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n)
        self.answer(201, json.dumps({"got": json.loads(body)["x"], "type": self.headers.get("Content-Type")}))

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
threading.Thread(target=server.serve_forever, daemon=True).start()
sys.stdin.read()
server.shutdown()

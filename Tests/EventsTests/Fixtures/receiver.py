"""A receiver for the events' tests: records every POST (path, Authorization, body) and lists them
at GET /seen; POST /flaky answers 503 twice, then 200; POST /refuse answers 400; prints its port.
Stops when its standard input closes.
"""

import http.server
import json
import sys
import threading

SEEN = []
FLAKY = {"n": 0}
LOCK = threading.Lock()


class Handler(http.server.BaseHTTPRequestHandler):
    def answer(self, code, body):
        data = body.encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        with LOCK:
            self.answer(200, json.dumps(SEEN))

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n).decode()
        with LOCK:
            SEEN.append({"path": self.path, "auth": self.headers.get("Authorization"), "body": json.loads(body)})
            if self.path == "/flaky":
                FLAKY["n"] += 1
                if FLAKY["n"] <= 2:
                    self.answer(503, "<html><title>busy</title></html>")
                    return
        if self.path == "/refuse":
            self.answer(400, json.dumps({"message": "bad annotation"}))
            return
        self.answer(200, "{}")

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
threading.Thread(target=server.serve_forever, daemon=True).start()
sys.stdin.read()
server.shutdown()

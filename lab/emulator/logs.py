"""The kubelet's container log endpoint (/containerLogs/NAMESPACE/POD/CONTAINER), which the API
server reaches at the node's address and daemonEndpoints.kubeletEndpoint.Port for
`GET .../pods/NAME/log`: every running container writes a line a second into a bounded log
(a web tier's access lines, a database's checkpoints, a worker's tasks), and a request gets its
tail, then (follow=true) each new line as it is written, with RFC 3339 timestamps when asked."""
import collections
import datetime as dt
import http.server
import ssl
import threading
import urllib.parse

from emulator.util import STOP, log

LOG_CAP = 2000


class LogWriter:
    """The containers' logs, by (namespace, pod, container): (time, text) pairs, newest last."""

    def write_logs(self):
        n = 0
        while not STOP.is_set():
            n += 1
            stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
            with self.lock:
                running = [(st["ns"], st["name"], [c[0] for c in st.get("containers", [])], st.get("labels", {}))
                           for st in self.pods.values()
                           if st.get("phase") in ("ready", "unready", "running") and not st.get("terminating")
                           and not st.get("exec")]
            with self.logs_cv:
                for ns, name, containers, labels in running:
                    for c in containers:
                        line = self.log_line(labels.get("app", ""), c, n)
                        q = self.logs.setdefault((ns, name, c), collections.deque(maxlen=LOG_CAP))
                        q.append((stamp, line))
                self.logs_cv.notify_all()
            STOP.wait(1)

    def log_line(self, app, container, n):
        if app == "flask":
            code = 200 if n % 17 else 503
            return f'10.0.2.{n % 200} - - "GET /api/orders/{n} HTTP/1.1" {code} 512 "-" 0.0{n % 9 + 1}'
        if app == "postgres":
            return f"LOG:  checkpoint complete: wrote {n % 97} buffers; seq {n}"
        if app == "spark":
            return f"INFO Executor: Finished task {n % 8}.0 in stage {n // 40}.0 (TID {n})"
        return f"{container}: tick {n}"


def kubelet_handler(lab):
    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *_):
            pass

        def do_GET(self):
            url = urllib.parse.urlparse(self.path)
            parts = url.path.strip("/").split("/")
            if len(parts) != 4 or parts[0] != "containerLogs":
                self.send_error(404, "not found")
                return
            key = tuple(parts[1:])
            q = urllib.parse.parse_qs(url.query)
            follow = q.get("follow", ["false"])[0] == "true"
            stamps = q.get("timestamps", ["false"])[0] == "true"
            tail = int(q.get("tailLines", ["-1"])[0])
            since = q.get("sinceTime", [None])[0]
            with lab.logs_cv:
                lines = list(lab.logs.get(key, ()))
            if not lines and key not in lab.logs:
                with lab.lock:
                    waiting = any(st.get("ns") == key[0] and st.get("name") == key[1] and st.get("exec")
                                  and st.get("phase") not in ("succeeded", "failed") for st in lab.pods.values())
                if waiting:
                    # As the kubelet answers for a container not started yet.
                    self.send_error(400, f'container "{key[2]}" in pod "{key[1]}" is waiting to start: '
                                         "ContainerCreating")
                else:
                    self.send_error(404, f'container "{key[2]}" in pod "{key[1]}" not found')
                return
            if since:
                lines = [x for x in lines if x[0][:19] >= since[:19]]
            elif tail >= 0:
                lines = lines[-tail:] if tail else []
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Connection", "close")
            self.end_headers()
            seen = lines[-1][0] if lines else ""

            def send(batch):
                self.wfile.write("".join((s + " " if stamps else "") + t + "\n" for s, t in batch).encode())
                self.wfile.flush()

            try:
                send(lines)
                while follow and not STOP.is_set():
                    with lab.logs_cv:
                        lab.logs_cv.wait(1)
                        current = lab.logs.get(key)
                        new = [x for x in current if x[0] > seen] if current is not None else None
                    if new is None:
                        break
                    if new:
                        seen = new[-1][0]
                        send(new)
                    with lab.lock:
                        # A container that has exited ends the stream, as the kubelet's does.
                        alive = any(st.get("ns") == key[0] and st.get("name") == key[1] and not st.get("terminating")
                                    and st.get("phase") not in ("succeeded", "failed")
                                    for st in lab.pods.values())
                    if not alive:
                        break
            except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
                pass

    return Handler


def serve_kubelet(lab, port, cert, key):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), kubelet_handler(lab))
    server.daemon_threads = True
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    log.info("the kubelet's log endpoint on https://127.0.0.1:%d", port)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server

"""Pods that really run: a pod whose container image is chaostui's (chaostui:TAG, .../chaostui:TAG)
is run as a kubelet would run it, with the chaostui binary the lab was given (--chaostui-bin), so
chaostui's in-cluster path is exercised end to end:

- the pod's service account token from the TokenRequest API (bound to the pod), with the cluster's
  CA and the namespace, at /var/run/secrets/kubernetes.io/serviceaccount, and
  KUBERNETES_SERVICE_HOST/PORT naming the API server;
- its configMap volumes written out and its emptyDir volumes made, at their mountPaths;
- those paths bind-mounted in a mount namespace of the process' own (unshare), so nothing of the
  machine's is shadowed for anyone else;
- its standard output and error (merged, as a container's log) served by the kubelet's log endpoint
  to `kubectl logs` and `GET .../pods/NAME/log`;
- Running when it starts, then Succeeded (exit 0) or Failed with the exit code, as the Job
  controller reads it. A pod deleted while it runs gets SIGTERM, then SIGKILL after its grace.

The process runs as the emulator's user: securityContext is not enforced in the lab."""
import collections
import datetime as dt
import os
import shutil
import signal
import subprocess
import tempfile
import threading

from kubernetes import client
from kubernetes.client.rest import ApiException

from emulator.util import STOP, log, now_iso

SA_DIR = "/var/run/secrets/kubernetes.io/serviceaccount"
EXEC_LOG_CAP = 500_000  # lines: a journal is one line a record


def is_chaostui_image(image):
    name = (image or "").split("@")[0].rsplit("/", 1)[-1]
    return name.split(":")[0] == "chaostui"


class ExecPods:
    def exec_wanted(self, pod):
        return bool(self.args.chaostui_bin) and len(pod.spec.containers) == 1 and \
            is_chaostui_image(pod.spec.containers[0].image)

    def exec_start(self, key, pod):
        st = self.pods.get(key[2])
        if st is None or st["terminating"]:
            return
        st["exec"] = True
        threading.Thread(target=self.exec_run, args=(key, pod, st), daemon=True).start()

    def exec_stop(self, uid, grace):
        proc = self.pods.get(uid, {}).get("proc")
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGTERM)

        def kill_later():
            if not STOP.wait(grace) and proc.poll() is None:
                proc.kill()
        threading.Thread(target=kill_later, daemon=True).start()

    def exec_status(self, key, pod, phase, state, ready, reason=None, message=None):
        c = pod.spec.containers[0]
        status = {
            "phase": phase, "hostIP": "127.0.0.1", "conditions": self.conditions(ready),
            "containerStatuses": [{
                "name": c.name, "image": c.image, "imageID": "emulated://" + c.image, "ready": ready,
                "restartCount": 0, "started": "running" in state, "state": state,
                "containerID": "emulated://%s-%s" % (pod.metadata.uid[:8], c.name)}],
        }
        if phase == "Pending":
            status["startTime"] = now_iso()
        if reason:
            status["reason"], status["message"] = reason, message
        self.patch_status(key, status)

    def exec_files(self, pod, base):
        """The pod's mounts as (host folder, mountPath, read-only): the service account, then its volumes."""
        ns, name, uid = pod.metadata.namespace, pod.metadata.name, pod.metadata.uid
        sa = pod.spec.service_account_name or "default"
        spec = client.V1TokenRequestSpec(
            audiences=[self.args.token_audience], expiration_seconds=3600,
            bound_object_ref=client.V1BoundObjectReference(kind="Pod", api_version="v1", name=name, uid=uid))
        token = self.core.create_namespaced_service_account_token(
            sa, ns, client.AuthenticationV1TokenRequest(spec=spec)).status.token
        sa_dir = os.path.join(base, "serviceaccount")
        os.makedirs(sa_dir)
        for fname, text in (("token", token), ("namespace", ns)):
            with open(os.path.join(sa_dir, fname), "w") as f:
                f.write(text)
        shutil.copy(self.args.pod_ca, os.path.join(sa_dir, "ca.crt"))
        mounts = [(sa_dir, SA_DIR, True)]
        volumes = {v.name: v for v in pod.spec.volumes or []}
        for i, m in enumerate(pod.spec.containers[0].volume_mounts or []):
            v = volumes.get(m.name)
            if m.mount_path == SA_DIR:
                continue  # the service account's own volume (a projected one, or 1.20's secret): mounted above
            if v is None or (v.config_map is None and v.empty_dir is None):
                raise ValueError("volume %s: only configMap and emptyDir volumes run in the lab" % m.name)
            host = os.path.join(base, "v%d" % i)
            os.makedirs(host)
            if v.config_map is not None:
                cm = self.core.read_namespaced_config_map(v.config_map.name, ns)
                for k, text in (cm.data or {}).items():
                    if "/" in k or k.startswith("."):
                        continue
                    with open(os.path.join(host, k), "w") as f:
                        f.write(text)
            else:
                os.chmod(host, 0o777)
            mounts.append((host, m.mount_path, bool(m.read_only) or v.config_map is not None))
        return mounts

    def exec_command(self, pod, mounts):
        c = pod.spec.containers[0]
        command = list(c.command or ["chaostui"])
        if os.path.basename(command[0]) == "chaostui":
            command[0] = self.args.chaostui_bin
        # The binary is opened before the mounts (an emptyDir on /tmp would hide a binary there) and
        # run through its descriptor.
        script = ["set -e", 'exec 3<"$BIN"']
        for i, (_, _, ro) in enumerate(mounts):
            script.append('mkdir -p "$M%d" && mount --bind "$H%d" "$M%d"' % (i, i, i))
            if ro:
                script.append('mount -o remount,bind,ro "$M%d"' % i)
        script.append('exec /proc/self/fd/3 "$@"')
        env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": "/tmp",
               "KUBERNETES_SERVICE_HOST": self.args.api_host, "KUBERNETES_SERVICE_PORT": str(self.args.api_port)}
        for e in c.env or []:
            if e.value is not None:
                env[e.name] = e.value
        for i, (host, target, _) in enumerate(mounts):
            env["H%d" % i], env["M%d" % i] = host, target
        env["BIN"] = command[0]
        # Root binds for real; anyone else in a user namespace of their own, as root there.
        user = [] if os.geteuid() == 0 else ["--map-root-user"]
        argv = ["unshare", *user, "--mount", "--propagation", "private", "--", "sh", "-c", "\n".join(script), "sh"]
        return argv + command[1:] + list(c.args or []), env

    def exec_run(self, key, pod, st):
        ns, name, uid = key
        cname = pod.spec.containers[0].name
        logkey = (ns, name, cname)
        base = tempfile.mkdtemp(prefix="pod-%s-" % name, dir=self.args.state)
        self.exec_status(key, pod, "Pending", {"waiting": {"reason": "ContainerCreating"}}, False)
        try:
            argv, env = self.exec_command(pod, self.exec_files(pod, base))
        except (ApiException, ValueError, OSError) as e:
            why = "%s %s" % (e.status, e.reason) if isinstance(e, ApiException) else str(e)
            log.info("pod %s/%s cannot run: %s", ns, name, why)
            self.exec_status(key, pod, "Failed", {"terminated": {"exitCode": 128, "reason": "ContainerCannotRun",
                                                                  "message": why}}, False)
            st["phase"] = "failed"
            shutil.rmtree(base, ignore_errors=True)
            return
        with self.logs_cv:
            self.logs[logkey] = collections.deque(maxlen=EXEC_LOG_CAP)
        started = now_iso()
        proc = subprocess.Popen(argv, env=env, cwd=base, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT)
        st["proc"] = proc
        st["phase"] = "running"
        log.info("pod %s/%s runs chaostui %s (pid %d)", ns, name, pod.spec.containers[0].args, proc.pid)
        self.exec_status(key, pod, "Running", {"running": {"startedAt": started}}, True)
        last = ""
        for raw in proc.stdout:
            stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
            # Strictly increasing stamps: a follower asks for what is newer than the last it saw.
            if stamp <= last:
                stamp = self.next_stamp(last)
            last = stamp
            with self.logs_cv:
                self.logs[logkey].append((stamp, raw.decode("utf-8", "replace").rstrip("\n")))
                self.logs_cv.notify_all()
        code = proc.wait()
        finished = now_iso()
        log.info("pod %s/%s exited %d", ns, name, code)
        st["phase"] = "succeeded" if code == 0 else "failed"
        with self.logs_cv:
            self.logs_cv.notify_all()
        if not st["terminating"]:
            self.exec_status(
                key, pod, "Succeeded" if code == 0 else "Failed",
                {"terminated": {"exitCode": code, "reason": "Completed" if code == 0 else "Error",
                                "startedAt": started, "finishedAt": finished}}, False)
        shutil.rmtree(base, ignore_errors=True)

    @staticmethod
    def next_stamp(last):
        """The stamp one microsecond after `last` (…SS.ffffffZ)."""
        t = dt.datetime.strptime(last, "%Y-%m-%dT%H:%M:%S.%fZ") + dt.timedelta(microseconds=1)
        return t.strftime("%Y-%m-%dT%H:%M:%S.%fZ")

"""Unit tests of the pods that really run (execpods.py), without an API server."""
import types
import unittest

from kubernetes import client

from emulator.execpods import SA_DIR, ExecPods, is_chaostui_image


def pod(image="chaostui:0.1.0", command=None, args=("run", "/etc/chaostui/experiments/x.yaml")):
    c = client.V1Container(name="chaostui", image=image, command=command, args=list(args),
                           env=[client.V1EnvVar(name="XDG_STATE_HOME", value="/var/lib/chaostui")])
    return client.V1Pod(metadata=client.V1ObjectMeta(name="run-1", namespace="chaostui-system", uid="u1"),
                        spec=client.V1PodSpec(containers=[c], service_account_name="chaostui-run"))


class ExecPodsTest(unittest.TestCase):
    def setUp(self):
        self.lab = ExecPods()
        self.lab.args = types.SimpleNamespace(chaostui_bin="/opt/chaostui", api_host="127.0.0.1", api_port="16443")

    def test_which_images_run(self):
        for image in ("chaostui:0.1.0", "registry.example/ops/chaostui:1", "chaostui@sha256:ab", "chaostui"):
            self.assertTrue(is_chaostui_image(image), image)
        for image in ("flask:1", "chaostui-web:1", "registry/chaostuix:2", None):
            self.assertFalse(is_chaostui_image(image), image)
        self.assertTrue(self.lab.exec_wanted(pod()))
        self.lab.args.chaostui_bin = ""
        self.assertFalse(self.lab.exec_wanted(pod()), "no binary given: emulated as any pod")

    def test_the_command_runs_the_binary_with_the_in_cluster_environment(self):
        mounts = [("/s/sa", SA_DIR, True), ("/s/v0", "/etc/chaostui/experiments", True), ("/s/v1", "/tmp", False)]
        argv, env = self.lab.exec_command(pod(), mounts)
        self.assertEqual(argv[0], "unshare")
        self.assertIn("--mount", argv[:3])
        self.assertEqual(argv[-2:], ["run", "/etc/chaostui/experiments/x.yaml"])
        self.assertEqual(env["BIN"], "/opt/chaostui", "the image's chaostui is the lab's binary")
        self.assertEqual((env["KUBERNETES_SERVICE_HOST"], env["KUBERNETES_SERVICE_PORT"]), ("127.0.0.1", "16443"))
        self.assertEqual(env["XDG_STATE_HOME"], "/var/lib/chaostui")
        self.assertEqual((env["H0"], env["M0"]), ("/s/sa", SA_DIR))
        script = argv[argv.index("-c") + 1]
        # Opened before /tmp is covered, run through its descriptor; read-only mounts remounted so.
        self.assertLess(script.index('exec 3<"$BIN"'), script.index('mount --bind "$H2" "$M2"'))
        self.assertIn('mount -o remount,bind,ro "$M1"', script)
        self.assertNotIn('remount,bind,ro "$M2"', script)
        self.assertTrue(script.endswith('exec /proc/self/fd/3 "$@"'))

    def test_stamps_only_grow(self):
        self.assertEqual(ExecPods.next_stamp("2026-12-04T07:00:00.999999Z"), "2026-12-04T07:00:01.000000Z")


if __name__ == "__main__":
    unittest.main()

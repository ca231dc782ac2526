"""Unit tests of the emulator (no API server): /usr/bin/python3 -m unittest
discover -s lab/tests -t lab"""
import datetime as dt
import unittest

from emulator.util import chaos_ends, parse_duration, parse_rate, quantity, selector_matches, status_report_due


class Quantities(unittest.TestCase):
    def test_cpu_and_memory(self):
        self.assertEqual(quantity("250m"), 0.25)
        self.assertEqual(quantity("2"), 2)
        self.assertEqual(quantity("256Mi"), 256 * 1024 ** 2)
        self.assertEqual(quantity("1G"), 1e9)

    def test_unreadable_is_zero(self):
        self.assertEqual(quantity("lots"), 0)
        self.assertEqual(quantity("5Qi"), 0)


class Selectors(unittest.TestCase):
    labels = {"app": "postgres", "role": "primary", "tier": "db"}

    def test_equality_and_inequality(self):
        self.assertTrue(selector_matches("app=postgres", self.labels))
        self.assertTrue(selector_matches("app==postgres,role=primary", self.labels))
        self.assertFalse(selector_matches("role!=primary", self.labels))
        self.assertFalse(selector_matches("app=flask", self.labels))

    def test_sets_and_existence(self):
        self.assertTrue(selector_matches("role in (primary, replica)", self.labels))
        self.assertFalse(selector_matches("role notin (primary)", self.labels))
        self.assertTrue(selector_matches("tier", self.labels))
        self.assertFalse(selector_matches("!tier", self.labels))
        self.assertTrue(selector_matches("", self.labels))


class Durations(unittest.TestCase):
    def test_go_durations(self):
        self.assertEqual(parse_duration("30s"), 30)
        self.assertEqual(parse_duration("1h30m"), 5400)
        self.assertEqual(parse_duration("250ms"), 0.25)
        self.assertIsNone(parse_duration(""))
        self.assertIsNone(parse_duration("soon"))

    def test_tc_rates_as_chaos_mesh_takes_them(self):
        self.assertEqual(parse_rate("1mbit"), 1e6)
        self.assertEqual(parse_rate("1024kbit"), 1.024e6)
        self.assertEqual(parse_rate("2mbps"), 16e6, "bps is bytes a second")
        self.assertIsNone(parse_rate("fast"))
        self.assertIsNone(parse_rate(""))

    def test_chaos_ends_at_creation_plus_duration_unless_paused(self):
        created = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
        obj = {"metadata": {"creationTimestamp": created.strftime("%Y-%m-%dT%H:%M:%SZ")}, "spec": {"duration": "60s"}}
        self.assertEqual(chaos_ends(obj), created.timestamp() + 60)
        obj["metadata"]["annotations"] = {"experiment.chaos-mesh.org/pause": "true"}
        self.assertIsNone(chaos_ends(obj))
        del obj["metadata"]["annotations"]
        obj["spec"] = {}
        self.assertGreater(chaos_ends(obj), created.timestamp() + 1e8, "no duration: runs until deleted")


class NodeStatusReports(unittest.TestCase):
    """A 1.20 kubelet with leases writes a node's status on a change, else every 5 minutes: the lab's
    nodes must be as quiet, or no watch of nodes is ever quiet."""

    def test_first_write_and_changes_are_written_at_once(self):
        self.assertTrue(status_report_due(True, None, None, 0, 300))
        self.assertTrue(status_report_due(False, True, 100, 101, 300))
        self.assertTrue(status_report_due(True, False, 100, 101, 300))

    def test_a_ready_node_is_written_every_period_only(self):
        self.assertFalse(status_report_due(True, True, 100, 110, 300))
        self.assertFalse(status_report_due(True, True, 100, 399, 300))
        self.assertTrue(status_report_due(True, True, 100, 400, 300))

    def test_a_node_that_stays_not_ready_is_not_written_again(self):
        self.assertFalse(status_report_due(False, False, 100, 10_000, 300))


if __name__ == "__main__":
    unittest.main()


class ChaosOnProbes(unittest.TestCase):
    """What each Chaos Mesh kind does to the probes of the services whose pods it selected."""

    def effect(self, *objs):
        from emulator.chaos import ChaosDaemon

        class Lab(ChaosDaemon):
            probed = ["pipeline/postgres", "pipeline/flask"]
            net_selected = {}
            net_effect = {}

            def select(self, obj):
                class Meta:
                    namespace = "pipeline"
                    labels = {"app": obj["spec"]["app"]}

                class Pod:
                    metadata = Meta

                return [Pod]

            def service_selector(self, svc):
                return {"app": svc.split("/")[1]}

        lab = Lab()
        far = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
        items = []
        for i, (kind, spec) in enumerate(objs):
            items.append({"kind": kind, "metadata": {"uid": str(i), "name": "c%d" % i, "creationTimestamp": far},
                          "spec": dict(spec, duration="10m")})
        lab.track_network(items)
        return lab.net_effect

    def test_io_latency_delays_the_database(self):
        e = self.effect(("IOChaos", {"app": "postgres", "action": "latency", "delay": "100ms"}))
        self.assertAlmostEqual(e["pipeline/postgres"]["delay"], 0.3)
        self.assertNotIn("pipeline/flask", e)

    def test_http_abort_and_dns_errors(self):
        e = self.effect(("HTTPChaos", {"app": "flask", "abort": True, "target": "Request"}),
                        ("DNSChaos", {"app": "postgres", "action": "error"}))
        self.assertEqual(e["pipeline/flask"]["loss"], 1.0)
        self.assertEqual(e["pipeline/postgres"]["error"], 1.0)

    def test_time_skew_shows_nothing_on_a_probe(self):
        self.assertEqual(self.effect(("TimeChaos", {"app": "flask", "timeOffset": "-600s"})), {})

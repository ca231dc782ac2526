import ClusterState
import Console
import Foundation
import Panels
import Recording
import Simulation
import XCTest

/// A session's journal: written as the session goes, read back whole, replayed through the same
/// reducer to the same incidents, seekable; bad journals refused in words.
final class RecordingTests: XCTestCase {
  var dir: URL!

  override func setUpWithError() throws {
    dir = FileManager.default.temporaryDirectory.appendingPathComponent("ct-rec-\(getpid())-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
  }

  override func tearDown() { try? FileManager.default.removeItem(at: dir) }

  /// The recorder's notes in a journal.
  static func notes(_ journal: JournalReader) -> [String] {
    journal.records.compactMap { r -> String? in
      if case .note(_, let t) = r { return t } else { return nil }
    }
  }

  /// A demo session with a pod kill and a primary kill, recorded; returns the live console and the file.
  func recordSession(seconds: Seconds = 90, sizeCap: Int = 200 << 20, extraPods: Int = 0) throws -> (Console, String) {
    var o = Simulator.Options()
    o.controlGroup = true
    o.extraPods = extraPods
    let c = Console(source: DemoCluster(options: o))
    let path = dir.appendingPathComponent("s.jsonl").path
    var clock = 0.0
    let writer = JournalWriter(
      path: path, header: SessionJournal.Header(chaostui: "test", started: 1_800_000_000, info: c.source.info),
      sizeCap: sizeCap, keepWhole: 60, clock: { clock })
    XCTAssertNil(writer.problem)
    c.record(to: writer)
    var t: Seconds = 0
    while t < seconds {
      t += 0.5
      clock = t
      c.advanceVirtual(to: t)
      // 600 s of session pass here in about 2 s: a rewrite gets the time a real session gives it.
      while writer.isCompacting { usleep(1000) }
      if t == 10 {
        c.store.dispatch(
          .requestFault(
            FaultRequest(
              kind: .podKill, target: .workload(namespace: "pipeline", name: "flask"),
              parameters: {
                var p = FaultParameters(); p.mode = .one; return p
              }())))
      }
      if t == 30 {
        c.store.dispatch(
          .requestFault(FaultRequest(kind: .killPrimary, target: .workload(namespace: "pipeline", name: "postgres"))))
      }
    }
    c.stop()
    return (c, path)
  }

  func testAReplayHasTheSessionsIncidentsAndPods() throws {
    let (live, path) = try recordSession()
    let journal = try JournalReader.load(path: path)
    XCTAssertEqual(journal.header.version, 1)
    XCTAssertTrue(journal.header.isDemo)
    XCTAssertEqual(journal.notes, [])
    let replay = RecordedSession(journal: journal)
    XCTAssertEqual(replay.length, 90, accuracy: 0.6)
    let c = Console(source: replay, readOnly: true)
    c.advanceVirtual(to: replay.length)
    XCTAssertEqual(c.state.incidents.count, 2)
    XCTAssertEqual(c.state.incidents, live.state.incidents, "the same incidents, TTD and TTR")
    XCTAssertEqual(Set(c.state.pods.keys), Set(live.state.pods.keys))
    XCTAssertEqual(c.state.primaries, live.state.primaries)
    XCTAssertEqual(c.state.timeline.map(\.text), live.state.timeline.map(\.text))
    // Each pod's CPU as the panes show it (whole millicores), memory to 4 significant digits.
    for (id, series) in live.state.podSeries {
      let cpu = try XCTUnwrap(series.cpuMilli.last)
      let replayed = try XCTUnwrap(c.state.podSeries[id]?.cpuMilli.last, id)
      XCTAssertEqual(Fmt.cpu(replayed), Fmt.cpu(cpu), id)
      XCTAssertEqual(replayed, cpu, accuracy: 0.5, id)
      let memory = try XCTUnwrap(series.memoryBytes.last)
      XCTAssertEqual(try XCTUnwrap(c.state.podSeries[id]?.memoryBytes.last), memory, accuracy: memory * 5e-4, id)
    }
    // The keys that change a cluster are refused, with the replay's reason.
    c.handle(.char("f"))
    XCTAssertEqual(c.ui.message, "fault is disabled: replay: a recording cannot be changed")
  }

  /// A round where the source had no memory figure for a pod (NaN) replays as no memory sample,
  /// as live; its CPU is kept.
  func testAMissingMemoryFigureReplaysAsMissing() throws {
    let (live, _) = try recordSession(seconds: 5)
    let id = try XCTUnwrap(live.state.pods.keys.sorted().first)
    let before = try XCTUnwrap(live.state.podSeries[id])
    let header = SessionJournal.Header(chaostui: "test", started: 0, info: live.source.info)
    let more = dir.appendingPathComponent("more.jsonl").path
    let writer = JournalWriter(path: more, header: header)
    var state = live.state
    writer.snapshot(state)
    state.now += 1
    writer.record(.podMetrics(time: state.now, [PodSample(podID: id, cpuMilli: 42, memoryBytes: .nan)]), state: state)
    writer.close()
    XCTAssertNotNil(state.podFactsCache, "the live state has its pod facts cached")
    let text = try String(contentsOfFile: more, encoding: .utf8)
    XCTAssertFalse(text.contains("podFactsCache"), "a cache, not state: not in the snapshot")
    XCTAssertTrue(text.contains(#""s":[[0,42]]}"#))
    let replay = RecordedSession(journal: try JournalReader.load(path: more))
    let c = Console(source: replay, readOnly: true)
    c.advanceVirtual(to: replay.length)
    let after = try XCTUnwrap(c.state.podSeries[id])
    XCTAssertEqual(after.cpuMilli.last, 42)
    XCTAssertEqual(after.memoryBytes.count, min(60, before.memoryBytes.count), "no memory sample added")
  }

  func testSeekBackAndForwardAndToTheFaults() throws {
    let (live, path) = try recordSession()
    let replay = RecordedSession(journal: try JournalReader.load(path: path))
    let c = Console(source: replay, readOnly: true)
    c.advanceVirtual(to: 80)
    XCTAssertEqual(c.state.incidents.count, 2)
    // Back to 20 s: from the snapshot at the start, then the records up to 20 s.
    c.advanceVirtual(to: 20)
    XCTAssertEqual(c.state.now, 20, accuracy: 0.11)
    XCTAssertEqual(c.state.incidents.count, 1, "only the pod kill by then")
    c.advanceVirtual(to: 90)
    XCTAssertEqual(c.state.incidents, live.state.incidents)
    // The marks: each fault (its detection a moment later is the same mark) and each recovery.
    let recoveries = live.state.incidents.compactMap(\.recovered).map { $0 - replay.start }
    XCTAssertEqual(recoveries.count, 2)
    XCTAssertEqual(replay.marks.count, 4, "\(replay.marks)")
    XCTAssertEqual(replay.marks[0], 10, accuracy: 0.6)
    XCTAssertEqual(replay.marks[1], recoveries[0], accuracy: 0.01)
    XCTAssertEqual(replay.marks[2], 30, accuracy: 0.6)
    XCTAssertEqual(replay.marks[3], recoveries[1], accuracy: 0.01)
    replay.seek(to: 0)
    XCTAssertTrue(replay.seekToMark(forward: true))
    XCTAssertEqual(replay.position, 10.5, accuracy: 0.6)
    XCTAssertTrue(replay.seekToMark(forward: true))
    XCTAssertEqual(replay.position, recoveries[0] + 0.5, accuracy: 0.01)
    XCTAssertTrue(replay.seekToMark(forward: true))
    XCTAssertEqual(replay.position, 30.5, accuracy: 0.6)
    XCTAssertTrue(replay.seekToMark(forward: false))
    XCTAssertEqual(replay.position, recoveries[0] + 0.5, accuracy: 0.01)
  }

  func testACutLastLineAndUnknownRecordsAreSkippedWithANote() throws {
    let (_, path) = try recordSession(seconds: 20)
    var data = try Data(contentsOf: URL(fileURLWithPath: path))
    data.append(Data(#"{"k":"future-kind","t":20,"x":1}"#.utf8))
    data.append(0x0A)
    data.append(Data(#"{"k":"a","t":20.5,"a":{"tick":{"_0":20"#.utf8))
    let j = try JournalReader(data: data, name: "cut.jsonl")
    XCTAssertEqual(
      j.notes,
      [
        "the last line was cut short (the session ended abruptly): skipped",
        "records of kinds this version does not know ignored: future-kind",
      ])
  }

  func testBadJournalsAreRefusedInWords() {
    func error(_ text: String) -> String {
      do {
        _ = try JournalReader(data: Data(text.utf8), name: "j")
        return "read"
      } catch { return "\(error)" }
    }
    XCTAssertEqual(error(""), "j: empty: no session was recorded in it")
    XCTAssertEqual(error("hello\n"), "j: not a chaostui journal (its first line is no chaostui-journal header)")
    XCTAssertEqual(
      error(
        #"{"k":"header","format":"chaostui-journal","version":9,"chaostui":"9","started":0,"isDemo":true,"context":"demo"}"#
          + "\n"),
      "j: a journal of version 9, newer than this chaostui reads (1): update chaostui")
    XCTAssertEqual(
      error(
        #"{"k":"header","format":"chaostui-journal","version":1,"chaostui":"1","started":0,"isDemo":true,"context":"demo"}"#
          + "\n"),
      "j: no snapshot in it: nothing to replay from (was the session that short?)")
  }

  func testAFileThatCannotBeWrittenIsSaidOnceAndTheSessionGoesOn() throws {
    let c = Console(source: DemoCluster(options: Simulator.Options()))
    let writer = JournalWriter(
      path: "/proc/chaostui-cannot/s.jsonl",
      header: SessionJournal.Header(chaostui: "test", started: 0, info: c.source.info))
    c.record(to: writer)
    XCTAssertTrue(writer.problem?.hasPrefix("not recording: cannot create /proc/chaostui-cannot") ?? false)
    XCTAssertEqual(c.ui.message, writer.problem)
    c.advanceVirtual(to: 5)
    XCTAssertEqual(c.state.now, 5, accuracy: 0.11)
    // An existing file is never overwritten.
    let existing = dir.appendingPathComponent("old.jsonl").path
    try "keep".write(toFile: existing, atomically: true, encoding: .utf8)
    let second = JournalWriter(
      path: existing, header: SessionJournal.Header(chaostui: "t", started: 0, info: c.source.info))
    XCTAssertEqual(second.problem, "not recording: \(existing) exists (a journal is never overwritten)")
    XCTAssertEqual(try String(contentsOfFile: existing, encoding: .utf8), "keep")
  }

  /// Past the cap the oldest detail goes first: the journal is rewritten with the pod samples of
  /// its older half at one round a minute, the newest kept every second; events, faults and
  /// snapshots all kept, so the replay has the session's incidents.
  func testPastTheCapTheOldestPodSamplesAreThinnedFirst() throws {
    // 100 more pods: pod samples are most of the journal, as on a real cluster.
    let (_, full) = try recordSession(seconds: 600, extraPods: 100)
    let fullSize = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: full)[.size] as? Int)
    try FileManager.default.removeItem(atPath: full)
    let cap = fullSize * 7 / 10
    let (live, path) = try recordSession(seconds: 600, sizeCap: cap, extraPods: 100)
    XCTAssertFalse(FileManager.default.fileExists(atPath: path + ".compacting"), "no rewrite left behind")
    let size = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
    XCTAssertLessThan(size, fullSize, "smaller than the whole")
    let journal = try JournalReader.load(path: path)
    let notes = Self.notes(journal)
    let thinned = notes.compactMap { n -> Seconds? in
      guard let r = n.range(of: "pod samples up to +") else { return nil }
      // "4m40s" or "52.3s"
      let text = n[r.upperBound...].prefix { $0 != " " }.dropLast()
      let parts = text.split(separator: "m")
      return parts.count == 2 ? Double(parts[0])! * 60 + Double(parts[1])! : Double(text)
    }
    XCTAssertFalse(thinned.isEmpty, "\(notes)")
    XCTAssertFalse(notes.contains { $0.contains("new pod samples") }, "rewriting the oldest was enough: \(notes)")
    let before = try XCTUnwrap(thinned.max())
    let rounds = journal.records.compactMap { r -> Seconds? in
      if case .action(let t, .podMetrics) = r { return t } else { return nil }
    }
    let old = rounds.filter { $0 < before - 0.1 }
    let oldMinutes = Set(old.map { Int($0 / 60) })
    XCTAssertEqual(old.count, oldMinutes.count, "one round a minute up to +\(before)")
    XCTAssertLessThan(size, cap, "under the cap")
    let newest = rounds.filter { $0 > 540 }
    XCTAssertGreaterThanOrEqual(newest.count, 55, "the last minute every second")
    XCTAssertEqual(journal.notes, [], "every line reads")
    let c = Console(source: RecordedSession(journal: journal), readOnly: true)
    c.advanceVirtual(to: 600)
    XCTAssertEqual(c.state.incidents, live.state.incidents, "events and faults are all kept")
  }

  /// A rewrite that cannot be made (here its file's name is taken by a folder) leaves the journal
  /// whole and says so; new samples are thinned instead.
  func testARewriteThatCannotBeMadeLeavesTheJournalWhole() throws {
    try FileManager.default.createDirectory(
      at: dir.appendingPathComponent("s.jsonl.compacting"), withIntermediateDirectories: true)
    let (live, path) = try recordSession(seconds: 200, sizeCap: 400_000, extraPods: 100)
    let journal = try JournalReader.load(path: path)
    let notes = Self.notes(journal)
    XCTAssertEqual(notes.count, 1, "\(notes)")
    XCTAssertTrue(
      notes.first?.hasPrefix("past 390 KiB: new pod samples thinned to one round a minute (cannot create") ?? false,
      "\(notes)")
    XCTAssertEqual(journal.notes, [])
    let c = Console(source: RecordedSession(journal: journal), readOnly: true)
    c.advanceVirtual(to: 200)
    XCTAssertEqual(c.state.incidents, live.state.incidents)
  }

  /// Past the cap with nothing old enough to thin (the newest minutes are kept whole), new samples
  /// are thinned.
  func testPastATinyCapNewPodSamplesAreThinned() throws {
    let (live, path) = try recordSession(seconds: 90, sizeCap: 30_000)
    let journal = try JournalReader.load(path: path)
    let notes = Self.notes(journal)
    XCTAssertEqual(notes.first, "past 29 KiB: new pod samples thinned to one round a minute until older ones can be")
    let rounds = journal.records.filter { r in
      if case .action(_, .podMetrics) = r { return true } else { return false }
    }.count
    XCTAssertLessThan(rounds, 30, "one round a minute past the cap")
    let c = Console(source: RecordedSession(journal: journal), readOnly: true)
    c.advanceVirtual(to: 90)
    XCTAssertEqual(c.state.incidents, live.state.incidents, "events and faults are all kept")
  }

  /// MTTD, MTTR and MTBF by service worked by hand from the incidents; alerts by service with the
  /// noisy one told apart; the three renderings carry the figures.
  func testTheReportOfARecordedSession() throws {
    let (live, path) = try recordSession()
    // Two alerts, added to the journal as Prometheus would have sent them: one while the pod kill's
    // incident is open (not noisy), one later that resolves by itself within a minute (noisy).
    var text = try String(contentsOfFile: path, encoding: .utf8)
    func alertLine(_ t: Seconds, _ firing: [(String, String)]) throws -> String {
      let list = firing.map {
        Alert(name: $0.0, state: "firing", labels: ["service": "flask", "severity": $0.1], summary: "", activeAt: t)
      }
      let data = try JSONEncoder().encode(AlertLine(t: t, a: .alerts(list, time: t)))
      return String(decoding: data, as: UTF8.self) + "\n"
    }
    text += try alertLine(12, [("FlaskDown", "critical")])
    text += try alertLine(20, [])
    text += try alertLine(60, [("FlaskSlow", "warning")])
    text += try alertLine(75, [])
    let report = SessionReport(journal: try JournalReader(data: Data(text.utf8), name: "s"))
    XCTAssertEqual(report.incidents, live.state.incidents)
    let flask = try XCTUnwrap(report.byService.first { $0.service == "pipeline/flask" })
    let inc = live.state.incidents.filter { $0.workloads.contains("pipeline/flask") }
    XCTAssertEqual(flask.incidents, inc.count)
    XCTAssertEqual(flask.mttd!, inc.compactMap(\.ttd).reduce(0, +) / Double(inc.count), accuracy: 1e-9)
    XCTAssertEqual(flask.mttr!, inc.compactMap(\.ttr).reduce(0, +) / Double(inc.count), accuracy: 1e-9)
    XCTAssertEqual(flask.mtbf!, report.length / Double(inc.count), accuracy: 1e-9)
    XCTAssertEqual(report.alerts.map(\.name), ["FlaskDown", "FlaskSlow"])
    XCTAssertEqual(report.alerts.map { report.isNoisy($0) }, [false, true])
    let bySvc = try XCTUnwrap(report.alertsByService.first)
    XCTAssertEqual(bySvc.service, "flask")
    XCTAssertEqual(bySvc.count, 2)
    XCTAssertEqual(bySvc.noisy, 1)
    XCTAssertEqual(bySvc.meanResolution!, (8 + 15) / 2, accuracy: 1e-9)
    XCTAssertEqual(report.severity(report.incidents[0]), "critical", "a critical alert fired during it")
    XCTAssertEqual(report.audit.count, 2)
    let md = report.markdown()
    XCTAssertTrue(md.contains("| pipeline/flask | \(inc.count) |"), md)
    XCTAssertTrue(md.contains("- critical: 1"), md)
    let html = report.html()
    XCTAssertTrue(html.contains("<svg class=\"chart\" data-label=\"p99 latency\""))
    XCTAssertTrue(html.contains("class=\"fault\""), "fault windows shaded")
    XCTAssertTrue(html.contains("class=\"detected\""), "incidents marked")
    XCTAssertFalse(html.contains("<script") || html.contains("http://") || html.contains("https://"), "self-contained")
    let json = try XCTUnwrap(JSONSerialization.jsonObject(with: report.json()) as? [String: Any])
    XCTAssertEqual((json["summary"] as? [String: Any])?["incidents"] as? Int, 2)
    XCTAssertEqual((json["alerts"] as? [[String: Any]])?.map { $0["noisy"] as? Bool }, [false, true])
  }

  /// In a session of two contexts each Prometheus answers for its own alerts: the report keeps both,
  /// named with their context, and one context's answer resolves only its own.
  func testEachContextsAlertsInTheReport() throws {
    let (_, path) = try recordSession()
    var text = try String(contentsOfFile: path, encoding: .utf8)
    func alertLine(_ t: Seconds, _ alias: String, firing: Bool) throws -> String {
      let down = Alert(
        name: "PostgresDown", state: "firing", labels: ["namespace": "shop", "severity": "critical"], summary: "",
        activeAt: t)
      let inward = ContextTranslation(alias: alias, index: alias == "a" ? 0 : 1, count: 2)
      let data = try JSONEncoder().encode(AlertLine(t: t, a: inward.inward(.alerts(firing ? [down] : [], time: t))))
      return String(decoding: data, as: UTF8.self) + "\n"
    }
    text += try alertLine(12, "a", firing: true)
    text += try alertLine(14, "b", firing: true)
    text += try alertLine(20, "b", firing: false)
    text += try alertLine(30, "a", firing: false)
    let report = SessionReport(journal: try JournalReader(data: Data(text.utf8), name: "s"))
    XCTAssertEqual(report.alerts.map(\.name), ["a:PostgresDown", "b:PostgresDown"])
    XCTAssertEqual(report.alerts.map(\.fired), [12, 14])
    XCTAssertEqual(report.alerts.map(\.resolved), [30, 20], "b's answer at 20 resolves b's alert, not a's")
  }

  struct AlertLine: Encodable {
    var k = "a"
    var t: Seconds
    var a: Action
  }

  /// R writes the report of the session so far beside its journal; without a journal it says why.
  func testTheReportKey() throws {
    let c = Console(source: DemoCluster(options: Simulator.Options()))
    let path = dir.appendingPathComponent("live.jsonl").path
    c.record(
      to: JournalWriter(path: path, header: SessionJournal.Header(chaostui: "t", started: 0, info: c.source.info)))
    for t in stride(from: 0.5, through: 20, by: 0.5) { c.advanceVirtual(to: t) }
    c.handle(.char("R"))
    let base = dir.appendingPathComponent("live").path
    XCTAssertEqual(c.ui.message, "Report: \(base).html (and .md, .json)")
    for ext in ["md", "json", "html"] { XCTAssertTrue(FileManager.default.fileExists(atPath: base + "." + ext), ext) }
    let unrecorded = Console(source: DemoCluster(options: Simulator.Options()))
    unrecorded.handle(.char("R"))
    XCTAssertEqual(
      unrecorded.ui.message,
      "No report: this session is not recorded (--no-record, or its journal could not be written)")
  }

  /// Two sessions side by side: by service, with B - A; the same session twice differs in nothing.
  func testComparingTwoSessions() throws {
    let (_, path) = try recordSession(seconds: 60)
    let a = SessionReport(journal: try JournalReader.load(path: path))
    let cmp = SessionComparison(a, a)
    XCTAssertEqual(cmp.rows.map(\.service), a.byService.map(\.service))
    let md = cmp.markdown()
    XCTAssertTrue(
      md.contains(
        "| MTTR | \(formatDuration(a.final.summary.meanTTR!)) | \(formatDuration(a.final.summary.meanTTR!)) | = |"), md)
    XCTAssertEqual(SessionComparison.delta(10, 6.8), "-3.2s")
    XCTAssertEqual(SessionComparison.delta(10, 12), "+2.0s")
    XCTAssertEqual(SessionComparison.delta(nil, 12), "-")
    let json = try XCTUnwrap(JSONSerialization.jsonObject(with: cmp.json()) as? [String: Any])
    XCTAssertEqual(json["format"] as? String, "chaostui-comparison")
    XCTAssertTrue(cmp.html().contains("<table>"))
  }
}

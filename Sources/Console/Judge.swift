import ClusterState
import Experiments
import Recording

/// `chaostui judge`: a recorded experiment judged again from its session's journal alone, with the
/// file it ran with or a changed one (hypotheses, thresholds, tests, stop conditions). The journal's
/// actions go through the same reducer as the session's did and a fresh run of the experiment is
/// stepped on them; the faults are the recording's (what the run asks for is not carried out), and
/// its method starts when the recorded one did.
public enum Judge {
  public struct Failure: Error, CustomStringConvertible, Equatable {
    public var description: String
    public init(description: String) { self.description = description }
  }

  /// A run judged again beside the recorded one.
  public struct Judgement: Sendable {
    public var recorded: SessionJournal.ExperimentRecord
    /// Which experiment of the journal (0-based) and how many it holds.
    public var index: Int
    public var count: Int
    public var run: ExperimentRun
    /// The experiment's file came from the journal (not --experiment).
    public var fromJournal: Bool

    /// Each hypothesis judged, with what the recording says of the one of that name (nil: new).
    public var rows: [(name: String, judged: ExperimentRun.Outcome, recorded: String?)] {
      zip(run.experiment.hypotheses, run.outcomes).map { h, o in
        (h.name, o, recorded.hypotheses.first { $0.name == h.name }.map { $0.status })
      }
    }

    /// The recorded hypotheses the file judged with has no longer.
    public var dropped: [String] {
      let names = Set(run.experiment.hypotheses.map(\.name))
      return recorded.hypotheses.map(\.name).filter { !names.contains($0) }
    }

    /// Whether the verdict is another than the recording's.
    public var changed: Bool { (run.verdict?.label ?? "") != recorded.verdict }
  }

  /// The experiments a journal holds, in the order they started.
  public static func experiments(_ journal: JournalReader) -> [SessionJournal.ExperimentRecord] {
    journal.records.compactMap { r -> SessionJournal.ExperimentRecord? in
      if case .experiment(_, let e) = r { return e } else { return nil }
    }.sorted { ($0.created ?? $0.t) < ($1.created ?? $1.t) }
  }

  /// Judges the journal's experiment `index` (nil: the last) with `experiment` (nil: the file the
  /// journal recorded with it).
  public static func judge(_ journal: JournalReader, experiment: Experiment?, index: Int?) throws -> Judgement {
    let all = experiments(journal)
    guard !all.isEmpty else { throw Failure(description: "the journal holds no experiment's verdict") }
    let k = index ?? all.count - 1
    guard all.indices.contains(k) else {
      throw Failure(description: "there is no experiment \(k + 1): the journal holds \(all.count)")
    }
    let rec = all[k]
    guard let created = rec.created else {
      throw Failure(
        description: "the journal does not say when \"\(rec.title)\" started (written by an older chaostui)")
    }
    let e: Experiment
    if let experiment {
      e = experiment
    } else {
      guard let text = rec.file else {
        throw Failure(
          description:
            "the journal does not hold the file of \"\(rec.title)\" (over 64 KiB, or recorded by an older chaostui): give it with --experiment FILE"
        )
      }
      do { e = try ExperimentFile.parse(text, file: "the journal's copy of \"\(rec.title)\"") } catch {
        throw Failure(description: "\(error)")
      }
    }
    var run = ExperimentRun(e, at: created, judging: .init(title: rec.title, methodStart: rec.methodStart))
    let next = k + 1 < all.count ? all[k + 1].created : nil
    replay(journal, from: created, until: next, recorded: rec, run: &run)
    return Judgement(recorded: rec, index: k, count: all.count, run: run, fromJournal: experiment == nil)
  }

  /// Steps the run on the recording from `created` on: to its verdict, the recorded run's abort,
  /// the next experiment's start or the journal's end, whichever is first.
  static func replay(
    _ journal: JournalReader, from created: Seconds, until next: Seconds?,
    recorded rec: SessionJournal.ExperimentRecord,
    run: inout ExperimentRun
  ) {
    let records = journal.records
    let store = Store()
    // From the last snapshot at or before the start: the series before it are the baselines.
    var first = 0
    for (i, r) in records.enumerated() {
      if case .snapshot(let t, _) = r, t <= created { first = i }
    }
    guard rec.methodStart != nil else {
      _ = run.abort("the recorded run never started its method (\(rec.verdict))", at: rec.t)
      return
    }
    // A run the recording stopped early has nothing after its end to judge.
    let cut = rec.passed || rec.verdict.hasPrefix("failed") ? nil : rec.t
    for r in records[first...] {
      switch r {
      case .snapshot(let t, let lazy) where t <= created:
        if var snap = try? lazy.decode() {
          snap.session.readOnlyReason = "judge: a recording cannot be changed"
          store.dispatch(.restore(snap))
        }
      case .action(let t, let a):
        if let cut, t > cut {
          _ = run.abort("the recorded run ended here: \(rec.verdict)", at: cut)
          return
        }
        if let next, t >= next {
          _ = run.abort("the next experiment of the recording starts here", at: next)
          return
        }
        store.dispatch(a)
        // What the run asks for (faults, the abort) is the recording's to have done.
        if case .tick = a, store.state.now >= created { _ = run.step(store.state) }
        if run.isFinished { return }
      default: continue
      }
    }
    _ = run.abort("the recording ends before the run settled", at: store.state.now)
  }
}

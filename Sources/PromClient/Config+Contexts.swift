import ClusterState

/// The config file's several clusters: `contexts:` (one session of several) and `failover:` (a
/// service served from one context or another, its incidents measured across them).
///
/// ```yaml
/// contexts:
///   - primary=kind-primary                                 # ALIAS=NAME, or NAME
///   - {name: kind-standby, alias: standby, read-only: true}
///   - {name: kind-dr, alias: dr, prometheus: "http://prometheus.dr:9090"}   # its alerts, its figures
/// failover:
///   - name: postgres
///     workloads: [primary:pipeline/postgres, standby:pipeline/postgres]
/// ```
extension ChaosConfig {
  static func contexts(_ value: Any, _ fail: (String) -> ConfigFileError) throws -> [ContextSpec] {
    guard let list = value as? [Any] else {
      throw fail("contexts must be a list (NAME, ALIAS=NAME, or {name, alias, read-only, prometheus})")
    }
    var out: [ContextSpec] = []
    for (i, item) in list.enumerated() {
      if let text = item as? String {
        switch ContextSpec.parse(text) {
        case .success(let s): out.append(s)
        case .failure(let e): throw fail("contexts[\(i)]: \(e)")
        }
        continue
      }
      guard let m = item as? [String: Any] else { throw fail("contexts[\(i)] must be NAME, ALIAS=NAME or a mapping") }
      guard let name = m["name"] as? String, !name.isEmpty else { throw fail("contexts[\(i)] needs a name") }
      var spec = ContextSpec(alias: ContextName.alias(for: name), name: name)
      for k in m.keys.sorted() {
        switch k {
        case "name": break
        case "alias":
          guard let a = m[k] as? String, ContextName.isValidAlias(a) else {
            throw fail("contexts[\(i)].alias must be 1 to 16 of a-z, 0-9 and -")
          }
          spec.alias = a
        case "read-only":
          guard let b = m[k] as? Bool else { throw fail("contexts[\(i)].read-only must be true or false") }
          spec.readOnly = b
        case "prometheus":
          guard let u = m[k] as? String, u.hasPrefix("http://") || u.hasPrefix("https://"),
            !u.contains(where: { $0.isWhitespace || $0.asciiValue.map { $0 < 0x20 || $0 == 0x7f } == true })
          else { throw fail("contexts[\(i)].prometheus must be an http:// or https:// URL") }
          spec.prometheus = u
        default:
          throw fail("unknown key contexts[\(i)].\(Sanitize.line(k)) (known: name, alias, read-only, prometheus)")
        }
      }
      out.append(spec)
    }
    if let problem = ContextSpec.problem(out) { throw fail("contexts: \(problem)") }
    return out
  }

  static func failover(_ value: Any, _ fail: (String) -> ConfigFileError) throws -> [FailoverGroup] {
    guard let list = value as? [Any] else { throw fail("failover must be a list of {name, workloads}") }
    return try list.enumerated().map { i, item in
      guard let m = item as? [String: Any], let name = m["name"] as? String, !name.isEmpty,
        let ws = m["workloads"] as? [String]
      else { throw fail("failover[\(i)] needs a name and workloads: [ALIAS:NAMESPACE/NAME, ...]") }
      for k in m.keys where k != "name" && k != "workloads" {
        throw fail("unknown key failover[\(i)].\(Sanitize.line(k)) (known: name, workloads)")
      }
      switch FailoverGroup.make(name: name, workloads: ws) {
      case .success(let g): return g
      case .failure(let e): throw fail("failover[\(i)]: \(e)")
      }
    }
  }
}

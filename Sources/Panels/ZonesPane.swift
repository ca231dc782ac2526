import ClusterState

/// Availability zones: for each zone its nodes (Ready/all), its pods (Ready/all), and for each
/// service its share of the traffic (its share of the service's Ready endpoints: a load balancer
/// spreads requests over them) with its history.
public enum ZonesPane {
  public static func render(
    _ buf: inout CellBuffer, _ area: Rect, state: ClusterSnapshot, focused: Bool, ctx: RenderContext
  ) {
    let t = ctx.theme
    let measured = state.zoneTraffic.values.contains(where: \.measured)
    let inner = Widgets.box(
      &buf, area, title: "Zones", focused: focused, ctx: ctx,
      badge: measured ? "traffic share measured (zone_requests_per_second)" : "traffic share by Ready endpoints")
    guard inner.height >= 1, inner.width >= 20 else { return }
    var y = inner.y
    func line(_ text: String, _ style: Style) {
      guard y < inner.maxY else { return }
      buf.write(inner.x, y, text, style, maxWidth: inner.width)
      y += 1
    }
    if state.zones.isEmpty {
      line("no nodes known yet", t.style(.muted))
      return
    }
    if state.zones.count == 1 && state.zones[0].name == "(no zone)" {
      line("no node has a zone label (topology.kubernetes.io/zone): one zone, nothing to compare", t.style(.warn))
    }
    let zoneW = max(8, min(16, state.zones.map(\.name.count).max() ?? 8))
    line(Fmt.fit("ZONE", zoneW) + "  NODES   PODS (READY/ALL, EVERY NAMESPACE)", t.style(.title, [.bold]))
    for z in state.zones {
      let nodesBad = z.readyNodes < z.nodes
      line(
        Fmt.fit(z.name, zoneW) + "  " + Fmt.fit("\(z.readyNodes)/\(z.nodes)", 6) + "  "
          + Fmt.fit("\(z.readyPods)/\(z.pods)", 10),
        t.style(nodesBad ? .warn : .main_fg))
    }
    // Each service with endpoints: its share per zone now and over time.
    let services = state.zoneTraffic.values.filter { traffic in
      state.services[traffic.service].map { state.pods.isEmpty || !$0.namespace.isEmpty } ?? false
    }.sorted { $0.service < $1.service }
    guard !services.isEmpty, y < inner.maxY else { return }
    if !measured && !state.isDemo {
      line(
        "no zone_requests_per_second query in the queries file: a zone's share is its share of the Ready endpoints",
        t.style(.muted))
    }
    y += y < inner.maxY - 1 ? 1 : 0
    let svcW = max(10, min(28, services.map(\.service.count).max() ?? 10))
    let sparkW = max(0, inner.width - svcW - zoneW - 16)
    line(Fmt.fit("SERVICE", svcW) + " " + Fmt.fit("ZONE", zoneW) + "  SHARE  ENDPOINTS", t.style(.title, [.bold]))
    for traffic in services {
      for (k, z) in state.zones.enumerated() {
        guard y < inner.maxY else { return }
        let share = traffic.latest(z.name)
        let eps = traffic.readyEndpoints[z.name] ?? 0
        // Traffic gone from a zone that had some: the load balancer routes around it.
        let low = (share ?? 0) < 1 && (traffic.share[z.name]?.max ?? 0) > 0
        let text =
          Fmt.fit(k == 0 ? traffic.service : "", svcW) + " " + Fmt.fit(z.name, zoneW) + " "
          + Fmt.fit(share.map { String(Int($0.rounded())) + "%" } ?? "-", 6, right: true) + " "
          + Fmt.fit("\(eps)", 4, right: true)
        buf.write(inner.x, y, text, t.style(low ? .warn : .main_fg, low ? [.bold] : []), maxWidth: inner.width)
        if sparkW > 4 {
          Widgets.sparkline(
            &buf, x: inner.x + svcW + zoneW + 16, y: y, width: sparkW,
            values: traffic.share[z.name]?.suffix(sparkW) ?? [], maxValue: 100, style: t.style(.latency),
            glyphs: ctx.glyphs)
        }
        y += 1
      }
    }
  }
}

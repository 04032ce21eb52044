import Synchronization

/// The polled documents' renderings, one per document, made again when what they depend on changes.
///
/// A document that renders quickly (a city of a few hundred car parks and beaches) is rendered in the request
/// that finds it out of date, as before: every answer is current. One that takes longer than
/// ``slowRenderSeconds`` (a metropolis) would make every poller wait, and pile renderings on each other: its
/// pollers get the latest rendering at once while one new rendering is made in the background, at most one
/// per document at a time and at most every ``slowRenderSpacing`` times its duration, so that rendering never
/// takes more than a fraction of a core whatever the number of pollers.
package final class RenderedSnapshots<Version: Equatable & Sendable, Value: Sendable>: Sendable {
    private struct Entry {
        var version: Version
        var value: Value
        var renderedAt: ContinuousClock.Instant
        var renderSeconds: Double
        var refreshing = false
    }

    /// Renderings slower than this are refreshed in the background.
    package static var slowRenderSeconds: Double { 0.05 }
    /// A slow document is rendered again at most every this many times its last rendering's duration.
    package static var slowRenderSpacing: Double { 4 }

    /// What a request does: serve what is there, serve it and start a rendering, or render and wait.
    private enum Plan {
        case serve(Value)
        case serveAndRefresh(Value)
        case render
    }

    private let entries = Mutex<[String: Entry]>([:])
    private let clock = ContinuousClock()

    /// No rendering yet.
    package init() {}

    /// The rendering of `key` for `version`, or (for a slow document) the latest one while the next is made.
    package func value(_ key: String, version: Version, render: @escaping @Sendable () -> Value) -> Value {
        let now = clock.now
        let plan = entries.withLock { entries -> Plan in
            guard var entry = entries[key] else { return .render }
            if entry.version == version { return .serve(entry.value) }
            guard entry.renderSeconds >= Self.slowRenderSeconds else { return .render }
            let spacing = Duration.seconds(entry.renderSeconds * Self.slowRenderSpacing)
            guard !entry.refreshing, now - entry.renderedAt >= spacing else { return .serve(entry.value) }
            entry.refreshing = true
            entries[key] = entry
            return .serveAndRefresh(entry.value)
        }
        switch plan {
        case .serve(let value):
            return value
        case .serveAndRefresh(let value):
            Task.detached { self.renderAndKeep(key, version: version, render) }
            return value
        case .render:
            return renderAndKeep(key, version: version, render)
        }
    }

    @discardableResult
    private func renderAndKeep(_ key: String, version: Version, _ render: () -> Value) -> Value {
        let began = clock.now
        let value = render()
        let elapsed = clock.now - began
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        entries.withLock {
            $0[key] = Entry(version: version, value: value, renderedAt: clock.now, renderSeconds: seconds)
        }
        return value
    }
}

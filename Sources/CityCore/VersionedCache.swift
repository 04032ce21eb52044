import Synchronization

/// Values computed once per version of what they depend on, and shared: the polled documents' renderings,
/// the beaches' classifications. The version is whatever the caller can compare cheaply (data counters,
/// newest sample times, a time bucket); a different version recomputes.
package final class VersionedCache<Version: Equatable & Sendable, Value: Sendable>: Sendable {
    private struct Entry {
        var version: Version
        var value: Value
    }

    private let entries = Mutex<[String: Entry]>([:])

    /// An empty cache.
    package init() {}

    /// The cached value of `key` if made for `version`; otherwise `make()`'s, cached. Computed outside the
    /// lock: two callers missing together may both compute, and the later one is kept.
    package func value(_ key: String, version: Version, make: () -> Value) -> Value {
        if let entry = entries.withLock({ $0[key] }), entry.version == version { return entry.value }
        let value = make()
        entries.withLock { $0[key] = Entry(version: version, value: value) }
        return value
    }
}

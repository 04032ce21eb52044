/// A dictionary that remembers, until the step ends, which keys changed and what each held before.
///
/// The engine's state is journalled as the changes of each step, so a step costs what it changed rather than
/// the size of the city; and a step the journal refuses is undone key by key, where keeping a copy of the whole
/// state would make the first write of every step copy every dictionary (copy-on-write).
public struct ChangeTrackedMap<Key: Hashable & Sendable, Value: Equatable & Sendable>: Sendable {
    private var storage: [Key: Value]
    /// Each key written since the step began, with the value it had then (`nil`: absent).
    private var before: [Key: Value?] = [:]

    /// A map holding `entries`, with no change pending.
    public init(_ entries: [Key: Value] = [:]) {
        storage = entries
    }

    /// The value for `key`; setting it (or `nil`, to remove it) records the change.
    public subscript(key: Key) -> Value? {
        get { storage[key] }
        set {
            if before.index(forKey: key) == nil { before[key] = storage[key] }
            storage[key] = newValue
        }
    }

    /// The entries as a plain dictionary.
    public var dictionary: [Key: Value] { storage }
    /// The keys.
    public var keys: Dictionary<Key, Value>.Keys { storage.keys }
    /// The values.
    public var values: Dictionary<Key, Value>.Values { storage.values }
    /// How many entries there are.
    public var count: Int { storage.count }
    /// Whether there is no entry.
    public var isEmpty: Bool { storage.isEmpty }

    /// The keys whose value differs from the step's start, with their value now (`nil`: removed).
    public var changes: [(key: Key, value: Value?)] {
        before.compactMap { key, old in storage[key] == old ? nil : (key, storage[key]) }
    }

    /// The keys whose value differs from the step's start, with their value then and now (`nil`: absent).
    public var changesWithPrevious: [(key: Key, old: Value?, new: Value?)] {
        before.compactMap { key, old in storage[key] == old ? nil : (key, old, storage[key]) }
    }

    /// Whether any key's value differs from the step's start.
    public var hasChanges: Bool { before.contains { key, old in storage[key] != old } }

    /// Whether any key changed in a way `significant` (given the old and the new value) counts.
    public func hasChanges(where significant: (_ old: Value?, _ new: Value?) -> Bool) -> Bool {
        before.contains { key, old in storage[key] != old && significant(old, storage[key]) }
    }

    /// The changed keys `selected` (given the old and the new value) picks, with their value now.
    public func changes(where selected: (_ old: Value?, _ new: Value?) -> Bool) -> [(key: Key, value: Value?)] {
        before.compactMap { key, old in storage[key] == old || !selected(old, storage[key]) ? nil : (key, storage[key])
        }
    }

    /// Ends the step: its changes stay.
    public mutating func commit() {
        before.removeAll(keepingCapacity: true)
    }

    /// Keeps the changes `selected` picks as done; the others stay pending (their old values kept).
    public mutating func commit(where selected: (_ old: Value?, _ new: Value?) -> Bool) {
        before = before.filter { key, old in storage[key] != old && !selected(old, storage[key]) }
    }

    /// Ends the step by putting back what each changed key held at its start.
    public mutating func rollBack() {
        for (key, old) in before { storage[key] = old }
        before.removeAll(keepingCapacity: true)
    }
}

extension ChangeTrackedMap: Sequence {
    /// The entries, in the dictionary's order.
    public func makeIterator() -> Dictionary<Key, Value>.Iterator { storage.makeIterator() }
}

extension ChangeTrackedMap: Equatable {
    /// Equal when the entries are (pending changes are not compared).
    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.storage == rhs.storage }
}

extension ChangeTrackedMap: Codable where Key: Codable, Value: Codable {
    /// Decoded as the dictionary it holds.
    public init(from decoder: any Decoder) throws {
        self.init(try decoder.singleValueContainer().decode([Key: Value].self))
    }

    /// Encoded as the dictionary it holds.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(storage)
    }
}

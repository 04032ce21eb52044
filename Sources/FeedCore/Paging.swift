/// A page of a whole-city list: at most `limit` items, after `cursor` (the `limit` and `cursor` query
/// parameters), so that a phone reads the part it shows and the daemon computes only that part.
public struct PageRequest: Sendable, Equatable {
    /// The most items a page holds.
    public var limit: Int
    /// Where the page starts: after this item; `nil` for the first page.
    public var after: PageCursor?

    /// A page of at most `limit` items after `after`.
    public init(limit: Int, after: PageCursor? = nil) {
        self.limit = limit
        self.after = after
    }

    /// The largest page a client may ask for.
    public static let maximumLimit = 1_000
    /// The page size when a cursor comes without a limit.
    public static let defaultLimit = 100
}

/// An item's place in a list's order: its distance from the query's point (lists nearest first; 0 otherwise)
/// and its place in the configuration. Clients see it as an opaque token (`next_cursor`).
public struct PageCursor: Sendable, Equatable, Comparable {
    /// Millimetres from the query's point; 0 for lists in configuration order.
    public var distanceMillimetres: Int64
    /// The item's index in the configuration.
    public var index: Int

    /// The place of the item at `index`, `distanceMillimetres` from the query's point.
    public init(distanceMillimetres: Int64 = 0, index: Int) {
        self.distanceMillimetres = distanceMillimetres
        self.index = index
    }

    /// The token clients send back: `DISTANCE_INDEX`.
    public var token: String { "\(distanceMillimetres)_\(index)" }

    /// Reads a token; `nil` unless it is two whole numbers in range (at most 10¹² mm and 10⁸ items).
    public init?(token: String) {
        let parts = token.split(separator: "_", omittingEmptySubsequences: false)
        guard token.utf8.count <= 24, parts.count == 2, parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isASCII) }),
            let distance = Int64(parts[0]), let index = Int(parts[1]), (0...1_000_000_000_000).contains(distance),
            (0...100_000_000).contains(index)
        else { return nil }
        self.init(distanceMillimetres: distance, index: index)
    }

    /// Nearest first, then in configuration order.
    public static func < (lhs: PageCursor, rhs: PageCursor) -> Bool {
        (lhs.distanceMillimetres, lhs.index) < (rhs.distanceMillimetres, rhs.index)
    }
}

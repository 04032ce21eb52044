import Foundation

/// The car parks' positions in a grid of cells about a kilometre wide, so that the car parks near a point or
/// inside a box are found from the cells they lie in, not by measuring the distance to every car park of the
/// city: a near-me query then costs what is near, whatever the city's size.
public struct CarParkGrid: Sendable {
    /// One cell: latitude and longitude divided by ``cellDegrees``, rounded down.
    struct Cell: Hashable, Sendable {
        var row: Int
        var column: Int
    }

    /// 0.01° of latitude is 1.1 km; a cell spans as many degrees of longitude (narrower in metres away from
    /// the equator: more cells to look at, never a car park missed).
    static let cellDegrees = 0.01
    /// Metres in one degree of latitude, on the sphere ``greatCircleDistance`` uses.
    static let metresPerDegree = 6_371_008.8 * Double.pi / 180

    private let cells: [Cell: [Int]]
    private let count: Int

    /// The grid of `carParks`; the query answers index into this array.
    public init(_ carParks: [CarPark]) {
        var cells: [Cell: [Int]] = [:]
        for (index, carPark) in carParks.enumerated() {
            cells[Self.cell(latitude: carPark.latitude, longitude: carPark.longitude), default: []].append(index)
        }
        self.cells = cells
        count = carParks.count
    }

    static func cell(latitude: Double, longitude: Double) -> Cell {
        Cell(row: Int((latitude / cellDegrees).rounded(.down)), column: Int((longitude / cellDegrees).rounded(.down)))
    }

    /// The indexes, in ascending order, of the car parks that may match `query`'s position criteria (every one
    /// that does, and a few around it); `nil` when it has none, or an area the grid cannot bound (across the
    /// antimeridian, up to a pole): then every car park is a candidate.
    public func candidates(for query: ParkingQuery) -> [Int]? {
        if let near = query.near { return candidates(in: Self.box(around: near)) }
        if let box = query.box { return candidates(in: box) }
        return nil
    }

    /// A box holding the whole circle; `nil` when it would reach a pole or cross the antimeridian.
    static func box(around circle: ParkingQuery.Circle) -> ParkingQuery.Box? {
        let latitudeSpan = circle.radiusMetres / metresPerDegree
        let south = circle.latitude - latitudeSpan
        let north = circle.latitude + latitudeSpan
        guard latitudeSpan.isFinite, south > -89, north < 89 else { return nil }
        // Longitude degrees shrink with the cosine of the latitude: take the widest, at the edge nearest a pole.
        let widest = max(abs(south), abs(north)) * Double.pi / 180
        let longitudeSpan = latitudeSpan / cos(widest)
        let west = circle.longitude - longitudeSpan
        let east = circle.longitude + longitudeSpan
        guard west >= -180, east <= 180 else { return nil }
        return ParkingQuery.Box(minLongitude: west, minLatitude: south, maxLongitude: east, maxLatitude: north)
    }

    private func candidates(in box: ParkingQuery.Box?) -> [Int]? {
        guard let box, -90 <= box.minLatitude, box.minLatitude <= box.maxLatitude, box.maxLatitude <= 90,
            -180 <= box.minLongitude, box.minLongitude <= box.maxLongitude, box.maxLongitude <= 180
        else { return nil }
        let low = Self.cell(latitude: box.minLatitude, longitude: box.minLongitude)
        let high = Self.cell(latitude: box.maxLatitude, longitude: box.maxLongitude)
        let rows = low.row...high.row
        let columns = low.column...high.column
        var result: [Int] = []
        // A box larger than the occupied part of the grid: walk the occupied cells instead of the box's.
        if Double(rows.count) * Double(columns.count) > Double(cells.count) {
            for (cell, indexes) in cells where rows.contains(cell.row) && columns.contains(cell.column) {
                result += indexes
            }
        } else {
            for row in rows {
                for column in columns {
                    if let indexes = cells[Cell(row: row, column: column)] { result += indexes }
                }
            }
        }
        return result.sorted()
    }
}

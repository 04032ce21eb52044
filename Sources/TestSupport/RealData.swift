import Foundation

/// A real public data set the replay tests read: a short excerpt kept in the repository
/// (`Tests/Fixtures/real-data`, sources and terms in its README), and the whole published file when a
/// `../shared/data` folder sits beside the repository (as in CI).
public struct RealDataFile: Sendable, CustomStringConvertible {
    /// Where the file is.
    public let url: URL
    /// True for the excerpt kept in the repository, false for the whole data set.
    public let isExcerpt: Bool

    /// "excerpt" or "whole", so a failing test names the file it read.
    public var description: String { "\(isExcerpt ? "excerpt" : "whole") \(url.lastPathComponent)" }

    /// The file's lines without its header row.
    public func rows() throws -> [Substring] {
        Array(try String(contentsOf: url, encoding: .utf8).split(whereSeparator: \.isNewline).dropFirst())
    }

    /// The excerpt, then the whole data set if it is there. `path` is relative to the data folder, for
    /// example "parking/aarhus_parking.csv".
    public static func available(_ path: String) -> [RealDataFile] {
        let excerpt = RealDataFile(url: excerptFolder.appending(path: path), isExcerpt: true)
        let whole = RealDataFile(url: wholeFolder.appending(path: path), isExcerpt: false)
        return FileManager.default.fileExists(atPath: whole.url.path) ? [excerpt, whole] : [excerpt]
    }

    /// The excerpts kept in the repository.
    public static let excerptFolder = repositoryRoot.appending(path: "Tests/Fixtures/real-data")
    /// The whole data sets, present only beside the repository.
    public static let wholeFolder = repositoryRoot.deletingLastPathComponent().appending(path: "shared/data")
}

import FeedCore
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The append-only JSON Lines alert log: one line per transition, each written with one `write(2)` so
/// `tail -f` sees it at once, and each step's lines flushed to the disk (`fdatasync`) before the step is
/// counted as logged, as the journal is.
///
/// A crash or a full disk can leave a torn last line; it is cut off when the file is opened, so the next
/// line never follows half of one (the journal still has that transition, and the log catches up from it).
/// `reopen()` (on SIGHUP) closes and reopens the path, for logrotate's `create` mode; `copytruncate` works
/// as well, since the file is opened with `O_APPEND`. Not thread-safe: `AlertCenter` owns it behind its lock.
final class AlertLog {
    let path: String
    private var descriptor: Int32 = -1
    /// Bytes cut off a torn last line when the file was last opened (0: none).
    private(set) var repairedBytes = 0

    init(path: String) throws {
        self.path = path
        try open()
    }

    deinit { close() }

    private func open() throws {
        let opened = Glibc.open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o640)
        guard opened >= 0 else {
            throw AlertLogError(path: path, problem: "cannot open the alert log: \(String(cString: strerror(errno)))")
        }
        descriptor = opened
        repairedBytes = Self.cutTornLine(descriptor: opened)
    }

    /// Truncates the file after its last newline, if its last byte is not one; the bytes cut.
    private static func cutTornLine(descriptor: Int32) -> Int {
        var status = stat()
        guard fstat(descriptor, &status) == 0, status.st_size > 0 else { return 0 }
        let size = Int(status.st_size)
        let reader = Glibc.open("/proc/self/fd/\(descriptor)", O_RDONLY | O_CLOEXEC)
        guard reader >= 0 else { return 0 }
        defer { _ = Glibc.close(reader) }
        // Looks back at most 1 MiB: a line is a few hundred bytes.
        let window = min(size, 1 << 20)
        var tail = [UInt8](repeating: 0, count: window)
        let read = tail.withUnsafeMutableBytes { pread(reader, $0.baseAddress, window, off_t(size - window)) }
        guard read == window, tail.last != UInt8(ascii: "\n") else { return 0 }
        let keep = tail.lastIndex(of: UInt8(ascii: "\n")).map { size - window + $0 + 1 } ?? (size > window ? size : 0)
        guard keep < size, ftruncate(descriptor, off_t(keep)) == 0 else { return 0 }
        return size - keep
    }

    func close() {
        if descriptor >= 0 { _ = Glibc.close(descriptor) }
        descriptor = -1
    }

    func reopen() throws {
        close()
        try open()
    }

    /// Appends the lines and flushes them to the disk; throws if any byte could not be written.
    func append(_ lines: [String]) throws {
        guard descriptor >= 0 else { throw AlertLogError(path: path, problem: "the alert log is not open") }
        for line in lines {
            let bytes = Array((line + "\n").utf8)
            var offset = 0
            while offset < bytes.count {
                let written = bytes.withUnsafeBytes { buffer in
                    Glibc.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                }
                if written < 0 {
                    if errno == EINTR { continue }
                    let problem = String(cString: strerror(errno))
                    // A line written in part is cut off again, so the next write starts on a fresh line.
                    if offset > 0 { _ = Self.cutTornLine(descriptor: descriptor) }
                    throw AlertLogError(path: path, problem: "cannot write the alert log: \(problem)")
                }
                offset += written
            }
        }
        guard fdatasync(descriptor) == 0 else {
            throw AlertLogError(
                path: path, problem: "cannot flush the alert log to disk: \(String(cString: strerror(errno)))")
        }
    }

    /// The sequence number of the last complete line in the file at `path`, if any (reads only its tail).
    static func lastSequence(path: String) -> Int64? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        guard let size = try? handle.seekToEnd(), size > 0 else { return nil }
        try? handle.seek(toOffset: size > 65_536 ? size - 65_536 : 0)
        guard let data = try? handle.readToEnd() else { return nil }
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n")
        for line in lines.reversed() {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                let sequence = object["sequence"] as? Int
            else { continue }
            return Int64(sequence)
        }
        return nil
    }
}

/// The alert log cannot be opened or written.
public struct AlertLogError: Error, CustomStringConvertible, Sendable {
    /// The log file.
    public var path: String
    /// What failed, in the system's words.
    public var problem: String
    public var description: String { "\(path): \(problem)" }
}

/// How the alert log is doing: `/readyz` and `/metrics` show it.
public struct AlertLogHealth: Sendable, Equatable {
    /// Why the log cannot be written, and since when.
    public struct Failure: Sendable, Equatable {
        /// When writes started failing.
        public var since: Timestamp
        /// The latest failure, in the system's words.
        public var problem: String
    }

    /// The log file.
    public var path: String
    /// The last transition on disk in the log.
    public var loggedThrough: Int64
    /// The last transition in the journal.
    public var journalled: Int64
    /// Set while writes fail.
    public var failure: Failure?
    /// Failed attempts since start.
    public var writeFailures: Int

    /// Written, and up to date with the journal.
    public var isHealthy: Bool { failure == nil && loggedThrough >= journalled }
}

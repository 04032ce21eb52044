#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// The append-only JSON Lines alert log: one line per transition, written with one `write(2)` each so
/// `tail -f` sees it at once and a crash never leaves half a line behind a complete one.
///
/// `reopen()` (on SIGHUP) closes and reopens the path, for logrotate's `create` mode; `copytruncate` works
/// as well, since the file is opened with `O_APPEND`. Not thread-safe: `AlertCenter` owns it behind its lock.
final class AlertLog {
    let path: String
    private var descriptor: Int32 = -1

    init(path: String) throws {
        self.path = path
        try open()
    }

    deinit { close() }

    private func open() throws {
        let opened = Glibc.open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o640)
        guard opened >= 0 else {
            throw JournalError(path: path, problem: "cannot open the alert log: \(String(cString: strerror(errno)))")
        }
        descriptor = opened
    }

    func close() {
        if descriptor >= 0 { _ = Glibc.close(descriptor) }
        descriptor = -1
    }

    func reopen() throws {
        close()
        try open()
    }

    func append(_ lines: [String]) throws {
        for line in lines {
            var bytes = Array((line + "\n").utf8)
            var offset = 0
            while offset < bytes.count {
                let written = bytes.withUnsafeMutableBytes { buffer in
                    Glibc.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                }
                if written < 0 {
                    if errno == EINTR { continue }
                    throw JournalError(path: path, problem: "cannot write the alert log: \(String(cString: strerror(errno)))")
                }
                offset += written
            }
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

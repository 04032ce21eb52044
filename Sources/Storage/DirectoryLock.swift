import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Another process holds the directory.
public struct DirectoryLockError: Error, CustomStringConvertible, Sendable {
    /// The data directory that could not be locked.
    public var directory: String
    /// Why, in words (another daemon's pid, or the system's error).
    public var problem: String
    public var description: String { "\(directory): \(problem)" }

    /// A failure to lock `directory`.
    public init(directory: String, problem: String) {
        self.directory = directory
        self.problem = problem
    }
}

/// An exclusive lock on a data directory, so that two daemons never write one store: `flock(2)` on a
/// `.lock` file in it, holding the owner's process id. The kernel drops the lock when the process ends,
/// however it ends, so a crash never leaves a stale lock behind.
public final class DirectoryLock: Sendable {
    /// The directory held.
    public let directory: String
    /// The lock file's descriptor; -1 once released.
    private let descriptor: Atomic<Int32>

    /// Takes the lock of `directory` (creating `.lock`), or throws if another process holds it.
    public init(directory: String) throws {
        self.directory = directory
        let path = directory.hasSuffix("/") ? directory + ".lock" : directory + "/.lock"
        let opened = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard opened >= 0 else {
            throw DirectoryLockError(
                directory: directory, problem: "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        guard flock(opened, LOCK_EX | LOCK_NB) == 0 else {
            let reason = errno
            var buffer = [UInt8](repeating: 0, count: 32)
            let count = buffer.withUnsafeMutableBytes { pread(opened, $0.baseAddress, 31, 0) }
            close(opened)
            let holder = count > 0 ? String(decoding: buffer.prefix(count), as: UTF8.self).filter(\.isNumber) : "?"
            throw DirectoryLockError(
                directory: directory,
                problem: reason == EWOULDBLOCK
                    ? "in use by another cityfeedsd (pid \(holder)); one data directory serves one daemon"
                    : "cannot lock \(path): \(String(cString: strerror(reason)))")
        }
        let pid = Array("\(getpid())\n".utf8)
        _ = ftruncate(opened, 0)
        _ = pid.withUnsafeBytes { pwrite(opened, $0.baseAddress, $0.count, 0) }
        descriptor = Atomic(opened)
    }

    /// Releases the lock (closing the descriptor drops it).
    public func release() {
        let held = descriptor.exchange(-1, ordering: .relaxed)
        if held >= 0 { close(held) }
    }

    deinit { release() }
}

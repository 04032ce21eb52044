import Foundation
import Ingest

#if canImport(Glibc)
import Glibc
#endif

/// A real mosquitto broker for tests, on a free loopback port, with its own persistence folder, configured
/// from `deploy/mosquitto.conf` (so tests run with the queue settings the project ships). Stopped by `stop()`
/// or when released.
public final class TestBroker: Sendable {
    public let port: Int
    public let directory: URL
    private let process: ChildProcess

    public var address: BrokerAddress { BrokerAddress(host: "127.0.0.1", port: port) }

    /// Starts the broker and waits until it accepts TCP connections. `port` reuses a port (for restarts).
    public init(port: Int? = nil, directory: URL? = nil, extraConfiguration: String = "") throws {
        let port = try port ?? freeLoopbackPort()
        let directory = try directory ?? makeTemporaryDirectory(prefix: "cityfeeds-broker")
        let shipped = try String(contentsOf: repositoryRoot.appending(path: "deploy/mosquitto.conf"), encoding: .utf8)
        let configuration =
            shipped.replacingOccurrences(of: "listener 1883 127.0.0.1", with: "listener \(port) 127.0.0.1")
            + "\npersistence_location \(directory.path)/\nlog_dest file \(directory.path)/mosquitto.log\n"
            // Started as root, mosquitto would switch to the 'mosquitto' user, who cannot write here.
            + "user \(currentUserName())\n"
            + extraConfiguration
        let configurationFile = directory.appending(path: "mosquitto.conf")
        try configuration.write(to: configurationFile, atomically: true, encoding: .utf8)
        self.port = port
        self.directory = directory
        process = try ChildProcess(
            executable: try findExecutable("mosquitto"), arguments: ["-c", configurationFile.path])
        try waitForTCP(port: port, timeout: 10)
    }

    /// Stops the broker (SIGTERM, then SIGKILL after 5 s) and waits for it to exit.
    public func stop() {
        process.terminate()
    }

    deinit {
        process.terminate()
    }
}

/// A child process started with `posix_spawn`, with signals reset to their defaults and unblocked: a child
/// started from async code could otherwise inherit blocked signals and ignore SIGTERM.
public final class ChildProcess: Sendable {
    public let pid: pid_t

    public init(
        executable: String, arguments: [String], environment: [String: String]? = nil, output: String? = nil
    )
        throws
    {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        let outputPath = output ?? "/dev/null"
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for argument in argv { free(argument) } }
        let environmentList = (environment ?? ProcessInfo.processInfo.environment).map { strdup("\($0)=\($1)") } + [nil]
        defer { for entry in environmentList { free(entry) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, executable, &actions, &attributes, argv, environmentList)
        guard rc == 0 else { throw TestSupportError("cannot start \(executable): \(String(cString: strerror(rc)))") }
        self.pid = pid
    }

    /// Sends `signal` without waiting.
    public func send(_ signal: Int32) {
        kill(pid, signal)
    }

    /// Waits for the process to exit; returns its wait status, or `nil` after `timeout` seconds.
    public func wait(timeout: Double) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        var status: Int32 = 0
        while Date() < deadline {
            let result = waitpid(pid, &status, WNOHANG)
            if result == pid || (result < 0 && errno == ECHILD) { return status }
            usleep(10_000)
        }
        return nil
    }

    /// SIGTERM, then SIGKILL if it has not exited within `grace` seconds. Idempotent.
    public func terminate(grace: Double = 5) {
        send(SIGTERM)
        if wait(timeout: grace) == nil {
            send(SIGKILL)
            _ = wait(timeout: 5)
        }
    }

    /// SIGKILL, and wait for it.
    public func kill9() {
        send(SIGKILL)
        _ = wait(timeout: 5)
    }
}

public struct TestSupportError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// The repository's root folder, found from this file's own path.
public let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// A port on 127.0.0.1 that was free a moment ago (bound with port 0, then released).
public func freeLoopbackPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw TestSupportError("socket() failed") }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = 0
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let bound = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard bound == 0 else { throw TestSupportError("bind() failed") }
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// Polls a TCP connect to 127.0.0.1:`port` until it succeeds.
public func waitForTCP(port: Int, timeout: Double) throws {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        close(fd)
        if connected == 0 { return }
        usleep(20_000)
    }
    throw TestSupportError("nothing listens on 127.0.0.1:\(port) after \(timeout) s")
}

public func makeTemporaryDirectory(prefix: String) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appending(path: "\(prefix)-\(UUID().uuidString.prefix(8))")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// `name` found on `PATH`, or in /usr/sbin and /usr/local/sbin where Debian puts mosquitto.
public func findExecutable(_ name: String) throws -> String {
    if name.contains("/") {
        guard FileManager.default.isExecutableFile(atPath: name) else { throw TestSupportError("\(name) is not built") }
        return name
    }
    let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
    for folder in path.split(separator: ":").map(String.init) + ["/usr/sbin", "/usr/local/sbin"] {
        let candidate = "\(folder)/\(name)"
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    throw TestSupportError("\(name) is not installed (apt-get install mosquitto)")
}

/// The name of the user this process runs as.
public func currentUserName() -> String {
    guard let entry = getpwuid(geteuid()), let name = entry.pointee.pw_name else { return "root" }
    return String(cString: name)
}

/// Runs a command to completion; throws if it fails.
public func runToCompletion(_ executable: String, _ arguments: [String], timeout: Double = 60) throws {
    let log = FileManager.default.temporaryDirectory.appending(path: "cityfeeds-cmd-\(UUID()).log").path
    let process = try ChildProcess(executable: try findExecutable(executable), arguments: arguments, output: log)
    guard let status = process.wait(timeout: timeout) else {
        process.kill9()
        throw TestSupportError("\(executable) did not finish in \(timeout) s")
    }
    guard status == 0 else {
        let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        throw TestSupportError("\(executable) \(arguments.joined(separator: " ")) failed (\(status)): \(output)")
    }
}

/// A throw-away PKI made with openssl at test time: a CA, a broker certificate for 127.0.0.1 and a client
/// certificate, all signed by that CA, plus a second, unrelated CA.
public struct TestCertificates: Sendable {
    public let directory: URL
    public var caFile: String { directory.appending(path: "ca.crt").path }
    public var otherCAFile: String { directory.appending(path: "other-ca.crt").path }
    public var serverCertificate: String { directory.appending(path: "server.crt").path }
    public var serverKey: String { directory.appending(path: "server.key").path }
    public var clientCertificate: String { directory.appending(path: "client.crt").path }
    public var clientKey: String { directory.appending(path: "client.key").path }

    public init() throws {
        let directory = try makeTemporaryDirectory(prefix: "cityfeeds-pki")
        self.directory = directory
        let path = { (name: String) in directory.appending(path: name).path }
        let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        for ca in ["ca", "other-ca"] {
            try runToCompletion(
                "openssl",
                ["req", "-x509"] + ec + [
                    "-keyout", path("\(ca).key"), "-out", path("\(ca).crt"), "-days", "2",
                    "-subj", "/CN=CityFeeds test \(ca)",
                ])
        }
        try "subjectAltName=IP:127.0.0.1,DNS:localhost\n".write(
            toFile: path("san.ext"), atomically: true, encoding: .utf8)
        for (name, subject, extensions) in [
            ("server", "/CN=127.0.0.1", ["-extfile", path("san.ext")]), ("client", "/CN=cityfeedsd", []),
        ] {
            try runToCompletion(
                "openssl",
                ["req"] + ec + ["-keyout", path("\(name).key"), "-out", path("\(name).csr"), "-subj", subject])
            try runToCompletion(
                "openssl",
                [
                    "x509", "-req", "-in", path("\(name).csr"), "-CA", path("ca.crt"), "-CAkey", path("ca.key"),
                    "-CAcreateserial", "-out", path("\(name).crt"), "-days", "2",
                ] + extensions)
        }
    }

    /// mosquitto listener settings for TLS 1.2+ with this PKI; with `requireClientCertificate`, clients must
    /// present a certificate signed by the CA.
    public func brokerConfiguration(requireClientCertificate: Bool) -> String {
        """
        cafile \(caFile)
        certfile \(serverCertificate)
        keyfile \(serverKey)
        tls_version tlsv1.2
        require_certificate \(requireClientCertificate)

        """
    }
}

import Foundation
import TestSupport
import Testing

@testable import CityFeedsd

/// `deploy/cityfeedsd.service` as systemd reads it, installed as docs/install.md says: `systemd-analyze verify`
/// on a root holding the unit, the binary and the docs where the guide puts them, and systemd's own units.
@Suite struct SystemdUnitTests {
    @Test func theUnitVerifiesCleanOnceInstalledAsTheGuideSays() throws {
        let root = try makeTemporaryDirectory(prefix: "cityfeeds-root")
        let files = FileManager.default
        func place(_ source: String, _ destination: String) throws {
            let target = root.appending(path: destination)
            try files.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
            try files.copyItem(atPath: source, toPath: target.path)
        }
        // systemd's units, and what the unit runs besides cityfeedsd.
        try place("/usr/lib/systemd/system", "usr/lib/systemd/system")
        try place(try findExecutable("kill"), "bin/kill")
        // The install guide: the binary, the docs, the unit.
        try place(DaemonProcessIntegrationTests.binary, "opt/cityfeeds/bin/cityfeedsd")
        for document in ["runbook.md", "install.md"] {
            try place(repositoryRoot.appending(path: "docs/\(document)").path, "opt/cityfeeds/docs/\(document)")
        }
        try place(
            repositoryRoot.appending(path: "deploy/cityfeedsd.service").path, "etc/systemd/system/cityfeedsd.service")

        let output = root.appending(path: "verify.log").path
        let verify = try ChildProcess(
            executable: try findExecutable("systemd-analyze"),
            arguments: ["verify", "--root=\(root.path)", "cityfeedsd.service"], output: output)
        let status = try #require(verify.wait(timeout: 60))
        let printed = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
        #expect(status == 0, "\(printed)")
        #expect(printed.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, "systemd-analyze: \(printed)")
    }
}

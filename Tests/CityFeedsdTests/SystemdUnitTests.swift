import Foundation
import TestSupport
import Testing

@testable import CityFeedsd

/// `deploy/`'s units as systemd reads them, installed as docs/install.md says: `systemd-analyze verify` on a root
/// holding the unit, the binary and the docs where the guide puts them, and systemd's own units.
@Suite struct SystemdUnitTests {
    @Test func theUnitVerifiesCleanOnceInstalledAsTheGuideSays() throws {
        let root = try installedRoot(placing: ["cityfeedsd.service"], documents: ["runbook.md", "install.md"])
        try verify(["cityfeedsd.service"], in: root)
    }

    /// The pair on one machine: both instances of the template, each with its environment file.
    @Test func thePairsTemplateVerifiesCleanForBothInstances() throws {
        let root = try installedRoot(
            placing: ["cityfeedsd@.service"], documents: ["operations-at-scale.md", "runbook.md"])
        for instance in ["a", "b"] {
            try copy(
                repositoryRoot.appending(path: "deploy/instance-\(instance).env").path,
                "etc/cityfeeds/instance-\(instance).env", in: root)
        }
        try verify(["cityfeedsd@a.service", "cityfeedsd@b.service"], in: root)
        let environment = try String(
            contentsOf: repositoryRoot.appending(path: "deploy/instance-b.env"), encoding: .utf8)
        #expect(environment.contains("CITYFEEDS_HTTP_LISTEN=127.0.0.1:8082"))
    }

    /// A root holding systemd's units, what the units run, the binary and the docs where the install guide
    /// puts them, and `units` from `deploy/`.
    private func installedRoot(placing units: [String], documents: [String]) throws -> URL {
        let root = try makeTemporaryDirectory(prefix: "cityfeeds-root")
        try copy("/usr/lib/systemd/system", "usr/lib/systemd/system", in: root)
        try copy(try findExecutable("kill"), "bin/kill", in: root)
        try copy(DaemonProcessIntegrationTests.binary, "opt/cityfeeds/bin/cityfeedsd", in: root)
        for document in documents {
            try copy(
                repositoryRoot.appending(path: "docs/\(document)").path, "opt/cityfeeds/docs/\(document)", in: root)
        }
        for unit in units {
            try copy(repositoryRoot.appending(path: "deploy/\(unit)").path, "etc/systemd/system/\(unit)", in: root)
        }
        return root
    }

    private func copy(_ source: String, _ destination: String, in root: URL) throws {
        let files = FileManager.default
        let target = root.appending(path: destination)
        try files.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        try files.copyItem(atPath: source, toPath: target.path)
    }

    /// `systemd-analyze verify` on `units`: it must succeed and print nothing.
    private func verify(_ units: [String], in root: URL) throws {
        let output = root.appending(path: "verify.log").path
        let verify = try ChildProcess(
            executable: try findExecutable("systemd-analyze"),
            arguments: ["verify", "--root=\(root.path)"] + units, output: output)
        let status = try #require(verify.wait(timeout: 60))
        let printed = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
        #expect(status == 0, "\(printed)")
        #expect(printed.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, "systemd-analyze: \(printed)")
    }
}

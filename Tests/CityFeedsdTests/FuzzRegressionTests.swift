import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The fuzz targets' own replay mode (a normal build) over the committed seeds and over every input a fuzzing
/// run found failing (`Fuzz/regressions/`): each must go through without a trap. `scripts/fuzz.sh` is the
/// coverage-guided run itself.
@Suite struct FuzzRegressionTests {
    static func binary(_ name: String) -> String {
        let folder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let candidates = [
            folder.appending(path: name).path, folder.deletingLastPathComponent().appending(path: name).path,
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates[0]
    }

    @Test(arguments: ["payloads", "requests"])
    func everySeedAndEveryFoundCrashReplaysCleanly(target: String) throws {
        let folders = ["Fuzz/corpus/\(target)", "Fuzz/regressions/\(target)"].map { repositoryRoot.appending(path: $0) }
        let inputs = try folders.flatMap { folder in
            try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { !$0.hasPrefix(".") }
                .map { folder.appending(path: $0).path }
        }
        #expect(inputs.count >= (target == "payloads" ? 80 : 15))
        let process = try ChildProcess(executable: Self.binary("cityfeeds-fuzz-\(target)"), arguments: inputs)
        let status = try #require(process.wait(timeout: 60))
        #expect(status == 0, "exit status \(status)")
    }
}

import Foundation

/// What every fuzz target shares: under libFuzzer (`-DFUZZING`), handing over to libFuzzer's driver; in a
/// normal build, replaying input files through the target's function.
public enum FuzzTarget {
    public typealias TestOneInput = @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt

    #if FUZZING
    /// Runs libFuzzer with the process's arguments.
    public static func runFuzzer(
        _ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?, _ testOneInput: TestOneInput
    ) -> CInt {
        var count = argc
        var arguments = argv
        return runFuzzerDriver(&count, &arguments, testOneInput)
    }
    #endif

    /// Each file named on the command line, through `run`.
    public static func replay(_ run: ([UInt8]) -> Void) throws {
        for path in CommandLine.arguments.dropFirst() {
            run(Array(try Data(contentsOf: URL(fileURLWithPath: path))))
        }
    }

    /// The bytes libFuzzer hands over.
    public static func bytes(_ data: UnsafePointer<UInt8>?, _ size: Int) -> [UInt8] {
        data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    }
}

#if FUZZING
/// libFuzzer's entry point for programs with a main of their own (LLVM 11 and later), linked by
/// `-sanitize=fuzzer`.
@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: FuzzTarget.TestOneInput
) -> CInt
#endif

import CaravanTestSupport
import Foundation

// `caravan-fuzz`: the state machine and the log's codecs under libFuzzer. What one input does is
// `FuzzInput.run` (shared with the test that replays the committed corpus in testdata/fuzz).
//
// `scripts/fuzz.sh` builds it with `-sanitize=fuzzer -D CARAVAN_LIBFUZZER`: its `main` then runs
// libFuzzer's driver. A normal build gets a `main` that runs the inputs named on the command line
// (files, or directories of them), to reproduce a finding without libFuzzer; with `--hash` it
// prints, for each command-script input, the state hash its script leads to (a test compares it
// with the hash the same script gives in a process whose hash seed differs).

#if CARAVAN_LIBFUZZER
/// What libFuzzer calls with each input.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzInput.run(data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? [])
    return 0
}

/// libFuzzer's driver (`LLVMFuzzerRunDriver`). SwiftPM points an executable's `main` at its
/// `@main` type, and libFuzzer brings a `main` of its own; the fuzz build links with
/// `--allow-multiple-definition`, and whichever `main` the linker keeps runs the same driver.
@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(
    _ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

@main
enum FuzzMain {
    static func main() {
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        exit(runFuzzerDriver(&argc, &argv, fuzzOneInput))
    }
}
#else
@main
enum FuzzReplay {
    static func main() throws {
        var paths = Array(CommandLine.arguments.dropFirst())
        let hashing = paths.first == "--hash"
        if hashing { paths.removeFirst() }
        guard !paths.isEmpty else {
            print("usage: caravan-fuzz [--hash] FILE|DIR ... (runs each input as the fuzz target would; scripts/fuzz.sh fuzzes)")
            exit(2)
        }
        var count = 0
        for path in paths {
            for file in try inputs(at: path) {
                let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: file)))
                if hashing {
                    if let hash = FuzzInput.stateHash(bytes) { print("\(file) \(hash)") }
                } else {
                    FuzzInput.run(bytes)
                }
                count += 1
            }
        }
        if !hashing { print("ran \(count) inputs: no property broken") }
    }

    /// `path` itself, or the files in it if it is a directory, sorted.
    static func inputs(at path: String) throws -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else { return [path] }
        return try FileManager.default.contentsOfDirectory(atPath: path).sorted().map { path + "/" + $0 }
    }
}
#endif

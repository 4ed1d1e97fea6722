import Foundation
import Testing

/// Runs the datadriven scenarios in `testdata/raft/*.txt`: each command's output must match the
/// recorded output verbatim, and no raft safety property may break along the way.
/// `CARAVAN_REGENERATE=1` rewrites the files with the actual output — then read the diff: each
/// file is a specification, and output that breaks raft is a bug to fix, not a baseline.
struct ScenarioTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("testdata/raft")

    static let files: [String] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".txt") }.sorted()
    }()

    @Test("there are scenario files")
    func scenariosExist() {
        #expect(Self.files.count >= 9)
    }

    @Test("a scenario's output matches its recorded specification", arguments: files)
    func scenario(_ name: String) throws {
        let url = Self.directory.appendingPathComponent(name)
        let file = ScenarioFile(text: try String(contentsOf: url, encoding: .utf8))
        var runner = ScenarioRunner()
        var outputs: [[String]] = []
        for testCase in file.cases {
            let output: [String]
            do {
                output = try runner.run(testCase.command)
            } catch {
                output = ["error: \(error)"]
                Issue.record("\(name):\(testCase.line): \(testCase.command): \(error)")
            }
            outputs.append(output)
            #expect(
                !output.contains { $0.hasPrefix("VIOLATION") }, "\(name):\(testCase.line): \(testCase.command) breaks raft safety")
            if ProcessInfo.processInfo.environment["CARAVAN_REGENERATE"] != "1" {
                #expect(
                    output == testCase.expected,
                    "\(name):\(testCase.line): \(testCase.command)\n--- expected\n\(testCase.expected.joined(separator: "\n"))\n--- actual\n\(output.joined(separator: "\n"))"
                )
            }
            runner.network.violations = []
        }
        if ProcessInfo.processInfo.environment["CARAVAN_REGENERATE"] == "1" {
            try file.rendered(outputs: outputs).write(to: url, atomically: true, encoding: .utf8)
        }
    }
}

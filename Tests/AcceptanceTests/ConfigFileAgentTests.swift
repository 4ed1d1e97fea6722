import Foundation
import Testing

/// `caravan agent -config FILE`: the built binary started from an agent configuration file.
@Suite(.serialized)
struct ConfigFileAgentTests {
    /// A directory of its own for one test: the configuration file and the data directory.
    final class Scratch {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("caravan-config-\(UUID().uuidString)").path
        init() throws { try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true) }
        deinit { try? FileManager.default.removeItem(atPath: root) }

        func write(_ name: String, _ text: String) throws -> String {
            let path = root + "/" + name
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }
    }

    static let node = Data(#"{"Node": {"ID": "n1", "SecretID": "s1", "Name": "n1", "Datacenter": "dc1", "Status": "ready"}}"#.utf8)

    @Test("the agent listens on the file's HTTP port and keeps its state in the file's data directory")
    func listensAndPersists() async throws {
        let scratch = try Scratch()
        let port = ClusterProcesses.freePort()
        let dataDirectory = scratch.root + "/data"
        let config = try scratch.write(
            "agent.hcl",
            """
            data_dir   = "\(dataDirectory)"
            bind_addr  = "127.0.0.1"
            datacenter = "dc1"
            log_level  = "INFO"
            ports {
              http = \(port)
            }
            """)

        let first = try AgentProcess(arguments: [], command: ["agent", "-config", config])
        #expect(first.port == port)
        #expect(first.output.contains("data dir \(dataDirectory)"))
        #expect(first.output.contains("\(config):3:1: datacenter is Nomad's and Caravan does not use it; ignored"))
        #expect(await first.request("PUT", "/v1/node/register", body: Self.node)?.status == 200)
        _ = first.stop()

        let second = try AgentProcess(arguments: [], command: ["agent", "-config", config])
        #expect(second.port == port)
        #expect(await second.request("GET", "/v1/node/n1")?.status == 200, "the node registered before the restart is in the data directory")
        _ = second.stop()
    }

    @Test("a flag on the command line wins over the file")
    func flagOverridesFile() async throws {
        let scratch = try Scratch()
        let (filePort, flagPort) = (ClusterProcesses.freePort(), ClusterProcesses.freePort())
        let config = try scratch.write("agent.json", #"{"data_dir": "\#(scratch.root)/data", "ports": {"http": \#(filePort)}}"#)
        let agent = try AgentProcess(arguments: [], command: ["agent", "-config", config, "-http-addr", "127.0.0.1:\(flagPort)"])
        #expect(agent.port == flagPort)
        #expect(await agent.request("GET", "/v1/status/leader")?.status == 200)
        _ = agent.stop()
    }

    @Test("a file with a mistake stops the agent before it starts, naming the file and the line")
    func refusedFile() async throws {
        let scratch = try Scratch()
        let config = try scratch.write("bad.hcl", "data_dir = \"\(scratch.root)/data\"\nserver {\n  bootstrap_expect = \"three\"\n}\n")
        let (status, output) = try await AgentProcess.run(["agent", "-config", config])
        #expect(status != 0)
        #expect(output.contains(#"\#(config):3:3: server.bootstrap_expect must be a number, got "three""#))
    }
}

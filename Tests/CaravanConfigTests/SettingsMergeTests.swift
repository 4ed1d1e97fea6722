import CaravanConfig
import Foundation
import Testing

@Suite("Files and flags merged into an agent's settings")
struct SettingsMergeTests {
    func file(_ text: String, name: String = "a.hcl") throws -> AgentOptions {
        try AgentConfigFile(name: name, text: text).options
    }

    func settings(_ files: [AgentOptions], _ commandLine: AgentOptions = AgentOptions(), dev: Bool = false) throws -> AgentSettings {
        try AgentSettings(files: files, commandLine: commandLine, development: dev)
    }

    @Test("what neither a file nor a flag says keeps Caravan's defaults")
    func defaults() throws {
        let resolved = try settings([try file(#"data_dir = "/d""#)])
        #expect(resolved.dataDirectory == "/d")
        #expect(resolved.httpHost == "127.0.0.1")
        #expect(resolved.httpPort == 4646)
        #expect(resolved.raftAddress == nil)
        #expect(resolved.region == "global")
        #expect(resolved.logLevel == "info")
        #expect(resolved.bootstrapExpect == 1)
        #expect(resolved.join.isEmpty)
        #expect(!resolved.aclEnabled)
        #expect(resolved.raftTLS == nil)
        #expect(resolved.http == HTTPSettings())
        #expect(resolved.http.maxConnectionsPerClient == 100)
        #expect(resolved.snapshotInterval == nil)
    }

    @Test("the sample file's every block reaches the settings")
    func everyBlock() throws {
        let resolved = try settings([Samples.options])
        let files = TLSFiles(caFile: "/etc/caravan/ca.pem", certificateFile: "/etc/caravan/s1.pem", keyFile: "/etc/caravan/s1-key.pem")
        #expect(resolved.httpHost == "0.0.0.0")
        #expect(resolved.httpPort == 4746)
        #expect(resolved.raftAddress == "10.0.0.1:4747")
        #expect(resolved.nodeName == "s1")
        #expect(resolved.region == "europe")
        #expect(resolved.logLevel == "warning")
        #expect(resolved.bootstrapExpect == 3)
        #expect(resolved.join == ["10.0.0.2:4747", "10.0.0.3:4647"])
        #expect(resolved.aclEnabled)
        #expect(resolved.raftTLS == files)
        #expect(resolved.http.https == files)
        #expect(resolved.http.verifyClients)
        #expect(resolved.http.maxConnectionsPerClient == 250)
        #expect(resolved.snapshotInterval == 1000)
        #expect(resolved.trailingLogs == 500)
        #expect(resolved.eventBufferSize == 64)
    }

    @Test("a flag given on the command line wins over every file")
    func flagsOverrideFiles() throws {
        var flags = AgentOptions()
        flags.dataDirectory = "/flag"
        flags.httpAddress = "127.0.0.1:9000"
        flags.raftAddress = "127.0.0.1:9001"
        flags.bootstrapExpect = 5
        flags.join = ["127.0.0.1:9101"]
        flags.region = "asia"
        flags.logLevel = "debug"
        flags.nodeName = "flagged"
        let resolved = try settings([Samples.options], flags)
        #expect(resolved.dataDirectory == "/flag")
        #expect(resolved.httpHost == "127.0.0.1")
        #expect(resolved.httpPort == 9000)
        #expect(resolved.raftAddress == "127.0.0.1:9001")
        #expect(resolved.bootstrapExpect == 5)
        #expect(resolved.join == ["127.0.0.1:9101"])
        #expect(resolved.region == "asia")
        #expect(resolved.logLevel == "debug")
        #expect(resolved.nodeName == "flagged")
        #expect(resolved.aclEnabled, "a flag not given leaves the file's value")
    }

    @Test("a later file wins key by key over an earlier one, and keeps what it does not say")
    func twoFilesMerge() throws {
        let base = try file(
            """
            data_dir  = "/base"
            bind_addr = "10.0.0.1"
            ports { http = 4646 }
            acl { enabled = true }
            server { bootstrap_expect = 3 }
            """)
        let override = try file(
            """
            ports { http = 5646 }
            server { server_join { retry_join = ["10.0.0.2:4647"] } }
            """, name: "b.hcl")
        let resolved = try settings([base, override])
        #expect(resolved.dataDirectory == "/base")
        #expect(resolved.httpHost == "10.0.0.1")
        #expect(resolved.httpPort == 5646)
        #expect(resolved.aclEnabled)
        #expect(resolved.bootstrapExpect == 3)
        #expect(resolved.join == ["10.0.0.2:4647"])
        #expect(resolved.raftAddress == "10.0.0.1:4647", "a file that asks for a cluster opens the raft port on Nomad's 4647")
    }

    @Test("ports.rpc opens the raft port on addresses.rpc, or bind_addr")
    func raftAddressFromFile() throws {
        #expect(try settings([try file("data_dir = \"/d\"\nports { rpc = 5000 }")]).raftAddress == "127.0.0.1:5000")
        #expect(try settings([try file("data_dir = \"/d\"\nbind_addr = \"10.1.1.1\"\nports { rpc = 5000 }")]).raftAddress == "10.1.1.1:5000")
        #expect(
            try settings([try file("data_dir = \"/d\"\nbind_addr = \"10.1.1.1\"\naddresses { rpc = \"10.2.2.2\" }")]).raftAddress
                == "10.2.2.2:4647")
    }

    @Test("-ca-cert, -cert-file and -key-file on the command line secure the raft port; tls.rpc does in a file")
    func raftTLS() throws {
        var flags = AgentOptions()
        flags.tls.caFile = "ca.pem"
        flags.tls.certificateFile = "s.pem"
        flags.tls.keyFile = "s-key.pem"
        flags.tls.rpc = true
        let clustered = try file("data_dir = \"/d\"\nports { rpc = 4647 }")
        #expect(try settings([clustered], flags).raftTLS == TLSFiles(caFile: "ca.pem", certificateFile: "s.pem", keyFile: "s-key.pem"))
        let filesOnly = try file(#"tls { ca_file = "ca.pem" \#n cert_file = "s.pem" \#n key_file = "s-key.pem" }"#)
        #expect(try settings([clustered, filesOnly]).raftTLS == nil, "files without tls.rpc secure nothing, as in Nomad")
    }

    @Test("settings that disagree once merged are refused, naming the flag and the key")
    func disagreements() throws {
        var dev = AgentOptions()
        dev.dataDirectory = "/d"
        #expect(throws: ConfigurationError(message: "-dev keeps its state in memory; drop -data-dir (data_dir)")) {
            try settings([dev], dev: true)
        }
        #expect(throws: ConfigurationError(message: "give -dev, or -data-dir DIR (data_dir in a configuration file)")) {
            try settings([])
        }
        let partialTLS = try file("data_dir = \"/d\"\nports { rpc = 4647 }\ntls {\n rpc = true\n ca_file = \"ca.pem\" }")
        #expect(throws: ConfigurationError(message: "-ca-cert, -cert-file and -key-file (tls { ca_file, cert_file, key_file }) go together")) {
            try settings([partialTLS])
        }
        let verifyWithoutHTTPS = try file("data_dir = \"/d\"\ntls { verify_https_client = true }")
        #expect(throws: ConfigurationError(message: "-verify-https-client (tls.verify_https_client) checks HTTPS clients: it needs tls { http = true }")) {
            try settings([verifyWithoutHTTPS])
        }
    }
}

@Suite("Configuration files on disk")
struct ConfigLoadTests {
    @Test("a directory stands for its .hcl and .json files in lexical order; other files are not read")
    func directory() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("caravan-config-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        try #"data_dir = "/first" \#n region = "a""#.write(toFile: root + "/10-base.hcl", atomically: true, encoding: .utf8)
        try #"{"region": "b"}"#.write(toFile: root + "/20-region.json", atomically: true, encoding: .utf8)
        try "this is not read".write(toFile: root + "/README", atomically: true, encoding: .utf8)
        let later = root + "-later.hcl"
        defer { try? FileManager.default.removeItem(atPath: later) }
        try #"region = "c""#.write(toFile: later, atomically: true, encoding: .utf8)

        let files = try AgentConfigFile.load([root])
        #expect(files.map(\.name) == [root + "/10-base.hcl", root + "/20-region.json"])
        let resolved = try AgentSettings(files: files.map(\.options), commandLine: AgentOptions(), development: false)
        #expect(resolved.region == "b")
        let withLater = try AgentConfigFile.load([root, later])
        #expect(try AgentSettings(files: withLater.map(\.options), commandLine: AgentOptions(), development: false).region == "c")
    }

    @Test("a path that does not exist is refused, naming it")
    func missingFile() {
        #expect(throws: ConfigurationError(file: "/nonexistent/caravan.hcl", message: "no such file or directory")) {
            try AgentConfigFile.load(["/nonexistent/caravan.hcl"])
        }
    }
}

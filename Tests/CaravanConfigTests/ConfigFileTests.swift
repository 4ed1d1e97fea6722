import CaravanConfig
import Testing

/// A configuration file with every block Caravan reads, in HCL and in JSON.
enum Samples {
    static let hcl = """
        # s1 of three
        name      = "s1"
        region    = "europe"
        data_dir  = "/var/lib/caravan"
        bind_addr = "10.0.0.1"
        log_level = "WARN"

        ports {
          http = 4746
          rpc  = 4747
        }

        addresses {
          http = "0.0.0.0"
        }

        server {
          enabled                 = true
          bootstrap_expect        = 3
          raft_snapshot_threshold = 1000
          raft_trailing_logs      = 500
          event_buffer_size       = 64
          server_join {
            retry_join = ["10.0.0.2:4747", "10.0.0.3"]
          }
        }

        acl {
          enabled = true
        }

        tls {
          http                = true
          rpc                 = true
          ca_file             = "/etc/caravan/ca.pem"
          cert_file           = "/etc/caravan/s1.pem"
          key_file            = "/etc/caravan/s1-key.pem"
          verify_https_client = true
        }

        limits {
          http_max_conns_per_client = 250
        }
        """

    static let json = """
        {
          "name": "s1",
          "region": "europe",
          "data_dir": "/var/lib/caravan",
          "bind_addr": "10.0.0.1",
          "log_level": "WARN",
          "ports": {"http": 4746, "rpc": 4747},
          "addresses": [{"http": "0.0.0.0"}],
          "server": {
            "enabled": true,
            "bootstrap_expect": 3,
            "raft_snapshot_threshold": 1000,
            "raft_trailing_logs": 500,
            "event_buffer_size": 64,
            "server_join": {"retry_join": ["10.0.0.2:4747", "10.0.0.3"]}
          },
          "acl": {"enabled": true},
          "tls": {
            "http": true, "rpc": true,
            "ca_file": "/etc/caravan/ca.pem", "cert_file": "/etc/caravan/s1.pem", "key_file": "/etc/caravan/s1-key.pem",
            "verify_https_client": true
          },
          "limits": {"http_max_conns_per_client": 250}
        }
        """

    /// What both samples say.
    static var options: AgentOptions {
        var options = AgentOptions()
        options.nodeName = "s1"
        options.region = "europe"
        options.dataDirectory = "/var/lib/caravan"
        options.bindAddress = "10.0.0.1"
        options.logLevel = "WARN"
        options.httpPort = 4746
        options.raftPort = 4747
        options.httpHost = "0.0.0.0"
        options.serverEnabled = true
        options.bootstrapExpect = 3
        options.snapshotInterval = 1000
        options.trailingLogs = 500
        options.eventBufferSize = 64
        options.join = ["10.0.0.2:4747", "10.0.0.3:4647"]
        options.aclEnabled = true
        options.tls.http = true
        options.tls.rpc = true
        options.tls.caFile = "/etc/caravan/ca.pem"
        options.tls.certificateFile = "/etc/caravan/s1.pem"
        options.tls.keyFile = "/etc/caravan/s1-key.pem"
        options.tls.verifyHTTPSClient = true
        options.httpMaxConnectionsPerClient = 250
        return options
    }
}

@Suite("An agent configuration file")
struct ConfigFileTests {
    @Test("every block, written in HCL, reads into the options it names")
    func everyBlockInHCL() throws {
        let file = try AgentConfigFile(name: "s1.hcl", text: Samples.hcl)
        #expect(file.options == Samples.options)
        #expect(file.notices.isEmpty)
    }

    @Test("the same configuration written in JSON reads into the same options")
    func everyBlockInJSON() throws {
        let file = try AgentConfigFile(name: "s1.json", text: Samples.json)
        #expect(file.options == Samples.options)
        #expect(file.notices.isEmpty)
    }

    @Test("a file whose name does not end in .json is HCL")
    func extensionChoosesTheSyntax() {
        #expect(throws: ConfigurationError.self) { try AgentConfigFile(name: "s1.conf", text: Samples.json) }
        #expect((try? AgentConfigFile(name: "s1.conf", text: Samples.hcl))?.options == Samples.options)
    }

    @Test("a retry_join address without a port gets Nomad's RPC port, 4647")
    func joinAddressDefaultPort() throws {
        let file = try AgentConfigFile(name: "a.hcl", text: #"server { server_join { retry_join = ["s2", "s3:5000"] } }"#)
        #expect(file.options.join == ["s2:4647", "s3:5000"])
    }

    @Test("server.retry_join and start_join (Nomad's older spellings) join too")
    func olderJoinKeys() throws {
        let file = try AgentConfigFile(name: "a.hcl", text: #"server { start_join = ["s2:4647"] \#n retry_join = ["s3:4647"] }"#)
        #expect(file.options.join == ["s2:4647", "s3:4647"])
    }

    @Test("a number may be written as a string holding one, as HCL 1 reads Nomad's files")
    func numberAsString() throws {
        let file = try AgentConfigFile(name: "a.hcl", text: #"server { bootstrap_expect = "3" }"#)
        #expect(file.options.bootstrapExpect == 3)
    }

    @Test("Nomad's keys that Caravan does not use are accepted, each named in a notice with its line")
    func ignoredNomadKeys() throws {
        let text = """
            datacenter = "dc1"
            client {
              enabled = true
            }
            telemetry { prometheus_metrics = true }
            consul { address = "127.0.0.1:8500" }
            plugin "docker" { config { } }
            server {
              enabled          = true
              num_schedulers   = 2
              server_join { retry_max = 3 }
            }
            ports { serf = 4648 }
            acl { token_ttl = "30s" }
            tls { verify_server_hostname = false }
            limits { rpc_max_conns_per_client = 20 }
            """
        let file = try AgentConfigFile(name: "nomad.hcl", text: text)
        #expect(
            file.notices == [
                "nomad.hcl:1:1: datacenter is Nomad's and Caravan does not use it; ignored",
                "nomad.hcl:2:1: client is Nomad's and Caravan does not use it; ignored",
                "nomad.hcl:5:1: telemetry is Nomad's and Caravan does not use it; ignored",
                "nomad.hcl:6:1: consul is Nomad's and Caravan does not use it; ignored",
                "nomad.hcl:7:1: plugin is Nomad's and Caravan does not use it; ignored",
                "nomad.hcl:10:3: server.num_schedulers is Nomad's and Caravan does not use it; ignored",
                "nomad.hcl:11:17: server.server_join.retry_max is Nomad's and Caravan does not use it; ignored",
                "nomad.hcl:13:9: ports.serf is Nomad's and Caravan does not use it; ignored",
                "nomad.hcl:14:7: acl.token_ttl is Nomad's and Caravan does not use it; ignored",
                "nomad.hcl:15:7: tls.verify_server_hostname = false is not honoured: Caravan's servers always check "
                    + "that a peer's certificate names server.<region>.nomad",
                "nomad.hcl:16:10: limits.rpc_max_conns_per_client is Nomad's and Caravan does not use it; ignored",
            ])
        var expected = AgentOptions()
        expected.serverEnabled = true
        #expect(file.options == expected)
    }

    @Test("Nomad's log levels and swift-log's are both understood")
    func logLevels() {
        #expect(AgentSettings.logLevel(named: "WARN") == "warning")
        #expect(AgentSettings.logLevel(named: "ERR") == "error")
        #expect(AgentSettings.logLevel(named: "debug") == "debug")
        #expect(AgentSettings.logLevel(named: "Notice") == "notice")
        #expect(AgentSettings.logLevel(named: "loud") == nil)
    }
}

@Suite("A configuration file refused")
struct ConfigFileErrorTests {
    /// The error reading `text` as the file `name`, as the agent prints it.
    func refusal(_ text: String, name: String = "config.hcl") -> String? {
        do {
            _ = try AgentConfigFile(name: name, text: text)
            return nil
        } catch {
            return error.description
        }
    }

    @Test("a key that is neither Caravan's nor Nomad's is refused, naming its file, line and column")
    func unknownKey() {
        #expect(refusal("data_dir = \"/d\"\nserver {\n  bootstrap_expected = 3\n}") ==
            "config.hcl:3:3: unknown key server.bootstrap_expected: it is not one of Nomad's agent configuration keys")
        #expect(refusal("dev_mode = true") == "config.hcl:1:1: unknown key dev_mode: it is not one of Nomad's agent configuration keys")
        #expect(refusal("{\n  \"acl\": {\"enable\": true}\n}", name: "c.json") ==
            "c.json:2:11: unknown key acl.enable: it is not one of Nomad's agent configuration keys")
    }

    @Test("a value of the wrong type is refused, naming its line and what was written")
    func typeErrors() {
        let text = """
            data_dir = "/d"



            server {
              enabled = true
              bootstrap_expect = "three"
            }
            """
        #expect(refusal(text) == #"config.hcl:7:3: server.bootstrap_expect must be a number, got "three""#)
        #expect(refusal("acl { enabled = \"yes\" }") == #"config.hcl:1:7: acl.enabled must be true or false, got "yes""#)
        #expect(refusal("data_dir = 7") == "config.hcl:1:1: data_dir must be a string, got 7")
        #expect(refusal("ports = 4646") == "config.hcl:1:1: ports must be a block, got 4646")
        #expect(refusal(#"server { server_join { retry_join = "s2" } }"#) ==
            #"config.hcl:1:24: server.server_join.retry_join must be a list of addresses, got "s2""#)
        #expect(refusal("{\"ports\": {\n\"http\": true}}", name: "c.json") == "c.json:2:1: ports.http must be a number, got true")
    }

    @Test("a value out of range is refused, naming its line")
    func rangeErrors() {
        #expect(refusal("ports { http = 70000 }") == "config.hcl:1:9: ports.http must be from 0 to 65535, got 70000")
        #expect(refusal("server { bootstrap_expect = 0 }") == "config.hcl:1:10: server.bootstrap_expect must be at least 1, got 0")
        #expect(refusal("log_level = \"loud\"") ==
            #"config.hcl:1:1: log_level must be one of trace, debug, info, notice, warn, error or critical, got "loud""#)
        #expect(refusal("server { enabled = false }") ==
            "config.hcl:1:10: server.enabled = false: Caravan runs only as a server (it has no client mode)")
        #expect(refusal(#"server { server_join { retry_join = ["provider=aws tag_key=nomad"] } }"#) ==
            #"config.hcl:1:24: server.server_join.retry_join: cloud auto-join ("provider=aws tag_key=nomad") is not supported; give HOST:PORT raft addresses"#)
    }

    @Test("a syntax error in HCL is refused, naming its line and column")
    func hclSyntaxError() {
        #expect(refusal("data_dir = \"/d\"\nserver {\n  enabled = true\n") ==
            "config.hcl:2:8: unclosed '{'; expected '}' before end of input")
        #expect(refusal("data_dir = \"/d\"\nports { http = 4646 http = 4747 }")?.hasPrefix("config.hcl:2:21: attribute 'http' redefined") == true)
    }

    @Test("a syntax error in JSON is refused, naming its line and column")
    func jsonSyntaxError() {
        #expect(refusal("{\n  \"data_dir\": \"/d\",\n  \"region\" \"eu\"\n}", name: "c.json") ==
            "c.json:3:12: expected ':' after object key 'region', found '\"'")
        #expect(refusal("{\n  \"data_dir\": \"/d\",\n}", name: "c.json") == "c.json:3:1: expected a quoted object key, found '}'")
    }

    @Test("a block Caravan reads, written twice in one file, is refused at the second")
    func repeatedBlock() {
        #expect(refusal("acl { enabled = true }\nacl { enabled = false }") ==
            "config.hcl:2:1: acl is given twice in one file; the first is at line 1")
    }
}

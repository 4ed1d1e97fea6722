import CaravanCertificates
import CaravanTestSupport
import Foundation
import Testing

/// The CLI against an agent that serves HTTPS and asks for client certificates: Nomad's
/// environment variables reach it, and without a client certificate it is refused.
struct HTTPSCommandTests {
    @Test("caravan operator raft list-peers over HTTPS with NOMAD_CACERT, NOMAD_CLIENT_CERT and NOMAD_CLIENT_KEY; refused without the client certificate")
    func cliOverHTTPS() async throws {
        let certificates = try TestCertificates()
        defer { certificates.remove() }
        let cli = try ClusterCertificates.makeCLICertificate(authority: certificates.authority)
        let cliFiles = (certificates.directory + "/cli.pem", certificates.directory + "/cli-key.pem")
        try Data(cli.certificatePEM.utf8).write(to: URL(fileURLWithPath: cliFiles.0))
        try Data(cli.privateKeyPEM.utf8).write(to: URL(fileURLWithPath: cliFiles.1))
        let agent = try AgentProcess(arguments: ["-dev", "-tls-http", "-verify-https-client"] + certificates.agentFlags("s1"))
        defer { agent.kill() }
        #expect(agent.output.contains("HTTP API on https://127.0.0.1:\(agent.port)"))
        var environment = ["NOMAD_ADDR": "https://127.0.0.1:\(agent.port)", "NOMAD_CACERT": certificates.caFile]
        let refused = try await AgentProcess.run(["operator", "raft", "list-peers"], environment: environment)
        #expect(refused.status == 1)
        #expect(refused.output.contains("Error: cannot reach"), "\(refused.output)")
        environment["NOMAD_CLIENT_CERT"] = cliFiles.0
        environment["NOMAD_CLIENT_KEY"] = cliFiles.1
        let listed = try await AgentProcess.run(["operator", "raft", "list-peers"], environment: environment)
        #expect(listed.status == 0, "\(listed.output)")
        #expect(listed.output.contains("leader"))
        let skipping = try await AgentProcess.run(
            ["operator", "raft", "list-peers", "-tls-skip-verify", "-client-cert", cliFiles.0, "-client-key", cliFiles.1],
            environment: ["NOMAD_ADDR": "https://127.0.0.1:\(agent.port)"])
        #expect(skipping.status == 0, "-tls-skip-verify reads without the CA: \(skipping.output)")
    }
}

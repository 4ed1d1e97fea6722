import ArgumentParser
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// Where an agent's HTTP API is and how to reach it, as Nomad's CLI takes them: each flag, or
/// else its environment variable (`NOMAD_ADDR`, `NOMAD_TOKEN`, `NOMAD_CACERT`,
/// `NOMAD_CLIENT_CERT`, `NOMAD_CLIENT_KEY`, `NOMAD_SKIP_VERIFY`, `NOMAD_TLS_SERVER_NAME`).
struct APIConnection: ParsableArguments {
    @Option(name: .customLong("address", withSingleDash: true), help: "The HTTP API (default: $NOMAD_ADDR or http://127.0.0.1:4646).")
    var address = ProcessInfo.processInfo.environment["NOMAD_ADDR"] ?? "http://127.0.0.1:4646"

    /// No default value: the help text shows defaults, and a secret must not be shown.
    @Option(name: .customLong("token", withSingleDash: true), help: "The ACL token's secret ID (default: $NOMAD_TOKEN).")
    var token: String?

    @Option(name: .customLong("ca-cert", withSingleDash: true), help: "PEM file of the CA that signed the agent's certificate (default: $NOMAD_CACERT).")
    var caCertificate: String?

    @Option(name: .customLong("client-cert", withSingleDash: true), help: "PEM file of a client certificate, for -verify-https-client (default: $NOMAD_CLIENT_CERT).")
    var clientCertificate: String?

    @Option(name: .customLong("client-key", withSingleDash: true), help: "PEM file of the client certificate's key (default: $NOMAD_CLIENT_KEY).")
    var clientKey: String?

    @Flag(name: .customLong("tls-skip-verify", withSingleDash: true), help: "Do not verify the agent's certificate (default: $NOMAD_SKIP_VERIFY).")
    var skipVerify = false

    @Option(name: .customLong("tls-server-name", withSingleDash: true), help: "The name to verify the agent's certificate against (default: $NOMAD_TLS_SERVER_NAME).")
    var serverName: String?

    private static var environment: [String: String] { ProcessInfo.processInfo.environment }

    /// Sends one request; a non-200 answer is printed and ends the command with status 1.
    func request(_ method: String, _ path: String) async throws -> Data {
        guard let url = URL(string: address.trimmingCharacters(in: ["/"]) + path), let host = url.host,
            url.scheme == "http" || url.scheme == "https"
        else {
            throw ValidationError("-address must be an http:// or https:// URL, got \(address)")
        }
        let secure = url.scheme == "https"
        let port = url.port ?? (secure ? 443 : 80)
        let tls = secure ? try tlsConfiguration() : nil
        let answer: (status: Int, body: Data)
        do {
            answer = try await send(method: method, host: host, port: port, target: url.path + (url.query.map { "?" + $0 } ?? ""), tls: tls)
        } catch {
            print("Error: cannot reach \(address): \(error)")
            throw ExitCode.failure
        }
        guard answer.status == 200 else {
            print("Error: \(answer.status) \(String(decoding: answer.body, as: UTF8.self))")
            throw ExitCode.failure
        }
        return answer.body
    }

    private func tlsConfiguration() throws -> TLSConfiguration {
        let environment = Self.environment
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.minimumTLSVersion = .tlsv12
        if let file = caCertificate ?? environment["NOMAD_CACERT"] {
            configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(file))
        }
        let certificate = clientCertificate ?? environment["NOMAD_CLIENT_CERT"]
        let key = clientKey ?? environment["NOMAD_CLIENT_KEY"]
        if let certificate, let key {
            configuration.certificateChain = try NIOSSLCertificate.fromPEMFile(certificate).map { .certificate($0) }
            configuration.privateKey = .privateKey(try NIOSSLPrivateKey(file: key, format: .pem))
        } else if certificate != nil || key != nil {
            throw ValidationError("-client-cert and -client-key go together")
        }
        let skip = ["1", "true"].contains(environment["NOMAD_SKIP_VERIFY"]?.lowercased() ?? "")
        if skipVerify || skip { configuration.certificateVerification = .none }
        return configuration
    }

    private func send(method: String, host: String, port: Int, target: String, tls: TLSConfiguration?) async throws -> (status: Int, body: Data) {
        let hostname = serverName ?? Self.environment["NOMAD_TLS_SERVER_NAME"] ?? (host.first?.isNumber == true ? nil : host)
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(10))
            .connect(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls {
                        let handler = try NIOSSLClientHandler(context: NIOSSLContext(configuration: tls), serverHostname: hostname)
                        try channel.pipeline.syncOperations.addHandler(handler)
                    }
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    return try NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>(wrappingChannelSynchronously: channel)
                }
            }
        return try await channel.executeThenClose { inbound, outbound in
            var head = HTTPRequestHead(version: .http1_1, method: HTTPMethod(rawValue: method), uri: target)
            head.headers.add(name: "Host", value: "\(host):\(port)")
            head.headers.add(name: "Connection", value: "close")
            head.headers.add(name: "Content-Length", value: "0")
            if let secret = token ?? Self.environment["NOMAD_TOKEN"], !secret.isEmpty { head.headers.add(name: "X-Nomad-Token", value: secret) }
            try await outbound.write(contentsOf: [.head(head), .end(nil)])
            var status = 0
            var body = Data()
            for try await part in inbound {
                switch part {
                case .head(let response): status = Int(response.status.code)
                case .body(let chunk): body.append(contentsOf: chunk.readableBytesView)
                case .end: return (status, body)
                }
            }
            return (status, body)
        }
    }
}

import CaravanServer
import CaravanTestSupport
import Foundation
import HummingbirdTesting
import NIOSSL
import Testing

/// What the API does with clients that hold connections, send slowly or break HTTP's framing:
/// each is answered as its own fault and closed, and every other client goes on being answered.
struct ConnectionTests {
    /// Runs `body` against a live agent with `limits`, given the port it listens on.
    static func serve(
        _ limits: ConnectionLimits, https: APITLS? = nil, _ body: @Sendable @escaping (_ port: Int) async throws -> Void
    ) async throws {
        let agent = TestAgent(connections: limits, https: https)
        try await agent.run(.live) { client in try await body(try #require(client.port)) }
    }

    /// Opens a connection from `source`, sends one request and returns the whole response.
    static func request(port: Int, from source: String? = nil, _ text: String = RawConnection.getNodes) async throws -> String {
        let connection = try await RawConnection.open(port: port, from: source)
        defer { connection.close() }
        try? await connection.send(text)
        return try await connection.waitForResponse()
    }

    @Test("a client at its connection limit is answered 429 and closed; another address is not, and a closed connection makes room")
    func perClientLimit() async throws {
        try await Self.serve(ConnectionLimits(maxConnectionsPerClient: 2)) { port in
            var held: [RawConnection] = []
            for _ in 0..<2 {
                let connection = try await RawConnection.open(port: port, from: "127.0.0.3")
                try await connection.send(RawConnection.getNodes)
                #expect(RawConnection.status(of: try await connection.waitForResponse()) == 200)
                held.append(connection)
            }
            let refused = try await RawConnection.open(port: port, from: "127.0.0.3")
            let answer = try await refused.waitUntilClosed()
            #expect(RawConnection.status(of: answer) == 429)
            #expect(RawConnection.body(of: answer) == "Your IP is issuing too many concurrent connections, please rate limit your calls\n")
            #expect(answer.contains("Content-Type: text/plain"))

            #expect(RawConnection.status(of: try await Self.request(port: port, from: "127.0.0.4")) == 200, "another address has its own limit")
            try await held[1].send(RawConnection.getNodes)
            #expect(RawConnection.status(of: try await held[1].waitForResponse()) == 200, "the open connections keep working")

            held[0].close()
            try await eventually("the closed connection's place is free") {
                RawConnection.status(of: try await Self.request(port: port, from: "127.0.0.3")) == 200
            }
            held[1].close()
        }
    }

    @Test("headers sent a byte at a time are answered 408 at the header deadline and the connection closed")
    func slowHeaders() async throws {
        try await Self.serve(ConnectionLimits(headerTimeout: .milliseconds(300))) { port in
            let slow = try await RawConnection.open(port: port)
            for byte in RawConnection.getNodes.utf8.map({ String(UnicodeScalar($0)) }) {
                guard !slow.isClosed else { break }
                try? await slow.send(byte)
                try await Task.sleep(for: .milliseconds(20))
            }
            let answer = try await slow.waitUntilClosed()
            #expect(RawConnection.status(of: answer) == 408)
            #expect(RawConnection.body(of: answer) == "the request's headers did not arrive within 0.3 seconds")
            #expect(RawConnection.status(of: try await Self.request(port: port)) == 200)
        }
    }

    @Test("a body announced longer than what is sent is answered 408 at the body deadline and the connection closed")
    func shortBody() async throws {
        try await Self.serve(ConnectionLimits(bodyTimeout: .milliseconds(300))) { port in
            let connection = try await RawConnection.open(port: port)
            try await connection.send("PUT /v1/node/register HTTP/1.1\r\nHost: caravan\r\nContent-Length: 1000\r\n\r\n{\"Node\":")
            let answer = try await connection.waitUntilClosed()
            #expect(RawConnection.status(of: answer) == 408)
            #expect(RawConnection.body(of: answer) == "the request's body did not arrive within 0.3 seconds")
        }
    }

    @Test("a connection that sends nothing is closed at the header deadline; a keep-alive connection at the idle timeout")
    func idleConnections() async throws {
        try await Self.serve(ConnectionLimits(headerTimeout: .seconds(2), idleTimeout: .seconds(4))) { port in
            let silent = try await RawConnection.open(port: port)
            let kept = try await RawConnection.open(port: port)
            try await kept.send(RawConnection.getNodes)
            #expect(RawConnection.status(of: try await kept.waitForResponse()) == 200)
            let answered = ContinuousClock.now
            let silentAnswer = try await silent.waitUntilClosed()
            #expect(RawConnection.status(of: silentAnswer) == 408)
            #expect(!kept.isClosed, "the kept connection has the longer idle timeout")
            _ = try await kept.waitUntilClosed()
            #expect(ContinuousClock.now - answered >= .seconds(3), "closed at its idle timeout (4 s), not at the header deadline (2 s)")
        }
    }

    @Test("a blocking query that waits longer than every deadline is answered, on a connection that is then kept")
    func longRequestsAreNotCut() async throws {
        let limits = ConnectionLimits(headerTimeout: .seconds(2), bodyTimeout: .seconds(2), idleTimeout: .seconds(2))
        try await Self.serve(limits) { port in
            let connection = try await RawConnection.open(port: port)
            try await connection.send("GET /v1/nodes?index=1000&wait=4s HTTP/1.1\r\nHost: caravan\r\n\r\n")
            let answer = try await connection.waitForResponse()
            #expect(RawConnection.status(of: answer) == 200)
            #expect(answer.contains("X-Nomad-Index"))
        }
    }

    @Test(
        "a framing error is the client's: 400 naming it, the connection closed, and the server answering others",
        arguments: [
            (
                "PUT /v1/node/register HTTP/1.1\r\nHost: caravan\r\nContent-Length: 1000\r\n\r\n{\"Node\"", true,
                "malformed request: the connection ended before the request did"
            ),
            (
                "PUT /v1/node/register HTTP/1.1\r\nHost: caravan\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", false,
                "malformed request: invalid character in chunk size header"
            ),
            (
                "PUT /v1/node/register HTTP/1.1\r\nHost: caravan\r\nTransfer-Encoding: gzip\r\n\r\nxxxx", false,
                "malformed request: the request could not be parsed (an unsupported Transfer-Encoding?)"
            ),
            ("NOT HTTP AT ALL\r\n\r\n", false, "malformed request: invalid HTTP method"),
        ])
    func framingErrors(request: String, halfClose: Bool, message: String) async throws {
        try await Self.serve(ConnectionLimits()) { port in
            let connection = try await RawConnection.open(port: port)
            try await connection.send(request)
            if halfClose { try await connection.closeOutput() }
            let answer = try await connection.waitUntilClosed()
            #expect(RawConnection.status(of: answer) == 400)
            #expect(RawConnection.body(of: answer) == message)
            #expect(RawConnection.status(of: try await Self.request(port: port)) == 200)
        }
    }
}

import Foundation
public import Hummingbird
public import Logging

/// How to run an agent.
public struct AgentConfiguration: Sendable {
    public var httpHost: String
    public var httpPort: Int
    public var api: APIConfiguration

    public init(httpHost: String = "127.0.0.1", httpPort: Int = 4646, api: APIConfiguration = APIConfiguration()) {
        self.httpHost = httpHost
        self.httpPort = httpPort
        self.api = api
    }

    /// Parses `HOST:PORT` (as `-http-addr` takes it).
    public static func parseAddress(_ text: String) -> (host: String, port: Int)? {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port)
        else { return nil }
        let host = String(text[..<colon])
        return (host.isEmpty ? "0.0.0.0" : host, port)
    }
}

/// A Caravan agent: one server node and the HTTP API in front of it.
public struct Agent: Sendable {
    public let node: ServerNode
    public let configuration: AgentConfiguration

    public init(configuration: AgentConfiguration) {
        self.node = ServerNode()
        self.configuration = configuration
    }

    /// The Hummingbird application serving the API.
    public func application(logger: Logger, onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        Application(
            responder: CaravanAPI(node: node, configuration: configuration.api),
            configuration: .init(
                address: .hostname(configuration.httpHost, port: configuration.httpPort),
                serverName: "caravan",
                backlog: 4096
            ),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? 0) },
            logger: logger
        )
    }

    /// Serves until SIGINT or SIGTERM.
    public func run(logger: Logger) async throws {
        FileDescriptorLimit.raiseToHardLimit()
        try await application(logger: logger).runService()
    }
}

/// Lets one process hold many parked long-poll connections.
public enum FileDescriptorLimit {
    /// Raises the soft limit on open files to the hard limit.
    public static func raiseToHardLimit() {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < limit.rlim_max else { return }
        limit.rlim_cur = limit.rlim_max
        _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    }
}

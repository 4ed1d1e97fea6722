/// The bounds on the API's HTTP connections: how many one client address may hold open, and how
/// long a connection may take over each part of a request or sit idle between requests.
///
/// A blocking query or an event stream is not bounded here: once its request is read, the
/// connection has no deadline until its response ends (the query's `wait`, at most 300 s, and
/// the stream's heartbeats bound those).
public struct ConnectionLimits: Sendable, Equatable {
    /// Connections one client IP address may hold open at once (Nomad's
    /// `limits { http_max_conns_per_client }`, 100 by default); 0 for no limit. A connection past
    /// it is answered `429 Too Many Requests` and closed before anything is read from it.
    public var maxConnectionsPerClient: Int
    /// From a connection's accept, or from the first byte of its next request, until that
    /// request's headers are read (TLS's handshake included). Past it the request is answered
    /// `408 Request Timeout` and the connection closed: a client that sends its headers a byte at
    /// a time cannot hold a connection.
    public var headerTimeout: Duration
    /// From a request's headers until its body is read. Past it: `408 Request Timeout` and closed.
    public var bodyTimeout: Duration
    /// How long a keep-alive connection may wait for its next request once a response ended;
    /// past it the connection is closed. Longer than common clients keep idle connections (Go's
    /// transport: 90 s), so that a client rarely reuses a connection as the server closes it.
    public var idleTimeout: Duration
    /// Connections open at once across every client, or `nil` for the file descriptors the
    /// process may open less ``reservedDescriptors``. At the bound the server stops accepting
    /// until one closes, and keeps serving those that are open.
    public var maxConnections: Int?

    /// Descriptors kept for what is not an API connection (the log, snapshots, raft's sockets).
    public static let reservedDescriptors = 128

    public init(
        maxConnectionsPerClient: Int = 100, headerTimeout: Duration = .seconds(10), bodyTimeout: Duration = .seconds(60),
        idleTimeout: Duration = .seconds(120), maxConnections: Int? = nil
    ) {
        self.maxConnectionsPerClient = maxConnectionsPerClient
        self.headerTimeout = headerTimeout
        self.bodyTimeout = bodyTimeout
        self.idleTimeout = idleTimeout
        self.maxConnections = maxConnections
    }
}

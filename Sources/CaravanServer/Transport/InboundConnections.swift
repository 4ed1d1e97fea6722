import NIOCore
import Synchronization

/// How much connections to the raft port may make a server hold. The defaults leave room for
/// every peer of a large cluster several times over and bound what anyone else can take.
public struct PeerTransportLimits: Sendable {
    /// Open inbound connections in all.
    public var maxConnections = 256
    /// Open inbound connections from one IP address (Nomad's `rpc_max_conns_per_client` is 100).
    public var maxConnectionsPerAddress = 32
    /// How long a new connection has to deliver its first frame, TLS handshake included.
    public var firstFrameDeadline = TimeAmount.seconds(10)
    /// How long a connection may then go without a frame before it is closed (a live peer's
    /// connection carries heartbeats or their answers many times a second; one between two
    /// followers, used only in elections, is simply opened again when next needed).
    public var idleTimeout = TimeAmount.seconds(60)
    /// The longest frame accepted (checked on the length prefix, before anything is buffered
    /// for it); the largest a server sends is an entry of a maximal request, well under it.
    public var maxFrameLength = 16 << 20

    public init() {}
}

/// The connections a listener has accepted, so that shutting down can close them and so that
/// the limits hold; once closed it refuses new ones.
final class InboundConnections: Sendable {
    private struct State {
        var channels: [ObjectIdentifier: any Channel] = [:]
        var perAddress: [String: Int] = [:]
        var nextID: UInt64 = 1
        var isClosed = false
    }

    private let state = Mutex(State())
    private let limits: PeerTransportLimits

    init(limits: PeerTransportLimits) {
        self.limits = limits
    }

    /// Tracks `channel` until it closes and returns its connection ID; or, past a limit or after
    /// ``closeAll()``, tracks nothing and says why.
    func adopt(_ channel: any Channel) -> Result<UInt64, Refusal> {
        let id = ObjectIdentifier(channel)
        let address = channel.remoteAddress?.ipAddress ?? "unknown"
        let adopted = state.withLock { state -> Result<UInt64, Refusal> in
            guard !state.isClosed else { return .failure(.shuttingDown) }
            guard state.channels.count < limits.maxConnections else { return .failure(.tooManyConnections(limits.maxConnections)) }
            guard state.perAddress[address, default: 0] < limits.maxConnectionsPerAddress else {
                return .failure(.tooManyFromAddress(address, limits.maxConnectionsPerAddress))
            }
            state.channels[id] = channel
            state.perAddress[address, default: 0] += 1
            defer { state.nextID += 1 }
            return .success(state.nextID)
        }
        if case .success = adopted {
            channel.closeFuture.whenComplete { _ in
                self.state.withLock { state in
                    state.channels[id] = nil
                    let remaining = state.perAddress[address, default: 1] - 1
                    state.perAddress[address] = remaining > 0 ? remaining : nil
                }
            }
        }
        return adopted
    }

    /// Closes every tracked connection and waits until they are closed.
    func closeAll() async {
        let channels = state.withLock { state in
            state.isClosed = true
            return Array(state.channels.values)
        }
        for channel in channels { channel.close(promise: nil) }
        for channel in channels { try? await channel.closeFuture.get() }
    }

    /// Why a connection was not accepted.
    enum Refusal: Error, CustomStringConvertible {
        case shuttingDown
        case tooManyConnections(Int)
        case tooManyFromAddress(String, Int)

        var description: String {
            switch self {
            case .shuttingDown: "the transport is shutting down"
            case .tooManyConnections(let limit): "\(limit) connections are open already"
            case .tooManyFromAddress(let address, let limit): "\(limit) connections from \(address) are open already"
            }
        }
    }
}

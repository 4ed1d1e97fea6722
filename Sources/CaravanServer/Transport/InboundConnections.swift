import NIOCore
import Synchronization

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

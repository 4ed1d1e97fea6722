import NIOCore
import Synchronization

/// The connections a listener has accepted, so that shutting down can close them; once closed it
/// refuses new ones.
final class InboundConnections: Sendable {
    private struct State {
        var channels: [ObjectIdentifier: any Channel] = [:]
        var isClosed = false
    }

    private let state = Mutex(State())

    /// Tracks `channel` until it closes; returns false (and tracks nothing) after ``closeAll()``.
    func adopt(_ channel: any Channel) -> Bool {
        let id = ObjectIdentifier(channel)
        let adopted = state.withLock { state in
            guard !state.isClosed else { return false }
            state.channels[id] = channel
            return true
        }
        if adopted {
            channel.closeFuture.whenComplete { _ in self.state.withLock { _ = $0.channels.removeValue(forKey: id) } }
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
}

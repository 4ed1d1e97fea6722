import CaravanModel
import CaravanState
import CaravanTestSupport

/// A state machine that numbers entries itself, for tests that apply a script of commands.
struct Script {
    var machine = StateMachine()
    var nextIndex: UInt64 = 1

    var state: StateVersion { machine.state }

    @discardableResult
    mutating func apply(_ command: Command) -> AppliedEntry {
        defer { nextIndex += 1 }
        return machine.apply(index: nextIndex, data: command.encoded())
    }

    @discardableResult
    mutating func register(_ node: Node) -> AppliedEntry {
        apply(.nodeRegister(NodeRegistration(node: node, time: Fixture.time)))
    }

    /// Creates namespaces (jobs outside `default` need theirs to exist).
    @discardableResult
    mutating func createNamespaces(_ names: String...) -> AppliedEntry {
        apply(.namespaceUpsert(names.map { Namespace(name: $0) }))
    }

    @discardableResult
    mutating func register(_ job: Job) -> AppliedEntry {
        apply(.jobRegister(JobRegistration(job: job, submitTime: Fixture.time)))
    }

    @discardableResult
    mutating func purgeNode(_ id: String) -> AppliedEntry {
        apply(.nodeDeregister(NodeDeregistration(nodeID: id, time: Fixture.time)))
    }

    @discardableResult
    mutating func setStatus(_ id: String, _ status: String) -> AppliedEntry {
        apply(.nodeStatusUpdate(NodeStatusUpdate(nodeID: id, status: status, time: Fixture.time)))
    }

    @discardableResult
    mutating func deregisterJob(_ id: String, purge: Bool, namespace: String = "default") -> AppliedEntry {
        apply(.jobDeregister(JobDeregistration(namespace: namespace, jobID: id, purge: purge, time: Fixture.time)))
    }
}

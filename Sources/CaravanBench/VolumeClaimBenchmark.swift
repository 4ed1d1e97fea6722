import ArgumentParser
import CaravanModel
import CaravanState

/// How fast the state machine applies volume claim entries (decode + apply, Nomad's claim rules
/// and the claims-by-node index), on one core: each round takes a write claim on every volume
/// and frees it again.
struct VolumeClaimBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "volume-claims", abstract: "FSM apply rate for volume claim entries.")

    @Option(help: "Client nodes fingerprinting the plugin.") var nodes = 1_000
    @Option(help: "Volumes.") var volumes = 10_000
    @Option(help: "Rounds of one claim and one release per volume.") var rounds = 5

    func run() throws {
        var machine = StateMachine()
        var index: UInt64 = 0
        func apply(_ command: Command) -> Bool {
            index += 1
            if case .failure = machine.apply(index: index, data: command.encoded()).result { return false }
            return true
        }
        for number in 0..<nodes { _ = machine.apply(index: { index += 1; return index }(), data: Workload.nodeRegister(number, plugin: "ebs")) }
        for start in stride(from: 0, to: volumes, by: 1_000) {
            let batch = (start..<min(start + 1_000, volumes)).map { Workload.volume($0, plugin: "ebs") }
            precondition(apply(.volumeRegister(VolumeRegistration(volumes: batch, time: Workload.time))), "registration refused")
        }
        var entries: [[UInt8]] = []
        entries.reserveCapacity(2 * volumes * rounds)
        for round in 0..<rounds {
            for state in [CSIVolumeClaimState.taken, .readyToFree] {
                for number in 0..<volumes {
                    let claim = CSIVolumeClaim(
                        allocationID: "alloc-\(round)-\(number)", nodeID: "node-\(number % nodes)", mode: .write,
                        accessMode: CSIAccessMode.multiNodeMultiWriter, attachmentMode: CSIAttachmentMode.fileSystem, state: state)
                    let volumeID = Workload.volume(number, plugin: "ebs").id
                    entries.append(Command.volumeClaim(VolumeClaimUpdate(namespace: "default", volumeID: volumeID, claim: claim, time: Workload.time)).encoded())
                }
            }
        }
        var refused = 0
        let seconds = measure {
            for entry in entries {
                index += 1
                if case .failure = machine.apply(index: index, data: entry).result { refused += 1 }
            }
        }
        precondition(refused == 0, "\(refused) claims refused")
        print("volume-claims: \(entries.count) claim entries (\(entries[0].count) bytes each), \(volumes) volumes, \(nodes) nodes, \(rounds) rounds")
        print("  claims and releases applied: \(format(Double(entries.count) / seconds)) entries/s (\(format(seconds)) s)")
    }
}

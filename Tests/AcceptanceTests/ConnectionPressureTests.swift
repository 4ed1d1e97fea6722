import CaravanTestSupport
import Foundation
import Testing

/// The agent under connection floods, as its own process with its own descriptor limit: idle
/// connections by the thousand do not stop it answering others, and running out of descriptors
/// makes it wait, not spin.
@Suite(.serialized)
struct ConnectionPressureTests {
    /// CPU seconds (user and system) process `pid` has used.
    static func cpuSeconds(_ pid: Int32) throws -> Double {
        let stat = try String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)
        let fields = stat[stat.range(of: ")")!.upperBound...].split(separator: " ")
        let ticks = Double(fields[11])! + Double(fields[12])!
        return ticks / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// This process's limit on open files.
    static var openFilesLimit: Int {
        var limit = rlimit()
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        return Int(clamping: limit.rlim_cur)
    }

    @Test("10,000 idle connections from 100 addresses: every other request is answered while they are open, and the header deadline closes them")
    func idleThousands() async throws {
        let agent = try AgentProcess(arguments: ["-dev"])
        defer { agent.kill() }
        let wanted = min(10_000, Self.openFilesLimit - 500)
        var idle: [RawConnection] = []
        idle.reserveCapacity(wanted)
        for number in 0..<wanted {
            idle.append(try await RawConnection.open(port: agent.port, from: "127.0.1.\(number % 100 + 1)"))
        }
        print("ConnectionPressureTests: \(idle.count) idle connections open")
        var slowest = Duration.zero
        for _ in 0..<20 {
            let started = ContinuousClock.now
            let answer = try #require(await agent.request("GET", "/v1/nodes"))
            #expect(answer.status == 200)
            slowest = max(slowest, ContinuousClock.now - started)
        }
        print("ConnectionPressureTests: slowest of 20 requests beside them: \(slowest)")
        try await eventually(within: .seconds(120), "the agent closes every idle connection at its header deadline (10 s)") {
            idle.allSatisfy(\.isClosed)
        }
        #expect(idle.allSatisfy { RawConnection.status(of: $0.received) == 408 })
        #expect(try #require(await agent.request("GET", "/v1/nodes")).status == 200)
    }

    @Test("with 256 descriptors and 300 connections held, the agent stops accepting without spinning, logs it, and answers once they close")
    func descriptorsRunOut() async throws {
        let agent = try AgentProcess(arguments: ["-dev"], openFiles: 256)
        defer { agent.kill() }
        var held: [RawConnection] = []
        for number in 0..<300 {
            held.append(try await RawConnection.open(port: agent.port, from: "127.0.2.\(number % 10 + 1)"))
        }
        try await eventually("the agent logs that it stopped accepting") { agent.output.contains("API connections open, the most this process takes") }
        let before = try Self.cpuSeconds(agent.process.processIdentifier)
        let started = ContinuousClock.now
        try await Task.sleep(for: .seconds(2))
        let used = try Self.cpuSeconds(agent.process.processIdentifier) - before
        print("ConnectionPressureTests: agent CPU while out of connections: \(used) s in \(ContinuousClock.now - started)")
        #expect(used < 0.5, "an accept loop that spins uses a whole core")
        for connection in held { connection.close() }
        try await eventually("the agent answers again") { await AgentProcess.request(port: agent.port, "GET", "/v1/nodes", timeout: .seconds(5))?.status == 200 }
        #expect(agent.output.contains("accepting API connections again"))
    }
}

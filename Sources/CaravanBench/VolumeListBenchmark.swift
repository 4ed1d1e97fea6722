import ArgumentParser
import CaravanModel
import Foundation
import NIOCore

/// A paged, filtered volume list over HTTP against a separate `caravan agent -dev`: the time per
/// page of `per_page` volumes, without a filter, with one every volume passes, and with one that
/// one volume in a hundred passes (so a page reads a hundred times as many volumes).
struct VolumeListBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "volume-list", abstract: "Filtered, paged volume lists over 100,000 volumes.")

    @Option(help: "Volumes.") var volumes = 100_000
    @Option(help: "Volumes per page.") var perPage = 100
    @Option(help: "Pages timed per case.") var pages = 20
    @Option(help: "Port for the agent.") var port = 46461

    func run() async throws {
        let client = LoopbackHTTPClient(host: "127.0.0.1", port: port)
        let server = try await BenchmarkServer(
            program: "caravan", arguments: ["agent", "-dev", "-http-addr", "127.0.0.1:\(port)", "-log-level", "warning"] + BenchmarkServer.unlimitedClient, client: client,
            readyPath: "/v1/status/leader")
        defer { server.stop() }
        for number in 0..<10 {
            let registered = try await client.put("/v1/node/register", body: ParkedQueriesBenchmark.registerBody(Workload.node(number, plugin: "ebs"))).get()
            precondition(registered.status == 200, "node registration failed: \(registered.body)")
        }
        let loading = ContinuousClock.now
        for start in stride(from: 0, to: volumes, by: 1_000) {
            var json = JSONWriter()
            json.beginObject()
            json.field("Volumes", (start..<min(start + 1_000, volumes)).map { RegisteredVolume(volume: Workload.volume($0, plugin: "ebs")) })
            json.endObject()
            let registered = try await client.put("/v1/volumes", body: json.bytes).get()
            precondition(registered.status == 200, "volume registration failed: \(registered.body)")
        }
        let loadSeconds = seconds(ContinuousClock.now - loading)
        print("volume-list: \(volumes) volumes (registered 1,000 per request in \(format(loadSeconds)) s), pages of \(perPage)")
        let cases: [(String, String)] = [
            ("no filter", ""), ("filter every volume passes", "PluginID == \"ebs\""), ("filter 1 in 100 passes", "Name == \"db-7\""),
        ]
        for (name, filter) in cases {
            let encoded = filter.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            var token = ""
            var elapsed = 0.0
            var returned = 0
            var fetched = 0
            for _ in 0..<pages {
                fetched += 1
                var path = "/v1/volumes?type=csi&per_page=\(perPage)"
                if !filter.isEmpty { path += "&filter=\(encoded)" }
                if !token.isEmpty { path += "&next_token=\(token)" }
                let start = ContinuousClock.now
                let page = try await client.get(path).get()
                elapsed += seconds(ContinuousClock.now - start)
                precondition(page.status == 200, "\(path): \(page.status) \(page.body)")
                returned += (try JSONSerialization.jsonObject(with: Data(page.body.utf8)) as? [Any])?.count ?? 0
                token = page.header("X-Nomad-NextToken") ?? ""
                if token.isEmpty { break }
            }
            print("  \(name): \(format(elapsed * 1000 / Double(fetched))) ms per page (\(returned) volumes in \(fetched) pages)")
        }
        try await client.shutdown()
    }

    func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}

/// A volume as a client registers it: with its secrets and mount flags (answers redact them).
struct RegisteredVolume: JSONWritable {
    let volume: CSIVolume

    func write(to json: inout JSONWriter) {
        json.beginObject()
        json.field("ID", volume.id)
        json.field("Name", volume.name)
        json.field("ExternalID", volume.externalID)
        json.field("PluginID", volume.pluginID)
        json.field("RequestedCapabilities", volume.requestedCapabilities)
        json.key("MountOptions")
        json.beginObject()
        json.field("FSType", volume.mountOptions?.fsType ?? "")
        json.field("MountFlags", volume.mountOptions?.mountFlags ?? [])
        json.endObject()
        json.field("Parameters", volume.parameters)
        json.field("RequestedCapacityMin", volume.requestedCapacityMin)
        json.endObject()
    }
}

import ArgumentParser
import Foundation

/// `caravan operator raft`: the cluster's membership, through a server's HTTP API.
struct RaftOperatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "raft",
        abstract: "List, add, remove and hand leadership between the raft peers.",
        subcommands: [ListPeers.self, AddPeer.self, RemovePeer.self, TransferLeadership.self]
    )

    /// Which peer a command is about: its ID (name) or its raft address.
    struct Peer: ParsableArguments {
        @Option(name: .customLong("peer-id", withSingleDash: true), help: "The peer's ID (its -node-id).")
        var id: String?

        @Option(name: .customLong("peer-address", withSingleDash: true), help: "The peer's raft address, HOST:PORT.")
        var address: String?

        func validate() throws {
            guard (id == nil) != (address == nil) else { throw ValidationError("give exactly one of -peer-id and -peer-address") }
        }

        var query: String {
            if let id { return "id=" + queryEscaped(id) }
            return "address=" + queryEscaped(address!)
        }
    }

    /// `caravan operator raft add-peer`: adds a fresh server as a non-voter; the leader promotes
    /// it once it has caught up. Over mutual TLS servers that `-join` are added by themselves;
    /// without TLS this is how a server joins a running cluster.
    struct AddPeer: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add-peer", abstract: "Add a server to the raft configuration (as a non-voter until it catches up).")

        @OptionGroup var server: APIConnection

        @Option(name: .customLong("peer-id", withSingleDash: true), help: "The new server's ID (its -node-id).")
        var id: String

        @Option(name: .customLong("peer-address", withSingleDash: true), help: "The new server's raft address, HOST:PORT (its -raft-addr).")
        var address: String

        @Option(name: .customLong("peer-http-address", withSingleDash: true), help: "The new server's HTTP address, HOST:PORT (its -http-addr).")
        var httpAddress: String?

        func run() async throws {
            var query = "id=\(queryEscaped(id))&address=\(queryEscaped(address))"
            if let httpAddress { query += "&http_address=\(queryEscaped(httpAddress))" }
            _ = try await server.request("PUT", "/v1/operator/raft/peer?" + query)
            print("Added peer with id \"\(id)\" and address \"\(address)\" as a non-voter")
        }
    }

    /// `caravan operator raft list-peers`: one line per server of the configuration.
    struct ListPeers: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list-peers", abstract: "Show the raft configuration.")

        @OptionGroup var server: APIConnection

        func run() async throws {
            let body = try await server.request("GET", "/v1/operator/raft/configuration")
            guard let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any],
                let servers = object["Servers"] as? [[String: Any]]
            else {
                print("Error: the server's answer is not a raft configuration")
                throw ExitCode.failure
            }
            var rows = [["Node", "ID", "Address", "State", "Voter", "RaftProtocol"]]
            for server in servers {
                rows.append([
                    server["Node"] as? String ?? "", server["ID"] as? String ?? "", server["Address"] as? String ?? "",
                    server["Leader"] as? Bool == true ? "leader" : "follower", String(server["Voter"] as? Bool ?? false),
                    server["RaftProtocol"] as? String ?? "",
                ])
            }
            let widths = rows[0].indices.map { column in rows.map { $0[column].count }.max()! }
            for row in rows {
                let padded = row.enumerated().map { $1.padding(toLength: widths[$0], withPad: " ", startingAt: 0) }
                print(padded.joined(separator: "  ").replacingOccurrences(of: " +$", with: "", options: .regularExpression))
            }
        }
    }

    /// `caravan operator raft remove-peer`.
    struct RemovePeer: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "remove-peer", abstract: "Remove a server from the raft configuration.")

        @OptionGroup var server: APIConnection
        @OptionGroup var peer: Peer

        func run() async throws {
            _ = try await server.request("DELETE", "/v1/operator/raft/peer?" + peer.query)
            print("Removed peer with \(peer.id.map { "id \"\($0)\"" } ?? "address \"\(peer.address!)\"")")
        }
    }

    /// `caravan operator raft transfer-leadership`.
    struct TransferLeadership: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "transfer-leadership", abstract: "Hand the leadership to another voter.")

        @OptionGroup var server: APIConnection
        @OptionGroup var peer: Peer

        func run() async throws {
            _ = try await server.request("PUT", "/v1/operator/raft/transfer-leadership?" + peer.query)
            print("Leadership transfer to \(peer.id ?? peer.address!) started")
        }
    }
}

/// `text` escaped for a query string value.
private func queryEscaped(_ text: String) -> String {
    text.addingPercentEncoding(withAllowedCharacters: CharacterSet.urlQueryAllowed.subtracting(["&", "=", "+"])) ?? text
}

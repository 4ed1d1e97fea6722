import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@testable import CaravanServer

/// Input that Nomad treats in its own way, or that could make a stored name lie: each refused
/// with a clear 400 (or 403 before the body is read) and changing nothing.
struct InputRulesTests {
    @Test(
        "IDs and names with control characters are refused, in Nomad's words for a NUL",
        arguments: [
            ("/v1/jobs", #"{"Job":{"ID":"web\u0000","Type":"service","TaskGroups":[{"Name":"g","Tasks":[{"Name":"t"}]}]}}"#,
             "Job validation failed: Job ID contains a null character; Job Name contains a null character"),
            ("/v1/jobs", #"{"Job":{"ID":"web","Name":"a\u001b[2Jb","Type":"service","TaskGroups":[{"Name":"g","Tasks":[{"Name":"t"}]}]}}"#,
             "Job validation failed: Job Name contains a control character"),
            ("/v1/node/register", #"{"Node":{"ID":"n1\nforged log line","SecretID":"s","Datacenter":"dc1"}}"#,
             "node ID contains a control character"),
            ("/v1/node/register", #"{"Node":{"ID":"n1","Name":"n\u007f1","SecretID":"s","Datacenter":"dc1"}}"#,
             "node name contains a control character"),
            ("/v1/volumes", #"{"Volumes":[{"ID":"v\t1","Name":"v1","PluginID":"p","RequestedCapabilities":[{"AccessMode":"single-node-writer","AttachmentMode":"file-system"}]}]}"#,
             "volume ID contains a control character"),
        ])
    func controlCharacters(path: String, body: String, message: String) async throws {
        let agent = TestAgent()
        let before = agent.index
        try await agent.run { client in
            let response = try await client.put(path, json: body)
            #expect(response.status == .badRequest)
            #expect(response.text == message)
            #expect(agent.index == before, "nothing was proposed")
        }
    }

    @Test("a body that names a member twice in one object is refused: Go keeps the last and Foundation the first")
    func duplicateMembers() async throws {
        let agent = TestAgent()
        let before = agent.index
        try await agent.run { client in
            let job = #"{"Job":{"ID":"a","Type":"service","ID":"b","TaskGroups":[{"Name":"g","Tasks":[{"Name":"t"}]}]}}"#
            let response = try await client.put("/v1/jobs", json: job)
            #expect(response.status == .badRequest)
            #expect(response.text == #"Request body names "ID" twice in one object"#)
            let nested = try await client.put("/v1/node/register", json: #"{"Node":{"ID":"n1","SecretID":"s","Meta":{"k":"1","k":"2"}}}"#)
            #expect(nested.text == #"Request body names "k" twice in one object"#)
            #expect(agent.index == before)
            let same = try await client.put("/v1/node/register", json: #"{"Node":{"ID":"n1","SecretID":"s","Meta":{"k":"1"}},"Extra":{"k":"2"}}"#)
            #expect(same.status == .ok, "one name in two objects is no duplicate: \(same.text)")
        }
    }

    @Test("with ACLs on, a job or volume write from a caller who may write none is refused 403 before its body is read")
    func tokenBeforeBody() async throws {
        let agent = TestAgent(aclEnabled: true)
        try await agent.run { client in
            let bootstrap = try await client.send(.put, "/v1/acl/bootstrap", token: nil, body: nil)
            let management = try #require(try bootstrap.object["SecretID"] as? String)
            let malformed = Data("{not json".utf8)
            for path in ["/v1/jobs", "/v1/job/web", "/v1/volumes", "/v1/volume/csi/v1"] {
                let method: HTTPRequest.Method = path.hasPrefix("/v1/volume/") ? .put : .post
                let anonymous = try await client.send(method, path, token: nil, body: malformed)
                #expect(anonymous.status == .forbidden, "\(path): \(anonymous.text)")
                #expect(anonymous.text == "Permission denied")
                let unknown = try await client.send(method, path, token: UUID().uuidString.lowercased(), body: malformed)
                #expect(unknown.status == .forbidden, "\(path)")
                let allowed = try await client.send(method, path, token: management, body: malformed)
                #expect(allowed.status == .badRequest, "a caller who may write gets the body's error: \(path)")
            }
        }
    }
}

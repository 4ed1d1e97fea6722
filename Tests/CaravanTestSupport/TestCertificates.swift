public import CaravanCertificates
import Foundation

/// Certificate files for tests of mutual TLS, written to a fresh temporary directory: a cluster
/// CA and server certificates it signs, plus what an intruder might hold.
public struct TestCertificates: Sendable {
    public let directory: String
    public let authority: CertificatePair

    /// A new CA in a new directory.
    public init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("caravan-tls-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        authority = try ClusterCertificates.makeAuthority()
        try write(authority.certificatePEM, to: caFile)
    }

    public var caFile: String { directory + "/ca.pem" }

    /// Writes a server certificate named `name` (signed by this CA, or by `otherAuthority`) for
    /// `region`; returns its certificate and key file paths.
    public func server(
        _ name: String, region: String = "global", signedBy otherAuthority: CertificatePair? = nil
    ) throws -> (certificateFile: String, keyFile: String) {
        let pair = try ClusterCertificates.makeServerCertificate(authority: otherAuthority ?? authority, region: region)
        let files = (certificateFile: directory + "/\(name).pem", keyFile: directory + "/\(name)-key.pem")
        try write(pair.certificatePEM, to: files.certificateFile)
        try write(pair.privateKeyPEM, to: files.keyFile)
        return files
    }

    /// The `caravan agent` flags for server `name`.
    public func agentFlags(_ name: String, region: String = "global") throws -> [String] {
        let files = try server(name, region: region)
        return ["-ca-cert", caFile, "-cert-file", files.certificateFile, "-key-file", files.keyFile]
    }

    public func remove() {
        try? FileManager.default.removeItem(atPath: directory)
    }

    private func write(_ text: String, to path: String) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }
}

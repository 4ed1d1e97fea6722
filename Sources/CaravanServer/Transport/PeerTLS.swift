import CaravanCertificates
import NIOCore
import NIOSSL

/// Mutual TLS on the raft port, as Nomad's `tls { rpc = true, verify_server_hostname = true }`:
/// every server presents a certificate from the cluster's CA that names `server.<region>.nomad`,
/// and checks that the other end does too, in both directions. A connection that does not is
/// closed before any of its frames is read.
///
/// Owns the TLS contexts for the listener (which requires a client certificate) and for
/// outbound connections (which verify the server's certificate and its name).
public struct PeerTLS: Sendable {
    /// The name each end's certificate must carry: `server.<region>.nomad`.
    public let serverName: String
    let serverContext: NIOSSLContext
    let clientContext: NIOSSLContext

    /// Reads the CA certificate, this server's certificate (chain) and its private key, all PEM.
    /// - Throws: What reading or parsing the files throws.
    public init(caFile: String, certificateFile: String, keyFile: String, region: String = "global") throws {
        let authority = try NIOSSLCertificate.fromPEMFile(caFile)
        let chain = try NIOSSLCertificate.fromPEMFile(certificateFile).map { NIOSSLCertificateSource.certificate($0) }
        let key = NIOSSLPrivateKeySource.privateKey(try NIOSSLPrivateKey(file: keyFile, format: .pem))
        var server = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: key)
        server.trustRoots = .certificates(authority)
        server.certificateVerification = .noHostnameVerification
        server.minimumTLSVersion = .tlsv12
        var client = TLSConfiguration.makeClientConfiguration()
        client.certificateChain = chain
        client.privateKey = key
        client.trustRoots = .certificates(authority)
        client.certificateVerification = .fullVerification
        client.minimumTLSVersion = .tlsv12
        serverName = ClusterCertificates.serverName(region: region)
        serverContext = try NIOSSLContext(configuration: server)
        clientContext = try NIOSSLContext(configuration: client)
    }

    /// Whether `certificate` (a peer's, already verified against the CA) names this cluster's
    /// servers.
    func namesAServer(_ certificate: NIOSSLCertificate) -> Bool {
        guard let der = try? certificate.toDERBytes(), let names = try? ClusterCertificates.dnsNames(ofDER: der) else { return false }
        return names.contains(serverName)
    }
}

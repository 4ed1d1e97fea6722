import NIOSSL

/// The API's HTTPS: this server's certificate and key (the raft port's), and whether a client
/// must present a certificate the cluster's CA signed (`-verify-https-client`, Nomad's
/// `tls { verify_https_client }`).
public struct APITLS: Sendable {
    let context: NIOSSLContext
    public let verifiesClients: Bool

    /// Reads the CA certificate, this server's certificate (chain) and its private key, all PEM.
    /// - Throws: What reading or parsing the files throws.
    public init(caFile: String, certificateFile: String, keyFile: String, verifyClients: Bool) throws {
        let chain = try NIOSSLCertificate.fromPEMFile(certificateFile).map { NIOSSLCertificateSource.certificate($0) }
        let key = NIOSSLPrivateKeySource.privateKey(try NIOSSLPrivateKey(file: keyFile, format: .pem))
        var configuration = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: key)
        configuration.minimumTLSVersion = .tlsv12
        if verifyClients {
            configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(caFile))
            configuration.certificateVerification = .noHostnameVerification
        } else {
            configuration.certificateVerification = .none
        }
        context = try NIOSSLContext(configuration: configuration)
        verifiesClients = verifyClients
    }
}

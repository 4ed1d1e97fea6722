import CaravanCertificates
import CaravanServer
import CaravanTestSupport
import Foundation
import NIOSSL
import Testing

/// The API over HTTPS, with the certificates of the raft port's TLS: a client that trusts the
/// cluster's CA reads; plain HTTP is answered as Go's server answers it; with client
/// verification, only a client with a certificate the CA signed gets a handshake.
struct HTTPSTests {
    /// A CA, a server certificate and a CLI certificate it signs, and a CLI certificate signed
    /// by another CA.
    struct Files {
        let certificates: TestCertificates
        let server: (certificateFile: String, keyFile: String)
        let cli: CertificatePair
        let strangerCLI: CertificatePair

        init() throws {
            certificates = try TestCertificates()
            server = try certificates.server("s1")
            cli = try ClusterCertificates.makeCLICertificate(authority: certificates.authority)
            strangerCLI = try ClusterCertificates.makeCLICertificate(authority: try ClusterCertificates.makeAuthority())
        }

        func tls(verifyClients: Bool) throws -> APITLS {
            try APITLS(caFile: certificates.caFile, certificateFile: server.certificateFile, keyFile: server.keyFile, verifyClients: verifyClients)
        }

        /// A client configuration that trusts the CA and presents `certificate`, if given.
        func client(presenting certificate: CertificatePair? = nil) throws -> TLSConfiguration {
            var configuration = TLSConfiguration.makeClientConfiguration()
            configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(certificates.caFile))
            if let certificate {
                configuration.certificateChain = try NIOSSLCertificate.fromPEMBytes(Array(certificate.certificatePEM.utf8)).map { .certificate($0) }
                configuration.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: Array(certificate.privateKeyPEM.utf8), format: .pem))
            }
            return configuration
        }
    }

    static func exchange(port: Int, tls: TLSConfiguration) async throws -> String {
        let connection = try await RawConnection.open(port: port, tls: tls, serverHostname: "localhost")
        defer { connection.close() }
        try? await connection.send(RawConnection.getNodes)
        return try await connection.waitForResponse()
    }

    @Test("a client trusting the CA reads over HTTPS; plain HTTP to the port gets Go's 400 and is closed")
    func https() async throws {
        let files = try Files()
        defer { files.certificates.remove() }
        try await ConnectionTests.serve(ConnectionLimits(), https: try files.tls(verifyClients: false)) { port in
            let answer = try await Self.exchange(port: port, tls: try files.client())
            #expect(RawConnection.status(of: answer) == 200)
            let plain = try await RawConnection.open(port: port)
            try await plain.send(RawConnection.getNodes)
            let refused = try await plain.waitUntilClosed()
            #expect(refused == "HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n")
        }
    }

    @Test("with client verification, a client without a certificate or with a stranger's gets no handshake; one the CA signed reads")
    func clientCertificates() async throws {
        let files = try Files()
        defer { files.certificates.remove() }
        try await ConnectionTests.serve(ConnectionLimits(), https: try files.tls(verifyClients: true)) { port in
            for refused in [try files.client(), try files.client(presenting: files.strangerCLI)] {
                let connection = try await RawConnection.open(port: port, tls: refused, serverHostname: "localhost")
                try? await connection.send(RawConnection.getNodes)
                let answer = try await connection.waitUntilClosed()
                #expect(answer.isEmpty, "no response without a certificate the CA signed: \(answer)")
            }
            let answer = try await Self.exchange(port: port, tls: try files.client(presenting: files.cli))
            #expect(RawConnection.status(of: answer) == 200)
        }
    }
}

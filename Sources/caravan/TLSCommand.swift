import ArgumentParser
import CaravanCertificates
import Foundation

/// `caravan tls`: the certificates for mutual TLS between servers, as `nomad tls` makes them.
struct TLSCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tls",
        abstract: "Create a certificate authority and server certificates for the raft port's mutual TLS.",
        subcommands: [CACommand.self, CertificateCommand.self]
    )

    struct CACommand: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "ca", subcommands: [CreateCA.self])
    }

    struct CertificateCommand: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "cert", subcommands: [CreateCertificate.self])
    }

    /// `caravan tls ca create`: writes `nomad-agent-ca.pem` and `nomad-agent-ca-key.pem`.
    struct CreateCA: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "create", abstract: "Create a certificate authority (nomad-agent-ca.pem and its key) in the current directory.")

        @Option(name: .customLong("days", withSingleDash: true), help: "How many days the CA is valid.")
        var days = 1825

        @Option(name: .customLong("common-name", withSingleDash: true), help: "The CA's common name.")
        var commonName = "Caravan Agent CA"

        func run() throws {
            let pair = try ClusterCertificates.makeAuthority(commonName: commonName, days: days)
            try save(pair, certificate: "nomad-agent-ca.pem", key: "nomad-agent-ca-key.pem", what: "CA certificate")
        }
    }

    /// `caravan tls cert create -server`: writes `<region>-server-nomad-<n>.pem` and its key
    /// (the first `n` from 0 whose files do not exist, so one directory can hold every server's),
    /// signed by the CA.
    struct CreateCertificate: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "create",
            abstract: "Create a server certificate (naming server.<region>.nomad) or a CLI one (cli.<region>.nomad), signed by the CA.")

        @Flag(name: .customLong("server", withSingleDash: true), help: "A certificate for a server: the raft port and the API.")
        var server = false

        @Flag(name: .customLong("cli", withSingleDash: true), help: "A certificate for the API's clients (-verify-https-client); not a server's.")
        var cli = false

        @Option(name: .customLong("region", withSingleDash: true), help: "The servers' region.")
        var region = "global"

        @Option(name: .customLong("ca", withSingleDash: true), help: "The CA certificate.")
        var caFile = "nomad-agent-ca.pem"

        @Option(name: .customLong("key", withSingleDash: true), help: "The CA's private key.")
        var keyFile = "nomad-agent-ca-key.pem"

        @Option(name: .customLong("additional-dnsname", withSingleDash: true), help: "Another DNS name the certificate names (repeatable).")
        var dnsNames: [String] = []

        @Option(name: .customLong("additional-ipaddress", withSingleDash: true), help: "An IP address the certificate names (repeatable).")
        var ipAddresses: [String] = []

        @Option(name: .customLong("days", withSingleDash: true), help: "How many days the certificate is valid.")
        var days = 365

        func validate() throws {
            guard server != cli else { throw ValidationError("give one of -server and -cli") }
            guard !region.isEmpty else { throw ValidationError("-region must not be empty") }
        }

        func run() throws {
            let authority: CertificatePair
            do {
                authority = CertificatePair(
                    certificatePEM: try String(contentsOfFile: caFile, encoding: .utf8),
                    privateKeyPEM: try String(contentsOfFile: keyFile, encoding: .utf8))
            } catch {
                print("Error: cannot read the CA (\(caFile), \(keyFile)): \(error.localizedDescription); create one with caravan tls ca create")
                throw ExitCode.failure
            }
            let pair =
                server
                ? try ClusterCertificates.makeServerCertificate(authority: authority, region: region, extraNames: dnsNames + ipAddresses, days: days)
                : try ClusterCertificates.makeCLICertificate(authority: authority, region: region, days: days)
            let role = server ? "server" : "cli"
            let number = (0...).first { n in
                !FileManager.default.fileExists(atPath: "\(region)-\(role)-nomad-\(n).pem")
                    && !FileManager.default.fileExists(atPath: "\(region)-\(role)-nomad-\(n)-key.pem")
            }!
            try save(
                pair, certificate: "\(region)-\(role)-nomad-\(number).pem", key: "\(region)-\(role)-nomad-\(number)-key.pem",
                what: server ? "Server certificate" : "CLI certificate")
        }
    }
}

/// Writes a certificate and its key to new files in the current directory; refuses to overwrite
/// either. The key file is created readable by its owner only, before any byte is written to it.
private func save(_ pair: CertificatePair, certificate: String, key: String, what: String) throws {
    for file in [certificate, key] where FileManager.default.fileExists(atPath: file) {
        print("Error: \(file) already exists; remove it or run elsewhere")
        throw ExitCode.failure
    }
    for (file, text, mode) in [(key, pair.privateKeyPEM, 0o600), (certificate, pair.certificatePEM, 0o644)] as [(String, String, mode_t)] {
        let descriptor = open(file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard descriptor >= 0 else {
            print("Error: cannot create \(file) in \(FileManager.default.currentDirectoryPath): \(String(cString: strerror(errno)))")
            throw ExitCode.failure
        }
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        close(descriptor)
        guard written == bytes.count else {
            print("Error: cannot write \(file)")
            throw ExitCode.failure
        }
    }
    print("==> \(what) saved to: \(certificate)")
    print("==> \(what) key saved to: \(key)")
}

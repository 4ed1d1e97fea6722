public import Foundation
import Crypto
import SwiftASN1
import X509

/// A certificate and its private key, both PEM-encoded.
public struct CertificatePair: Sendable, Hashable {
    public let certificatePEM: String
    public let privateKeyPEM: String

    public init(certificatePEM: String, privateKeyPEM: String) {
        self.certificatePEM = certificatePEM
        self.privateKeyPEM = privateKeyPEM
    }
}

/// Why a certificate could not be made or read.
public struct CertificateError: Error, Sendable, CustomStringConvertible {
    public let description: String
}

/// The certificates that let servers prove to each other that they belong to one cluster, as
/// Nomad's `nomad tls` commands make them: a certificate authority, and for each server a
/// certificate it signs that names `server.<region>.nomad` (what a peer checks, whichever server
/// it reaches) and serves for both ends of a connection.
///
/// Keys are ECDSA P-256. Validity starts an hour back, so that clocks a little apart agree.
public enum ClusterCertificates {
    /// The name every server's certificate carries for `region`.
    public static func serverName(region: String) -> String { "server.\(region).nomad" }

    /// A new certificate authority valid for `days`.
    public static func makeAuthority(commonName: String = "Caravan Agent CA", days: Int = 1825, now: Date = Date()) throws -> CertificatePair {
        let key = P256.Signing.PrivateKey()
        let name = try DistinguishedName { CommonName(commonName) }
        let extensions = try Certificate.Extensions {
            Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
            Critical(KeyUsage(digitalSignature: true, keyCertSign: true, cRLSign: true))
            SubjectKeyIdentifier(hash: Certificate.PublicKey(key.publicKey))
        }
        let certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: Certificate.PublicKey(key.publicKey),
            notValidBefore: now.addingTimeInterval(-3600), notValidAfter: now.addingTimeInterval(Double(days) * 86_400),
            issuer: name, subject: name, signatureAlgorithm: .ecdsaWithSHA256, extensions: extensions,
            issuerPrivateKey: Certificate.PrivateKey(key))
        return CertificatePair(certificatePEM: try certificate.serializeAsPEM().pemString, privateKeyPEM: key.pemRepresentation)
    }

    /// A server certificate signed by `authority`, naming `server.<region>.nomad`, `localhost` and
    /// 127.0.0.1 plus `extraNames` (DNS names or IP addresses), valid for `days`, for TLS servers
    /// and clients alike.
    public static func makeServerCertificate(
        authority: CertificatePair, region: String = "global", extraNames: [String] = [], days: Int = 365, now: Date = Date()
    ) throws -> CertificatePair {
        try makeCertificate(
            authority: authority, commonName: serverName(region: region), names: ["localhost", "127.0.0.1"] + extraNames,
            usages: [.serverAuth, .clientAuth], days: days, now: now)
    }

    /// A certificate for the API's clients (Nomad's `tls cert create -cli`), signed by
    /// `authority` and naming `cli.<region>.nomad`: good for `-verify-https-client`, and not a
    /// server's (it does not name `server.<region>.nomad`, so the raft port refuses it).
    public static func makeCLICertificate(authority: CertificatePair, region: String = "global", days: Int = 365, now: Date = Date()) throws
        -> CertificatePair
    {
        try makeCertificate(authority: authority, commonName: "cli.\(region).nomad", names: ["localhost"], usages: [.clientAuth], days: days, now: now)
    }

    private static func makeCertificate(
        authority: CertificatePair, commonName: String, names extraNames: [String], usages: [ExtendedKeyUsage.Usage], days: Int, now: Date
    ) throws -> CertificatePair {
        let issuer = try Certificate(pemEncoded: authority.certificatePEM)
        let issuerKey = try Certificate.PrivateKey(pemEncoded: authority.privateKeyPEM)
        let authorityKeyID = try issuer.extensions.subjectKeyIdentifier?.keyIdentifier
        let key = P256.Signing.PrivateKey()
        var names: [GeneralName] = []
        for name in [commonName] + extraNames {
            if let address = ipv4Bytes(name) {
                names.append(.ipAddress(ASN1OctetString(contentBytes: ArraySlice(address))))
            } else {
                names.append(.dnsName(name))
            }
        }
        let extensions = try Certificate.Extensions {
            Critical(BasicConstraints.notCertificateAuthority)
            Critical(KeyUsage(digitalSignature: true, keyEncipherment: true))
            try ExtendedKeyUsage(usages)
            SubjectAlternativeNames(names)
            SubjectKeyIdentifier(hash: Certificate.PublicKey(key.publicKey))
            AuthorityKeyIdentifier(keyIdentifier: authorityKeyID)
        }
        let certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: Certificate.PublicKey(key.publicKey),
            notValidBefore: now.addingTimeInterval(-3600), notValidAfter: now.addingTimeInterval(Double(days) * 86_400),
            issuer: issuer.subject, subject: try DistinguishedName { CommonName(commonName) },
            signatureAlgorithm: .ecdsaWithSHA256, extensions: extensions, issuerPrivateKey: issuerKey)
        return CertificatePair(certificatePEM: try certificate.serializeAsPEM().pemString, privateKeyPEM: key.pemRepresentation)
    }

    /// The DNS names a DER-encoded certificate's subject alternative names list.
    public static func dnsNames(ofDER der: [UInt8]) throws -> [String] {
        let certificate = try Certificate(derEncoded: der)
        return (try certificate.extensions.subjectAlternativeNames ?? SubjectAlternativeNames()).compactMap { name in
            if case .dnsName(let value) = name { return value }
            return nil
        }
    }
}

/// An IPv4 address's four bytes, from its dotted form.
private func ipv4Bytes(_ text: String) -> [UInt8]? {
    let parts = text.split(separator: ".", omittingEmptySubsequences: false)
    guard parts.count == 4 else { return nil }
    let bytes = parts.compactMap { UInt8($0) }
    return bytes.count == 4 ? bytes : nil
}

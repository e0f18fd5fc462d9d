import Foundation
import Testing
import HTTPServer
import TestSupport

/// SIGHUP reads the certificate and key again (issue 17): new handshakes get the new pair, open
/// connections keep theirs, and a bad pair is refused while the old one stays in service.
@Suite(.serialized, .timeLimit(.minutes(2))) struct CertificateReloadTests {
    /// A folder with `cert.pem` and `key.pem`, and spare pairs to swap in.
    struct CertificateFolder {
        let path = NSTemporaryDirectory() + "mutuals-reload-\(UUID().uuidString)"
        var certificate: String { path + "/cert.pem" }
        var key: String { path + "/key.pem" }

        init() throws {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            do {
                try DevelopmentCertificate.generate(certificatePath: certificate, privateKeyPath: key)
            } catch {
                remove()
                throw error
            }
        }

        /// Makes a new pair named `name` beside the one in service; returns its fingerprint.
        func makePair(_ name: String) throws -> String {
            try DevelopmentCertificate.generate(certificatePath: "\(path)/\(name)-cert.pem", privateKeyPath: "\(path)/\(name)-key.pem")
            return try DevelopmentCertificate.fingerprint(ofCertificateAt: "\(path)/\(name)-cert.pem")
        }

        /// Puts pair `name` in place the way certbot does: each file replaced by a rename.
        func install(certificateOf name: String, keyOf keyName: String? = nil) throws {
            try replace(certificate, with: "\(path)/\(name)-cert.pem")
            try replace(key, with: "\(path)/\(keyName ?? name)-key.pem")
        }

        func replace(_ target: String, with source: String) throws {
            let staged = target + ".new"
            try? FileManager.default.removeItem(atPath: staged)
            try FileManager.default.copyItem(atPath: source, toPath: staged)
            guard rename(staged, target) == 0 else { throw ClientError.malformed("rename \(staged)") }
        }

        func remove() { try? FileManager.default.removeItem(atPath: path) }
    }

    static func get(_ client: RawClient) throws -> ClientResponse {
        try client.send("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
        return try client.readResponse()
    }

    @Test func reloadServesTheNewPairToNewHandshakesAndKeepsOpenConnections() throws {
        let folder = try CertificateFolder()
        defer { folder.remove() }
        let original = try DevelopmentCertificate.fingerprint(ofCertificateAt: folder.certificate)
        let tls = try TLSContext(certificatePath: folder.certificate, privateKeyPath: folder.key)
        try withTestServer(router: try makeTestRouter(), configure: { $0.listeners[0].tls = tls }) { server in
            // A kept-alive connection from before the renewal.
            let before = try RawClient(port: server.port, tls: true)
            #expect(try Self.get(before).status == 200)
            #expect(before.peerCertificateFingerprint() == original)

            let renewed = try folder.makePair("renewed")
            #expect(renewed != original)
            try folder.install(certificateOf: "renewed")
            // Nothing changes until the reload is asked for.
            #expect(try RawClient(port: server.port, tls: true).peerCertificateFingerprint() == original)
            try tls.reload()
            #expect(tls.fingerprint == renewed)

            let after = try RawClient(port: server.port, tls: true)
            #expect(after.peerCertificateFingerprint() == renewed)
            #expect(try Self.get(after).text == "hello")
            // The connection opened before still works, on its old certificate.
            let again = try Self.get(before)
            #expect(again.status == 200)
            #expect(again.text == "hello")
            #expect(before.peerCertificateFingerprint() == original)
        }
    }

    @Test func aBadPairIsRefusedAndTheOldOneStaysInService() throws {
        let folder = try CertificateFolder()
        defer { folder.remove() }
        let original = try DevelopmentCertificate.fingerprint(ofCertificateAt: folder.certificate)
        let tls = try TLSContext(certificatePath: folder.certificate, privateKeyPath: folder.key)
        _ = try folder.makePair("other")
        try withTestServer(router: try makeTestRouter(), configure: { $0.listeners[0].tls = tls }) { server in
            let open = try RawClient(port: server.port, tls: true)
            #expect(try Self.get(open).status == 200)

            // A certificate whose key is not the one beside it.
            _ = try folder.makePair("stranger")
            try folder.install(certificateOf: "other", keyOf: "stranger")
            let mismatched = #expect(throws: TLSError.self) { try tls.reload() }
            #expect(mismatched?.description.contains("key") == true)
            #expect(try RawClient(port: server.port, tls: true).peerCertificateFingerprint() == original)

            // A file that is not a certificate at all.
            try Data("not a certificate\n".utf8).write(to: URL(fileURLWithPath: folder.certificate))
            #expect(throws: TLSError.self) { try tls.reload() }
            #expect(try RawClient(port: server.port, tls: true).peerCertificateFingerprint() == original)
            #expect(tls.fingerprint == original)

            // Files that cannot be read.
            try FileManager.default.removeItem(atPath: folder.certificate)
            let missing = #expect(throws: TLSError.self) { try tls.reload() }
            #expect(missing?.description.contains(folder.certificate) == true)
            let client = try RawClient(port: server.port, tls: true)
            #expect(client.peerCertificateFingerprint() == original)
            #expect(try Self.get(client).status == 200)
            #expect(try Self.get(open).status == 200)
        }
    }

    /// The real thing: `mutuals serve` with a certificate, the files swapped as certbot does,
    /// then SIGHUP (what `systemctl reload mutuals` sends).
    @Test func sighupToTheServeCommandReloadsTheCertificate() throws {
        let folder = try CertificateFolder()
        defer { folder.remove() }
        let original = try DevelopmentCertificate.fingerprint(ofCertificateAt: folder.certificate)
        let port = try ServeCommandTests.freePort()
        let server = try ServeCommandTests.RunningServer(arguments: [
            "--data", folder.path + "/data", "--port", "\(port)", "--http-port", "0",
            "--tls-cert", folder.certificate, "--tls-key", folder.key,
        ])
        _ = try server.waitFor("serving https://127.0.0.1:\(port)/")
        let before = try RawClient(port: port, tls: true)
        #expect(try Self.get(before).status == 200)
        #expect(before.peerCertificateFingerprint() == original)

        let renewed = try folder.makePair("renewed")
        try folder.install(certificateOf: "renewed")
        kill(server.process.processIdentifier, SIGHUP)
        let reloaded = try server.waitFor("Reloaded the TLS certificate")
        #expect(reloaded.contains(renewed))
        #expect(try RawClient(port: port, tls: true).peerCertificateFingerprint() == renewed)
        #expect(try Self.get(before).status == 200)  // the open connection is still served

        // A broken renewal: refused, logged, and the renewed pair stays.
        try Data("-----BEGIN CERTIFICATE-----\ngarbage\n-----END CERTIFICATE-----\n".utf8)
            .write(to: URL(fileURLWithPath: folder.certificate))
        kill(server.process.processIdentifier, SIGHUP)
        _ = try server.waitFor("the new pair was refused")
        #expect(try RawClient(port: port, tls: true).peerCertificateFingerprint() == renewed)
        #expect(server.terminate() == 0)
    }
}

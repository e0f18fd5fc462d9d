import COpenSSL
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

public enum TLSError: Error, CustomStringConvertible {
    case openSSL(String, String)
    case io(String)

    public var description: String {
        switch self {
        case .openSSL(let step, let detail): "TLS setup failed at \(step): \(detail)"
        case .io(let detail): detail
        }
    }

    /// Drains OpenSSL's thread-local error queue into text.
    static func fromQueue(_ step: String) -> TLSError {
        var details: [String] = []
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            var buffer = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &buffer, buffer.count)
            details.append(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return .openSSL(step, details.isEmpty ? "unknown error" : details.joined(separator: "; "))
    }
}

/// A server TLS configuration: TLS 1.2 and 1.3 only, forward-secret AEAD suites (Mozilla
/// "intermediate"), no compression, no renegotiation, session tickets, ALPN http/1.1.
///
/// The certificate and key can be read again while the server runs (`reload()`, on SIGHUP):
/// a new `SSL_CTX` is built from the files and swapped in for new handshakes. A connection holds
/// a reference to the `SSL_CTX` it was made with (SSL_new takes one), so open connections keep
/// theirs and the old context is freed when the last of them closes.
public final class TLSContext: Sendable {
    public let certificatePath: String
    public let privateKeyPath: String
    private let current: Mutex<ConfiguredContext>

    /// Mozilla's "intermediate" TLS 1.2 list: ECDHE/DHE key exchange with AES-GCM or ChaCha20-Poly1305.
    static let tls12Ciphers = [
        "ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256",
        "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-RSA-AES256-GCM-SHA384",
        "ECDHE-ECDSA-CHACHA20-POLY1305", "ECDHE-RSA-CHACHA20-POLY1305",
        "DHE-RSA-AES128-GCM-SHA256", "DHE-RSA-AES256-GCM-SHA384", "DHE-RSA-CHACHA20-POLY1305",
    ].joined(separator: ":")
    static let tls13Suites = "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256"

    /// Loads a PEM certificate chain and private key.
    public init(certificatePath: String, privateKeyPath: String) throws {
        self.certificatePath = certificatePath
        self.privateKeyPath = privateKeyPath
        current = Mutex(try ConfiguredContext(certificatePath: certificatePath, privateKeyPath: privateKeyPath))
    }

    /// Reads the certificate and key files again and uses them for every new handshake.
    /// - Throws: `TLSError` when the files cannot be read, are not a certificate and key, or do
    ///   not match; the pair in service stays in service.
    public func reload() throws {
        let fresh = try ConfiguredContext(certificatePath: certificatePath, privateKeyPath: privateKeyPath)
        current.withLock { $0 = fresh }
    }

    /// SHA-256 of the certificate now in service (colon-separated hex), as read at the last
    /// load: what new handshakes present, whatever the file holds since.
    public var fingerprint: String {
        current.withLock { context in
            SSL_CTX_get0_certificate(context.context).flatMap(DevelopmentCertificate.fingerprint(of:)) ?? "unknown"
        }
    }

    /// A new server-side connection object for the context now in service.
    func makeConnection() -> OpaquePointer? {
        current.withLock { SSL_new($0.context) }
    }
}

/// One configured `SSL_CTX`, freed when the last owner lets go (open connections hold their
/// own OpenSSL reference).
final class ConfiguredContext: @unchecked Sendable {
    // @unchecked: the SSL_CTX is fully configured in init and never changed afterwards;
    // OpenSSL documents SSL_CTX as safe to share between threads once configured.
    let context: OpaquePointer

    init(certificatePath: String, privateKeyPath: String) throws {
        ERR_clear_error()
        guard let ctx = SSL_CTX_new(TLS_server_method()) else { throw TLSError.fromQueue("SSL_CTX_new") }
        context = ctx
        guard mutuals_SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) == 1 else {
            throw TLSError.fromQueue("minimum protocol version")
        }
        SSL_CTX_set_options(
            ctx,
            mutuals_SSL_OP_NO_COMPRESSION() | mutuals_SSL_OP_NO_RENEGOTIATION() | mutuals_SSL_OP_CIPHER_SERVER_PREFERENCE()
        )
        _ = mutuals_SSL_CTX_set_mode(
            ctx,
            mutuals_SSL_MODE_RELEASE_BUFFERS() | mutuals_SSL_MODE_ENABLE_PARTIAL_WRITE()
                | mutuals_SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER()
        )
        // Read what the socket holds in one read(2), not a record's header and then its body in
        // two. Bytes read ahead are not in SSL_pending(): the reactor asks SSL_has_pending().
        mutuals_SSL_CTX_set_read_ahead(ctx, 1)
        guard SSL_CTX_set_cipher_list(ctx, TLSContext.tls12Ciphers) == 1 else { throw TLSError.fromQueue("cipher list") }
        guard SSL_CTX_set_ciphersuites(ctx, TLSContext.tls13Suites) == 1 else { throw TLSError.fromQueue("TLS 1.3 suites") }
        guard mutuals_SSL_CTX_set1_groups_list(ctx, "X25519:P-256:P-384") == 1 else { throw TLSError.fromQueue("groups") }
        // Resumption: stateless tickets (TLS 1.2 and 1.3) plus a bounded server-side cache.
        _ = mutuals_SSL_CTX_set_session_cache_mode(ctx, Int(SSL_SESS_CACHE_SERVER))
        _ = mutuals_SSL_CTX_sess_set_cache_size(ctx, 20_000)
        let sessionContext: [UInt8] = Array("mutuals".utf8)
        _ = SSL_CTX_set_session_id_context(ctx, sessionContext, UInt32(sessionContext.count))
        _ = SSL_CTX_set_num_tickets(ctx, 1)
        SSL_CTX_set_alpn_select_cb(ctx, alpnSelect, nil)

        guard SSL_CTX_use_certificate_chain_file(ctx, certificatePath) == 1 else {
            throw TLSError.fromQueue("loading certificate \(certificatePath)")
        }
        guard SSL_CTX_use_PrivateKey_file(ctx, privateKeyPath, SSL_FILETYPE_PEM) == 1 else {
            throw TLSError.fromQueue("loading private key \(privateKeyPath)")
        }
        guard SSL_CTX_check_private_key(ctx) == 1 else { throw TLSError.fromQueue("key does not match certificate") }
    }

    deinit {
        SSL_CTX_free(context)
    }
}

/// ALPN: choose http/1.1; a client offering only other protocols continues without ALPN.
private let alpnSelect: @convention(c) (
    OpaquePointer?, UnsafeMutablePointer<UnsafePointer<UInt8>?>?, UnsafeMutablePointer<UInt8>?,
    UnsafePointer<UInt8>?, UInt32, UnsafeMutableRawPointer?
) -> Int32 = { _, out, outLength, offered, offeredLength, _ in
    guard let out, let outLength, let offered else { return SSL_TLSEXT_ERR_NOACK }
    var index = 0
    let total = Int(offeredLength)
    while index < total {
        let length = Int(offered[index])
        let start = index + 1
        guard start + length <= total else { break }
        // "http/1.1" = 68 74 74 70 2f 31 2e 31
        if length == 8,
           offered[start] == 0x68, offered[start + 1] == 0x74, offered[start + 2] == 0x74,
           offered[start + 3] == 0x70, offered[start + 4] == 0x2F, offered[start + 5] == 0x31,
           offered[start + 6] == 0x2E, offered[start + 7] == 0x31 {
            out.pointee = offered + start
            outLength.pointee = 8
            return SSL_TLSEXT_ERR_OK
        }
        index = start + length
    }
    return SSL_TLSEXT_ERR_NOACK
}

/// Development certificates: a self-signed ECDSA P-256 certificate for localhost, 127.0.0.1
/// and ::1, made once and kept in the data directory.
public enum DevelopmentCertificate {
    public struct Files: Sendable {
        public let certificatePath: String
        public let privateKeyPath: String
        public let created: Bool
        /// SHA-256 of the DER certificate, as colon-separated hex.
        public let fingerprint: String
    }

    /// Returns the certificate in `directory`, generating it when absent.
    public static func ensure(in directory: String) throws -> Files {
        let certPath = directory + "/tls/dev-cert.pem"
        let keyPath = directory + "/tls/dev-key.pem"
        var created = false
        if access(certPath, R_OK) != 0 || access(keyPath, R_OK) != 0 {
            try makeDirectory(directory)
            try makeDirectory(directory + "/tls")
            try generate(certificatePath: certPath, privateKeyPath: keyPath)
            created = true
        }
        return Files(
            certificatePath: certPath, privateKeyPath: keyPath, created: created,
            fingerprint: try fingerprint(ofCertificateAt: certPath)
        )
    }

    static func makeDirectory(_ path: String) throws {
        if mkdir(path, 0o700) != 0, errno != EEXIST {
            throw TLSError.io("Cannot create directory \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// Writes a new key (mode 0600) and a certificate valid for two years.
    public static func generate(certificatePath: String, privateKeyPath: String) throws {
        guard let keyContext = EVP_PKEY_CTX_new_id(EVP_PKEY_EC, nil) else { throw TLSError.fromQueue("key context") }
        defer { EVP_PKEY_CTX_free(keyContext) }
        var key: OpaquePointer?
        guard EVP_PKEY_keygen_init(keyContext) == 1,
              EVP_PKEY_CTX_set_ec_paramgen_curve_nid(keyContext, NID_X9_62_prime256v1) == 1,
              EVP_PKEY_keygen(keyContext, &key) == 1, let key
        else { throw TLSError.fromQueue("key generation") }
        defer { EVP_PKEY_free(key) }

        guard let certificate = X509_new() else { throw TLSError.fromQueue("X509_new") }
        defer { X509_free(certificate) }
        var serial = [UInt8](repeating: 0, count: 8)
        _ = RAND_bytes(&serial, 8)
        let serialNumber = serial.prefix(7).reduce(0) { $0 << 8 | Int($1) }
        guard X509_set_version(certificate, 2) == 1,
              ASN1_INTEGER_set(X509_get_serialNumber(certificate), serialNumber) == 1,
              X509_gmtime_adj(X509_getm_notBefore(certificate), -3600) != nil,
              X509_gmtime_adj(X509_getm_notAfter(certificate), 2 * 365 * 24 * 3600) != nil,
              X509_set_pubkey(certificate, key) == 1,
              let name = X509_get_subject_name(certificate),
              X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, "Mutuals Network development", -1, -1, 0) == 1,
              X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, "localhost", -1, -1, 0) == 1,
              X509_set_issuer_name(certificate, name) == 1
        else { throw TLSError.fromQueue("certificate fields") }

        var v3 = X509V3_CTX()
        X509V3_set_ctx(&v3, certificate, certificate, nil, nil, 0)
        for (nid, value) in [
            (NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1,IP:::1"),
            (NID_basic_constraints, "critical,CA:FALSE"),
            (NID_key_usage, "critical,digitalSignature"),
            (NID_ext_key_usage, "serverAuth"),
        ] {
            guard let ext = X509V3_EXT_conf_nid(nil, &v3, nid, value) else { throw TLSError.fromQueue("extension \(value)") }
            defer { X509_EXTENSION_free(ext) }
            guard X509_add_ext(certificate, ext, -1) == 1 else { throw TLSError.fromQueue("adding \(value)") }
        }
        guard X509_sign(certificate, key, EVP_sha256()) > 0 else { throw TLSError.fromQueue("signing") }

        let oldMask = umask(0o077)
        defer { umask(oldMask) }
        guard let keyFile = BIO_new_file(privateKeyPath, "w") else { throw TLSError.fromQueue("opening \(privateKeyPath)") }
        let keyWritten = PEM_write_bio_PrivateKey(keyFile, key, nil, nil, 0, nil, nil)
        BIO_free_all(keyFile)
        guard keyWritten == 1 else { throw TLSError.fromQueue("writing key") }
        guard let certFile = BIO_new_file(certificatePath, "w") else { throw TLSError.fromQueue("opening \(certificatePath)") }
        let certWritten = PEM_write_bio_X509(certFile, certificate)
        BIO_free_all(certFile)
        guard certWritten == 1 else { throw TLSError.fromQueue("writing certificate") }
    }

    /// The SHA-256 fingerprint of a PEM certificate file.
    public static func fingerprint(ofCertificateAt path: String) throws -> String {
        guard let file = BIO_new_file(path, "r") else { throw TLSError.fromQueue("opening \(path)") }
        defer { BIO_free_all(file) }
        guard let certificate = PEM_read_bio_X509(file, nil, nil, nil) else { throw TLSError.fromQueue("reading \(path)") }
        defer { X509_free(certificate) }
        guard let fingerprint = fingerprint(of: certificate) else { throw TLSError.fromQueue("digest") }
        return fingerprint
    }

    /// The SHA-256 fingerprint of a loaded certificate.
    static func fingerprint(of certificate: OpaquePointer) -> String? {
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        guard X509_digest(certificate, EVP_sha256(), &digest, &length) == 1 else { return nil }
        let hex = Array("0123456789ABCDEF".utf8)
        return digest.prefix(Int(length)).map { String(decoding: [hex[Int($0 >> 4)], hex[Int($0 & 0xF)]], as: UTF8.self) }
            .joined(separator: ":")
    }
}

import COpenSSL
import Foundation
import Locking

/// Errors from hashing or random generation; both mean OpenSSL itself failed.
public enum CryptoError: Error, CustomStringConvertible, Sendable {
    case randomBytesUnavailable
    case scryptFailed

    public var description: String {
        switch self {
        case .randomBytesUnavailable: "OpenSSL RAND_bytes failed: no secure randomness available"
        case .scryptFailed: "OpenSSL EVP_PBE_scrypt failed"
        }
    }
}

/// Cryptographically secure random bytes from OpenSSL's RAND_bytes.
public enum SecureRandom {
    /// - Throws: `CryptoError.randomBytesUnavailable` if OpenSSL cannot seed itself.
    public static func bytes(_ count: Int) throws -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: count)
        let ok = buffer.withUnsafeMutableBufferPointer { RAND_bytes($0.baseAddress, Int32(count)) }
        guard ok == 1 else { throw CryptoError.randomBytesUnavailable }
        return buffer
    }

    /// `count` random bytes (at most 256) for a one-time pad, such as a CSRF token's mask: from a
    /// reserve that RAND_bytes fills 4 KiB at a time, each byte handed out once and then wiped.
    /// Every signed-in page masks its token afresh, and a RAND_bytes call of its own cost that
    /// page ~6,700 instructions and a `getpid` (Benchmarks/page_instructions.sh). Keys and tokens
    /// that must stay secret for longer come from `bytes`, straight from RAND_bytes.
    public static func pad(_ count: Int) throws -> [UInt8] {
        precondition(count > 0 && count <= 256, "a pad is 1 to 256 bytes")
        return try padReserve.withLock { reserve in
            if reserve.next + count > reserve.bytes.count {
                let ok = reserve.bytes.withUnsafeMutableBufferPointer { RAND_bytes($0.baseAddress, Int32($0.count)) }
                guard ok == 1 else { throw CryptoError.randomBytesUnavailable }
                reserve.next = 0
            }
            let range = reserve.next..<(reserve.next + count)
            let pad = Array(reserve.bytes[range])
            for index in range { reserve.bytes[index] = 0 }
            reserve.next += count
            return pad
        }
    }

    private struct PadReserve {
        var bytes = [UInt8](repeating: 0, count: 4096)
        /// The first byte not yet handed out; the whole reserve is spent until the first fill.
        var next = 4096
    }
    private static let padReserve = WaitingMutex(PadReserve())

    /// A password of `length` characters from an alphabet without look-alikes (no 0/O, 1/l/I),
    /// chosen without modulo bias.
    public static func password(length: Int = 16) throws -> String {
        let alphabet = Array("abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")
        var characters: [Character] = []
        // 256 - 256 % 56 = 224: bytes at or above are rejected so every character is equally likely.
        let limit = 256 - 256 % alphabet.count
        while characters.count < length {
            for byte in try bytes(length * 2) where Int(byte) < limit && characters.count < length {
                characters.append(alphabet[Int(byte) % alphabet.count])
            }
        }
        return String(characters)
    }
}

/// scrypt password hashes through OpenSSL's `EVP_PBE_scrypt`.
///
/// A hash is stored as `scrypt$N$r$p$salt$key` (salt and key in base64), so the cost parameters
/// travel with it and can be raised later: `needsRehash` tells when a stored hash is weaker than
/// the current parameters, so it can be replaced at the next successful login.
public struct PasswordHasher: Sendable {
    /// CPU/memory cost; a power of two. Memory used is 128 · N · r bytes (32 MiB by default).
    public let n: UInt64
    /// Block size.
    public let r: UInt64
    /// Parallelism.
    public let p: UInt64

    static let saltLength = 16
    static let keyLength = 32

    /// The default: N = 2^15, r = 8, p = 1 — the parameters RFC 7914 and OWASP name for
    /// interactive logins (about 32 MiB, tens of milliseconds here).
    public static let standard = PasswordHasher(n: 1 << 15, r: 8, p: 1)

    public init(n: UInt64, r: UInt64, p: UInt64) {
        self.n = n
        self.r = r
        self.p = p
    }

    /// A new hash of `password` with a fresh random salt.
    /// - Throws: `CryptoError` if OpenSSL fails.
    public func hash(_ password: String) throws -> String {
        let salt = try SecureRandom.bytes(Self.saltLength)
        let key = try Self.derive(password, salt: salt, n: n, r: r, p: p)
        return "scrypt$\(n)$\(r)$\(p)$\(Data(salt).base64EncodedString())$\(Data(key).base64EncodedString())"
    }

    /// Whether `password` matches `storedHash`. A malformed hash never matches.
    ///
    /// The comparison is constant-time (`CRYPTO_memcmp`), so timing does not reveal how many
    /// leading bytes of the derived key were right.
    public func verify(_ password: String, against storedHash: String) -> Bool {
        guard let parsed = Parsed(storedHash),
              let key = try? Self.derive(password, salt: parsed.salt, n: parsed.n, r: parsed.r, p: parsed.p),
              key.count == parsed.key.count
        else { return false }
        return key.withUnsafeBytes { derived in
            parsed.key.withUnsafeBytes { stored in
                CRYPTO_memcmp(derived.baseAddress, stored.baseAddress, derived.count) == 0
            }
        }
    }

    /// True when `storedHash` is malformed or uses weaker parameters than `self`.
    public func needsRehash(_ storedHash: String) -> Bool {
        guard let parsed = Parsed(storedHash) else { return true }
        return parsed.n < n || parsed.r < r || parsed.p < p
    }

    private struct Parsed {
        let n, r, p: UInt64
        let salt: [UInt8]
        let key: [UInt8]

        init?(_ text: String) {
            let fields = text.split(separator: "$", omittingEmptySubsequences: false)
            guard fields.count == 6, fields[0] == "scrypt",
                  let n = UInt64(fields[1]), let r = UInt64(fields[2]), let p = UInt64(fields[3]),
                  // Bounds keep a tampered hash from asking for gigabytes of memory.
                  n >= 2, n <= 1 << 20, n & (n - 1) == 0, (1...32).contains(r), (1...16).contains(p),
                  let salt = Data(base64Encoded: String(fields[4])), !salt.isEmpty,
                  let key = Data(base64Encoded: String(fields[5])), key.count >= 16
            else { return nil }
            self.n = n
            self.r = r
            self.p = p
            self.salt = Array(salt)
            self.key = Array(key)
        }
    }

    private static func derive(_ password: String, salt: [UInt8], n: UInt64, r: UInt64, p: UInt64) throws -> [UInt8] {
        var key = [UInt8](repeating: 0, count: keyLength)
        let passwordBytes = Array(password.utf8)
        // maxmem must exceed 128·N·r plus scrypt's own overhead, or OpenSSL refuses.
        let maxMemory = 128 * n * r * (p + 1) + (1 << 20)
        let ok = passwordBytes.withUnsafeBufferPointer { pass in
            salt.withUnsafeBufferPointer { saltBuffer in
                key.withUnsafeMutableBufferPointer { out in
                    pass.withMemoryRebound(to: CChar.self) { passChars in
                        EVP_PBE_scrypt(passChars.baseAddress, passChars.count,
                                       saltBuffer.baseAddress, saltBuffer.count,
                                       n, r, p, maxMemory, out.baseAddress, out.count)
                    }
                }
            }
        }
        guard ok == 1 else { throw CryptoError.scryptFailed }
        return key
    }
}

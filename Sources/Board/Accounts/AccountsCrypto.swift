import COpenSSL
import Foundation

/// Digests and MACs through OpenSSL's EVP interface, and the text forms tokens travel in.
public enum Digest {
    /// SHA-256 of `bytes` (32 bytes).
    public static func sha256(_ bytes: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        let ok = bytes.withUnsafeBufferPointer { input in
            out.withUnsafeMutableBufferPointer { output in
                EVP_Digest(input.baseAddress, input.count, output.baseAddress, &length, FetchedDigest.sha256.algorithm, nil)
            }
        }
        precondition(ok == 1 && length == 32, "OpenSSL EVP_Digest(SHA-256) failed")
        return out
    }

    /// HMAC-SHA1 of `message` under `key` (20 bytes), for TOTP (RFC 6238 §1.2 uses SHA-1 by default).
    public static func hmacSHA1(key: [UInt8], message: [UInt8]) -> [UInt8] {
        hmac("SHA1", size: 20, key: key, message: message)
    }

    /// HMAC-SHA256 of `message` under `key` (32 bytes), for the private feed links.
    public static func hmacSHA256(key: [UInt8], message: [UInt8]) -> [UInt8] {
        hmac("SHA256", size: 32, key: key, message: message)
    }

    /// HMAC with the named digest, whose output is `size` bytes.
    private static func hmac(_ digest: String, size: Int, key: [UInt8], message: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: size)
        var length = 0
        _ = key.withUnsafeBufferPointer { keyBuffer in
            message.withUnsafeBufferPointer { messageBuffer in
                out.withUnsafeMutableBufferPointer { output in
                    // EVP_Q_mac (OpenSSL 3) is the one-shot MAC in evp.h; HMAC() needs hmac.h.
                    EVP_Q_mac(nil, "HMAC", nil, digest, nil, keyBuffer.baseAddress, keyBuffer.count,
                              messageBuffer.baseAddress, messageBuffer.count, output.baseAddress, output.count, &length)
                }
            }
        }
        precondition(length == size, "OpenSSL HMAC(\(digest)) failed")
        return out
    }

    /// Constant-time equality (`CRYPTO_memcmp`); different lengths are unequal.
    public static func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        if a.isEmpty { return true }
        return a.withUnsafeBytes { x in
            b.withUnsafeBytes { y in CRYPTO_memcmp(x.baseAddress, y.baseAddress, x.count) == 0 }
        }
    }

    /// Lower-case hexadecimal.
    public static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// base64url without padding (RFC 4648 §5): safe in cookies and URLs.
    /// Written out here: through Foundation's base64 and three string replacements it cost ~10 µs
    /// for 32 bytes, on every visitor's page (the pre-session cookie).
    public static func base64URL(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count * 4 + 2) / 3)
        var index = 0
        while index < bytes.count {
            let remaining = bytes.count - index
            let b0 = UInt32(bytes[index])
            let b1 = remaining > 1 ? UInt32(bytes[index + 1]) : 0
            let b2 = remaining > 2 ? UInt32(bytes[index + 2]) : 0
            let group = b0 << 16 | b1 << 8 | b2
            out.append(base64URLAlphabet[Int(group >> 18 & 0x3f)])
            out.append(base64URLAlphabet[Int(group >> 12 & 0x3f)])
            if remaining > 1 { out.append(base64URLAlphabet[Int(group >> 6 & 0x3f)]) }
            if remaining > 2 { out.append(base64URLAlphabet[Int(group & 0x3f)]) }
            index += 3
        }
        return String(decoding: out, as: UTF8.self)
    }

    static let base64URLAlphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    /// Decodes base64url without padding; nil when malformed (a character outside the
    /// alphabet, a length no encoding has, or stray bits in the last character). Runs on every
    /// signed-in request (the session cookie), so it works on the bytes directly.
    public static func fromBase64URL(_ text: String) -> [UInt8]? {
        // Through the string's own bytes (a native string's are contiguous): iterating
        // `String.UTF8View` cost ~70 instructions a character.
        var text = text
        return text.withUTF8(fromBase64URL)
    }

    /// `fromBase64URL` of the bytes of a text.
    static func fromBase64URL(_ utf8: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        guard !utf8.isEmpty, utf8.count <= 256, utf8.count % 4 != 1 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(utf8.count * 3 / 4)
        var group: UInt32 = 0
        var bits = 0
        for byte in utf8 {
            let sextet: UInt32
            switch byte {
            case 0x41...0x5a: sextet = UInt32(byte - 0x41)
            case 0x61...0x7a: sextet = UInt32(byte - 0x61) + 26
            case 0x30...0x39: sextet = UInt32(byte - 0x30) + 52
            case 0x2d: sextet = 62
            case 0x5f: sextet = 63
            default: return nil
            }
            group = group << 6 | sextet
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: group >> UInt32(bits)))
                group &= (1 << UInt32(bits)) - 1
            }
        }
        return group == 0 ? out : nil
    }
}

/// Where the current time comes from; tests inject a clock they move by hand.
public struct Clock: Sendable {
    public let now: @Sendable () -> Date

    public init(now: @escaping @Sendable () -> Date) {
        self.now = now
    }

    public static let system = Clock { Date() }
}

/// A digest algorithm fetched from OpenSSL's default provider once, for the life of the process.
/// With `EVP_sha256()`, `EVP_Digest` fetched the implementation again on every call (OpenSSL 3's
/// implicit fetch: a lock and a property query), about 5,000 instructions of each of the two
/// digests a signed-in page takes (its session and its form token). A fetched `EVP_MD` is
/// immutable and may be shared by every thread.
private final class FetchedDigest: @unchecked Sendable {
    // `@unchecked Sendable` is sound: the pointer is set once and OpenSSL never changes a
    // fetched algorithm; it is freed never (one per process).
    let algorithm: OpaquePointer?

    private init(_ name: String, legacy: () -> OpaquePointer?) {
        // The legacy constant still works where fetching fails (a provider not loaded).
        algorithm = EVP_MD_fetch(nil, name, nil) ?? legacy()
    }

    static let sha256 = FetchedDigest("SHA256", legacy: { EVP_sha256() })
}

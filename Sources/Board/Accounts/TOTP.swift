import Foundation

/// Time-based one-time passwords (RFC 6238) over HOTP (RFC 4226) with HMAC-SHA1 through OpenSSL:
/// 6 digits, 30-second steps, as every authenticator app expects by default.
public enum TOTP {
    public static let step: TimeInterval = 30
    public static let digits = 6

    /// HOTP value (RFC 4226 §5.3) for `counter`, as `digits` decimal digits.
    public static func hotp(secret: [UInt8], counter: UInt64, digits: Int = digits) -> String {
        var message = [UInt8](repeating: 0, count: 8)
        for i in 0..<8 { message[i] = UInt8(truncatingIfNeeded: counter >> (56 - 8 * UInt64(i))) }
        let mac = Digest.hmacSHA1(key: secret, message: message)
        // Dynamic truncation: the low nibble of the last byte picks four bytes.
        let offset = Int(mac[mac.count - 1] & 0x0f)
        let binary = (UInt32(mac[offset] & 0x7f) << 24) | (UInt32(mac[offset + 1]) << 16)
            | (UInt32(mac[offset + 2]) << 8) | UInt32(mac[offset + 3])
        var modulus: UInt32 = 1
        for _ in 0..<digits { modulus *= 10 }
        let value = String(binary % modulus)
        return String(repeating: "0", count: max(0, digits - value.count)) + value
    }

    /// The TOTP code at `time` (RFC 6238 §4.2: T = floor((time − T0) / X), T0 = 0).
    public static func code(secret: [UInt8], at time: Date, digits: Int = digits) -> String {
        hotp(secret: secret, counter: UInt64(max(0, time.timeIntervalSince1970) / step), digits: digits)
    }

    /// Whether `code` matches at `time`, allowing one step of clock drift either way
    /// (RFC 6238 §5.2). Compared in constant time.
    public static func verify(_ code: String, secret: [UInt8], at time: Date) -> Bool {
        matchingStep(code, secret: secret, at: time) != nil
    }

    /// The time step (counter) whose code `code` is, within one step of `time`; nil when none.
    public static func matchingStep(_ code: String, secret: [UInt8], at time: Date) -> UInt64? {
        let typed = code.filter { !$0.isWhitespace }
        guard typed.count == digits, typed.allSatisfy(\.isASCII), typed.allSatisfy(\.isNumber) else { return nil }
        let current = UInt64(max(0, time.timeIntervalSince1970) / step)
        var matched: UInt64?
        let candidates: [UInt64] = current == 0 ? [0, 1] : [current - 1, current, current + 1]
        for counter in candidates {
            let expected = hotp(secret: secret, counter: counter)
            if Digest.constantTimeEquals(Array(expected.utf8), Array(typed.utf8)) { matched = counter }
        }
        return matched
    }

    /// RFC 4648 base32 without padding: how secrets are shown for typing into an app.
    public static func base32(_ bytes: [UInt8]) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
        var out = ""
        var buffer: UInt32 = 0
        var bits = 0
        for byte in bytes {
            buffer = (buffer << 8) | UInt32(byte)
            bits += 8
            while bits >= 5 {
                out.append(alphabet[Int((buffer >> UInt32(bits - 5)) & 31)])
                bits -= 5
            }
        }
        if bits > 0 { out.append(alphabet[Int((buffer << UInt32(5 - bits)) & 31)]) }
        return out
    }
}

import Foundation
import Testing
@testable import Board

@Suite struct SecurityPrimitiveTests {
    /// RFC 6238 Appendix B, SHA-1 rows: the 20-byte ASCII secret "12345678901234567890", 8 digits.
    @Test(arguments: [
        (59.0, "94287082"), (1_111_111_109.0, "07081804"), (1_111_111_111.0, "14050471"),
        (1_234_567_890.0, "89005924"), (2_000_000_000.0, "69279037"), (20_000_000_000.0, "65353130"),
    ])
    func totpMatchesRFC6238Vectors(time: Double, expected: String) {
        let secret = Array("12345678901234567890".utf8)
        #expect(TOTP.code(secret: secret, at: Date(timeIntervalSince1970: time), digits: 8) == expected)
    }

    /// RFC 4226 Appendix D: HOTP values for counters 0…9.
    @Test func hotpMatchesRFC4226Vectors() {
        let secret = Array("12345678901234567890".utf8)
        let expected = ["755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871", "520489"]
        for (counter, value) in expected.enumerated() {
            #expect(TOTP.hotp(secret: secret, counter: UInt64(counter)) == value)
        }
    }

    @Test func totpAcceptsOneStepOfDriftOnly() {
        let secret = Array("12345678901234567890".utf8)
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let code = TOTP.code(secret: secret, at: now)
        #expect(TOTP.verify(code, secret: secret, at: now))
        #expect(TOTP.verify(code, secret: secret, at: now.addingTimeInterval(30)))
        #expect(TOTP.verify(code, secret: secret, at: now.addingTimeInterval(-30)))
        #expect(!TOTP.verify(code, secret: secret, at: now.addingTimeInterval(90)))
        #expect(!TOTP.verify("12345", secret: secret, at: now))
        #expect(!TOTP.verify("abcdef", secret: secret, at: now))
    }

    /// RFC 4648 §10 test vectors.
    @Test func base32MatchesRFC4648() {
        #expect(TOTP.base32(Array("f".utf8)) == "MY")
        #expect(TOTP.base32(Array("foobar".utf8)) == "MZXW6YTBOI")
        #expect(TOTP.base32(Array("12345678901234567890".utf8)) == "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ")
    }

    @Test func sha256AndConstantTimeEquality() {
        #expect(Digest.hex(Digest.sha256(Array("abc".utf8))) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(Digest.constantTimeEquals([1, 2, 3], [1, 2, 3]))
        #expect(!Digest.constantTimeEquals([1, 2, 3], [1, 2, 4]))
        #expect(!Digest.constantTimeEquals([1, 2, 3], [1, 2]))
        let bytes: [UInt8] = (0..<32).map { UInt8($0 * 7 & 0xff) }
        #expect(Digest.fromBase64URL(Digest.base64URL(bytes)) == bytes)
        #expect(Digest.fromBase64URL("not/valid+") == nil)
        // RFC 4648 §10 vectors (padding dropped), and every length against Foundation's base64.
        for (text, encoded) in [("", ""), ("f", "Zg"), ("fo", "Zm8"), ("foo", "Zm9v"), ("foob", "Zm9vYg"),
                                ("fooba", "Zm9vYmE"), ("foobar", "Zm9vYmFy")] {
            #expect(Digest.base64URL(Array(text.utf8)) == encoded)
        }
        for length in 0...40 {
            let random: [UInt8] = (0..<length).map { UInt8(($0 * 151 + length * 31) & 0xff) }
            let foundation = Data(random).base64EncodedString()
                .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
            #expect(Digest.base64URL(random) == foundation)
            if length > 0 { #expect(Digest.fromBase64URL(Digest.base64URL(random)) == random) }
        }
        // Malformed: a length no encoding has, padding, a character outside the URL alphabet,
        // stray bits in the last character, and nothing at all.
        for bad in ["Z", "Zm9vY", "Zg==", "Zm9v\u{0}", "Zm 9", "Zh", "Zm9", "", "é"] {
            #expect(Digest.fromBase64URL(bad) == nil, "\(bad)")
        }
        #expect(Digest.fromBase64URL("Zm8") == Array("fo".utf8))
    }

    @Test func scryptParametersTravelWithTheHash() throws {
        let hash = try PasswordHasher.standard.hash("correct horse battery")
        let fields = hash.split(separator: "$")
        #expect(fields.count == 6)
        #expect(fields[0] == "scrypt" && fields[1] == "32768" && fields[2] == "8" && fields[3] == "1")
        #expect(PasswordHasher.standard.verify("correct horse battery", against: hash))
        #expect(!PasswordHasher.standard.verify("correct horse batterx", against: hash))
        #expect(PasswordHasher(n: 1 << 16, r: 8, p: 1).needsRehash(hash))
    }

    /// A stored key differing in its first or its last byte is refused alike. That the final
    /// comparison takes the same time either way is by construction (CRYPTO_memcmp, see
    /// PasswordHasher.verify), not by a stopwatch: timing assertions do not belong in tests.
    @Test func keysDifferingAnywhereAreRefused() throws {
        let hasher = PasswordHasher(n: 1 << 10, r: 8, p: 1)
        let hash = try hasher.hash("timing test password")
        let parts = hash.split(separator: "$").map(String.init)
        let key = try #require(Data(base64Encoded: parts[5]))
        func variant(flipping index: Int) -> String {
            var copy = key
            copy[index] ^= 0xff
            return parts[0..<5].joined(separator: "$") + "$" + copy.base64EncodedString()
        }
        for index in [0, key.count / 2, key.count - 1] {
            #expect(!hasher.verify("timing test password", against: variant(flipping: index)))
        }
        #expect(hasher.verify("timing test password", against: hash))
        #expect(Digest.constantTimeEquals([1, 2, 3], [1, 2, 3]))
        #expect(!Digest.constantTimeEquals([1, 2, 3], [1, 2, 4]))
        #expect(!Digest.constantTimeEquals([1, 2, 3], [1, 2]))
    }

    @Test func commonPasswordsAreShippedAndRefused() {
        #expect(CommonPasswords.count > 3000)
        #expect(PasswordRules.problem(with: "qwertyuiop") != nil)
        #expect(PasswordRules.problem(with: "Password2024") != nil)
        #expect(PasswordRules.problem(with: "123456789") != nil)   // too short
        #expect(PasswordRules.problem(with: "tiger lamp orchard") == nil)
        #expect(PasswordRules.problem(with: "sam_okafor_rules", handle: "sam_okafor") != nil)
    }

    /// The list ships as a resource; only entries the length rule lets through are worth keeping.
    @Test func commonPasswordListHoldsOnlyLowerCaseEntriesOfTheMinimumLengthOrMore() {
        #expect(CommonPasswords.count > 3000)
        let short = CommonPasswords.entries.filter { $0.count < PasswordRules.minimumLength }
        #expect(short.isEmpty, "entries under \(PasswordRules.minimumLength) characters: \(short.sorted().prefix(5))")
        #expect(CommonPasswords.entries.allSatisfy { $0 == $0.lowercased() && !$0.isEmpty })
    }

    @Test(arguments: ["qwertyuiop", "password2024", "Password2024", "1q2w3e4r5t", "QWERTYUIOP123"])
    func aCommonPasswordOfTenOrMoreCharactersIsRefused(password: String) {
        #expect(password.count >= PasswordRules.minimumLength)
        #expect(CommonPasswords.contains(password.lowercased()))
        #expect(PasswordRules.problem(with: password) == "Password is too common, choose one that would be hard to guess")
    }
}

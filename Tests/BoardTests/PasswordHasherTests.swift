import Testing
@testable import Board

@Suite("scrypt password hashing")
struct PasswordHasherTests {
    // Cheap parameters keep the suite fast; one test uses the real ones.
    let hasher = PasswordHasher(n: 1 << 10, r: 8, p: 1)

    @Test func standardParametersRoundTrip() throws {
        let hash = try PasswordHasher.standard.hash("correct horse battery staple")
        #expect(hash.hasPrefix("scrypt$32768$8$1$"))
        #expect(PasswordHasher.standard.verify("correct horse battery staple", against: hash))
        #expect(!PasswordHasher.standard.verify("correct horse battery stapler", against: hash))
    }

    @Test func wrongPasswordsAndEmptyPasswordsFail() throws {
        let hash = try hasher.hash("3BM-shadow-board")
        #expect(hasher.verify("3BM-shadow-board", against: hash))
        #expect(!hasher.verify("3bm-shadow-board", against: hash))
        #expect(!hasher.verify("", against: hash))
        let empty = try hasher.hash("")
        #expect(hasher.verify("", against: empty))
    }

    @Test func saltsDifferSoEqualPasswordsHashDifferently() throws {
        #expect(try hasher.hash("same") != hasher.hash("same"))
    }

    @Test func parametersTravelWithTheHash() throws {
        // A hash made with other parameters still verifies, and is flagged for rehashing.
        let weak = try PasswordHasher(n: 1 << 4, r: 1, p: 1).hash("pw")
        #expect(hasher.verify("pw", against: weak))
        #expect(hasher.needsRehash(weak))
        #expect(!hasher.needsRehash(try hasher.hash("pw")))
    }

    @Test(arguments: ["", "!", "scrypt$1024$8$1$c2FsdA==", "scrypt$1000$8$1$c2FsdA==$AAAAAAAAAAAAAAAAAAAAAA==",
                      "scrypt$4294967296$8$1$c2FsdA==$AAAAAAAAAAAAAAAAAAAAAA==", "bcrypt$x$y$z$a$b"])
    func malformedHashesNeverVerify(hash: String) {
        #expect(!hasher.verify("anything", against: hash))
        #expect(hasher.needsRehash(hash))
    }

    /// Pads come from a reserve filled 4 KiB at a time: across several refills each is as long
    /// as asked, none repeats, and the bytes are not stuck (no byte value missing from 40 KiB).
    @Test func padsAreFreshAcrossRefillsOfTheReserve() throws {
        let pads = try (0..<1280).map { _ in try SecureRandom.pad(32) }
        #expect(pads.allSatisfy { $0.count == 32 })
        #expect(Set(pads).count == pads.count)
        #expect(Set(pads.joined()).count == 256)
        let odd = try (0..<300).map { index in try SecureRandom.pad(1 + index % 256) }
        #expect(odd.enumerated().allSatisfy { $0.element.count == 1 + $0.offset % 256 })
    }

    @Test func generatedPasswordsAreLongAndVaried() throws {
        let passwords = try (0..<20).map { _ in try SecureRandom.password() }
        #expect(passwords.allSatisfy { $0.count == 16 })
        #expect(Set(passwords).count == 20)
    }
}

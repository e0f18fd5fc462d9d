import Board
import Testing
@testable import Web

/// A signed-in session's CSRF secret, kept (`CSRF.sessionSecrets`), is the one derived afresh,
/// so a token masked from either unmasks to the other; each session has its own.
@Suite struct KeptCSRFSecretTests {
    @Test func keptSecretsAreTheDerivedOnes() throws {
        let token = Digest.base64URL(try SecureRandom.bytes(32))
        let other = Digest.base64URL(try SecureRandom.bytes(32))
        let derived = CSRF.secret(binding: token)
        #expect(CSRF.sessionSecrets.of(token) == derived)
        #expect(CSRF.sessionSecrets.of(token) == derived)  // kept
        #expect(CSRF.sessionSecrets.of(other) == CSRF.secret(binding: other))
        #expect(CSRF.sessionSecrets.of(other) != derived)
        let masked = try CSRF.masked(try #require(CSRF.sessionSecrets.of(token)))
        #expect(CSRF.unmasked(masked) == derived)
    }
}

import CZlib
import Database
import Foundation
import HTTPServer
import Testing
import TestSupport
@testable import Board
@testable import Web

/// The visitors' page cache (issue 14): after each kind of write the page is fresh, and no page
/// made for someone signed in, and nothing private, is ever served from it to anyone else.
/// Over TLS against the real server, with a real SQLite file.
@Suite(.serialized, .timeLimit(.minutes(3))) struct PageCacheTests {
    /// A public thread by a member, a private one in a pathfinder, an admin; first posts not held.
    func withBoard(_ body: (TestSite, TestThread, TestThread, TestOrganisation) throws -> Void) throws {
        try withTestSite(limits: .noNewAccountPeriod) { site in
            let pathfinder = try site.organisation("tri-borough-mutual")
            _ = try site.topic()
            let member = try site.member(of: pathfinder, handle: "member")
            _ = try site.admin()
            try site.network.store.write { try $0.run("UPDATE settings SET value = '0' WHERE key = ?", Setting.holdFirstPostsOfNewMembers.rawValue) }
            let open = try site.thread(by: member, title: "Public question about pensions", body: "Opening words")
            let secret = try site.thread(in: .organisation(pathfinder), by: member, title: "CONFIDENTIAL restructure", body: "Inside only")
            try body(site, open, secret, pathfinder)
        }
    }

    @Test func aVisitorsSecondReadIsAHitAndTheSameBytes() throws {
        try withBoard { site, open, _, _ in
            let visitor = site.browser()
            let first = try visitor.get(open.path)
            let second = try visitor.get(open.path)
            #expect(first.status == 200 && second.status == 200)
            #expect(first.header("x-cache") == "miss")
            #expect(second.header("x-cache") == "hit")
            #expect(first.body == second.body)
            // Another visitor, with no cookies at all, gets the same page and not the first one's cookie.
            let other = try site.browser().get(open.path)
            #expect(other.header("x-cache") == "hit")
            #expect(other.body == first.body)
            #expect(other.headers("set-cookie").isEmpty == false || other.header("x-cache") == "hit")
            #expect(!other.headers("set-cookie").contains { cookie in first.headers("set-cookie").contains(cookie) })
        }
    }

    @Test func aReplyThroughTheFormIsOnTheNextVisitorLoad() throws {
        try withBoard { site, open, _, _ in
            let visitor = site.browser()
            _ = try visitor.get(open.path)
            #expect(try visitor.get(open.path).header("x-cache") == "hit")
            let member = try site.signedIn("member", landingOn: open.path)
            let reply = try member.post("/t/\(open.id)/reply", [("body", "Fresh reply zanzibar"), ("action", "post")])
            #expect(reply.status == 303)
            let after = try visitor.get(open.path)
            #expect(after.text.contains("Fresh reply zanzibar"))
            #expect(try visitor.get("/").text.contains("Public question about pensions"))
        }
    }

    @Test func everyKindOfWriteIsSeenOnTheNextLoad() throws {
        try withBoard { site, open, _, _ in
            let visitor = site.browser()
            func warm(_ path: String) throws {
                _ = try visitor.get(path)
                #expect(try visitor.get(path).header("x-cache") == "hit", "\(path) was not kept")
            }
            // A title changed by a moderator.
            try warm(open.path)
            try warm("/")
            try site.network.store.write { try $0.run("UPDATE threads SET title = 'Renamed about pensions' WHERE id = ?", open.id) }
            #expect(try visitor.get(open.path).text.contains("Renamed about pensions"))
            #expect(try visitor.get("/").text.contains("Renamed about pensions"))
            // A reply hidden.
            let replyID = try site.reply(to: open, by: try site.person("replier", role: .member, organisation: nil, confirmed: true),
                                         body: "Soon hidden quokka")
            try warm(open.path)
            #expect(try visitor.get(open.path).text.contains("Soon hidden quokka"))
            try site.network.store.write { try $0.run("UPDATE posts SET hidden = 1, hidden_reason = ?, hidden_at = ?, hidden_by = (SELECT id FROM users WHERE handle = 'admin') WHERE id = ?", "spam", Date(), replyID) }
            #expect(!(try visitor.get(open.path).text.contains("Soon hidden quokka")))
            // A display name changed.
            try warm(open.path)
            try site.network.store.write { try $0.run("UPDATE users SET display_name = 'Helen Renamed' WHERE handle = 'member'") }
            #expect(try visitor.get(open.path).text.contains("Helen Renamed"))
            // The thread moved into a private space: the visitor's copy goes.
            try warm(open.path)
            let pathfinderID = try site.id("SELECT id FROM organisations WHERE slug = 'tri-borough-mutual'")
            try site.network.store.write { try $0.run("UPDATE threads SET organisation_id = ? WHERE id = ?", pathfinderID, open.id) }
            #expect(try visitor.get(open.path).status == 404)
            // Reading made members-only: visitors are sent to sign in, cache or not.
            try warm("/")
            try site.network.store.write { try $0.run("UPDATE settings SET value = '1' WHERE key = ?", Setting.requireSignInToRead.rawValue) }
            CachedSetting.settingsChanged()
            #expect(try visitor.get("/").status == 303)
        }
    }

    @Test func aWriteByAnotherProcessIsSeenSoon() throws {
        try withTestSite(limits: .noNewAccountPeriod) { site in
            let member = try site.member(handle: "member")
            let open = try site.thread(by: member, title: "Watched from outside")
            try Network(store: site.network.store).watchOtherProcesses()
            let visitor = site.browser()
            _ = try visitor.get(open.path)
            #expect(try visitor.get(open.path).header("x-cache") == "hit")
            // Another connection (as `mutuals` run from a shell would have) renames the thread.
            let other = try Store(path: site.network.store.path)
            try other.write { try $0.run("UPDATE threads SET title = 'Renamed from a shell' WHERE id = ?", open.id) }
            other.close()
            var seen = false
            for _ in 0..<40 where !seen {
                Thread.sleep(forTimeInterval: 0.1)
                seen = try visitor.get(open.path).text.contains("Renamed from a shell")
            }
            #expect(seen)
        }
    }

    @Test func nothingSignedInOrPrivateIsEverServedToSomeoneElse() throws {
        try withBoard { site, open, secret, _ in
            let member = try site.signedIn("member")
            // The member reads the private thread and the home page with it listed.
            #expect(try member.get(secret.path).status == 200)
            let memberHome = try member.get("/")
            #expect(memberHome.text.contains("CONFIDENTIAL restructure"))
            #expect(memberHome.header("x-cache") == nil)
            #expect(try member.get(open.path).header("x-cache") == nil)
            // Visitors never see either.
            let visitor = site.browser()
            for _ in 0..<2 {
                #expect(try visitor.get(secret.path).status == 404)
                let home = try visitor.get("/")
                #expect(!home.text.contains("CONFIDENTIAL"))
                #expect(!home.text.contains("Sign out"))
                #expect(!(try visitor.get(open.path).text.contains("Sign out")))
            }
            // A made-up session cookie is not a visitor: it neither reads nor fills the cache.
            let forger = site.browser()
            forger.setCookie("__Host-session", "not-a-session")
            let forged = try forger.get(open.path)
            #expect(forged.status == 200)
            #expect(forged.header("x-cache") == nil)
            // The member's pages carry their form token; visitors' cached pages carry none.
            #expect(!(try visitor.get(open.path).text.contains(#"name="csrf""#)))
        }
    }

    @Test func cachedPagesGoOutCompressedWhenAskedAndPlainOtherwise() throws {
        try withBoard { site, open, _, _ in
            let visitor = site.browser()
            let plain = try visitor.get(open.path)
            #expect(plain.header("content-encoding") == nil)
            #expect(plain.header("vary")?.lowercased().contains("accept-encoding") == true)
            for _ in 0..<2 {
                let gzipped = try visitor.get(open.path, headers: [("Accept-Encoding", "gzip, deflate, br")])
                #expect(gzipped.header("content-encoding") == "gzip")
                #expect(try Self.gunzip(gzipped.body) == plain.body)
            }
            let refused = try visitor.get(open.path, headers: [("Accept-Encoding", "gzip;q=0, identity")])
            #expect(refused.header("content-encoding") == nil)
            #expect(refused.body == plain.body)
        }
    }

    @Test func signedInPagesAndStaticFilesAreCompressedToo() throws {
        try withBoard { site, open, _, _ in
            let member = try site.signedIn("member")
            let plain = try member.get(open.path)
            let gzipped = try member.get(open.path, headers: [("Accept-Encoding", "gzip")])
            #expect(gzipped.header("content-encoding") == "gzip")
            let text = String(decoding: try Self.gunzip(gzipped.body), as: UTF8.self)
            #expect(text.contains("Sign out"))
            // The form token is masked afresh in every response (BREACH): never the same twice…
            let tokens = Set([plain.text, text].compactMap(Self.formToken))
            #expect(tokens.count == 2)
            // …and every one of them is accepted.
            let reply = try member.post("/t/\(open.id)/reply", [("body", "Masked tokens work"), ("action", "post")], csrf: Self.formToken(text) ?? "")
            #expect(reply.status == 303)
            // Static files: compressed once, with their own validator.
            let css = try member.get("/static/site.css", headers: [("Accept-Encoding", "gzip")])
            let cssPlain = try member.get("/static/site.css")
            #expect(css.header("content-encoding") == "gzip")
            #expect(try Self.gunzip(css.body) == cssPlain.body)
            #expect(css.header("etag") != cssPlain.header("etag"))
            let again = try member.get("/static/site.css", headers: [("Accept-Encoding", "gzip"), ("If-None-Match", css.header("etag") ?? "")])
            #expect(again.status == 304)
            // The account page shows the private feed link: never compressed.
            let account = try member.get("/account", headers: [("Accept-Encoding", "gzip")])
            #expect(account.header("content-encoding") == nil)
        }
    }

    @Test func aWrongTokenIsStillRefused() throws {
        try withBoard { site, open, _, _ in
            let member = try site.signedIn("member", landingOn: open.path)
            let token = try #require(member.csrfToken)
            var bytes = try #require(Digest.fromBase64URL(token))
            bytes[40] ^= 1
            let refused = try member.post("/t/\(open.id)/reply", [("body", "Tampered"), ("action", "post")], csrf: Digest.base64URL(bytes))
            #expect(refused.status == 403)
            #expect(refused.text.contains("Tampered"))
            let bare = try member.post("/t/\(open.id)/reply", [("body", "Unmasked"), ("action", "post")],
                                       csrf: Digest.hex(CSRF.secret(binding: try #require(member.cookie("__Host-session")))))
            #expect(bare.status == 403)
        }
    }

    static func formToken(_ html: String) -> String? {
        guard let range = html.range(of: #"name="csrf" value=""#) else { return nil }
        return String(html[range.upperBound...].prefix { $0 != "\"" })
    }

    static func gunzip(_ bytes: [UInt8]) throws -> [UInt8] {
        var stream = z_stream()
        guard inflateInit2_(&stream, 15 + 16, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw TestNetworkError("inflateInit2 failed")
        }
        defer { inflateEnd(&stream) }
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        var input = bytes
        var status: Int32 = Z_OK
        input.withUnsafeMutableBufferPointer { inputBuffer in
            stream.next_in = inputBuffer.baseAddress
            stream.avail_in = uInt(inputBuffer.count)
            repeat {
                chunk.withUnsafeMutableBufferPointer { out in
                    stream.next_out = out.baseAddress
                    stream.avail_out = uInt(out.count)
                    status = inflate(&stream, Z_NO_FLUSH)
                    output.append(contentsOf: out[0..<(out.count - Int(stream.avail_out))])
                }
            } while status == Z_OK
        }
        guard status == Z_STREAM_END else { throw TestNetworkError("not gzip: \(status)") }
        return output
    }
}

/// The visitors' request limit: 429 with Retry-After past the burst; members are not limited.
@Suite(.serialized) struct VisitorRateLimitTests {
    @Test func visitorsPastTheBurstAreToldToWaitAndMembersAreNot() throws {
        try withTestNetwork(limits: .noNewAccountPeriod) { network in
            _ = try network.topic()
            _ = try network.member(handle: "member")
            var site = TestNetwork.siteFiles
            site.visitorRate.perSecond = 0.01
            site.visitorRate.burst = 5
            try network.serve(site: site) { site in
                let member = try site.signedIn("member")  // the sign-in pages are visitor requests too
                let visitor = site.browser()
                var statuses: [Int] = []
                for _ in 0..<6 { statuses.append(try visitor.get("/").status) }
                #expect(statuses.last == 429)
                let refused = try visitor.get("/")
                #expect(refused.status == 429)
                #expect(Int(refused.header("retry-after") ?? "") ?? 0 >= 1)
                #expect(refused.text.contains("Too many requests"))
                // Static files are not counted.
                #expect(try visitor.get("/static/site.css").status == 200)
                // A made-up session cookie is still a visitor.
                let forger = site.browser()
                forger.setCookie("__Host-session", "made-up")
                #expect(try forger.get("/").status == 429)
                // A member is never limited.
                for _ in 0..<10 { #expect(try member.get("/").status == 200) }
                // The ways in stay open to a limited address: someone there can still sign in
                // or reset a password.
                #expect(try visitor.get("/sign-in").status == 200)
                #expect(try visitor.get("/forgot-password").status == 200)
                #expect(try site.signIn(visitor, "member").status == 303)
            }
        }
    }

    @Test func theWaysInAndMailedLinksWorkWhenReadingNeedsSignIn() throws {
        try withTestSite { site in
            try site.network.store.write { try $0.run("UPDATE settings SET value = '1' WHERE key = ?", Setting.requireSignInToRead.rawValue) }
            CachedSetting.settingsChanged()
            let visitor = site.browser()
            #expect(try visitor.get("/").status == 303)
            for path in ["/sign-in", "/register", "/forgot-password", "/forgot-password/sent"] {
                #expect(try visitor.get(path).status == 200, "\(path)")
            }
            // A mailed link is answered by its own page (here: not a valid link), not sent to sign in.
            #expect(try visitor.get("/reset-password/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA").status != 303)
            #expect(try visitor.get("/confirm-email/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA").status != 303)
        }
    }

    /// Any session cookie, under either name, with any spacing, keeps a request out of the
    /// cache; a cookie whose name only contains the word does not.
    @Test func aSessionCookieIsFoundUnderEitherNameWhateverTheSpacing() {
        let mentioning = ["__Host-session=abc", "session=x", "a=1; session=2", "a=1;session=", " \t__Host-session =v;b=2",
                          "theme=dark;  session", "x=1;;session=y"]
        let notMentioning = ["", "a=1", "__Host-presession=abc", "sessions=1", "my-session=2", "a=session", ";;", "session_id=3"]
        for header in mentioning { #expect(SessionCookies.mentionsSession(header), "\(header)") }
        for header in notMentioning { #expect(!SessionCookies.mentionsSession(header), "\(header)") }
    }

    @Test func theBucketRefillsAtTheRate() throws {
        let limit = VisitorRateLimit(limits: { var l = VisitorRateLimit.Limits(); l.perSecond = 2; l.burst = 2; return l }())
        let request = Request(method: .get, path: "/", pathSegments: [], remoteAddress: "2001:db8:1:2::7")
        let sibling = Request(method: .get, path: "/", pathSegments: [], remoteAddress: "2001:db8:1:2::8")
        try limit.charge(request, now: 100)
        try limit.charge(request, now: 100)
        #expect(throws: HTTPError.self) { try limit.charge(sibling, now: 100) }  // same /64
        try limit.charge(request, now: 100.5)  // one token back after half a second
        #expect(throws: HTTPError.self) { try limit.charge(request, now: 100.5) }
        try limit.charge(Request(method: .get, path: "/", pathSegments: [], remoteAddress: "192.0.2.1"), now: 100)
    }
}

import Foundation
import Testing
@testable import Board

/// `ThreadCapabilities` and `ViewerCapabilities` (what the pages offer) are `Policy.decide`'s
/// answers (what the handlers allow), for every kind of actor and thread state.
@Suite struct CapabilitiesTests {
    static let now = PolicyTests.now

    static let threads: [(String, Resource.ThreadState)] = [
        ("open", .init(authorID: 100)),
        ("own", .init(authorID: 1)),
        ("locked", .init(authorID: 100, locked: true)),
        ("own locked", .init(authorID: 1, locked: true)),
        ("hidden", .init(authorID: 100, hidden: true)),
        ("private", .init(authorID: 100, organisationID: PolicyTests.org)),
    ]

    @Test(arguments: PolicyTests.Who.allCases)
    func capabilitiesArePolicyAnswers(_ who: PolicyTests.Who) {
        var actor = PolicyTests.actor(who)
        if actor.userID != nil {  // the "own" states are written by user 1: make this actor user 1
            actor = Actor(userID: 1, role: actor.role, organisationID: actor.organisationID,
                          mentoredOrganisations: actor.mentoredOrganisations, suspendedUntil: actor.suspendedUntil,
                          suspensionReason: actor.suspensionReason)
        }
        let viewer = ViewerCapabilities(actor, now: Self.now)
        #expect(viewer.startThread == Policy.decide(actor, .startThread, .network, now: Self.now).isAllowed)
        #expect((viewer.restriction != nil) == actor.isSuspended(at: Self.now))
        for (name, thread) in Self.threads {
            let caps = ThreadCapabilities(actor, thread: thread, now: Self.now)
            func policy(_ action: Action, _ resource: Resource) -> Bool { Policy.decide(actor, action, resource, now: Self.now).isAllowed }
            #expect(caps.reply == Policy.decide(actor, .reply, .thread(thread), now: Self.now), "\(who) \(name)")
            #expect(caps.editThread == policy(.editThread, .thread(thread)), "\(who) \(name)")
            #expect(caps.requestMentor == policy(.requestMentor, .thread(thread)), "\(who) \(name)")
            #expect(caps.acceptAnswer == policy(.acceptAnswer, .thread(thread)), "\(who) \(name)")
            for author: Int64 in [1, 100] {
                for (hidden, held) in [(false, false), (true, false), (false, true)] {
                    let post = Resource.PostState(authorID: author, hidden: hidden, held: held, thread: thread)
                    let may = caps.post(authorID: author, hidden: hidden, held: held, removed: false, opening: false)
                    let cell = "\(who) \(name) author \(author) hidden \(hidden) held \(held)"
                    #expect(may.edit == policy(.editPost, .post(post)), "\(cell)")
                    #expect(may.delete == policy(.deletePost, .post(post)), "\(cell)")
                    #expect(may.flag == policy(.flag, .post(post)), "\(cell)")
                    #expect(may.markHelpful == policy(.markHelpful, .post(post)), "\(cell)")
                    #expect(may.restore == (hidden && policy(.restore, .post(post))), "\(cell)")
                    // A post its author deleted offers nothing to change.
                    let removed = caps.post(authorID: author, hidden: hidden, held: held, removed: true, opening: false)
                    #expect(!removed.edit && !removed.delete && !removed.flag && !removed.markHelpful && !removed.save, "\(cell)")
                }
            }
            // The opening post is never the accepted answer.
            #expect(!caps.post(authorID: 100, hidden: false, held: false, removed: false, opening: true).accept)
        }
    }

    /// A page's posts asked together (`ThreadCapabilities.posts`, which asks once for each kind
    /// of post) get exactly the answers each would get alone, for every actor, thread state,
    /// author and flag: the viewer's own posts and several other authors' posts mixed.
    @Test(arguments: PolicyTests.Who.allCases)
    func aPageOfPostsGetsEachPostsOwnAnswer(_ who: PolicyTests.Who) {
        var actor = PolicyTests.actor(who)
        if actor.userID != nil {
            actor = Actor(userID: 1, role: actor.role, organisationID: actor.organisationID,
                          mentoredOrganisations: actor.mentoredOrganisations, suspendedUntil: actor.suspendedUntil,
                          suspensionReason: actor.suspensionReason)
        }
        var page: [ThreadCapabilities.PostFacts] = []
        for kind in 0..<16 {
            for author: Int64 in [1, 100, 101, 1] {
                page.append(.init(authorID: author, hidden: kind & 1 != 0, held: kind & 2 != 0, removed: kind & 4 != 0, opening: kind & 8 != 0))
            }
        }
        page.shuffle()
        for (name, thread) in Self.threads {
            let caps = ThreadCapabilities(actor, thread: thread, now: Self.now)
            let together = caps.posts(page)
            let alone = page.map { caps.post(authorID: $0.authorID, hidden: $0.hidden, held: $0.held, removed: $0.removed, opening: $0.opening) }
            #expect(together == alone, "\(who) \(name)")
        }
    }

    @Test func suspendedMembersAreToldInOneLineWithTheReason() {
        let actor = PolicyTests.actor(.suspendedMember)
        let line = ViewerCapabilities(actor, now: Self.now).restriction ?? ""
        #expect(line.hasPrefix("Your account is suspended until "))
        #expect(line.contains("so you cannot post, reply, flag or mark posts. Reason: spam."))
        #expect(ThreadCapabilities(actor, thread: .init(authorID: 100), now: Self.now).follow)
        #expect(ViewerCapabilities(PolicyTests.actor(.member), now: Self.now).restriction == nil)
        let noReason = Actor(userID: 9, role: .member, suspendedUntil: Self.now.addingTimeInterval(60), suspensionReason: "")
        #expect(!(ViewerCapabilities(noReason, now: Self.now).restriction ?? "").contains("Reason"))
    }
}

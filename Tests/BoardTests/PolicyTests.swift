import Foundation
import Testing
@testable import Board

/// The Policy over role × action × resource state.
@Suite struct PolicyTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let org: Int64 = 10
    static let otherOrg: Int64 = 20

    enum Who: String, CaseIterable, Sendable {
        case visitor, member, pathfinderMember, linkedMentor, unlinkedMentor, admin, suspendedMember, suspendedPathfinderMember
    }

    static func actor(_ who: Who) -> Actor {
        switch who {
        case .visitor: .visitor
        case .member: Actor(userID: 1, role: .member)
        case .pathfinderMember: Actor(userID: 2, role: .member, organisationID: org)
        case .linkedMentor: Actor(userID: 3, role: .mentor, mentoredOrganisations: [org])
        case .unlinkedMentor: Actor(userID: 4, role: .mentor, mentoredOrganisations: [otherOrg])
        case .admin: Actor(userID: 5, role: .admin)
        case .suspendedMember: Actor(userID: 6, role: .member, suspendedUntil: now.addingTimeInterval(86_400), suspensionReason: "spam")
        case .suspendedPathfinderMember: Actor(userID: 7, role: .member, organisationID: org,
                                               suspendedUntil: now.addingTimeInterval(86_400), suspensionReason: "abuse")
        }
    }

    enum State: String, CaseIterable, Sendable {
        case publicThreadOwn, publicThreadOthers, privateThread, lockedThread, hiddenThread, heldThreadOwn, turnedDownThreadOwn
        case ownPost, othersPost, ownPostInLocked, hiddenOthersPost, privatePost
    }

    /// `own` means authored by the actor (user id 1 is used for member; the table sets the id).
    static func resource(_ state: State, actorID: Int64?) -> Resource {
        let me = actorID ?? 999
        let other: Int64 = 100
        let open = Resource.ThreadState(authorID: other)
        switch state {
        case .publicThreadOwn: return .thread(.init(authorID: me))
        case .publicThreadOthers: return .thread(open)
        case .privateThread: return .thread(.init(authorID: other, organisationID: org))
        case .lockedThread: return .thread(.init(authorID: other, locked: true))
        case .hiddenThread: return .thread(.init(authorID: other, hidden: true))
        case .heldThreadOwn: return .thread(.init(authorID: me, held: true))
        case .turnedDownThreadOwn: return .thread(.init(authorID: me, held: true, turnedDown: true))
        case .ownPost: return .post(.init(authorID: me, thread: open))
        case .othersPost: return .post(.init(authorID: other, thread: open))
        case .ownPostInLocked: return .post(.init(authorID: me, thread: .init(authorID: other, locked: true)))
        case .hiddenOthersPost: return .post(.init(authorID: other, hidden: true, thread: open))
        case .privatePost: return .post(.init(authorID: other, thread: .init(authorID: other, organisationID: org)))
        }
    }

    enum Expect: Sendable { case allowed, denied, notFound }

    /// The named cells: who, action, state, answer.
    static let table: [(Who, Action, State, Expect)] = [
        // Reading
        (.visitor, .read, .publicThreadOthers, .allowed),
        (.visitor, .read, .privateThread, .notFound),
        (.member, .read, .privateThread, .notFound),
        (.unlinkedMentor, .read, .privateThread, .notFound),
        (.pathfinderMember, .read, .privateThread, .allowed),
        (.linkedMentor, .read, .privateThread, .allowed),
        (.admin, .read, .privateThread, .allowed),
        (.suspendedPathfinderMember, .read, .privateThread, .allowed),
        (.suspendedMember, .read, .publicThreadOthers, .allowed),
        (.member, .read, .hiddenThread, .notFound),
        (.admin, .read, .hiddenThread, .allowed),
        (.member, .read, .hiddenOthersPost, .notFound),
        (.admin, .read, .hiddenOthersPost, .allowed),
        (.member, .read, .privatePost, .notFound),
        (.linkedMentor, .read, .privatePost, .allowed),
        // Replying
        (.visitor, .reply, .publicThreadOthers, .denied),
        (.member, .reply, .publicThreadOthers, .allowed),
        (.member, .reply, .lockedThread, .denied),
        (.admin, .reply, .lockedThread, .allowed),
        (.suspendedMember, .reply, .publicThreadOthers, .denied),
        (.member, .reply, .privateThread, .notFound),
        (.pathfinderMember, .reply, .privateThread, .allowed),
        (.linkedMentor, .reply, .privateThread, .allowed),
        (.suspendedPathfinderMember, .reply, .privateThread, .denied),
        (.member, .reply, .heldThreadOwn, .allowed),
        (.member, .read, .turnedDownThreadOwn, .allowed),
        (.member, .reply, .turnedDownThreadOwn, .denied),  // its author: the question was turned down
        (.admin, .reply, .turnedDownThreadOwn, .allowed),  // an admin may still answer its author
        // Editing posts
        (.member, .editPost, .ownPost, .allowed),
        (.member, .editPost, .othersPost, .denied),
        (.member, .editPost, .ownPostInLocked, .denied),
        (.admin, .editPost, .othersPost, .denied),  // own posts only, as the posting service
        (.suspendedMember, .editPost, .ownPost, .denied),
        (.linkedMentor, .editPost, .othersPost, .denied),
        (.member, .deletePost, .ownPost, .allowed),
        // Flagging
        (.member, .flag, .othersPost, .allowed),
        (.member, .flag, .ownPost, .denied),
        (.visitor, .flag, .othersPost, .denied),
        // Moderation
        (.member, .hide, .othersPost, .denied),
        (.linkedMentor, .hide, .othersPost, .denied),
        (.admin, .hide, .othersPost, .allowed),
        (.admin, .restore, .hiddenOthersPost, .allowed),
        (.member, .lockThread, .publicThreadOthers, .denied),
        (.admin, .lockThread, .publicThreadOthers, .allowed),
        (.admin, .pinThread, .privateThread, .allowed),
        (.admin, .linkMentor, .publicThreadOthers, .allowed),
        (.linkedMentor, .linkMentor, .publicThreadOthers, .denied),
        (.member, .requestMentor, .publicThreadOwn, .allowed),
        (.member, .requestMentor, .publicThreadOthers, .denied),
    ]

    @Test(arguments: Array(0..<table.count))
    func tableCell(_ index: Int) {
        let (who, action, state, expected) = Self.table[index]
        let actor = Self.actor(who)
        let decision = Policy.decide(actor, action, Self.resource(state, actorID: actor.userID), now: Self.now)
        switch expected {
        case .allowed: #expect(decision == .allowed, "\(who) \(action) \(state): \(decision)")
        case .notFound: #expect(decision == .notFound, "\(who) \(action) \(state): \(decision)")
        case .denied:
            guard case .denied = decision else {
                Issue.record("\(who) \(action) \(state): expected denied, got \(decision)")
                return
            }
        }
    }

    /// Invariants over every role × action × state.
    @Test(arguments: Who.allCases)
    func invariantsOverEveryCell(_ who: Who) {
        let actor = Self.actor(who)
        for action in Action.allCases {
            for state in State.allCases {
                let resource = Self.resource(state, actorID: actor.userID)
                let decision = Policy.decide(actor, action, resource, now: Self.now)
                // A private thread does not exist for outsiders, whatever they try.
                if state == .privateThread || state == .privatePost,
                   [.visitor, .member, .unlinkedMentor, .suspendedMember].contains(who) {
                    #expect(decision == .notFound, "\(who) \(action) \(state)")
                }
                // Visitors and suspended users can at most read.
                if [.visitor, .suspendedMember, .suspendedPathfinderMember].contains(who), action != .read {
                    #expect(!decision.isAllowed, "\(who) \(action) \(state)")
                }
                // Only admins moderate.
                if [.hide, .restore, .lockThread, .pinThread, .moveThread, .linkMentor].contains(action), who != .admin {
                    #expect(!decision.isAllowed, "\(who) \(action) \(state)")
                }
                // Admins may do anything that applies to a thread or post.
                if who == .admin, [.hide, .restore, .lockThread, .read].contains(action),
                   decision != .denied("That cannot be done here") {
                    #expect(decision.isAllowed, "\(who) \(action) \(state): \(decision)")
                }
            }
        }
    }

    @Test func suspendedUsersAreToldWhyAndUntilWhen() {
        let decision = Policy.decide(Self.actor(.suspendedMember), .reply, .thread(.init(authorID: 100)), now: Self.now)
        guard case .denied(let message) = decision else {
            Issue.record("expected a denial")
            return
        }
        #expect(message.contains("suspended until"))
        #expect(message.contains("2027"))
        #expect(message.contains("spam"))
        // Once the suspension ends they can write again.
        #expect(Policy.decide(Self.actor(.suspendedMember), .reply, .thread(.init(authorID: 100)),
                              now: Self.now.addingTimeInterval(86_401)) == .allowed)
    }

    @Test func networkAndUserActions() {
        #expect(Policy.decide(Self.actor(.member), .startThread, .network, now: Self.now) == .allowed)
        #expect(Policy.decide(Self.actor(.member), .startThread, .organisation(Self.org), now: Self.now) != .allowed)
        #expect(Policy.decide(Self.actor(.pathfinderMember), .startThread, .organisation(Self.org), now: Self.now) == .allowed)
        #expect(Policy.decide(Self.actor(.linkedMentor), .startThread, .organisation(Self.org), now: Self.now) == .allowed)
        for action in [Action.manageTopics, .manageBriefing, .manageOrganisations, .makeInvites, .manageSettings, .viewModerationQueue] {
            #expect(Policy.decide(Self.actor(.admin), action, .network, now: Self.now) == .allowed)
            #expect(Policy.decide(Self.actor(.linkedMentor), action, .network, now: Self.now) != .allowed)
        }
        #expect(Policy.decide(Self.actor(.admin), .suspendUser, .user(id: 1, role: .member), now: Self.now) == .allowed)
        #expect(Policy.decide(Self.actor(.admin), .suspendUser, .user(id: 5, role: .admin), now: Self.now) != .allowed)
        #expect(Policy.decide(Self.actor(.member), .suspendUser, .user(id: 2, role: .member), now: Self.now) != .allowed)
        #expect(Policy.decide(Self.actor(.admin), .changeRole, .user(id: 3, role: .mentor), now: Self.now) == .allowed)
    }
}

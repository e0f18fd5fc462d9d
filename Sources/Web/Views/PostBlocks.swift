import Board
import Foundation
import HTMLEscaping

/// Everything one post on the thread page shows one reader (Templates/thread-post.mustache),
/// but the CSRF token of its forms: the post as stored, and what this reader may do with it.
/// The block is rendered from these values and nothing else (`PostBlocks`), so two readers with
/// equal blocks get the same markup, and a change to any of them is a different block.
///
/// The post is held as the reader's `PostView` itself, not as copies of its texts: a block is
/// built for every post of every page read, and compared with the kept one, and a kept post is
/// one shared object (`StoredThreadPosts`), so the same object is the same post and the
/// comparison is one pointer (`==`). Copying a post's eight texts into each block, and
/// comparing them text by text, took about a tenth of the signed-in thread page's CPU.
struct PostBlock: Sendable {
    /// The post as the reader is given it (its "This helped" mark is theirs).
    let post: PostView
    let accepted: Bool
    /// Whether its text is shown: not when removed by its author, nor when hidden and the
    /// reader is neither its author nor an admin.
    let textShown: Bool
    /// What the reader may do to it (`ThreadCapabilities.post`); nil for a post shown with no
    /// controls at all (a reply sent to open pages by the live stream).
    let may: PostCapabilities?
    /// The reader is an admin: a held post links to the moderation queue.
    let readerIsAdmin: Bool
    let threadID: Int64
    /// The thread's last page, where the reply form is (`/t/ID-slug` or `/t/ID-slug?page=N`).
    let replyPagePath: String
    /// Whether the reader has saved it; nil when they cannot save (not signed in).
    let saved: Bool?
    /// Newer than the newest post the reader had seen before this visit (never their own).
    let isNew: Bool
    /// The word after the reader's action on this post, said at the top of it. A block with
    /// one is rendered for that response alone and not kept.
    let notice: String?

    var id: Int64 { post.id }
    var byline: PostByline { PostByline(post, accepted: accepted) }
    /// Its markup; nil when the reader may not read it.
    var bodyHTML: String? { textShown ? post.bodyHTML : nil }

    /// - Parameters:
    ///   - viewer: who is reading: its author and admins still see a hidden post's text.
    ///   - may: the reader's controls; nil for none (the live stream).
    init(_ post: PostView, accepted: Bool, viewer: Viewer, may: PostCapabilities?, threadID: Int64, replyPagePath: String,
         saved: Bool? = nil, isNew: Bool = false, notice: String? = nil) {
        self.post = post
        self.accepted = accepted
        let seesHiddenText = viewer.isAdmin || viewer.userID == post.authorID
        textShown = !(post.deletedByAuthor || (post.hidden && !seesHiddenText))
        self.may = may
        readerIsAdmin = viewer.isAdmin
        self.threadID = threadID
        self.replyPagePath = replyPagePath
        self.saved = saved
        self.isNew = isNew
        self.notice = notice
    }
}

extension PostBlock: Equatable {
    /// Equal when everything the partial shows is: the reader's values, and the post's. The
    /// same `PostView` object is the same post (its fields are constants); two objects are
    /// compared field by field, the text only where it is shown.
    static func == (lhs: PostBlock, rhs: PostBlock) -> Bool {
        lhs.accepted == rhs.accepted && lhs.textShown == rhs.textShown && lhs.may == rhs.may
            && lhs.readerIsAdmin == rhs.readerIsAdmin && lhs.threadID == rhs.threadID && lhs.saved == rhs.saved
            && lhs.isNew == rhs.isNew && lhs.notice == rhs.notice && lhs.replyPagePath == rhs.replyPagePath
            && (lhs.post === rhs.post || sameShown(lhs.post, rhs.post, textShown: lhs.textShown))
    }

    /// Two posts' fields that the partial shows (the text only when `textShown`).
    private static func sameShown(_ a: PostView, _ b: PostView, textShown: Bool) -> Bool {
        a.id == b.id && a.authorHandle == b.authorHandle && a.authorName == b.authorName && a.authorRole == b.authorRole
            && a.authorOrganisation == b.authorOrganisation && a.createdAt == b.createdAt && a.editedAt == b.editedAt
            && a.hidden == b.hidden && a.hiddenReason == b.hiddenReason && a.deletedByAuthor == b.deletedByAuthor
            && a.heldForApproval == b.heldForApproval && a.helpful == b.helpful
            && (!textShown || a.bodyHTML == b.bodyHTML)
    }
}

/// The thread-post partial's values, from its `PostBlock` alone.
struct PostBlockView: KeyedTemplateRenderable {
    let block: PostBlock

    /// The moderation partial's values (Templates/post-moderation.mustache).
    struct Moderation: KeyedTemplateRenderable {
        let block: PostBlock

        enum Key: String, CaseIterable, Sendable { case hidden, hiddenReason, awaitingApproval, canFlag }
        static let templateKeys = TemplateKeys(Key.self)

        func templateValue(for key: Key) -> TemplateValue? {
            switch key {
            case .hidden: .bool(block.post.hidden && !block.post.deletedByAuthor)
            case .hiddenReason: .text(block.post.hiddenReason.isEmpty ? "no reason given" : block.post.hiddenReason)
            case .awaitingApproval: .bool(block.post.heldForApproval)
            case .canFlag: .bool(block.may?.flag ?? false)
            }
        }
    }

    enum Key: String, CaseIterable, Sendable {
        case id, accepted, removed, removedText, bodyHTML, moderation, postNotice, isNew
        case canQuote, mayQuote, quoteURL, mayEdit, mayDelete, mayAccept, acceptAction, mayRestore, mayHide
        case helpfulText, mayMarkHelpful, helpfulMine, saveControl, saved
    }
    /// The byline's names (author, dates) are passed on to `PostBylineView`.
    static let templateKeys = TemplateKeys(Key.self, including: PostBylineView.templateKeys)

    func templateValue(for key: Key) -> TemplateValue? {
        switch key {
        case .id: .int(Int(block.id))
        case .accepted: .bool(block.byline.accepted)
        case .removed: .bool(block.post.deletedByAuthor)
        case .removedText: .text("Deleted by its author.")
        case .bodyHTML: block.bodyHTML.map { .html($0) }
        case .moderation: .object(Moderation(block: block))
        case .postNotice: block.notice.map { .text($0) }
        case .isNew: .bool(block.isNew)
        // The actions line, for a post whose text is there to act on.
        case .canQuote: .bool(block.may != nil && !block.post.hidden && !block.post.deletedByAuthor)
        case .mayQuote: .bool(block.may?.quote ?? false)
        // The bytes, not Foundation's `contains` (a `range(of:)` search): this runs for every post.
        case .quoteURL:
            .text(block.replyPagePath + (block.replyPagePath.utf8.contains(UInt8(ascii: "?")) ? "&" : "?") + "quote=\(block.id)#reply-heading")
        case .mayEdit: .bool(block.may?.edit ?? false)
        case .mayDelete: .bool(block.may?.delete ?? false)
        case .mayAccept: .bool(block.may?.accept ?? false)
        case .acceptAction: .text("/t/\(block.threadID)/accept")
        case .mayRestore: .bool(block.may?.restore ?? false)
        case .mayHide: .bool(block.may?.hide ?? false)
        case .helpfulText:
            block.post.helpful.map { .text($0.count == 1 ? "1 member found this helpful" : "\($0.count) members found this helpful") }
        case .mayMarkHelpful: .bool(block.may?.markHelpful ?? false)
        case .helpfulMine: .bool(block.post.helpful?.mine ?? false)
        case .saveControl: .bool(block.saved != nil)
        case .saved: .bool(block.saved ?? false)
        }
    }

    func templateValue(passedOn slot: Int32, to part: Int) -> TemplateValue? {
        PostBylineView(byline: block.byline).templateValue(slot: slot)
    }
}

/// The two names a post's block takes from around it: the CSRF token of its forms, and
/// whether the reader is an admin (`{{#currentUser}}{{#isAdmin}}`, the queue link of a held
/// post). A block is rendered inside these and nothing else, so no other name of the page can
/// reach it.
struct PostBlockSurroundings: KeyedTemplateRenderable {
    let csrfToken: String
    let readerIsAdmin: Bool

    /// `currentUser` as the block sees it: whether the reader is an admin, and nothing else.
    struct Reader: KeyedTemplateRenderable {
        let isAdmin: Bool
        enum Key: String, CaseIterable, Sendable { case isAdmin }
        static let templateKeys = TemplateKeys(Key.self)

        func templateValue(for key: Key) -> TemplateValue? {
            switch key {
            case .isAdmin: .bool(isAdmin)
            }
        }
    }

    enum Key: String, CaseIterable, Sendable { case csrfToken, currentUser }
    static let templateKeys = TemplateKeys(Key.self)

    func templateValue(for key: Key) -> TemplateValue? {
        switch key {
        case .csrfToken: .text(csrfToken)
        case .currentUser: .object(Reader(isAdmin: readerIsAdmin))
        }
    }
}

/// The thread page's posts, each rendered once for each state of its `PostBlock` and kept.
///
/// A block is rendered from its `PostBlock` inside `PostBlockSurroundings` alone, so the
/// markup kept for an equal block is the markup a render would write, for whoever reads it.
/// The one value that differs on every response, the masked CSRF token of the post's forms, is
/// rendered as a random placeholder of this process (`hole`, never sent) and the markup kept in
/// the pieces between; each response joins the pieces with its own token. A post with a notice
/// (after the reader's own action on it) is rendered for that response alone.
///
/// On the thread page these are most of the page: rendering each post's twenty-odd values took
/// about half of the signed-in thread page's CPU.
final class PostBlocks: Sendable {
    private let template: Template
    /// What the CSRF token is rendered as in kept markup: a control character and 32 random hex
    /// digits of this process, which escaping leaves alone and no post can contain unless it
    /// knew them.
    private let hole: String
    private let kept: KeptFragments<PostBlock, Pieces>

    /// A kept block: its markup between the placeholders, and their length in bytes.
    struct Pieces: Sendable {
        let parts: [String]
        let byteCount: Int
    }

    /// - Parameters:
    ///   - byteLimit: how many bytes of markup and post text the kept blocks may hold; a block
    ///     of a very long post is rendered each time instead.
    ///   - limit: how many blocks are kept, about: by default one for each 4 KB of `byteLimit`
    ///     (a block and its post's text take 2–3 KB), so 65,536 for the default 256 MB, the
    ///     posts of the first pages of about 6,500 threads.
    init(template: Template, byteLimit: Int = SiteConfiguration.defaultPostCacheBytes, limit: Int? = nil) {
        let limit = limit ?? max(1, byteLimit / 4096)
        var generator = SystemRandomNumberGenerator()
        // SOH, which no page text has (forms drop control characters, `FormText.cleaned`) and
        // escaping leaves alone, then 32 random hex digits.
        let hole = "\u{1}" + (0..<2).map { _ in
            let value = generator.next() as UInt64
            let digits = String(value, radix: 16)
            return String(repeating: "0", count: 16 - digits.count) + digits
        }.joined()
        self.template = template
        self.hole = hole
        kept = KeptFragments(limit: limit, byteLimit: byteLimit, bytes: { block, pieces in
            // The block holds its post, text and all, whether the text is shown or not.
            pieces.byteCount + block.post.bodyHTML.utf8.count
        }, identical: { $0.post === $1.post }) { block in Self.pieces(template, block, hole: hole) }
    }

    /// `block` rendered with the placeholder for its token, cut around it.
    private static func pieces(_ template: Template, _ block: PostBlock, hole: String) -> Pieces {
        let parts = split(markup(template, block, csrfToken: hole), at: Array(hole.utf8))
        return Pieces(parts: parts, byteCount: parts.reduce(0) { $0 + $1.utf8.count })
    }

    private static func markup(_ template: Template, _ block: PostBlock, csrfToken: String) -> [UInt8] {
        let surroundings = PostBlockSurroundings(csrfToken: csrfToken, readerIsAdmin: block.readerIsAdmin)
        return template.render(roots: [.object(surroundings), .object(PostBlockView(block: block))])
    }

    private static func render(_ template: Template, _ block: PostBlock, csrfToken: String) -> String {
        String(decoding: markup(template, block, csrfToken: csrfToken), as: UTF8.self)
    }

    /// `bytes` cut at each `hole`, as text. A byte scan: Foundation's `components(separatedBy:)`
    /// walks grapheme by grapheme, and took a third of the CPU of pages whose blocks were not kept.
    static func split(_ bytes: [UInt8], at hole: [UInt8]) -> [String] {
        var parts: [String] = []
        bytes.withUnsafeBufferPointer { all in
            var start = 0
            for end in holeStarts(all, hole) {
                parts.append(String(decoding: UnsafeBufferPointer(rebasing: all[start ..< end]), as: UTF8.self))
                start = end + hole.count
            }
            parts.append(String(decoding: UnsafeBufferPointer(rebasing: all[start...]), as: UTF8.self))
        }
        return parts
    }

    /// Where each (non-overlapping) `hole` starts in `bytes`: `memchr` finds its first byte, a
    /// control character no text on a page has, and `memcmp` checks the rest.
    private static func holeStarts(_ bytes: UnsafeBufferPointer<UInt8>, _ hole: [UInt8]) -> [Int] {
        guard let first = hole.first, let base = bytes.baseAddress, bytes.count >= hole.count else { return [] }
        var starts: [Int] = []
        var index = 0
        let last = bytes.count - hole.count
        while index <= last, let found = memchr(base + index, Int32(first), last - index + 1) {
            let at = base.distance(to: found.assumingMemoryBound(to: UInt8.self))
            if memcmp(base + at, hole, hole.count) == 0 {
                starts.append(at)
                index = at + hole.count
            } else {
                index = at + 1
            }
        }
        return starts
    }

    /// One block, rendered now for `csrfToken` and not kept.
    func render(_ block: PostBlock, csrfToken: String) -> String {
        Self.render(template, block, csrfToken: csrfToken)
    }

    /// The blocks of a page, one after the other, with `csrfToken` in their forms: for each
    /// block, the parts the page writes with the escaped token between them (a kept block's
    /// parts, or one part rendered for this response alone). Joining them into one string first
    /// copied the posts, most of the page, once more.
    func pieces(_ blocks: [PostBlock], csrfToken: String) -> (runs: [[String]], joint: String) {
        var runs: [[String]] = []
        runs.reserveCapacity(blocks.count)
        for block in blocks {
            guard block.notice == nil else {
                runs.append([render(block, csrfToken: csrfToken)])
                continue
            }
            switch kept.lookup(id: block.id, for: block) {
            case .kept(let found):
                runs.append(found.parts)
            case .renderAndKeep:
                let rendered = Self.pieces(template, block, hole: hole)
                kept.keep(rendered, id: block.id, for: block)
                runs.append(rendered.parts)
            case .renderOnce:
                // Rendered once (`KeptFragments` keeps a block from its second render on), as in
                // place: no placeholder to cut out.
                runs.append([render(block, csrfToken: csrfToken)])
            }
        }
        return (runs, HTMLByteEscaper.escaped(csrfToken))
    }

    /// The page's posts as the value `{{{postsHTML}}}` writes.
    func value(_ blocks: [PostBlock], csrfToken: String) -> TemplateValue {
        let (runs, joint) = pieces(blocks, csrfToken: csrfToken)
        return .htmlPieces(runs, joint: joint)
    }

    /// `pieces(_:csrfToken:)` as one string.
    func html(_ blocks: [PostBlock], csrfToken: String) -> String {
        let (runs, joint) = pieces(blocks, csrfToken: csrfToken)
        return runs.map { $0.joined(separator: joint) }.joined()
    }
}

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
        case .quoteURL: .text(ReadingRoutes.withQuote(block.replyPagePath, block.id))
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

/// A page's post blocks, in order: what the page's kept markup (`PostBlocks`) is kept for.
///
/// Compared through buffer pointers, block by block in place: `zip` and `Array.==` copied each
/// block (a dozen retains and releases apiece) on every page read.
struct PageBlocks: Equatable, Sendable {
    let blocks: [PostBlock]

    static func == (lhs: PageBlocks, rhs: PageBlocks) -> Bool {
        lhs.allPairs(rhs) { $0 == $1 }
    }

    /// Every post the very same object as in `other` (equal pages are then the same pages).
    func sharesPosts(with other: PageBlocks) -> Bool {
        allPairs(other) { $0.post === $1.post }
    }

    private func allPairs(_ other: PageBlocks, _ test: (borrowing PostBlock, borrowing PostBlock) -> Bool) -> Bool {
        blocks.count == other.blocks.count && blocks.withUnsafeBufferPointer { mine in
            other.blocks.withUnsafeBufferPointer { theirs in
                for index in mine.indices where !test(mine[index], theirs[index]) { return false }
                return true
            }
        }
    }
}

/// The thread page's posts, each rendered once for each state of its `PostBlock` and kept, and
/// each page's blocks kept joined, for each state of its blocks.
///
/// A block is rendered from its `PostBlock` inside `PostBlockSurroundings` alone, so the
/// markup kept for an equal block is the markup a render would write, for whoever reads it.
/// The one value that differs on every response, the masked CSRF token of the post's forms, is
/// rendered as a random placeholder of this process (`hole`, never sent) and cut out of the
/// kept markup (`CutMarkup`); each response writes its own token at the cuts. A post with a
/// notice (after the reader's own action on it) is rendered for that response alone.
///
/// **Two levels.** A page read again with equal blocks, as most readers of a page have, is one
/// lookup and one array of markup (`pages`). A page with any block changed, or read by a reader
/// whose blocks differ (the author of a post has its edit link, an admin its moderation), is
/// put together from the kept blocks of its posts (`posts`), and kept for the next reader.
/// Looking up each post, and writing each of its kept parts, was a miss in the cache apiece:
/// together about a tenth of the signed-in thread page's CPU.
///
/// On the thread page these are most of the page: rendering each post's twenty-odd values took
/// about half of the signed-in thread page's CPU.
final class PostBlocks: Sendable {
    private let template: Template
    /// What the CSRF token is rendered as in kept markup: a control character and 32 random hex
    /// digits of this process, which escaping leaves alone and no post can contain unless it
    /// knew them.
    private let hole: String
    private let posts: KeptFragments<PostBlock, CutMarkup>
    /// Whole pages, kept under their first post's id: only markup put together from kept
    /// blocks, so never with a response's own token in it.
    private let pages: KeptFragments<PageBlocks, CutMarkup>

    /// - Parameters:
    ///   - byteLimit: how many bytes of markup and post text the kept blocks and pages may hold
    ///     (four fifths for blocks, a fifth for pages); a block or a page too big for its share
    ///     is put together each time instead.
    ///   - limit: how many blocks are kept, about: by default one for each 4 KB of the blocks'
    ///     share (a block and its post's text take 2–3 KB), so 65,536 for the default 320 MB,
    ///     the posts of the first pages of about 6,500 threads. Pages: one for each 32 KB of
    ///     theirs, so 2,048. (With the pages' share taken from the blocks' 256 MB, the blocks of
    ///     5,000 threads read at random no longer fitted, and that row cost half as much again.)
    init(template: Template, byteLimit: Int = SiteConfiguration.defaultPostCacheBytes, limit: Int? = nil) {
        let pageBytes = max(1, byteLimit / 5)
        let blockBytes = byteLimit - pageBytes
        let limit = limit ?? max(1, blockBytes / 4096)
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
        posts = KeptFragments(limit: limit, byteLimit: blockBytes, bytes: { block, markup in
            // The block holds its post, text and all, whether the text is shown or not.
            markup.bytes.count + block.post.bodyHTML.utf8.count
        }, identical: { $0.post === $1.post }) { block in Self.cut(template, block, hole: hole) }
        // Put together by `markup(_:csrfToken:)`, never by the set itself.
        pages = KeptFragments(limit: max(1, pageBytes / 32768), byteLimit: pageBytes, bytes: { page, markup in
            page.blocks.reduce(markup.bytes.count) { $0 + $1.post.bodyHTML.utf8.count }
        }, identical: { $0.sharesPosts(with: $1) }) { _ in CutMarkup.empty }
    }

    /// `block` rendered with the placeholder for its token, cut where it was.
    private static func cut(_ template: Template, _ block: PostBlock, hole: String) -> CutMarkup {
        CutMarkup(markup(template, block, csrfToken: hole), cutAt: Array(hole.utf8))
    }

    private static func markup(_ template: Template, _ block: PostBlock, csrfToken: String) -> [UInt8] {
        let surroundings = PostBlockSurroundings(csrfToken: csrfToken, readerIsAdmin: block.readerIsAdmin)
        return template.render(roots: [.object(surroundings), .object(PostBlockView(block: block))])
    }

    private static func render(_ template: Template, _ block: PostBlock, csrfToken: String) -> String {
        String(decoding: markup(template, block, csrfToken: csrfToken), as: UTF8.self)
    }

    /// One block, rendered now for `csrfToken` and not kept.
    func render(_ block: PostBlock, csrfToken: String) -> String {
        Self.render(template, block, csrfToken: csrfToken)
    }

    /// The blocks of a page, one after the other, cut where `csrfToken` goes in their forms
    /// (a block rendered for this response alone has its token in it already); and the escaped
    /// token that goes at the cuts. A kept page is one piece; otherwise each block is one.
    func markup(_ blocks: [PostBlock], csrfToken: String) -> (pieces: [CutMarkup], joint: String) {
        let joint = HTMLByteEscaper.escaped(csrfToken)
        guard let first = blocks.first else { return ([], joint) }
        // A page with a notice is this response's alone: neither looked up nor kept.
        guard blocks.allSatisfy({ $0.notice == nil }) else { return (assemble(blocks, csrfToken: csrfToken).pieces, joint) }
        let page = PageBlocks(blocks: blocks)
        switch pages.lookup(id: first.id, for: page) {
        case .kept(let markup):
            return ([markup], joint)
        case .renderAndKeep:
            let (pieces, tokenFree) = assemble(blocks, csrfToken: csrfToken)
            guard tokenFree else { return (pieces, joint) }
            // Joined only to be kept: a page seen once (`renderOnce`) is written piece by piece.
            var builder = CutMarkup.Builder(capacity: pieces.reduce(0) { $0 + $1.bytes.count })
            for piece in pieces { builder.append(piece) }
            // Kept for every reader with these blocks: its gzip form is made once (`KeptDeflate`).
            let joined = builder.build(sharedByResponses: true)
            pages.keep(joined, id: first.id, for: page)
            return ([joined], joint)
        case .renderOnce:
            return (assemble(blocks, csrfToken: csrfToken).pieces, joint)
        }
    }

    /// Each block's kept markup, or rendered; `tokenFree` when none has `csrfToken` in it (each
    /// was kept, or rendered to be kept), so the whole may be kept.
    private func assemble(_ blocks: [PostBlock], csrfToken: String) -> (pieces: [CutMarkup], tokenFree: Bool) {
        var pieces: [CutMarkup] = []
        pieces.reserveCapacity(blocks.count)
        var tokenFree = true
        for block in blocks {
            guard block.notice == nil else {
                pieces.append(CutMarkup(bytes: Self.markup(template, block, csrfToken: csrfToken), cuts: []))
                tokenFree = false
                continue
            }
            switch posts.lookup(id: block.id, for: block) {
            case .kept(let found):
                pieces.append(found)
            case .renderAndKeep:
                let rendered = Self.cut(template, block, hole: hole)
                posts.keep(rendered, id: block.id, for: block)
                pieces.append(rendered)
            case .renderOnce:
                // Rendered once (`KeptFragments` keeps a block from its second render on), as in
                // place: no placeholder to cut out.
                pieces.append(CutMarkup(bytes: Self.markup(template, block, csrfToken: csrfToken), cuts: []))
                tokenFree = false
            }
        }
        return (pieces, tokenFree)
    }

    /// The page's posts as the value `{{{postsHTML}}}` writes.
    func value(_ blocks: [PostBlock], csrfToken: String) -> TemplateValue {
        let (pieces, joint) = markup(blocks, csrfToken: csrfToken)
        return .cutMarkup(pieces, joint: joint)
    }

    /// `value(_:csrfToken:)` as one string.
    func html(_ blocks: [PostBlock], csrfToken: String) -> String {
        let (pieces, joint) = markup(blocks, csrfToken: csrfToken)
        return pieces.map { $0.joined(with: joint) }.joined()
    }
}

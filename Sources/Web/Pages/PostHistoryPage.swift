import Board
import Foundation

/// `/p/{id}/revisions`: what a post said before each edit, newest first, as the text typed.
struct PostHistoryView: TemplateRenderable {
    var history: PostHistory

    struct Version: TemplateRenderable {
        var label: String
        var editor: String?
        var date: Date?
        var markdown: String
        func templateValue(for key: String) -> TemplateValue? {
            switch key {
            case "label": .text(label)
            case "editor": .text(editor)
            case "dateISO": .text(date.map(DateText.iso))
            case "dateText": .text(date.map(DateText.humanWithTime))
            case "markdown": .text(markdown)
            default: nil
            }
        }
    }

    var versions: [Version] {
        var versions = [Version(label: "Current version", editor: nil, date: history.editedAt, markdown: history.currentMarkdown)]
        for (index, revision) in history.revisions.enumerated().reversed() {
            versions.append(Version(label: index == 0 ? "Original version" : "Version \(index + 1)", editor: revision.editedBy,
                                    date: revision.createdAt, markdown: revision.bodyMarkdown))
        }
        return versions
    }

    func templateValue(for key: String) -> TemplateValue? {
        switch key {
        case "threadTitle": .text(history.thread.title)
        case "postURL":
            .text(BoardPaths.thread(id: history.thread.id, slug: history.thread.slug)
                  + ((history.position - 1) / PageQueries.postsPerPage == 0 ? "" : "?page=\((history.position - 1) / PageQueries.postsPerPage + 1)")
                  + "#post-\(history.postID)")
        case "authorName": .text(history.authorName)
        case "versions": .list(versions)
        case "edited": .bool(!history.revisions.isEmpty)
        default: nil
        }
    }
}

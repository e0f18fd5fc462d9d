import Database

/// Migration 25: a new thread's draft keeps the private space (organisation) chosen for it and
/// the briefing item it is about (`drafts.organisation_id`, `drafts.briefing_item_id`; NULL for
/// the public network, no item, and every reply's draft).
///
/// A draft kept its title, body and topics (migration 24): back on "Start a thread", a member who
/// had chosen their organisation's private space found "public" ticked again, and would have
/// posted to everyone, and a thread about a briefing item had lost its item. Both are restored
/// only where the member may still post (`DraftsService.newThreadDraft`). Adding the columns
/// rewrites nothing; existing drafts have neither, as before. Deleting an organisation or an
/// item empties the column rather than the draft.
enum Migration025DraftSpaceAndBriefing {
    static let migration = Migration(version: 25, name: "a new thread's draft keeps its private space and briefing item", sql: sql)

    static let sql = """
    ALTER TABLE drafts ADD COLUMN organisation_id INTEGER REFERENCES organisations(id) ON DELETE SET NULL;
    ALTER TABLE drafts ADD COLUMN briefing_item_id INTEGER REFERENCES briefing_items(id) ON DELETE SET NULL;
    """
}

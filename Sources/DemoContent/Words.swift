/// Word banks for the scale seed's synthetic text. Sentences are short and varied enough for
/// full-text search and page sizes to behave like real practitioner threads.
enum Words {
    static let firstNames = ["Alex", "Bea", "Chris", "Dami", "Ella", "Femi", "Grace", "Hari", "Imogen", "Jas",
                             "Kemi", "Liam", "Maya", "Nish", "Owen", "Pat", "Rosa", "Sunil", "Tess", "Uma",
                             "Vic", "Wen", "Yusuf", "Zara"]
    static let lastNames = ["Adeyemi", "Brook", "Clarke", "Desai", "Evans", "Fletcher", "Gill", "Hughes", "Iqbal",
                            "Jones", "Kaur", "Lowe", "Mensah", "Novak", "O'Brien", "Patel", "Quinn", "Reid",
                            "Singh", "Taylor", "Walsh", "Young"]
    static let places = ["Northbrook", "Eastleigh Vale", "Riverside", "Kingsmead", "Ashford Green", "Millbank",
                         "Harbour", "Westfield", "Oakridge", "Fenland", "Tyneside", "Mersey", "Severn", "Pennine"]
    static let services = ["Community Therapy", "Youth Services", "Adult Social Care", "Library Services",
                           "Children's Centres", "Leisure Trust", "Public Health", "Learning Disability Support",
                           "Home Care", "Careers Advice"]

    /// Per topic, in the briefing's order: what people ask about, and things they say.
    static let topicPhrases: [(subjects: [String], sentences: [String])] = [
        (["working capital", "our pension deficit", "a start-up loan", "the opening balance sheet", "a bank overdraft"],
         ["We modelled three months of payroll as the cash we need on day one.",
          "The bank wanted a track record we cannot have yet.",
          "Pension admission agreements turned out to be the biggest cost in our plan.",
          "Social investors asked more about governance than about the numbers.",
          "Our finance lead built a cash-flow forecast the board reviews monthly."]),
        (["our legal form", "the asset lock", "the shadow board", "member voting", "the constitution"],
         ["We chose a form that lets staff and service users both be members.",
          "The shadow board met fortnightly until the transfer date.",
          "Our solicitor drafted the articles from a model the support programme shared.",
          "Having an independent chair calmed the commissioner's nerves.",
          "We wrote down which decisions need a member vote and which the board takes."]),
        (["a performance bond", "the tender timetable", "trading history requirements", "TUPE transfer", "contract length"],
         ["The invitation to tender asked for three years of accounts we could not show.",
          "We asked which regulation required the bond and the clause was dropped.",
          "A five-year term with a break clause gave both sides room.",
          "TUPE consultation took longer than the procurement itself.",
          "Lots sized for national firms shut us out of the first round."]),
        (["our commissioner", "the council's client team", "the transfer agreement", "service specifications", "monitoring meetings"],
         ["Our commissioner wanted outcomes, not activity counts, once we asked.",
          "Monthly monitoring meetings became the place we solved problems early.",
          "The client team changed twice during our spin-out.",
          "We agreed a shared risk register with the council before go-live.",
          "Service users joined the specification workshops and it showed."]),
        (["management time", "back-office support", "our business plan", "HR capacity", "the project team"],
         ["Nobody budgeted for the hours the spin-out would take from managers.",
          "We bought in payroll and HR for the first year.",
          "Our service managers ran the business plan alongside the day job.",
          "Secondments from the council covered the gap for six months.",
          "The project team was three people and a very patient finance officer."]),
        (["new contracts", "a second commissioner", "trading income", "bids for new work", "a neighbouring council"],
         ["Our second contract came from a neighbouring borough that saw our results.",
          "We now sell training to other providers, a small but steady income.",
          "Bid writing needed a different skill set from running the service.",
          "We set a target that no single contract should be more than half our income.",
          "Partnering with a larger charity got us into a framework we could not enter alone."]),
        (["staff engagement", "leading as an owner", "the culture change", "staff council meetings", "communication"],
         ["Staff wanted to know what would change on Monday morning, not the vision.",
          "Our staff council meets every month and its minutes go to everyone.",
          "Managers had to learn to explain decisions rather than announce them.",
          "Sickness absence fell in the first year after the move.",
          "We held open sessions in every team before the ballot."]),
        (["employee shares", "one member one vote", "the profit share", "share ownership", "partnership models"],
         ["Every member holds one share, whatever their hours.",
          "The profit share is a percentage of pay, so it feels fair to part-time staff.",
          "Our mentor explained how a partnership keeps voice equal and reward proportional.",
          "Turnout at member meetings matters more than the share formula.",
          "New starters become members after their probation period."]),
        (["the Mutual Support Programme", "the Mutuals Information Service", "pro bono advice", "an application", "mentoring"],
         ["We applied for legal support and heard back within a few weeks.",
          "A clear scope and timetable made our application easier to approve.",
          "The information service pointed us to two pathfinders who had done this.",
          "Our mentor's time was the most valuable support we had.",
          "Peer visits to other mutuals taught us more than any guide."]),
        (["the latest announcement", "the progress report", "the taskforce paper", "the consultation", "the new guidance"],
         ["The report matches our experience of tenders asking for too much.",
          "It would help if the guidance reached procurement teams, not just policy leads.",
          "Announcements are welcome but our commissioners have not read them.",
          "We sent our evidence to the taskforce and heard nothing back yet.",
          "The ruling out of a mutual for defence procurement shows the limits of the policy."]),
    ]

    static let questionForms = ["How did you handle %@?", "Advice needed on %@", "What worked for you with %@?",
                                "Has anyone renegotiated %@?", "Lessons learned: %@", "Where to start with %@",
                                "Questions about %@ before our spin-out", "Is %@ worth the effort?"]
    static let openers = ["We are six months from transfer and this keeps coming up.", "Our board asked me to find out how others did this.",
                          "Looking for practical experience rather than theory.", "Grateful for any pointers.",
                          "Following on from the discussion at the last network meeting."]
    static let replies = ["In our case it took longer than expected.", "I would start by talking to your commissioner.",
                          "Happy to share our template if it helps.", "We made the same mistake at first.",
                          "This is worth raising with the support programme.", "Agree with the points above.",
                          "Our experience was a little different.", "Do ask for it in writing."]

    static func title(topic: Int, random: inout SplitMix64) -> String {
        let phrases = topicPhrases[topic % topicPhrases.count]
        let subject = phrases.subjects[random.below(phrases.subjects.count)]
        let form = questionForms[random.below(questionForms.count)]
        return form.replacingOccurrences(of: "%@", with: subject)
    }

    /// One to three paragraphs of two to four sentences.
    static func post(topic: Int, opening: Bool, random: inout SplitMix64) -> [String] {
        let phrases = topicPhrases[topic % topicPhrases.count]
        let paragraphCount = 1 + random.below(3)
        var paragraphs: [String] = []
        for index in 0..<paragraphCount {
            var sentences: [String] = []
            if index == 0 {
                sentences.append(opening ? openers[random.below(openers.count)] : replies[random.below(replies.count)])
            }
            for _ in 0..<(1 + random.below(3)) {
                sentences.append(phrases.sentences[random.below(phrases.sentences.count)])
            }
            paragraphs.append(sentences.joined(separator: " "))
        }
        return paragraphs
    }
}

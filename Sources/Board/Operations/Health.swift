import Database

extension Network {
    /// What stops the network from serving, for `GET /healthz`: a reader that does not answer
    /// within `readerTimeout` seconds, a writer that stopped, has held a transaction open for
    /// more than `stuckAfter` seconds, or whose last write failed on the storage itself (such
    /// as "database or disk is full") with no successful commit since.
    /// - Returns: one line per problem, "reader: …" or "writer: …"; empty when healthy.
    public func healthProblems(readerTimeout: Double = 1, stuckAfter: Double = 30) -> [String] {
        store.healthProblems(readerTimeout: readerTimeout, stuckAfter: stuckAfter)
    }
}

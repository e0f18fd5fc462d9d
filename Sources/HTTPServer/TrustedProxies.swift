#if canImport(Glibc)
import Glibc
#endif

/// The proxies whose `X-Forwarded-For` header is believed (`--trusted-proxy`, default none).
///
/// The one rule for a request's client address: when the peer is not a trusted proxy, the
/// client is the peer and the header is ignored (anyone can send it). When the peer is trusted,
/// the header is read from the right, skipping trusted proxies; the first hop that is not one is
/// the client. Hops to its left were written by the client itself and are never believed.
/// `X-Forwarded-Proto` is believed from a trusted peer in the same way (`forwardsHTTPS`).
public struct TrustedProxies: Sendable, Equatable {
    /// An address block such as `10.0.0.0/8` or `2001:db8::/32`; a bare address is a /32 or /128.
    public struct Block: Sendable, Equatable, CustomStringConvertible {
        /// 4 bytes (IPv4) or 16 (IPv6), network order, host bits cleared.
        let bytes: [UInt8]
        let prefixLength: Int

        public init(_ text: String) throws(TrustedProxyError) {
            let parts = text.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count <= 2, let address = IPAddress(String(parts[0])) else { throw .notAnAddress(text) }
            let bits = address.bytes.count * 8
            var length = bits
            if parts.count == 2 {
                guard parts[1].allSatisfy({ ("0"..."9").contains($0) }), let given = Int(parts[1]), (0...bits).contains(given) else {
                    throw .badPrefix(text)
                }
                length = given
            }
            bytes = address.bytes.enumerated().map { index, byte in
                let keep = max(0, min(8, length - index * 8))
                return keep == 0 ? 0 : byte & UInt8(truncatingIfNeeded: 0xFF << (8 - keep))
            }
            prefixLength = length
        }

        public func contains(_ address: IPAddress) -> Bool {
            guard address.bytes.count == bytes.count else { return false }
            for index in 0..<bytes.count {
                let keep = max(0, min(8, prefixLength - index * 8))
                if keep == 0 { return true }
                let mask = UInt8(truncatingIfNeeded: 0xFF << (8 - keep))
                if address.bytes[index] & mask != bytes[index] { return false }
            }
            return true
        }

        public var description: String { "\(IPAddress(bytes: bytes).description)/\(prefixLength)" }
    }

    public let blocks: [Block]

    /// Trust none: the default.
    public init() { blocks = [] }

    /// - Throws: `TrustedProxyError` naming the first entry that is not an address or block.
    public init(_ entries: [String]) throws(TrustedProxyError) {
        var blocks: [Block] = []
        for entry in entries { blocks.append(try Block(entry)) }
        self.blocks = blocks
    }

    public func trusts(_ address: IPAddress) -> Bool {
        blocks.contains { $0.contains(address) }
    }

    /// The address a request came from, for rate limits, stream caps and the access log.
    /// - Parameters:
    ///   - peer: the connected socket's address, as text.
    ///   - headers: the request's headers; every `X-Forwarded-For` field is read, in order.
    public func clientAddress(peer: String, headers: HTTPHeaders) -> String {
        guard !blocks.isEmpty, let peerAddress = IPAddress(peer), trusts(peerAddress) else { return peer }
        let hops = headers.values("X-Forwarded-For")
            .flatMap { $0.split(separator: ",") }
            .map { $0.trimmingCharacters(in: " \t") }
        var client = peerAddress
        for hop in hops.reversed() {
            // A hop that is not an address cannot be a client address: keep the last good one.
            guard let address = IPAddress(hop) else { break }
            client = address
            if !trusts(address) { break }
        }
        return client.description
    }

    /// Whether the client reached a trusted proxy over HTTPS (`X-Forwarded-Proto: https` from
    /// a trusted peer), so a server running with --no-tls behind it still builds https:// origins
    /// for the same-origin check and links. Several values: the nearest proxy's (the last) counts.
    public func forwardsHTTPS(peer: String, headers: HTTPHeaders) -> Bool {
        guard !blocks.isEmpty, let peerAddress = IPAddress(peer), trusts(peerAddress),
              let nearest = headers.values("X-Forwarded-Proto").last?.split(separator: ",").last
        else { return false }
        return nearest.trimmingCharacters(in: " \t").lowercased() == "https"
    }
}

public enum TrustedProxyError: Error, CustomStringConvertible, Equatable {
    case notAnAddress(String)
    case badPrefix(String)

    public var description: String {
        switch self {
        case .notAnAddress(let text): "\"\(text)\" is not an IP address or address block (such as 10.0.0.0/8 or fd00::/8)."
        case .badPrefix(let text): "\"\(text)\" has a prefix length out of range (0-32 for IPv4, 0-128 for IPv6)."
        }
    }
}

/// An IPv4 or IPv6 address. IPv4-mapped IPv6 addresses (::ffff:a.b.c.d, what a socket bound
/// to :: reports for an IPv4 peer) are read as the IPv4 address.
public struct IPAddress: Sendable, Equatable, CustomStringConvertible {
    /// 4 or 16 bytes, network order.
    public let bytes: [UInt8]

    init(bytes: [UInt8]) { self.bytes = bytes }

    public init?(_ text: String) {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            bytes = withUnsafeBytes(of: &v4) { Array($0) }
            return
        }
        var v6 = in6_addr()
        guard inet_pton(AF_INET6, text, &v6) == 1 else { return nil }
        let all = withUnsafeBytes(of: &v6) { Array($0) }
        if all.prefix(10).allSatisfy({ $0 == 0 }) && all[10] == 0xFF && all[11] == 0xFF {
            bytes = Array(all.suffix(4))
        } else {
            bytes = all
        }
    }

    public var description: String {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        var copy = bytes
        let family = bytes.count == 4 ? AF_INET : AF_INET6
        _ = inet_ntop(family, &copy, &buffer, socklen_t(buffer.count))
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

extension Substring {
    fileprivate func trimmingCharacters(in set: String) -> String {
        var slice = self[...]
        while let first = slice.first, set.contains(first) { slice = slice.dropFirst() }
        while let last = slice.last, set.contains(last) { slice = slice.dropLast() }
        return String(slice)
    }
}

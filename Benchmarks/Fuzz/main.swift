// libFuzzer entry point for the request parser: built by Benchmarks/fuzz.sh together with the
// parser's sources (no sockets, no TLS), so the fuzzer explores parsing alone.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRequest(_ start: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    var limits = HTTPLimits()
    limits.maxHeaderBytes = 4096
    limits.maxBodyBytes = 8192
    var state = ConnectionState(limits: limits, timeouts: HTTPTimeouts(), now: 0)
    let bytes = UnsafeRawBufferPointer(start: start, count: count)
    // Feed in two pieces, split where the first byte says, to exercise incremental parsing.
    let split = count > 0 ? Int(start[0]) % (count + 1) : 0
    var pending = state.receive(UnsafeRawBufferPointer(rebasing: bytes[0..<split]), now: 1)
    pending += state.receive(UnsafeRawBufferPointer(rebasing: bytes[split...]), now: 2)
    var steps = 0
    while !pending.isEmpty && steps < 1000 {
        steps += 1
        var next: [ConnectionAction] = []
        for action in pending {
            if case .dispatch(let head, let body, _) = action {
                precondition(body.count <= limits.maxBodyBytes)
                precondition(head.path.hasPrefix("/") || head.path == "*")
                next += state.responseQueued(keepAlive: true, now: 3)
            }
        }
        pending = next
    }
    return 0
}

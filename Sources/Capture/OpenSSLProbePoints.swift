import Glibc

/// Where the OpenSSL probes go in one file: an offset per slot of `ProbeSession.tlsFunctions`
/// (0: no probe there), each slot's entry program reading its arguments as that function takes them.
///
/// A probe costs least on an instruction the kernel runs in its trap handler (`ProbeSite`).
/// OpenSSL 3's SSL_read and SSL_write begin with `sub $n,%rsp`, which is single-stepped; they
/// and their `_ex` forms only wrap one internal function per direction (ssl_read_internal and
/// ssl_write_internal, which take the `_ex` arguments and begin with pushes). When the file shows
/// that shape — the `_ex` form passes its arguments straight on to a function that the plain
/// form calls first too — the probes go on that function alone, in the `_ex` slot: every read
/// or write through any of the forms passes there, once. OpenSSL 3.3's SSL_write_ex goes through
/// SSL_write_ex2, whose 5th argument is the count's address. Otherwise the probes go on the
/// exported functions themselves, past a leading `endbr64` where that is cheaper.
public struct OpenSSLProbePoints: Sendable, Equatable {
    /// One per slot of `ProbeSession.tlsFunctions`.
    public var offsets: [UInt64]
    /// The internal function the read probes are on, when they are on one.
    public var sharedRead: UInt64?
    /// The internal function the write probes are on, when they are on one.
    public var sharedWrite: UInt64?
    /// The slots whose probe sits on an instruction the kernel single-steps (each hit costs a
    /// second trap), SSL_do_handshake's left out (it runs once per connection).
    public var singleStepped: [String] = []

    /// Longest stretch of a function's code looked at.
    static let codeBytes = 256

    /// The probe points in the open file `fd`, whose exported functions are `exports` (file
    /// offsets, as `ELFExports.functions` gives them).
    public init(fd: Int32, exports: [String: UInt64]) {
        let ranges = ELFExports.executableRanges(fd: fd)
        func code(_ offset: UInt64) -> [UInt8]? {
            guard let range = ranges.first(where: { $0.contains(offset) }) else { return nil }
            let count = Int(min(UInt64(Self.codeBytes), range.upperBound - offset))
            return ELFExports.read(fd, at: Int(clamping: offset), count: count)
        }
        /// A relative target of code at `offset`, when it lies in the same segment.
        func target(_ offset: UInt64, _ relative: Int?) -> UInt64? {
            guard let relative, let range = ranges.first(where: { $0.contains(offset) }) else { return nil }
            let target = Int64(bitPattern: offset) + Int64(relative)
            return target >= 0 && range.contains(UInt64(target)) ? UInt64(target) : nil
        }
        func site(_ offset: UInt64?) -> UInt64 {
            guard let offset else { return 0 }
            return offset + UInt64(code(offset).map(ProbeSite.entry) ?? 0)
        }
        /// The function `wrapper` forwards its arguments to, when `plain` calls it first too and
        /// `alsoVia` (another wrapper) reaches it or `wrapper`; and a probe on it costs one trap.
        func shared(wrapper: UInt64?, plain: UInt64?, alsoVia: UInt64? = nil) -> UInt64? {
            guard let wrapper, let plain, let wrapperCode = code(wrapper), let plainCode = code(plain),
                  let callee = target(wrapper, ProbeSite.forwardedCallee(wrapperCode)),
                  target(plain, ProbeSite.firstCall(plainCode)) == callee,
                  let calleeCode = code(callee), ProbeSite.isEmulated(calleeCode, at: ProbeSite.entry(calleeCode))
            else { return nil }
            if let alsoVia {
                guard let viaCode = code(alsoVia), let reached = target(alsoVia, ProbeSite.firstCall(viaCode, jumps: true)),
                      reached == callee || reached == wrapper
                else { return nil }
            }
            return callee
        }
        let slot = Dictionary(uniqueKeysWithValues: ProbeSession.tlsFunctions.enumerated().map { ($1, $0) })
        var offsets = [UInt64](repeating: 0, count: ProbeSession.tlsFunctions.count)
        offsets[slot["SSL_do_handshake"]!] = site(exports["SSL_do_handshake"])
        if let read = shared(wrapper: exports["SSL_read_ex"], plain: exports["SSL_read"]) {
            sharedRead = read
            offsets[slot["SSL_read_ex"]!] = site(read)
        } else {
            offsets[slot["SSL_read"]!] = site(exports["SSL_read"])
            offsets[slot["SSL_read_ex"]!] = site(exports["SSL_read_ex"])
        }
        if let ex2 = exports["SSL_write_ex2"],
           let write = shared(wrapper: ex2, plain: exports["SSL_write"], alsoVia: exports["SSL_write_ex"]) {
            sharedWrite = write
            offsets[slot["SSL_write_ex2"]!] = site(write)
        } else if exports["SSL_write_ex2"] == nil, let write = shared(wrapper: exports["SSL_write_ex"], plain: exports["SSL_write"]) {
            sharedWrite = write
            offsets[slot["SSL_write_ex"]!] = site(write)
        } else {
            offsets[slot["SSL_write"]!] = site(exports["SSL_write"])
            offsets[slot["SSL_write_ex"]!] = site(exports["SSL_write_ex"])
        }
        // one function for both directions is not what the shape promised (a profiling hook?)
        if sharedRead != nil && sharedRead == sharedWrite {
            sharedRead = nil
            sharedWrite = nil
            offsets = ProbeSession.tlsFunctions.map { $0 == "SSL_write_ex2" ? 0 : site(exports[$0]) }
        }
        self.offsets = offsets
        singleStepped = zip(ProbeSession.tlsFunctions, offsets).compactMap { name, offset in
            guard offset != 0, name != "SSL_do_handshake", let code = code(offset) else { return nil }
            return ProbeSite.isEmulated(code, at: 0) ? nil : name
        }
    }

    /// The probe points of the open file `fd` for its exported functions `exports` (found in the
    /// file when not given); nil when it exports no SSL_write and SSL_read.
    public static func of(fd: Int32, exports known: [String: UInt64]? = nil) -> OpenSSLProbePoints? {
        let exports = known ?? ELFExports.functions(Set(ProbeSession.tlsFunctions), fd: fd)
        guard exports["SSL_write"] != nil, exports["SSL_read"] != nil else { return nil }
        return OpenSSLProbePoints(fd: fd, exports: exports)
    }

    /// The probe points of the file at `path`; nil when it cannot be read or exports no SSL_write
    /// and SSL_read.
    public static func of(path: String) -> OpenSSLProbePoints? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        return of(fd: fd)
    }
}

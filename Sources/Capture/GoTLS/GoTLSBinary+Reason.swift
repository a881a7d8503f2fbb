extension GoTLSBinary.Inspection {
    /// Why a Go executable that links crypto/tls is not probed; nil when it is probeable or has no
    /// Go TLS to see.
    public var unprobeableReason: String? {
        switch self {
        case .probeable, .notGo, .withoutTLS:
            return nil
        case .stripped(let version):
            return "Go TLS is not seen in an executable with neither a symbol table nor Go's function table (go: \(version ?? "unknown"))"
        case .unsupportedVersion(let version):
            return "Go TLS is seen in Go 1.17 and later only, the register ABI (go: \(version ?? "unknown"))"
        case .undecodable(let function):
            return "Go TLS is not seen: the code of \(function) could not be decoded"
        }
    }
}

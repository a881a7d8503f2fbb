import CTuskBPF

extension ProbeSession {
    /// Puts the Go TLS probes on each executable (an entry probe and a probe per RET on
    /// crypto/tls's `(*Conn).Write` and `(*Conn).Read`), for every process that runs it now or
    /// later. A file already probed (the same device and inode) is left out; a file they cannot
    /// attach to is skipped and named in the result. Safe to call from any thread, e.g. for a
    /// process that starts after the agent.
    public func attachGoTLS(to binaries: [GoTLSBinary]) -> TLSAttachment {
        var result = TLSAttachment()
        for binary in binaries {
            goTLSFiles.withLock { probed in
                guard !probed.contains([binary.device, binary.inode]) else { return }
                var error = [CChar](repeating: 0, count: 512)
                let attached = binary.write.returns.withUnsafeBufferPointer { writeReturns in
                    binary.read.returns.withUnsafeBufferPointer { readReturns in
                        var write = tusk_go_function(
                            entry: binary.write.entry, returns: writeReturns.baseAddress, return_count: UInt32(writeReturns.count))
                        var read = tusk_go_function(
                            entry: binary.read.entry, returns: readReturns.baseAddress, return_count: UInt32(readReturns.count))
                        return tusk_probes_attach_go_tls(probes, binary.path, &write, &read, &error, error.count)
                    }
                }
                if attached > 0 {
                    probed.insert([binary.device, binary.inode])
                    result.attached.append(binary.path)
                } else {
                    result.failures.append(Self.message(error))
                }
            }
        }
        return result
    }
}

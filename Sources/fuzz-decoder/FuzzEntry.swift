// The libFuzzer entry point. Also what the replay mode calls, so both run the same code.

nonisolated(unsafe) let fuzzer = DecoderFuzzer()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = data.map { [UInt8](UnsafeBufferPointer(start: $0, count: size)) } ?? []
    fuzzer.run(input)
    return 0
}

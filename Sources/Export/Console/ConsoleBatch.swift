import Spans

/// Console lines gathered for one write: the bytes, how many spans they hold, and the date and
/// time of the last line (reused while the second lasts).
public struct ConsoleBatch {
    var bytes: [UInt8] = []
    var stamp = ConsoleLine.SecondStamp()
    public internal(set) var spans = 0

    public init() {}
}

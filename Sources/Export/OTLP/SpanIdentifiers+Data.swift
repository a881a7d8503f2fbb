import TraceContext
import Spans

import struct Foundation.Data

extension TraceID {
    /// The 16 bytes as the generated OTLP messages want them.
    var data: Data { Data(bytes) }
}

extension SpanID {
    var data: Data { Data(bytes) }
}

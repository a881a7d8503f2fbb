import Foundation
import TestSupport

/// Arguments for `tusk run` that make it export query text exactly as the client sent it (the
/// default sanitizes literals), which these tests compare byte for byte.
let rawTextArguments = ["--query-text", "raw"]

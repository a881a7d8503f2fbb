import Foundation
import TestSupport

/// Arguments for `tusk run` that make it print query text exactly as the client sent it, which
/// these tests compare byte for byte. Tusk prints raw text today; once it sanitizes literals by
/// default, `tusk run --help` lists `--query-text` and the raw mode is asked for here.
let rawTextArguments: [String] = {
    let help = try? ChildProcess.run(AgentProcess.binary, ["run", "--help"])
    return help?.output.contains("--query-text") == true ? ["--query-text", "raw"] : []
}()

import ArgumentParser
import Spans

@main
struct Tusk: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tusk",
        abstract: "See what applications do to PostgreSQL: eBPF capture of the wire protocol, one OpenTelemetry span per query.",
        version: TuskVersion.current,
        subcommands: [RunCommand.self, CheckCommand.self, FloorCommand.self])
}

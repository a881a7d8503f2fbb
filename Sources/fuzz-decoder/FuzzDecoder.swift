// Coverage-guided fuzzing of everything that decodes captured bytes (scripts/fuzz).
//
// Built with `-sanitize=fuzzer` and `-DLIBFUZZER`, this is a libFuzzer binary: the arguments are
// libFuzzer's (corpus directories, -max_total_time=…). Built plainly, as by `swift build`, it
// replays inputs through the same entry point, so the target stays compiled and runnable:
//   fuzz-decoder PATH…              every file (directories recursively)
//   fuzz-decoder --runs N [--seed S] N inputs mutated from the built-in seeds (default 10000)
//   fuzz-decoder --write-seeds DIR  the seed corpus, one file per seed

#if canImport(Glibc)
import TestSupport
import Glibc
#endif

@main
enum FuzzDecoder {
    static func main() {
        #if LIBFUZZER
        exit(runLibFuzzer())
        #else
        exit(replay(Array(CommandLine.arguments.dropFirst())))
        #endif
    }

    #if LIBFUZZER
    static func runLibFuzzer() -> CInt {
        var argc = CommandLine.argc
        var argv = Optional(CommandLine.unsafeArgv)
        return LLVMFuzzerRunDriver(&argc, &argv) { data, size in fuzzOneInput(data, size) }
    }
    #endif

    static func replay(_ arguments: [String]) -> CInt {
        var runs = 10_000
        var seed: UInt64 = 1
        var paths: [String] = []
        var index = 0
        while index < arguments.count {
            switch arguments[index] {
            case "--runs" where index + 1 < arguments.count:
                runs = Int(arguments[index + 1]) ?? runs
                index += 1
            case "--seed" where index + 1 < arguments.count:
                seed = UInt64(arguments[index + 1]) ?? seed
                index += 1
            case "--write-seeds" where index + 1 < arguments.count:
                return writeSeeds(to: arguments[index + 1])
            case "-h", "--help":
                print("usage: fuzz-decoder [PATH…] | --runs N [--seed S] | --write-seeds DIR")
                return 0
            case let path:
                paths.append(path)
            }
            index += 1
        }
        if !paths.isEmpty {
            var count = 0
            for file in paths.flatMap(Files.regularFiles) {
                guard let bytes = Files.read(file) else {
                    print("cannot read \(file)")
                    return 1
                }
                _ = bytes.withUnsafeBufferPointer { fuzzOneInput($0.baseAddress, $0.count) }
                count += 1
            }
            print("replayed \(count) inputs")
            return 0
        }
        var mutator = Mutator(seeds: SeedCorpus.files.map(\.1), seed: seed)
        for _ in 0..<runs {
            let input = mutator.next()
            _ = input.withUnsafeBufferPointer { fuzzOneInput($0.baseAddress, $0.count) }
        }
        print("ran \(runs) mutated inputs (seed \(seed))")
        return 0
    }

    static func writeSeeds(to directory: String) -> CInt {
        mkdir(directory, 0o755)
        for (name, bytes) in SeedCorpus.files {
            guard Files.write(bytes, to: "\(directory)/\(name)") else {
                print("cannot write \(directory)/\(name)")
                return 1
            }
        }
        // what the seeds decode to must be what they were written from
        for seed in SeedCorpus.seeds {
            let images = DecoderFuzzer.recordImages(seed.records.flatMap(RecordImage.encode))
            let compact = DecoderFuzzer.compactRecords(seed.records.flatMap(CompactRecord.encode))
            guard images.map(\.text) == seed.records.map(\.text), compact.map(\.text) == seed.records.map(\.text),
                images.map(\.kind) == seed.records.map(\.kind), compact.map(\.kind) == seed.records.map(\.kind)
            else {
                print("seed \(seed.name) does not decode to its records")
                return 1
            }
        }
        print("wrote \(SeedCorpus.files.count) seeds to \(directory)")
        return 0
    }
}

#if LIBFUZZER
/// libFuzzer's driver (compiler-rt FuzzerInterface.h), declared here because the target has no C
/// header of its own. SwiftPM names the executable's entry point `main` itself, so libFuzzer's own
/// `main` is never linked: `FuzzDecoder.main` calls the driver instead.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt
#endif

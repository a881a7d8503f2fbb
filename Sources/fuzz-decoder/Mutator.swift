// Inputs for the plain (non-libFuzzer) build: seeds with random damage, so a CI run without the
// fuzzer still drives garbage through every decoder.

import Spans

struct Mutator {
    let seeds: [[UInt8]]
    private var random: IDGenerator

    init(seeds: [[UInt8]], seed: UInt64) {
        self.seeds = seeds
        random = IDGenerator(seed: seed)
    }

    private mutating func below(_ bound: Int) -> Int { Int(random.next() % UInt64(max(1, bound))) }

    mutating func next() -> [UInt8] {
        if below(8) == 0 {  // plain noise
            return (0..<below(1024)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
        }
        var input = seeds[below(seeds.count)]
        for _ in 0...below(8) {
            switch below(6) {
            case 0 where !input.isEmpty:  // overwrite a byte
                input[below(input.count)] = UInt8(truncatingIfNeeded: random.next())
            case 1 where !input.isEmpty:  // flip a bit
                input[below(input.count)] ^= 1 << UInt8(below(8))
            case 2:  // insert bytes, often a NUL or a quote
                let bytes: [UInt8] = [0, UInt8(ascii: "'"), UInt8(ascii: "/"), UInt8(ascii: "*"), 0xff, UInt8(ascii: " ")]
                input.insert(bytes[below(bytes.count)], at: below(input.count + 1))
            case 3 where !input.isEmpty:  // cut the end off
                input.removeLast(below(input.count))
            case 4 where input.count > 1:  // delete a range
                let start = below(input.count)
                input.removeSubrange(start..<min(input.count, start + below(32)))
            default:  // splice in a piece of another seed
                let other = seeds[below(seeds.count)]
                let start = below(other.count)
                input.insert(contentsOf: other[start..<min(other.count, start + below(64))], at: below(input.count + 1))
            }
        }
        return input
    }
}

// Property: no literal value of the input ever appears in sanitized output — for statements that
// parse, statements that do not, and captures cut at every kind of position.

import QueryText
import Testing

/// A deterministic generator, so a failure reproduces.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite struct LiteralLeakTests {
    /// String literal values are drawn from these letters only. No template holds five of them in a
    /// row, so five in a row in the output can only come from a literal; numbers are the only digits
    /// besides `$n` parameters.
    static let markerLetters = Array("QXZJKVWY")

    /// `§` is a string value, `№` an integer, `∂` a decimal, `♯` hex digits, `♭` bits.
    static let templates = [
        "SELECT * FROM users WHERE email = '§' AND pin = №",
        "select name from users where note = '§''§' and score > ∂",
        "SELECT * FROM t WHERE a = E'§\\'§\\\\' AND b = -∂",
        "SELECT * FROM t WHERE body = $$§ '§' §$$ OR body = $fn$§$fn$",
        "SELECT * FROM t WHERE id IN (№, №, №) AND code NOT IN ('§', '§')",
        "SELECT * FROM t WHERE bits = B'♭' AND blob = X'♯' AND n = N'§'",
        "SELECT * FROM t WHERE u = U&'§' AND d = DATE '§' AND i = INTERVAL '§'",
        "INSERT INTO users (name, age, rate) VALUES ('§', №, ∂), ('§', №, ∂e№)",
        "UPDATE accounts SET balance = balance + ∂, note = '§' WHERE id = №",
        "DELETE FROM sessions WHERE token = '§' OR created < '§'::timestamp",
        "SELECT * FROM t WHERE a = '§'\n  '§' AND b = № -- trailing words\n",
        "/* note */ SELECT $1, '§', № FROM t WHERE x = $2",
        "SELEC broken '§' № FROM t WHERE pw = '§'",
        "SELECT * FROM t WHERE x = '§\\'§' AND y = '§'",
        "BEGIN; INSERT INTO audit VALUES (№, '§'); COMMIT",
        "CALL charge(№, '§', ∂)",
        "SELECT * FROM t WHERE x = '§' AND y = $$§",
        "SELECT * FROM \"Weird Name\" WHERE \"col\" = '§' LIMIT № OFFSET №",
        "SELECT №h№, №.№, .№ FROM t",
    ]

    static func marker(_ random: inout SeededGenerator) -> String {
        String((0..<(6 + Int(random.next() % 10))).map { _ in markerLetters[Int(random.next() % UInt64(markerLetters.count))] })
    }

    static func fill(_ template: String, _ random: inout SeededGenerator) -> String {
        var out = ""
        for character in template {
            switch character {
            case "§": out += marker(&random)
            case "№": out += String(1 + random.next() % 999_999_999)
            case "∂": out += "\(random.next() % 100_000).\(random.next() % 1000)"
            case "♯": out += String(random.next() | 1 << 63, radix: 16, uppercase: true)
            case "♭": out += String(random.next() | 1 << 63, radix: 2)
            default: out.append(character)
            }
        }
        return out
    }

    /// Digits only inside `$n`; never five marker letters in a row.
    static func leaks(_ text: String) -> String? {
        var run = 0
        var previous: Character = " "
        var inParameter = false
        for character in text {
            if character == "$" { inParameter = true } else if !character.isNumber { inParameter = false }
            if character.isNumber && !inParameter { return "digit \(character) after \(previous)" }
            run = markerLetters.contains(character) ? run + 1 : 0
            if run >= 5 { return "marker letters" }
            previous = character
        }
        return nil
    }

    @Test func templatesHoldNoMarkerRunsOrDigitsOfTheirOwn() {
        for template in Self.templates {
            let bare = template.replacingOccurrencesOfPlaceholders()
            #expect(Self.leaks(bare) == nil, "\(template)")
        }
    }

    @Test(arguments: [false, true])
    func sanitizedTextHidesEveryLiteral(cached: Bool) {
        var random = SeededGenerator(state: cached ? 7 : 11)
        var analyzer = QueryAnalyzer(maxLength: 1 << 16, cacheCapacity: cached ? 1_000 : 0)
        for round in 0..<3_000 {
            let sql = Self.fill(Self.templates[round % Self.templates.count], &random)
            let text = analyzer.analyze(sql).text ?? ""
            #expect(Self.leaks(text) == nil, "\(sql) → \(text)")
        }
    }

    @Test func cutCapturesHideEveryLiteral() {
        var random = SeededGenerator(state: 23)
        var analyzer = QueryAnalyzer(maxLength: 1 << 16)
        for round in 0..<3_000 {
            let sql = Array(Self.fill(Self.templates[round % Self.templates.count], &random).utf8)
            let cut = Int(random.next() % UInt64(sql.count + 1))
            let analysis = analyzer.analyze(sql[..<cut], captureTruncated: true)
            let text = analysis.text ?? ""
            #expect(Self.leaks(text) == nil, "\(String(decoding: sql[..<cut], as: UTF8.self)) → \(text)")
            #expect(analysis.truncated)
        }
    }

    @Test func textsThatEndInsideALiteralWithoutBeingCutHideItToo() {
        var random = SeededGenerator(state: 31)
        var analyzer = QueryAnalyzer()
        for round in 0..<1_000 {
            let sql = Self.fill(Self.templates[round % Self.templates.count], &random)
            let broken = sql + " AND zz = '" + Self.marker(&random) + "''" + Self.marker(&random)
            let text = analyzer.analyze(broken).text ?? ""
            #expect(Self.leaks(text) == nil, "\(broken) → \(text)")
        }
    }
}

extension String {
    /// The template with its placeholders removed, to check it contributes no digits or markers.
    func replacingOccurrencesOfPlaceholders() -> String {
        String(filter { !"§№∂♯♭".contains($0) })
    }
}

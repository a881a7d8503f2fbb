import Foundation

/// A Grafana dashboard as its Prometheus queries: every panel's expressions (rows and collapsed
/// rows included) and its template variables, with the interpolation Grafana's Prometheus data
/// source applies before it sends a query.
struct GrafanaDashboard {
    struct Query: CustomStringConvertible {
        let panel: String
        let refId: String
        let expression: String
        var description: String { "panel '\(panel)' query \(refId)" }
    }

    struct Variable {
        let name: String
        /// label_values(SELECTOR, LABEL) of a query variable, as (SELECTOR, LABEL).
        let labelValues: (selector: String, label: String)?
        let multi: Bool
        let includeAll: Bool
        let allValue: String?
    }

    /// What a variable is set to: every value ("All") or the values ticked.
    enum Selection {
        case all
        case values([String])
    }

    let queries: [Query]
    let variables: [String: Variable]

    init(contentsOf url: URL) throws {
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: url))
        guard let dashboard = object as? [String: Any] else { throw DashboardError(message: "\(url.path): not a JSON object") }
        let top = dashboard["panels"] as? [[String: Any]] ?? []
        let panels = top.flatMap { [$0] + ($0["panels"] as? [[String: Any]] ?? []) }
        queries = panels.flatMap { panel in
            (panel["targets"] as? [[String: Any]] ?? []).map { target in
                Query(
                    panel: panel["title"] as? String ?? "?", refId: target["refId"] as? String ?? "?",
                    expression: target["expr"] as? String ?? "")
            }
        }
        var variables: [String: Variable] = [:]
        for entry in (dashboard["templating"] as? [String: Any])?["list"] as? [[String: Any]] ?? [] {
            guard let name = entry["name"] as? String else { continue }
            let query = (entry["query"] as? [String: Any])?["query"] as? String ?? entry["query"] as? String ?? ""
            let match = query.wholeMatch(of: /label_values\((.*),\s*(\w+)\)/)
            variables[name] = Variable(
                name: name, labelValues: match.map { (String($0.1), String($0.2)) },
                multi: entry["multi"] as? Bool ?? false, includeAll: entry["includeAll"] as? Bool ?? false,
                allValue: entry["allValue"] as? String)
        }
        self.variables = variables
    }

    /// `expression` with `$name`, `${name}` and `[[name]]` replaced: template variables from
    /// `selections` as Grafana's Prometheus data source formats them (a multi-value or "All"
    /// variable as an escaped regex, "All" as its allValue), Grafana's own (`$__rate_interval`,
    /// `$__range`) from `builtIns`. A variable with no value throws.
    func interpolate(_ expression: String, _ selections: [String: Selection], builtIns: [String: String]) throws -> String {
        var result = ""
        var rest = expression[...]
        while let match = rest.firstMatch(of: /\$\{(\w+)\}|\$(\w+)|\[\[(\w+)\]\]/) {
            result += rest[..<match.range.lowerBound]
            let name = String(match.1 ?? match.2 ?? match.3 ?? "")
            if let value = builtIns[name] {
                result += value
            } else if let variable = variables[name], let selection = selections[name] {
                result += format(selection, of: variable)
            } else {
                throw DashboardError(message: "no value for $\(name) in \(expression)")
            }
            rest = rest[match.range.upperBound...]
        }
        return result + rest
    }

    /// Grafana's interpolateQueryExpr: a single-value variable as it is (quotes and backslashes
    /// escaped), otherwise each value regex-escaped and several joined as (a|b).
    private func format(_ selection: Selection, of variable: Variable) -> String {
        switch selection {
        case .all where variable.allValue != nil:
            return variable.allValue!
        case .all:
            return "(.*)"
        case .values(let values):
            guard variable.multi || variable.includeAll else { return values.map(Self.regularEscape).joined(separator: ",") }
            let escaped = values.map(Self.specialRegexEscape)
            return escaped.count == 1 ? escaped[0] : "(" + escaped.joined(separator: "|") + ")"
        }
    }

    /// prometheusRegularEscape: backslashes and single quotes.
    static func regularEscape(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\\\'")
    }

    /// prometheusSpecialRegexEscape: regex metacharacters, escaped twice (once for the regex,
    /// once for the PromQL string that holds it).
    static func specialRegexEscape(_ value: String) -> String {
        var escaped = ""
        for character in value {
            if character == "\\" {
                escaped += "\\\\\\\\"
            } else if "$^*{}[]+?.()|".contains(character) {
                escaped += "\\\\" + String(character)
            } else {
                escaped.append(character)
            }
        }
        return escaped
    }

    struct DashboardError: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }
}

import ArgumentParser
import Configuration
import Foundation

/// Where `mutuals serve` options come from besides the command line: `MUTUALS_*` environment
/// variables and an optional JSON file (`--config FILE` or `MUTUALS_CONFIG`). The precedence is
/// flag, then environment, then file, then default (docs/configuration.md).
///
/// There is no list of options here to drift: the options are read from ArgumentParser's own
/// description of `Serve` (its help dump), so an option added to `Serve` or to any of its
/// `@OptionGroup`s is settable at once. Values from the environment and the file become
/// ordinary `--name=value` arguments appended to the command line before ArgumentParser parses
/// it, so every value is checked in one place: the option's type and `validate()`.
struct ServeSettings {
    /// One option of `serve` and the value it ends up with.
    struct Setting {
        let option: ServeOption
        /// The values given (several for a repeating option); empty when the default applies.
        let values: [String]
        let source: Source
    }

    enum Source: Equatable, CustomStringConvertible {
        case flag
        case environment(variable: String)
        case file(path: String, key: String)
        case defaultValue

        var description: String {
            switch self {
            case .flag: "flag"
            case .environment(let variable): "env \(variable)"
            case .file(let path, let key): "file \(path) (\(key))"
            case .defaultValue: "default"
            }
        }
    }

    /// A start-stopping problem with the environment or the configuration file.
    struct Problem: Error, CustomStringConvertible {
        let description: String
    }

    static let environmentPrefix = "MUTUALS_"

    /// `MUTUALS_*` variables that are not options but are read by name elsewhere. Secrets are read
    /// from here, never from a flag (a flag shows in `ps`), and their values are never printed.
    static let otherVariables: [(name: String, secret: Bool, purpose: String)] = [
        ("MUTUALS_CONFIG", false, "the configuration file, when --config is not given"),
        ("MUTUALS_SMTP_PASSWORD", true, "the SMTP password (read by the mail options)"),
        ("MUTUALS_BINARY", false, "the executable the browser tests start; ignored by serve"),
        ("MUTUALS_TLS_DIR", false, "where docs/deploy/certbot-deploy-hook.sh installs the certificate; ignored by serve"),
        ("MUTUALS_USER", false, "the group docs/deploy/certbot-deploy-hook.sh gives the certificate; ignored by serve"),
    ]

    /// Options that say how to read the configuration rather than being part of it.
    static let notSettable: Set<String> = ["help", "config", "check-config", "version"]

    let settings: [Setting]
    /// The configuration file read, and what named it.
    let configFile: (path: String, namedBy: String)?
    /// The `--name=value` arguments the environment and the file add to the command line.
    let addedArguments: [String]
    /// The other known `MUTUALS_*` variables that are set, by name.
    let otherVariablesSet: [String]

    // MARK: Resolving

    /// Reads the options of `serve` from ArgumentParser, then the environment and the file.
    /// - Parameter arguments: the command line after `serve`.
    /// - Throws: `Problem` naming an unknown key or variable, or a value of the wrong shape.
    init(arguments: [String], environment: [String: String]) throws {
        let options = try ServeOption.all()
        let onCommandLine = Self.namesOnCommandLine(arguments, options: options)

        // The configuration file: --config on the command line, else MUTUALS_CONFIG.
        var configFile: (path: String, namedBy: String)?
        if let path = Self.value(of: "config", in: arguments) {
            configFile = (path, "--config")
        } else if let path = environment["MUTUALS_CONFIG"], !path.isEmpty {
            configFile = (path, "MUTUALS_CONFIG")
        }
        self.configFile = configFile

        // Unknown MUTUALS_* variables stop the start: a misspelt setting must not be ignored.
        let settable = options.filter { !Self.notSettable.contains($0.name) }
        let knownVariables = Set(settable.map(\.environmentVariable) + Self.otherVariables.map(\.name))
        for name in environment.keys.sorted() where name.hasPrefix(Self.environmentPrefix) && !knownVariables.contains(name) {
            throw Problem(description: "\(name) (environment) is not a setting of mutuals serve.\(Self.suggestion(for: name, among: knownVariables.sorted()))")
        }
        otherVariablesSet = Self.otherVariables.map(\.name).filter { environment[$0] != nil }

        let environmentProvider = EnvironmentVariablesProvider(
            environmentVariables: environment.filter { $0.key.hasPrefix(Self.environmentPrefix) && !$0.value.isEmpty },
            secretsSpecifier: .specific(Set(Self.otherVariables.filter(\.secret).map(\.name))))
        let file = try configFile.map { try ConfigFile(path: $0.path, options: settable) }

        var settings: [Setting] = []
        var added: [String] = []
        for option in settable {
            let setting: Setting
            if onCommandLine.contains(option.name) {
                setting = Setting(option: option, values: Self.values(of: option, in: arguments), source: .flag)
            } else if let values = try option.read(from: environmentProvider, key: ["mutuals", option.name], describedAs: "\(option.environmentVariable) (environment)") {
                setting = Setting(option: option, values: values, source: .environment(variable: option.environmentVariable))
                added += option.arguments(for: values)
            } else if let file, let values = try option.read(from: file.snapshot, key: [option.name], describedAs: "key \"\(option.name)\" in \(file.path)") {
                setting = Setting(option: option, values: values, source: .file(path: file.path, key: option.name))
                added += option.arguments(for: values)
            } else {
                setting = Setting(option: option, values: [], source: .defaultValue)
            }
            settings.append(setting)
        }
        self.settings = settings
        self.addedArguments = added
    }

    /// The long names of the options the command line gives.
    static func namesOnCommandLine(_ arguments: [String], options: [ServeOption]) -> Set<String> {
        var names: Set<String> = []
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            if argument == "--" { break }
            if argument.hasPrefix("--") {
                let name = String(argument.dropFirst(2).prefix { $0 != "=" })
                if let option = options.first(where: { $0.names.contains(name) }) {
                    names.insert(option.name)
                    // `--name value`: the next argument is the value, whatever it looks like.
                    if !option.isFlag && !argument.contains("=") { index += 1 }
                }
            }
            index += 1
        }
        return names
    }

    /// The values an option is given on the command line, in order.
    static func values(of option: ServeOption, in arguments: [String]) -> [String] {
        if option.isFlag {
            let given = arguments.last { argument in option.names.contains(String(argument.dropFirst(2))) }
            return [given.map { $0 == "--" + option.name ? "true" : "false" } ?? "true"]
        }
        var values: [String] = []
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            if argument == "--" { break }
            if argument == "--" + option.name, index + 1 < arguments.count {
                values.append(arguments[index + 1])
                index += 1
            } else if argument.hasPrefix("--\(option.name)=") {
                values.append(String(argument.dropFirst(option.name.count + 3)))
            }
            index += 1
        }
        return values
    }

    /// The last value of `--name` on the command line, if any.
    static func value(of name: String, in arguments: [String]) -> String? {
        guard let option = try? ServeOption.all().first(where: { $0.name == name }) else { return nil }
        return values(of: option, in: arguments).last
    }

    /// "Did you mean" for a misspelt name: the known name fewest edits away, if close.
    static func suggestion(for name: String, among known: [String]) -> String {
        func distance(_ a: [Character], _ b: [Character]) -> Int {
            var previous = Array(0...b.count)
            for (i, x) in a.enumerated() {
                var row = [i + 1]
                for (j, y) in b.enumerated() { row.append(min(previous[j + 1] + 1, row[j] + 1, previous[j] + (x == y ? 0 : 1))) }
                previous = row
            }
            return previous[b.count]
        }
        let scored = known.map { ($0, distance(Array(name.lowercased()), Array($0.lowercased()))) }
        guard let best = scored.min(by: { $0.1 < $1.1 }), best.1 <= max(2, name.count / 4) else {
            return " See mutuals serve --help for the options."
        }
        return " Did you mean \(best.0)?"
    }

    // MARK: Reporting

    /// A note naming where the options in an ArgumentParser error message came from, for values
    /// that did not come from the command line.
    func note(forError message: String) -> String? {
        let lines = settings.compactMap { setting -> String? in
            guard setting.source != .flag, setting.source != .defaultValue,
                  message.contains("--" + setting.option.name) else { return nil }
            return "--\(setting.option.name) was set by \(setting.source.readable)."
        }
        return lines.isEmpty ? nil : lines.joined(separator: "\n")
    }

    /// The effective configuration, one line per option, secrets masked.
    func report() -> String {
        var rows: [(String, String, String)] = []
        if let configFile {
            rows.append(("config", configFile.path, configFile.namedBy == "--config" ? "flag" : "env MUTUALS_CONFIG"))
        } else {
            rows.append(("config", "(none)", "default"))
        }
        for setting in settings {
            let option = setting.option
            let shown: String
            if setting.values.isEmpty {
                shown = option.isFlag ? "false" : (option.defaultValue ?? SMTPOptions.unstatedDefaults[option.name] ?? DigestOptions.unstatedDefaults[option.name])
                    .map { option.isSecret ? "********" : $0 } ?? "(not set)"
            } else if option.isSecret {
                shown = "********"
            } else {
                shown = setting.values.joined(separator: ", ")
            }
            rows.append((option.name, shown, setting.source.description))
        }
        for variable in Self.otherVariables where otherVariablesSet.contains(variable.name) && variable.name != "MUTUALS_CONFIG" {
            rows.append((variable.name, variable.secret ? "(set, hidden)" : "(set)", "env"))
        }
        let nameWidth = rows.map(\.0.count).max() ?? 0
        let valueWidth = min(48, rows.map(\.1.count).max() ?? 0)
        return rows.map { name, value, source in
            name.padding(toLength: nameWidth, withPad: " ", startingAt: 0) + "  "
                + (value.count < valueWidth ? value.padding(toLength: valueWidth, withPad: " ", startingAt: 0) : value)
                + "  " + source
        }.joined(separator: "\n")
    }
}

extension ServeSettings.Source {
    var readable: String {
        switch self {
        case .flag: "the command line"
        case .environment(let variable): "\(variable) in the environment"
        case .file(let path, let key): "key \"\(key)\" in \(path)"
        case .defaultValue: "the default"
        }
    }
}

/// One option of `serve`, as ArgumentParser describes it.
struct ServeOption: Decodable {
    let name: String
    let names: [String]
    let isFlag: Bool
    let isRepeating: Bool
    let defaultValue: String?

    var environmentVariable: String {
        ServeSettings.environmentPrefix + name.uppercased().replacingOccurrences(of: "-", with: "_")
    }

    /// Passwords, tokens and secrets are masked; a file that holds one is shown by its path.
    var isSecret: Bool {
        ["password", "token", "secret"].contains { name.contains($0) } && !name.hasSuffix("-file")
    }

    /// Every named option and flag of `serve`, in the order `--help` lists them, read from
    /// ArgumentParser's JSON description of the command.
    static func all() throws -> [ServeOption] {
        struct Dump: Decodable {
            struct Command: Decodable { let arguments: [Argument]? }
            struct Argument: Decodable {
                struct Name: Decodable { let kind: String; let name: String }
                let kind: String
                let names: [Name]?
                let preferredName: Name?
                let isRepeating: Bool
                let defaultValue: String?
            }
            let command: Command
        }
        let dump: Dump
        do {
            dump = try JSONDecoder().decode(Dump.self, from: Data(Serve._dumpHelp().utf8))
        } catch {
            throw ServeSettings.Problem(description: "Cannot read the options of serve from ArgumentParser: \(error)")
        }
        return (dump.command.arguments ?? []).compactMap { argument in
            guard argument.kind == "option" || argument.kind == "flag" else { return nil }
            let long = (argument.names ?? []).filter { $0.kind == "long" }.map(\.name)
            guard let name = argument.preferredName.flatMap({ $0.kind == "long" ? $0.name : nil }) ?? long.first else { return nil }
            return ServeOption(name: name, names: long, isFlag: argument.kind == "flag",
                               isRepeating: argument.isRepeating, defaultValue: argument.defaultValue)
        }
    }

    /// The command-line arguments that give this option `values`.
    func arguments(for values: [String]) -> [String] {
        if isFlag {
            guard let value = values.last else { return [] }
            if value == "true" { return ["--" + name] }
            // An inversion (`--x/--no-x`) can be turned off explicitly; a plain flag is off by default.
            return names.contains("no-" + name) ? ["--no-" + name] : []
        }
        return values.map { "--\(name)=\($0)" }
    }

    /// This option's values from a provider or snapshot, as command-line text; nil when unset.
    /// - Throws: `ServeSettings.Problem` when the value has the wrong shape.
    func read(from source: some ConfigSnapshotLookup, key: [String], describedAs place: String) throws -> [String]? {
        let key = AbsoluteConfigKey(key)
        func lookup(_ type: ConfigType) -> ConfigContent?? {
            // nil: not present; .some(nil): present with another type.
            do {
                guard let value = try source.value(forKey: key, type: type).value else { return nil }
                return .some(value.content)
            } catch {
                return .some(nil)
            }
        }
        if isFlag {
            switch lookup(.bool) {
            case .none: return nil
            case .some(.some(.bool(let on))): return [on ? "true" : "false"]
            default: throw ServeSettings.Problem(description: "\(place): --\(name) is a switch; give true or false.")
            }
        }
        // A repeating option takes a list (comma-separated in the environment) or one value.
        if isRepeating {
            for type in [ConfigType.stringArray, .intArray, .doubleArray] {
                switch lookup(type) {
                case .none: return nil
                case .some(.some(let content)): if let texts = content.commandLineTexts { return texts }
                case .some(.none): continue
                }
            }
        }
        for type in [ConfigType.string, .int, .double, .bool] {
            switch lookup(type) {
            case .none: return nil
            case .some(.some(let content)): if let text = content.commandLineText { return [text] }
            case .some(.none): continue
            }
        }
        if isRepeating {
            throw ServeSettings.Problem(description: "\(place): give --\(name) as text or a list of texts.")
        }
        throw ServeSettings.Problem(description: "\(place): --\(name) takes one value, not a list or object.")
    }
}

/// The one lookup both the environment provider and a file snapshot offer.
protocol ConfigSnapshotLookup {
    func value(forKey key: AbsoluteConfigKey, type: ConfigType) throws -> LookupResult
}

extension EnvironmentVariablesProvider: ConfigSnapshotLookup {}
extension JSONSnapshot: ConfigSnapshotLookup {}

extension ConfigContent {
    var commandLineText: String? {
        switch self {
        case .string(let text): text
        case .int(let number): String(number)
        case .double(let number): number == number.rounded() && abs(number) < 1e15 ? String(Int(number)) : String(number)
        case .bool(let on): on ? "true" : "false"
        default: nil
        }
    }

    var commandLineTexts: [String]? {
        switch self {
        case .stringArray(let texts): texts
        case .intArray(let numbers): numbers.map { String($0) }
        case .doubleArray(let numbers): numbers.map { String($0) }
        default: nil
        }
    }
}

/// The optional JSON configuration file: keys are option names without the dashes.
struct ConfigFile {
    let path: String
    let snapshot: JSONSnapshot

    init(path: String, options: [ServeOption]) throws {
        self.path = path
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ServeSettings.Problem(description: "Cannot read the configuration file \(path) (from --config or MUTUALS_CONFIG).")
        }
        // The keys, checked before any value is used: an unknown key stops the start.
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: data)
        } catch {
            throw ServeSettings.Problem(description: "\(path) is not valid JSON: \(error.localizedDescription)")
        }
        guard let top = object as? [String: Any] else {
            throw ServeSettings.Problem(description: "\(path): the configuration must be a JSON object of option names and values.")
        }
        let known = options.map(\.name)
        for key in top.keys.sorted() {
            guard known.contains(key) else {
                throw ServeSettings.Problem(description: "Unknown key \"\(key)\" in \(path): not a setting of mutuals serve.\(ServeSettings.suggestion(for: key, among: known))")
            }
            if top[key] is [String: Any] {
                throw ServeSettings.Problem(description: "Key \"\(key)\" in \(path): give a value, not an object.")
            }
        }
        // true or false for an option that takes a value was read as 1 or 0 ("port": true served port 1).
        let booleans = (try? JSONDecoder().decode([String: JSONBooleanProbe].self, from: data)) ?? [:]
        for option in options where !option.isFlag && booleans[option.name]?.isBoolean == true {
            throw ServeSettings.Problem(description: "Key \"\(option.name)\" in \(path): --\(option.name) takes a value, not true or false.")
        }
        let bytes = [UInt8](data)
        do {
            snapshot = try JSONSnapshot(data: bytes.span.bytes, providerName: path, parsingOptions: .default)
        } catch {
            throw ServeSettings.Problem(description: "\(path): \(error)")
        }
    }
}

/// Whether a JSON value is the literal true or false (JSONDecoder does not read 1 as a Bool).
private struct JSONBooleanProbe: Decodable {
    let isBoolean: Bool

    init(from decoder: any Decoder) throws {
        isBoolean = (try? decoder.singleValueContainer().decode(Bool.self)) != nil
    }
}

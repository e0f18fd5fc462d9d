import Web

/// Renders template `name` of a library built from `templates`, as a String.
func render(_ templates: [String: String], _ name: String = "page", _ value: TemplateValue = [:]) throws -> String {
    let library = try TemplateLibrary(templates: templates)
    return String(decoding: try library.template(name).render(value), as: UTF8.self)
}

/// Renders one template source.
func render(_ source: String, _ value: TemplateValue = [:]) throws -> String {
    try render(["page": source], "page", value)
}

/// The compile error building a library from `templates` throws, if any.
func compileError(_ templates: [String: String]) -> TemplateError? {
    do {
        _ = try TemplateLibrary(templates: templates)
        return nil
    } catch let error as TemplateError {
        return error
    } catch {
        return nil
    }
}

func compileError(_ source: String) -> TemplateError? {
    compileError(["page": source])
}

/// The repository's root, found from this file's path.
let repositoryRoot: String = {
    var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
    parts.removeLast(3)
    return parts.joined(separator: "/")
}()

import Foundation
import PackagePlugin

/// Generates the HTTP contract's document types from the target's `openapi.yaml` at every build where the file
/// changed (`ContractGenerator`), so that the file stays the one place a field is declared.
@main
struct ContractTypes: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: any Target) throws -> [Command] {
        guard let target = target as? SourceModuleTarget else { return [] }
        let specification = target.directoryURL.appending(path: "openapi.yaml")
        let output = context.pluginWorkDirectoryURL.appending(path: "ContractTypes.swift")
        return [
            .buildCommand(
                displayName: "Generating the contract's document types from openapi.yaml",
                executable: try context.tool(named: "ContractGenerator").url,
                arguments: [specification.path, output.path],
                inputFiles: [specification],
                outputFiles: [output])
        ]
    }
}

#include "commands.h"

#include "core/strings.h"
#include "io/snapshot.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <iostream>
#include <sstream>

namespace mp::cli {

namespace {

void printText(const SnapshotInfo& info, std::ostream& out) {
    out << "model:      " << info.root.string() << "\n";
    out << "family:     " << info.familyLabel() << "\n";
    if (info.isPipeline)
        out << "pipeline:   " << (info.pipelineClass.empty() ? "?" : info.pipelineClass)
            << (info.diffusersVersion.empty() ? "" : " (diffusers " + info.diffusersVersion + ")")
            << "\n";
    else
        out << "layout:     single component folder\n";
    out << "parameters: " << str::humanCount(info.parameterCount()) << " in all\n";
    out << "components:\n";
    for (const auto& c : info.components) {
        std::string name = "  " + c.name;
        name.resize(std::max<std::size_t>(name.size() + 1, 16), ' ');
        std::string cls = c.className;
        cls.resize(std::max<std::size_t>(cls.size() + 1, 30), ' ');
        out << name << cls;
        if (c.hasWeights) {
            out << str::humanCount(c.parameterCount) << " params";
            for (const auto& [dtype, n] : c.dtypeCounts)
                out << "  " << dtype
                    << (c.dtypeCounts.size() > 1 ? " " + str::humanCount(n) : std::string());
            out << "  (" << std::filesystem::relative(c.weightsPath, info.root).string();
            if (c.sharded)
                out << ", " << c.fileCount << " shards";
            out << ")";
        } else {
            out << componentKindName(c.kind);
        }
        out << "\n";
    }
}

}  // namespace

Command infoCommand() {
    CommandSpec spec{
        "info",
        "Describe a model folder: family, components, parameter counts and dtypes per component, "
        "and every problem found. Exits 1 when the folder has errors (one line each on stderr).",
        {"DIR"},
        {{"json", "", "print the report as JSON on stdout"},
         {"variant", "NAME", "prefer weights of this variant, e.g. fp16"}},
        "DIR is a diffusers pipeline folder (model_index.json) or one component's folder\n"
        "(config.json). Weights are read from safetensors only; pickle files are refused."};
    return {spec, [](const ParsedArgs& args) {
                const auto info = inspectSnapshot(args.positional(0), {args.value("variant")});
                if (args.flag("json")) {
                    // Names from the folder may hold invalid UTF-8; replace it rather than fail.
                    std::cout << toJson(info).dump(2, ' ', false,
                                                   nlohmann::json::error_handler_t::replace)
                              << "\n";
                } else {
                    printText(info, std::cout);
                }
                for (const auto& p : info.problems)
                    std::cerr << p.line() << "\n";
                return info.hasErrors() ? kExitFailed : kExitOk;
            }};
}

}  // namespace mp::cli

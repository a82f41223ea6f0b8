#include "commands.h"

#include "io/snapshot.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <iostream>
#include <sstream>

namespace mp::cli {

namespace {

std::string humanCount(std::int64_t n) {
    char buf[32];
    if (n >= 1'000'000'000)
        std::snprintf(buf, sizeof buf, "%.2f B", n / 1e9);
    else if (n >= 1'000'000)
        std::snprintf(buf, sizeof buf, "%.1f M", n / 1e6);
    else if (n >= 1'000)
        std::snprintf(buf, sizeof buf, "%.1f K", n / 1e3);
    else
        std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(n));
    return buf;
}

void printText(const SnapshotInfo& info, std::ostream& out) {
    out << "model:      " << info.root.string() << "\n";
    out << "family:     " << info.familyLabel() << "\n";
    if (info.isPipeline)
        out << "pipeline:   " << (info.pipelineClass.empty() ? "?" : info.pipelineClass)
            << (info.diffusersVersion.empty() ? "" : " (diffusers " + info.diffusersVersion + ")")
            << "\n";
    else
        out << "layout:     single component folder\n";
    out << "parameters: " << humanCount(info.parameterCount()) << " in all\n";
    out << "components:\n";
    for (const auto& c : info.components) {
        std::string name = "  " + c.name;
        name.resize(std::max<std::size_t>(name.size() + 1, 16), ' ');
        std::string cls = c.className;
        cls.resize(std::max<std::size_t>(cls.size() + 1, 30), ' ');
        out << name << cls;
        if (c.hasWeights) {
            out << humanCount(c.parameterCount) << " params";
            for (const auto& [dtype, n] : c.dtypeCounts)
                out << "  " << dtype
                    << (c.dtypeCounts.size() > 1 ? " " + humanCount(n) : std::string());
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

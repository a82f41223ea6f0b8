#include "commands.h"

#include "pipelines/components.h"

#include <iostream>

namespace mp::cli {

Command runComponentCommand() {
    registerBuiltinComponents();
    std::string list;
    for (const auto* c : registeredComponents()) {
        list += "  " + c->name + ": " + c->summary + "\n    inputs:";
        for (const auto& i : c->requiredInputs)
            list += " " + i;
        for (const auto& i : c->optionalInputs)
            list += " [" + i + "]";
        list += "\n    outputs:";
        for (const auto& o : c->outputs)
            list += " " + o;
        list += "\n";
    }
    if (list.empty())
        list = "  (none registered in this build yet)\n";
    std::vector<OptionSpec> options = {
        {"model", "DIR", "pipeline folder or the component's own folder", true},
        {"component", "NAME", "which component to run (see below)", true},
        {"inputs", "IN.safetensors", "input tensors", true},
        {"out", "OUT.safetensors", "where to write the outputs (atomically)", true}};
    for (auto& o : deviceOptionSpecs())
        options.push_back(std::move(o));
    CommandSpec spec{
        "run-component",
        "Run one forward of a model component on the tensors in a safetensors file and write what "
        "it returns to another. Tensor names follow the reference implementation's forward "
        "arguments, so diffusers/transformers scripts can produce inputs and read outputs.",
        {},
        std::move(options),
        "components:\n" + list +
            "Integer inputs must be I64; float inputs F32/BF16/F16 are cast to the run's dtype."};
    return {spec, [](const ParsedArgs& args) {
                if (!findComponent(args.value("component"))) {
                    std::string names;
                    for (const auto* c : registeredComponents())
                        names += (names.empty() ? "" : ", ") + c->name;
                    throw UsageError("--component '" + args.value("component") +
                                     "' is not available in this build (available: " + names + ")");
                }
                (void)deviceFromArgs(args);  // usage errors name --device/--dtype
                RunComponentRequest req{args.value("model"),  args.value("component"),
                                        args.value("inputs"), args.value("out"),
                                        args.value("device"), args.value("dtype")};
                const auto r = runComponent(req).value();
                std::cout << r.component << " on " << r.device << ": " << r.milliseconds
                          << " ms; wrote";
                for (const auto& o : r.outputs)
                    std::cout << " " << o;
                std::cout << " to " << req.outputPath.string() << "\n";
                return kExitOk;
            }};
}

}  // namespace mp::cli

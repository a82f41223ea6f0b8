#include "commands.h"

#include "sampling/ddim.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <iostream>

namespace mp::cli {

namespace {

std::string alphaText(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.9f", v);
    return buf;
}

std::string levelText(std::int64_t t) {
    return t < 0 ? "clean" : std::to_string(t);
}

nlohmann::json toJson(const sampling::DdimScheduler& s,
                      int steps,
                      bool inverse,
                      bool fullTable,
                      const std::vector<sampling::ScheduleRow>& rows) {
    const auto& c = s.config();
    nlohmann::json j;
    j["source"] = c.source;
    j["class_name"] = c.className;
    j["kind"] = sampling::toString(c.kind);
    j["prediction_type"] = sampling::toString(c.predictionType);
    j["timestep_spacing"] = sampling::toString(c.timestepSpacing);
    j["num_train_timesteps"] = c.numTrainTimesteps;
    j["num_inference_steps"] = steps;
    j["direction"] = inverse ? "inverse" : "forward";
    j["stride"] = s.stride(steps);
    j["final_alpha_cumprod"] = s.finalAlphaCumprod();
    auto& ts = j["timesteps"] = nlohmann::json::array();
    auto& alphas = j["alphas_cumprod"] = nlohmann::json::array();
    auto& from = j["from_timesteps"] = nlohmann::json::array();
    auto& to = j["to_timesteps"] = nlohmann::json::array();
    auto& alphaFrom = j["alphas_cumprod_from"] = nlohmann::json::array();
    auto& alphaTo = j["alphas_cumprod_to"] = nlohmann::json::array();
    for (const auto& r : rows) {
        ts.push_back(r.timestep);
        alphas.push_back(s.alphaCumprodAt(r.timestep));
        from.push_back(r.fromTimestep);
        to.push_back(r.toTimestep);
        alphaFrom.push_back(r.alphaFrom);
        alphaTo.push_back(r.alphaTo);
    }
    if (fullTable)
        j["alphas_cumprod_table"] = s.alphasCumprod();
    j["unknown_keys"] = c.unknownKeys;
    j["notes"] = c.notes;
    return j;
}

void printText(const sampling::DdimScheduler& s,
               int steps,
               bool inverse,
               const std::vector<sampling::ScheduleRow>& rows,
               std::ostream& out) {
    const auto& c = s.config();
    out << "scheduler:  " << c.toString() << "\n";
    out << "source:     " << c.source << "\n";
    out << "steps:      " << steps << (inverse ? " inverse" : " forward") << ", stride "
        << s.stride(steps) << "\n";
    for (const auto& n : c.notes)
        out << "note:       " << n << "\n";
    if (!c.unknownKeys.empty()) {
        out << "unknown:    ";
        for (std::size_t i = 0; i < c.unknownKeys.size(); ++i)
            out << (i ? ", " : "") << c.unknownKeys[i];
        out << " (kept, not used)\n";
    }
    out << "\n step  timestep   from → to        ᾱ_from        ᾱ_to\n";
    int i = 0;
    for (const auto& r : rows) {
        char line[160];
        std::snprintf(line, sizeof line, "%5d  %8lld   %5s → %-5s  %s  %s\n", i++,
                      static_cast<long long>(r.timestep), levelText(r.fromTimestep).c_str(),
                      levelText(r.toTimestep).c_str(), alphaText(r.alphaFrom).c_str(),
                      alphaText(r.alphaTo).c_str());
        out << line;
    }
}

}  // namespace

Command scheduleCommand() {
    CommandSpec spec{
        "schedule",
        "Print the timesteps and ᾱ values a model's scheduler will use for N steps, forward or "
        "for DDIM inversion. The workbench's τ axis comes from the same call.",
        {},
        {{"model", "DIR", "model folder (scheduler/scheduler_config.json) or a scheduler json",
          true},
         {"steps", "N", "number of inference steps", false, "50"},
         {"inverse", "", "the DDIM inversion schedule (timesteps ascending)"},
         {"full-table", "", "with --json: also print ᾱ for every train timestep"},
         {"json", "", "print JSON on stdout"}},
        "Each row is one model evaluation at `timestep`; the step moves the latent from the noise\n"
        "level of `from` to that of `to` ('clean' is below timestep 0: ᾱ = final_alpha_cumprod).\n"
        "Unknown scheduler_config.json keys are listed, not silently dropped."};
    return {spec, [](const ParsedArgs& args) {
                const int steps =
                    static_cast<int>(parseInteger("steps", args.value("steps"), 1, 100000));
                const auto scheduler = sampling::DdimScheduler::fromModel(args.value("model"));
                const bool inverse = args.flag("inverse");
                const auto rows = scheduler.table(steps, inverse);
                if (args.flag("json"))
                    std::cout << toJson(scheduler, steps, inverse, args.flag("full-table"), rows)
                                     .dump(2, ' ', false, nlohmann::json::error_handler_t::replace)
                              << "\n";
                else
                    printText(scheduler, steps, inverse, rows, std::cout);
                return kExitOk;
            }};
}

}  // namespace mp::cli

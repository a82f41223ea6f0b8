#pragma once

#include "cli_args.h"
#include "cli_job.h"

#include <nlohmann/json_fwd.hpp>

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace mp {
struct DeviceChoice;
}

namespace mp::cli {

struct Command {
    CommandSpec spec;
    std::function<int(const ParsedArgs&)> run;
};

Command benchCommand();
Command generateCommand();
Command infoCommand();
Command runComponentCommand();
Command scheduleCommand();
Command versionCommand();
Command trainToyCommand();  // the toy world's models: docs/toy-world.md
Command toyEvalCommand();   // their quality on held-out seeds
#ifdef MP_HAVE_VIDEO
// Video I/O (FFmpeg builds only): docs/video.md.
Command videoInfoCommand();
Command videoToTensorCommand();
Command tensorToVideoCommand();
Command videoConvertCommand();
Command composeCommand();
Command scoreCommand();         // metrics on a decoded video: docs/metrics.md
Command toyWorldCommand();      // the toy world as a TGVE-layout dataset: docs/toy-world.md
Command toyOracleCommand();     // the toy world's oracle on a video
Command toyTokenizerCommand();  // the toy world's CLIP tokenizer
Command customizeCommand();     // one-shot motion customization: docs/customization.md
Command probeCommand();         // the prompt-tampering probe: docs/probe.md
Command
benchProbeCommand();  // `bench probe`: the probe over a dataset, sharded: docs/benchmarks.md
Command benchMergeCommand();  // `bench merge`: the shards of a `bench probe` as one run
// `bench customize`: customization over a dataset, the paper's tables: docs/benchmarks.md
Command benchCustomizeCommand();
// `bench probe|customize --devices A,B,…`: one worker per device on its shard, then the merge.
int runBenchOnDevices(const ParsedArgs& args, const std::string& benchmark);
OptionSpec devicesOptionSpec();  // their --devices
// `bench merge` of `bench customize` shards (their summaries read from --from's results.json).
bool isCustomizeBenchmark(const nlohmann::ordered_json& summary);
int mergeCustomizeShards(const std::vector<std::string>& shards,
                         const std::vector<nlohmann::ordered_json>& summaries,
                         const std::filesystem::path& out,
                         const std::string& storeFile);
#ifdef MP_HAVE_STORE
// `bench report`: dataset benchmarks (customization, probe) from the experiment store.
Command benchReportCommand();
}  // namespace mp::cli
namespace mp::store {
class ExperimentStore;
struct BenchmarkRow;
}  // namespace mp::store
namespace mp::cli {
// `bench report --kind probe`: a dataset probe rebuilt from the store into a new folder.
int writeStoredDatasetProbe(const store::ExperimentStore& experiments,
                            const store::BenchmarkRow& row,
                            const std::filesystem::path& out);
#endif
// The arguments a sub-command was given (after "bench probe"), for `--devices` to hand its worker
// processes the same command line. Set by main() before dispatching.
void setSubcommandArgs(std::vector<std::string> args);
#endif

// --device and --dtype, for every command that runs a model. `dtypeDefault` is "auto" (fp32 on
// the CPU, bf16 on CUDA) except where a command defines its numbers in fp32 (score).
std::vector<OptionSpec> deviceOptionSpecs(const std::string& dtypeDefault = "auto");
// --device/--dtype of a command that runs models, resolved (UsageError when unusable), with the
// engine's thread count and per-device tuning applied. Defined in cmd_generate.cpp.
mp::DeviceChoice deviceFromArgs(const ParsedArgs& args);
// --model, or the embedded default (the toy world's pipeline, io/resources.h) when it is absent.
// Defined in cmd_generate.cpp.
std::string modelFromArgs(const ParsedArgs& args);

// Parses args against the command's spec, prints help or usage errors, then runs it. Every
// error ends here: printed once, prefixed with the command, mapped by exitStatusFor().
int dispatch(const Command& command, const std::vector<std::string>& args);

}  // namespace mp::cli

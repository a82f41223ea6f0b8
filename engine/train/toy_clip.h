#pragma once
// The toy world's CLIP: a small transformers CLIPModel trained contrastively by our trainer on
// frames of toy clips and their captions. It is the toy world's scorer for the CLIP metrics and
// the frozen text encoder of the toy video model. Saved as a CLIPModel folder (config.json,
// model.safetensors in fp16, preprocessor_config.json and the toy tokenizer), which
// metrics::ClipScorer loads like any hub folder.

#include "core/error.h"
#include "core/job.h"
#include "models/clip/clip_model.h"
#include "runtime/device.h"
#include "text/clip_tokenizer.h"
#include "train/trainer.h"

#include <cstdint>
#include <filesystem>
#include <string>

namespace mp::train {

struct ToyClipOptions {
    std::int64_t width = 128;  // hidden size of both towers
    std::int64_t layers = 4;   // per tower
    std::int64_t heads = 4;
    std::int64_t projection = 128;
    std::int64_t patch = 8;  // 64×64 frames: 64 patches
    int batch = 64;          // clip–caption pairs per step (in-batch negatives)
    // Steps, rate, EMA, checkpoints; its seed draws the initial weights and the clips.
    TrainConfig train;
    std::filesystem::path tokenizerDir;  // the toy tokenizer (resources/models/toy/tokenizer)
};

// The model's configuration for the options (vocabulary size and eos from the tokenizer).
models::ClipModelConfig toyClipConfig(const ToyClipOptions& options,
                                      const text::ClipTokenizer& tokenizer);

struct ToyClipReport {
    TrainReport training;
    std::filesystem::path folder;
};

// Trains from scratch (or resumes from the options' checkpoints) on `device` and writes the
// CLIPModel folder `out`. Training clips use seeds below 10⁹; the held-out ones start above.
Result<ToyClipReport> trainToyClip(const ToyClipOptions& options,
                                   const DeviceChoice& device,
                                   const std::filesystem::path& out,
                                   const JobContext& job = {});

// Caption retrieval among attribute swaps: for each held-out clip (seeds from `firstSeed`), its
// caption against the same caption with the colour, the shape or the background replaced by every
// other value; the share of clips whose own caption scores highest. Frames are the clip's middle.
// Also the share that beats the swaps of each attribute alone.
struct ToyClipRetrieval {
    int clips = 0;
    double top1 = 0;
    double colour = 0, shape = 0, background = 0;
};
Result<ToyClipRetrieval> toyClipRetrieval(const std::filesystem::path& folder,
                                          int clips,
                                          std::uint64_t firstSeed,
                                          const DeviceChoice& device = {});

}  // namespace mp::train

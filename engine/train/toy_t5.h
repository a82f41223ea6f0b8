#pragma once
// The toy world's T5: a small transformers T5EncoderModel (t5-v1_1's layout: gated-GELU
// feed-forward, relative position buckets, RMS norms) on the toy T5 tokenizer
// (toy::learnUnigramVocabulary), the text encoder of the toy Latte. Real T5 is pre-trained on span
// corruption over a web corpus; a toy one needs only to say what the toy world's captions say, so
// it is trained by our trainer to read each caption's attributes back: linear heads (not shipped)
// on the encoder's mean state over the caption's tokens ask for the first subject's colour, shape,
// size, style and path and for the background (toy::parseCaption; attributes a phrasing leaves out
// are left out of the loss). T5 attends both ways, so "from left to right" and "from right to
// left", the same tokens in another order, can read apart (the toy CLIP's causal text tower put
// them within 3–4% of each other). Saved as a T5EncoderModel folder (config.json,
// model.safetensors in fp16) holding its tokenizer files too (spiece.model, tokenizer_config.json,
// special_tokens_map.json), as a hub T5 repository does.
#include "core/error.h"
#include "core/job.h"
#include "models/t5/t5_encoder.h"
#include "runtime/device.h"
#include "train/trainer.h"

#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace mp::train {

struct ToyT5Options {
    std::int64_t width = 128;  // d_model
    std::int64_t layers = 4;
    std::int64_t heads = 4;  // d_kv = width / heads
    std::int64_t ff = 256;   // d_ff of the gated feed-forward
    int batch = 256;         // captions per step
    // Steps, rate, checkpoints; its seed draws the initial weights and the captions.
    TrainConfig train;
};

// Captions are tokenized to this many tokens (EOS included) for training; the longest caption
// of the world (two subjects, sizes, speeds and styles named) takes 34.
inline constexpr std::int64_t kToyT5Length = 48;

// The encoder's configuration for a vocabulary of `vocabSize` ids (pieces and extra ids).
models::T5Config toyT5Config(const ToyT5Options& options, std::int64_t vocabSize);

// The attributes the heads read, in this order, with their class counts.
inline constexpr int kToyT5Attributes = 6;  // colour, shape, size, style, path, background

struct ToyT5Report {
    TrainReport training;
    // On held-out captions (seeds from kToyHeldOutSeed, every phrasing): the share of named
    // attributes each head reads right, in kToyT5Attributes' order, and all of them at once.
    std::array<double, kToyT5Attributes> heldOut{};
    double heldOutAll = 0;
    int heldOutCaptions = 0;
};

// Makes the toy T5 tokenizer, trains the encoder from scratch (or resumes) and writes the
// folder `out`.
Result<ToyT5Report> trainToyT5(const ToyT5Options& options,
                               const DeviceChoice& device,
                               const std::filesystem::path& out,
                               const JobContext& job = {});

// The T5 a toy transformer pipeline (Latte, CogVideoX) trains with, in float32 on `device`:
// the toy T5 folder's, or `initFrom`'s text_encoder when that pipeline has one (the encoder its
// denoiser learnt with). Frozen (eval, no gradients), or, with `train`, in training mode with
// its parameters appended to `parameters` as "text_encoder.*".
models::T5EncoderModel toyT5ForTraining(
    const std::filesystem::path& t5Folder,
    const std::filesystem::path& initFrom,
    bool train,
    const c10::Device& device,
    std::vector<std::pair<std::string, at::Tensor>>& parameters);

// A pipeline's copy of the toy T5: `t5` (as trained with the denoiser, or unchanged) into
// `pipeline`/text_encoder with the T5 folder's config, and the folder's tokenizer into
// `pipeline`/tokenizer.
void writeToyT5Copy(const models::T5EncoderModel& t5,
                    const std::filesystem::path& t5Folder,
                    bool trained,
                    const std::filesystem::path& pipeline);

// How far a text encoder's states set captions apart that differ only in the path's direction
// ("… moves from left to right …" against "… from right to left …", up/down, grows/shrinks):
// over `pairs` held-out clips, 1 − the cosine similarity of the two captions' mean states over
// their tokens, averaged. The folder is a T5 folder (toy_t5) or a pipeline (its text_encoder
// and tokenizer: T5 where the tokenizer has spiece.model, else the CLIP text model of the toy
// UNet pipeline, whose states count up to EOS).
Result<double> toyDirectionSeparation(const std::filesystem::path& folder,
                                      int pairs,
                                      const DeviceChoice& device = {});

}  // namespace mp::train

#pragma once
// The experiment store: one SQLite file that every probe writes as it goes and the workbench
// reads (probe parameters, each finished run's metrics, and the tensors a resumed probe needs so
// that no finished branch is computed twice). Torch-free: tensors are stored as raw bytes with
// their dtype and shape; the callers convert. Every write is its own transaction, so a killed
// process loses at most the item it was writing.

#include "core/error.h"

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

struct sqlite3;

namespace mp::store {

struct Blob {
    std::string dtype;                // "F32"
    std::vector<std::int64_t> shape;  // row-major
    std::vector<std::byte> data;
};

struct ProbeRow {
    std::int64_t id = 0;
    std::string key;               // what fixes its numbers (see probeKey in the caller)
    std::string params;            // JSON
    std::string status;            // "running", "finished"
    std::string created, updated;  // UTC, ISO 8601
};

struct RunRow {
    std::string name;  // "reconstruction", "full-edit", "pair-600-0"
    std::optional<int> tauStart, tauEnd;
    std::string metrics;  // JSON
};

// What ran over a dataset: `bench customize`, or the probe of every video (`probe --dataset`,
// `bench probe`).
enum class BenchmarkKind { Customize, Probe };

// A run over a dataset: keyed by its kind and settings (the JSON the run folder's results.json
// starts with, without the shard), so shards and reruns of one setting share it.
struct BenchmarkRow {
    std::int64_t id = 0;
    std::string settings;          // JSON
    std::string created, updated;  // UTC, ISO 8601
};

class ExperimentStore {
public:
    // Opens or creates the file (and its folder). Throws EngineError{Io|Format} naming it.
    static ExperimentStore open(const std::filesystem::path& path);
    // The default file: $MOTIONPROBE_STORE, else $XDG_DATA_HOME/motionprobe/experiments.sqlite,
    // else ~/.local/share/motionprobe/experiments.sqlite.
    static std::filesystem::path defaultPath();

    ExperimentStore(ExperimentStore&&) noexcept;
    ExperimentStore& operator=(ExperimentStore&&) noexcept;
    ~ExperimentStore();

    const std::filesystem::path& path() const { return m_path; }

    // The probe with this key, created (status "running") when new.
    ProbeRow probe(const std::string& key, const std::string& params);
    void setStatus(std::int64_t probe, const std::string& status);
    std::vector<ProbeRow> probes() const;
    // Deletes a probe with its runs and tensors, all or nothing; false when there is no such id.
    bool removeProbe(std::int64_t probe);

    void putRun(std::int64_t probe, const RunRow& run);
    std::vector<RunRow> runs(std::int64_t probe) const;

    // Dataset benchmarks of a kind: the one with these settings (created when new), every one,
    // and each finished video's results (its results.json), replaced when put again.
    BenchmarkRow benchmark(BenchmarkKind kind, const std::string& settings);
    std::vector<BenchmarkRow> benchmarks(BenchmarkKind kind) const;
    void putBenchmarkVideo(BenchmarkKind kind,
                           std::int64_t benchmark,
                           const std::string& video,
                           const std::string& results);
    // (video, results) in the order first put.
    std::vector<std::pair<std::string, std::string>> benchmarkVideos(BenchmarkKind kind,
                                                                     std::int64_t benchmark) const;

    void putBlob(std::int64_t probe, const std::string& name, const Blob& blob);
    std::optional<Blob> blob(std::int64_t probe, const std::string& name) const;

private:
    explicit ExperimentStore(std::filesystem::path path);
    [[noreturn]] void fail(const std::string& what) const;
    void exec(const char* sql) const;

    std::filesystem::path m_path;
    sqlite3* m_db = nullptr;
};

}  // namespace mp::store

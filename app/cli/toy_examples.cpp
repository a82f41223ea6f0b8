#include "toy_examples.h"

#include "cli_args.h"
#include "core/error.h"
#include "io/file_util.h"
#include "io/resources.h"
#include "io/snapshot.h"

#include <nlohmann/json.hpp>

#include <fstream>

namespace mp::cli {

namespace fs = std::filesystem;

namespace {

std::vector<std::string> csvRow(const std::string& line) {
    std::vector<std::string> out(1);
    bool quoted = false;
    for (std::size_t i = 0; i < line.size(); ++i) {
        const char ch = line[i];
        if (ch == '"' && quoted && i + 1 < line.size() && line[i + 1] == '"') {
            out.back() += '"';
            ++i;
        } else if (ch == '"') {
            quoted = !quoted;
        } else if (ch == ',' && !quoted) {
            out.emplace_back();
        } else if (ch != '\r') {
            out.back() += ch;
        }
    }
    return out;
}

}  // namespace

std::vector<DatasetRow> readDataset(const fs::path& dir, int editColumn, int limit) {
    fs::path csv;
    if (fs::is_directory(dir))
        for (const auto& e : fs::directory_iterator(dir))
            if (e.path().extension() == ".csv")
                csv = e.path();
    if (csv.empty())
        throw EngineError(ErrorCode::NotFound,
                          "no CSV file there (the TGVE layout has one beside 480p_frames/)");
    std::ifstream in(csv);
    std::vector<DatasetRow> rows;
    std::string line;
    for (int n = 1; std::getline(in, line); ++n) {
        const auto cells = csvRow(line);
        if (n == 1 || cells.size() < 2 || cells[1].empty())
            continue;  // the header and the group rows
        if (static_cast<int>(cells.size()) <= editColumn ||
            cells[static_cast<std::size_t>(editColumn)].empty())
            throw EngineError(ErrorCode::Format, csv.string() + ": row " + std::to_string(n) +
                                                     " (" + cells[0] +
                                                     ") has no caption in the edit column");
        DatasetRow r{n, cells[0], cells[1], cells[static_cast<std::size_t>(editColumn)],
                     dir / "480p_frames" / cells[0]};
        if (!fs::exists(r.frames))
            throw EngineError(ErrorCode::NotFound, csv.string() + ": row " + std::to_string(n) +
                                                       ": the video " + r.frames.string() +
                                                       " does not exist");
        rows.push_back(std::move(r));
        if (limit > 0 && static_cast<int>(rows.size()) == limit)
            break;
    }
    if (rows.empty())
        throw EngineError(ErrorCode::Format, csv.string() + ": no video rows");
    return rows;
}

// A shipped example of resources/examples/toy-tgve, with its object edit (the paper's).
DatasetRow demoExample(int index) {
    const auto rows = readDataset(findResource("examples/toy-tgve"), 3, 0);
    if (index < 0 || index >= static_cast<int>(rows.size()))
        throw UsageError("--example: expected an example from 0 to " +
                         std::to_string(static_cast<int>(rows.size()) - 1) + ", got " +
                         std::to_string(index));
    return rows[static_cast<std::size_t>(index)];
}

bool isToyModel(const fs::path& dir) {
    std::ifstream in(dir / "model_index.json");
    if (!in)
        return false;
    const auto j = nlohmann::json::parse(in, nullptr, false);
    return j.is_object() && j.value(kToyWorldKey, false);
}

toy::Frames framesOf(const video::Clip& clip) {
    return {clip.width, clip.height, clip.frames};
}

nlohmann::ordered_json verdictsJson(const toy::Verdicts& v) {
    const auto verdict = [](const std::optional<bool>& b) {
        return b ? nlohmann::ordered_json(*b) : nullptr;
    };
    nlohmann::ordered_json j{{"colour", verdict(v.appearance.colour)},
                             {"shape", verdict(v.appearance.shape)},
                             {"background", verdict(v.appearance.background)},
                             {"motion_similarity", v.motion.similarity},
                             {"same_path", v.motion.samePath}};
    if (v.leak)
        j["leak"] = {{"colour", verdict(v.leak->colour)},
                     {"shape", verdict(v.leak->shape)},
                     {"background", verdict(v.leak->background)}};
    return j;
}

nlohmann::ordered_json oracleVerdicts(const toy::ClipEstimate& clip,
                                      const toy::CaptionAttributes& caption,
                                      const toy::ClipEstimate& reference,
                                      const toy::CaptionAttributes* referenceCaption) {
    return verdictsJson(toy::judge(clip, caption, reference, referenceCaption));
}

std::vector<metrics::RgbImage> imagesOf(const video::Clip& clip) {
    std::vector<metrics::RgbImage> out;
    for (const auto& f : clip.frames)
        out.push_back({f, clip.width, clip.height});
    return out;
}

StagedFolder::StagedFolder(const fs::path& finalDir, const std::string& why)
    : m_final(finalDir),
      m_staging(finalDir.parent_path() / ("." + finalDir.filename().string() + ".partial")) {
    if (fs::exists(m_final) && !(fs::is_directory(m_final) && fs::is_empty(m_final)))
        throw UsageError("--out: " + m_final.string() + " exists and is not empty; " + why);
    removeTree(m_staging);
}

StagedFolder::~StagedFolder() {
    if (!m_committed)
        removeTree(m_staging);
}

void StagedFolder::commit() {
    if (fs::exists(m_final))
        fs::remove(m_final);  // empty (checked when staging began)
    fs::rename(m_staging, m_final);
    m_committed = true;
}

}  // namespace mp::cli

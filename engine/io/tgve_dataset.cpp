#include "io/tgve_dataset.h"

#include "core/error.h"
#include "io/resources.h"

#include <fstream>

namespace mp {

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

std::vector<DatasetRow> readTgveDataset(const fs::path& dir, int editColumn, int limit) {
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

std::vector<DatasetRow> shippedExamples() {
    return readTgveDataset(findResource(kToyExamplesResource), kTgveObject);
}

}  // namespace mp

#pragma once
// A TGVE-layout dataset (LOVEU-TGVE-2023: one CSV beside a 480p_frames/ folder of frame folders;
// the shipped toy examples are one): its rows, each a video with its caption and the edit
// caption of one column. Torch-free.

#include <filesystem>
#include <string>
#include <vector>

namespace mp {

// The CSV's edit columns.
enum TgveEditColumn { kTgveStyle = 2, kTgveObject = 3, kTgveBackground = 4, kTgveMultiple = 5 };

struct DatasetRow {
    int line = 0;  // as the file counts it (1-based)
    std::string name, caption, edit;
    std::filesystem::path frames;
};

// The video rows (the header and group rows skipped), at most `limit` (0: all). Throws
// EngineError naming the CSV and the row for a missing caption or video, NotFound without a CSV.
std::vector<DatasetRow> readTgveDataset(const std::filesystem::path& dir,
                                        int editColumn,
                                        int limit = 0);

// The shipped toy examples (resources/examples/toy-tgve) with their object edits.
inline constexpr const char* kToyExamplesResource = "examples/toy-tgve";
std::vector<DatasetRow> shippedExamples();

}  // namespace mp

#include "model_summary.h"

#include "core/strings.h"
#include "io/snapshot.h"

#include <QFile>

#include <algorithm>
#include <vector>

namespace mp::app {

namespace {

QString fromStd(const std::string& s) {
    return QString::fromStdString(s);
}

QString fromPath(const std::filesystem::path& p) {
    return QFile::decodeName(QByteArray::fromStdString(p.string()));
}

// Components are listed in pipeline order (model_index.json's keys come back sorted by name).
int pipelineRank(mp::ComponentKind kind) {
    switch (kind) {
        case mp::ComponentKind::Denoiser:
            return 0;
        case mp::ComponentKind::Vae:
            return 1;
        case mp::ComponentKind::TextEncoder:
            return 2;
        case mp::ComponentKind::Tokenizer:
            return 3;
        case mp::ComponentKind::Scheduler:
            return 4;
        case mp::ComponentKind::Scorer:
            return 5;
        case mp::ComponentKind::Other:
            return 6;
    }
    return 6;
}

}  // namespace

QString architectureOf(const QString& family) {
    const QString head = QStringLiteral("toy ("), tail = QStringLiteral(" architecture)");
    if (family.startsWith(head) && family.endsWith(tail))
        return family.mid(head.size(), family.size() - head.size() - tail.size());
    return family;
}

QString formatCount(qint64 n) {
    return QString::fromStdString(mp::str::humanCount(n));
}

ModelSummary summarizeSnapshot(const mp::SnapshotInfo& info) {
    ModelSummary s;
    s.root = fromPath(info.root);
    s.family = fromStd(info.familyLabel());
    s.pipelineClass = fromStd(info.pipelineClass);
    s.parameterCount = info.parameterCount();
    std::vector<const mp::ComponentInfo*> ordered;
    for (const auto& c : info.components)
        ordered.push_back(&c);
    std::stable_sort(ordered.begin(), ordered.end(), [](const auto* a, const auto* b) {
        return pipelineRank(a->kind) < pipelineRank(b->kind);
    });
    for (const mp::ComponentInfo* component : ordered) {
        const mp::ComponentInfo& c = *component;
        ComponentSummary cs;
        cs.name = fromStd(c.name);
        cs.className = fromStd(c.className);
        cs.kind = QString::fromLatin1(componentKindName(c.kind));
        cs.hasWeights = c.hasWeights;
        cs.parameterCount = c.parameterCount;
        QStringList dtypes;
        for (const auto& [dtype, elements] : c.dtypeCounts)
            dtypes << (c.dtypeCounts.size() > 1 ? fromStd(dtype) + u' ' + formatCount(elements)
                                                : fromStd(dtype));
        cs.dtypes = dtypes.join(u", ");
        if (c.hasWeights) {
            std::error_code ec;
            const auto rel = std::filesystem::relative(c.weightsPath, info.root, ec);
            cs.weightsFile = fromPath(ec || rel.empty() ? c.weightsPath : rel);
        }
        s.components << cs;
    }
    for (const auto& p : info.problems) {
        // The list already says whether it holds errors or warnings; keep "where: what".
        const QString text = p.where.empty() ? fromStd(p.what) : fromStd(p.where + ": " + p.what);
        (p.severity == mp::Severity::Error ? s.errors : s.warnings) << text;
    }
    return s;
}

}  // namespace mp::app

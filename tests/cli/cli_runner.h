#pragma once
// Runs motionprobe-cli (MP_CLI_PATH) as a user would, for the CLI tests.

#include <QProcess>
#include <QString>
#include <QStringList>

#include <filesystem>

namespace mp::test {

struct CliRun {
    int code = -1;  // -1: did not finish in time; -2: crashed
    QString out;
    QString err;
};

inline CliRun cli(const QStringList& args, int timeoutMs = 120000) {
    QProcess p;
    p.start(QStringLiteral(MP_CLI_PATH), args);
    if (!p.waitForFinished(timeoutMs)) {
        p.kill();
        p.waitForFinished();
        return {-1, QString(), QStringLiteral("did not finish within %1 s").arg(timeoutMs / 1000)};
    }
    return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -2,
            QString::fromUtf8(p.readAllStandardOutput()),
            QString::fromUtf8(p.readAllStandardError())};
}

// Both streams of a run, for failure messages.
inline QString both(const CliRun& r) {
    return r.out + QStringLiteral("\n---\n") + r.err;
}

inline QString path(const std::filesystem::path& p) {
    return QString::fromStdString(p.string());
}

}  // namespace mp::test

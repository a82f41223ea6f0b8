#pragma once
// Runs motionprobe-cli (MP_CLI_PATH) as a user would, for the CLI tests.

#include <QProcess>
#include <QString>
#include <QStringList>

#include <QDeadlineTimer>

#include <filesystem>
#include <functional>

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

// Starts motionprobe-cli in `p` and reads its standard error until `ready` holds for what it has
// printed so far, the process ends, or `timeoutMs` pass; returns what it printed. `p` is still
// running when `ready` held in time: the caller then signals it.
inline QString startUntil(QProcess& p,
                          const QStringList& args,
                          const std::function<bool(const QString& err)>& ready,
                          int timeoutMs) {
    p.start(QStringLiteral(MP_CLI_PATH), args);
    p.waitForStarted();
    QString err;
    QDeadlineTimer deadline(timeoutMs);
    while (p.state() == QProcess::Running && !deadline.hasExpired() && !ready(err)) {
        p.waitForReadyRead(100);
        err += QString::fromUtf8(p.readAllStandardError());
    }
    return err;
}

// Both streams of a run, for failure messages.
inline QString both(const CliRun& r) {
    return r.out + QStringLiteral("\n---\n") + r.err;
}

inline QString path(const std::filesystem::path& p) {
    return QString::fromStdString(p.string());
}

}  // namespace mp::test

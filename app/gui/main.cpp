// motionprobe: the MotionProbe workbench.

#include "engine_controller.h"
#include "language_menu.h"
#include "main_window.h"
#include "scripted_run.h"
#include "settings.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QIcon>
#include <QImageReader>
#include <QTimer>

#include <memory>

namespace {

QIcon appIcon() {
    // Qt builds without the SVG image plugin (Debian's default) get the rendered PNGs.
    if (QImageReader::supportedImageFormats().contains("svg"))
        return QIcon(QStringLiteral(":/icons/motionprobe.svg"));
    QIcon icon;
    for (int size : {32, 64, 128, 256})
        icon.addFile(QStringLiteral(":/icons/motionprobe-%1.png").arg(size), QSize(size, size));
    return icon;
}

}  // namespace

int main(int argc, char* argv[]) {
    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("MotionProbe"));
    QApplication::setApplicationName(QStringLiteral("MotionProbe"));
    QApplication::setApplicationVersion(QStringLiteral(MP_VERSION));
    QApplication::setDesktopFileName(QStringLiteral("org.motionprobe.Workbench"));
    QApplication::setWindowIcon(appIcon());

    // Qt's own strings (dialogs, About Qt) and ours, in the language of the settings (the
    // system's by default); before the command line, whose help text is translated too.
    mp::app::Settings settings;
    if (!mp::app::installTranslations(settings.language()) && !settings.language().isEmpty())
        qWarning("No translation for language '%s'; the interface stays English.",
                 qPrintable(settings.language()));

    QCommandLineParser parser;
    parser.setApplicationDescription(QApplication::translate(
        "main", "Where text-to-video diffusion models decide motion: the workbench."));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addPositionalArgument(QStringLiteral("model"),
                                 QApplication::translate("main", "A model folder to open."),
                                 QStringLiteral("[model]"));
    const QCommandLineOption screenshot(
        QStringLiteral("screenshot"),
        QApplication::translate("main",
                                "Save a picture of the window to <file> and quit (for "
                                "documentation and CI)."),
        QApplication::translate("main", "file"));
    parser.addOption(screenshot);
    const QCommandLineOption demo(
        QStringLiteral("demo"),
        QApplication::translate("main", "Start on shipped toy example <n> (video and captions)."),
        QApplication::translate("main", "n"), QStringLiteral("1"));
    const QCommandLineOption run(
        QStringLiteral("run"),
        QApplication::translate("main",
                                "With --demo: run probe, customize or probe,customize in the "
                                "window, as a user would."),
        QApplication::translate("main", "what"));
    const QCommandLineOption screenshots(
        QStringLiteral("screenshots"),
        QApplication::translate("main", "With --run: save a picture of every view into <dir>."),
        QApplication::translate("main", "dir"));
    const QCommandLineOption quit(
        QStringLiteral("quit"),
        QApplication::translate("main", "With --run: quit when done (exit 1 if anything failed)."));
    const QCommandLineOption steps(QStringLiteral("steps"),
                                   QApplication::translate("main", "With --run: probe steps."),
                                   QApplication::translate("main", "n"));
    const QCommandLineOption interval(QStringLiteral("interval"),
                                      QApplication::translate("main", "With --run: grid interval."),
                                      QApplication::translate("main", "i"));
    const QCommandLineOption trainSteps(
        QStringLiteral("train-steps"),
        QApplication::translate("main", "With --run: customization training steps."),
        QApplication::translate("main", "n"));
    const QCommandLineOption sampleSteps(
        QStringLiteral("sample-steps"),
        QApplication::translate("main", "With --run: customization sampling steps."),
        QApplication::translate("main", "n"));
    parser.addOptions({demo, run, screenshots, quit, steps, interval, trainSteps, sampleSteps});
    parser.process(app);

    mp::app::EngineController engine;
    mp::app::MainWindow window(&engine, &settings);
    window.show();
    if (const QStringList args = parser.positionalArguments(); !args.isEmpty()) {
        window.openModelFolder(args.first());
    } else {
        // The embedded default: the toy world's model, which works offline on any machine.
        QString why;
        if (const QString toy = mp::app::Settings::embeddedModelDir(&why); !toy.isEmpty())
            window.openModelFolder(toy);
        else
            qWarning("%s", qPrintable(why));
    }
    std::unique_ptr<mp::app::ScriptedRun> scripted;
    if (parser.isSet(demo) || parser.isSet(run)) {
        mp::app::ScriptedRun::Options o;
        o.example = parser.value(demo).toInt();
        o.runs = parser.value(run).split(u',', Qt::SkipEmptyParts);
        o.screenshots = parser.value(screenshots);
        o.steps = parser.value(steps).toInt();
        o.interval = parser.value(interval).toInt();
        o.trainSteps = parser.value(trainSteps).toInt();
        o.sampleSteps = parser.value(sampleSteps).toInt();
        scripted = std::make_unique<mp::app::ScriptedRun>(&window, &engine, o);
        if (parser.isSet(quit))
            QObject::connect(scripted.get(), &mp::app::ScriptedRun::done, &app,
                             [](int code) { QApplication::exit(code); });
        // After the model folder's inspection has been queued (the engine runs jobs in order).
        QTimer::singleShot(0, scripted.get(), &mp::app::ScriptedRun::start);
    }
    if (parser.isSet(screenshot)) {
        // Give a model folder given on the command line time to load; then picture and quit.
        const QString file = parser.value(screenshot);
        QTimer::singleShot(1500, &window, [&window, file] {
            const bool saved = window.grab().save(file);
            QApplication::exit(saved ? 0 : 1);
        });
    }
    return QApplication::exec();
}

// motionprobe: the MotionProbe workbench.

#include "engine_controller.h"
#include "main_window.h"
#include "settings.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QIcon>
#include <QImageReader>
#include <QLibraryInfo>
#include <QLocale>
#include <QTimer>
#include <QTranslator>

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

    // Qt's own strings (dialogs, About Qt) and ours, both for the user's locale when available.
    QTranslator qtTranslator;
    if (qtTranslator.load(QLocale(), QStringLiteral("qtbase"), QStringLiteral("_"),
                          QLibraryInfo::path(QLibraryInfo::TranslationsPath)))
        QApplication::installTranslator(&qtTranslator);
    QTranslator appTranslator;
    if (appTranslator.load(QLocale(), QStringLiteral("motionprobe"), QStringLiteral("_"),
                           QStringLiteral(":/i18n")))
        QApplication::installTranslator(&appTranslator);

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
    parser.process(app);

    mp::app::Settings settings;
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

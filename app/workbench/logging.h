#pragma once
// Logging categories of the workbench. Engine messages (mp::log) arrive in lcEngine; the console
// shows warnings and above, the log dock everything (QT_LOGGING_RULES widens the console).

#include <QLoggingCategory>

namespace mp::app {

Q_DECLARE_LOGGING_CATEGORY(lcEngine)

}  // namespace mp::app

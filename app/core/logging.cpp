#include "logging.h"

namespace mp::app {

Q_LOGGING_CATEGORY(lcEngine, "motionprobe.engine", QtWarningMsg)
Q_LOGGING_CATEGORY(lcApp, "motionprobe.app", QtWarningMsg)

}  // namespace mp::app

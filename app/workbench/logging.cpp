#include "logging.h"

namespace mp::app {

Q_LOGGING_CATEGORY(lcEngine, "motionprobe.engine", QtWarningMsg)

}  // namespace mp::app

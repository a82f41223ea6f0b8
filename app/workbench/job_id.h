#pragma once
// Jobs submitted to the engine thread are named by a number unique within one EngineController.

#include <QtGlobal>

namespace mp::app {

using JobId = quint64;

}  // namespace mp::app

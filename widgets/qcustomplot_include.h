#pragma once
// Include qcustomplot.h through this header only. QCustomPlot 2.1 uses the Qt keywords (signals,
// slots, emit, foreach) that QT_NO_KEYWORDS turns off for our code, so map them for the include.

#include <QtGlobal>

#define signals Q_SIGNALS
#define slots Q_SLOTS
#define emit Q_EMIT
#define foreach Q_FOREACH
#include <qcustomplot.h>
#undef signals
#undef slots
#undef emit
#undef foreach

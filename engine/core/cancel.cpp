#include "core/cancel.h"

#include "core/error.h"

namespace mp {

void CancelToken::throwIfCancelled() const {
    if (isCancelled())
        throw EngineError(ErrorCode::Cancelled, "cancelled");
}

}  // namespace mp

#include "color_maps.h"

namespace mp::widgets {

QCPColorGradient viridisGradient() {
    // Nine evenly spaced samples of matplotlib's viridis; linear RGB interpolation between them
    // stays within a few percent of the original map.
    static constexpr QRgb kStops[] = {0x440154, 0x472D7B, 0x3B528B, 0x2C728E, 0x21918C,
                                      0x28AE80, 0x5EC962, 0xADDC30, 0xFDE725};
    constexpr int n = int(std::size(kStops));
    QCPColorGradient gradient;
    gradient.clearColorStops();
    for (int i = 0; i < n; ++i)
        gradient.setColorStopAt(double(i) / (n - 1), QColor::fromRgb(kStops[i]));
    gradient.setColorInterpolation(QCPColorGradient::ciRGB);
    gradient.setNanHandling(QCPColorGradient::nhTransparent);
    gradient.setLevelCount(256);
    return gradient;
}

}  // namespace mp::widgets

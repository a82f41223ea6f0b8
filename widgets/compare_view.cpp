#include "compare_view.h"

#include <QCheckBox>
#include <QComboBox>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QKeyEvent>
#include <QLabel>
#include <QScrollArea>
#include <QSlider>
#include <QToolButton>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace mp::widgets {

CompareView::CompareView(QWidget* parent) : QWidget(parent) {
    m_empty = new QLabel(tr("Click a heatmap cell to compare that resample with the original, "
                            "the reconstruction and the full edit."),
                         this);
    m_empty->setObjectName(QStringLiteral("compareEmpty"));
    m_empty->setAlignment(Qt::AlignCenter);
    m_empty->setWordWrap(true);
    m_empty->setForegroundRole(QPalette::PlaceholderText);

    auto* scroll = new QScrollArea(this);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    m_grid = new QWidget(scroll);
    m_gridLayout = new QGridLayout(m_grid);
    m_gridLayout->setAlignment(Qt::AlignCenter);
    scroll->setWidget(m_grid);

    m_playButton = new QToolButton(this);
    m_playButton->setObjectName(QStringLiteral("comparePlay"));
    m_playButton->setText(tr("Play"));
    m_playButton->setToolTip(tr("Play or pause every clip together (Space)"));
    m_back = new QToolButton(this);
    m_back->setText(tr("◀"));
    m_back->setToolTip(tr("One frame back (Left)"));
    m_forward = new QToolButton(this);
    m_forward->setText(tr("▶"));
    m_forward->setToolTip(tr("One frame forward (Right)"));
    m_loop = new QCheckBox(tr("Loop"), this);
    m_loop->setChecked(true);
    m_scrubber = new QSlider(Qt::Horizontal, this);
    m_scrubber->setObjectName(QStringLiteral("compareScrubber"));
    m_position = new QLabel(this);
    m_zoomBox = new QComboBox(this);
    m_zoomBox->setObjectName(QStringLiteral("compareZoom"));
    m_zoomBox->addItem(tr("Fit"), 0.0);
    for (double z : {1.0, 2.0, 4.0})
        m_zoomBox->addItem(tr("%1×").arg(z), z);
    m_zoomBox->setToolTip(tr("Cell size: fitted to the view, or the frames' pixels ×1, ×2, ×4"));

    m_export = new QToolButton(this);
    m_export->setObjectName(QStringLiteral("compareExport"));
    m_export->setText(tr("Export video…"));
    m_export->setToolTip(tr("Write these clips side by side, labelled, as one video"));
    connect(m_export, &QToolButton::clicked, this, &CompareView::exportRequested);

    connect(m_playButton, &QToolButton::clicked, this, [this] { isPlaying() ? pause() : play(); });
    connect(m_back, &QToolButton::clicked, this, &CompareView::stepBack);
    connect(m_forward, &QToolButton::clicked, this, &CompareView::stepForward);
    connect(m_scrubber, &QSlider::valueChanged, this, &CompareView::setCurrentFrame);
    connect(m_zoomBox, &QComboBox::activated, this,
            [this](int i) { setZoom(m_zoomBox->itemData(i).toDouble()); });
    connect(&m_timer, &QTimer::timeout, this, &CompareView::advance);

    auto* controls = new QHBoxLayout;
    controls->addWidget(m_playButton);
    controls->addWidget(m_back);
    controls->addWidget(m_forward);
    controls->addWidget(m_scrubber, 1);
    controls->addWidget(m_position);
    controls->addWidget(m_loop);
    controls->addWidget(m_zoomBox);
    controls->addWidget(m_export);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_empty);
    layout->addWidget(scroll, 1);
    layout->addLayout(controls);
    setFocusPolicy(Qt::StrongFocus);  // Space, Left and Right while the view has focus
    clear();
}

void CompareView::keyPressEvent(QKeyEvent* event) {
    switch (event->key()) {
        case Qt::Key_Space:
            isPlaying() ? pause() : play();
            return;
        case Qt::Key_Left:
            pause();
            stepBack();
            return;
        case Qt::Key_Right:
            pause();
            stepForward();
            return;
        default:
            QWidget::keyPressEvent(event);
    }
}

void CompareView::setEmptyText(const QString& text) {
    m_empty->setText(text);
}

void CompareView::clear() {
    setClips({}, 0);
}

void CompareView::setClips(const QVector<Clip>& clips, double fps) {
    pause();
    m_clips = clips;
    qDeleteAll(m_images);
    qDeleteAll(m_labels);
    m_images.clear();
    m_labels.clear();
    // Up to four cells a row.
    const int perRow = std::min<int>(4, std::max<int>(1, int(clips.size())));
    for (int i = 0; i < clips.size(); ++i) {
        auto* label = new QLabel(clips[i].label, m_grid);
        label->setAlignment(Qt::AlignCenter);
        auto* image = new QLabel(m_grid);
        image->setObjectName(QStringLiteral("compareCell%1").arg(i));
        image->setAlignment(Qt::AlignCenter);
        m_gridLayout->addWidget(label, 2 * (i / perRow), i % perRow);
        m_gridLayout->addWidget(image, 2 * (i / perRow) + 1, i % perRow);
        m_labels << label;
        m_images << image;
    }
    m_fps = fps > 0 ? fps : 8.0;
    m_timer.setInterval(int(std::lround(1000.0 / m_fps)));
    const bool any = frameCount() > 0;
    m_empty->setVisible(!any);
    for (QWidget* w : {static_cast<QWidget*>(m_playButton), static_cast<QWidget*>(m_back),
                       static_cast<QWidget*>(m_forward), static_cast<QWidget*>(m_scrubber),
                       static_cast<QWidget*>(m_zoomBox), static_cast<QWidget*>(m_export)})
        w->setEnabled(any);
    m_scrubber->blockSignals(true);
    m_scrubber->setRange(0, std::max(0, frameCount() - 1));
    m_scrubber->setValue(0);
    m_scrubber->blockSignals(false);
    m_frame = 0;
    showFrame();
}

QString CompareView::clipLabel(int index) const {
    return index >= 0 && index < m_clips.size() ? m_clips[index].label : QString();
}

int CompareView::frameCount() const {
    int n = 0;
    for (const Clip& c : m_clips)
        n = std::max(n, int(c.frames.size()));
    return n;
}

void CompareView::setCurrentFrame(int frame) {
    frame = std::clamp(frame, 0, std::max(0, frameCount() - 1));
    if (frame == m_frame && !m_images.isEmpty() && !m_images.first()->pixmap().isNull())
        return;
    m_frame = frame;
    showFrame();
}

void CompareView::stepForward() {
    const int n = frameCount();
    if (n == 0)
        return;
    setCurrentFrame(m_frame + 1 < n ? m_frame + 1 : (isLooping() ? 0 : m_frame));
}

void CompareView::stepBack() {
    const int n = frameCount();
    if (n == 0)
        return;
    setCurrentFrame(m_frame > 0 ? m_frame - 1 : (isLooping() ? n - 1 : 0));
}

void CompareView::play() {
    if (frameCount() < 2)
        return;
    if (!isLooping() && m_frame == frameCount() - 1)
        setCurrentFrame(0);  // play again from the start
    m_timer.start();
    m_playButton->setText(tr("Pause"));
}

void CompareView::pause() {
    m_timer.stop();
    m_playButton->setText(tr("Play"));
}

void CompareView::advance() {
    if (!isLooping() && m_frame + 1 >= frameCount()) {
        pause();
        return;
    }
    stepForward();
}

void CompareView::setLooping(bool loop) {
    m_loop->setChecked(loop);
}

bool CompareView::isLooping() const {
    return m_loop->isChecked();
}

void CompareView::setZoom(double zoom) {
    m_zoom = std::max(0.0, zoom);
    const int i = m_zoomBox->findData(m_zoom);
    if (i >= 0)
        m_zoomBox->setCurrentIndex(i);
    showFrame();
}

QSize CompareView::cellSize() const {
    QSize frame;
    for (const Clip& c : m_clips)
        if (!c.frames.isEmpty())
            frame = frame.expandedTo(c.frames.first().size());
    if (frame.isEmpty())
        return {};
    if (m_zoom > 0)
        return frame * m_zoom;
    // Fit: the cells of one row share the view's width, and the height left by the controls.
    const int perRow = std::min<int>(4, std::max<int>(1, int(m_clips.size())));
    const int rows = (int(m_clips.size()) + perRow - 1) / perRow;
    const int w = std::max(64, (m_grid->parentWidget()->width() - 16 * perRow) / perRow);
    const int h = std::max(64, (m_grid->parentWidget()->height() - 40 * rows) / std::max(1, rows));
    return frame.scaled(w, h, Qt::KeepAspectRatio);
}

QImage CompareView::shownImage(int index) const {
    if (index < 0 || index >= m_images.size())
        return {};
    return m_images[index]->pixmap().toImage();
}

void CompareView::showFrame() {
    const QSize size = cellSize();
    for (int i = 0; i < m_clips.size(); ++i) {
        const auto& frames = m_clips[i].frames;
        if (frames.isEmpty()) {
            m_images[i]->clear();
            continue;
        }
        const QImage& f = frames[std::min<int>(m_frame, int(frames.size()) - 1)];
        // Nearest-neighbour: the resamples are small, and their pixels are what is compared.
        m_images[i]->setPixmap(
            QPixmap::fromImage(f.scaled(size, Qt::KeepAspectRatio, Qt::FastTransformation)));
    }
    m_scrubber->blockSignals(true);
    m_scrubber->setValue(m_frame);
    m_scrubber->blockSignals(false);
    m_position->setText(frameCount() > 0 ? tr("%1 / %2").arg(m_frame + 1).arg(frameCount())
                                         : QString());
    Q_EMIT frameChanged(m_frame);
}

void CompareView::resizeEvent(QResizeEvent* event) {
    QWidget::resizeEvent(event);
    if (m_zoom == 0 && !m_clips.isEmpty())
        showFrame();
}

}  // namespace mp::widgets

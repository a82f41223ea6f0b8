#pragma once
// Clips side by side on one timeline: a labelled cell per clip, one frame index for all (a
// shorter clip holds its last frame), play/pause, loop, frame steps, a scrubber and zoom. The
// clips are plain images (the workbench converts the engine's frames), so this stays torch-free.

#include <QImage>
#include <QString>
#include <QTimer>
#include <QVector>
#include <QWidget>

class QCheckBox;
class QComboBox;
class QGridLayout;
class QLabel;
class QSlider;
class QToolButton;

namespace mp::widgets {

class CompareView : public QWidget {
    Q_OBJECT
public:
    struct Clip {
        QString label;
        QVector<QImage> frames;
    };

    explicit CompareView(QWidget* parent = nullptr);

    // Replaces the clips; frame 0, paused. `fps` paces playback (≤ 0: 8).
    void setClips(const QVector<Clip>& clips, double fps);
    void clear();
    // What the view says while it has no clips.
    void setEmptyText(const QString& text);
    int clipCount() const { return int(m_clips.size()); }
    QString clipLabel(int index) const;
    const QVector<Clip>& clips() const { return m_clips; }
    double fps() const { return m_fps; }

    int frameCount() const;  // the longest clip's
    int currentFrame() const { return m_frame; }
    void setCurrentFrame(int frame);  // clamped
    void stepForward();               // wraps when looping
    void stepBack();
    bool isPlaying() const { return m_timer.isActive(); }
    void play();
    void pause();
    void setLooping(bool loop);
    bool isLooping() const;
    void setZoom(double zoom);  // 0: fit the cells to the view
    double zoom() const { return m_zoom; }
    // The image cell `index` shows now (its frame at the current index, scaled as drawn).
    QImage shownImage(int index) const;

Q_SIGNALS:
    void frameChanged(int frame);
    // The "Export video…" button: the owner asks for a file and writes clips() there.
    void exportRequested();

private:
    void advance();
    void showFrame();
    QSize cellSize() const;
    void resizeEvent(QResizeEvent* event) override;
    void keyPressEvent(QKeyEvent* event) override;

    QVector<Clip> m_clips;
    QVector<QLabel*> m_images;
    QVector<QLabel*> m_labels;
    QWidget* m_grid = nullptr;
    QGridLayout* m_gridLayout = nullptr;
    QLabel* m_empty = nullptr;
    QToolButton* m_playButton = nullptr;
    QToolButton* m_back = nullptr;
    QToolButton* m_forward = nullptr;
    QToolButton* m_export = nullptr;
    QCheckBox* m_loop = nullptr;
    QSlider* m_scrubber = nullptr;
    QComboBox* m_zoomBox = nullptr;
    QLabel* m_position = nullptr;
    QTimer m_timer;
    int m_frame = 0;
    double m_zoom = 0;
    double m_fps = 8;
};

}  // namespace mp::widgets

#pragma once
// A region of the workbench whose feature is not built yet: a title and a short explanation of
// what will appear there, so the layout is the product's from the start.

#include <QWidget>

class QLabel;

namespace mp::widgets {

class PlaceholderView : public QWidget {
    Q_OBJECT
public:
    explicit PlaceholderView(QWidget* parent = nullptr);
    PlaceholderView(const QString& title, const QString& explanation, QWidget* parent = nullptr);

    QString title() const;
    void setTitle(const QString& title);
    QString explanation() const;
    void setExplanation(const QString& explanation);

private:
    QLabel* m_title = nullptr;
    QLabel* m_explanation = nullptr;
};

}  // namespace mp::widgets

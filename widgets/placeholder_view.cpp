#include "placeholder_view.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QVBoxLayout>

namespace mp::widgets {

PlaceholderView::PlaceholderView(QWidget* parent) : QWidget(parent) {
    m_title = new QLabel(this);
    m_title->setObjectName(QStringLiteral("placeholderTitle"));
    m_title->setAlignment(Qt::AlignCenter);
    QFont titleFont = m_title->font();
    titleFont.setPointSizeF(titleFont.pointSizeF() * 1.4);
    titleFont.setBold(true);
    m_title->setFont(titleFont);

    m_explanation = new QLabel(this);
    m_explanation->setObjectName(QStringLiteral("placeholderExplanation"));
    m_explanation->setAlignment(Qt::AlignCenter);
    m_explanation->setWordWrap(true);
    m_explanation->setTextFormat(Qt::PlainText);
    m_explanation->setForegroundRole(QPalette::PlaceholderText);

    // The text column is at most 560 px wide and centred. Centring through stretches rather than
    // an alignment flag keeps heightForWidth working, so wrapped text is never cut off.
    auto* column = new QWidget(this);
    column->setMaximumWidth(560);
    column->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Preferred);
    auto* text = new QVBoxLayout(column);
    text->setContentsMargins(0, 0, 0, 0);
    text->addWidget(m_title);
    text->addSpacing(8);
    text->addWidget(m_explanation);

    auto* row = new QHBoxLayout;
    row->addStretch(1);
    row->addWidget(column, 10);
    row->addStretch(1);

    auto* layout = new QVBoxLayout(this);
    layout->addStretch(1);
    layout->addLayout(row);
    layout->addStretch(1);
}

PlaceholderView::PlaceholderView(const QString& title, const QString& explanation, QWidget* parent)
    : PlaceholderView(parent) {
    setTitle(title);
    setExplanation(explanation);
}

QString PlaceholderView::title() const {
    return m_title->text();
}

void PlaceholderView::setTitle(const QString& title) {
    m_title->setText(title);
}

QString PlaceholderView::explanation() const {
    return m_explanation->text();
}

void PlaceholderView::setExplanation(const QString& explanation) {
    m_explanation->setText(explanation);
}

}  // namespace mp::widgets

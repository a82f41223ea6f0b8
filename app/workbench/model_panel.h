#pragma once
// The model section of the inputs dock: which folder is open, its family and size, one row per
// component (class, parameters, dtypes) and every problem the inspection found.

#include "model_summary.h"

#include <QWidget>

class QLabel;
class QLineEdit;
class QListWidget;
class QPushButton;
class QTreeWidget;

namespace mp::app {

class ModelPanel : public QWidget {
    Q_OBJECT
public:
    enum Column { NameColumn, ClassColumn, ParametersColumn, DTypesColumn, ColumnCount };

    explicit ModelPanel(QWidget* parent = nullptr);

    void showInspecting(const QString& dir);
    void showModel(const ModelSummary& summary);
    void showFailure(const QString& dir, const QString& message);

Q_SIGNALS:
    void openRequested();

private:
    void setProblems(const QStringList& errors, const QStringList& warnings);

    QLineEdit* m_path = nullptr;
    QPushButton* m_open = nullptr;
    QLabel* m_summary = nullptr;
    QLabel* m_schedule = nullptr;
    QTreeWidget* m_components = nullptr;
    QLabel* m_problemsTitle = nullptr;
    QListWidget* m_problems = nullptr;
};

}  // namespace mp::app

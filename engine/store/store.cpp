#include "store/store.h"

#include <sqlite3.h>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <cstring>

namespace mp::store {

namespace fs = std::filesystem;

namespace {

constexpr const char* kSchema = R"sql(
PRAGMA journal_mode = WAL;
CREATE TABLE IF NOT EXISTS probes (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    params TEXT NOT NULL,
    status TEXT NOT NULL,
    created TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    updated TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
CREATE TABLE IF NOT EXISTS probe_runs (
    probe INTEGER NOT NULL REFERENCES probes(id),
    name TEXT NOT NULL,
    tau_start INTEGER,
    tau_end INTEGER,
    metrics TEXT NOT NULL,
    PRIMARY KEY (probe, name)
);
CREATE TABLE IF NOT EXISTS probe_blobs (
    probe INTEGER NOT NULL REFERENCES probes(id),
    name TEXT NOT NULL,
    dtype TEXT NOT NULL,
    shape TEXT NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (probe, name)
);
CREATE TABLE IF NOT EXISTS customize_benchmarks (
    id INTEGER PRIMARY KEY,
    settings TEXT NOT NULL UNIQUE,
    created TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    updated TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
CREATE TABLE IF NOT EXISTS customize_videos (
    benchmark INTEGER NOT NULL REFERENCES customize_benchmarks(id),
    video TEXT NOT NULL,
    results TEXT NOT NULL,
    PRIMARY KEY (benchmark, video)
);
CREATE TABLE IF NOT EXISTS probe_datasets (
    id INTEGER PRIMARY KEY,
    settings TEXT NOT NULL UNIQUE,
    created TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    updated TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
CREATE TABLE IF NOT EXISTS probe_dataset_videos (
    benchmark INTEGER NOT NULL REFERENCES probe_datasets(id),
    video TEXT NOT NULL,
    results TEXT NOT NULL,
    PRIMARY KEY (benchmark, video)
);
)sql";

// A prepared statement, finalised on scope exit.
class Statement {
public:
    Statement(sqlite3* db, const char* sql) : m_db(db) {
        if (sqlite3_prepare_v2(db, sql, -1, &m_stmt, nullptr) != SQLITE_OK)
            m_stmt = nullptr;
    }
    ~Statement() { sqlite3_finalize(m_stmt); }
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;
    bool ok() const { return m_stmt != nullptr; }
    sqlite3_stmt* get() const { return m_stmt; }
    void bind(int i, const std::string& s) {
        sqlite3_bind_text(m_stmt, i, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
    }
    void bind(int i, std::int64_t v) { sqlite3_bind_int64(m_stmt, i, v); }
    void bindNull(int i) { sqlite3_bind_null(m_stmt, i); }
    void bindBlob(int i, const std::vector<std::byte>& d) {
        sqlite3_bind_blob64(m_stmt, i, d.data(), d.size(), SQLITE_TRANSIENT);
    }
    int step() { return sqlite3_step(m_stmt); }
    std::string text(int col) const {
        const auto* p = sqlite3_column_text(m_stmt, col);
        return p ? reinterpret_cast<const char*>(p) : "";
    }
    std::int64_t integer(int col) const { return sqlite3_column_int64(m_stmt, col); }
    bool isNull(int col) const { return sqlite3_column_type(m_stmt, col) == SQLITE_NULL; }

private:
    sqlite3* m_db;
    sqlite3_stmt* m_stmt = nullptr;
};

}  // namespace

fs::path ExperimentStore::defaultPath() {
    if (const char* p = std::getenv("MOTIONPROBE_STORE"); p && *p)
        return p;
    if (const char* x = std::getenv("XDG_DATA_HOME"); x && *x)
        return fs::path(x) / "motionprobe" / "experiments.sqlite";
    const char* home = std::getenv("HOME");
    return fs::path(home && *home ? home : ".") / ".local" / "share" / "motionprobe" /
           "experiments.sqlite";
}

ExperimentStore::ExperimentStore(fs::path path) : m_path(std::move(path)) {}

ExperimentStore::ExperimentStore(ExperimentStore&& o) noexcept
    : m_path(std::move(o.m_path)), m_db(o.m_db) {
    o.m_db = nullptr;
}

ExperimentStore& ExperimentStore::operator=(ExperimentStore&& o) noexcept {
    if (this != &o) {
        sqlite3_close(m_db);
        m_path = std::move(o.m_path);
        m_db = o.m_db;
        o.m_db = nullptr;
    }
    return *this;
}

ExperimentStore::~ExperimentStore() {
    sqlite3_close(m_db);
}

void ExperimentStore::fail(const std::string& what) const {
    throw EngineError(ErrorCode::Io, m_path.string() + ": " + what + " (" +
                                         (m_db ? sqlite3_errmsg(m_db) : "no database") + ")");
}

void ExperimentStore::exec(const char* sql) const {
    char* message = nullptr;
    if (sqlite3_exec(m_db, sql, nullptr, nullptr, &message) != SQLITE_OK) {
        const std::string m = message ? message : "unknown error";
        sqlite3_free(message);
        throw EngineError(ErrorCode::Format,
                          m_path.string() + ": not a usable experiment store (" + m + ")");
    }
}

ExperimentStore ExperimentStore::open(const fs::path& path) {
    ExperimentStore s(path);
    std::error_code ec;
    if (path.has_parent_path())
        fs::create_directories(path.parent_path(), ec);
    if (sqlite3_open_v2(path.c_str(), &s.m_db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                        nullptr) != SQLITE_OK)
        s.fail("cannot open the experiment store");
    sqlite3_busy_timeout(s.m_db, 5000);  // another process writing: wait rather than fail
    s.exec(kSchema);
    return s;
}

ProbeRow ExperimentStore::probe(const std::string& key, const std::string& params) {
    {
        Statement insert(m_db,
                         "INSERT OR IGNORE INTO probes (key, params, status) VALUES (?, ?, "
                         "'running')");
        if (!insert.ok())
            fail("cannot prepare the probe insert");
        insert.bind(1, key);
        insert.bind(2, params);
        if (insert.step() != SQLITE_DONE)
            fail("cannot record the probe");
    }
    Statement q(m_db, "SELECT id, key, params, status, created, updated FROM probes WHERE key = ?");
    q.bind(1, key);
    if (q.step() != SQLITE_ROW)
        fail("the probe just recorded is missing");
    return {q.integer(0), q.text(1), q.text(2), q.text(3), q.text(4), q.text(5)};
}

void ExperimentStore::setStatus(std::int64_t probe, const std::string& status) {
    Statement s(m_db,
                "UPDATE probes SET status = ?, updated = strftime('%Y-%m-%dT%H:%M:%SZ', 'now') "
                "WHERE id = ?");
    s.bind(1, status);
    s.bind(2, probe);
    if (s.step() != SQLITE_DONE)
        fail("cannot update the probe's status");
}

std::vector<ProbeRow> ExperimentStore::probes() const {
    Statement q(m_db, "SELECT id, key, params, status, created, updated FROM probes ORDER BY id");
    std::vector<ProbeRow> out;
    while (q.step() == SQLITE_ROW)
        out.push_back({q.integer(0), q.text(1), q.text(2), q.text(3), q.text(4), q.text(5)});
    return out;
}

bool ExperimentStore::removeProbe(std::int64_t probe) {
    exec("BEGIN IMMEDIATE");
    try {
        for (const char* sql :
             {"DELETE FROM probe_blobs WHERE probe = ?", "DELETE FROM probe_runs WHERE probe = ?",
              "DELETE FROM probes WHERE id = ?"}) {
            Statement s(m_db, sql);
            s.bind(1, probe);
            if (s.step() != SQLITE_DONE)
                fail("cannot delete probe " + std::to_string(probe));
        }
        const bool existed = sqlite3_changes(m_db) > 0;  // of the last statement: the probe row
        exec("COMMIT");
        return existed;
    } catch (...) {
        sqlite3_exec(m_db, "ROLLBACK", nullptr, nullptr, nullptr);
        throw;
    }
}

namespace {

// The tables of a kind of dataset benchmark, and what its rows are called in errors.
struct BenchmarkTables {
    std::string benchmarks, videos, what;
};

BenchmarkTables tablesOf(BenchmarkKind kind) {
    if (kind == BenchmarkKind::Probe)
        return {"probe_datasets", "probe_dataset_videos", "dataset probe"};
    return {"customize_benchmarks", "customize_videos", "customization benchmark"};
}

}  // namespace

BenchmarkRow ExperimentStore::benchmark(BenchmarkKind kind, const std::string& settings) {
    const auto t = tablesOf(kind);
    {
        const auto sql = "INSERT OR IGNORE INTO " + t.benchmarks + " (settings) VALUES (?)";
        Statement insert(m_db, sql.c_str());
        insert.bind(1, settings);
        if (insert.step() != SQLITE_DONE)
            fail("cannot record the " + t.what);
    }
    const auto sql =
        "SELECT id, settings, created, updated FROM " + t.benchmarks + " WHERE settings = ?";
    Statement q(m_db, sql.c_str());
    q.bind(1, settings);
    if (q.step() != SQLITE_ROW)
        fail("the " + t.what + " just recorded is missing");
    return {q.integer(0), q.text(1), q.text(2), q.text(3)};
}

std::vector<BenchmarkRow> ExperimentStore::benchmarks(BenchmarkKind kind) const {
    const auto sql =
        "SELECT id, settings, created, updated FROM " + tablesOf(kind).benchmarks + " ORDER BY id";
    Statement q(m_db, sql.c_str());
    std::vector<BenchmarkRow> out;
    while (q.step() == SQLITE_ROW)
        out.push_back({q.integer(0), q.text(1), q.text(2), q.text(3)});
    return out;
}

void ExperimentStore::putBenchmarkVideo(BenchmarkKind kind,
                                        std::int64_t benchmark,
                                        const std::string& video,
                                        const std::string& results) {
    const auto t = tablesOf(kind);
    // An upsert keeps the row's place, so the videos stay in the order first finished.
    const auto sql = "INSERT INTO " + t.videos +
                     " (benchmark, video, results) VALUES (?, ?, ?) "
                     "ON CONFLICT (benchmark, video) DO UPDATE SET results = excluded.results";
    Statement s(m_db, sql.c_str());
    s.bind(1, benchmark);
    s.bind(2, video);
    s.bind(3, results);
    if (s.step() != SQLITE_DONE)
        fail("cannot record the " + t.what + " results of " + video);
    const auto touchSql = "UPDATE " + t.benchmarks +
                          " SET updated = strftime('%Y-%m-%dT%H:%M:%SZ', 'now') WHERE id = ?";
    Statement touch(m_db, touchSql.c_str());
    touch.bind(1, benchmark);
    if (touch.step() != SQLITE_DONE)
        fail("cannot update the " + t.what);
}

std::vector<std::pair<std::string, std::string>> ExperimentStore::benchmarkVideos(
    BenchmarkKind kind,
    std::int64_t benchmark) const {
    const auto sql = "SELECT video, results FROM " + tablesOf(kind).videos +
                     " WHERE benchmark = ? ORDER BY rowid";
    Statement q(m_db, sql.c_str());
    q.bind(1, benchmark);
    std::vector<std::pair<std::string, std::string>> out;
    while (q.step() == SQLITE_ROW)
        out.emplace_back(q.text(0), q.text(1));
    return out;
}

void ExperimentStore::putRun(std::int64_t probe, const RunRow& run) {
    Statement s(m_db,
                "INSERT OR REPLACE INTO probe_runs (probe, name, tau_start, tau_end, metrics) "
                "VALUES (?, ?, ?, ?, ?)");
    s.bind(1, probe);
    s.bind(2, run.name);
    run.tauStart ? s.bind(3, std::int64_t{*run.tauStart}) : s.bindNull(3);
    run.tauEnd ? s.bind(4, std::int64_t{*run.tauEnd}) : s.bindNull(4);
    s.bind(5, run.metrics);
    if (s.step() != SQLITE_DONE)
        fail("cannot record run " + run.name);
}

std::vector<RunRow> ExperimentStore::runs(std::int64_t probe) const {
    Statement q(m_db,
                "SELECT name, tau_start, tau_end, metrics FROM probe_runs WHERE probe = ? ORDER "
                "BY rowid");
    q.bind(1, probe);
    std::vector<RunRow> out;
    while (q.step() == SQLITE_ROW) {
        RunRow r;
        r.name = q.text(0);
        if (!q.isNull(1))
            r.tauStart = static_cast<int>(q.integer(1));
        if (!q.isNull(2))
            r.tauEnd = static_cast<int>(q.integer(2));
        r.metrics = q.text(3);
        out.push_back(std::move(r));
    }
    return out;
}

void ExperimentStore::putBlob(std::int64_t probe, const std::string& name, const Blob& blob) {
    Statement s(m_db,
                "INSERT OR REPLACE INTO probe_blobs (probe, name, dtype, shape, data) VALUES (?, "
                "?, ?, ?, ?)");
    s.bind(1, probe);
    s.bind(2, name);
    s.bind(3, blob.dtype);
    s.bind(4, nlohmann::json(blob.shape).dump());
    s.bindBlob(5, blob.data);
    if (s.step() != SQLITE_DONE)
        fail("cannot store " + name);
}

std::optional<Blob> ExperimentStore::blob(std::int64_t probe, const std::string& name) const {
    Statement q(m_db, "SELECT dtype, shape, data FROM probe_blobs WHERE probe = ? AND name = ?");
    q.bind(1, probe);
    q.bind(2, name);
    if (q.step() != SQLITE_ROW)
        return std::nullopt;
    Blob b;
    b.dtype = q.text(0);
    const auto shape = nlohmann::json::parse(q.text(1), nullptr, false);
    if (!shape.is_array())
        throw EngineError(ErrorCode::Format, m_path.string() + ": " + name + " has a bad shape");
    b.shape = shape.get<std::vector<std::int64_t>>();
    const auto* p = static_cast<const std::byte*>(sqlite3_column_blob(q.get(), 2));
    const auto n = static_cast<std::size_t>(sqlite3_column_bytes(q.get(), 2));
    b.data.assign(p, p + n);
    return b;
}

}  // namespace mp::store

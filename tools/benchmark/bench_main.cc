// aidledger_bench: what append, import, rebuild, snapshot + tail, serve and
// verify cost, each in its own fresh ledger directory, against RocksDB's
// db_bench run in the same process tree as the physical limit.
//
//   aidledger_bench --events N --dir DIR --aidledger BIN [--seed S]
//   aidledger_bench rebuild DIR     (internal: one rebuild, in a child process
//                                    so that its peak resident memory is its own)
//
// Prints one JSON line per figure and, at the end, a Markdown table.
#include <httplib.h>
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <cstring>
#include <fstream>
#include <iostream>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "app/import.h"
#include "app/period_report.h"
#include "app/evidence.h"
#include "app/output.h"
#include "app/trace.h"
#include "app/progress.h"
#include "server/server.h"
#include "server/http/limits.h"
#include "server/http/server.h"
#include "ledger/group_commit.h"
#include "ledger/ledger.h"
#include "base/large_buffers.h"
#include "base/limits.h"
#include "state/period_report.h"
#include "state/reports.h"
#include "tools/benchmark/workload.h"

namespace aidledger::bench {
namespace {

constexpr size_t kImportBatch = 10'000;
constexpr int kScanRuns = 3;  // runs of readseq and of the rebuild; the best counts

struct Figure {
  std::string name;
  double value;
  std::string unit;
  std::string limit_name;  // empty when there is no limit to compare with
  double limit_value = 0;
};

std::vector<Figure> figures;

void Emit(const Figure& figure) {
  figures.push_back(figure);
  std::string json = absl::StrFormat("{\"name\":\"%s\",\"value\":%.6g,\"unit\":\"%s\"", figure.name,
                                     figure.value, figure.unit);
  if (!figure.limit_name.empty() && figure.limit_value > 0) {
    absl::StrAppendFormat(&json, ",\"limit\":\"%s\",\"limit_value\":%.6g,\"ratio\":%.3f",
                          figure.limit_name, figure.limit_value, figure.value / figure.limit_value);
  }
  std::cout << json << "}" << std::endl;
}

double Seconds(absl::Time start) { return absl::ToDoubleSeconds(absl::Now() - start); }

double Percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  return values[std::min(values.size() - 1, static_cast<size_t>(p * values.size()))];
}

uint64_t DirectoryBytes(const std::string& dir) {
  uint64_t bytes = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (entry.is_regular_file()) bytes += entry.file_size();
  }
  return bytes;
}

void Fail(const std::string& what) {
  std::cerr << "aidledger_bench: " << what << "\n";
  std::exit(1);
}

// A new empty ledger: a RocksDB directory, or a PostgreSQL URI naming a
// ledger not yet created (`key`: its snapshot key file).
std::unique_ptr<Ledger> FreshLedger(const std::string& dir, const std::string& key = "") {
  if (!Ledger::IsPostgres(dir)) std::filesystem::remove_all(dir);
  if (absl::Status created = Ledger::Create(dir, key); !created.ok()) {
    Fail(absl::StrCat("cannot create ", Ledger::DisplayName(dir), ": ", created.message()));
  }
  absl::StatusOr<std::unique_ptr<Ledger>> ledger = Ledger::Open(dir, {.snapshot_key_path = key});
  if (!ledger.ok()) Fail(std::string(ledger.status().message()));
  return *std::move(ledger);
}

void MustImport(Ledger& ledger, const std::string& file) {
  absl::StatusOr<app::ImportReport> report =
      app::ImportFile(ledger, file, {.batch_size = kImportBatch, .actor = "bench"});
  if (!report.ok() || report->rejected > 0) {
    Fail(absl::StrCat("import failed: ", report.ok() ? report->errors.front()
                                                     : std::string(report.status().message())));
  }
}

// db_bench's ops/sec for one benchmark.
double DbBench(const std::string& args) {
  const std::string command = absl::StrCat("db_bench ", args, " 2>&1");
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) Fail("cannot run db_bench");
  char line[4096];
  double ops = 0;
  while (std::fgets(line, sizeof(line), pipe) != nullptr) {
    const std::string text(line);
    const size_t at = text.find(" ops/sec");
    if (at == std::string::npos) continue;
    size_t start = text.rfind(' ', at - 1);
    if (!absl::SimpleAtod(text.substr(start + 1, at - start - 1), &ops)) ops = 0;
  }
  pclose(pipe);
  if (ops <= 0) Fail("db_bench printed no ops/sec for: " + args);
  return ops;
}

// `aidledger serve` as a child process.
class Server {
 public:
  Server(const std::string& binary, const std::string& db, const std::string& log,
         const std::vector<std::string>& extra = {}) {
    // The port is read from the log: a log left by an earlier server would
    // name that server's port.
    std::filesystem::remove(log);
    std::vector<std::string> args = {binary, "serve", "--db", db, "--listen", "127.0.0.1:0",
                                     "--insecure-local"};
    args.insert(args.end(), extra.begin(), extra.end());
    std::vector<char*> argv;
    for (std::string& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    pid_ = fork();
    if (pid_ == 0) {
      std::freopen(log.c_str(), "w", stdout);
      std::freopen(log.c_str(), "a", stderr);
      execv(binary.c_str(), argv.data());
      _exit(127);
    }
    // Every 2 ms: how long it took to listen is a figure (serve_start).
    for (int step = 0; step < 60'000 && port_ == 0; ++step) {  // 120 s at most
      std::ifstream in(log);
      std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      const size_t at = text.find("127.0.0.1:");
      if (at != std::string::npos) port_ = std::atoi(text.c_str() + at + 10);
      if (port_ == 0) usleep(2'000);
    }
    if (port_ == 0) Fail("the server did not start; see " + log);
  }
  ~Server() {
    kill(pid_, SIGTERM);
    waitpid(pid_, nullptr, 0);
  }
  int port() const { return port_; }

 private:
  pid_t pid_ = -1;
  int port_ = 0;
};

std::string SaleJson(const std::string& id, int county) {
  return absl::StrFormat(
      "{\"event_id\":\"%s\",\"effective_date\":\"2025-12-31\",\"sale_recorded\":{\"region_code\":"
      "\"%02d%02d%02d\",\"amount_fen\":\"%d\"}}",
      id, 41 + county / 200, 1 + county / 10 % 20, 1 + county % 10, 1000 + county);
}

// The value of the unlabelled metric `name` in a /metrics body (0 if absent).
double MetricValue(const std::string& body, const std::string& name) {
  const std::string prefix = "\n" + name + " ";
  const size_t at = body.find(prefix);
  if (at == std::string::npos) return 0;
  const size_t start = at + prefix.size();
  double value = 0;
  if (!absl::SimpleAtod(body.substr(start, body.find('\n', start) - start), &value)) return 0;
  return value;
}

// The server's commit counters: (events committed, commits).
std::pair<double, double> CommitCounters(httplib::Client& client) {
  auto response = client.Get("/metrics");
  if (!response) return {0, 0};
  return {MetricValue(response->body, "aidledger_commit_events_sum"),
          MetricValue(response->body, "aidledger_commit_events_count")};
}

// This process's peak resident memory (VmHWM), in KiB. Read here rather than
// from the parent's wait4: the kernel charges a child that execs with the
// peak of the address space it was forked with (the parent's, which holds
// the imported workload), so wait4's ru_maxrss would report the parent.
long PeakResidentKiB() {
  std::ifstream status("/proc/self/status");
  std::string line;
  for (int lines = 0; lines < 100 && std::getline(status, line); ++lines) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

int RunRebuildChild(const std::string& dir, bool one_core) {
  if (one_core) {
    // Only the CPU this process runs on now: a fold allowed one CPU reads
    // and folds on one thread.
    cpu_set_t cpus;
    CPU_ZERO(&cpus);
    CPU_SET(sched_getcpu(), &cpus);
    if (sched_setaffinity(0, sizeof(cpus), &cpus) != 0) Fail("sched_setaffinity failed");
  }
  absl::StatusOr<std::unique_ptr<Ledger>> ledger =
      Ledger::Open(dir, {.read_only = true, .fold_on_open = false});
  if (!ledger.ok()) Fail(std::string(ledger.status().message()));
  const absl::Time start = absl::Now();
  absl::StatusOr<FoldedBooks> folded = (*ledger)->Fold((*ledger)->head().sequence, std::nullopt, false);
  if (!folded.ok()) Fail(std::string(folded.status().message()));
  std::cout << folded->events_read << " " << Seconds(start) << " " << PeakResidentKiB() << "\n";
  return 0;
}

// What 64 readers saw, each fetching `path` in a loop.
struct ReadLoad {
  double requests_per_second = 0;
  double mean_body_bytes = 0;
  std::vector<double> latencies_ms;
};

constexpr int kReaders = 64;

// A client for 127.0.0.1:port: HTTPS trusting `ca_file` when one is given.
std::unique_ptr<httplib::ClientImpl> NewClient(int port, const std::string& ca_file) {
  if (ca_file.empty()) return std::make_unique<httplib::ClientImpl>("127.0.0.1", port);
  auto client = std::make_unique<httplib::SSLClient>("127.0.0.1", port);
  client->set_ca_cert_path(ca_file.c_str());
  client->enable_server_certificate_verification(true);
  return client;
}

ReadLoad RunReadLoad(int port, const std::string& path, const std::string& accept_encoding,
                     double seconds, const std::string& ca_file = "", bool keep_alive = false) {
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> body_bytes{0};
  std::mutex mutex;
  ReadLoad load;
  std::vector<std::thread> readers;
  const absl::Time start = absl::Now();
  for (int r = 0; r < kReaders; ++r) {
    readers.emplace_back([&] {
      std::unique_ptr<httplib::ClientImpl> client = NewClient(port, ca_file);
      client->set_read_timeout(60, 0);
      client->set_decompress(false);
      client->set_keep_alive(keep_alive);
      const httplib::Headers headers = {{"Accept-Encoding", accept_encoding}};
      std::vector<double> mine;
      while (!stop) {
        const absl::Time one = absl::Now();
        auto response = client->Get(path, headers);
        if (response && response->status == 200) {
          mine.push_back(Seconds(one) * 1000);
          body_bytes += response->body.size();
        }
      }
      std::lock_guard<std::mutex> lock(mutex);
      load.latencies_ms.insert(load.latencies_ms.end(), mine.begin(), mine.end());
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(static_cast<int>(seconds * 1000)));
  stop = true;
  const double elapsed = Seconds(start);
  for (std::thread& thread : readers) thread.join();
  load.requests_per_second = load.latencies_ms.size() / elapsed;
  load.mean_body_bytes = body_bytes / std::max<double>(1, load.latencies_ms.size());
  return load;
}

// The limit for serve reads: a cpp-httplib server in this process that
// answers every GET with the same `body_bytes` bytes, sent as aidledger
// sends a rendered report, and does nothing else (no appends, no rendering).
ReadLoad RunBareServerLoad(size_t body_bytes, double seconds) {
  std::mt19937_64 random(1);
  auto body = std::make_shared<std::string>(body_bytes, '\0');
  for (char& c : *body) c = static_cast<char>(random());
  httplib::Server bare;
  bare.new_task_queue = [] { return new httplib::ThreadPool(2 * kReaders); };
  bare.Get("/body", [body](const httplib::Request&, httplib::Response& response) {
    response.set_content_provider(body->size(), "application/octet-stream",
                                  [body](size_t offset, size_t length, httplib::DataSink& sink) {
                                    return sink.write(body->data() + offset, length);
                                  });
  });
  // Listening with the backlog `aidledger serve` uses instead of
  // cpp-httplib's 5, so that the limit and the figure differ only in what
  // the server does per request.
  int listening_fd = -1;
  bare.set_socket_options([&listening_fd](int fd) {
    httplib::default_socket_options(fd);
    listening_fd = fd;
  });
  const int port = bare.bind_to_any_port("127.0.0.1");
  if (port <= 0 || listening_fd < 0) Fail("the bare server could not bind");
  ::listen(listening_fd, http::limits::kListenBacklog);
  std::thread listener([&] { bare.listen_after_bind(); });
  while (!bare.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  ReadLoad load = RunReadLoad(port, "/body", "identity", seconds);
  bare.stop();
  listener.join();
  return load;
}

// A second limit: aidledger's own HTTP transport (server/http/) answering
// every GET with the same bytes and doing nothing else, so that the serve
// figure splits into the transport's cost and the service's.
ReadLoad RunBareTransportLoad(size_t body_bytes, double seconds) {
  std::mt19937_64 random(1);
  auto body = std::make_shared<std::string>(body_bytes, '\0');
  for (char& c : *body) c = static_cast<char>(random());
  class Fixed : public http::Handler {
   public:
    explicit Fixed(std::shared_ptr<const std::string> body) : body_(std::move(body)) {}
    std::optional<http::Response> Admit(http::Request&) override { return std::nullopt; }
    http::Response Handle(http::Request&) override {
      http::Response response;
      response.content_type = "application/octet-stream";
      response.body = body_;
      return response;
    }

   private:
    std::shared_ptr<const std::string> body_;
  } fixed(body);
  http::Server bare;
  absl::StatusOr<int> port = bare.Listen("127.0.0.1", 0, &fixed);
  if (!port.ok()) Fail("the bare transport could not bind");
  std::thread runner([&] { bare.Run(); });
  ReadLoad load = RunReadLoad(*port, "/body", "identity", seconds);
  bare.Stop();
  runner.join();
  return load;
}

struct Options {
  uint64_t events = 1'000'000;
  std::string dir = "build/bench";
  std::string aidledger = "build/cli/aidledger";
  uint64_t seed = 20261128;
  double serve_seconds = 5;
  double group_seconds = 3;  // each client count's window of group commit
  double single_seconds = 3;  // the window of single appends
  // tools/benchmark/dashboard_load.py: the dashboard's first load in
  // headless Chromium (empty, or no /usr/bin/chromium: not measured).
  std::string dashboard_script;
  // A PostgreSQL database URI (no ledger=): run the PostgreSQL store's
  // figures instead of RocksDB's (tools/bench --store postgres).
  std::string postgres;
  // With postgres the URI of a tools/cluster cluster: the directory it runs
  // in (tools/bench --store cluster).
  std::string cluster;
  // "indicators": only the import and rebuild of the workload with and
  // without indicators and the progress report (issue 22's figures), for
  // working on them; the ledgers are left in `dir`.
  std::string only;
  // With `only` head_query or trace (they only read): a ledger the
  // workload was already imported into, read instead of importing anew,
  // so that two builds can be timed by turns on the same files.
  std::string ledger;
};

void PrintTable() {
  std::cout << "\n| figure | value | unit | limit | ratio |\n|---|---:|---|---|---:|\n";
  for (const Figure& figure : figures) {
    std::cout << absl::StrFormat("| %s | %.4g | %s | %s | %s |\n", figure.name, figure.value, figure.unit,
                                 figure.limit_name.empty() ? "" : absl::StrFormat("%s: %.4g", figure.limit_name, figure.limit_value),
                                 figure.limit_value > 0 ? absl::StrFormat("%.2f", figure.value / figure.limit_value) : "");
  }
}

struct SingleAppends {
  double rate = 0;  // appends/s
  double p50_ms = 0;
  double p99_ms = 0;
  uint64_t count = 0;
};

// Single synced appends through the library on a fresh ledger at `db`
// (holding the registry), one after another for `seconds`.
SingleAppends MeasureSingleAppends(const std::string& db, const std::string& key,
                                   const std::string& registry, double seconds) {
  std::unique_ptr<Ledger> ledger = FreshLedger(db, key);
  MustImport(*ledger, registry);
  std::vector<double> latencies;
  const absl::Time start = absl::Now();
  const absl::Time deadline = start + absl::Seconds(seconds);
  for (uint64_t i = 0; absl::Now() < deadline; ++i) {
    v1::Event draft;
    draft.set_actor("bench");
    draft.set_effective_date("2025-12-31");
    draft.mutable_sale_recorded()->set_region_code(absl::StrFormat("%02d%02d%02d", 41 + i % 15, 1 + i % 20, 1 + i % 10));
    draft.mutable_sale_recorded()->set_amount_fen(1000 + static_cast<int64_t>(i));
    const absl::Time one = absl::Now();
    if (!ledger->Append(draft).ok()) Fail("a single append failed");
    latencies.push_back(Seconds(one) * 1000);
  }
  return {latencies.size() / Seconds(start), Percentile(latencies, 0.5),
          Percentile(latencies, 0.99), latencies.size()};
}

// Issue 26: group commit in the engine, without HTTP. N threads each hand
// one sale at a time to a GroupCommitter (as the server's handlers do) and
// wait for it to be on disk, on a fresh ledger, for group_seconds; against
// db_bench fillrandom --sync=1 with as many threads, each writing as many
// values as a thread appended here, of the mean size of the records written.
std::vector<Figure> MeasureInProcessGroupCommit(const Options& options, const std::string& registry) {
  const std::string db = options.dir + "/group-inproc";
  std::unique_ptr<Ledger> ledger = FreshLedger(db);
  MustImport(*ledger, registry);
  const uint64_t first_sale = ledger->head().sequence + 1;
  std::vector<std::pair<int, double>> rates;  // threads, appends/s
  {
    GroupCommitter committer(ledger.get(), {});
    std::atomic<uint64_t> serial{0};
    for (int threads : {1, 16, 64}) {
      const absl::Time deadline = absl::Now() + absl::Seconds(options.group_seconds);
      std::atomic<uint64_t> appended{0};
      std::atomic<int> failures{0};
      std::vector<std::thread> workers;
      const absl::Time start = absl::Now();
      for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&] {
          while (absl::Now() < deadline) {
            const uint64_t i = serial++;
            v1::Event draft;
            draft.set_actor("bench");
            draft.set_effective_date("2025-12-31");
            draft.mutable_sale_recorded()->set_region_code(
                absl::StrFormat("%02d%02d%02d", 41 + i % 15, 1 + i % 20, 1 + i % 10));
            draft.mutable_sale_recorded()->set_amount_fen(1000 + static_cast<int64_t>(i % 100'000));
            auto queued = committer.Enqueue({std::move(draft)});
            absl::StatusOr<SubmitOutcome> outcome =
                queued.ok() ? queued->get() : absl::StatusOr<SubmitOutcome>(queued.status());
            if (outcome.ok() && outcome->appended == 1) {
              ++appended;
            } else {
              ++failures;
            }
          }
        });
      }
      for (std::thread& worker : workers) worker.join();
      if (failures > 0) Fail(absl::StrCat(failures.load(), " in-process group appends failed"));
      rates.emplace_back(threads, appended / Seconds(start));
    }
    committer.Stop();
  }
  // The mean size of a record written (event bytes and the record's 65).
  std::unique_ptr<EventReader> events = ledger->Read(first_sale, ledger->head().sequence);
  StoredEvent stored;
  uint64_t count = 0, bytes = 0;
  while (count < 100'000 && events->Next(&stored).value_or(false)) {
    ++count;
    bytes += stored.event_bytes.size() + 65;
  }
  const int value_bytes = static_cast<int>(bytes / std::max<uint64_t>(count, 1));
  std::vector<Figure> out;
  for (const auto& [threads, rate] : rates) {
    const int per_thread = std::max(50, static_cast<int>(rate * options.group_seconds / threads));
    const double limit = DbBench(absl::StrFormat(
        "--benchmarks=fillrandom --num=%d --value_size=%d --sync=1 --threads=%d "
        "--compression_type=none --db=%s/dbbench-fillrandom",
        per_thread, value_bytes, threads, options.dir));
    out.push_back({absl::StrCat("group_commit_inproc_", threads), rate, "appends/s",
                   absl::StrCat("db_bench fillrandom --sync=1 --threads=", threads), limit});
    out.push_back({absl::StrCat("db_bench_fillrandom_sync_", threads), limit, "ops/s"});
  }
  return out;
}

// --only group_commit: the registry of a small workload, then
// MeasureInProcessGroupCommit.
void RunGroupCommitOnly(const Options& options) {
  std::filesystem::create_directories(options.dir);
  const WorkloadStats stats = WriteWorkload(options.dir + "/workload.csv", options.events, options.seed);
  const std::string registry = options.dir + "/registry.csv";
  WriteWorkload(registry, stats.registry_events, options.seed);
  for (const Figure& figure : MeasureInProcessGroupCommit(options, registry)) Emit(figure);
  PrintTable();
}

// Concurrent HTTP appenders (1, 8, 32, 128) against `aidledger serve` on a
// fresh ledger at `db`: the figures, each rate against `limit`.
std::vector<Figure> MeasureGroupCommit(const Options& options, const std::string& db,
                                       const std::string& key, const std::string& registry,
                                       const std::string& prefix,
                                       std::pair<std::string, double> limit) {
  std::vector<Figure> out;
  { std::unique_ptr<Ledger> ledger = FreshLedger(db, key); MustImport(*ledger, registry); }
  std::vector<std::string> extra;
  if (!key.empty()) extra = {"--snapshot-key", key};
  Server server(options.aidledger, db, options.dir + "/group-serve.log", extra);
  uint64_t serial = 0;
  for (int clients : {1, 8, 32, 128}) {
    // Each client appends until the window closes: a fixed count made the
    // 32-client window a quarter of a second, where one checkpoint's stall
    // halved the figure.
    const absl::Time deadline = absl::Now() + absl::Seconds(options.group_seconds);
    std::atomic<uint64_t> appended{0};
    httplib::Client metrics("127.0.0.1", server.port());
    const auto before = CommitCounters(metrics);
    std::mutex mutex;
    std::vector<double> latencies;
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    const absl::Time start = absl::Now();
    for (int c = 0; c < clients; ++c) {
      threads.emplace_back([&, c] {
        httplib::Client client("127.0.0.1", server.port());
        client.set_read_timeout(60, 0);
        std::vector<double> mine;
        for (int i = 0; absl::Now() < deadline; ++i) {
          const absl::Time one = absl::Now();
          auto response = client.Post("/v1/events", SaleJson(absl::StrCat("g-", serial, "-", c, "-", i), (c * 7 + i) % 3000),
                                      "application/json");
          if (!response || response->status != 201) ++failures;
          mine.push_back(Seconds(one) * 1000);
        }
        appended += mine.size();
        std::lock_guard<std::mutex> lock(mutex);
        latencies.insert(latencies.end(), mine.begin(), mine.end());
      });
    }
    for (std::thread& thread : threads) thread.join();
    const double seconds = Seconds(start);
    ++serial;
    if (failures > 0) Fail(absl::StrCat(failures.load(), " HTTP appends failed"));
    const auto after = CommitCounters(metrics);
    const std::string label = absl::StrCat(prefix, clients);
    out.push_back({label, appended / seconds, "appends/s", limit.first, limit.second});
    out.push_back({label + "_p50", Percentile(latencies, 0.5), "ms"});
    out.push_back({label + "_p99", Percentile(latencies, 0.99), "ms"});
    out.push_back({label + "_events_per_commit", (after.first - before.first) / std::max(1.0, after.second - before.second), "events"});
  }
  return out;
}

// The value of `"key":NUMBER` in a flat JSON line, or -1.
double JsonNumber(const std::string& line, const std::string& key) {
  const std::string quoted = absl::StrCat("\"", key, "\":");
  const size_t at = line.find(quoted);
  return at == std::string::npos ? -1 : std::atof(line.c_str() + at + quoted.size());
}

void MeasureDashboard(const Options& options, const std::string& db) {
  if (options.dashboard_script.empty() || !std::filesystem::exists("/usr/bin/chromium")) {
    std::cerr << "dashboard: not measured (no --dashboard-script or no /usr/bin/chromium)\n";
    return;
  }
  Server server(options.aidledger, db, options.dir + "/dashboard-serve.log");
  // The trends' series: a recipient province (the workload's 410000 and
  // everything below it) over the workload's ten years by month, summed
  // from the monthly figures of the published state, against the same
  // series folded from the whole log (as_of after every event), which is
  // what a series would cost without them.
  {
    auto timed = [&](const std::string& path, int times) {
      std::vector<double> took;
      for (int i = 0; i < times; ++i) {
        httplib::Client client("127.0.0.1", server.port());
        const absl::Time start = absl::Now();
        auto response = client.Get(path);
        if (!response || response->status != 200) Fail("GET " + path + " failed");
        took.push_back(Seconds(start) * 1000);
        // A point for each month of the ten years: "period" per point.
        size_t points = 0;
        for (size_t at = response->body.find("{\"period\""); at != std::string::npos;
             at = response->body.find("{\"period\"", at + 1)) {
          ++points;
        }
        if (points < 120) Fail(absl::StrCat("GET ", path, " gave ", points, " points"));
      }
      return Percentile(took, 0.5);
    };
    const std::string series = "/v1/series?region=410000&period=month";
    const double folded = timed(series + "&as_of=2199-12-31", 3);
    Emit({"series_province_ten_years_by_month", timed(series, 21), "ms",
          "the same series folded from the log (as_of), median of 3", folded});
  }
  std::vector<double> fetches;
  for (int i = 0; i < 3; ++i) {
    httplib::Client client("127.0.0.1", server.port());
    const absl::Time start = absl::Now();
    auto response = client.Get("/v1/balances", {{"Accept-Encoding", "gzip"}});
    if (!response || response->status != 200) Fail("GET /v1/balances failed");
    fetches.push_back(Seconds(start) * 1000);
  }
  const std::string command = absl::StrCat("/usr/bin/python3 ", options.dashboard_script,
                                           " http://127.0.0.1:", server.port(), "/ 3 2>&1");
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) Fail("cannot run the dashboard script");
  std::string output;
  char buffer[4096];
  while (fgets(buffer, sizeof(buffer), pipe) != nullptr) output += buffer;
  if (pclose(pipe) != 0) Fail("the dashboard script failed: " + output);
  const double tree = JsonNumber(output, "tree_rendered_ms");
  const double verified = JsonNumber(output, "head_verified_ms");
  const double trends = JsonNumber(output, "trends_rendered_ms");
  const double bytes = JsonNumber(output, "transferred_bytes");
  const double library = JsonNumber(output, "chart_library_bytes");
  if (tree < 0 || verified < 0 || trends < 0 || bytes < 0 || library < 0) {
    Fail("the dashboard script said: " + output);
  }
  Emit({"dashboard_tree_rendered", tree, "ms", "GET /v1/balances (gzip) alone, median of 3",
        Percentile(fetches, 0.5)});
  Emit({"dashboard_head_verified", verified, "ms"});
  Emit({"dashboard_trends_rendered", trends, "ms"});
  Emit({"dashboard_first_load_without_chart_library", (bytes - library) / 1024, "KiB transferred"});
  Emit({"dashboard_chart_library", library / 1024, "KiB transferred"});
}

struct RebuildRun {
  double rate = 0;      // events/s, the best of kScanRuns
  double peak_kib = 0;  // the worst run's peak resident memory
};

// A full rebuild of the ledger at `ledger_dir`, each run in a child process
// for its own peak resident memory (optionally confined to one core).
RebuildRun BestRebuild(const std::string& dir, const std::string& ledger_dir, bool one_core) {
  RebuildRun best;
  for (int run = 0; run < kScanRuns; ++run) {
    std::fflush(nullptr);
    pid_t child = fork();
    if (child == 0) {
      std::freopen((dir + "/rebuild.out").c_str(), "w", stdout);
      execl("/proc/self/exe", "aidledger_bench", one_core ? "rebuild-one-core" : "rebuild",
            ledger_dir.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    int status = 0;
    waitpid(child, &status, 0);
    std::ifstream out(dir + "/rebuild.out");
    double events = 0, seconds = 0, run_peak_kib = 0;
    out >> events >> seconds >> run_peak_kib;
    if (events <= 0 || seconds <= 0 || run_peak_kib <= 0) Fail("the rebuild child failed");
    best.rate = std::max(best.rate, events / seconds);
    best.peak_kib = std::max(best.peak_kib, run_peak_kib);
  }
  return best;
}

double PeriodReportMs(const Ledger& reader, PeriodReportKind kind);
double AsOfRebuildMs(const Ledger& reader);

// Issue 22: the same number of events with one in ten a recorded indicator
// (and every pairing's targets) rebuilds at a rate compared with the
// workload without them; and the progress report of one year for every
// pairing, folded at the head from a snapshot there, as the CLI runs it.
void RunIndicatorSteps(const Options& options, uint64_t events, double rebuild_rate) {
  const std::string workload = options.dir + "/workload-indicators.csv";
  WriteWorkload(workload, events, options.seed, /*with_indicators=*/true);
  const std::string dir = options.dir + "/indicators";
  {
    std::unique_ptr<Ledger> ledger = FreshLedger(dir);
    MustImport(*ledger, workload);
  }
  const RebuildRun run = BestRebuild(options.dir, dir, false);
  Emit({"rebuild_with_indicators", run.rate, "events/s",
        "rebuild of the workload without indicators (above)", rebuild_rate});
  absl::StatusOr<std::unique_ptr<Ledger>> ledger = Ledger::Open(dir, {});
  if (!ledger.ok() || !(*ledger)->CreateSnapshot().ok()) Fail("cannot snapshot the indicators");
  std::vector<double> runs;
  size_t rows = 0;
  for (int i = 0; i < 5; ++i) {
    const absl::Time start = absl::Now();
    absl::StatusOr<v1::ProgressReport> report =
        app::ProgressAtPoint(**ledger, {.year = "2024"}, app::kPointParameters);
    runs.push_back(Seconds(start) * 1000);
    if (!report.ok()) Fail(std::string(report.status().message()));
    rows = static_cast<size_t>(report->rows_size());
  }
  Emit({"progress_at_snapshot", Percentile(runs, 0.5), "ms",
        absl::StrCat(rows, " rows (3,000 counties, 300 helper districts), median of 5")});
  const double report_ms = PeriodReportMs(**ledger, PeriodReportKind::kIndicators);
  Emit({"period_report_indicators_10y_monthly", report_ms, "ms",
        "one balances --as-of rebuild of the same ledger", AsOfRebuildMs(**ledger)});
}

// --only indicators: the plain workload's rebuild, then RunIndicatorSteps.
void RunIndicatorsOnly(const Options& options) {
  std::filesystem::create_directories(options.dir);
  const std::string workload = options.dir + "/workload.csv";
  const WorkloadStats stats = WriteWorkload(workload, options.events, options.seed);
  const std::string imported = options.dir + "/import";
  {
    std::unique_ptr<Ledger> ledger = FreshLedger(imported);
    MustImport(*ledger, workload);
  }
  const RebuildRun run = BestRebuild(options.dir, imported, false);
  Emit({"rebuild", run.rate, "events/s"});
  RunIndicatorSteps(options, stats.events, run.rate);
  PrintTable();
}

// The best of kScanRuns of a ten-year monthly period report of `kind`
// (issue 24) as `report KIND` makes it at the head: folded (a regions
// report from a snapshot and its tail, the others with the projection they
// sum from the first event), built in one pass, laid out and printed as a
// table.
double PeriodReportMs(const Ledger& reader, PeriodReportKind kind) {
  const uint64_t head = reader.head().sequence;
  absl::StatusOr<PeriodReportQuery> query = ParsePeriodReportQuery(
      "", "", "month", "2016-01", "2025-12", "", false, {.kind = kind});
  if (!query.ok()) Fail(std::string(query.status().message()));
  double ms = 0;
  size_t printed = 0;
  for (int run = 0; run < kScanRuns; ++run) {
    const absl::Time start = absl::Now();
    PeriodReportExtras extras;
    absl::StatusOr<FoldedBooks> folded =
        reader.Fold(head, std::nullopt, true, query->Projections(), extras.For(*query));
    if (!folded.ok()) Fail(std::string(folded.status().message()));
    absl::StatusOr<v1::RegionPeriodReport> report =
        RegionPeriodReport(extras.SourceOf(folded->books), *query);
    if (!report.ok()) Fail(std::string(report.status().message()));
    absl::StatusOr<app::ReportGrid> grid = app::RegionPeriodGrid(*report, {});
    if (!grid.ok()) Fail(std::string(grid.status().message()));
    printed = app::ReportGridTable(*grid, AmountUnit::kYuan).size();
    const double run_ms = Seconds(start) * 1000;
    ms = run == 0 ? run_ms : std::min(ms, run_ms);
  }
  if (printed == 0) Fail("the period report is empty");
  return ms;
}

// One `balances --as-of` rebuild of `reader`, which no snapshot serves (an
// effective-date cut folds the whole log): what a period report is measured
// against.
double AsOfRebuildMs(const Ledger& reader) {
  const absl::Time start = absl::Now();
  absl::StatusOr<FoldedBooks> as_of = reader.Fold(reader.head().sequence, std::string("2025-12-31"),
                                                  true, ProjectionsRead(ReportKind::kBalances, ""));
  if (!as_of.ok()) Fail(std::string(as_of.status().message()));
  if (!RegionBalancesReport(as_of->books, "").ok()) Fail("the as-of balances failed");
  return Seconds(start) * 1000;
}

// The ten-year monthly regions, helpers and projects reports, each against
// one `balances --as-of` rebuild.
void MeasurePeriodReport(const Ledger& reader) {
  const double regions_ms = PeriodReportMs(reader, PeriodReportKind::kRegions);
  const double helpers_ms = PeriodReportMs(reader, PeriodReportKind::kHelpers);
  const double projects_ms = PeriodReportMs(reader, PeriodReportKind::kProjects);
  const double as_of_ms = AsOfRebuildMs(reader);
  Emit({"period_report_10y_monthly", regions_ms, "ms", "one balances --as-of rebuild", as_of_ms});
  Emit({"period_report_helpers_10y_monthly", helpers_ms, "ms", "one balances --as-of rebuild",
        as_of_ms});
  Emit({"period_report_projects_10y_monthly", projects_ms, "ms", "one balances --as-of rebuild",
        as_of_ms});
}

// Issue 25's trace row: one helper province's allocations over the ten
// years, to every payment they paid, at the head, as `aidledger trace
// --helper` and GET /v1/trace build it (the JSON included). The issue's
// target is 200 ms.
void MeasureTrace(const Ledger& reader) {
  double ms = 0, first_ms = 0;
  size_t bytes = 0;
  // On a thread of its own, as serve's handler threads answer: glibc gives
  // each its own arena, which keeps and gives back memory unlike the main
  // thread's heap.
  std::thread handler([&] {
    for (int run = 0; run < kScanRuns; ++run) {
      const absl::Time start = absl::Now();
      absl::StatusOr<std::string> trace = app::TraceJson(reader, {}, {.helper = "310000"});
      if (!trace.ok()) Fail(std::string(trace.status().message()));
      if (trace->find("\"kind\":\"disbursement\"") == std::string::npos) Fail("the trace is empty");
      bytes = trace->size();
      const double run_ms = Seconds(start) * 1000;
      ms = run == 0 ? run_ms : std::min(ms, run_ms);
      first_ms = run == 0 ? run_ms : first_ms;
      SpareStrings::Process().Give(*std::move(trace));  // as serve does once it is sent
    }
  });
  handler.join();
  Emit({"trace_province_helper_10y", ms, "ms", "issue 25's target", 200});
  // The first run: the process's first trace, into fresh memory.
  Emit({"trace_province_helper_10y_first", first_ms, "ms"});
  Emit({"trace_province_helper_10y_json", bytes / 1e6, "MB"});
}

// Seconds a shell command takes (it must succeed).
double TimedShell(const std::string& command) {
  const absl::Time start = absl::Now();
  if (std::system(command.c_str()) != 0) Fail(absl::StrCat("failed: ", command));
  return Seconds(start);
}

// Issue 25's evidence store: a 256 MiB file (a scanned dossier, a video)
// hashed and stored as `evidence add --store` does (two reads of the file),
// and written back out as `evidence get` does, against what a clerk would do
// by hand: sha256sum the file, then cp it to a share (and cp it back). The
// file is in the page cache for all of them.
void MeasureEvidence(const Options& options) {
  constexpr size_t kFileBytes = size_t{256} << 20;
  const std::string dir = options.dir + "/evidence";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string file = dir + "/dossier.bin";
  {
    std::mt19937_64 random(options.seed);
    std::string chunk(limits::kEvidenceChunkBytes, '\0');
    std::ofstream out(file, std::ios::binary);
    for (size_t written = 0; written < kFileBytes; written += chunk.size()) {
      for (size_t i = 0; i + 8 <= chunk.size(); i += 8) {
        const uint64_t word = random();
        std::memcpy(chunk.data() + i, &word, 8);
      }
      out.write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    }
  }
  const double by_hand = TimedShell(absl::StrCat("sha256sum ", file, " >/dev/null && cp ", file, " ",
                                                 dir, "/share.bin && sync ", dir, "/share.bin"));
  const double copy_back = TimedShell(absl::StrCat("cp ", dir, "/share.bin ", dir, "/back.bin && sync ",
                                                   dir, "/back.bin"));
  std::unique_ptr<Ledger> ledger = FreshLedger(dir + "/ledger");
  absl::Time start = absl::Now();
  absl::StatusOr<v1::Evidence> described = app::DescribeEvidenceFile(file, v1::OTHER_EVIDENCE);
  if (!described.ok()) Fail(std::string(described.status().message()));
  absl::StatusOr<bool> stored = app::StoreEvidenceFile(*ledger, file, *described);
  if (!stored.ok() || !*stored) Fail("the evidence file was not stored");
  const double store_seconds = Seconds(start);
  start = absl::Now();
  absl::StatusOr<Hash> sha256 = HashFromHex(described->sha256());
  if (!sha256.ok()) Fail("bad hash");
  if (absl::Status got = app::WriteStoredEvidence(*ledger, *sha256, dir + "/got.bin"); !got.ok()) {
    Fail(std::string(got.message()));
  }
  const double get_seconds = Seconds(start);
  const double mb = kFileBytes / 1e6;
  Emit({"evidence_store_256mib", mb / store_seconds, "MB/s", "sha256sum + cp + sync", mb / by_hand});
  Emit({"evidence_get_256mib", mb / get_seconds, "MB/s", "cp + sync", mb / copy_back});
  std::filesystem::remove_all(dir);
}

// Issue 26's import_jsonl: the events of the ledger at `imported` as
// `aidledger log --format jsonl` prints them (not timed), imported into a
// fresh ledger as `import` does the CSV (same batch size, synced), against
// the CSV import's rate `import_rate`.
void MeasureImportJsonl(const Options& options, const std::string& imported, double import_rate) {
  const std::string jsonl = options.dir + "/workload.jsonl";
  TimedShell(absl::StrCat(options.aidledger, " --db ", imported, " log --format jsonl > ", jsonl));
  uint64_t lines = 0;
  {
    std::ifstream in(jsonl);
    std::string line;
    while (std::getline(in, line)) ++lines;
  }
  std::unique_ptr<Ledger> ledger = FreshLedger(options.dir + "/import-jsonl");
  const absl::Time start = absl::Now();
  MustImport(*ledger, jsonl);
  const double rate = lines / Seconds(start);
  if (ledger->head().sequence != lines) Fail("the JSONL import appended another count of events");
  Emit({"import_jsonl", rate, "events/s", "import of the same events from CSV", import_rate});
}

// Issue 26's comparison with what a user might pick instead: the same
// workload CSV imported by Debian's sqlite3 (a table of the same columns,
// a unique index on event_id, one transaction, the default synchronous
// journal), then the balances report's roll-up in SQL: each region's money
// (an allocation's recipient, a payment's project's region, an investment's
// or sale's region; a reversal takes back its target's), summed over every
// region at or below it. sqlite's figures must equal the ledger's `balances`
// at `head` region by region, or the comparison is void.
constexpr char kSqliteRollUp[] = R"sql(
.mode csv
WITH RECURSIVE
 money(event_id, type, region, fen) AS (
  SELECT e.event_id, e.type,
         CASE e.type WHEN 'allocation' THEN e.recipient_code
                     WHEN 'disbursement' THEN p.region_code ELSE e.region_code END,
         CAST(ROUND(e.amount * 100) AS INTEGER)
  FROM events e LEFT JOIN events p ON e.type = 'disbursement' AND p.type = 'project'
                                      AND p.project_id = e.project_id
  WHERE e.type IN ('allocation', 'disbursement', 'investment', 'sale')),
 signed(type, region, fen) AS (
  SELECT type, region, fen FROM money
  UNION ALL
  SELECT m.type, m.region, -m.fen FROM events r JOIN money m ON m.event_id = r.reversed_event_id
  WHERE r.type = 'reversal'),
 own(region, allocated, disbursed, invested, sales) AS (
  SELECT region, SUM(CASE type WHEN 'allocation' THEN fen ELSE 0 END),
         SUM(CASE type WHEN 'disbursement' THEN fen ELSE 0 END),
         SUM(CASE type WHEN 'investment' THEN fen ELSE 0 END),
         SUM(CASE type WHEN 'sale' THEN fen ELSE 0 END)
  FROM signed GROUP BY region),
 up(region, ancestor) AS (
  SELECT code, code FROM events WHERE type = 'region'
  UNION ALL
  SELECT up.region, r.parent_code FROM up JOIN events r ON r.type = 'region' AND r.code = up.ancestor
  WHERE r.parent_code <> '')
SELECT u.ancestor, SUM(o.allocated), SUM(o.disbursed), SUM(o.allocated - o.disbursed),
       SUM(o.invested), SUM(o.sales)
FROM own o JOIN up u ON u.region = o.region GROUP BY u.ancestor ORDER BY u.ancestor;
)sql";

// The roll-up's rows (code, allocated, disbursed, balance, invested, sales)
// against the ledger's report: the number of regions compared; Fail on the
// first that differs.
size_t CompareSqliteRollUp(const std::string& path, const v1::RegionBalancesReport& report) {
  absl::flat_hash_map<std::string, const v1::RegionFigures*> ours;
  for (const v1::RegionEntry& region : report.regions()) ours[region.code()] = &region.total();
  std::ifstream in(path);
  std::string line;
  size_t compared = 0;
  while (std::getline(in, line)) {
    const std::vector<std::string> cells = absl::StrSplit(line, ',');
    if (cells.size() != 6) Fail(absl::StrCat("sqlite printed an unexpected row: ", line));
    auto it = ours.find(cells[0]);
    if (it == ours.end()) Fail(absl::StrCat("sqlite rolled up a region the ledger lacks: ", line));
    const v1::RegionFigures& f = *it->second;
    const int64_t expected[] = {f.allocated_fen(), f.disbursed_fen(), f.balance_fen(),
                                f.invested_fen(), f.sales_fen()};
    for (int i = 0; i < 5; ++i) {
      int64_t value = 0;
      if (!absl::SimpleAtoi(cells[i + 1], &value) || value != expected[i]) {
        Fail(absl::StrCat("sqlite's roll-up differs from the ledger's balances: ", line));
      }
    }
    ++compared;
  }
  if (compared == 0) Fail("sqlite's roll-up printed nothing");
  return compared;
}

// sqlite_import (against the ledger's import of the same rows, `import_rate`)
// and sqlite_balances (the best of kScanRuns, against the ledger's balances
// at a snapshot at `head`, also the best of kScanRuns).
void MeasureSqlite(const Options& options, const std::string& workload, uint64_t events,
                   double import_rate, const Ledger& reader) {
  const std::string dir = options.dir + "/sqlite";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string db = dir + "/events.db";
  {
    std::ifstream in(workload);
    std::string header;
    std::getline(in, header);
    std::ofstream schema(dir + "/import.sql");
    schema << "CREATE TABLE events(";
    const std::vector<std::string> columns = absl::StrSplit(header, ',');
    for (size_t i = 0; i < columns.size(); ++i) {
      const bool number = columns[i] == "budget" || columns[i] == "amount";
      schema << (i > 0 ? ", " : "") << columns[i] << (number ? " NUMERIC" : " TEXT");
    }
    schema << ");\nCREATE UNIQUE INDEX events_event_id ON events(event_id);\n"
           << "BEGIN;\n.import --csv --skip 1 " << workload << " events\nCOMMIT;\n";
    std::ofstream(dir + "/rollup.sql") << kSqliteRollUp;
  }
  const double import_seconds = TimedShell(absl::StrCat("sqlite3 ", db, " < ", dir, "/import.sql"));
  const double sqlite_import_rate = events / import_seconds;
  Emit({"sqlite_import", sqlite_import_rate, "events/s", "aidledger import of the same rows",
        import_rate});
  double sqlite_ms = 0;
  for (int run = 0; run < kScanRuns; ++run) {
    const double ms = TimedShell(absl::StrCat("sqlite3 ", db, " < ", dir, "/rollup.sql > ", dir,
                                              "/rollup.csv")) * 1000;
    sqlite_ms = run == 0 ? ms : std::min(sqlite_ms, ms);
  }
  const uint64_t head = reader.head().sequence;
  double ours_ms = 0;
  v1::RegionBalancesReport report;
  for (int run = 0; run < kScanRuns; ++run) {
    const absl::Time start = absl::Now();
    absl::StatusOr<FoldedBooks> folded =
        reader.Fold(head, std::nullopt, true, ProjectionsRead(ReportKind::kBalances, ""));
    if (!folded.ok()) Fail(std::string(folded.status().message()));
    absl::StatusOr<v1::RegionBalancesReport> made = RegionBalancesReport(folded->books, "");
    if (!made.ok()) Fail(std::string(made.status().message()));
    const double ms = Seconds(start) * 1000;
    ours_ms = run == 0 ? ms : std::min(ours_ms, ms);
    report = *std::move(made);
  }
  const size_t regions = CompareSqliteRollUp(dir + "/rollup.csv", report);
  Emit({"sqlite_balances", sqlite_ms, "ms",
        absl::StrCat("aidledger balances at a snapshot, the same ", regions, " regions equal"),
        ours_ms});
}

// --only import: the plain workload imported from CSV (timed), then from
// JSONL (MeasureImportJsonl) and into sqlite3 (MeasureSqlite).
void RunImportOnly(const Options& options) {
  std::filesystem::create_directories(options.dir);
  const std::string workload = options.dir + "/workload.csv";
  const WorkloadStats stats = WriteWorkload(workload, options.events, options.seed);
  const std::string imported = options.dir + "/import";
  double import_rate = 0;
  {
    std::unique_ptr<Ledger> ledger = FreshLedger(imported);
    const absl::Time start = absl::Now();
    MustImport(*ledger, workload);
    import_rate = stats.events / Seconds(start);
  }
  Emit({"import", import_rate, "events/s"});
  MeasureImportJsonl(options, imported, import_rate);
  absl::StatusOr<std::unique_ptr<Ledger>> reader =
      Ledger::Open(imported, {.read_only = true, .fold_on_open = false});
  if (!reader.ok()) Fail(std::string(reader.status().message()));
  MeasureSqlite(options, workload, stats.events, import_rate, **reader);
  PrintTable();
}

// "10m", "1m", "200k": the workload's size in a figure's name.
std::string ScaleName(uint64_t events) {
  if (events % 1'000'000 == 0) return absl::StrCat(events / 1'000'000, "m");
  return absl::StrCat(events / 1000, "k");
}

// How long `aidledger serve` takes from its start to its first digest
// (the open, the newest snapshot and the events after it, the Merkle tree
// from the snapshot's), the median of three starts; against hashing the
// whole log in this process, which is what a start cost before snapshots
// held the tree.
void MeasureServeStart(const Options& options, const std::string& db) {
  double whole_log = 0;
  {
    absl::StatusOr<std::unique_ptr<Ledger>> ledger =
        Ledger::Open(db, {.read_only = true, .fold_on_open = false});
    if (!ledger.ok()) Fail(std::string(ledger.status().message()));
    const absl::Time start = absl::Now();
    absl::StatusOr<v1::Digest> digest = (*ledger)->MakeDigest((*ledger)->head().sequence);
    if (!digest.ok()) Fail(std::string(digest.status().message()));
    whole_log = Seconds(start);
  }
  std::vector<double> starts;
  for (int run = 0; run < 3; ++run) {
    const absl::Time start = absl::Now();
    Server server(options.aidledger, db, options.dir + "/start-serve.log");
    httplib::Client client("127.0.0.1", server.port());
    httplib::Result digest = client.Get("/v1/digest");
    if (!digest || digest->status != 200) Fail("serve answered no digest after its start");
    starts.push_back(Seconds(start));
  }
  std::sort(starts.begin(), starts.end());
  Emit({"serve_start_" + ScaleName(options.events), starts[1], "s",
        "hashing the whole log (a start before snapshots held the Merkle tree)", whole_log});
}

// GET /v1/balances from 64 clients for `seconds` while four clients append
// sales to `server` (ids tagged `tag`, unique per window).
ReadLoad ReadWhileAppending(const Server& server, const std::string& accept,
                            const std::string& tag, double seconds) {
  std::atomic<bool> stop{false};
  std::vector<std::thread> appenders;
  for (int a = 0; a < 4; ++a) {
    appenders.emplace_back([&, a] {
      httplib::Client client("127.0.0.1", server.port());
      for (int i = 0; !stop; ++i) {
        client.Post("/v1/events", SaleJson(absl::StrCat("rw-", tag, "-", a, "-", i), i % 3000),
                    "application/json");
      }
    });
  }
  ReadLoad load = RunReadLoad(server.port(), "/v1/balances", accept, seconds);
  stop = true;
  for (std::thread& thread : appenders) thread.join();
  return load;
}

// Windows of serve reads alternating with the bare server's, whose medians
// are compared: this machine's speed drifts within a minute, and a limit
// measured once, after the figure, moved the ratio by a third.
constexpr int kServeRounds = 3;

// Section 6, serve reads: GET /v1/balances under 64 clients while appends
// run, as browsers ask (gzip accepted; the body is not inflated here, which
// is the dashboard's own work on its own machine), then without gzip. The
// limits: the same 64 clients fetching a body of the same size from a bare
// cpp-httplib server that does nothing else, and from our own transport
// doing nothing else.
void MeasureServeReads(const Options& options, const std::string& imported) {
  const double seconds = options.serve_seconds;
  std::vector<double> rates, p50s, p99s, bare_rates, bare_p50s, bare_p99s;
  double body_bytes = 0, commits = 0, copies = 0;
  {
    Server server(options.aidledger, imported, options.dir + "/reads-serve.log");
    for (int round = 0; round < kServeRounds; ++round) {
      const ReadLoad load =
          ReadWhileAppending(server, "gzip, deflate, br", absl::StrCat("gzip", round), seconds);
      body_bytes = load.mean_body_bytes;
      const ReadLoad bare = RunBareServerLoad(static_cast<size_t>(body_bytes), seconds);
      rates.push_back(load.requests_per_second);
      p50s.push_back(Percentile(load.latencies_ms, 0.5));
      p99s.push_back(Percentile(load.latencies_ms, 0.99));
      bare_rates.push_back(bare.requests_per_second);
      bare_p50s.push_back(Percentile(bare.latencies_ms, 0.5));
      bare_p99s.push_back(Percentile(bare.latencies_ms, 0.99));
    }
    httplib::Client client("127.0.0.1", server.port());
    if (auto metrics = client.Get("/metrics")) {
      commits = MetricValue(metrics->body, "aidledger_commit_events_count");
      copies = MetricValue(metrics->body, "aidledger_state_copies_total");
    }
  }
  const double bare_rate = Percentile(bare_rates, 0.5), bare_p99 = Percentile(bare_p99s, 0.5);
  const std::string rounds = absl::StrCat(" (medians of ", kServeRounds, " alternating windows)");
  Emit({"serve_balances_64_clients", Percentile(rates, 0.5), "requests/s",
        "bare cpp-httplib, same body, same clients" + rounds, bare_rate});
  Emit({"serve_balances_p50", Percentile(p50s, 0.5), "ms"});
  Emit({"serve_balances_p99", Percentile(p99s, 0.5), "ms",
        "bare cpp-httplib's p99 (issue 26: at most 1.25x)" + rounds, bare_p99});
  Emit({"serve_balances_body", body_bytes / 1024, "KiB"});
  // How often the committer copied the whole state because readers held
  // its spares (server/spare_states.h).
  Emit({"serve_balances_commits", commits, "commits"});
  Emit({"serve_balances_state_copies", copies, "copies"});
  Emit({"bare_server_64_clients", bare_rate, "requests/s"});
  Emit({"bare_server_p50", Percentile(bare_p50s, 0.5), "ms"});
  Emit({"bare_server_p99", bare_p99, "ms"});
  {
    Server server(options.aidledger, imported, options.dir + "/reads-serve.log");
    const ReadLoad load = ReadWhileAppending(server, "identity", "identity", seconds);
    Emit({"serve_balances_identity_64_clients", load.requests_per_second, "requests/s"});
    Emit({"serve_balances_identity_p50", Percentile(load.latencies_ms, 0.5), "ms"});
    Emit({"serve_balances_identity_p99", Percentile(load.latencies_ms, 0.99), "ms"});
    Emit({"serve_balances_identity_body", load.mean_body_bytes / 1024, "KiB"});
  }
  const ReadLoad transport = RunBareTransportLoad(static_cast<size_t>(body_bytes), seconds);
  Emit({"bare_transport_64_clients", transport.requests_per_second, "requests/s",
        "bare cpp-httplib, same body, same clients (median)", bare_rate});
  Emit({"bare_transport_p50", Percentile(transport.latencies_ms, 0.5), "ms"});
  Emit({"bare_transport_p99", Percentile(transport.latencies_ms, 0.99), "ms",
        "bare cpp-httplib's p99 (median)", bare_p99});
}

// Head queries with a snapshot k events behind, each the best of kScanRuns
// folds in one process; then one report's head query as the CLI makes it.
void MeasureHeadQueries(const Ledger& reader) {
  const uint64_t head = reader.head().sequence;
  const uint64_t every = 100'000;
  const uint64_t last_snapshot = head / every * every;
  struct Point {
    uint64_t sequence;
    bool snapshots;
  };
  std::vector<std::pair<std::string, Point>> points = {
      {"0", {last_snapshot, true}},
      {"1k", {last_snapshot >= every ? last_snapshot - every + 1000 : 1000, true}},
      {"100k", {last_snapshot >= every ? last_snapshot - 1 : head, true}},
      {"all", {head, false}}};
  // A query at a snapshot takes milliseconds, and the first one also
  // opens the table files: each is the best of kScanRuns, as the scans.
  for (const auto& [label, point] : points) {
    double ms = 0;
    uint64_t events_read = 0;
    for (int run = 0; run < (point.snapshots ? kScanRuns : 1); ++run) {
      const absl::Time start = absl::Now();
      absl::StatusOr<FoldedBooks> folded =
          reader.Fold(point.sequence, std::nullopt, point.snapshots);
      const double run_ms = Seconds(start) * 1000;
      if (!folded.ok()) Fail(std::string(folded.status().message()));
      ms = run == 0 ? run_ms : std::min(ms, run_ms);
      events_read = folded->events_read;
    }
    Emit({absl::StrCat("head_query_tail_", label, "_events_", events_read), ms, "ms"});
  }
  // The head query of one report as the CLI makes it, at a snapshot: only
  // the projections the report reads, then the report itself.
  const std::pair<const char*, ReportKind> reports[] = {{"balances", ReportKind::kBalances},
                                                        {"projects", ReportKind::kProjects},
                                                        {"helpers", ReportKind::kHelpers}};
  for (const auto& [label, kind] : reports) {
    double ms = 0;
    for (int run = 0; run < kScanRuns; ++run) {
      const absl::Time start = absl::Now();
      absl::StatusOr<FoldedBooks> folded =
          reader.Fold(last_snapshot, std::nullopt, true, ProjectionsRead(kind, ""));
      if (!folded.ok()) Fail(std::string(folded.status().message()));
      size_t rows = 0;
      if (kind == ReportKind::kBalances) {
        absl::StatusOr<v1::RegionBalancesReport> report = RegionBalancesReport(folded->books, "");
        if (!report.ok()) Fail(std::string(report.status().message()));
        rows = report->regions_size();
      } else if (kind == ReportKind::kProjects) {
        absl::StatusOr<v1::ProjectTotalsReport> report = ProjectTotalsReport(folded->books, "");
        if (!report.ok()) Fail(std::string(report.status().message()));
        rows = report->projects_size();
      } else {
        rows = HelperTotalsReport(folded->books).helpers_size();
      }
      const double run_ms = Seconds(start) * 1000;
      if (rows == 0) Fail(absl::StrCat("the ", label, " report is empty"));
      ms = run == 0 ? run_ms : std::min(ms, run_ms);
    }
    Emit({absl::StrCat("head_query_report_", label, "_tail_0"), ms, "ms"});
  }
}

// The plain workload imported into a fresh ledger (with a snapshot every
// 100,000 events, as any import stores); returns its directory.
std::string ImportPlainWorkload(const Options& options) {
  std::filesystem::create_directories(options.dir);
  const std::string workload = options.dir + "/workload.csv";
  WriteWorkload(workload, options.events, options.seed);
  const std::string imported = options.dir + "/import";
  std::unique_ptr<Ledger> ledger = FreshLedger(imported);
  MustImport(*ledger, workload);
  return imported;
}

// The ledger a read-only group reads (--ledger, or the workload imported),
// opened read-only.
std::unique_ptr<Ledger> OpenLedgerToRead(const Options& options) {
  const std::string dir = options.ledger.empty() ? ImportPlainWorkload(options) : options.ledger;
  absl::StatusOr<std::unique_ptr<Ledger>> reader =
      Ledger::Open(dir, {.read_only = true, .fold_on_open = false});
  if (!reader.ok()) Fail(std::string(reader.status().message()));
  return *std::move(reader);
}

// --only head_query: OpenLedgerToRead, then MeasureHeadQueries.
void RunHeadQueryOnly(const Options& options) {
  MeasureHeadQueries(*OpenLedgerToRead(options));
  PrintTable();
}

// --only serve_start: the plain workload imported, then MeasureServeStart
// (with --events 10000000: serve_start_10m).
void RunServeStartOnly(const Options& options) {
  MeasureServeStart(options, ImportPlainWorkload(options));
  PrintTable();
}

// --only serve: the plain workload imported, then MeasureServeReads.
void RunServeOnly(const Options& options) {
  MeasureServeReads(options, ImportPlainWorkload(options));
  PrintTable();
}

// --only trace: OpenLedgerToRead, then MeasureTrace.
void RunTraceOnly(const Options& options) {
  MeasureTrace(*OpenLedgerToRead(options));
  PrintTable();
}

void Run(const Options& options) {
  std::filesystem::create_directories(options.dir);
  const std::string workload = options.dir + "/workload.csv";
  absl::Time start = absl::Now();
  const WorkloadStats stats = WriteWorkload(workload, options.events, options.seed);
  std::cerr << "workload: " << stats.events << " events (" << stats.registry_events
            << " registrations), " << stats.bytes / 1e6 << " MB in " << Seconds(start) << " s\n";
  const std::string registry = options.dir + "/registry.csv";
  WriteWorkload(registry, stats.registry_events, options.seed);

  // 1. import.
  const std::string imported = options.dir + "/import";
  double mean_value_bytes = 0;
  double import_rate = 0;
  {
    std::unique_ptr<Ledger> ledger = FreshLedger(imported);
    start = absl::Now();
    MustImport(*ledger, workload);
    const double seconds = Seconds(start);
    // Closing flushes what the import left in memtables (as db_bench's
    // figure, the import's excludes it); shown apart.
    start = absl::Now();
    ledger.reset();
    const double close_seconds = Seconds(start);
    const uint64_t disk = DirectoryBytes(imported);
    absl::StatusOr<std::unique_ptr<Ledger>> reader =
        Ledger::Open(imported, {.read_only = true, .fold_on_open = false});
    std::unique_ptr<EventReader> events = (*reader)->Read(1, std::min<uint64_t>(100'000, stats.events));
    StoredEvent stored;
    uint64_t sampled = 0, sampled_bytes = 0;
    while (events->Next(&stored).value_or(false)) {
      ++sampled;
      sampled_bytes += stored.event_bytes.size() + 65;
    }
    mean_value_bytes = static_cast<double>(sampled_bytes) / std::max<uint64_t>(sampled, 1);
    const double fillseq_sync = DbBench(absl::StrFormat(
        "--benchmarks=fillseq --num=%d --value_size=%d --sync=1 --batch_size=%d "
        "--compression_type=none --db=%s/dbbench",
        stats.events, static_cast<int>(mean_value_bytes), kImportBatch, options.dir));
    import_rate = stats.events / seconds;
    Emit({"import", import_rate, "events/s",
          absl::StrFormat("db_bench fillseq sync batch=%d value=%dB", kImportBatch,
                          static_cast<int>(mean_value_bytes)),
          fillseq_sync});
    Emit({"import_throughput", stats.bytes / seconds / 1e6, "MB/s of CSV"});
    Emit({"import_close", close_seconds * 1e3, "ms"});
    Emit({"disk_bytes_per_event", static_cast<double>(disk) / stats.events, "bytes"});
    const double fillseq_nosync = DbBench(absl::StrFormat(
        "--benchmarks=fillseq --num=%d --value_size=%d --sync=0 --batch_size=%d "
        "--compression_type=none --db=%s/dbbench",
        stats.events, static_cast<int>(mean_value_bytes), kImportBatch, options.dir));
    Emit({"db_bench_fillseq_nosync", fillseq_nosync, "ops/s"});
  }
  MeasureImportJsonl(options, imported, import_rate);
  // A full scan takes about a second per million events, and this
  // machine's speed varies within seconds: the read limit and the rebuild
  // are each the best of kScanRuns runs.
  double readseq = 0;
  const std::string readseq_name = absl::StrCat("db_bench readseq, best of ", kScanRuns);
  for (int run = 0; run < kScanRuns; ++run) {
    readseq = std::max(readseq, DbBench(absl::StrFormat(
        "--benchmarks=readseq --num=%d --value_size=%d --use_existing_db=1 "
        "--compression_type=none --readahead_size=%d --db=%s/dbbench",
        stats.events, static_cast<int>(mean_value_bytes),
        static_cast<int>(limits::kScanReadaheadBytes), options.dir)));
  }

  // 4. rebuild, in a child process for its own peak resident memory; then
  // again confined to one core (the fold reads on a second thread when it
  // has one), for the target "1M events/s on one core".
  double rebuild_rate = 0;
  for (const bool one_core : {false, true}) {
    const RebuildRun run = BestRebuild(options.dir, imported, one_core);
    if (!one_core) rebuild_rate = run.rate;
    const std::string name = one_core ? "rebuild_one_core" : "rebuild";
    Emit({name, run.rate, "events/s", absl::StrCat(readseq_name, "; rebuild best of ", kScanRuns),
          readseq});
    Emit({name + "_peak_rss", run.peak_kib / 1024.0, "MiB"});
  }
  RunIndicatorSteps(options, stats.events, rebuild_rate);

  // 5. snapshot + tail: head queries with a snapshot k events behind.
  {
    absl::StatusOr<std::unique_ptr<Ledger>> reader =
        Ledger::Open(imported, {.read_only = true, .fold_on_open = false});
    MeasureHeadQueries(**reader);
    MeasureSqlite(options, workload, stats.events, import_rate, **reader);
    MeasurePeriodReport(**reader);
    MeasureTrace(**reader);
    MeasureEvidence(options);
    // 7. verify.
    start = absl::Now();
    absl::StatusOr<VerifyReport> verified = (*reader)->Verify({});
    if (!verified.ok()) Fail(std::string(verified.status().message()));
    const double verify_rate = verified->events / Seconds(start);
    Emit({"verify", verify_rate, "events/s", readseq_name, readseq});
    // Issue 26's target: verify at half the rebuild's rate or more.
    Emit({"verify_vs_rebuild", verify_rate, "events/s", "rebuild (above), target 0.5", rebuild_rate});
  }

  // 2. single synced appends through the library; 3. group commit.
  const SingleAppends single =
      MeasureSingleAppends(options.dir + "/single", "", registry, options.single_seconds);
  const double single_rate = single.rate;
  {
    const double limit = DbBench(absl::StrFormat(
        "--benchmarks=fillseq --num=%d --value_size=%d --sync=1 --batch_size=1 "
        "--compression_type=none --db=%s/dbbench-single",
        static_cast<int>(single.count), static_cast<int>(mean_value_bytes), options.dir));
    Emit({"single_appends", single.rate, "appends/s", "db_bench fillseq sync batch=1", limit});
    Emit({"single_append_p50", single.p50_ms, "ms"});
    Emit({"single_append_p99", single.p99_ms, "ms"});
  }
  for (const Figure& figure : MeasureGroupCommit(options, options.dir + "/group", "", registry,
                                                 "group_commit_", {"single synced appends", single_rate})) {
    Emit(figure);
  }
  for (const Figure& figure : MeasureInProcessGroupCommit(options, registry)) Emit(figure);

  // 5b. serve's start on the imported ledger (serve_start_10m with --large).
  MeasureServeStart(options, imported);

  // 6. serve reads (MeasureServeReads).
  MeasureServeReads(options, imported);

  // 6b. the dashboard's first load in a browser, against the page's
  // largest request alone (GET /v1/balances, gzipped, by a plain client).
  MeasureDashboard(options, imported);

  // 7. keep-alive: one client, one connection, GET /healthz again and again.
  // The first request includes the connect; every later one should cost no
  // more (before TCP_NODELAY each later one waited ~40 ms for a delayed ACK).
  {
    Server server(options.aidledger, imported, options.dir + "/keepalive-serve.log");
    httplib::Client client("127.0.0.1", server.port());
    client.set_keep_alive(true);
    constexpr int kRequests = 200;
    std::vector<double> later;
    double first = 0;
    for (int i = 0; i <= kRequests; ++i) {
      const absl::Time one = absl::Now();
      auto response = client.Get("/healthz");
      if (!response || response->status != 200) Fail("GET /healthz failed on a kept-alive connection");
      (i == 0 ? first : later.emplace_back()) = Seconds(one) * 1000;
    }
    Emit({"serve_keepalive_first", first, "ms"});
    Emit({"serve_keepalive_next_p50", Percentile(later, 0.5), "ms", "the first request", first});
    Emit({"serve_keepalive_next_p99", Percentile(later, 0.99), "ms", "the first request", first});
  }

  // 8. HTTPS against plain HTTP, in this run: a new connection's first
  // request (TCP, plus the TLS handshake), then 64 readers of /v1/balances
  // (gzip) each on a kept-alive connection, as browsers keep them, no
  // appends. The limit: the same over plain HTTP.
  {
    const std::string certs = options.dir + "/certs";
    if (std::system(absl::StrCat("tools/pilot-certs ", certs, " 127.0.0.1 >/dev/null").c_str()) != 0) {
      Fail("tools/pilot-certs failed (run the benchmark from the repository's root)");
    }
    const std::string ca = certs + "/ca.pem";
    // The mean time of a request on a new connection, over `kConnections`.
    constexpr int kConnections = 200;
    auto connect_each_time = [&](int port, const std::string& ca_file) {
      std::vector<double> times;
      for (int i = 0; i < kConnections; ++i) {
        std::unique_ptr<httplib::ClientImpl> client = NewClient(port, ca_file);
        const absl::Time one = absl::Now();
        auto response = client->Get("/healthz");
        if (!response || response->status != 200) Fail("GET /healthz failed on a new connection");
        times.push_back(Seconds(one) * 1000);
      }
      return Percentile(times, 0.5);
    };
    // One server at a time: each holds the ledger.
    double plain_connect = 0, tls_connect = 0;
    ReadLoad plain_reads, tls_reads;
    {
      Server plain(options.aidledger, imported, options.dir + "/plain-serve.log");
      plain_connect = connect_each_time(plain.port(), "");
      plain_reads = RunReadLoad(plain.port(), "/v1/balances", "gzip", options.serve_seconds, "", true);
    }
    {
      Server tls(options.aidledger, imported, options.dir + "/tls-serve.log",
                 {"--tls-cert", certs + "/server.pem", "--tls-key", certs + "/server.key"});
      tls_connect = connect_each_time(tls.port(), ca);
      tls_reads = RunReadLoad(tls.port(), "/v1/balances", "gzip", options.serve_seconds, ca, true);
    }
    Emit({"https_new_connection_p50", tls_connect, "ms", "plain HTTP new connection", plain_connect});
    Emit({"https_balances_64_clients", tls_reads.requests_per_second, "requests/s",
          "plain HTTP, same run", plain_reads.requests_per_second});
    Emit({"https_balances_p99", Percentile(tls_reads.latencies_ms, 0.99), "ms", "plain HTTP",
          Percentile(plain_reads.latencies_ms, 0.99)});
  }

  PrintTable();
}


// Runs psql on `uri` with `args` (quiet, stopping at the first error).
void Psql(const std::string& uri, const std::string& args) {
  const std::string command =
      absl::StrCat("psql -X -q -v ON_ERROR_STOP=1 '", uri, "' ", args, " >/dev/null");
  if (std::system(command.c_str()) != 0) Fail("psql failed: " + command);
}

// The SQL that selects ledger `name`'s rows of the events table, in order.
std::string EventRows(const std::string& name) {
  return absl::StrCat("SELECT * FROM events WHERE ledger_id = '", name, "' ORDER BY seq");
}

// The limit for an import: the ledger's own rows (same sizes, same keys and
// unique index) COPYed by psql into a table like `events`, one COPY of
// `batch` rows per transaction, as the import commits. Rows per second.
double CopyInRate(const Options& options, const std::string& name, size_t batch) {
  const std::string rows = options.dir + "/rows.copy";
  Psql(options.postgres, absl::StrCat("-c \"\\copy (", EventRows(name), ") TO '", rows, "'\""));
  std::ifstream in(rows);
  std::string script = "DROP TABLE IF EXISTS bench_copy;\n"
                       "CREATE TABLE bench_copy (LIKE events INCLUDING ALL);\n";
  std::string line;
  uint64_t total = 0;
  for (int chunk = 0; in.good(); ++chunk) {
    const std::string file = absl::StrCat(options.dir, "/rows-", chunk, ".copy");
    std::ofstream out(file);
    size_t lines = 0;
    while (lines < batch && std::getline(in, line)) {
      out << line << "\n";
      ++lines;
    }
    if (lines == 0) break;
    total += lines;
    absl::StrAppend(&script, "\\copy bench_copy FROM '", file, "'\n");
  }
  std::ofstream(options.dir + "/copy.sql") << script;
  const absl::Time start = absl::Now();
  Psql(options.postgres, absl::StrCat("-f '", options.dir, "/copy.sql'"));
  const double rate = total / Seconds(start);
  Psql(options.postgres, "-c 'DROP TABLE bench_copy'");
  return rate;
}

// The limit for a full read: psql COPYing the ledger's rows, in order, to
// /dev/null. Rows per second, the best of kScanRuns.
double CopyOutRate(const Options& options, const std::string& name, uint64_t events) {
  double rate = 0;
  for (int run = 0; run < kScanRuns; ++run) {
    const absl::Time start = absl::Now();
    Psql(options.postgres, absl::StrCat("-c \"\\copy (", EventRows(name), ") TO '/dev/null'\""));
    rate = std::max(rate, events / Seconds(start));
  }
  return rate;
}

// The PostgreSQL store (tools/bench --store postgres), beside RocksDB's
// appends in the same run: import against COPY of the same rows, a full
// read (rebuild) and a server following another writer against COPY to
// /dev/null, single appends and group commit against RocksDB's.
void RunPostgres(const Options& options) {
  std::filesystem::create_directories(options.dir);
  const std::string key = options.dir + "/pg.key";
  const std::string workload = options.dir + "/workload.csv";
  const WorkloadStats stats = WriteWorkload(workload, options.events, options.seed);
  const std::string registry = options.dir + "/registry.csv";
  WriteWorkload(registry, stats.registry_events, options.seed);
  auto ledger_at = [&](const std::string& name) {
    return absl::StrCat(options.postgres, "?ledger=", name);
  };

  // Import, with a second writer's view of the same ledger opened before it
  // (a server on another machine), which then follows it.
  const std::string imported = "bench_import";
  {
    std::unique_ptr<Ledger> writer = FreshLedger(ledger_at(imported), key);
    absl::StatusOr<std::unique_ptr<Ledger>> follower =
        Ledger::Open(ledger_at(imported), {.snapshot_key_path = key});
    if (!follower.ok()) Fail(std::string(follower.status().message()));
    absl::Time start = absl::Now();
    MustImport(*writer, workload);
    const double seconds = Seconds(start);
    const double copy_in = CopyInRate(options, imported, kImportBatch);
    Emit({"postgres_import", stats.events / seconds, "events/s",
          absl::StrFormat("psql COPY of the same rows, %d a commit", kImportBatch), copy_in});
    const double copy_out = CopyOutRate(options, imported, stats.events);
    start = absl::Now();
    absl::StatusOr<bool> moved = (*follower)->Follow();
    if (!moved.ok() || !*moved) Fail("the follower did not catch up");
    Emit({"postgres_follow", stats.events / Seconds(start), "events/s",
          "psql COPY of the rows to /dev/null", copy_out});
    // A server's first start with --cache: the log copied into a new local
    // cache (every link and hash checked), then folded from it.
    start = absl::Now();
    absl::StatusOr<std::unique_ptr<Ledger>> cached = Ledger::Open(
        ledger_at(imported), {.cache_dir = options.dir + "/cache", .snapshot_key_path = key});
    if (!cached.ok()) Fail(std::string(cached.status().message()));
    Emit({"postgres_open_with_new_cache", stats.events / Seconds(start), "events/s",
          "psql COPY of the rows to /dev/null", copy_out});
    cached->reset();
    double rate = 0;
    for (int run = 0; run < kScanRuns; ++run) {
      absl::StatusOr<std::unique_ptr<Ledger>> reader = Ledger::Open(
          ledger_at(imported), {.read_only = true, .fold_on_open = false, .snapshot_key_path = key});
      if (!reader.ok()) Fail(std::string(reader.status().message()));
      start = absl::Now();
      absl::StatusOr<FoldedBooks> folded =
          (*reader)->Fold((*reader)->head().sequence, std::nullopt, false);
      if (!folded.ok()) Fail(std::string(folded.status().message()));
      rate = std::max(rate, folded->events_read / Seconds(start));
    }
    Emit({"postgres_rebuild", rate, "events/s", "psql COPY of the rows to /dev/null", copy_out});
  }

  // Both stores' appends in a steady state: not while the database
  // checkpoints the import's gigabyte of WAL.
  Psql(options.postgres, "-c CHECKPOINT");
  const SingleAppends rocks = MeasureSingleAppends(options.dir + "/single", "", registry,
                                                   options.single_seconds);
  const SingleAppends pg = MeasureSingleAppends(ledger_at("bench_single"), key, registry,
                                                options.single_seconds);
  Emit({"postgres_single_appends", pg.rate, "appends/s", "RocksDB single appends, same run",
        rocks.rate});
  Emit({"postgres_single_append_p50", pg.p50_ms, "ms", "RocksDB", rocks.p50_ms});
  Emit({"postgres_single_append_p99", pg.p99_ms, "ms", "RocksDB", rocks.p99_ms});
  for (const Figure& figure :
       MeasureGroupCommit(options, ledger_at("bench_group"), key, registry,
                          "postgres_group_commit_", {"PostgreSQL single appends", pg.rate})) {
    Emit(figure);
  }
  for (const Figure& figure : MeasureGroupCommit(options, options.dir + "/group", "", registry,
                                                 "group_commit_",
                                                 {"RocksDB single appends", rocks.rate})) {
    Emit(figure);
  }
  PrintTable();
}

// The first row's first value a psql query prints ("" when none).
std::string PsqlValue(const std::string& uri, const std::string& sql) {
  const std::string command = absl::StrCat("psql -X -At -v ON_ERROR_STOP=1 '", uri, "' -c \"", sql,
                                           "\" 2>/dev/null");
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return "";
  char line[4096] = {0};
  const bool got = std::fgets(line, sizeof line, pipe) != nullptr;
  pclose(pipe);
  std::string value = got ? line : "";
  while (!value.empty() && (value.back() == '\n' || value.back() == '\r')) value.pop_back();
  return value;
}

// How far the replicas' replay trails the primary, sampled every 100 ms
// from pg_stat_replication while it runs: the most seen, by kind of standby.
class LagSampler {
 public:
  explicit LagSampler(std::string uri) : uri_(std::move(uri)), thread_([this] { Run(); }) {}
  ~LagSampler() { Stop(); }
  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  double max_ms(bool sync) const { return (sync ? sync_ : async_).ms; }
  double max_bytes(bool sync) const { return (sync ? sync_ : async_).bytes; }

 private:
  struct Most {
    double ms = 0;
    double bytes = 0;
  };
  void Run() {
    while (!stop_) {
      for (bool sync : {true, false}) {
        const std::string row = PsqlValue(
            uri_, absl::StrCat("SELECT coalesce(max(extract(epoch FROM replay_lag)) * 1000, 0) || "
                               "'|' || coalesce(max(pg_wal_lsn_diff(pg_current_wal_lsn(), "
                               "replay_lsn)), 0) FROM pg_stat_replication WHERE sync_state = '",
                               sync ? "sync" : "async", "'"));
        const size_t bar = row.find('|');
        double ms = 0, bytes = 0;
        if (bar != std::string::npos && absl::SimpleAtod(row.substr(0, bar), &ms) &&
            absl::SimpleAtod(row.substr(bar + 1), &bytes)) {
          Most& most = sync ? sync_ : async_;
          most.ms = std::max(most.ms, ms);
          most.bytes = std::max(most.bytes, bytes);
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  const std::string uri_;
  std::atomic<bool> stop_{false};
  Most sync_, async_;  // written by the thread, read after Stop
  std::thread thread_;
};

// Turns Patroni's synchronous mode (and its strictness) on or off, and
// waits until the primary runs with it (synchronous_standby_names).
void SetSynchronous(const Options& options, bool on) {
  const std::string value = on ? "true" : "false";
  const std::string command = absl::StrCat(
      "patronictl -c '", options.cluster, "/member0/patroni.yml' edit-config --force --quiet",
      " --set synchronous_mode=", value, " --set synchronous_mode_strict=", value, " >/dev/null");
  if (std::system(command.c_str()) != 0) Fail("patronictl edit-config failed: " + command);
  for (int step = 0; step < 600; ++step) {  // 60 s at most
    if (PsqlValue(options.postgres, "SHOW synchronous_standby_names").empty() != on) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  Fail(absl::StrCat("the primary did not turn synchronous replication ", on ? "on" : "off"));
}

// Appends one at a time through the library while the primary is killed
// (tools/cluster kill-primary: SIGKILL, data directory deleted); a failed
// append is retried with the same event_id. Seconds from the kill to the
// first append acknowledged of those begun after it.
double MeasureWriteOutage(const Options& options, const std::string& db, const std::string& key,
                          const std::string& registry) {
  std::unique_ptr<Ledger> ledger = FreshLedger(db, key);
  MustImport(*ledger, registry);
  std::atomic<bool> stop{false};
  std::atomic<int64_t> kill_micros{0}, first_after_micros{0};
  std::thread appender([&] {
    for (uint64_t i = 0; !stop; ++i) {
      v1::Event draft;
      draft.set_event_id(absl::StrCat("outage-", i));
      draft.set_actor("bench");
      draft.set_effective_date("2025-12-31");
      draft.mutable_sale_recorded()->set_region_code("410101");
      draft.mutable_sale_recorded()->set_amount_fen(1000);
      while (!stop) {
        const int64_t begun = absl::ToUnixMicros(absl::Now());
        absl::StatusOr<AppendResult> appended = ledger->Append(draft);
        if (appended.ok()) {
          const int64_t killed = kill_micros;
          int64_t none = 0;
          if (killed != 0 && begun > killed) {
            first_after_micros.compare_exchange_strong(none, absl::ToUnixMicros(absl::Now()));
          }
          break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
      }
    }
  });
  std::this_thread::sleep_for(std::chrono::seconds(3));
  if (std::system("bash tools/cluster kill-primary >/dev/null") != 0) Fail("kill-primary failed");
  kill_micros = absl::ToUnixMicros(absl::Now());
  for (int step = 0; step < 1200 && first_after_micros == 0; ++step) {  // 120 s at most
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  stop = true;
  appender.join();
  if (first_after_micros == 0) Fail("no append was acknowledged in the 120 s after the kill");
  return (first_after_micros - kill_micros) / 1e6;
}

// A Patroni cluster of three (tools/bench --store cluster): single appends
// and group commit with a synchronous standby (RPO 0) against the same with
// none, the replicas' lag under the group-commit load, and the write outage
// when the primary and its disk die.
void RunCluster(const Options& options) {
  std::filesystem::create_directories(options.dir);
  const std::string key = options.dir + "/pg.key";
  const std::string registry = options.dir + "/registry.csv";
  WriteWorkload(registry, 0, options.seed);  // regions, pairings and projects only
  auto ledger_at = [&](const std::string& name) {
    return absl::StrCat(options.postgres, "&ledger=", name);
  };
  SingleAppends single[2];
  std::vector<Figure> group[2];
  LagSampler* sampled = nullptr;
  std::unique_ptr<LagSampler> sampler;
  for (bool sync : {true, false}) {
    SetSynchronous(options, sync);
    const std::string mode = sync ? "sync" : "async";
    single[sync] = MeasureSingleAppends(ledger_at("bench_single_" + mode), key, registry,
                                        options.single_seconds);
    if (sync) sampler = std::make_unique<LagSampler>(options.postgres);
    group[sync] = MeasureGroupCommit(options, ledger_at("bench_group_" + mode), key, registry,
                                     absl::StrCat("cluster_", mode, "_group_commit_"),
                                     {"single appends, same mode", single[sync].rate});
    if (sync) {
      sampler->Stop();
      sampled = sampler.get();
    }
  }
  Emit({"cluster_sync_single_appends", single[1].rate, "appends/s",
        "without a synchronous standby", single[0].rate});
  Emit({"cluster_sync_single_append_p50", single[1].p50_ms, "ms", "without", single[0].p50_ms});
  Emit({"cluster_sync_single_append_p99", single[1].p99_ms, "ms", "without", single[0].p99_ms});
  Emit({"cluster_async_single_appends", single[0].rate, "appends/s"});
  for (bool sync : {true, false}) {
    for (const Figure& figure : group[sync]) Emit(figure);
  }
  for (bool sync : {true, false}) {
    const std::string kind = sync ? "sync_standby" : "async_replica";
    Emit({"cluster_" + kind + "_replay_lag_max", sampled->max_ms(sync), "ms"});
    Emit({"cluster_" + kind + "_replay_lag_max_bytes", sampled->max_bytes(sync), "bytes"});
  }
  SetSynchronous(options, true);
  Emit({"cluster_write_outage", MeasureWriteOutage(options, ledger_at("bench_outage"), key, registry),
        "s", "target", 30});
  PrintTable();
}

}  // namespace
}  // namespace aidledger::bench

int main(int argc, char** argv) {
  using aidledger::bench::Options;
  if (argc == 3 && std::string(argv[1]) == "rebuild") {
    return aidledger::bench::RunRebuildChild(argv[2], false);
  }
  if (argc == 3 && std::string(argv[1]) == "rebuild-one-core") {
    return aidledger::bench::RunRebuildChild(argv[2], true);
  }
  // The rows measured in this process stand for the answers `serve` gives
  // (GET /v1/trace, the reports): its allocator keeps what it frees as
  // serve's does.
  aidledger::KeepFreedMemoryForServing();
  Options options;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--events") options.events = std::stoull(value);
    else if (flag == "--dir") options.dir = value;
    else if (flag == "--aidledger") options.aidledger = value;
    else if (flag == "--seed") options.seed = std::stoull(value);
    else if (flag == "--serve-seconds") options.serve_seconds = std::stod(value);
    else if (flag == "--group-seconds") options.group_seconds = std::stod(value);
    else if (flag == "--dashboard-script") options.dashboard_script = value;
    else if (flag == "--single-seconds") options.single_seconds = std::stod(value);
    else if (flag == "--postgres") options.postgres = value;
    else if (flag == "--cluster") options.cluster = value;
    else if (flag == "--ledger") options.ledger = value;
    else if (flag == "--only" && (value == "indicators" || value == "trace" || value == "evidence" ||
                                  value == "group_commit" || value == "import" || value == "serve_start" ||
                                  value == "serve" || value == "head_query")) {
      options.only = value;
    }
    else {
      std::cerr << "usage: aidledger_bench --events N --dir DIR --aidledger BIN [--seed S] "
                   "[--serve-seconds S] [--group-seconds S] [--single-seconds S] [--dashboard-script PATH] [--postgres URI [--cluster DIR]] [--only indicators|trace|evidence|group_commit|import|serve_start|serve|head_query] [--ledger DIR]\n";
      return 2;
    }
  }
  signal(SIGPIPE, SIG_IGN);
  if (options.only == "indicators") {
    aidledger::bench::RunIndicatorsOnly(options);
  } else if (options.only == "trace") {
    aidledger::bench::RunTraceOnly(options);
  } else if (options.only == "import") {
    aidledger::bench::RunImportOnly(options);
  } else if (options.only == "serve") {
    aidledger::bench::RunServeOnly(options);
  } else if (options.only == "head_query") {
    aidledger::bench::RunHeadQueryOnly(options);
  } else if (options.only == "serve_start") {
    aidledger::bench::RunServeStartOnly(options);
  } else if (options.only == "group_commit") {
    aidledger::bench::RunGroupCommitOnly(options);
  } else if (options.only == "evidence") {
    std::filesystem::create_directories(options.dir);
    aidledger::bench::MeasureEvidence(options);
    aidledger::bench::PrintTable();
  } else if (!options.cluster.empty()) {
    aidledger::bench::RunCluster(options);
  } else if (options.postgres.empty()) {
    aidledger::bench::Run(options);
  } else {
    aidledger::bench::RunPostgres(options);
  }
  return 0;
}

#include "base/rounding.h"

#include <algorithm>
#include <cstddef>
#include <functional>
#include <limits>
#include <queue>
#include <utility>

#include "absl/numeric/int128.h"
#include "absl/status/status.h"
#include "absl/strings/substitute.h"
#include "base/limits.h"
#include "base/status_macros.h"

namespace aidledger {
namespace {

// Costs and distances: a path's cost adds up a remainder or a `mandatory`
// cost per edge, which 64 bits would not hold on a long path.
using Cost = absl::int128;
constexpr Cost kUnreached = std::numeric_limits<absl::int128>::max();

// An exact figure as whole units rounded down and what remains (0 <=
// remainder < unit).
struct Split {
  int64_t units = 0;
  int64_t remainder = 0;
};

Split SplitUnits(int64_t fen, int64_t unit) {
  Split split{fen / unit, fen % unit};
  if (split.remainder < 0) {
    split.units -= 1;
    split.remainder += unit;
  }
  return split;
}

// A minimum-cost flow by successive shortest paths (Dijkstra on costs
// reduced by node potentials). The nodes must be numbered so that every
// edge added goes from a lower to a higher node: the first potentials are
// then one sweep in node order, even with negative costs.
class MinCostFlow {
 public:
  explicit MinCostFlow(size_t nodes) : out_(nodes) {}

  // An edge from -> to; the handle reads its flow back.
  std::pair<size_t, size_t> AddEdge(size_t from, size_t to, int64_t capacity, Cost cost) {
    out_[from].push_back({to, out_[to].size(), capacity, capacity, cost});
    out_[to].push_back({from, out_[from].size() - 1, 0, 0, -cost});
    return {from, out_[from].size() - 1};
  }

  int64_t FlowOn(std::pair<size_t, size_t> handle) const {
    const Edge& edge = out_[handle.first][handle.second];
    return edge.initial - edge.capacity;
  }

  // Sends up to `amount` from node 0 to the last node along cheapest
  // paths; returns how much it sent.
  int64_t Send(int64_t amount) {
    InitialPotentials();
    const size_t sink = out_.size() - 1;
    int64_t sent = 0;
    while (sent < amount && ShortestPaths()) {
      int64_t push = amount - sent;
      for (size_t node = sink; node != 0; node = parent_[node].first) {
        push = std::min(push, EdgeInto(node).capacity);
      }
      for (size_t node = sink; node != 0; node = parent_[node].first) {
        Edge& edge = EdgeInto(node);
        edge.capacity -= push;
        out_[node][edge.reverse].capacity += push;
      }
      sent += push;
    }
    return sent;
  }

 private:
  struct Edge {
    size_t to;
    size_t reverse;  // index of the reverse edge in out_[to]
    int64_t capacity;
    int64_t initial;
    Cost cost;
  };

  Edge& EdgeInto(size_t node) { return out_[parent_[node].first][parent_[node].second]; }

  void InitialPotentials() {
    potential_.assign(out_.size(), kUnreached);
    potential_[0] = 0;
    for (size_t node = 0; node < out_.size(); ++node) {
      if (potential_[node] == kUnreached) continue;
      for (const Edge& edge : out_[node]) {
        if (edge.capacity > 0 && potential_[node] + edge.cost < potential_[edge.to]) {
          potential_[edge.to] = potential_[node] + edge.cost;
        }
      }
    }
    // A node not reached now is never reached: no flow can come to it.
    for (Cost& potential : potential_) {
      if (potential == kUnreached) potential = 0;
    }
  }

  // Dijkstra from node 0 on reduced costs, stopped when the sink is
  // settled; false when the sink is not reached. Sets the parents of the
  // path and moves each potential by its distance, or by the sink's when
  // farther or not settled: that keeps every reduced cost of an edge with
  // capacity non-negative and makes those along the path zero.
  bool ShortestPaths() {
    const size_t sink = out_.size() - 1;
    distance_.assign(out_.size(), kUnreached);
    parent_.assign(out_.size(), {0, 0});
    using Entry = std::pair<Cost, size_t>;
    std::priority_queue<Entry, std::vector<Entry>, std::greater<>> queue;
    distance_[0] = 0;
    queue.push({0, 0});
    while (!queue.empty()) {
      const auto [reached, node] = queue.top();
      queue.pop();
      if (reached != distance_[node]) continue;
      if (node == sink) break;
      for (size_t i = 0; i < out_[node].size(); ++i) {
        const Edge& edge = out_[node][i];
        if (edge.capacity == 0) continue;
        const Cost next = reached + edge.cost + potential_[node] - potential_[edge.to];
        if (next < distance_[edge.to]) {
          distance_[edge.to] = next;
          parent_[edge.to] = {node, i};
          queue.push({next, edge.to});
        }
      }
    }
    const Cost to_sink = distance_[sink];
    if (to_sink == kUnreached) return false;
    for (size_t node = 0; node < out_.size(); ++node) {
      potential_[node] += std::min(distance_[node], to_sink);
    }
    return true;
  }

  std::vector<std::vector<Edge>> out_;
  std::vector<Cost> potential_, distance_;
  std::vector<std::pair<size_t, size_t>> parent_;  // (node, edge index) the path came by
};

absl::Status CheckShape(const std::vector<size_t>& parents,
                        const std::vector<std::vector<int64_t>>& fen, int64_t unit) {
  bool power_of_ten = unit >= 1 && unit <= limits::kRoundingUnitMax;
  for (int64_t u = unit; power_of_ten && u > 1; u /= 10) power_of_ten = u % 10 == 0;
  if (!power_of_ten) {
    return absl::InvalidArgumentError(
        absl::Substitute("a rounding unit is a power of ten of at most $0 fen (got $1)",
                         limits::kRoundingUnitMax, unit));
  }
  const size_t columns = fen.empty() ? 0 : fen.front().size();
  for (const std::vector<int64_t>& row : fen) {
    if (row.size() != columns) {
      return absl::InvalidArgumentError("the rows of a table to round differ in length");
    }
  }
  if (columns != 0 && fen.size() > limits::kRoundingCellsMax / columns) {
    return absl::InvalidArgumentError(absl::Substitute(
        "a table to round has at most $0 cells (got $1 x $2)", limits::kRoundingCellsMax,
        fen.size(), columns));
  }
  if (parents.size() != fen.size()) {
    return absl::InvalidArgumentError("a table to round needs the parent of every row");
  }
  for (size_t i = 0; i < parents.size(); ++i) {
    if (parents[i] != kNoParent && parents[i] >= i) {
      return absl::InvalidArgumentError("a row of a table to round comes before its parent");
    }
  }
  absl::int128 magnitudes = 0;
  for (const std::vector<int64_t>& row : fen) {
    for (int64_t cell : row) magnitudes += cell < 0 ? -absl::int128(cell) : absl::int128(cell);
  }
  // Then no sum of the figures leaves int64.
  if (magnitudes > std::numeric_limits<int64_t>::max()) {
    return absl::OutOfRangeError("the figures of a table to round add up past 64 bits");
  }
  return absl::OkStatus();
}

// A figure of the table: its exact value in fen, and the sum of the own
// cells in it, each rounded down (in units). The flow through the figure is
// how many of those cells are rounded up.
struct Figure {
  int64_t exact = 0;
  int64_t floors = 0;
  Figure& operator+=(const Figure& other) {
    exact += other.exact;
    floors += other.floors;
    return *this;
  }
};

// Every figure of the table, exact.
struct Exact {
  std::vector<std::vector<Figure>> own, rows;  // [row][column]
  std::vector<Figure> own_totals, row_totals, columns;
  Figure total;
};

Exact Sum(const std::vector<size_t>& parents, const std::vector<std::vector<int64_t>>& fen,
          int64_t unit) {
  Exact exact;
  const size_t columns = fen.empty() ? 0 : fen.front().size();
  exact.columns.assign(columns, {});
  for (const std::vector<int64_t>& row : fen) {
    std::vector<Figure>& own = exact.own.emplace_back();
    Figure& own_total = exact.own_totals.emplace_back();
    for (int64_t cell : row) {
      own.push_back({cell, SplitUnits(cell, unit).units});
      own_total += own.back();
    }
  }
  exact.rows = exact.own;
  exact.row_totals = exact.own_totals;
  // Children come after their parents: from the last row up, each row is
  // complete when it is added to its parent.
  for (size_t i = fen.size(); i-- > 0;) {
    const size_t parent = parents[i];
    for (size_t j = 0; j < columns; ++j) {
      (parent == kNoParent ? exact.columns[j] : exact.rows[parent][j]) += exact.rows[i][j];
    }
    (parent == kNoParent ? exact.total : exact.row_totals[parent]) += exact.row_totals[i];
  }
  return exact;
}

// The flow whose units round own cells up: a unit through a figure's edges
// rounds one own cell in it up. A figure's edges carry at least what makes
// it its exact value rounded down, at a cost cheaper than any choice among
// remainders (`mandatory`), and one unit more when it has a remainder, at
// minus the remainder; so the cheapest flow meets every figure when any
// flow can, and rounds up the largest remainders.
//
// Nodes, numbered so that every edge goes to a later node: the source; a
// node per column (source -> it: the column total); a node per row and
// column, rows in their order (column's or parent's node -> it: the row's
// figure in the column); a node per row with children (its nodes -> it: its
// own cells); a node per row, children first (own node -> it: the own
// total; a row without children: its nodes -> it, no figure); the sink (a
// root's node -> sink, a child's -> its parent's: the row total).
class Network {
 public:
  Network(const std::vector<size_t>& parents, const Exact& exact, int64_t unit);

  bool Send(int64_t units);
  int64_t Rounded(size_t figure) const;

  // The figures' indices, for Rounded.
  std::vector<std::vector<size_t>> rows, own;
  std::vector<size_t> own_totals, row_totals, columns;

 private:
  size_t Add(size_t from, size_t to, const Figure& figure);

  struct Edges {
    int64_t floor_units = 0;
    std::pair<size_t, size_t> required{0, 0}, remainder{0, 0};
    int64_t required_units = 0;
    bool has_remainder = false;
  };
  int64_t unit_;
  Cost mandatory_;
  MinCostFlow flow_;
  std::vector<Edges> figures_;
};

Network::Network(const std::vector<size_t>& parents, const Exact& exact, int64_t unit)
    : rows(parents.size()),
      own(parents.size()),
      own_totals(parents.size(), SIZE_MAX),
      row_totals(parents.size()),
      unit_(unit),
      mandatory_(-Cost(unit) * Cost(4 * (parents.size() + 1) * (exact.columns.size() + 1))),
      flow_(2 + exact.columns.size() * (1 + parents.size()) + 2 * parents.size()) {
  const size_t count = parents.size(), width = exact.columns.size();
  std::vector<bool> has_children(count, false);
  for (size_t parent : parents) {
    if (parent != kNoParent) has_children[parent] = true;
  }
  auto column_node = [&](size_t j) { return 1 + j; };
  auto cell_node = [&](size_t i, size_t j) { return 1 + width + i * width + j; };
  auto own_node = [&](size_t i) { return 1 + width + count * width + i; };
  auto row_node = [&](size_t i) { return 1 + width + count * width + count + (count - 1 - i); };
  const size_t sink = 1 + width + count * width + 2 * count;
  for (size_t j = 0; j < width; ++j) columns.push_back(Add(0, column_node(j), exact.columns[j]));
  for (size_t i = 0; i < count; ++i) {
    for (size_t j = 0; j < width; ++j) {
      const size_t from = parents[i] == kNoParent ? column_node(j) : cell_node(parents[i], j);
      rows[i].push_back(Add(from, cell_node(i, j), exact.rows[i][j]));
      if (has_children[i]) {
        own[i].push_back(Add(cell_node(i, j), own_node(i), exact.own[i][j]));
      } else {
        flow_.AddEdge(cell_node(i, j), row_node(i), std::numeric_limits<int64_t>::max() / 2, 0);
      }
    }
    if (has_children[i]) own_totals[i] = Add(own_node(i), row_node(i), exact.own_totals[i]);
  }
  for (size_t i = count; i-- > 0;) {
    row_totals[i] = Add(row_node(i), parents[i] == kNoParent ? sink : row_node(parents[i]),
                        exact.row_totals[i]);
  }
}

size_t Network::Add(size_t from, size_t to, const Figure& figure) {
  const Split split = SplitUnits(figure.exact, unit_);
  Edges& edges = figures_.emplace_back();
  edges.floor_units = figure.floors;
  edges.required_units = split.units - figure.floors;
  if (edges.required_units > 0) {
    edges.required = flow_.AddEdge(from, to, edges.required_units, mandatory_);
  }
  edges.has_remainder = split.remainder > 0;
  if (edges.has_remainder) edges.remainder = flow_.AddEdge(from, to, 1, -Cost(split.remainder));
  return figures_.size() - 1;
}

bool Network::Send(int64_t units) {
  if (flow_.Send(units) != units) return false;
  for (const Edges& edges : figures_) {
    if (edges.required_units > 0 && flow_.FlowOn(edges.required) != edges.required_units) {
      return false;
    }
  }
  return true;
}

int64_t Network::Rounded(size_t figure) const {
  const Edges& edges = figures_[figure];
  return edges.floor_units + (edges.required_units > 0 ? flow_.FlowOn(edges.required) : 0) +
         (edges.has_remainder ? flow_.FlowOn(edges.remainder) : 0);
}

}  // namespace

int64_t RoundHalfAway(int64_t fen, int64_t unit) {
  const Split split = SplitUnits(fen, unit);
  const bool up = split.remainder * 2 > unit || (split.remainder * 2 == unit && fen > 0);
  return split.units + (up ? 1 : 0);
}

absl::StatusOr<RoundedTree> RoundTree(const std::vector<size_t>& parents,
                                      const std::vector<std::vector<int64_t>>& own_fen,
                                      int64_t unit) {
  RETURN_IF_ERROR(CheckShape(parents, own_fen, unit));
  const Exact exact = Sum(parents, own_fen, unit);
  Network network(parents, exact, unit);
  RoundedTree rounded;
  rounded.total = RoundHalfAway(exact.total.exact, unit);
  if (!network.Send(rounded.total - exact.total.floors)) {
    return absl::InternalError("no rounding of the table adds up (a bug: one always exists)");
  }
  auto read = [&](const std::vector<size_t>& figures) {
    std::vector<int64_t> values;
    for (size_t figure : figures) values.push_back(network.Rounded(figure));
    return values;
  };
  for (size_t i = 0; i < parents.size(); ++i) {
    rounded.rows.push_back(read(network.rows[i]));
    rounded.own.push_back(network.own[i].empty() ? rounded.rows.back() : read(network.own[i]));
  }
  rounded.row_totals = read(network.row_totals);
  rounded.column_totals = read(network.columns);
  for (size_t i = 0; i < parents.size(); ++i) {
    const size_t figure = network.own_totals[i];
    rounded.own_totals.push_back(figure == SIZE_MAX ? rounded.row_totals[i]
                                                    : network.Rounded(figure));
  }
  return rounded;
}

absl::StatusOr<RoundedTable> RoundTable(const std::vector<std::vector<int64_t>>& fen,
                                        int64_t unit) {
  ASSIGN_OR_RETURN(RoundedTree tree,
                   RoundTree(std::vector<size_t>(fen.size(), kNoParent), fen, unit));
  return RoundedTable{std::move(tree.rows), std::move(tree.row_totals),
                      std::move(tree.column_totals), tree.total};
}

}  // namespace aidledger

// The dashboard: the region tree from /v1/balances, drilled down by click,
// the trends of the region shown from /v1/series (drawn by Apache ECharts,
// embedded in the binary and loaded once the tree is on screen), and the
// helpers by program from /v1/helpers, at any as-of date. The state lives in
// the URL (?region=621100&as_of=2023-12-31&period=quarter&from=2021-01&to=
// 2023-12) so that a view can be shared. Figures are the ledger's own
// roll-ups (each region's `total`), never summed here; money arrives as fen
// and is shown in 万元 with two decimals, computed in integers (BigInt).
// Names from the ledger only ever become text (textContent), never markup.

const COLUMNS = [
  ["allocated_fen", "分配资金"],
  ["disbursed_fen", "项目拨付"],
  ["balance_fen", "结余"],
  ["invested_fen", "企业投资"],
  ["sales_fen", "消费帮扶"],
];

// /v1/series' metrics, in its order, and how the chart names them.
const METRICS = [
  ["allocated", "分配资金"],
  ["disbursed", "项目拨付"],
  ["invested", "企业投资"],
  ["sales", "消费帮扶"],
];
const PERIODS = { month: "按月", quarter: "按季度", year: "按年" };

const PROGRAMS = {
  EAST_WEST_COOPERATION: "东西部协作",
  COUNTERPART_SUPPORT: "对口支援",
  INTRA_PROVINCE: "省内协作",
};
const HELPER_COLUMNS = [
  ["allocated_fen", "分配资金"],
  ["invested_fen", "企业投资"],
  ["sales_fen", "消费帮扶"],
];

// fen (a decimal string) as 万元 with two decimals, rounded half up.
export function wanYuan(fen) {
  let value = BigInt(fen);
  const negative = value < 0n;
  if (negative) value = -value;
  let hundredths = value / 10000n;  // 1 万元 = 1,000,000 fen
  if ((value % 10000n) * 2n >= 10000n) hundredths += 1n;
  const whole = (hundredths / 100n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  const cents = (hundredths % 100n).toString().padStart(2, "0");
  return `${negative && hundredths > 0n ? "-" : ""}${whole}.${cents}`;
}

// --- The verified badge: the head event's RFC 6962 inclusion (RFC 9162
// section 2.1.3.2) in the digest's Merkle root, checked here with WebCrypto,
// so that the figures shown are bound to a root an auditor can compare
// with a published digest.

function hexBytes(hex) {
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i += 1) bytes[i] = parseInt(hex.substr(2 * i, 2), 16);
  return bytes;
}

function bytesHex(bytes) {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

async function sha256(...parts) {
  const joined = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    joined.set(part, at);
    at += part.length;
  }
  return new Uint8Array(await crypto.subtle.digest("SHA-256", joined));
}

// SHA-256(0x00 || the event's chain hash), as hex.
export async function leafHash(eventHashHex) {
  return bytesHex(await sha256(new Uint8Array([0]), hexBytes(eventHashHex)));
}

// Whether the leaf at `index` of a tree of `size` leaves hashes, with
// `path` (hex, lowest first), to `root` (hex).
export async function verifyInclusion(index, size, leafHex, path, rootHex) {
  let fn = BigInt(index);
  let sn = BigInt(size) - 1n;
  if (fn > sn) return false;
  let r = hexBytes(leafHex);
  const node = new Uint8Array([1]);
  for (const sibling of path) {
    if (sn === 0n) return false;
    const p = hexBytes(sibling);
    if ((fn & 1n) === 1n || fn === sn) {
      r = await sha256(node, p, r);
      while ((fn & 1n) === 0n && fn !== 0n) {
        fn >>= 1n;
        sn >>= 1n;
      }
    } else {
      r = await sha256(node, r, p);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  return sn === 0n && bytesHex(r) === rootHex;
}

// Sets the badge from /v1/digest and /v1/head-proof, and says whether the
// figures (of the report at `at`) are those of the verified head.
async function verifyHead(at) {
  const badge = document.getElementById("verified");
  const say = (ok, text) => {
    badge.className = ok ? "ok" : "bad";
    badge.textContent = text;
    performance.mark("head-verified");
  };
  if (!window.crypto || !window.crypto.subtle) {
    say(false, "无法验证：浏览器只在 HTTPS 下提供 WebCrypto");
    return;
  }
  try {
    const [digest, proof] = await Promise.all([fetchJson("/v1/digest"), fetchJson("/v1/head-proof")]);
    const seq = BigInt(digest.seq);
    const included = proof.seq === digest.seq &&
        proof.leaf_hash === await leafHash(digest.head_hash) &&
        await verifyInclusion(seq - 1n, seq, proof.leaf_hash, proof.audit_path, digest.merkle_root);
    if (!included) {
      say(false, `验证失败：seq ${digest.seq} 的头事件不在 Merkle 根 ${digest.merkle_root.slice(0, 16)} 中`);
    } else if (at.seq !== digest.seq || at.head_hash !== digest.head_hash) {
      say(false, `数字来自 seq ${at.seq}，已验证的是 seq ${digest.seq}：请刷新`);
    } else {
      say(true, `已验证 ✓ Merkle 根 ${digest.merkle_root.slice(0, 16)}`);
    }
    badge.title = `Merkle root ${digest.merkle_root}`;
  } catch (error) {
    say(false, `验证失败：${error.message}`);
  }
}

function element(tag, text, attributes = {}) {
  const made = document.createElement(tag);
  if (text !== undefined) made.textContent = text;
  for (const [name, value] of Object.entries(attributes)) made.setAttribute(name, value);
  return made;
}

// The view, as the URL says: its parameters by their URL names.
const VIEW = [["region", "region"], ["asOf", "as_of"], ["period", "period"], ["from", "from"], ["to", "to"]];

function state() {
  const params = new URLSearchParams(window.location.search);
  const view = {};
  for (const [key, name] of VIEW) view[key] = params.get(name) || "";
  if (!(view.period in PERIODS)) view.period = "month";
  return view;
}

// Shows the view `changes` makes of the current one.
function go(changes) {
  const view = { ...state(), ...changes };
  const params = new URLSearchParams();
  for (const [key, name] of VIEW) {
    if (view[key] && !(key === "period" && view[key] === "month")) params.set(name, view[key]);
  }
  const query = params.toString();
  window.history.pushState(null, "", query ? `/?${query}` : "/");
  render();
}

async function fetchJson(path) {
  const response = await fetch(path, { credentials: "same-origin", headers: { Accept: "application/json" } });
  if (response.status === 401) {
    window.location.assign("/login");
    throw new Error("the session has ended");
  }
  const body = await response.json();
  if (!response.ok) throw new Error(body.error || `HTTP ${response.status}`);
  return body;
}

function renderCrumbs(byCode, region, asOf) {
  const crumbs = document.getElementById("crumbs");
  crumbs.replaceChildren();
  const chain = [];
  for (let code = region; code && byCode.has(code); code = byCode.get(code).parent_code) {
    chain.unshift(byCode.get(code));
  }
  const top = element("button", "全部地区", { type: "button", "data-code": "" });
  top.addEventListener("click", () => go({ region: "" }));
  crumbs.append(top);
  for (const item of chain) {
    crumbs.append(element("span", "›", { class: "sep" }));
    const crumb = element("button", item.name, { type: "button", "data-code": item.code });
    crumb.addEventListener("click", () => go({ region: item.code }));
    crumbs.append(crumb);
  }
}

function row(item, hasChildren, asOf, total) {
  const tr = element("tr", undefined, { "data-code": item.code });
  if (total) tr.className = "total";
  const name = element("td");
  if (hasChildren && !total) {
    const open = element("button", item.name, { type: "button" });
    open.addEventListener("click", () => go({ region: item.code }));
    name.append(open);
  } else {
    name.textContent = item.name;
  }
  tr.append(name);
  for (const [field] of COLUMNS) tr.append(element("td", wanYuan(item.total[field]), { "data-field": field }));
  tr.append(element("td", item.total.projects, { "data-field": "projects" }));
  return tr;
}

// Helpers by program (/v1/helpers at the same date), in the region tree:
// each helper's total (its own giving and that of the regions below it,
// 青岛市 with its districts), its own when that differs, then one row per
// program it helps under itself.
async function renderHelpers(asOf) {
  const body = document.querySelector("table#helpers tbody");
  body.replaceChildren();
  let report;
  try {
    report = await fetchJson(`/v1/helpers${asOf ? `?as_of=${encodeURIComponent(asOf)}` : ""}`);
  } catch (error) {
    document.getElementById("status").textContent = `无法读取帮扶方：${error.message}`;
    return;
  }
  const baseDepth = Math.min(...report.helpers.map((helper) => helper.depth || 0));
  for (const helper of report.helpers) {
    const total = element("tr", undefined, { class: "total", "data-helper": helper.code });
    const name = element("td", helper.name);
    name.style.paddingLeft = `${((helper.depth || 0) - baseDepth) * 1.2 + 0.4}em`;
    total.append(name, element("td", "合计"));
    const sums = helper.total || {};
    for (const [field] of HELPER_COLUMNS) {
      total.append(element("td", wanYuan(sums[field] || "0"), { "data-field": field }));
    }
    body.append(total);
    if (HELPER_COLUMNS.some(([field]) => (sums[field] || "0") !== (helper[field] || "0"))) {
      const own = element("tr", undefined, { "data-helper": helper.code, "data-own": "" });
      own.append(element("td", ""), element("td", "本级"));
      for (const [field] of HELPER_COLUMNS) {
        own.append(element("td", wanYuan(helper[field] || "0"), { "data-field": field }));
      }
      body.append(own);
    }
    for (const part of helper.by_program || []) {
      const tr = element("tr", undefined, { "data-helper": helper.code, "data-program": part.program });
      tr.append(element("td", ""), element("td", PROGRAMS[part.program] || part.program));
      for (const [field] of HELPER_COLUMNS) {
        tr.append(element("td", wanYuan(part[field]), { "data-field": field }));
      }
      body.append(tr);
    }
  }
}

// --- Trends: /v1/series of the region shown (its own figures and those of
// every region below it), drawn by ECharts and listed in a table whose
// figures are exact (万元 from fen, in integers); the chart plots the same
// figures as numbers. Only our own labels reach the chart: ECharts renders
// its tooltip as markup, so no name from the ledger is ever handed to it.

let chartLibrary = null;
let chart = null;

// window.echarts, from /assets/echarts.min.js, loaded once and only when a
// chart is first drawn, so that the region tree does not wait for it.
function loadChartLibrary() {
  if (chartLibrary === null) {
    chartLibrary = new Promise((resolve, reject) => {
      const script = element("script", undefined, { src: "/assets/echarts.min.js" });
      script.addEventListener("load", () => resolve(window.echarts));
      script.addEventListener("error", () => {
        chartLibrary = null;
        reject(new Error("图表库未能加载"));
      });
      document.head.append(script);
    });
  }
  return chartLibrary;
}

function seriesPath(view) {
  const params = new URLSearchParams({ period: view.period });
  if (view.region) params.set("region", view.region);
  if (view.from) params.set("from", view.from);
  if (view.to) params.set("to", view.to);
  if (view.asOf) params.set("as_of", view.asOf);
  return `/v1/series?${params}`;
}

function renderTrendTable(series) {
  const table = document.getElementById("trend-table");
  const head = table.querySelector("thead tr");
  head.replaceChildren(element("th", "周期"));
  const labels = new Map(METRICS);
  for (const metric of series.metrics) head.append(element("th", `${labels.get(metric)}（万元）`));
  const body = table.querySelector("tbody");
  body.replaceChildren();
  for (const point of series.points) {
    const tr = element("tr", undefined, { "data-period": point.period });
    tr.append(element("td", point.period));
    point.values_fen.forEach((fen, index) => {
      tr.append(element("td", wanYuan(fen), { "data-metric": series.metrics[index] }));
    });
    body.append(tr);
  }
  table.setAttribute("data-seq", series.at.seq);
}

async function renderTrends(view, regionName) {
  const status = document.getElementById("trend-status");
  status.textContent = "";
  document.getElementById("trend-title").textContent = `趋势 · ${regionName}`;
  document.getElementById("period").value = view.period;
  document.getElementById("from").value = view.from;
  document.getElementById("to").value = view.to;
  let series;
  try {
    series = await fetchJson(seriesPath(view));
  } catch (error) {
    status.textContent = `无法读取趋势：${error.message}`;
    return;
  }
  renderTrendTable(series);
  const box = document.getElementById("trend-chart");
  if (series.points.length === 0) {
    status.textContent = "这段时间没有资金往来";
  }
  let echarts;
  try {
    echarts = await loadChartLibrary();
  } catch (error) {
    status.textContent = error.message;
    return;
  }
  if (chart === null) {
    chart = echarts.init(box, null, { renderer: "canvas" });
    window.addEventListener("resize", () => chart.resize());
  }
  const labels = new Map(METRICS);
  // The table's exact 万元 as numbers: exact to the hundredth below 2^53
  // hundredths, far above any ledger's totals. A chart whose largest
  // figure reaches 1 亿元 (10,000 万元) is drawn in 亿元.
  const values = series.metrics.map((metric, index) =>
    series.points.map((point) => Number(wanYuan(point.values_fen[index]).replaceAll(",", ""))));
  const largest = Math.max(0, ...values.flat().map(Math.abs));
  const [unit, scale] = largest >= 10000 ? ["亿元", 10000] : ["万元", 1];
  chart.setOption({
    animation: false,
    color: ["#b22222", "#0b57a4", "#d08a00", "#17603a"],
    textStyle: { fontFamily: "Noto Sans CJK SC, sans-serif" },
    tooltip: {
      trigger: "axis",
      // In 亿元 a figure has at most six decimals: showing no more than six
      // rounds away the division's binary noise and nothing else.
      valueFormatter: (value) => (typeof value !== "number" ? "" : `${value.toLocaleString("zh-CN", {
        minimumFractionDigits: 2, maximumFractionDigits: scale === 1 ? 2 : 6,
      })} ${unit}`),
    },
    legend: { top: 0 },
    grid: { left: 16, right: 24, top: 40, bottom: 8, containLabel: true },
    xAxis: { type: "category", data: series.points.map((point) => point.period) },
    yAxis: { type: "value", name: unit },
    series: series.metrics.map((metric, index) => ({
      name: labels.get(metric),
      type: view.period === "month" ? "line" : "bar",
      showSymbol: false,
      data: values[index].map((value) => value / scale),
    })),
  }, true);
  box.setAttribute("data-points", String(series.points.length));
  box.setAttribute("data-unit", unit);
  performance.mark("trends-rendered");
}

async function render() {
  const view = state();
  const { region, asOf } = view;
  const status = document.getElementById("status");
  status.textContent = "";
  document.getElementById("as-of").value = asOf;
  let report;
  try {
    report = await fetchJson(`/v1/balances${asOf ? `?as_of=${encodeURIComponent(asOf)}` : ""}`);
  } catch (error) {
    status.textContent = `无法读取余额：${error.message}`;
    return;
  }
  const byCode = new Map(report.regions.map((item) => [item.code, item]));
  const children = new Map();
  for (const item of report.regions) {
    const parent = item.parent_code || "";
    if (!children.has(parent)) children.set(parent, []);
    children.get(parent).push(item);
  }
  const shown = region && byCode.has(region) ? region : "";
  document.getElementById("point").textContent =
      `截至 seq ${report.at.seq}${asOf ? ` · 业务日期 ${asOf}` : ""} · ${report.at.head_hash.slice(0, 16)}`;
  renderCrumbs(byCode, shown, asOf);
  const body = document.querySelector("table#tree tbody");
  body.replaceChildren();
  if (shown) body.append(row(byCode.get(shown), true, asOf, true));
  for (const item of children.get(shown) || []) {
    body.append(row(item, children.has(item.code), asOf, false));
  }
  document.getElementById("tree").setAttribute("data-seq", report.at.seq);
  performance.mark("tree-rendered");  // tools/bench times the first
  await Promise.all([
    verifyHead(report.at),
    renderHelpers(asOf),
    renderTrends({ ...view, region: shown }, shown ? byCode.get(shown).name : "全部地区"),
  ]);
}

function start() {
  const head = document.querySelector("table#tree thead tr");
  head.append(element("th", "地区"));
  for (const [, label] of COLUMNS) head.append(element("th", `${label}（万元）`));
  head.append(element("th", "项目数"));
  const helpersHead = document.querySelector("table#helpers thead tr");
  helpersHead.append(element("th", "帮扶方"), element("th", "协作类型"));
  for (const [, label] of HELPER_COLUMNS) helpersHead.append(element("th", `${label}（万元）`));
  document.getElementById("when").addEventListener("submit", (event) => {
    event.preventDefault();
    go({ asOf: document.getElementById("as-of").value });
  });
  const period = document.getElementById("period");
  for (const [value, label] of Object.entries(PERIODS)) period.append(element("option", label, { value }));
  document.getElementById("trend-range").addEventListener("submit", (event) => {
    event.preventDefault();
    go({
      period: period.value,
      from: document.getElementById("from").value,
      to: document.getElementById("to").value,
    });
  });
  window.addEventListener("popstate", render);
  render();
}

start();

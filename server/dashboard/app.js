// The dashboard: the region tree from /v1/balances, drilled down by click,
// at any as-of date. The state lives in the URL (?region=621100&as_of=
// 2023-12-31) so that a view can be shared. Figures are the ledger's own
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

function element(tag, text, attributes = {}) {
  const made = document.createElement(tag);
  if (text !== undefined) made.textContent = text;
  for (const [name, value] of Object.entries(attributes)) made.setAttribute(name, value);
  return made;
}

function state() {
  const params = new URLSearchParams(window.location.search);
  return { region: params.get("region") || "", asOf: params.get("as_of") || "" };
}

function go(region, asOf) {
  const params = new URLSearchParams();
  if (region) params.set("region", region);
  if (asOf) params.set("as_of", asOf);
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
  top.addEventListener("click", () => go("", asOf));
  crumbs.append(top);
  for (const item of chain) {
    crumbs.append(element("span", "›", { class: "sep" }));
    const crumb = element("button", item.name, { type: "button", "data-code": item.code });
    crumb.addEventListener("click", () => go(item.code, asOf));
    crumbs.append(crumb);
  }
}

function row(item, hasChildren, asOf, total) {
  const tr = element("tr", undefined, { "data-code": item.code });
  if (total) tr.className = "total";
  const name = element("td");
  if (hasChildren && !total) {
    const open = element("button", item.name, { type: "button" });
    open.addEventListener("click", () => go(item.code, asOf));
    name.append(open);
  } else {
    name.textContent = item.name;
  }
  tr.append(name);
  for (const [field] of COLUMNS) tr.append(element("td", wanYuan(item.total[field]), { "data-field": field }));
  tr.append(element("td", item.total.projects, { "data-field": "projects" }));
  return tr;
}

async function render() {
  const { region, asOf } = state();
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
}

function start() {
  const head = document.querySelector("table#tree thead tr");
  head.append(element("th", "地区"));
  for (const [, label] of COLUMNS) head.append(element("th", `${label}（万元）`));
  head.append(element("th", "项目数"));
  document.getElementById("when").addEventListener("submit", (event) => {
    event.preventDefault();
    go(state().region, document.getElementById("as-of").value);
  });
  window.addEventListener("popstate", render);
  render();
}

start();

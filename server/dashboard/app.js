// The dashboard: the region tree from /v1/balances, drilled down by click,
// and the helpers by program from /v1/helpers, at any as-of date. The state lives in the URL (?region=621100&as_of=
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

// Helpers by program (/v1/helpers at the same date): each helper's totals,
// then one row per program it helps under.
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
  for (const helper of report.helpers) {
    const total = element("tr", undefined, { class: "total", "data-helper": helper.code });
    total.append(element("td", helper.name), element("td", "合计"));
    for (const [field] of HELPER_COLUMNS) {
      total.append(element("td", wanYuan(helper[field]), { "data-field": field }));
    }
    body.append(total);
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
  performance.mark("tree-rendered");  // tools/bench times the first
  await Promise.all([verifyHead(report.at), renderHelpers(asOf)]);
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
    go(state().region, document.getElementById("as-of").value);
  });
  window.addEventListener("popstate", render);
  render();
}

start();

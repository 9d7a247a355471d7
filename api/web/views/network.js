// The network explorer: a canvas (Cytoscape.js, api/web/vendor/) that starts at a rep, a person
// or a company; selecting a node expands its neighbours one server page at a time (25, "+N more"
// for the rest), a tie shows its sources and dates, and two chosen nodes get their shortest paths
// highlighted. Everything on the canvas is also in the panel beside it, for the keyboard.

import { action, byId, current, esc, gql, repList, say, state, unwrap, view } from "../core.js";

const PAGE = 25;
const NODE = "id kind name title degree";
const TIE = "from to kind sources since until";
const KIND_WORDS = { REP: "rep", PERSON: "person", COMPANY: "company", SCHOOL: "school" };
const STYLE = [
  { selector: "node", style: { label: "data(name)", "font-size": 11, "text-valign": "bottom", "text-margin-y": 4, "background-color": "#5b9bd5", width: 22, height: 22, "text-wrap": "ellipsis", "text-max-width": 110 } },
  { selector: "node[kind = 'REP']", style: { shape: "round-rectangle", "background-color": "#0b57d0", width: 28, height: 28 } },
  { selector: "node[kind = 'COMPANY']", style: { shape: "diamond", "background-color": "#b8860b", width: 28, height: 28 } },
  { selector: "node[kind = 'SCHOOL']", style: { shape: "hexagon", "background-color": "#7b4fa0", width: 26, height: 26 } },
  { selector: "node.more", style: { shape: "round-rectangle", "background-color": "#ffffff", "border-width": 1, "border-style": "dashed", "border-color": "#4a5360", label: "data(name)", color: "#4a5360", width: 18, height: 18 } },
  { selector: "edge", style: { width: 1.5, "line-color": "#9aa5b1", "curve-style": "haystack" } },
  { selector: "edge[kind = 'WORKS_AT']", style: { "line-style": "dotted" } },
  { selector: "edge.more", style: { "line-style": "dashed", "line-color": "#c9d1db" } },
  { selector: "node:selected", style: { "border-width": 4, "border-color": "#ffbf47" } },
  { selector: ".faded", style: { opacity: 0.25 } },
  { selector: "node.path", style: { "background-color": "#d97706", "border-width": 3, "border-color": "#7a3d00" } },
  { selector: "edge.path", style: { width: 4, "line-color": "#d97706", "curve-style": "bezier" } },
];

let graph = null;  // { cy, pages: Map(id -> {endCursor, hasNextPage, totalCount, loaded}), ties: Map }
const ends = { from: null, to: null };

async function library() {
  try {
    return (await import("../vendor/cytoscape.esm.min.js")).default;
  } catch {
    throw new Error("The graph library is missing (api/web/vendor/cytoscape.esm.min.js): run make install.");
  }
}

function tieKey(tie) { return [tie.kind, ...[tie.from, tie.to].sort()].join("|"); }
function node(id) { const n = graph.cy.getElementById(id); return n.nonempty() ? n : null; }
function label(id) { const n = node(id); return n ? n.data("name") : id; }

function dates(tie) {
  if (!tie.since && !tie.until) return "no dates";
  return `${tie.since ? "since " + esc(tie.since.slice(0, 10)) : ""}${tie.until ? " until " + esc(tie.until.slice(0, 10)) : ""}`.trim();
}

// "knows (linkedin, crm); since 2022-05-20": a tie's kind, the sources that report it, its dates.
function describe(tie) {
  const sources = (tie.sources || []).join(", ");
  return `${esc(tie.kind.toLowerCase().replace("_", " "))}${sources ? ` (${esc(sources)})` : ""}; ${dates(tie)}`;
}

// Put new nodes on a circle around `center`, away from the rest of the graph (the library's
// circle layout on the new nodes only: nothing already placed moves).
function place(added, center) {
  if (!added.nonempty()) return;
  const at = center ? center.position() : { x: 0, y: 0 };
  const box = graph.cy.elements().not(added).boundingBox();
  const middle = { x: (box.x1 + box.x2) / 2 || 0, y: (box.y1 + box.y2) / 2 || 0 };
  const away = { x: at.x - middle.x, y: at.y - middle.y };
  const length = Math.hypot(away.x, away.y);
  const radius = 90 + added.length * 6;
  const push = length > 1 ? radius * 0.8 : 0;
  const cx = at.x + (push ? (away.x / length) * push : 0), cy = at.y + (push ? (away.y / length) * push : 0);
  added.layout({ name: "circle", fit: false, animate: false, boundingBox: { x1: cx - radius, y1: cy - radius, w: 2 * radius, h: 2 * radius } }).run();
}

function addNode(data, position) {
  const existing = node(data.id);
  if (existing) {
    const { id, ...rest } = data;  // a node's id never changes
    existing.data(Object.fromEntries(Object.entries(rest).filter(([, value]) => value != null)));
    return null;
  }
  const at = position || { x: 0, y: 0 };  // a copy: the library keeps the object it is given
  return graph.cy.add({ group: "nodes", data: { ...data }, position: { x: at.x, y: at.y } });
}

function addTie(tie) {
  const key = tieKey(tie);
  if (graph.ties.has(key) || !node(tie.from) || !node(tie.to)) return;
  graph.ties.set(key, tie);
  graph.cy.add({ group: "edges", data: { id: key, source: tie.from, target: tie.to, kind: tie.kind } });
}

function showMore(id) {
  const page = graph.pages.get(id);
  const moreId = `more:${id}`;
  graph.cy.getElementById(moreId).remove();
  if (!page || !page.hasNextPage) return;
  const center = node(id).position();
  graph.cy.add([
    { group: "nodes", data: { id: moreId, name: `+${page.totalCount - page.loaded} more`, kind: "MORE", of: id }, classes: "more", position: { x: center.x + 36, y: center.y - 36 } },
    { group: "edges", data: { id: `${moreId}|edge`, source: id, target: moreId }, classes: "more" },
  ]);
}

async function expand(kind, id) {
  const page = graph.pages.get(id);
  if (page && !page.hasNextPage) return;
  const result = unwrap((await gql(`query($kind: NodeKind!, $id: ID!, $first: Int!, $after: String) {
    neighbours(kind: $kind, id: $id, first: $first, after: $after) { __typename ... on Problem { code message }
      ... on NeighbourPage { node { ${NODE} } nodes { ${NODE} } ties { ${TIE} } totalCount endCursor hasNextPage } } }`,
  { kind, id, first: PAGE, after: page ? page.endCursor : null })).neighbours);
  addNode(result.node);
  const center = node(result.node.id);
  let added = graph.cy.collection();
  for (const item of result.nodes) {
    const fresh = addNode(item, center.position());
    if (fresh) added = added.union(fresh);
  }
  for (const tie of result.ties) addTie(tie);
  place(added, graph.pages.size ? center : null);
  graph.pages.set(result.node.id, {
    endCursor: result.endCursor, hasNextPage: result.hasNextPage, totalCount: result.totalCount,
    loaded: (page ? page.loaded : 0) + result.nodes.length,
  });
  showMore(result.node.id);
  graph.cy.fit(graph.cy.elements(), 30);  // at once, not animated: a tap lands where it looks
  select(result.node.id);
}

function counts() {
  byId("net-count").textContent = `${graph.cy.nodes().not(".more").length} nodes and ${graph.ties.size} ties on the canvas.`;
}

// The panel: the selected node, what can be done with it, and its ties with their sources.
function select(id) {
  const n = node(id);
  if (!n) return;
  graph.cy.nodes().unselect();
  n.select();
  graph.cy.center(n);
  const d = n.data();
  const page = graph.pages.get(id);
  const ties = [...graph.ties.values()].filter((t) => t.from === id || t.to === id);
  const expandLabel = !page ? `Expand neighbours (first ${PAGE})` : page.hasNextPage ? `Load ${PAGE} more (+${page.totalCount - page.loaded} more)` : "";
  byId("net-detail").innerHTML = `<h3 id="net-selected">${esc(d.name)}</h3>
    <p><span class="badge">${KIND_WORDS[d.kind] || esc(d.kind)}</span> ${esc(d.title || "")} ${d.degree != null ? `<span class="muted">· ${d.degree} ties in all</span>` : ""}</p>
    <div class="actions">${expandLabel ? `<button type="button" id="net-expand">${expandLabel}</button>` : `<span class="muted">every neighbour is shown (${page.totalCount})</span>`}
      <button type="button" class="secondary" id="net-from">Path from here</button><button type="button" class="secondary" id="net-to">Path to here</button></div>
    <h4>Ties shown (${ties.length})</h4>
    <ul class="ties" id="net-ties">${ties.map((t) => {
      const other = t.from === id ? t.to : t.from;
      return `<li><button type="button" class="link" data-select="${esc(other)}">${esc(label(other))}</button> <span class="muted">${describe(t)}</span></li>`;
    }).join("")}</ul>`;
  if (expandLabel) byId("net-expand").addEventListener("click", () => action(() => expand(d.kind, id)));
  byId("net-from").addEventListener("click", () => chooseEnd("from", id));
  byId("net-to").addEventListener("click", () => chooseEnd("to", id));
  for (const button of byId("net-ties").querySelectorAll("[data-select]")) button.addEventListener("click", () => select(button.dataset.select));
  counts();
}

function showTie(key) {
  const t = graph.ties.get(key);
  if (!t) return;
  byId("net-tie").innerHTML = `<strong>${esc(label(t.from))}</strong> — <strong>${esc(label(t.to))}</strong>: ${describe(t)}.`;
}

function chooseEnd(which, id) {
  ends[which] = id;
  byId(`net-${which}-name`).textContent = label(id);
  byId("net-paths").disabled = !(ends.from && ends.to && ends.from !== ends.to);
}

async function highlightPaths() {
  const from = node(ends.from).data(), to = node(ends.to).data();
  const result = unwrap((await gql(`query($fk: NodeKind!, $f: ID!, $tk: NodeKind!, $t: ID!) {
    graphPaths(fromKind: $fk, fromId: $f, toKind: $tk, toId: $t, maxHops: 4, limit: 5) { __typename ... on Problem { code message }
      ... on GraphPaths { paths { id kind name } ties { ${TIE} } } } }`, { fk: from.kind, f: from.id, tk: to.kind, t: to.id })).graphPaths);
  const cy = graph.cy;
  cy.elements().removeClass("path faded");
  let added = cy.collection();
  for (const path of result.paths) for (const item of path) { const fresh = addNode(item, node(ends.from).position()); if (fresh) added = added.union(fresh); }
  place(added, node(ends.from));
  for (const tie of result.ties) addTie(tie);
  const onPath = new Set(result.paths.flat().map((item) => item.id));
  for (const id of onPath) node(id).addClass("path");
  for (const path of result.paths) {
    for (let i = 1; i < path.length; i += 1) cy.edges().filter((e) => (e.data("source") === path[i - 1].id && e.data("target") === path[i].id) || (e.data("source") === path[i].id && e.data("target") === path[i - 1].id)).addClass("path");
  }
  cy.elements().not(".path").addClass("faded");
  byId("net-found").innerHTML = result.paths.length
    ? `<p>${result.paths.length} shortest path(s), ${result.paths[0].length - 1} hop(s):</p><ol>${result.paths.map((path) => `<li>${path.map((item) => esc(item.name)).join(" → ")}</li>`).join("")}</ol>`
    : `<p>No path within 4 hops between ${esc(from.name)} and ${esc(to.name)}.</p>`;
  counts();
}

async function start(kind, id) {
  const cytoscape = await library();
  if (graph) graph.cy.destroy();
  ends.from = ends.to = null;
  byId("net-from-name").textContent = byId("net-to-name").textContent = "—";
  byId("net-paths").disabled = true;
  byId("net-found").replaceChildren();
  byId("net-tie").replaceChildren();
  const cy = cytoscape({ container: byId("net-canvas"), style: STYLE, minZoom: 0.2, maxZoom: 3, boxSelectionEnabled: false });
  graph = { cy, pages: new Map(), ties: new Map() };
  cy.on("tap", "node", (event) => {
    const n = event.target;
    if (n.hasClass("more")) action(() => expand(node(n.data("of")).data("kind"), n.data("of")));
    else if (!graph.pages.has(n.id())) action(() => expand(n.data("kind"), n.id()));
    else select(n.id());
  });
  cy.on("tap", "edge", (event) => showTie(event.target.id()));
  await expand(kind, id);
}

async function find(reps) {
  const text = byId("net-search").value.trim();
  const people = (await gql("query($s: String!) { people(search: $s, first: 20) { id name title } }", { s: text })).people;
  const lower = text.toLowerCase();
  const matching = reps.filter((r) => r.name.toLowerCase().includes(lower)).slice(0, 10);
  const item = (kind, p) => `<li><button type="button" class="secondary" data-start="${kind}" data-id="${esc(p.id)}">${esc(p.name)}</button> <span class="muted">${KIND_WORDS[kind]}${p.title ? " · " + esc(p.title) : ""}</span></li>`;
  const list = byId("net-people");
  list.innerHTML = matching.length || people.length ? `<ul class="found">${matching.map((r) => item("REP", r)).join("")}${people.map((p) => item("PERSON", p)).join("")}</ul>` : "<p>Nobody found.</p>";
  for (const button of list.querySelectorAll("[data-start]")) button.addEventListener("click", () => action(() => start(button.dataset.start, button.dataset.id)));
}

export async function showNetwork(kind, id) {
  const mine = state.navigation;
  const reps = await repList();
  if (!current(mine)) return;  // the user has moved on
  view.innerHTML = `<h2>Network</h2>
    <form id="net-find" class="filters">
      <span><label for="net-search">Start at</label><input id="net-search" required placeholder="a rep, a person: name, company, LinkedIn URL or email"></span>
      <button type="submit">Find</button>
      <span><label for="net-rep">or a rep</label><select id="net-rep">${reps.map((r) => `<option value="${esc(r.id)}">${esc(r.name)}</option>`).join("")}</select>
      <button type="button" class="secondary" id="net-rep-go">Start</button></span>
    </form>
    <div id="net-people"></div>
    <div class="network">
      <div><div id="net-canvas" role="img" aria-label="network canvas: the panel lists the same nodes and ties"></div>
        <p id="net-count" class="muted" aria-live="polite"></p><p id="net-tie" aria-live="polite"></p></div>
      <aside class="panel" aria-label="Selected node">
        <div id="net-detail"><p class="muted">Start somewhere, then select a node to expand it.</p></div>
        <h3>Shortest paths</h3>
        <p>From <strong id="net-from-name">—</strong> to <strong id="net-to-name">—</strong></p>
        <button type="button" id="net-paths" disabled>Highlight shortest paths</button>
        <div id="net-found" aria-live="polite"></div>
      </aside>
    </div>`;
  byId("net-find").addEventListener("submit", (event) => { event.preventDefault(); action(() => find(reps)); });
  byId("net-rep-go").addEventListener("click", () => action(() => start("REP", byId("net-rep").value)));
  byId("net-paths").addEventListener("click", () => action(highlightPaths));
  if (kind && id && KIND_WORDS[kind]) await start(kind, id);
  else if (kind) say("Choose where to start: that link does not name a rep, a person or a company.", true);
}

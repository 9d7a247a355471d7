// warmpath manager page: talks to the API only through GraphQL (/graphql) and its
// graphql-transport-ws subscription. No external assets; the token lives in sessionStorage.

const SIGNALS = {
  warmth: "#1f5fbf", coverage: "#5b9bd5", mutuals: "#2e8b57", account_reach: "#8fbc5a",
  shared_background: "#b8860b", industry: "#c0504d", geography: "#e4a4a1", product: "#7b4fa0",
  deal_size: "#b79fd0", track_record: "#4d4d4d", load: "#a6a6a6", account_owner: "#d97706",
};
const STATUSES = ["new", "offered", "claimed", "contacted", "nurture", "won", "lost", "returned"];
const view = document.getElementById("view");
const notice = document.getElementById("notice");
let me = null;
let socket = null;
let navigation = 0;  // a view renders only if no newer navigation started meanwhile

function esc(text) {
  return String(text ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

function say(message, error = false) {
  const p = document.createElement("p");
  p.textContent = message;
  if (error) p.className = "error";
  notice.replaceChildren(p);
}

function token() { return sessionStorage.getItem("warmpath-token"); }

class ApiError extends Error {}

async function gql(query, variables = {}) {
  let response;
  try {
    response = await fetch("/graphql", {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${token()}` },
      body: JSON.stringify({ query, variables }),
    });
  } catch {
    throw new ApiError("The server cannot be reached: is warmpath running?");
  }
  if (response.status === 401) {
    sessionStorage.removeItem("warmpath-token");
    showSignIn("Your token is not valid (or was revoked): sign in again.");
    throw new ApiError("signed out");
  }
  const body = await response.json();
  if (body.errors && body.errors.length) throw new ApiError(body.errors[0].message);
  return body.data;
}

// A result union member: a Problem becomes an error in plain words.
function unwrap(result) {
  if (result && result.__typename === "Problem") {
    const words = {
      FORBIDDEN: "You are not allowed to do that", ALREADY_CLAIMED: "Already claimed",
      NOT_ELIGIBLE: "Not eligible", NOT_FOUND: "Not found", INVALID_STATE: "Not possible now",
      INVALID_ARGUMENT: "Please check what you entered",
    };
    throw new ApiError(`${words[result.code] || result.code}: ${result.message}`);
  }
  return result;
}

function showSignIn(message) {
  document.getElementById("signin").hidden = false;
  document.getElementById("signout").hidden = true;
  view.replaceChildren();
  document.getElementById("who").textContent = "";
  if (message) say(message, true);
  document.getElementById("token").focus();
}

document.getElementById("signin").addEventListener("submit", async (event) => {
  event.preventDefault();
  sessionStorage.setItem("warmpath-token", document.getElementById("token").value.trim());
  document.getElementById("token").value = "";
  await start();
});

document.getElementById("signout").addEventListener("click", () => {
  sessionStorage.removeItem("warmpath-token");
  if (socket) socket.close();
  showSignIn("Signed out.");
});

async function start() {
  if (!token()) return showSignIn();
  try {
    me = (await gql("{ me { id name role team repId } }")).me;
  } catch (error) {
    if (error.message !== "signed out") say(error.message, true);
    return;
  }
  document.getElementById("signin").hidden = true;
  document.getElementById("signout").hidden = false;
  document.getElementById("who").textContent = `${me.name} (${me.role}${me.team ? ", team " + me.team : ""})`;
  notice.replaceChildren();
  subscribe();
  route();
}

// --- live events --------------------------------------------------------------------------

function subscribe() {
  if (socket) socket.close();
  const url = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/graphql`;
  socket = new WebSocket(url, "graphql-transport-ws");
  socket.addEventListener("open", () => {
    socket.send(JSON.stringify({ type: "connection_init", payload: { Authorization: `Bearer ${token()}` } }));
  });
  socket.addEventListener("message", (message) => {
    const data = JSON.parse(message.data);
    if (data.type === "connection_ack") {
      socket.send(JSON.stringify({ id: "events", type: "subscribe", payload: { query: "subscription { leadEvents { id kind leadId repId actor at reason } }" } }));
    } else if (data.type === "next" && data.payload.data) {
      onEvent(data.payload.data.leadEvents);
    }
  });
  socket.addEventListener("close", (event) => {
    if (event.code === 4403) say("Live updates were refused: sign in again.", true);
  });
}

function onEvent(event) {
  say(`Live: lead ${event.leadId} ${event.kind}${event.repId ? " (" + event.repId.replace(/^rep:/, "") + ")" : ""}.`);
  const here = location.hash;
  if (here.startsWith(`#/lead/${encodeURIComponent(event.leadId)}`)) showLead(event.leadId);
  else if (here === "" || here.startsWith("#/leads")) showLeads();
}

// --- router -------------------------------------------------------------------------------

window.addEventListener("hashchange", route);

function route() {
  if (!me) return;
  navigation += 1;
  const hash = location.hash || "#/leads";
  const [, section, arg] = hash.split("/");
  for (const link of document.querySelectorAll("nav a")) {
    if (link.dataset.nav === section || (section === "lead" && link.dataset.nav === "leads")) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  const run = { lead: () => showLead(decodeURIComponent(arg)), explorer: showExplorer, team: showTeam }[section] || showLeads;
  run().catch((error) => { if (error.message !== "signed out") say(error.message, true); });
}

// --- lead queue ---------------------------------------------------------------------------

const queue = { status: "", grade: "", unassigned: false, owner: "" };

async function showLeads() {
  const mine = navigation;
  const counts = STATUSES.map((s) => `${s}: leads(filter: {status: "${s}"}, first: 1) { totalCount }`).join(" ");
  const filter = {};
  if (queue.status) filter.status = queue.status;
  if (queue.grade) filter.grade = queue.grade;
  if (queue.unassigned) filter.unassigned = true;
  if (queue.owner) filter.ownerId = queue.owner;
  const data = await gql(`query($filter: LeadFilter) { ${counts}
    page: leads(filter: $filter, first: 100) { totalCount nodes { id title status grade overdue contactDueAt company { name } owner { id name } } } }`, { filter });
  const statusOptions = ["", ...STATUSES].map((s) => `<option value="${s}" ${s === queue.status ? "selected" : ""}>${s || "any"}</option>`).join("");
  const gradeOptions = ["", "hot", "warm", "cold"].map((g) => `<option value="${g}" ${g === queue.grade ? "selected" : ""}>${g || "any"}</option>`).join("");
  const rows = data.page.nodes.map((lead) => `
    <tr class="${lead.overdue ? "overdue" : ""}">
      <td><a href="#/lead/${encodeURIComponent(lead.id)}">${esc(lead.id)}</a></td>
      <td>${esc(lead.title)}</td><td>${esc(lead.company.name)}</td><td>${esc(lead.grade)}</td>
      <td>${esc(lead.status)} ${lead.overdue ? '<span class="badge overdue">overdue</span>' : ""}</td>
      <td>${esc(lead.owner ? lead.owner.name : "—")}</td>
      <td>${lead.contactDueAt ? `<time>${esc(lead.contactDueAt.slice(0, 16).replace("T", " "))}</time>` : ""}</td>
    </tr>`).join("");
  if (mine !== navigation) return;  // the user has moved on
  view.innerHTML = `
    <h2>Leads</h2>
    <ul class="counts" aria-label="Leads per status">${STATUSES.map((s) => `<li>${s} <strong>${data[s].totalCount}</strong></li>`).join("")}</ul>
    <form class="filters" id="filters">
      <span><label for="f-status">Status</label><select id="f-status">${statusOptions}</select></span>
      <span><label for="f-grade">Grade</label><select id="f-grade">${gradeOptions}</select></span>
      <span><label for="f-owner">Owner id</label><input id="f-owner" value="${esc(queue.owner)}" placeholder="rep:…"></span>
      <span><input type="checkbox" id="f-unassigned" ${queue.unassigned ? "checked" : ""}><label for="f-unassigned">unassigned only</label></span>
      <button type="submit">Show</button>
    </form>
    <p class="muted">${data.page.totalCount} leads match; showing ${data.page.nodes.length}. Overdue claims are marked in red.</p>
    <table><thead><tr><th>Lead</th><th>Title</th><th>Company</th><th>Grade</th><th>Status</th><th>Owner</th><th>Contact due</th></tr></thead>
    <tbody>${rows}</tbody></table>`;
  document.getElementById("filters").addEventListener("submit", (event) => {
    event.preventDefault();
    queue.status = document.getElementById("f-status").value;
    queue.grade = document.getElementById("f-grade").value;
    queue.owner = document.getElementById("f-owner").value.trim();
    queue.unassigned = document.getElementById("f-unassigned").checked;
    showLeads().catch((error) => say(error.message, true));
  });
}

// --- lead page ----------------------------------------------------------------------------

const LEAD = `query($id: ID!) {
  lead(id: $id) { __typename ... on Problem { code message } ... on Lead {
    id title status grade value product overdue contactDueAt claimedAt
    company { name industry region } owner { id name }
    committee { role person { id name title } }
    rankedReps(limit: 15) { __typename ... on Problem { code message } ... on Ranking {
      policyVersion mode eligible
      ranked { position score rep { id name } note signals { name value contribution }
        evidence { knownAtCompanyCount knownAtCompany { name title }
          shared { member { name } employers schools }
          committee { role hops mutualCount member { id name title } paths { id name title } mutuals { name } colleagues { name } } } }
      excluded { rep { id name } rule reason } } } } }
  events(leadId: $id, first: 200) { nodes { at kind actor repId reason } }
  reps { id name } }`;

async function showLead(id) {
  const mine = navigation;
  const data = await gql(LEAD, { id });
  const lead = unwrap(data.lead);
  const ranking = lead.rankedReps.__typename === "Ranking" ? lead.rankedReps : null;
  const manager = me.role !== "rep";
  const legend = Object.entries(SIGNALS).map(([name, color]) => `<li><i style="background:${color}"></i>${name.replace("_", " ")}</li>`).join("");
  const ranked = ranking ? ranking.ranked.map((item) => {
    const segments = item.signals.filter((s) => s.contribution > 0).map((s) =>
      `<span style="width:${(s.contribution * 100).toFixed(2)}%;background:${SIGNALS[s.name]}" title="${esc(s.name)}: ${s.contribution.toFixed(3)} (value ${s.value})"></span>`).join("");
    return `<li data-rep="${esc(item.rep.id)}">
      <span>${item.position}</span><strong>${esc(item.rep.name)}${item.note ? ' <span class="badge">owner</span>' : ""}</strong>
      <span>${item.score.toFixed(3)}</span>
      <div class="bar" role="img" aria-label="score ${item.score.toFixed(3)} of ${esc(item.rep.name)} split by signal">${segments}</div>
      <button type="button" class="secondary" data-paths="${esc(item.rep.id)}">Paths</button></li>`;
  }).join("") : "";
  const excluded = ranking ? ranking.excluded.map((e) => `<li>${esc(e.rep.name)}: ${esc(e.reason)}</li>`).join("") : "";
  const timeline = data.events.nodes.slice().reverse().map((e) =>
    `<li><time>${esc(e.at.slice(0, 19).replace("T", " "))}</time><strong>${esc(e.kind)}</strong> ${e.repId ? esc(e.repId.replace(/^rep:/, "")) : ""} <span class="muted">by ${esc(e.actor)}</span>${e.reason ? " — " + esc(e.reason) : ""}</li>`).join("");
  const repOptions = data.reps.map((r) => `<option value="${esc(r.id)}">${esc(r.name)}</option>`).join("");
  if (mine !== navigation) return;  // the user has moved on
  view.innerHTML = `
    <h2>${esc(lead.title)} <span class="muted">at ${esc(lead.company.name)}</span></h2>
    <p><span class="badge">${esc(lead.status)}</span> <span class="badge">${esc(lead.grade)}</span>
      ${lead.overdue ? '<span class="badge overdue">overdue</span>' : ""}
      ${lead.owner ? `owner <strong>${esc(lead.owner.name)}</strong>` : "no owner"}
      ${lead.contactDueAt ? ` · contact due ${esc(lead.contactDueAt.slice(0, 16).replace("T", " "))}` : ""}
      ${lead.value ? ` · value ${esc(lead.value)}` : ""}</p>
    <div class="grid">
      <div>
        <section class="panel" aria-labelledby="h-ranking"><h3 id="h-ranking">Ranked reps</h3>
          ${ranking ? `<p class="muted">${ranking.eligible} eligible; mode ${esc(ranking.mode)}; policy ${esc(ranking.policyVersion)}. Each bar is the score split into the signals' contributions.</p>
          <ul class="legend">${legend}</ul><ol class="ranked" id="ranked">${ranked}</ol>` : `<p>${esc(lead.rankedReps.message)}</p>`}
        </section>
        <section class="panel" id="paths" aria-live="polite"><h3>Paths</h3><p class="muted">Choose “Paths” next to a rep.</p></section>
        <section class="panel"><h3>Excluded reps</h3><ul>${excluded || "<li>none</li>"}</ul></section>
      </div>
      <div>
        <section class="panel" id="committee"><h3>Decision-makers</h3><ul>${lead.committee.map((m) => `<li><strong>${esc(m.person.name)}</strong> ${esc(m.person.title || "")} <span class="muted">(${esc(m.role.replace("_", " "))})</span></li>`).join("")}</ul></section>
        ${manager ? `<section class="panel"><h3>Actions</h3>
          <div class="actions">
            <button type="button" id="act-route" ${lead.status === "new" ? "" : "disabled"}>Route</button>
          </div>
          <form id="act-assign" class="actions" style="margin-top:10px">
            <label for="assign-rep">Assign to</label><select id="assign-rep">${repOptions}</select>
            <label for="assign-reason">Reason</label><input id="assign-reason" required placeholder="why this rep">
            <button type="submit">Assign</button>
          </form>
          <form id="act-change" class="actions" style="margin-top:10px">
            <label for="change-reason">Reason</label><input id="change-reason" required placeholder="why">
            <button type="submit" name="release" value="release" ${lead.status === "claimed" ? "" : "disabled"}>Release</button>
            <button type="submit" name="reject" value="reject" class="secondary" ${["offered", "claimed"].includes(lead.status) ? "" : "disabled"}>Reject to marketing</button>
          </form></section>` : ""}
        <section class="panel"><h3>Timeline</h3><ol class="timeline" id="timeline">${timeline}</ol></section>
      </div>
    </div>`;
  for (const button of view.querySelectorAll("[data-paths]")) {
    button.addEventListener("click", () => showRepPaths(lead, ranking.ranked.find((r) => r.rep.id === button.dataset.paths)));
  }
  if (!manager) return;
  const act = async (mutation, variables, key) => {
    try {
      unwrap((await gql(mutation, variables))[key]);
      say(`Done: ${key.replace(/([A-Z])/g, " $1").toLowerCase()}.`);
      await showLead(id);
    } catch (error) { if (error.message !== "signed out") say(error.message, true); }
  };
  document.getElementById("act-route").addEventListener("click", () =>
    act("mutation($id: ID!) { routeLead(leadId: $id) { __typename ... on Problem { code message } } }", { id }, "routeLead"));
  document.getElementById("act-assign").addEventListener("submit", (event) => {
    event.preventDefault();
    act("mutation($id: ID!, $rep: ID!, $reason: String!) { assignLead(leadId: $id, repId: $rep, reason: $reason) { __typename ... on Problem { code message } } }",
      { id, rep: document.getElementById("assign-rep").value, reason: document.getElementById("assign-reason").value }, "assignLead");
  });
  document.getElementById("act-change").addEventListener("submit", (event) => {
    event.preventDefault();
    const kind = event.submitter ? event.submitter.value : "release";
    const reason = document.getElementById("change-reason").value;
    if (kind === "reject") act("mutation($id: ID!, $reason: String!) { rejectLead(leadId: $id, reason: $reason) { __typename ... on Problem { code message } } }", { id, reason }, "rejectLead");
    else act("mutation($id: ID!, $reason: String!) { releaseLead(leadId: $id, reason: $reason) { __typename ... on Problem { code message } } }", { id, reason }, "releaseLead");
  });
}

async function showRepPaths(lead, item) {
  const evidence = item.evidence;
  const box = document.getElementById("paths");
  box.innerHTML = `<h3>Paths of ${esc(item.rep.name)}</h3><p class="muted">Loading…</p>`;
  // one request: the shortest paths (with each tie's sources) to every decision-maker
  const members = evidence.committee;
  const fields = members.map((m, i) => `p${i}: connectionPaths(repId: $rep, personKey: "${m.member.id.replace(/["\\]/g, "")}", maxHops: 3, limit: 3) {
    __typename ... on Paths { paths { hops nodes { id name title } steps { sources } } } ... on Problem { code message } }`).join(" ");
  let found = {};
  try {
    found = members.length ? await gql(`query($rep: ID!) { ${fields} }`, { rep: item.rep.id }) : {};
  } catch (error) { if (error.message !== "signed out") say(error.message, true); return; }
  const chains = [], labels = [];
  members.forEach((member, i) => {
    const result = found[`p${i}`];
    const paths = result && result.__typename === "Paths" ? result.paths : [];
    if (!paths.length) { chains.push({ people: [], end: member.member, none: true }); labels.push([]); return; }
    for (const path of paths) {
      chains.push({ people: path.nodes.slice(1, -1), end: path.nodes[path.nodes.length - 1], hops: path.hops });
      labels.push(path.steps.map((s) => s.sources.join("/")));
    }
  });
  const shared = evidence.shared.map((s) => `${esc(s.member.name)}: ${esc([...s.employers, ...s.schools].join(", "))}`).join("; ");
  box.innerHTML = `<h3>Paths of ${esc(item.rep.name)}</h3>
    ${drawChains(item.rep.name, chains, labels)}
    <p>${members.map((m) => `${esc(m.member.name)}: ${m.hops ? m.hops + " hop(s)" : "no path within 3 hops"}${m.mutualCount ? ", " + m.mutualCount + " mutual connection(s)" + (m.mutuals.length ? " (" + esc(m.mutuals.map((p) => p.name).join(", ")) + ")" : "") : ""}${m.colleagues.length ? "; colleagues who can introduce: " + esc(m.colleagues.map((p) => p.name).join(", ")) : ""}`).join("<br>")}</p>
    <p>Knows ${evidence.knownAtCompanyCount} people at ${esc(lead.company.name)}${evidence.knownAtCompany.length ? ": " + esc(evidence.knownAtCompany.map((p) => p.name).join(", ")) : ""}.${shared ? " Shared background: " + shared + "." : ""}</p>`;
}

// Draw chains rep -> intermediaries -> decision-maker as columns of an SVG.
function drawChains(repName, chains, edgeLabels = null) {
  const rowHeight = 46, colWidth = 190, width = colWidth * 4 + 40;
  const height = Math.max(1, chains.length) * rowHeight + 30;
  let body = `<text x="10" y="${height / 2}" font-weight="700">${esc(repName)}</text>`;
  chains.forEach((chain, row) => {
    const y = 24 + row * rowHeight;
    const nodes = [...chain.people, chain.end];
    let x = 10 + colWidth, prevX = 10 + Math.min(140, repName.length * 7), prevY = height / 2;
    nodes.forEach((person, index) => {
      const last = index === nodes.length - 1;
      const cx = last ? 10 + colWidth * 3 : x;
      if (!chain.none || last) {
        body += `<line x1="${prevX}" y1="${prevY - 4}" x2="${cx - 4}" y2="${y - 4}" ${chain.none ? 'stroke-dasharray="4 4"' : ""}></line>`;
        if (edgeLabels && edgeLabels[row] && edgeLabels[row][index]) body += `<text class="edge-label" x="${(prevX + cx) / 2}" y="${(prevY + y) / 2 - 8}">${esc(edgeLabels[row][index])}</text>`;
      }
      body += `<text x="${cx}" y="${y}" data-node="${esc(person.id || "")}">${esc(person.name)}</text>`;
      if (person.title) body += `<text class="title" x="${cx}" y="${y + 13}">${esc(person.title)}</text>`;
      prevX = cx + Math.min(150, person.name.length * 7); prevY = y; x += colWidth;
    });
    body += `<text class="title" x="${10 + colWidth * 3}" y="${y + 26}">${chain.none ? "no path within 3 hops" : chain.hops + " hop(s)"}</text>`;
  });
  return `<svg class="paths" viewBox="0 0 ${width} ${height}" role="img" aria-label="connection paths">${body}</svg>`;
}

// --- path explorer ------------------------------------------------------------------------

async function showExplorer() {
  const mine = navigation;
  const reps = (await gql("{ reps { id name } }")).reps;
  if (mine !== navigation) return;  // the user has moved on
  view.innerHTML = `<h2>Path explorer</h2>
    <form id="explore" class="filters">
      <span><label for="x-rep">Rep</label><select id="x-rep">${reps.map((r) => `<option value="${esc(r.id)}">${esc(r.name)}</option>`).join("")}</select></span>
      <span><label for="x-person">Person</label><input id="x-person" required placeholder="name, company, LinkedIn URL or email"></span>
      <button type="submit">Find</button>
    </form>
    <div id="x-people"></div><div id="x-paths" aria-live="polite"></div>`;
  document.getElementById("explore").addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const people = (await gql("query($s: String!) { people(search: $s, first: 20) { id name title } }", { s: document.getElementById("x-person").value })).people;
      const list = document.getElementById("x-people");
      list.innerHTML = people.length ? `<ul>${people.map((p) => `<li><button type="button" class="secondary" data-person="${esc(p.id)}">${esc(p.name)}</button> ${esc(p.title || "")} <span class="muted">${esc(p.id)}</span></li>`).join("")}</ul>` : "<p>Nobody found.</p>";
      for (const button of list.querySelectorAll("[data-person]")) button.addEventListener("click", () => explorePaths(document.getElementById("x-rep").value, button.dataset.person));
    } catch (error) { if (error.message !== "signed out") say(error.message, true); }
  });
}

async function explorePaths(repId, personId) {
  try {
    const found = unwrap((await gql(`query($rep: ID!, $p: String!) { connectionPaths(repId: $rep, personKey: $p, maxHops: 3, limit: 5) {
      __typename ... on Problem { code message } ... on Paths { rep { name } person { name }
        paths { hops nodes { id name title } steps { sources } } } } }`, { rep: repId, p: personId })).connectionPaths);
    const box = document.getElementById("x-paths");
    if (!found.paths.length) { box.innerHTML = `<p>No path within 3 hops from ${esc(found.rep.name)} to ${esc(found.person.name)}.</p>`; return; }
    const chains = found.paths.map((p) => ({ people: p.nodes.slice(1, -1), end: p.nodes[p.nodes.length - 1], hops: p.hops }));
    const labels = found.paths.map((p) => p.steps.map((s) => s.sources.join("/")));
    box.innerHTML = `<h3>${esc(found.rep.name)} → ${esc(found.person.name)}: ${found.paths[0].hops} hop(s)</h3>${drawChains(found.rep.name, chains, labels)}`;
  } catch (error) { if (error.message !== "signed out") say(error.message, true); }
}

// --- team page ----------------------------------------------------------------------------

function percent(rate) { return rate == null ? "n/a" : (rate * 100).toFixed(1) + "%"; }

async function showTeam() {
  const mine = navigation;
  const data = await gql(`{ leaderboard(period: MONTH) { rep { name team } networkSize warmReach claims slaBreaches slaCompliance won }
    fairness(days: 30) { leads assigned gini maxPerRep warmOwnerRate oneHopOwnerRate scoreKept maxShareOverMean capacityViolations hotToPenaltyBoxed perRep { rep { name } leads } } }`);
  const f = data.fairness;
  const top = Math.max(1, ...f.perRep.map((r) => r.leads));
  if (mine !== navigation) return;  // the user has moved on
  view.innerHTML = `<h2>Team</h2>
    <section class="panel"><h3>Recent assignments (30 days)</h3>
      <ul class="counts"><li>leads <strong>${f.leads}</strong></li><li>assigned <strong>${f.assigned}</strong></li>
        <li>warm-owner rate <strong>${percent(f.warmOwnerRate)}</strong></li>
        <li>one-hop-owner rate <strong>${percent(f.oneHopOwnerRate)}</strong></li>
        <li>score kept (of the warmest assignment) <strong>${percent(f.scoreKept)}</strong></li>
        <li>fairness cap <strong>${f.maxShareOverMean > 0 ? f.maxShareOverMean + "× the mean" : "none"}</strong></li>
        <li>Gini of leads per rep <strong>${f.gini.toFixed(3)}</strong></li><li>most leads for one rep <strong>${f.maxPerRep}</strong></li>
        <li>capacity violations <strong>${f.capacityViolations}</strong></li><li>hot leads to penalty-boxed reps <strong>${f.hotToPenaltyBoxed}</strong></li></ul>
      <table><thead><tr><th>Rep</th><th>Leads</th><th style="width:50%"></th></tr></thead><tbody>
      ${f.perRep.slice(0, 30).map((r) => `<tr><td>${esc(r.rep.name)}</td><td>${r.leads}</td><td><div class="bar"><span style="width:${(100 * r.leads / top).toFixed(1)}%;background:#1f5fbf"></span></div></td></tr>`).join("")}
      </tbody></table></section>
    <section class="panel"><h3>Leaderboard (this month)</h3>
      <table><thead><tr><th>Rep</th><th>Team</th><th>Network</th><th>Warm reach</th><th>Claims</th><th>SLA compliance</th><th>Won</th></tr></thead><tbody>
      ${data.leaderboard.slice(0, 50).map((r) => `<tr><td>${esc(r.rep.name)}</td><td>${esc(r.rep.team || "")}</td><td>${r.networkSize ?? "—"}</td><td>${r.warmReach ?? "—"}</td><td>${r.claims}</td><td>${r.slaCompliance == null ? "—" : (r.slaCompliance * 100).toFixed(0) + "%"}</td><td>${r.won}</td></tr>`).join("")}
      </tbody></table></section>`;
}

start();

// The audit log: events searched by lead, rep, kind, actor and time range, paged, exported as
// CSV (GET /audit.csv with the same filter, fetched with the token and saved from a Blob).

import { action, ApiError, byId, current, esc, gql, http, repList, say, state, unwrap, view, when } from "../core.js";

const SIZES = [10, 25, 50, 100];
const KINDS = ["created", "offered", "claimed", "contacted", "touched", "nurtured", "assigned", "released", "rejected", "returned",
  "sla_breached", "won", "lost", "intro_requested", "introduced", "word_travels", "policy_applied", "policy_reverted"];
const WORDS = { leadId: "lead", repId: "rep", kind: "kind", actor: "actor", from: "from", to: "before" };
const search = { filter: {}, cursors: [null], size: 50 };  // cursors[i]: the `after` of page i

function readFilter() {
  const filter = {};
  for (const [field, id] of [["leadId", "au-lead"], ["repId", "au-rep"], ["kind", "au-kind"], ["actor", "au-actor"]]) {
    const value = byId(id).value.trim();
    if (value) filter[field] = value;
  }
  for (const [field, id] of [["from", "au-from"], ["to", "au-to"]]) {
    const value = byId(id).value;  // a local date and time: sent as UTC
    if (value) filter[field] = new Date(value).toISOString();
  }
  return filter;
}

function localInput(iso) {
  if (!iso) return "";
  const at = new Date(iso);
  return new Date(at.getTime() - at.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
}

let latest = 0;

async function page(index) {
  const ticket = ++latest;
  const asked = { ...search.filter };
  const data = await gql(`query($filter: AuditFilter, $first: Int!, $after: String) { auditLog(filter: $filter, first: $first, after: $after) {
    __typename ... on Problem { code message } ... on EventConnection { totalCount pageInfo { hasNextPage endCursor }
      nodes { id at kind leadId repId actor reason detail } } } }`, { filter: asked, first: search.size, after: search.cursors[index] });
  if (ticket !== latest) return; // a newer search was asked meanwhile: its answer is shown
  const found = unwrap(data.auditLog);
  search.cursors[index + 1] = found.pageInfo.hasNextPage ? found.pageInfo.endCursor : undefined;
  const rows = found.nodes.map((e) => `<tr><td><time>${when(e.at, 19)}</time></td><td>${esc(e.kind)}</td>
    <td>${e.leadId ? `<a href="#/lead/${encodeURIComponent(e.leadId)}">${esc(e.leadId)}</a>` : ""}</td><td>${esc(e.repId || "")}</td>
    <td>${esc(e.actor)}</td><td>${esc(e.reason || "")}${e.detail ? ` <span class="muted">${esc(e.detail)}</span>` : ""}</td></tr>`).join("");
  const first = index * search.size + 1;
  const filter = Object.entries(asked).map(([field, value]) => `${WORDS[field]} ${field === "from" || field === "to" ? when(value) : esc(value)}`).join(", ");
  byId("au-results").innerHTML = `<p class="muted" id="au-count">${found.totalCount} events match${filter ? " " + filter : ""}${found.nodes.length ? `; ${first} to ${first + found.nodes.length - 1}` : ""}.</p>
    <div class="scroll"><table id="audit"><thead><tr><th>At</th><th>Kind</th><th>Lead</th><th>Rep</th><th>Actor</th><th>Why</th></tr></thead><tbody>${rows}</tbody></table></div>
    <div class="actions pager"><button type="button" class="secondary" id="au-prev" ${index ? "" : "disabled"}>Previous ${search.size}</button>
      <button type="button" class="secondary" id="au-next" ${found.pageInfo.hasNextPage ? "" : "disabled"}>Next ${search.size}</button></div>`;
  byId("au-prev").addEventListener("click", () => action(() => page(index - 1)));
  byId("au-next").addEventListener("click", () => action(() => page(index + 1)));
}

async function exportCsv() {
  const query = new URLSearchParams(search.filter).toString();
  const response = await http(`/audit.csv${query ? "?" + query : ""}`);
  if (!response.ok) {
    let message = `The export failed (${response.status}).`;
    try { message = (await response.json()).message || message; } catch { /* not JSON: keep the status */ }
    throw new ApiError(message);
  }
  const link = document.createElement("a");
  link.href = URL.createObjectURL(await response.blob());
  link.download = "warmpath-audit.csv";
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 1000);
  say("The audit CSV was downloaded (warmpath-audit.csv).");
}

export async function showAudit() {
  const mine = state.navigation;
  const reps = await repList();
  if (!current(mine)) return;  // the user has moved on
  const f = search.filter;
  view.innerHTML = `<h2>Audit log</h2>
    <form class="filters" id="au-form">
      <span><label for="au-lead">Lead id</label><input id="au-lead" value="${esc(f.leadId || "")}"></span>
      <span><label for="au-rep">Rep</label><select id="au-rep"><option value="">any</option>${reps.map((r) => `<option value="${esc(r.id)}" ${r.id === f.repId ? "selected" : ""}>${esc(r.name)}</option>`).join("")}</select></span>
      <span><label for="au-kind">Kind</label><input id="au-kind" list="au-kinds" value="${esc(f.kind || "")}"><datalist id="au-kinds">${KINDS.map((k) => `<option value="${k}">`).join("")}</datalist></span>
      <span><label for="au-actor">Actor</label><input id="au-actor" value="${esc(f.actor || "")}" placeholder="user or system"></span>
      <span><label for="au-from">From</label><input id="au-from" type="datetime-local" value="${localInput(f.from)}"></span>
      <span><label for="au-to">To</label><input id="au-to" type="datetime-local" value="${localInput(f.to)}"></span>
      <span><label for="au-size">Per page</label><select id="au-size">${SIZES.map((n) => `<option ${n === search.size ? "selected" : ""}>${n}</option>`).join("")}</select></span>
      <button type="submit">Search</button>
      <button type="button" class="secondary" id="au-csv">Export CSV</button>
    </form>
    <div id="au-results" aria-live="polite"></div>`;
  byId("au-form").addEventListener("submit", (event) => {
    event.preventDefault();
    search.filter = readFilter();
    search.size = Number(byId("au-size").value);
    search.cursors = [null];
    action(() => page(0));
  });
  byId("au-csv").addEventListener("click", () => action(exportCsv));
  await page(0);
}

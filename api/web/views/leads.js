// The lead queue: counts per status, filters, overdue claims in red.

import { action, byId, current, esc, gql, state, view, when } from "../core.js";

export const STATUSES = ["new", "offered", "claimed", "contacted", "nurture", "won", "lost", "returned"];
const queue = { status: "", grade: "", unassigned: false, owner: "" };

export async function showLeads() {
  const mine = state.navigation;
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
      <td>${lead.contactDueAt ? `<time>${when(lead.contactDueAt)}</time>` : ""}</td>
    </tr>`).join("");
  if (!current(mine)) return;  // the user has moved on
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
    <div class="scroll"><table><thead><tr><th>Lead</th><th>Title</th><th>Company</th><th>Grade</th><th>Status</th><th>Owner</th><th>Contact due</th></tr></thead>
    <tbody>${rows}</tbody></table></div>`;
  byId("filters").addEventListener("submit", (event) => {
    event.preventDefault();
    queue.status = byId("f-status").value;
    queue.grade = byId("f-grade").value;
    queue.owner = byId("f-owner").value.trim();
    queue.unassigned = byId("f-unassigned").checked;
    action(showLeads);
  });
}

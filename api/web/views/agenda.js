// The agenda: due and overdue touches, nurture dates and SLA clocks, most urgent first. A rep's
// home page (their own); a manager sees their team's, an admin everyone's.

import { action, byId, current, esc, gql, say, state, unwrap, view, when } from "../core.js";

const DUE = { CONTACT: "first contact (SLA)", TOUCH: "touch", NURTURE: "nurture date" };
const CHANNELS = ["CALL", "EMAIL", "LINKEDIN", "MEETING", "OTHER"];
let days = 7;

// "in 3 h" / "2 d late": the clock a rep reads at a glance.
function clock(dueAt, now) {
  const minutes = Math.round((Date.parse(dueAt) - now) / 60000);
  const size = Math.abs(minutes);
  const words = size < 90 ? `${size} min` : size < 48 * 60 ? `${Math.round(size / 60)} h` : `${Math.round(size / 1440)} d`;
  return minutes < 0 ? `${words} late` : `in ${words}`;
}

export async function showAgenda() {
  const mine = state.navigation;
  const data = await gql(`query($days: Int!) { agenda(days: $days) { __typename ... on Problem { code message }
    ... on Agenda { overdue until items { kind touchNumber dueAt overdue rep { id name }
      lead { id title status grade company { name } } cadence { touchesDone touchesPlanned touchesLeft } } } } }`, { days });
  const agenda = unwrap(data.agenda);
  if (!current(mine)) return;  // the user has moved on
  const now = Date.now();
  const own = state.me.repId;
  const rows = agenda.items.map((item, index) => `
    <tr class="${item.overdue ? "overdue" : ""}">
      <td>${item.overdue ? '<span class="badge overdue">overdue</span> ' : ""}<strong>${esc(DUE[item.kind] || item.kind)}</strong>${item.kind === "TOUCH" ? ` ${item.touchNumber} of ${item.cadence.touchesPlanned}` : ""}</td>
      <td><time datetime="${esc(item.dueAt)}">${when(item.dueAt)}</time> <span class="muted">${clock(item.dueAt, now)}</span></td>
      <td><a href="#/lead/${encodeURIComponent(item.lead.id)}">${esc(item.lead.title)}</a> <span class="muted">at ${esc(item.lead.company.name)} · ${esc(item.lead.grade)} · ${esc(item.lead.status)}</span></td>
      <td>${esc(item.rep.name)}</td>
      <td>${item.cadence.touchesDone}/${item.cadence.touchesPlanned} <span class="muted">(${item.cadence.touchesLeft} left)</span></td>
      <td>${item.rep.id === own ? `<form class="actions touch" data-lead="${esc(item.lead.id)}">
        <label class="sr" for="ch-${index}">Channel</label><select id="ch-${index}">${CHANNELS.map((c) => `<option>${c}</option>`).join("")}</select>
        <button type="submit">Record touch</button></form>` : ""}</td>
    </tr>`).join("");
  view.innerHTML = `<h2>Agenda</h2>
    <form class="filters" id="agenda-days"><span><label for="a-days">Touches due within</label>
      <select id="a-days">${[1, 7, 30].map((d) => `<option value="${d}" ${d === days ? "selected" : ""}>${d === 1 ? "today" : d + " days"}</option>`).join("")}</select></span>
      <button type="submit">Show</button></form>
    <ul class="counts" aria-label="Agenda summary"><li>items <strong>${agenda.items.length}</strong></li><li>overdue <strong>${agenda.overdue}</strong></li><li>until <strong>${when(agenda.until)}</strong></li></ul>
    ${agenda.items.length ? `<div class="scroll"><table id="agenda"><thead><tr><th>Due</th><th>When</th><th>Lead</th><th>Rep</th><th>Cadence</th><th><span class="sr">Actions</span></th></tr></thead>
    <tbody>${rows}</tbody></table></div>` : "<p>Nothing due: every SLA clock and touch is ahead.</p>"}`;
  byId("agenda-days").addEventListener("submit", (event) => {
    event.preventDefault();
    days = Number(byId("a-days").value);
    action(showAgenda);
  });
  for (const form of view.querySelectorAll("form.touch")) {
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const channel = form.querySelector("select").value;
      action(async () => {
        const result = unwrap((await gql(`mutation($id: ID!, $channel: TouchChannel!) { recordTouch(leadId: $id, channel: $channel) {
          __typename ... on Problem { code message } ... on TouchRecorded { cadence { touchesLeft } } } }`, { id: form.dataset.lead, channel })).recordTouch);
        await showAgenda();
        say(`Touch recorded${result.cadence ? `: ${result.cadence.touchesLeft} left in the cadence` : ""}.`);
      });
    });
  }
}

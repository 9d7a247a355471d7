// A lead: ranked reps with bars split by signal, a rep's paths to the decision-makers, the
// lead's connected leads and influence, a manager's actions and the timeline.

import { byId, current, esc, gql, isManager, repList, say, SIGNED_OUT, state, unwrap, view, when } from "../core.js";
import { drawChains } from "./chains.js";

export const SIGNALS = {
  warmth: "#1f5fbf", coverage: "#5b9bd5", mutuals: "#2e8b57", account_reach: "#8fbc5a",
  shared_background: "#b8860b", industry: "#c0504d", geography: "#e4a4a1", product: "#7b4fa0",
  deal_size: "#b79fd0", track_record: "#4d4d4d", load: "#a6a6a6", account_owner: "#d97706",
};

const LEAD = `query($id: ID!) {
  lead(id: $id) { __typename ... on Problem { code message } ... on Lead {
    id title status grade value product overdue contactDueAt claimedAt
    company { id name industry region } owner { id name }
    committee { role person { id name title } }
    influence { __typename ... on Problem { code message } ... on Influence { score customers openBuyers customerPoints openPoints } }
    connections(first: 10) { __typename ... on Problem { code message } ... on Connections { totalCount
      nodes { kind hops memberRole buyerRole member { id name } buyer { id name } path { id name }
        lead { id title status companyName } ownerRep { id name } } } }
    rankedReps(limit: 15) { __typename ... on Problem { code message } ... on Ranking {
      policyVersion mode eligible
      ranked { position score rep { id name } note signals { name value contribution } }
      excluded { rep { id name } rule reason } } } } }
  events(leadId: $id, first: 200) { nodes { at kind actor repId reason } } }`;

export async function showLead(id) {
  const mine = state.navigation;
  const [data, reps] = await Promise.all([gql(LEAD, { id }), repList()]);
  const lead = unwrap(data.lead);
  const ranking = lead.rankedReps.__typename === "Ranking" ? lead.rankedReps : null;
  const manager = isManager();
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
    `<li><time>${when(e.at, 19)}</time><strong>${esc(e.kind)}</strong> ${e.repId ? esc(e.repId.replace(/^rep:/, "")) : ""} <span class="muted">by ${esc(e.actor)}</span>${e.reason ? " — " + esc(e.reason) : ""}</li>`).join("");
  const repOptions = reps.map((r) => `<option value="${esc(r.id)}">${esc(r.name)}</option>`).join("");
  if (!current(mine)) return;  // the user has moved on
  view.innerHTML = `
    <h2>${esc(lead.title)} <span class="muted">at ${esc(lead.company.name)}</span></h2>
    <p><span class="badge">${esc(lead.status)}</span> <span class="badge">${esc(lead.grade)}</span>
      ${lead.overdue ? '<span class="badge overdue">overdue</span>' : ""}
      ${lead.owner ? `owner <strong>${esc(lead.owner.name)}</strong>` : "no owner"}
      ${lead.contactDueAt ? ` · contact due ${when(lead.contactDueAt)}` : ""}
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
        <section class="panel" id="committee"><h3>Decision-makers</h3><ul>${lead.committee.map((m) => `<li><strong>${esc(m.person.name)}</strong> ${esc(m.person.title || "")} <span class="muted">(${esc(m.role.replace("_", " "))})</span> <a href="#/network/PERSON/${encodeURIComponent(m.person.id)}">explore</a></li>`).join("")}</ul>
          <p><a href="#/network/COMPANY/${encodeURIComponent(lead.company.id)}">Explore ${esc(lead.company.name)} in the network</a></p></section>
        ${connectedPanel(lead)}
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
    } catch (error) { if (error.message !== SIGNED_OUT) say(error.message, true); }
  };
  byId("act-route").addEventListener("click", () =>
    act("mutation($id: ID!) { routeLead(leadId: $id) { __typename ... on Problem { code message } } }", { id }, "routeLead"));
  byId("act-assign").addEventListener("submit", (event) => {
    event.preventDefault();
    act("mutation($id: ID!, $rep: ID!, $reason: String!) { assignLead(leadId: $id, repId: $rep, reason: $reason) { __typename ... on Problem { code message } } }",
      { id, rep: byId("assign-rep").value, reason: byId("assign-reason").value }, "assignLead");
  });
  byId("act-change").addEventListener("submit", (event) => {
    event.preventDefault();
    const kind = event.submitter ? event.submitter.value : "release";
    const reason = byId("change-reason").value;
    if (kind === "reject") act("mutation($id: ID!, $reason: String!) { rejectLead(leadId: $id, reason: $reason) { __typename ... on Problem { code message } } }", { id, reason }, "rejectLead");
    else act("mutation($id: ID!, $reason: String!) { releaseLead(leadId: $id, reason: $reason) { __typename ... on Problem { code message } } }", { id, reason }, "releaseLead");
  });
}

// What the ranking says of the reps down to the one chosen (asked when "Paths" is chosen, not
// with the lead: the page opens faster; the server keeps the lead's reach, so asking again costs
// the scores and this evidence).
const EVIDENCE = (position) => `rankedReps(leadId: $id, limit: ${Number(position)}) { __typename ... on Problem { message } ... on Ranking { ranked { rep { id }
  evidence { knownAtCompanyCount knownAtCompany { name title } shared { member { name } employers schools }
    committee { role hops mutualCount member { id name title } paths { id name title } mutuals { name } colleagues { name } } } } } }`;

async function showRepPaths(lead, item) {
  const box = byId("paths");
  box.innerHTML = `<h3>Paths of ${esc(item.rep.name)}</h3><p class="muted">Loading…</p>`;
  // one request: the rep's evidence and the shortest paths (with each tie's sources) to every
  // decision-maker
  const slot = new Map(lead.committee.map((m, i) => [m.person.id, `p${i}`]));
  const fields = lead.committee.map((m, i) => `p${i}: connectionPaths(repId: $rep, personKey: "${m.person.id.replace(/["\\]/g, "")}", maxHops: 3, limit: 3) {
    __typename ... on Paths { paths { hops nodes { id name title } steps { sources } } } ... on Problem { code message } }`).join(" ");
  let found;
  try {
    // $rep is declared only where a decision-maker's path uses it (an unused variable is an error)
    const text = fields ? `query($id: ID!, $rep: ID!) { ${EVIDENCE(item.position)} ${fields} }` : `query($id: ID!) { ${EVIDENCE(item.position)} }`;
    found = await gql(text, fields ? { id: lead.id, rep: item.rep.id } : { id: lead.id });
  } catch (error) { if (error.message !== SIGNED_OUT) say(error.message, true); return; }
  const ranking = found.rankedReps;
  const ranked = ranking.__typename === "Ranking" ? ranking.ranked.find((r) => r.rep.id === item.rep.id) : null;
  if (!ranked) {
    const why = ranking.__typename === "Ranking" ? "The ranking has changed since the page opened: reload the lead." : ranking.message;
    box.innerHTML = `<h3>Paths of ${esc(item.rep.name)}</h3><p>${esc(why)}</p>`;
    return;
  }
  const evidence = ranked.evidence;
  const members = evidence.committee;
  const chains = [], labels = [];
  members.forEach((member) => {
    const result = found[slot.get(member.member.id)];
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


const KIND_WORDS = { CUSTOMER: "customer", OPEN: "open lead" };

// The lead's influence (with its parts) and its connected leads: who knows whom, how, and who
// owns the other side.
function connectedPanel(lead) {
  const influence = lead.influence.__typename === "Influence" ? lead.influence : null;
  const links = lead.connections.__typename === "Connections" ? lead.connections : null;
  const figure = influence
    ? `<p id="influence"><strong>Influence ${influence.score.toFixed(1)}</strong>: ${influence.customers} customer(s) reached (${influence.customerPoints.toFixed(1)} points), ${influence.openBuyers} open buyer(s) reached (${influence.openPoints.toFixed(1)} points).</p>`
    : `<p>${esc(lead.influence.message)}</p>`;
  const rows = links ? links.nodes.map((link) => {
    const how = link.hops === 0 ? "is" : link.hops === 1 ? "knows" : `knows, through ${esc(link.path.map((p) => p.name).join(", "))},`;
    return `<li><span class="badge">${KIND_WORDS[link.kind] || esc(link.kind)}</span> <strong>${esc(link.member.name)}</strong> ${how}
      <strong>${esc(link.buyer.name)}</strong> (${esc(link.buyerRole.replace("_", " "))}) of <a href="#/lead/${encodeURIComponent(link.lead.id)}">${esc(link.lead.title)}</a>
      at ${esc(link.lead.companyName)} <span class="muted">(${esc(link.lead.status)}; ${link.ownerRep ? "owner " + esc(link.ownerRep.name) : "no owner yet"})</span></li>`;
  }).join("") : "";
  const list = links
    ? (links.nodes.length ? `<ul class="connected" id="connected">${rows}</ul>${links.totalCount > links.nodes.length ? `<p class="muted">${links.totalCount - links.nodes.length} more, less close.</p>` : ""}` : "<p>No customer's or open lead's buyer within 2 hops.</p>")
    : `<p>${esc(lead.connections.message)}</p>`;
  return `<section class="panel" aria-labelledby="h-connected"><h3 id="h-connected">Connected leads</h3>${figure}${list}</section>`;
}

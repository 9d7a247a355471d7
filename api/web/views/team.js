// The team page: the fairness of recent assignments, the social-selling quotas of the period and
// the leaderboard.

import { action, byId, current, esc, gql, percent, state, view, when } from "../core.js";

const GOALS = {
  NEW_CONNECTIONS: "new connections", INTRODUCTIONS_REQUESTED: "introductions asked",
  INTRODUCTIONS_MADE: "introductions made", WARM_CLAIMS: "warm claims", WARM_WINS: "warm wins",
};
// the page asks only for the rows it shows (a long answer costs the server per field); every
// rep's quotas come with "Show all"
const LEADERS = 50, BUSIEST = 30, QUOTA_ROWS = 25;
const PROGRESS = "attainment met milestone goals { name count goal met streak }";
const QUOTAS = (first) => `quotas${first ? `(first: ${first})` : ""} { __typename ... on Problem { code message } ... on Quotas { period startsAt endsAt
  repCount reps { rep { id name team } progress { ${PROGRESS} } } teams { team reps progress { ${PROGRESS} } } } }`;

function goalCells(progress) {
  return progress.goals.map((g) => `<td class="${g.met ? "met" : ""}">${g.count}/${g.goal}${g.streak ? ` <span class="muted" title="periods in a row met">×${g.streak}</span>` : ""}</td>`).join("");
}

function attainment(progress) {
  const bar = `<div class="bar" role="img" aria-label="attainment ${percent(progress.attainment, 0)}"><span style="width:${Math.min(100, 100 * (progress.attainment || 0)).toFixed(1)}%;background:${progress.met ? "#146c2e" : "#1f5fbf"}"></span></div>`;
  return `<td>${percent(progress.attainment, 0)}${progress.milestone ? ` <span class="badge">milestone ${progress.milestone}</span>` : ""}${bar}</td>`;
}

function quotasPanel(result) {
  if (result.__typename !== "Quotas") return `<section class="panel"><h3>Quotas</h3><p>${esc(result.message)}</p></section>`;
  const goals = result.reps.length ? result.reps[0].progress.goals : (result.teams.length ? result.teams[0].progress.goals : []);
  const head = `<tr><th scope="col">Who</th><th scope="col">Attainment</th>${goals.map((g) => `<th scope="col">${esc(GOALS[g.name] || g.name)}</th>`).join("")}</tr>`;
  const teams = result.teams.map((t) => `<tr class="team"><th scope="row">${esc(t.team)} <span class="muted">(${t.reps} reps)</span></th>${attainment(t.progress)}${goalCells(t.progress)}</tr>`).join("");
  const reps = result.reps.map((r) => `<tr><th scope="row">${esc(r.rep.name)} <span class="muted">${esc(r.rep.team || "")}</span></th>${attainment(r.progress)}${goalCells(r.progress)}</tr>`).join("");
  return `<section class="panel" id="quotas" aria-labelledby="h-quotas"><h3 id="h-quotas">Quotas (this ${esc(result.period)}: ${when(result.startsAt, 10)} to ${when(result.endsAt, 10)})</h3>
    <p class="muted">Each cell: done/goal in the period, ×N the streak of periods met.${result.repCount > result.reps.length ? ` The first ${result.reps.length} of ${result.repCount} reps, by name. <button type="button" class="secondary" id="quotas-all">Show all ${result.repCount}</button>` : ""}</p>
    <div class="scroll"><table><thead>${head}</thead><tbody>${teams}${reps}</tbody></table></div></section>`;
}

export async function showTeam() {
  const mine = state.navigation;
  const data = await gql(`{ leaderboard(period: MONTH, first: ${LEADERS}) { rep { name team } networkSize warmReach claims slaBreaches slaCompliance won cadenceCompliance quotaAttainment }
    fairness(days: 30) { leads assigned gini maxPerRep warmOwnerRate oneHopOwnerRate scoreKept maxShareOverMean capacityViolations hotToPenaltyBoxed perRep(first: ${BUSIEST}) { rep { name } leads } }
    ${QUOTAS(QUOTA_ROWS)} }`);
  const f = data.fairness;
  const top = Math.max(1, ...f.perRep.map((r) => r.leads));
  if (!current(mine)) return;  // the user has moved on
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
      ${f.perRep.map((r) => `<tr><td>${esc(r.rep.name)}</td><td>${r.leads}</td><td><div class="bar"><span style="width:${(100 * r.leads / top).toFixed(1)}%;background:#1f5fbf"></span></div></td></tr>`).join("")}
      </tbody></table></section>
    ${quotasPanel(data.quotas)}
    <section class="panel"><h3>Leaderboard (this month)</h3>
      <div class="scroll"><table><thead><tr><th>Rep</th><th>Team</th><th>Network</th><th>Warm reach</th><th>Claims</th><th>SLA compliance</th><th>Cadence compliance</th><th>Quota</th><th>Won</th></tr></thead><tbody>
      ${data.leaderboard.map((r) => `<tr><td>${esc(r.rep.name)}</td><td>${esc(r.rep.team || "")}</td><td>${r.networkSize ?? "—"}</td><td>${r.warmReach ?? "—"}</td><td>${r.claims}</td><td>${r.slaCompliance == null ? "—" : percent(r.slaCompliance, 0)}</td><td>${r.cadenceCompliance == null ? "—" : percent(r.cadenceCompliance, 0)}</td><td>${r.quotaAttainment == null ? "—" : percent(r.quotaAttainment, 0)}</td><td>${r.won}</td></tr>`).join("")}
      </tbody></table></div></section>`;
  const all = byId("quotas-all");
  if (all) all.addEventListener("click", () => action(async () => {
    all.disabled = true;
    const every = (await gql(`{ ${QUOTAS(null)} }`)).quotas;
    if (current(mine)) byId("quotas").outerHTML = quotasPanel(every);
  }));
}

// What-if: the policy in force in a form (weights, SLAs, cadences, rules, mode), checked as you
// type by the server (whatIf: one Problem per bad value, shown next to its field), the replay of
// the last N days side by side with what happened, the leads that would change owner and why.
// An admin applies the candidate (applyPolicy) or goes back to an earlier version (revertPolicy).

import { action, ApiError, byId, current, esc, gql, isAdmin, percent, problemWords, say, SIGNED_OUT, state, unwrap, view, when } from "../core.js";
import { getValue, literal, policyToml, setValue } from "./policy-toml.js";

const MODES = ["proximity", "round_robin", "least_busy", "first_available"];
const GRADES = ["hot", "warm", "cold"];
const RULES = [
  ["offer_top_n", "reps offered a lead"], ["min_tenure_days_for_hot", "tenure (days) before hot leads"],
  ["penalty_breaches", "SLA breaches for the penalty box"], ["penalty_window_days", "… within (days)"],
  ["penalty_days", "penalty box (days)"], ["max_share_over_mean", "fairness cap (× the mean; 0: none)"],
  ["fairness_window_days", "fairness window (days)"], ["nurture_max_days", "nurture at most (days)"],
];
const SIDE = "policyVersion warmOwnerRate oneHopOwnerRate gini assigned leadsPerRep { rep { id name } leads }";
const WHAT_IF = `query($toml: String!, $days: Int!) { whatIf(policyToml: $toml, days: $days) {
  __typename ... on Problem { code message } ... on PolicyRefused { problems { code message } }
  ... on WhatIf { days leads changedCount candidateVersion actual { ${SIDE} } current { ${SIDE} } candidate { ${SIDE} }
    changes { lead { id title } before { id name } after { id name } reason } } } }`;
const VERSION = "version appliedAt appliedBy source inForce toml";
const APPLIED = `__typename ... on Problem { code message } ... on PolicyRefused { problems { code message } } ... on PolicyApplied { version { version } }`;
let checking = 0;  // only the newest check's answer is shown
let timer = null;

function fields(policy) {
  const number = (section, key, label, step) => ({ section, key, label, step });
  return {
    mode: [{ section: "", key: "mode", label: "Mode", options: MODES }],
    weights: policy.weights.map((w) => number("weights", w.name, w.name.replace("_", " "), "0.01")),
    sla_hours: GRADES.map((g) => number("sla_hours", g, `${g} (hours to first contact)`, "0.5")),
    cadence_touches: GRADES.map((g) => number("cadence_touches", g, `${g}: touches`, "1")),
    cadence_days: GRADES.map((g) => number("cadence_days", g, `${g}: within days`, "1")),
    rules: RULES.map(([key, label]) => number("rules", key, label, key === "max_share_over_mean" ? "0.1" : "1")),
  };
}
const LEGENDS = { mode: "Mode", weights: "Weights (only the ratios matter)", sla_hours: "SLAs", cadence_touches: "Nurture cadences: touches", cadence_days: "Nurture cadences: days", rules: "Rules" };

function inputId(field) { return `wi-${field.section || "top"}-${field.key}`; }
function path(field) { return field.section ? `${field.section}.${field.key}` : field.key; }

function control(field, toml) {
  const value = getValue(toml, field.section, field.key) ?? "";
  const input = field.options
    ? `<select id="${inputId(field)}">${field.options.map((o) => `<option ${o === value ? "selected" : ""}>${o}</option>`).join("")}</select>`
    : `<input id="${inputId(field)}" type="number" step="${field.step}" min="0" value="${esc(value)}" aria-describedby="${inputId(field)}-problem">`;
  return `<p class="field" data-path="${esc(path(field))}"><label for="${inputId(field)}">${esc(field.label)}</label>${input}
    <span class="problem" id="${inputId(field)}-problem" role="alert"></span></p>`;
}

// Problems next to their field (the message starts with the key's path), else next to their
// table, else above the form.
function showProblems(problems, all) {
  for (const box of view.querySelectorAll(".problem")) box.textContent = "";
  for (const input of view.querySelectorAll("[aria-invalid]")) input.removeAttribute("aria-invalid");
  const general = [];
  for (const problem of problems) {
    const text = problem.message;
    const mentions = (key) => new RegExp(`(^|[\\s.:('"])${key.replace(/\./g, "\\.")}:`).test(text);
    const field = all.find((f) => mentions(path(f)));
    const table = field ? null : Object.keys(LEGENDS).find((section) => mentions(section));
    if (field) {
      byId(`${inputId(field)}-problem`).textContent = text;
      byId(inputId(field)).setAttribute("aria-invalid", "true");
    } else if (table) {
      byId(`wi-${table}-problem`).textContent = text;
    } else {
      general.push(text);
    }
  }
  byId("wi-problems").innerHTML = general.map((text) => `<li>${esc(text)}</li>`).join("");
  byId("wi-apply").disabled = problems.length > 0 || !isAdmin();
}

const SIDES = [["actual", "What happened"], ["current", "Replayed, policy in force"], ["candidate", "Replayed, candidate"]];

function sideBySide(result) {
  const reps = new Map();
  for (const [side] of SIDES) {
    for (const row of result[side].leadsPerRep) {
      const entry = reps.get(row.rep.id) || { name: row.rep.name, actual: 0, current: 0, candidate: 0 };
      entry[side] = row.leads;
      reps.set(row.rep.id, entry);
    }
  }
  const perRep = [...reps.values()].sort((a, b) => b.candidate - a.candidate || a.name.localeCompare(b.name));
  const delta = (n) => (n > 0 ? `+${n}` : String(n));
  const row = (label, cell) => `<tr><th scope="row">${label}</th>${SIDES.map(([side]) => `<td>${cell(result[side])}</td>`).join("")}</tr>`;
  const changes = result.changes.map((c) => `<tr><td><a href="#/lead/${encodeURIComponent(c.lead.id)}">${esc(c.lead.title)}</a></td>
    <td>${esc(c.before ? c.before.name : "nobody")}</td><td>${esc(c.after ? c.after.name : "nobody")}</td><td>${esc(c.reason)}</td></tr>`).join("");
  return `<h3>Replay of the last ${result.days} days (${result.leads} leads)</h3>
    <div class="scroll"><table id="wi-compare"><thead><tr><th></th>${SIDES.map(([side, label]) => `<th scope="col">${label} <span class="muted">(${esc(result[side].policyVersion)})</span></th>`).join("")}</tr></thead><tbody>
      ${row("warm-owner rate", (side) => percent(side.warmOwnerRate))}
      ${row("one-hop-owner rate", (side) => percent(side.oneHopOwnerRate))}
      ${row("Gini of leads per rep", (side) => side.gini.toFixed(3))}
      ${row("leads assigned", (side) => side.assigned)}
      <tr><th scope="row">leads changing owner</th><td>—</td><td>—</td><td><strong id="wi-changed">${result.changedCount}</strong></td></tr></tbody></table></div>
    <details><summary>Leads per rep (${perRep.length} reps)</summary><div class="scroll"><table><thead><tr><th>Rep</th><th>Happened</th><th>In force</th><th>Candidate</th><th>Change</th></tr></thead><tbody>
      ${perRep.map((r) => `<tr><td>${esc(r.name)}</td><td>${r.actual}</td><td>${r.current}</td><td>${r.candidate}</td><td>${delta(r.candidate - r.current)}</td></tr>`).join("")}</tbody></table></div></details>
    <h3>Leads that would change owner</h3>
    ${changes ? `<div class="scroll"><table id="wi-changes"><thead><tr><th>Lead</th><th>Owner now</th><th>Would be</th><th>Why</th></tr></thead><tbody>${changes}</tbody></table></div>
      ${result.changedCount > result.changes.length ? `<p class="muted">The first ${result.changes.length} of ${result.changedCount}.</p>` : ""}` : "<p>None: every lead keeps its owner.</p>"}`;
}

function scheduleCheck(all) {
  clearTimeout(timer);
  byId("wi-state").textContent = "checking…";
  timer = setTimeout(() => action(() => check(all)), 350);
}

async function check(all) {
  const mine = (checking += 1);
  const days = Number(byId("wi-days").value);
  const empty = all.filter((f) => !f.options && byId(inputId(f)).value.trim() === "");
  if (empty.length || !(days >= 1)) {
    showProblems([...empty.map((f) => ({ message: `${path(f)}: a number is needed` })), ...(days >= 1 ? [] : [{ message: "days: at least 1" }])], all);
    byId("wi-state").textContent = "not checked: fill in every value";
    return;
  }
  const result = unwrap((await gql(WHAT_IF, { toml: byId("wi-toml").value, days })).whatIf);
  if (mine !== checking) return;  // a newer edit is being checked
  if (result.__typename === "PolicyRefused") {
    showProblems(result.problems, all);
    byId("wi-state").textContent = `${result.problems.length} problem(s): the candidate cannot be applied`;
    return;
  }
  showProblems([], all);
  byId("wi-state").textContent = `checked: ${result.changedCount} lead(s) would change owner`;
  byId("wi-replay").innerHTML = sideBySide(result);
}

async function change(mutation, variables, key) {
  const result = unwrap((await gql(mutation, variables))[key]);
  if (result.__typename === "PolicyRefused") throw new ApiError(result.problems.map(problemWords).join("; "));
  await showWhatIf();
  say(`Policy ${result.version.version} is in force (recorded in the audit log).`);
}

export async function showWhatIf() {
  const mine = state.navigation;
  const { policy } = await gql(`{ policy { version mode offerTopN slaHoursHot slaHoursWarm slaHoursCold minTenureDaysForHot penaltyBreaches
    penaltyWindowDays penaltyDays weights { name weight } maxShareOverMean fairnessWindowDays cadences { grade touches days } nurtureMaxDays } }`);
  let versions = null;
  try {
    versions = (await gql(`query { policyVersions(first: 20) { ${VERSION} } }`)).policyVersions;
  } catch (error) {
    if (!(error instanceof ApiError) || error.message === SIGNED_OUT) throw error;  // an older server: no versions yet
  }
  if (!current(mine)) return;  // the user has moved on
  const inForce = versions && versions.find((v) => v.inForce);
  const base = inForce && inForce.toml ? inForce.toml : policyToml(policy);
  const groups = fields(policy);
  const all = Object.values(groups).flat();
  const admin = isAdmin();
  view.innerHTML = `<h2>What-if</h2>
    <p>Policy in force: <strong>${esc(policy.version)}</strong>. Change a value: the candidate is checked and replayed over the recent leads as you type.</p>
    <div class="grid whatif">
      <form id="wi-form" class="policy" novalidate>
        <ul class="problems" id="wi-problems" role="alert"></ul>
        ${Object.entries(groups).map(([section, list]) => `<fieldset><legend>${esc(LEGENDS[section])}</legend>
          <span class="problem" id="wi-${section}-problem" role="alert"></span>${list.map((f) => control(f, base)).join("")}</fieldset>`).join("")}
        <details><summary>The candidate policy file (TOML, editable)</summary>
          <label for="wi-toml">Candidate policy</label><textarea id="wi-toml" rows="18" spellcheck="false">${esc(base)}</textarea></details>
        <p class="field"><label for="wi-days">Replay the last (days)</label><input id="wi-days" type="number" min="1" max="365" value="30"></p>
        <div class="actions"><button type="button" id="wi-apply" disabled>Apply this policy</button>
          <span class="muted">${admin ? "An admin applies it; the audit log records who, when and its version." : "Only an admin applies a policy."}</span></div>
        <p id="wi-state" class="muted" aria-live="polite"></p>
      </form>
      <section class="panel" id="wi-replay" aria-live="polite"><p class="muted">Replaying…</p></section>
    </div>
    <section class="panel"><h3>Versions</h3>${versions && versions.length ? `<div class="scroll"><table id="wi-versions"><thead><tr><th>Version</th><th>Applied</th><th>By</th><th>Source</th><th></th></tr></thead><tbody>
      ${versions.map((v) => `<tr><td>${esc(v.version)}${v.inForce ? ' <span class="badge">in force</span>' : ""}</td><td>${when(v.appliedAt)}</td><td>${esc(v.appliedBy || "")}</td><td>${esc(v.source || "")}</td>
        <td class="actions"><button type="button" class="secondary" data-load="${esc(v.version)}">Load into the form</button>
        ${admin && !v.inForce ? `<button type="button" class="secondary" data-revert="${esc(v.version)}">Go back to this version</button>` : ""}</td></tr>`).join("")}</tbody></table></div>`
    : ""}${versions && versions.length ? "" : `<p>No version applied yet: the configured policy (${esc(policy.version)}) is in force.</p>`}</section>`;
  const fillFrom = (toml) => {
    for (const f of all) {
      const value = getValue(toml, f.section, f.key);
      if (value !== null) byId(inputId(f)).value = value;
    }
  };
  for (const f of all) {
    byId(inputId(f)).addEventListener(f.options ? "change" : "input", () => {
      const value = byId(inputId(f)).value;
      if (f.options || value.trim() !== "") byId("wi-toml").value = setValue(byId("wi-toml").value, f.section, f.key, literal(f.options ? "string" : "number", value));
      scheduleCheck(all);
    });
  }
  byId("wi-toml").addEventListener("input", () => { fillFrom(byId("wi-toml").value); scheduleCheck(all); });
  byId("wi-days").addEventListener("input", () => scheduleCheck(all));
  byId("wi-form").addEventListener("submit", (event) => event.preventDefault());
  byId("wi-apply").addEventListener("click", () => action(() => change(`mutation($toml: String!) { applyPolicy(policyToml: $toml) { ${APPLIED} } }`, { toml: byId("wi-toml").value }, "applyPolicy")));
  for (const button of view.querySelectorAll("[data-load]")) {
    button.addEventListener("click", () => {
      byId("wi-toml").value = versions.find((v) => v.version === button.dataset.load).toml;
      fillFrom(byId("wi-toml").value);
      scheduleCheck(all);
      byId(inputId(all[0])).focus();
    });
  }
  for (const button of view.querySelectorAll("[data-revert]")) {
    button.addEventListener("click", () => action(() => change(`mutation($version: String!) { revertPolicy(version: $version) { ${APPLIED} } }`, { version: button.dataset.revert }, "revertPolicy")));
  }
  await check(all);
}

// Imports through the running server: upload an export (POST /imports/{kind}), follow the job
// (GET /imports/{jobId}) with a progress bar, then the summary line and the invalid rows. Admins
// import every kind; a rep uploads their own network exports (the upload is their consent).

import { action, ApiError, byId, current, esc, http, isAdmin, say, state, view } from "../core.js";

const KINDS = [
  { name: "linkedin", label: "LinkedIn connections (Connections.csv or the export's zip)", own: true, accept: ".csv,.zip" },
  { name: "positions", label: "LinkedIn positions (Positions.csv)", own: true, accept: ".csv" },
  { name: "education", label: "LinkedIn education (Education.csv)", own: true, accept: ".csv" },
  { name: "facebook", label: "Facebook friends (your_friends.json)", own: true, accept: ".json" },
  { name: "reps", label: "The rep roster (reps.csv)", own: false, accept: ".csv" },
  { name: "leads", label: "Leads (leads.csv)", own: false, accept: ".csv" },
  { name: "relationships", label: "Relationships (relationships.csv)", own: false, accept: ".csv" },
];
const POLL_MS = 250;

function sleep(ms) { return new Promise((resolve) => setTimeout(resolve, ms)); }

async function answer(response) {
  let body = {};
  try { body = await response.json(); } catch { /* no JSON body: the status says it */ }
  if (!response.ok) throw new ApiError(body.message ? `${body.message} (nothing was imported)` : `The server answered ${response.status}; nothing was imported.`);
  return body;
}

function showProgress(job) {
  const bar = byId("im-progress");
  if (!bar) return;
  const total = job.rowsTotal || 0;
  bar.max = Math.max(1, total);
  bar.value = job.state === "done" ? bar.max : Math.min(job.rowsDone || 0, bar.max);
  byId("im-phase").textContent = job.state === "running"
    ? `${job.phase || "reading"}: ${job.rowsDone || 0}${total ? " of " + total : ""} rows`
    : job.state === "done" ? `done: ${job.rowsDone || total} rows` : "failed";
}

function showResult(job) {
  const box = byId("im-result");
  if (job.state === "failed") {
    const error = job.error || { code: "INTERNAL", message: "The import failed." };
    box.innerHTML = `<p class="failure" id="im-failure"><strong>The import failed:</strong> ${esc(error.message)}</p>
      <p>Nothing was written: the graph is as it was before the upload.</p>`;
    return;
  }
  const invalid = job.invalid || [];
  box.innerHTML = `<p id="im-summary"><strong>${esc(job.summary || "")}</strong></p>
    ${invalid.length ? `<h3>Invalid rows (${invalid.length}, not imported)</h3><ul class="invalid" id="im-invalid">${invalid.map((line) => `<li><code>${esc(line)}</code></li>`).join("")}</ul>` : "<p>No invalid rows.</p>"}`;
}

async function upload(kind, file, options) {
  const query = new URLSearchParams({ filename: file.name });
  if (options.rep) query.set("rep", options.rep);
  if (options.dryRun) query.set("dryRun", "true");
  if (options.consent) query.set("consent", "true");
  byId("im-status").hidden = false;
  byId("im-result").replaceChildren();
  showProgress({ state: "running", phase: "uploading", rowsDone: 0, rowsTotal: 0 });
  let job;
  try {
    job = await answer(await http(`/imports/${kind.name}?${query}`, { method: "POST", body: file }));
    while (job.state === "running") {
      showProgress(job);
      await sleep(POLL_MS);
      job = await answer(await http(`/imports/${encodeURIComponent(job.jobId)}`));
    }
  } catch (error) {
    byId("im-phase").textContent = "not imported";
    throw error;
  }
  showProgress(job);
  showResult(job);
  if (job.state === "failed") throw new ApiError(`The import of ${file.name} failed; nothing was written.`);
  say(`Imported ${file.name}${options.dryRun ? " (a dry run: nothing written)" : ""}.`);
}

export async function showImports() {
  const mine = state.navigation;
  const admin = isAdmin();
  const kinds = admin ? KINDS : KINDS.filter((k) => k.own);
  if (!current(mine)) return;
  view.innerHTML = `<h2>Imports</h2>
    <p class="muted">${admin ? "Upload an export or a CRM file: the server imports it in one transaction (a failure writes nothing)." : "Upload your own network export: the upload records your consent to have it imported."}</p>
    <form id="im-form" class="stack">
      <p><label for="im-kind">What</label><select id="im-kind">${kinds.map((k) => `<option value="${k.name}">${esc(k.label)}</option>`).join("")}</select></p>
      ${admin ? `<p id="im-rep-row"><label for="im-rep">Rep (email or id)</label><input id="im-rep" placeholder="alice@seller.example">
        <span><input type="checkbox" id="im-consent"><label for="im-consent">the rep agreed to have it imported</label></span></p>` : ""}
      <p><label for="im-file">File</label><input id="im-file" type="file" required accept="${kinds[0].accept}"></p>
      <p><input type="checkbox" id="im-dry"><label for="im-dry">dry run (check, write nothing)</label></p>
      <button type="submit" id="im-go">Upload and import</button>
    </form>
    <section class="panel" id="im-status" hidden aria-live="polite"><h3>Progress</h3>
      <progress id="im-progress" max="1" value="0" aria-labelledby="im-phase"></progress> <span id="im-phase"></span>
      <div id="im-result"></div></section>`;
  const chosen = () => KINDS.find((k) => k.name === byId("im-kind").value);
  const kindChanged = () => {
    byId("im-file").accept = chosen().accept;
    if (admin) byId("im-rep-row").hidden = !chosen().own;
  };
  byId("im-kind").addEventListener("change", kindChanged);
  kindChanged();
  byId("im-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const file = byId("im-file").files[0];
    const kind = chosen();
    const options = { dryRun: byId("im-dry").checked };
    if (admin && kind.own) {
      options.rep = byId("im-rep").value.trim();
      options.consent = byId("im-consent").checked;
      if (!options.rep) { say("Rep: a network export needs the rep it belongs to (their email or id).", true); byId("im-rep").focus(); return; }
    }
    if (!file) { say("File: choose the file to import.", true); return; }
    const button = byId("im-go");
    button.disabled = true;
    action(() => upload(kind, file, options)).finally(() => { button.disabled = false; });
  });
}

// warmpath manager page: talks to the API only through GraphQL (/graphql), its
// graphql-transport-ws subscription and the import and audit-export endpoints. No external
// assets; the token lives in sessionStorage. Each view is a module in views/.

import { byId, clearError, clearNotice, gql, say, SIGNED_OUT, state, token, view, whenSignedOut } from "./core.js";
import { showAgenda } from "./views/agenda.js";
import { showAudit } from "./views/audit.js";
import { showImports } from "./views/imports.js";
import { showLead } from "./views/lead.js";
import { showLeads } from "./views/leads.js";
import { showNetwork } from "./views/network.js";
import { showTeam } from "./views/team.js";
import { showWhatIf } from "./views/whatif.js";

let socket = null;

// Which roles see which section (the API refuses the rest anyway).
const SECTIONS = {
  agenda: { show: showAgenda, roles: ["rep", "manager", "admin"] },
  leads: { show: showLeads, roles: ["rep", "manager", "admin"] },
  network: { show: showNetwork, roles: ["rep", "manager", "admin"] },
  whatif: { show: showWhatIf, roles: ["manager", "admin"] },
  imports: { show: showImports, roles: ["rep", "admin"] },
  audit: { show: showAudit, roles: ["manager", "admin"] },
  team: { show: showTeam, roles: ["rep", "manager", "admin"] },
};

function showSignIn(message) {
  byId("signin").hidden = false;
  byId("signout").hidden = true;
  view.replaceChildren();
  byId("who").textContent = "";
  for (const link of document.querySelectorAll("nav a")) link.hidden = true;
  if (message) say(message, true);
  byId("token").focus();
}
whenSignedOut(showSignIn);

byId("signin").addEventListener("submit", async (event) => {
  event.preventDefault();
  sessionStorage.setItem("warmpath-token", byId("token").value.trim());
  byId("token").value = "";
  await start();
});

byId("signout").addEventListener("click", () => {
  sessionStorage.removeItem("warmpath-token");
  if (socket) socket.close();
  state.me = null;
  showSignIn("Signed out.");
});

async function start() {
  if (!token()) return showSignIn();
  try {
    state.me = (await gql("{ me { id name role team repId } }")).me;
  } catch (error) {
    if (error.message !== SIGNED_OUT) say(error.message, true);
    return;
  }
  const me = state.me;
  byId("signin").hidden = true;
  byId("signout").hidden = false;
  byId("who").textContent = `${me.name} (${me.role}${me.team ? ", team " + me.team : ""})`;
  for (const link of document.querySelectorAll("nav a")) link.hidden = !(SECTIONS[link.dataset.nav] || { roles: [] }).roles.includes(me.role);
  clearNotice();
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
  if (here.startsWith(`#/lead/${encodeURIComponent(event.leadId)}`)) showLead(event.leadId).catch(() => {});
  else if (here === "" || here.startsWith("#/leads")) showLeads().catch(() => {});
}

// --- router -------------------------------------------------------------------------------

window.addEventListener("hashchange", route);

function home() { return state.me.role === "rep" ? "#/agenda" : "#/leads"; }

function route() {
  if (!state.me) return;
  state.navigation += 1;
  const [, section, ...args] = (location.hash || home()).split("/");
  for (const link of document.querySelectorAll("nav a")) {
    if (link.dataset.nav === section || (section === "lead" && link.dataset.nav === "leads")) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  const chosen = SECTIONS[section];
  let run;
  if (section === "lead") run = () => showLead(decodeURIComponent(args[0] || ""));
  else if (chosen && chosen.roles.includes(state.me.role)) run = () => chosen.show(...args.map(decodeURIComponent));
  else run = (home() === "#/agenda" ? showAgenda : showLeads);
  run().then(clearError, (error) => { if (error.message !== SIGNED_OUT) say(error.message, true); });
}

start();

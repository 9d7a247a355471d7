// What every view of the manager page shares: the signed-in user, the API calls (GraphQL and
// the two plain HTTP endpoints: imports and the audit CSV), the notice banner and small formats.

export const state = { me: null, navigation: 0 };
export const view = document.getElementById("view");
const notice = document.getElementById("notice");

export function esc(text) {
  return String(text ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

export function say(message, error = false) {
  const p = document.createElement("p");
  p.textContent = message;
  if (error) p.className = "error";
  notice.replaceChildren(p);
}

// An error banner belongs to the action that failed: the next action that succeeds clears it.
export function clearError() {
  if (notice.querySelector("p.error")) notice.replaceChildren();
}

export function clearNotice() { notice.replaceChildren(); }

export function token() { return sessionStorage.getItem("warmpath-token"); }

export class ApiError extends Error {}
export const SIGNED_OUT = "signed out";

let onSignedOut = () => {};
export function whenSignedOut(callback) { onSignedOut = callback; }

// fetch with the bearer token; a 401 signs the tab out.
export async function http(url, options = {}) {
  let response;
  try {
    response = await fetch(url, { ...options, headers: { ...(options.headers || {}), Authorization: `Bearer ${token()}` } });
  } catch {
    throw new ApiError("The server cannot be reached: is warmpath running?");
  }
  if (response.status === 401) {
    sessionStorage.removeItem("warmpath-token");
    onSignedOut("Your token is not valid (or was revoked): sign in again.");
    throw new ApiError(SIGNED_OUT);
  }
  return response;
}

export async function gql(query, variables = {}) {
  const response = await http("/graphql", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ query, variables }),
  });
  let body;
  try {
    body = await response.json();
  } catch {
    throw new ApiError(`The server answered ${response.status} without a result: try again.`);
  }
  if (body.errors && body.errors.length) throw new ApiError(body.errors[0].message);
  return body.data;
}

// The reps the signed-in user sees, for the pickers: asked once per token (a new rep shows
// after a reload), not with every lead.
let roster = { token: null, reps: null };
export async function repList() {
  const mine = token();
  if (roster.token !== mine || roster.reps === null) {
    const reps = (await gql("{ reps { id name } }")).reps;
    roster = { token: mine, reps };
  }
  return roster.reps;
}

const WORDS = {
  FORBIDDEN: "You are not allowed to do that", ALREADY_CLAIMED: "Already claimed",
  NOT_ELIGIBLE: "Not eligible", NOT_FOUND: "Not found", INVALID_STATE: "Not possible now",
  INVALID_ARGUMENT: "Please check what you entered",
};

export function problemWords(problem) { return `${WORDS[problem.code] || problem.code}: ${problem.message}`; }

// A result union member: a Problem becomes an error in plain words.
export function unwrap(result) {
  if (result && result.__typename === "Problem") throw new ApiError(problemWords(result));
  return result;
}

// Run what the user asked for: its success clears an error banner, its failure fills it.
export async function action(work) {
  try {
    const result = await work();
    clearError();
    return result;
  } catch (error) {
    if (error.message !== SIGNED_OUT) say(error.message, true);
    return undefined;
  }
}

// A view renders only if no newer navigation started meanwhile.
export function current(mine) { return mine === state.navigation; }

export function when(iso, length = 16) { return iso ? esc(String(iso).slice(0, length).replace("T", " ")) : ""; }
export function percent(rate, digits = 1) { return rate == null ? "n/a" : (rate * 100).toFixed(digits) + "%"; }
export function isManager() { return state.me && (state.me.role === "manager" || state.me.role === "admin"); }
export function isAdmin() { return state.me && state.me.role === "admin"; }
export function byId(id) { return document.getElementById(id); }

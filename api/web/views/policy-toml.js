// The what-if form edits a policy file (the format of routing/default_policy.toml) in place:
// one key's value is replaced, its comment and every other line kept; a missing key is added to
// its table (the table too, if missing).

const HEADER = /^\s*\[([^\]]+)\]\s*(#.*)?$/;

// The key's line in `section` ("" for the top level), as [index, match] or null.
function find(lines, section, key) {
  let here = "";
  const pattern = new RegExp(`^(\\s*${key.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\s*=\\s*)("(?:[^"\\\\]|\\\\.)*"|[^#\\s]+)(.*)$`);
  for (let i = 0; i < lines.length; i += 1) {
    const header = lines[i].match(HEADER);
    if (header) { here = header[1].trim(); continue; }
    if (here !== section) continue;
    const match = lines[i].match(pattern);
    if (match) return [i, match];
  }
  return null;
}

// The last line of `section`'s table that holds a key (its header, if none), or -1.
function tableEnd(lines, section) {
  let here = "", last = section === "" ? -1 : null;
  for (let i = 0; i < lines.length; i += 1) {
    const header = lines[i].match(HEADER);
    if (header) {
      here = header[1].trim();
      if (here === section) last = i;
      continue;
    }
    if (here === section && /^\s*[\w"-]+\s*=/.test(lines[i])) last = i;
  }
  return last;
}

// The value of a key as written (strings without their quotes), or null when missing.
export function getValue(toml, section, key) {
  const found = find(toml.split("\n"), section, key);
  if (!found) return null;
  const raw = found[1][2];
  return raw.startsWith('"') ? JSON.parse(raw) : raw;
}

export function setValue(toml, section, key, literal) {
  const lines = toml.split("\n");
  const found = find(lines, section, key);
  if (found) {
    const [index, match] = found;
    lines[index] = `${match[1]}${literal}${match[3]}`;
    return lines.join("\n");
  }
  const end = tableEnd(lines, section);
  if (end === null) return `${toml.replace(/\n*$/, "")}\n\n[${section}]\n${key} = ${literal}\n`;
  lines.splice(end + 1, 0, `${key} = ${literal}`);
  return lines.join("\n");
}

// A TOML literal for a form value: a string for `mode`, else the number as typed.
export function literal(kind, value) {
  return kind === "string" ? JSON.stringify(value) : String(value).trim();
}

// A policy file with the values of the `policy` query (when no version's text is at hand).
export function policyToml(policy) {
  const grades = ["hot", "warm", "cold"];
  const cadence = Object.fromEntries(policy.cadences.map((c) => [c.grade, c]));
  return [
    `mode = ${JSON.stringify(policy.mode)}`, "", "[weights]",
    ...policy.weights.map((w) => `${w.name} = ${w.weight}`), "", "[sla_hours]",
    `hot = ${policy.slaHoursHot}`, `warm = ${policy.slaHoursWarm}`, `cold = ${policy.slaHoursCold}`, "",
    "[cadence_touches]", ...grades.filter((g) => cadence[g]).map((g) => `${g} = ${cadence[g].touches}`), "",
    "[cadence_days]", ...grades.filter((g) => cadence[g]).map((g) => `${g} = ${cadence[g].days}`), "",
    "[rules]", `offer_top_n = ${policy.offerTopN}`, `min_tenure_days_for_hot = ${policy.minTenureDaysForHot}`,
    `penalty_breaches = ${policy.penaltyBreaches}`, `penalty_window_days = ${policy.penaltyWindowDays}`,
    `penalty_days = ${policy.penaltyDays}`, `nurture_max_days = ${policy.nurtureMaxDays}`,
    `max_share_over_mean = ${policy.maxShareOverMean}`, `fairness_window_days = ${policy.fairnessWindowDays}`, "",
  ].join("\n");
}

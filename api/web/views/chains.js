// Draw chains rep -> intermediaries -> decision-maker as columns of an SVG (the lead page's
// paths of one rep to each decision-maker).

import { esc } from "../core.js";

export function drawChains(repName, chains, edgeLabels = null) {
  const rowHeight = 46, colWidth = 190, width = colWidth * 4 + 40;
  const height = Math.max(1, chains.length) * rowHeight + 30;
  let body = `<text x="10" y="${height / 2}" font-weight="700">${esc(repName)}</text>`;
  chains.forEach((chain, row) => {
    const y = 24 + row * rowHeight;
    const nodes = [...chain.people, chain.end];
    let x = 10 + colWidth, prevX = 10 + Math.min(140, repName.length * 7), prevY = height / 2;
    nodes.forEach((person, index) => {
      const last = index === nodes.length - 1;
      const cx = last ? 10 + colWidth * 3 : x;
      if (!chain.none || last) {
        body += `<line x1="${prevX}" y1="${prevY - 4}" x2="${cx - 4}" y2="${y - 4}" ${chain.none ? 'stroke-dasharray="4 4"' : ""}></line>`;
        if (edgeLabels && edgeLabels[row] && edgeLabels[row][index]) body += `<text class="edge-label" x="${(prevX + cx) / 2}" y="${(prevY + y) / 2 - 8}">${esc(edgeLabels[row][index])}</text>`;
      }
      body += `<text x="${cx}" y="${y}" data-node="${esc(person.id || "")}">${esc(person.name)}</text>`;
      if (person.title) body += `<text class="title" x="${cx}" y="${y + 13}">${esc(person.title)}</text>`;
      prevX = cx + Math.min(150, person.name.length * 7); prevY = y; x += colWidth;
    });
    body += `<text class="title" x="${10 + colWidth * 3}" y="${y + 26}">${chain.none ? "no path within 3 hops" : chain.hops + " hop(s)"}</text>`;
  });
  return `<svg class="paths" viewBox="0 0 ${width} ${height}" role="img" aria-label="connection paths">${body}</svg>`;
}

// DOM helpers the LeadLens LWC tests share: queries that look through the shadow roots of the
// card and its children (c-lead-lens-score-details renders the score inside its own), and the
// text a rep reads.

/** Every element matching `selector` in `root`'s shadow tree and its children's, in order. */
function deepAll(root, selector) {
  const out = [];
  const visit = (node) => {
    if (!node) return;
    out.push(...node.querySelectorAll(selector));
    for (const child of node.querySelectorAll('*')) if (child.shadowRoot) visit(child.shadowRoot);
  };
  visit(root.shadowRoot);
  return out;
}

const q = (el, id) => deepAll(el, `[data-id="${id}"]`)[0] || null;
const qa = (el, id) => deepAll(el, `[data-id="${id}"]`);
const text = (node) => (node ? node.textContent.replace(/\s+/g, ' ').trim() : null);
const MINUS = '\u2212';
const parsePoints = (s) => Number(s.replace(MINUS, '-'));

/** The factor lines of one list (`positives` / `negatives`) as the rep reads them. */
function factorLines(el, list) {
  const dl = q(el, list);
  if (!dl) return [];
  return Array.from(dl.querySelectorAll('[data-id="factor"]')).map((f) => ({
    points: text(f.querySelector('[data-id="points"]')),
    label: text(f.querySelector('[data-id="label"]')),
    reason: text(f.querySelector('[data-id="reason"]')),
  }));
}

/** baseline + shown points + other factors, read back from the rendered card. */
function renderedSum(el) {
  const lines = [...factorLines(el, 'positives'), ...factorLines(el, 'negatives')];
  const meta = text(q(el, 'score-meta'));
  const base = Number(/Baseline (\d+)/.exec(meta)[1]);
  const otherMatch = /other factors ([+\u2212]\d+)/.exec(meta);
  const other = otherMatch ? parsePoints(otherMatch[1]) : 0;
  return base + lines.reduce((s, f) => s + parsePoints(f.points), 0) + other;
}

const flush = () => Promise.resolve();

function clearBody() {
  while (document.body.firstChild) document.body.removeChild(document.body.firstChild);
}

module.exports = {
  deepAll,
  q,
  qa,
  text,
  MINUS,
  parsePoints,
  factorLines,
  renderedSum,
  flush,
  clearBody,
};

/** Tiny HTML helpers: everything interpolated goes through `esc`. */
export function esc(v: unknown): string {
  return String(v ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

export const fmt = {
  pct: (v: number | null | undefined, digits = 1) =>
    v === null || v === undefined || !Number.isFinite(v) ? '—' : `${(v * 100).toFixed(digits)} %`,
  num: (v: number | null | undefined, digits = 3) =>
    v === null || v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(digits),
};

export function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#213343;background:#f5f8fa}
header{background:#213343;color:#fff;padding:12px 24px;display:flex;gap:24px;align-items:center}
header a{color:#fff;text-decoration:none;opacity:.85}header a:hover{opacity:1}
main{padding:24px;max-width:1100px;margin:auto}
h1{font-size:22px}h2{font-size:17px;margin-top:28px}
table{border-collapse:collapse;width:100%;background:#fff;font-size:14px}
th,td{border-bottom:1px solid #dfe3eb;padding:6px 10px;text-align:left;vertical-align:top}
th{background:#eaf0f6}
.kpis{display:flex;gap:16px;flex-wrap:wrap}.kpi{background:#fff;border:1px solid #dfe3eb;border-radius:6px;padding:12px 16px;min-width:140px}
.kpi b{display:block;font-size:22px}.muted{color:#516f90;font-size:13px}
.bar{background:#00a4bd;height:10px;display:inline-block;border-radius:2px}
figure.chart{background:#fff;border:1px solid #dfe3eb;border-radius:6px;margin:16px 0;padding:4px 16px 12px}
figure.chart svg{max-width:100%;height:auto;display:block}
.alert{background:#fde8e9;border:1px solid #f2545b;border-radius:6px;padding:12px 16px;margin:12px 0}
</style></head><body>
<header><strong>LeadLens</strong><a href="/">Scored contacts</a><a href="/report">Model report</a><a href="/logout" style="margin-left:auto">Sign out</a></header>
<main>${body}</main></body></html>`;
}

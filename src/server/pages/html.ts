// HTML for the operator's pages: a tagged template that escapes every interpolated value unless
// it is already markup made here, one shared layout with its stylesheet, and the headers that
// forbid everything the pages do not use (no script, no external asset, no framing).
import { createHash } from 'node:crypto';

/** Markup built by `html`: the only thing interpolated without escaping. */
export class SafeHtml {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

type Value = SafeHtml | string | number | boolean | null | undefined | readonly SafeHtml[];

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);
}

function render(value: Value): string {
  if (value instanceof SafeHtml) return value.text;
  if (Array.isArray(value)) return value.map((v: SafeHtml) => v.text).join('');
  if (value === null || value === undefined) return '';
  return escapeHtml(String(value));
}

/** `html\`<td>${value}</td>\`` escapes `value`; nested `html` results and arrays of them pass as they are. */
export function html(strings: TemplateStringsArray, ...values: Value[]): SafeHtml {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    out += render(value) + (strings[i + 1] ?? '');
  });
  return new SafeHtml(out);
}

const STYLE = `body{font-family:system-ui,sans-serif;margin:1.5em;color:#1b1f24}
h1{font-size:1.4em;margin:0 0 .3em}h2{font-size:1.1em;margin:1.4em 0 .4em}
nav a{margin-right:1em}table{border-collapse:collapse;font-size:.9em}
th,td{padding:.25em .6em;text-align:left;vertical-align:top;border-bottom:1px solid #d8dee4}
th{background:#f3f5f7}td.num{text-align:right;font-variant-numeric:tabular-nums}
tr.down td{background:#fdecea}.down .state{color:#a40e26;font-weight:bold}.up .state{color:#116329}
code,.id{font-family:ui-monospace,monospace;font-size:.95em}pre{margin:0;white-space:pre-wrap;word-break:break-all;max-width:60em}
.summary{font-size:1.05em}.muted{color:#59636e}`;

/** The pages carry their stylesheet inline; the CSP allows exactly that stylesheet and nothing else. */
export const PAGE_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': `default-src 'none'; style-src 'sha256-${createHash('sha256').update(STYLE).digest('base64')}'; `
    + "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
};

export function layout(title: string, body: SafeHtml): string {
  return html`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${title}</title>
<style>${new SafeHtml(STYLE)}</style></head>
<body>${body}</body></html>
`.text;
}

/** A Unix time (ms) as UTC, to the second; a dash when unknown. */
export function utcTime(ms: number | undefined): string {
  return ms === undefined ? '–' : `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** A duration in seconds, as a person reads it: 42 s, 3 min 5 s, 2 h 10 min. */
export function span(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  return `${Math.floor(s / 86_400)} d ${Math.floor((s % 86_400) / 3600)} h`;
}

/** The dashboard's stylesheet (served as /dashboard/assets/style.css). */
export const DASHBOARD_CSS = `
:root { --fg:#1d2330; --muted:#6b7385; --line:#d9dde5; --bg:#f6f7f9; --accent:#2457c5; --bad:#c0392b; --warn:#d68910; --ok:#1e8449; }
* { box-sizing: border-box; }
body { margin:0; font:14px/1.45 system-ui, sans-serif; color:var(--fg); background:var(--bg); }
header { display:flex; gap:1.5em; align-items:center; padding:.6em 1.2em; background:#fff; border-bottom:1px solid var(--line); }
nav a { margin-right:1em; color:var(--accent); text-decoration:none; }
main { padding:1.2em; display:grid; gap:1.2em; grid-template-columns:repeat(auto-fit, minmax(420px, 1fr)); }
section { background:#fff; border:1px solid var(--line); border-radius:6px; padding:1em; overflow:auto; }
section.wide { grid-column:1 / -1; }
h2 { margin:0 0 .6em; font-size:1.05em; }
table { border-collapse:collapse; width:100%; }
th, td { text-align:left; padding:.25em .5em; border-bottom:1px solid var(--line); vertical-align:top; }
th { color:var(--muted); font-weight:600; }
td.num { text-align:right; font-variant-numeric:tabular-nums; }
.sev1 { color:var(--bad); font-weight:600; } .sev2 { color:var(--warn); } .sev3, .sev4 { color:var(--muted); }
.live { font-size:.85em; padding:.15em .6em; border-radius:1em; background:#e8f5e9; color:var(--ok); }
.live.off { background:#fdecea; color:var(--bad); }
.reasons { color:var(--muted); font-size:.9em; }
.new { animation: flash 2s ease-out; }
@keyframes flash { from { background:#fff3c4; } to { background:transparent; } }
form.classify { display:grid; grid-template-columns:repeat(auto-fill, minmax(200px, 1fr)); gap:.4em .8em; }
form.classify label { display:flex; flex-direction:column; font-size:.85em; color:var(--muted); }
.answer { font-size:1.4em; font-weight:600; margin-top:.6em; }
.error { color:var(--bad); }
svg text { font:11px system-ui, sans-serif; fill:var(--muted); }
`;

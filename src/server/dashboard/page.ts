/**
 * The dashboard's one HTML shell: every page (overview, an IP, models, classify) is this shell;
 * app.js draws the page the path names from the API. No CDN, no framework: a page is a few API
 * calls and some DOM, and it must work on a machine without internet.
 */
export function dashboardHtml(title: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · netsentinel</title>
<link rel="stylesheet" href="/dashboard/assets/style.css">
<link rel="icon" href="data:,">
</head>
<body>
<header>
  <strong>netsentinel</strong>
  <nav>
    <a href="/dashboard/">Overview</a>
    <a href="/dashboard/models">Models</a>
    <a href="/dashboard/runs">Analyses</a>
    <a href="/dashboard/classify">Classify</a>
    <a href="/docs">API</a>
  </nav>
  <span id="live" class="live off">live: connecting</span>
  <form id="keyform" hidden><input id="key" type="password" placeholder="API key" autocomplete="off"><button>Use key</button></form>
</header>
<main id="page" aria-live="polite"></main>
<script src="/dashboard/assets/app.js"></script>
</body>
</html>
`;
}

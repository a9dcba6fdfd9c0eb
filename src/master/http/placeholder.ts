/** Served at `/` until the dashboard is built, so a new user learns the one command that fixes it. */
export const PLACEHOLDER_HTML = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Codex Super Client</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem;color:#1b1f24}
code{background:#eef1f4;padding:.1rem .3rem;border-radius:4px}</style></head>
<body>
<h1>Codex Super Client</h1>
<p>The master is running, but the dashboard has not been built yet.</p>
<p>Build it from the project root with <code>npm run build --workspace frontend</code>
(or <code>cd frontend &amp;&amp; npm run build</code>), then reload this page.
The master serves <code>frontend/dist</code> as soon as it exists.</p>
<p>The HTTP API is available meanwhile under <code>/api</code>, e.g. <code>GET /api/health</code>
with <code>Authorization: Bearer &lt;admin token&gt;</code>.</p>
</body>
</html>
`;

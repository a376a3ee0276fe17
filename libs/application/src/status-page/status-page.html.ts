// The page is plain HTML, CSS and a script, kept in TypeScript modules so that the apps' webpack
// bundles carry them: nothing to copy next to the build, nothing to find on disk at run time.

export const statusPageHtml = String.raw`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Import jobs</title>
<!-- An empty icon: without one, the browser asks for /favicon.ico, which nothing serves. -->
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/ui/status-page.css">
<script src="/ui/status-page.js" defer></script>
</head>
<body>
<header>
  <h1>Import jobs</h1>
  <form id="key-form">
    <label>API key <input id="api-key" type="password" autocomplete="off" placeholder="leave empty for an open API"></label>
    <button type="submit">Use key</button>
  </form>
  <span id="connection" role="status">not connected</span>
</header>
<main>
  <section id="upload">
    <h2>New import</h2>
    <form id="upload-form">
      <label>File (CSV or NDJSON, optionally .gz) <input name="file" type="file" required></label>
      <label>Destination topic <input name="destinationTopic" required></label>
      <label>Key field <input name="keyField" placeholder="optional"></label>
      <label>Row schema, JSON <textarea name="schema" rows="2" placeholder="optional"></textarea></label>
      <button type="submit">Upload and import</button>
      <output id="upload-result"></output>
    </form>
  </section>
  <p id="problem" role="alert" hidden></p>
  <section id="jobs-section">
    <h2>Jobs <small>newest first</small></h2>
    <table id="jobs">
      <thead><tr><th>Created</th><th>Source</th><th>Status</th><th>Progress</th><th>Rows</th><th>Rows/s</th><th>Failures</th><th></th></tr></thead>
      <tbody></tbody>
    </table>
    <p id="no-jobs">No jobs yet.</p>
  </section>
  <section id="details" hidden>
    <h2>Job <code id="details-job"></code> <button id="close-details" type="button">Close</button></h2>
    <figure id="rate" hidden>
      <figcaption>Rows per second, as the job's progress arrived</figcaption>
      <svg id="rate-chart" role="img" aria-label="Rows per second"></svg>
    </figure>
    <figure id="timeline" hidden>
      <figcaption id="timeline-caption">Pieces, from claim to commit</figcaption>
      <svg id="timeline-chart" role="img" aria-label="Timeline of the job's pieces"></svg>
    </figure>
    <div id="failures">
      <h3>Failed rows <a id="report-link" hidden>full failure report (CSV)</a></h3>
      <table><thead><tr><th>File</th><th>Line</th><th>Reason</th><th>Row</th></tr></thead><tbody></tbody></table>
      <p id="no-failures" hidden>No failed rows.</p>
    </div>
    <div id="history">
      <h3>Event history</h3>
      <ol></ol>
    </div>
  </section>
</main>
</body>
</html>
`;

export const statusPageCss = String.raw`
:root { font-family: system-ui, sans-serif; color: #1d232b; background: #f6f7f9; }
body { margin: 0; }
header { display: flex; align-items: center; gap: 1.5rem; padding: 0.75rem 1.5rem; background: #1d3557; color: #fff; flex-wrap: wrap; }
header h1 { font-size: 1.25rem; margin: 0; }
header label { font-size: 0.9rem; }
#connection { margin-left: auto; font-size: 0.85rem; padding: 0.2rem 0.6rem; border-radius: 1rem; background: #6c757d; }
#connection.live { background: #2a9d8f; }
main { padding: 1rem 1.5rem; display: grid; gap: 1rem; }
section { background: #fff; border-radius: 6px; padding: 0.75rem 1rem; box-shadow: 0 1px 2px rgb(0 0 0 / 8%); }
h2 { font-size: 1.05rem; margin: 0.25rem 0 0.75rem; }
h2 small { font-weight: normal; color: #6c757d; }
h3 { font-size: 0.95rem; }
#upload-form { display: flex; flex-wrap: wrap; gap: 0.75rem; align-items: end; }
#upload-form label { display: flex; flex-direction: column; font-size: 0.85rem; gap: 0.2rem; }
#upload-form textarea { width: 18rem; }
table { border-collapse: collapse; width: 100%; font-size: 0.9rem; }
th, td { text-align: left; padding: 0.4rem 0.5rem; border-bottom: 1px solid #e5e7eb; vertical-align: middle; }
tbody tr.job { cursor: pointer; }
tbody tr.job:hover, tbody tr.selected { background: #eef4fb; }
.status { display: inline-block; padding: 0.1rem 0.5rem; border-radius: 1rem; font-size: 0.8rem; background: #e9ecef; }
.status-Completed { background: #d1f2e4; color: #0b6b45; }
.status-Failed, .status-Cancelled { background: #fbe0e0; color: #9b1c1c; }
.status-Processing, .status-Planning, .status-Requested { background: #dde9f9; color: #1d4f91; }
.status-Cancelling, .status-Failing, .status-Completing { background: #fff1d6; color: #8a5300; }
progress { width: 10rem; height: 0.9rem; vertical-align: middle; accent-color: #1d6fd8; }
tr[data-status="Completed"] progress { accent-color: #2a9d8f; }
tr[data-status="Failed"] progress, tr[data-status="Failing"] progress { accent-color: #c0392b; }
tr[data-status="Cancelled"] progress, tr[data-status="Cancelling"] progress { accent-color: #8d99ae; }
.progress-label { font-size: 0.8rem; color: #495057; margin-left: 0.4rem; }
button { font: inherit; cursor: pointer; }
#problem { color: #9b1c1c; background: #fbe0e0; padding: 0.5rem 1rem; border-radius: 6px; margin: 0; }
#history ol { font-size: 0.85rem; padding-left: 1.5rem; }
#history li { margin: 0.2rem 0; }
code { font-size: 0.85em; }
figure { margin: 0 0 0.75rem; }
figcaption { font-size: 0.85rem; font-weight: 600; margin-bottom: 0.25rem; }
figure svg { width: 100%; max-width: 60rem; height: auto; display: block; }
svg .axis { stroke: #8d99ae; stroke-width: 1; }
svg .tick, svg .bar-label { font-size: 11px; fill: #495057; }
svg .rate-line { fill: none; stroke: #1d6fd8; stroke-width: 2; stroke-linejoin: round; }
svg .piece-completed { fill: #2a9d8f; }
svg .piece-failed { fill: #c0392b; }
svg .piece-cancelled { fill: #8d99ae; }
`;

/**
 * The pages' two assets, served by the web function itself (GET /assets/...): plain text kept in
 * the bundle, so the function needs no S3 bucket and the local runtime serves the very same bytes.
 *
 * The script is progressive enhancement: the search page works without it (a GET form); with it,
 * results follow the typing (GET /v1/people, the API's own search), built with DOM calls and
 * `textContent` only (no HTML from data), announced by the page's `role="status"` region.
 */

export const SEARCH_SCRIPT = String.raw`(function () {
  'use strict';
  var form = document.getElementById('people-search');
  var input = document.getElementById('q');
  var list = document.getElementById('results');
  var status = document.getElementById('search-status');
  var more = document.getElementById('more');
  if (!form || !input || !list || !status || !window.fetch || !window.AbortController) return;
  var timer;
  var controller;
  var shown = input.value.trim();

  function countText(n, more, q) {
    var found = n === 0 ? 'No one found' : n === 1 ? '1 person found' : n + (more ? '+' : '') + ' people found';
    return q ? found + ' for \u201c' + q + '\u201d' : found;
  }

  function item(person) {
    var li = document.createElement('li');
    var link = document.createElement('a');
    link.href = '/people/' + encodeURIComponent(person.username);
    link.textContent = person.firstName + ' ' + person.lastName;
    li.appendChild(link);
    var who = document.createElement('span');
    who.className = 'username';
    who.textContent = '@' + person.username;
    li.appendChild(document.createTextNode(' '));
    li.appendChild(who);
    if (person.mood) {
      var mood = document.createElement('span');
      mood.className = 'mood';
      mood.textContent = person.mood;
      li.appendChild(mood);
    }
    return li;
  }

  function show(q, body) {
    var items = body.items || [];
    list.replaceChildren.apply(list, items.map(item));
    status.textContent = countText(items.length, Boolean(body.next), q);
    if (more) {
      if (body.next) {
        more.hidden = false;
        more.href = '/people?' + (q ? 'q=' + encodeURIComponent(q) + '&' : '') + 'cursor=' + encodeURIComponent(body.next);
      } else {
        more.hidden = true;
      }
    }
    history.replaceState(null, '', q ? '/people?q=' + encodeURIComponent(q) : '/people');
  }

  function search() {
    var q = input.value.trim();
    if (q === shown) return;
    shown = q;
    if (controller) controller.abort();
    controller = new AbortController();
    var url = '/v1/people?limit=20' + (q ? '&q=' + encodeURIComponent(q) : '');
    status.textContent = 'Searching\u2026';
    fetch(url, { signal: controller.signal, headers: { accept: 'application/json' } })
      .then(function (response) {
        if (!response.ok) throw new Error('HTTP ' + response.status);
        return response.json();
      })
      .then(function (body) {
        show(q, body);
      })
      .catch(function (error) {
        if (error && error.name === 'AbortError') return;
        shown = null;
        status.textContent = 'Results could not be updated; press Enter to search.';
      });
  }

  input.addEventListener('input', function () {
    clearTimeout(timer);
    timer = setTimeout(search, 200);
  });
})();
`;

export const STYLE_SHEET = `:root {
  color-scheme: light;
  --text: #1b1b1f;
  --muted: #4a4a55;
  --link: #0b57d0;
  --accent: #0b57d0;
  --error: #b3261e;
  --ok: #146c2e;
  --line: #c8c8d0;
  --focus: #ffbf47;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
  line-height: 1.5;
  color: var(--text);
  background: #fff;
}
body { margin: 0; }
a { color: var(--link); }
.skip-link { position: absolute; left: 0.5rem; top: -3rem; padding: 0.5rem 1rem; background: #fff; border: 2px solid var(--text); z-index: 10; }
.skip-link:focus { top: 0.5rem; }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; box-shadow: 0 0 0 5px var(--text); }
header.site { border-bottom: 1px solid var(--line); background: #f6f6f9; }
header.site nav { max-width: 48rem; margin: 0 auto; padding: 0.75rem 1rem; display: flex; gap: 1rem; align-items: center; flex-wrap: wrap; }
header.site .brand { font-weight: 700; margin-right: auto; text-decoration: none; color: var(--text); }
header.site form { margin: 0; }
main { max-width: 48rem; margin: 0 auto; padding: 1rem; }
main:focus { outline: none; }
h1 { font-size: 1.75rem; margin: 1rem 0; }
h2 { font-size: 1.25rem; }
label { display: block; font-weight: 600; margin-top: 1rem; }
.hint { display: block; color: var(--muted); font-size: 0.9rem; margin: 0.1rem 0 0.25rem; }
input, select, textarea, button { font: inherit; }
input[type=text], input[type=email], input[type=tel], input[type=url], input[type=date], input[type=password], input[type=search], select, textarea {
  display: block; width: 100%; max-width: 32rem; box-sizing: border-box; padding: 0.4rem 0.5rem; border: 2px solid var(--muted); border-radius: 4px; background: #fff; color: var(--text);
}
textarea { min-height: 6rem; }
input[aria-invalid=true], select[aria-invalid=true], textarea[aria-invalid=true] { border-color: var(--error); border-width: 3px; }
.error { color: var(--error); font-weight: 600; margin: 0.25rem 0 0; }
button, .button { display: inline-block; margin-top: 1.25rem; padding: 0.5rem 1.1rem; border: 2px solid var(--accent); border-radius: 4px; background: var(--accent); color: #fff; cursor: pointer; text-decoration: none; }
button.link { margin: 0; padding: 0; border: 0; background: none; color: var(--link); text-decoration: underline; }
.error-summary { border: 3px solid var(--error); padding: 0.5rem 1rem; margin: 1rem 0; }
.error-summary h2 { margin-top: 0.25rem; color: var(--error); }
.notice { border-left: 6px solid var(--ok); background: #eef7f0; padding: 0.5rem 1rem; }
.search-form { display: flex; gap: 0.5rem; align-items: flex-end; flex-wrap: wrap; }
.search-form label { margin-top: 0; flex-basis: 100%; }
.search-form input { flex: 1; margin: 0; }
.search-form button { margin-top: 0; }
#results { list-style: none; padding: 0; }
#results li { padding: 0.5rem 0; border-bottom: 1px solid var(--line); }
.username { color: var(--muted); }
.mood { display: block; color: var(--muted); font-style: italic; }
.banner { height: 0.75rem; border-radius: 4px; margin-top: 1rem; }
.profile-head { display: flex; gap: 1rem; align-items: center; flex-wrap: wrap; }
.profile-head img { width: 8rem; height: 8rem; object-fit: cover; border-radius: 50%; border: 1px solid var(--line); }
dl.fields { display: grid; grid-template-columns: minmax(8rem, max-content) 1fr; gap: 0.4rem 1rem; }
dl.fields dt { font-weight: 600; }
dl.fields dd { margin: 0; }
.long-text { white-space: pre-wrap; overflow-wrap: anywhere; }
fieldset { border: 1px solid var(--line); margin: 1.5rem 0 0; padding: 0.5rem 1rem 1rem; }
legend { font-weight: 700; padding: 0 0.25rem; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); white-space: nowrap; }
`;

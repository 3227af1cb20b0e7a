// Runs before the first paint (a blocking <script> in <head>): applies the
// tenant's colours from the last visit at once, then fetches the current
// branding and caches it for next time. On a first visit with nothing cached
// the page stays hidden until the branding arrives (at most 1.5 s), so a
// tenant's users never see a flash of someone else's colours.
// Keep in step with src/branding/branding.ts (a unit test checks both).
(function () {
  var match = /^\/t\/([a-z][a-z0-9-]{1,62})(?:\/|$)/.exec(location.pathname);
  if (!match) return;
  var slug = match[1];
  var key = 'mandant:branding:' + slug;
  var root = document.documentElement;
  var VARS = {
    primary: '--brand-primary',
    on_primary: '--brand-on-primary',
    accent: '--brand-accent',
    background: '--brand-bg',
    surface: '--brand-surface',
    text: '--brand-text'
  };
  var COLOR = /^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/;

  function apply(b) {
    if (!b || typeof b !== 'object') return;
    var colors = b.colors || {};
    for (var k in VARS) {
      if (typeof colors[k] === 'string' && COLOR.test(colors[k])) {
        root.style.setProperty(VARS[k], colors[k]);
      }
    }
    if (typeof b.name === 'string' && b.name) {
      document.title = b.name;
      root.setAttribute('data-tenant-name', b.name);
    }
    var meta = document.querySelector('meta[name="theme-color"]');
    if (meta && typeof colors.primary === 'string' && COLOR.test(colors.primary)) {
      meta.setAttribute('content', colors.primary);
    }
  }

  var cached = null;
  try {
    cached = JSON.parse(localStorage.getItem(key) || 'null');
  } catch (e) {
    cached = null;
  }
  var hide = document.createElement('style');
  if (cached) {
    apply(cached);
  } else {
    hide.textContent = 'body{visibility:hidden}';
    document.head.appendChild(hide);
  }
  function reveal() {
    if (hide.parentNode) hide.parentNode.removeChild(hide);
  }
  var timer = setTimeout(reveal, 1500);
  fetch('/t/' + slug + '/api/v1/branding', { headers: { accept: 'application/json' } })
    .then(function (r) {
      return r.ok ? r.json() : null;
    })
    .then(function (b) {
      if (!b) return;
      try {
        localStorage.setItem(key, JSON.stringify(b));
      } catch (e) {
        /* storage full or disabled: branding still applies for this page */
      }
      apply(b);
      window.dispatchEvent(new CustomEvent('mandant:branding', { detail: b }));
    })
    .catch(function () {
      /* offline: the cached branding (if any) stays */
    })
    .then(function () {
      clearTimeout(timer);
      reveal();
    });
})();

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

  // Black or white text on the primary colour, whichever contrasts more.
  function onColor(hex) {
    var h = hex.length === 4 ? '#' + hex[1] + hex[1] + hex[2] + hex[2] + hex[3] + hex[3] : hex;
    var l = [1, 3, 5]
      .map(function (i) {
        var c = parseInt(h.slice(i, i + 2), 16) / 255;
        return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
      })
      .reduce(function (sum, c, i) {
        return sum + c * [0.2126, 0.7152, 0.0722][i];
      }, 0);
    return (l + 0.05) / 0.05 > 1.05 / (l + 0.05) ? '#000000' : '#ffffff';
  }

  function apply(b) {
    if (!b || typeof b !== 'object') return;
    var given = b.colors || {};
    var colors = {};
    for (var c in given) colors[c] = given[c];
    if (!COLOR.test(colors.on_primary || '') && COLOR.test(colors.primary || '')) {
      colors.on_primary = onColor(colors.primary);
    }
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
  // Hidden through the CSSOM rather than a <style> element: a strict
  // Content-Security-Policy (style-src 'self') allows this.
  if (cached) {
    apply(cached);
  } else {
    root.style.visibility = 'hidden';
  }
  function reveal() {
    root.style.removeProperty('visibility');
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

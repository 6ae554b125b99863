/* summitry web app: draw Vega-Lite charts, wire the what-if sliders.
 *
 * Runs under a Content-Security-Policy without 'unsafe-eval': charts are drawn by
 * vega-embed with `ast: true`, i.e. Vega's expression interpreter instead of generated
 * code. Chart specs are read with JSON.parse from <script type="application/json">
 * elements; user text inside them is data, drawn by Vega as SVG text and escaped by
 * vega-tooltip. Nothing here builds HTML from strings.
 */
(function () {
  "use strict";

  var EMBED_OPTIONS = {
    actions: false,
    renderer: "svg",
    ast: true,
    defaultStyle: false,
    tooltip: { disableDefaultStyle: true, theme: "light" }
  };

  function each(root, selector, fn) {
    if (!root || !root.querySelectorAll) { return; }
    if (root.matches && root.matches(selector)) { fn(root); }
    Array.prototype.forEach.call(root.querySelectorAll(selector), fn);
  }

  function renderCharts(root) {
    if (typeof window.vegaEmbed !== "function") { return; }
    each(root, "[data-chart]", function (el) {
      if (el.getAttribute("data-rendered")) { return; }
      var source = document.getElementById(el.getAttribute("data-chart"));
      if (!source) { return; }
      el.setAttribute("data-rendered", "pending");
      var spec;
      try {
        spec = JSON.parse(source.textContent);
      } catch (err) {
        el.textContent = "The chart data could not be read.";
        return;
      }
      window.vegaEmbed(el, spec, EMBED_OPTIONS).then(function () {
        el.setAttribute("data-rendered", "done");
      }).catch(function (err) {
        el.setAttribute("data-rendered", "failed");
        el.textContent = "The chart could not be drawn: " + String(err && err.message || err);
      });
    });
  }

  function showActor(form, index) {
    each(form, "fieldset[data-actor]", function (fs) {
      fs.hidden = fs.getAttribute("data-actor") !== String(index);
    });
  }

  function syncOutputs(root) {
    each(root, "input[type=range][data-output]", function (input) {
      var out = document.getElementById(input.getAttribute("data-output"));
      if (out) {
        var v = Number(input.value);
        out.textContent = Math.abs(v) >= 100 ? v.toFixed(0) : Number(v.toPrecision(3)).toString();
      }
    });
  }

  function initWhatIf(root) {
    each(root, "form.whatif", function (form) {
      if (form.getAttribute("data-ready")) { return; }
      form.setAttribute("data-ready", "1");
      var select = form.querySelector("[data-actor-select]");
      if (select) {
        showActor(form, select.value);
        select.addEventListener("change", function () { showActor(form, select.value); });
      }
      form.addEventListener("input", function (ev) {
        if (ev.target && ev.target.matches("input[type=range]")) { syncOutputs(ev.target.parentNode); }
      });
      form.addEventListener("reset", function () {
        window.setTimeout(function () {
          syncOutputs(form);
          if (select) { showActor(form, select.value); }
          if (window.htmx) { window.htmx.trigger(form, "submit"); }
        }, 0);
      });
    });
  }

  function init(root) {
    renderCharts(root);
    initWhatIf(root);
  }

  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:load", function (ev) { init(ev.detail.elt); });
}());

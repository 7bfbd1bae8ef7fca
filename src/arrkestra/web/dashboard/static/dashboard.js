// arrkestra dashboard: the few lines of script the pages use. Every page works without it.
//  - [data-live="URL"]: the element's content is replaced every few seconds by the HTML
//    fragment at URL (server-rendered), while the tab is visible.
//  - form[data-confirm="question"]: asks before submitting.
//  - form[data-autosubmit]: a change of one of its selects submits it.
"use strict";
(function () {
  const PERIOD_MS = 3000;

  function refresh(element) {
    if (document.hidden) return;
    fetch(element.dataset.live, { credentials: "same-origin", headers: { "X-Requested-With": "dashboard" } })
      // a redirect means the session ended (the login form): keep what is shown
      .then(function (response) { return response.ok && !response.redirected ? response.text() : null; })
      .then(function (html) { if (html !== null) element.innerHTML = html; })
      .catch(function () { /* the next tick tries again */ });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-live]").forEach(function (element) {
      setInterval(function () { refresh(element); }, PERIOD_MS);
    });
    document.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.dataset.confirm)) event.preventDefault();
      });
    });
    document.querySelectorAll("form[data-autosubmit] select").forEach(function (select) {
      select.addEventListener("change", function () { select.form.submit(); });
    });
  });
})();
